"""The durable store: SQLite by default, PostgreSQL for a team."""

from __future__ import annotations

from sqlalchemy import Connection

from workbench.store._rows import interaction_from_row
from workbench.store.engine import head_revision, safe_url
from workbench.store.store import (
    Change,
    ConflictError,
    NotFoundError,
    Store,
    new_id,
    new_ids,
)

Transaction = Connection
"""An open store transaction (from ``Store.transaction()``): use cases hand it back to store
methods and never run SQL on it themselves."""

__all__ = [
    "Change",
    "ConflictError",
    "NotFoundError",
    "Store",
    "Transaction",
    "head_revision",
    "interaction_from_row",
    "new_id",
    "new_ids",
    "safe_url",
]

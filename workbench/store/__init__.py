"""The durable store: SQLite by default, PostgreSQL for a team."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

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
"""A store transaction, as ``Store.transaction()`` yields it: use cases hand it back to store
methods and never execute SQL on it themselves."""

DatabaseError = DBAPIError
"""What the database driver raised (a lost connection, a lock wait that timed out, ...)."""

__all__ = [
    "Change",
    "ConflictError",
    "DatabaseError",
    "NotFoundError",
    "Store",
    "Transaction",
    "head_revision",
    "interaction_from_row",
    "new_id",
    "new_ids",
    "safe_url",
]

"""The durable store: SQLite by default, PostgreSQL for a team."""

from __future__ import annotations

from workbench.store.engine import head_revision, safe_url
from workbench.store.store import (
    Change,
    ConflictError,
    NotFoundError,
    Store,
    interaction_from_row,
)

__all__ = [
    "Change",
    "ConflictError",
    "NotFoundError",
    "Store",
    "head_revision",
    "interaction_from_row",
    "safe_url",
]

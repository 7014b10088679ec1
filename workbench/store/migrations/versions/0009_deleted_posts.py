"""Deleted posts: ``transcript.deleted_at`` (when its author deleted the post; the line stays,
without its text) and ``interactions.deleted_at`` (when an author last deleted one of its
posts).

Revision ID: 0009
Revises: 0008

Revision 0001 builds its tables from the current ``schema.py``, so a new store has these
already; they are added only where missing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from workbench.store.schema import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("interactions", "transcript")


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    for table in TABLES:
        if "deleted_at" not in _columns(table):
            op.add_column(table, sa.Column("deleted_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        if "deleted_at" in _columns(table):
            # SQLite (3.35 and newer) drops a plain column in place (see revision 0006).
            op.get_bind().exec_driver_sql(f'ALTER TABLE {table} DROP COLUMN "deleted_at"')

"""Routing: the queues an agent serves, and when the rules routed an interaction.

Revision ID: 0002
Revises: 0001

Revision 0001 builds its tables from the current ``schema.py``, so on a new store the columns are
already there; they are added only where missing (stores made before this revision).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from workbench.store.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = {
    "agents": sa.Column("queues", sa.JSON(), nullable=True),
    "interactions": sa.Column("routed_at", UTCDateTime(), nullable=True),
}


def _has(table: str, column: str) -> bool:
    return any(c["name"] == column for c in sa.inspect(op.get_bind()).get_columns(table))


def upgrade() -> None:
    for table, column in COLUMNS.items():
        if not _has(table, column.name):
            op.add_column(table, column)


def downgrade() -> None:
    for table, column in COLUMNS.items():
        if _has(table, column.name):
            with op.batch_alter_table(table) as batch:
                batch.drop_column(column.name)

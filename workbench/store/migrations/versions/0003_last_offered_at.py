"""The interaction's latest offer time is ``last_offered_at``: the ledger's ``offered_at`` is the
first offer (from the event log), and the two no longer share a name.

Revision ID: 0003
Revises: 0002

Revision 0001 builds its tables from the current ``schema.py``, so a new store has the new name
already; the column is renamed only where the old one is (stores made before this revision).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _has(table: str, column: str) -> bool:
    return any(c["name"] == column for c in sa.inspect(op.get_bind()).get_columns(table))


def _rename(old: str, new: str) -> None:
    if _has("interactions", old) and not _has("interactions", new):
        with op.batch_alter_table("interactions") as batch:
            batch.alter_column(old, new_column_name=new)


def upgrade() -> None:
    _rename("offered_at", "last_offered_at")


def downgrade() -> None:
    _rename("last_offered_at", "offered_at")

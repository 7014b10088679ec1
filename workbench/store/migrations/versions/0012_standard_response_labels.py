"""Standard responses' labels: ``standard_responses.label``, what the agent picks one by (shown
in the reader's language; empty: its name). ``Store.load_reference_data`` fills the shipped
ones' labels.

Revision ID: 0012
Revises: 0011

Revision 0001 builds its tables from the current ``schema.py``, so a new store has this column
already; it is added only where missing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _columns() -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns("standard_responses")}


def upgrade() -> None:
    if "label" not in _columns():
        op.add_column(
            "standard_responses",
            sa.Column("label", sa.String(128), nullable=False, server_default=""),
        )


def downgrade() -> None:
    if "label" in _columns():
        # SQLite (3.35 and newer) drops a plain column in place (see revision 0006).
        op.get_bind().exec_driver_sql('ALTER TABLE standard_responses DROP COLUMN "label"')

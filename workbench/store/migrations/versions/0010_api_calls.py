"""The X calls the workbench made and what each cost (``api_calls``).

Revision ID: 0010
Revises: 0009

Revision 0001 builds its tables from the current ``schema.py``, so a new store has this one
already; it is created only where missing.
"""

from __future__ import annotations

from alembic import op

from workbench.store.schema import api_calls

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    api_calls.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    api_calls.drop(op.get_bind(), checkfirst=True)

"""A partial index of the interactions the router has not routed yet (``ix_interactions_unrouted``):
each routing pass finds new arrivals without reading the whole queue.

Revision ID: 0011
Revises: 0010

Revision 0001 builds its tables from the current ``schema.py``, so a new store has this one
already; it is created only where missing.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Index

from workbench.store.schema import interactions

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _index() -> Index:
    return next(i for i in interactions.indexes if i.name == "ix_interactions_unrouted")


def upgrade() -> None:
    _index().create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    _index().drop(op.get_bind(), checkfirst=True)

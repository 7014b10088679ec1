"""Time, priority and screening: since when the customer waits (``interactions.waiting_since``),
the priority the rules gave an interaction and why (``priority``, ``priority_reasons``), until when
it waits on the customer (``pending_until``), X's verified badge of a contact, and the tables of
priority and screening rules.

Revision ID: 0007
Revises: 0006

Revision 0001 builds its tables from the current ``schema.py``, so a new store has these
already; they are added only where missing. Open interactions nobody answered yet wait since
they arrived.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from workbench.store.schema import UTCDateTime, priority_rules, screening_rules

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _new_columns() -> dict[str, list[sa.Column[object]]]:
    """The columns to add (new objects each time: a column belongs to one table)."""
    return {
        "interactions": [
            sa.Column("waiting_since", UTCDateTime(), nullable=True),
            sa.Column("priority", sa.Integer(), nullable=False, server_default="0"),
            sa.Column("priority_reasons", sa.JSON(), nullable=True),
            sa.Column("pending_until", UTCDateTime(), nullable=True),
        ],
        "contacts": [sa.Column("verified", sa.Boolean(), nullable=False, server_default="0")],
    }


TABLES = (priority_rules, screening_rules)


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    bind = op.get_bind()
    for table, columns in _new_columns().items():
        have = _columns(table)
        for column in columns:
            if column.name not in have:
                op.add_column(table, column)
    for new in TABLES:
        new.create(bind, checkfirst=True)
    bind.exec_driver_sql(
        "UPDATE interactions SET waiting_since = arrived_at"
        " WHERE waiting_since IS NULL AND first_reply_at IS NULL AND state <> 'done'"
    )


def downgrade() -> None:
    bind = op.get_bind()
    for old in reversed(TABLES):
        old.drop(bind, checkfirst=True)
    for table, columns in _new_columns().items():
        have = _columns(table)
        for column in columns:
            if column.name in have:
                # SQLite (3.35 and newer) drops a plain column in place (see revision 0006).
                bind.exec_driver_sql(f'ALTER TABLE {table} DROP COLUMN "{column.name}"')

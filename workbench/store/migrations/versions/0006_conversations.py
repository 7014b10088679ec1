"""Conversations: ``interactions.preferred_agent`` (who the router offers a reopened interaction
to first) and ``interactions.previous_id`` (the interaction a late follow-up continues); indexes
to find a contact's interactions and the transcript line of a tweet or DM event, as ingest does
for every message it threads.

Revision ID: 0006
Revises: 0005

Revision 0001 builds its tables from the current ``schema.py``, so a new store has these
already; they are added only where missing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = {"preferred_agent": 64, "previous_id": 36}
INDEXES = {
    "ix_interactions_contact_id": ("interactions", "contact_id"),
    "ix_transcript_tweet_id": ("transcript", "tweet_id"),
}


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _indexes(table: str) -> set[str]:
    return {str(i["name"]) for i in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade() -> None:
    have = _columns("interactions")
    for name, length in COLUMNS.items():
        if name not in have:
            op.add_column("interactions", sa.Column(name, sa.String(length)))
    for name, (table, column) in INDEXES.items():
        if name not in _indexes(table):
            op.create_index(name, table, [column])


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        if name in _indexes(table):
            op.drop_index(name, table_name=table)
    have = _columns("interactions")
    for name in COLUMNS:
        if name in have:
            # SQLite (3.35 and newer) drops a plain column in place: no table rebuild, which
            # the transcript's foreign key to the interactions would refuse.
            op.get_bind().exec_driver_sql(f'ALTER TABLE interactions DROP COLUMN "{name}"')

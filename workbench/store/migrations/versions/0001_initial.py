"""The initial schema.

Revision ID: 0001
Revises:

The baseline creates every table of ``schema.py`` as it stood at this revision. A later change to
``schema.py`` comes with a revision of its own (``op.add_column`` ...); ``tests/store`` checks that
the migrated schema matches ``schema.py``, so a change without its revision fails there.
"""

from __future__ import annotations

from alembic import op

from workbench.store.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = [
    "agents",
    "contacts",
    "interactions",
    "transcript",
    "events",
    "outbox",
    "dispositions",
    "standard_responses",
    "queues",
    "routing_rules",
    "cursors",
    "quarantine",
]


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[metadata.tables[name] for name in TABLES])


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[name] for name in TABLES])

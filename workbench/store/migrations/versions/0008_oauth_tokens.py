"""OAuth 2.0 tokens: each brand account's user-context tokens (``oauth_tokens``), which the X
Activity API's subscriptions to private events (DMs) need.

Revision ID: 0008
Revises: 0007

Revision 0001 builds its tables from the current ``schema.py``, so a new store has this table
already; it is added only where missing.
"""

from __future__ import annotations

from alembic import op

from workbench.store.schema import oauth_tokens

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    oauth_tokens.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    oauth_tokens.drop(op.get_bind(), checkfirst=True)

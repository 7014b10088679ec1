"""SQLite keeps a timestamp as text, so the store writes each in one form (SQLAlchemy's
``YYYY-MM-DD HH:MM:SS.ffffff``, in UTC) and text order is time order. Updates written before
this revision stored some as ``YYYY-MM-DD HH:MM:SS+00:00``: ordering by time or comparing with a
bound time put those rows in the wrong place. This revision rewrites them in the one form.

Revision ID: 0005
Revises: 0004

PostgreSQL stores ``timestamptz`` values, not text: nothing to do there.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from workbench.store import schema as t

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_FORM = "%Y-%m-%d %H:%M:%S.%f"
_LENGTH = len("2026-01-01 00:00:00.000000")


def _canonical(text: str) -> str:
    at = datetime.fromisoformat(text)
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.strftime(_FORM)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    inspector = sa.inspect(bind)
    present = set(inspector.get_table_names())
    for table in t.metadata.sorted_tables:
        if table.name not in present:
            continue
        # The schema of today may have columns a later revision adds (SQLite would read an
        # unknown quoted name as a string).
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if not isinstance(column.type, t.UTCDateTime) or column.name not in have:
                continue
            name = column.name
            # Only rows in another form are read; the one form has a fixed length.
            odd = bind.exec_driver_sql(
                f'SELECT DISTINCT "{name}" FROM "{table.name}" '
                f'WHERE "{name}" IS NOT NULL AND length("{name}") != {_LENGTH}'
            ).all()
            for (old,) in odd:
                bind.exec_driver_sql(
                    f'UPDATE "{table.name}" SET "{name}" = ? WHERE "{name}" = ?',
                    (_canonical(old), old),
                )


def downgrade() -> None:
    """Nothing to undo: the one form reads back as the same times."""

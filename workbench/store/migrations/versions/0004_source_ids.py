"""One column per kind of id: ``interactions.source_id`` (a tweet id, a DM event id or
``post:<key>``) becomes ``tweet_id``, ``dm_event_id`` and ``post_key``, each unique; the outbox
keeps the id X gave what it sent in ``outbox.x_id`` (indexed), so that ingest matches the brand's
own messages by it instead of searching the ``result`` JSON.

Revision ID: 0004
Revises: 0003

Revision 0001 builds its tables from the current ``schema.py``, so a new store has the new
columns already; they are added (and filled from the old ones) only where missing, in stores
made before this revision.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SOURCES = ("tweet_id", "dm_event_id", "post_key")
LENGTHS = {"tweet_id": 32, "dm_event_id": 32, "post_key": 128}
POST_PREFIX = "post:"


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


@contextmanager
def _rebuilding_interactions() -> Iterator[None]:
    """SQLite drops a column by rebuilding the table, and the store's connections enforce foreign
    keys: a parent table whose rows have children cannot be dropped. The rows of the tables that
    refer to ``interactions`` (the transcript) are set aside meanwhile, in this transaction."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    inspector = sa.inspect(bind)
    children = [
        name
        for name in inspector.get_table_names()
        if any(fk["referred_table"] == "interactions" for fk in inspector.get_foreign_keys(name))
    ]
    for name in children:
        bind.exec_driver_sql(f'CREATE TEMP TABLE "_keep_{name}" AS SELECT * FROM "{name}"')
        bind.exec_driver_sql(f'DELETE FROM "{name}"')
    yield
    for name in children:
        bind.exec_driver_sql(f'INSERT INTO "{name}" SELECT * FROM "_keep_{name}"')
        bind.exec_driver_sql(f'DROP TABLE "_keep_{name}"')


def _split(channel: str, source_id: str) -> dict[str, str | None]:
    """The new columns of an old ``(channel, source_id)``."""
    out: dict[str, str | None] = dict.fromkeys(SOURCES)
    if source_id.startswith(POST_PREFIX):
        out["post_key"] = source_id.removeprefix(POST_PREFIX)
    elif channel == "dm":
        out["dm_event_id"] = source_id
    else:
        out["tweet_id"] = source_id
    return out


def _x_id(result: Any) -> str | None:
    """The id X gave a sent row (tweet id or DM event id), from its stored result."""
    if isinstance(result, str):
        try:
            result = json.loads(result)
        except ValueError:
            return None
    if not isinstance(result, dict):
        return None
    found = result.get("dm_event_id") or result.get("id")
    return str(found) if isinstance(found, (str, int)) and not isinstance(found, bool) else None


def _interactions_up() -> None:
    have = _columns("interactions")
    for name in SOURCES:
        if name not in have:
            op.add_column("interactions", sa.Column(name, sa.String(LENGTHS[name]), nullable=True))
    if "source_id" not in have:
        return
    bind = op.get_bind()
    table = sa.table(
        "interactions",
        sa.column("id", sa.String),
        sa.column("channel", sa.String),
        sa.column("source_id", sa.String),
        *(sa.column(name, sa.String) for name in SOURCES),
    )
    rows = bind.execute(sa.select(table.c.id, table.c.channel, table.c.source_id)).all()
    values = [{"_id": r.id, **_split(r.channel, r.source_id or "")} for r in rows]
    if values:
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam("_id"))
            .values({name: sa.bindparam(name) for name in SOURCES}),
            values,
        )
    with _rebuilding_interactions(), op.batch_alter_table("interactions") as batch:
        batch.drop_constraint("uq_interactions_source", type_="unique")
        batch.drop_column("source_id")
        for name in SOURCES:
            batch.create_unique_constraint(f"uq_interactions_{name}", [name])


def _outbox_up() -> None:
    if "x_id" in _columns("outbox"):
        return
    op.add_column("outbox", sa.Column("x_id", sa.String(32), nullable=True))
    op.create_index("ix_outbox_x_id", "outbox", ["x_id"])
    bind = op.get_bind()
    table = sa.table(
        "outbox",
        sa.column("id", sa.Integer),
        sa.column("state", sa.String),
        sa.column("result", sa.Text),
        sa.column("x_id", sa.String),
    )
    rows = bind.execute(sa.select(table.c.id, table.c.result).where(table.c.state == "sent")).all()
    values = [{"_id": r.id, "x_id": x} for r in rows if (x := _x_id(r.result)) is not None]
    if values:
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam("_id"))
            .values(x_id=sa.bindparam("x_id")),
            values,
        )


def upgrade() -> None:
    _interactions_up()
    _outbox_up()


def downgrade() -> None:
    if "x_id" in _columns("outbox"):
        op.drop_index("ix_outbox_x_id", "outbox")
        with op.batch_alter_table("outbox") as batch:
            batch.drop_column("x_id")
    have = _columns("interactions")
    if "source_id" in have or not set(SOURCES) <= have:
        return
    op.add_column("interactions", sa.Column("source_id", sa.String(64), nullable=True))
    bind = op.get_bind()
    table = sa.table(
        "interactions",
        sa.column("id", sa.String),
        sa.column("source_id", sa.String),
        *(sa.column(name, sa.String) for name in SOURCES),
    )
    rows = bind.execute(sa.select(table.c.id, *(table.c[name] for name in SOURCES))).all()
    values = [
        {
            "_id": r.id,
            "source_id": r.tweet_id
            or r.dm_event_id
            or (POST_PREFIX + r.post_key if r.post_key else r.id),
        }
        for r in rows
    ]
    if values:
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam("_id"))
            .values(source_id=sa.bindparam("source_id")),
            values,
        )
    with _rebuilding_interactions(), op.batch_alter_table("interactions") as batch:
        for name in SOURCES:
            batch.drop_constraint(f"uq_interactions_{name}", type_="unique")
            batch.drop_column(name)
        batch.alter_column("source_id", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_interactions_source", ["channel", "source_id"])

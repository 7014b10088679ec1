"""Queues: where routed interactions wait for an agent (public mentions, DMs, VIP, ...)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update

from workbench.domain import State
from workbench.errors import ValidationError
from workbench.store import NotFoundError, Store
from workbench.store import schema as t


@dataclass(frozen=True)
class Queue:
    name: str
    label: str


def _check_name(name: str) -> None:
    if (
        not isinstance(name, str)
        or not 1 <= len(name) <= 64
        or not name.replace("_", "").replace("-", "").isalnum()
    ):
        raise ValidationError("queue", f"1-64 letters, digits, _ or - are required, got {name!r}")


def queues(store: Store) -> list[Queue]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.queues).order_by(t.queues.c.name))
        return [Queue(r.name, r.label) for r in rows]


def add_queue(store: Store, name: str, label: str = "") -> Queue:
    """Add a queue; a name already taken is refused."""
    _check_name(name)
    with store.transaction() as conn:
        if conn.execute(select(t.queues.c.name).where(t.queues.c.name == name)).first():
            raise ValidationError("queue", f"a queue named {name!r} already exists")
        conn.execute(insert(t.queues), {"name": name, "label": label or name})
    return Queue(name, label or name)


def rename_queue(store: Store, name: str, label: str) -> Queue:
    """Change the label a queue is shown with."""
    with store.transaction() as conn:
        done = conn.execute(update(t.queues).where(t.queues.c.name == name).values(label=label))
        if done.rowcount != 1:
            raise NotFoundError(f"queue {name!r} does not exist")
    return Queue(name, label)


def delete_queue(store: Store, name: str) -> None:
    """Remove a queue no rule sends to and no open interaction waits in."""
    with store.transaction() as conn:
        if not conn.execute(select(t.queues.c.name).where(t.queues.c.name == name)).first():
            raise NotFoundError(f"queue {name!r} does not exist")
        rules = conn.execute(
            select(func.count()).select_from(t.routing_rules).where(t.routing_rules.c.queue == name)
        ).scalar_one()
        if rules:
            raise ValidationError("queue", f"{rules} routing rule(s) send to {name!r}")
        waiting = conn.execute(
            select(func.count())
            .select_from(t.interactions)
            .where(t.interactions.c.queue == name, t.interactions.c.state != State.DONE.value)
        ).scalar_one()
        if waiting:
            raise ValidationError("queue", f"{waiting} open interaction(s) are in {name!r}")
        conn.execute(delete(t.queues).where(t.queues.c.name == name))

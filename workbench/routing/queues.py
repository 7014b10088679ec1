"""Queues: where routed interactions wait for an agent (public mentions, DMs, VIP, ...)."""

from __future__ import annotations

from workbench.domain.routing import Queue
from workbench.errors import ValidationError
from workbench.store import NotFoundError, Store

__all__ = ["Queue", "add_queue", "delete_queue", "queues", "rename_queue"]


def _check_name(name: str) -> None:
    if (
        not isinstance(name, str)
        or not 1 <= len(name) <= 64
        or not name.replace("_", "").replace("-", "").isalnum()
    ):
        raise ValidationError("queue", f"1-64 letters, digits, _ or - are required, got {name!r}")


def queues(store: Store) -> list[Queue]:
    return store.routing.queues()


def add_queue(store: Store, name: str, label: str = "") -> Queue:
    """Add a queue; a name already taken is refused."""
    _check_name(name)
    with store.transaction() as conn:
        if store.routing.has_queue(conn, name):
            raise ValidationError("queue", f"a queue named {name!r} already exists")
        store.routing.add_queue(conn, name, label or name)
    return Queue(name, label or name)


def rename_queue(store: Store, name: str, label: str) -> Queue:
    """Change the label a queue is shown with."""
    with store.transaction() as conn:
        if not store.routing.set_queue_label(conn, name, label):
            raise NotFoundError(f"queue {name!r} does not exist")
    return Queue(name, label)


def delete_queue(store: Store, name: str) -> None:
    """Remove a queue no rule sends to and no open interaction waits in."""
    tables = store.routing
    with store.transaction() as conn:
        if not tables.has_queue(conn, name):
            raise NotFoundError(f"queue {name!r} does not exist")
        rules = tables.rules_to(conn, name)
        if rules:
            raise ValidationError("queue", f"{rules} routing rule(s) send to {name!r}")
        waiting = tables.open_in(conn, name)
        if waiting:
            raise ValidationError("queue", f"{waiting} open interaction(s) are in {name!r}")
        tables.delete_queue(conn, name)

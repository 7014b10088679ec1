"""What the supervisor's dashboard reads beyond the ledger: the events appended after an id,
with their agent and details (agent states, holds, rejections), so it keeps them incrementally."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from workbench.domain import Event
from workbench.store import schema as t
from workbench.store._rows import event_from_row

if TYPE_CHECKING:
    from workbench.store.store import Store


class SupervisionReads:
    """Reads for ``workbench.supervisor``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def events_after(self, after: int, limit: int | None = None) -> list[tuple[int, Event]]:
        """(id, event) of the events with an id greater than ``after``, in id order."""
        query = select(t.events).where(t.events.c.id > after).order_by(t.events.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self.store.read() as conn:
            return [(int(r.id), event_from_row(r)) for r in conn.execute(query)]

"""The X calls the workbench made and what each cost (``store.api_calls``): written a batch at a
time (one statement for a page's calls), summed for the daily budget."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, select

from workbench.domain.cost import ApiCall
from workbench.store import schema as t
from workbench.store._bulk import insert_rows

if TYPE_CHECKING:
    from workbench.store.store import Store

_KEYS = (
    "at",
    "timeline",
    "endpoint",
    "kind",
    "resources",
    "cost",
    "plan",
    "interaction_id",
)


class ApiCallTable:
    """The ``api_calls`` table."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, conn: Connection, calls: Sequence[ApiCall]) -> None:
        """Write ``calls`` in ``conn``'s transaction, in one statement."""
        insert_rows(
            conn,
            t.api_calls,
            _KEYS,
            [
                (
                    c.at,
                    c.timeline[:32],
                    c.endpoint[:96],
                    c.kind.value,
                    c.resources,
                    c.micros,
                    c.plan[:16],
                    c.interaction_id,
                )
                for c in calls
            ],
        )

    def record(self, calls: Sequence[ApiCall]) -> None:
        """Write ``calls`` in a transaction of their own."""
        if calls:
            with self._store.transaction() as conn:
                self.add(conn, calls)

    def spent_since(self, since: datetime) -> int:
        """Micro-dollars of the calls recorded at ``since`` or later (the index on ``at``
        keeps this to the day's rows)."""
        query = select(func.coalesce(func.sum(t.api_calls.c.cost), 0)).where(
            t.api_calls.c.at >= since
        )
        with self._store.read() as conn:
            return int(conn.execute(query).scalar_one())

"""A table of rules a supervisor edits, tried in order of position then id: the routing rules,
the priority rules and the screening rules each are one (``store.routing.rules``,
``store.routing.priorities``, ``store.screening.rules``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from sqlalchemy import Connection, Row, Table, delete, func, select, update

if TYPE_CHECKING:
    from workbench.store.store import Store


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=_Identified)


class RuleTable(Generic[R]):
    """List, read, add, change and delete the rules of ``table`` (rows become rules through
    ``from_row``, rules rows through ``values``)."""

    def __init__(
        self,
        store: Store,
        table: Table,
        from_row: Callable[[Row[Any]], R],
        values: Callable[[R], dict[str, Any]],
    ) -> None:
        self.store = store
        self._table = table
        self._from_row = from_row
        self._values = values
        self._ordered = select(table).order_by(table.c.position, table.c.id)

    def all(self, conn: Connection | None = None) -> list[R]:
        """The rules in the order they are tried (position, then id)."""
        if conn is None:
            with self.store.read() as c:
                return self.all(c)
        return [self._from_row(r) for r in conn.execute(self._ordered)]

    def get(self, conn: Connection, rule_id: int) -> R | None:
        row = conn.execute(select(self._table).where(self._table.c.id == rule_id)).first()
        return None if row is None else self._from_row(row)

    def last_position(self, conn: Connection) -> int | None:
        return conn.execute(select(func.max(self._table.c.position))).scalar()

    def add(self, conn: Connection, rule: R) -> int:
        """Insert the rule (its ``id`` is ignored); returns the new id."""
        table = self._table
        return int(
            conn.execute(table.insert().returning(table.c.id), self._values(rule)).scalar_one()
        )

    def update(self, conn: Connection, rule: R) -> None:
        table = self._table
        conn.execute(update(table).where(table.c.id == rule.id).values(self._values(rule)))

    def delete(self, conn: Connection, rule_id: int) -> bool:
        """False when there is no such rule."""
        table = self._table
        return bool(conn.execute(delete(table).where(table.c.id == rule_id)).rowcount == 1)

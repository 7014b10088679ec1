"""The agents table: who is registered, their state, room and heartbeat, and agent events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, func, select, update

from workbench.domain import Action, Event, State
from workbench.domain.agent import Agent, AgentState
from workbench.store import schema as t
from workbench.store._rows import event_row

if TYPE_CHECKING:
    from workbench.store.store import Store

_a = t.agents
_BY_NAME = select(_a).where(_a.c.name == bindparam("name"))
_BY_NAME_LOCKED = _BY_NAME.with_for_update()
_EXISTS = select(_a.c.name).where(_a.c.name == bindparam("name"))
_ALL = select(_a).order_by(_a.c.name)
_HEARTBEAT = (
    update(_a).where(_a.c.name == bindparam("b_name")).values(heartbeat_at=bindparam("b_at"))
)
_HELD = (
    select(t.interactions.c.agent, func.count())
    .where(t.interactions.c.state.in_([State.OFFERED.value, State.ACCEPTED.value]))
    .group_by(t.interactions.c.agent)
)


def agent_from_row(row: Any) -> Agent:
    """The domain object of an ``agents`` row."""
    return Agent(
        name=row.name,
        display_name=row.display_name,
        state=AgentState(row.state),
        reason=row.reason,
        capacity=row.capacity,
        heartbeat_at=row.heartbeat_at,
        idle_since=row.idle_since,
        queues=None if row.queues is None else tuple(row.queues),
    )


def _not_found(name: str) -> Exception:
    from workbench.store.store import NotFoundError

    return NotFoundError(f"agent {name!r} is not registered")


def lock(conn: Connection, name: str) -> Agent:
    """The agent, its row locked for the transaction (PostgreSQL: FOR UPDATE)."""
    query = _BY_NAME_LOCKED if conn.dialect.name == "postgresql" else _BY_NAME
    row = conn.execute(query, {"name": name}).first()
    if row is None:
        raise _not_found(name)
    return agent_from_row(row)


def held(conn: Connection, names: Sequence[str]) -> dict[str, int]:
    """How many interactions each agent holds now (offered to them or accepted by them)."""
    if not names:
        return {}
    counts = {name: 0 for name in names}
    # By state, the few held rows: by agent it would read every interaction they ever had.
    for agent, n in conn.execute(_HELD):
        if agent in counts:
            counts[agent] = int(n)
    return counts


def update_agent(conn: Connection, name: str, **values: Any) -> None:
    """Set the given columns of the agent's row (``state`` may be an ``AgentState``)."""
    if isinstance(values.get("state"), AgentState):
        values["state"] = values["state"].value
    if values.get("queues") is not None:
        values["queues"] = list(values["queues"])
    done = conn.execute(update(_a).where(_a.c.name == name).values(**values))
    if done.rowcount != 1:
        raise _not_found(name)


def log(
    conn: Connection,
    name: str,
    action: Action,
    details: dict[str, Any],
    at: datetime | None = None,
) -> None:
    """Append an agent event (not about an interaction), at ``at`` (default: now)."""
    event = Event(action, None, name, details=details)
    conn.execute(t.events.insert(), event_row(event if at is None else replace(event, at=at)))


class AgentTable:
    """Reads and writes of the ``agents`` table (``store.agents``). Methods taking ``conn`` run
    in the caller's transaction; the others open their own."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def exists(self, conn: Connection, name: str) -> bool:
        return conn.execute(_EXISTS, {"name": name}).first() is not None

    def add(
        self,
        conn: Connection,
        name: str,
        *,
        display_name: str,
        state: AgentState,
        reason: str,
        capacity: int,
        queues: Sequence[str] | None,
        now: datetime,
    ) -> None:
        """Insert a new agent's row."""
        conn.execute(
            _a.insert(),
            {
                "name": name,
                "display_name": display_name,
                "state": state.value,
                "reason": reason,
                "capacity": capacity,
                "heartbeat_at": now,
                "idle_since": None,
                "created_at": now,
                "queues": None if queues is None else list(queues),
            },
        )

    def update(self, conn: Connection, name: str, **values: Any) -> None:
        """Set the given columns of the agent's row (``state`` may be an ``AgentState``)."""
        update_agent(conn, name, **values)

    def lock(self, conn: Connection, name: str) -> Agent:
        """The agent, its row locked for the transaction (PostgreSQL: FOR UPDATE)."""
        return lock(conn, name)

    def heartbeat(self, name: str, at: datetime) -> None:
        with self.store.transaction() as conn:
            if conn.execute(_HEARTBEAT, {"b_name": name, "b_at": at}).rowcount != 1:
                raise _not_found(name)

    def get(self, name: str, conn: Connection | None = None) -> Agent:
        """The agent (read in ``conn``'s transaction when given, unlocked)."""
        if conn is None:
            with self.store.read() as c:
                return self.get(name, c)
        row = conn.execute(_BY_NAME, {"name": name}).first()
        if row is None:
            raise _not_found(name)
        return agent_from_row(row)

    def all(self) -> list[Agent]:
        """Every agent, by name."""
        with self.store.read() as conn:
            return [agent_from_row(r) for r in conn.execute(_ALL)]

    def held(self, conn: Connection, names: Sequence[str]) -> dict[str, int]:
        """How many interactions each agent holds now (offered to them or accepted by them)."""
        return held(conn, names)

    def log(self, conn: Connection, name: str, action: Action, details: dict[str, Any]) -> None:
        """Append an agent event (not about an interaction)."""
        log(conn, name, action, details)


def mark_idle(conn: Connection, name: str, at: datetime) -> None:
    """The agent has had nothing in hand since ``at`` (offers go to the longest idle first)."""
    conn.execute(update(_a).where(_a.c.name == name).values(idle_since=at))

"""Agents: who takes offers, in which state, with how much room, and whether they are still there.

An agent is Ready (takes offers), Not Ready (with a reason) or in After Call Work. Each open
workspace beats a heartbeat; an agent whose heartbeat is older than ``HEARTBEAT_STALE`` gets no
offers and the router returns its pending offers to the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from workbench.domain import Event, State, utcnow
from workbench.errors import ValidationError
from workbench.store import NotFoundError, Store
from workbench.store import schema as t

HEARTBEAT_INTERVAL = 5.0
"""Seconds between heartbeats of an open workspace."""
HEARTBEAT_STALE = 3 * HEARTBEAT_INTERVAL
"""An agent silent for longer than this is gone: no offers, and pending offers are requeued."""


class AgentState(str, Enum):
    """Whether the agent takes offers."""

    READY = "ready"
    NOT_READY = "not_ready"
    AFTER_CALL_WORK = "after_call_work"


@dataclass(frozen=True)
class Agent:
    """An agent as the router sees them."""

    name: str
    display_name: str
    state: AgentState
    reason: str
    capacity: int
    heartbeat_at: datetime | None
    idle_since: datetime | None
    queues: tuple[str, ...] | None
    """The queues the agent takes offers from; None means every queue."""

    def online(self, now: datetime | None = None, stale: float = HEARTBEAT_STALE) -> bool:
        """Whether the agent's heartbeat is recent enough."""
        if self.heartbeat_at is None:
            return False
        return (now or utcnow()) - self.heartbeat_at <= timedelta(seconds=stale)

    def serves(self, queue: str) -> bool:
        return self.queues is None or queue in self.queues

    @property
    def initials(self) -> str:
        words = (self.display_name or self.name).replace("_", " ").replace(".", " ").split()
        return "".join(w[0].upper() for w in words if w) or self.name[:1].upper()


def _agent(row: Any) -> Agent:
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


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        raise ValidationError("agent", f"a name of 1 to 64 characters is required, got {name!r}")


def _check_queues(conn: Connection, queues: Sequence[str] | None) -> list[str] | None:
    if queues is None:
        return None
    known = set(conn.execute(select(t.queues.c.name)).scalars())
    unknown = [q for q in queues if q not in known]
    if unknown:
        raise ValidationError(
            "queues", f"no such queue {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    return list(queues)


def lock_agent(conn: Connection, name: str) -> Agent:
    """Read the agent's row and lock it for the transaction (PostgreSQL: FOR UPDATE)."""
    query = select(t.agents).where(t.agents.c.name == name)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFoundError(f"agent {name!r} is not registered")
    return _agent(row)


def load(conn: Connection, names: Sequence[str]) -> dict[str, int]:
    """How many interactions each agent holds now (offered to them or accepted by them)."""
    if not names:
        return {}
    rows = conn.execute(
        select(t.interactions.c.agent, func.count())
        .where(
            t.interactions.c.state.in_([State.OFFERED.value, State.ACCEPTED.value]),
            t.interactions.c.agent.in_(list(names)),
        )
        .group_by(t.interactions.c.agent)
    )
    counts = {name: 0 for name in names}
    counts.update({agent: int(n) for agent, n in rows})
    return counts


def mark_idle(conn: Connection, name: str, at: datetime) -> None:
    """The agent has had nothing in hand since ``at`` (offers go to the longest idle first)."""
    conn.execute(update(t.agents).where(t.agents.c.name == name).values(idle_since=at))


def _log(conn: Connection, name: str, action: str, **details: Any) -> None:
    event = Event(action, None, name, details=details)
    conn.execute(
        insert(t.events),
        {
            "at": event.at,
            "interaction_id": None,
            "agent": name,
            "action": action,
            "details": details,
        },
    )


def register_agent(
    store: Store,
    name: str,
    display_name: str = "",
    capacity: int | None = None,
    queues: Sequence[str] | None = None,
) -> Agent:
    """Add the agent (Not Ready, "logged in") or refresh the given fields of an existing one."""
    _check_name(name)
    if capacity is not None and (not isinstance(capacity, int) or not 1 <= capacity <= 100):
        raise ValidationError(
            "capacity", f"a whole number from 1 to 100 is required, got {capacity!r}"
        )
    now = utcnow()
    with store.transaction() as conn:
        chosen = _check_queues(conn, queues)
        found = conn.execute(select(t.agents.c.name).where(t.agents.c.name == name)).first()
        if found is None:
            conn.execute(
                insert(t.agents),
                {
                    "name": name,
                    "display_name": display_name or name,
                    "state": AgentState.NOT_READY.value,
                    "reason": "logged in",
                    "capacity": capacity or 1,
                    "heartbeat_at": now,
                    "idle_since": None,
                    "created_at": now,
                    "queues": chosen,
                },
            )
            _log(conn, name, "agent_registered", capacity=capacity or 1, queues=chosen)
        else:
            changes: dict[str, Any] = {"heartbeat_at": now}
            if display_name:
                changes["display_name"] = display_name
            if capacity is not None:
                changes["capacity"] = capacity
            if queues is not None:
                changes["queues"] = chosen
            conn.execute(update(t.agents).where(t.agents.c.name == name).values(**changes))
        return lock_agent(conn, name)


def set_agent_state(
    store: Store, name: str, state: AgentState | str, reason: str = "", by: str | None = None
) -> Agent:
    """Move the agent to Ready, Not Ready (a reason is required) or After Call Work; ``by``
    names who did it when it is not the agent (a supervisor), in the event's details."""
    try:
        new = AgentState(state)
    except ValueError:
        allowed = ", ".join(s.value for s in AgentState)
        raise ValidationError("state", f"one of {allowed} is required, got {state!r}") from None
    reason = (reason or "").strip()
    if new is AgentState.NOT_READY and not reason:
        raise ValidationError("reason", "Not Ready needs a reason (break, training, ...)")
    if len(reason) > 128:
        raise ValidationError("reason", "at most 128 characters")
    now = utcnow()
    with store.transaction() as conn:
        before = lock_agent(conn, name)
        changes: dict[str, Any] = {"state": new.value, "reason": reason, "heartbeat_at": now}
        if new is AgentState.READY and before.state is not AgentState.READY:
            changes["idle_since"] = now
        conn.execute(update(t.agents).where(t.agents.c.name == name).values(**changes))
        if before.state is not new or before.reason != reason:
            _log(
                conn,
                name,
                "agent_state",
                state=new.value,
                reason=reason,
                previous=before.state.value,
                **({"by": by} if by else {}),
            )
        return lock_agent(conn, name)


def heartbeat(store: Store, name: str, now: datetime | None = None) -> None:
    """Tell the router the agent's workspace is still open."""
    with store.transaction() as conn:
        done = conn.execute(
            update(t.agents).where(t.agents.c.name == name).values(heartbeat_at=now or utcnow())
        )
        if done.rowcount != 1:
            raise NotFoundError(f"agent {name!r} is not registered")


def agent(store: Store, name: str) -> Agent:
    with store.engine.connect() as conn:
        row = conn.execute(select(t.agents).where(t.agents.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"agent {name!r} is not registered")
    return _agent(row)


def agents(store: Store) -> list[Agent]:
    with store.engine.connect() as conn:
        return [_agent(r) for r in conn.execute(select(t.agents).order_by(t.agents.c.name))]

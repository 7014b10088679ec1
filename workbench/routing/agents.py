"""Agents: who takes offers, in which state, with how much room, and whether they are still there.

The rules (names, capacities, states and their reasons) are checked here; the agents table is
``store.agents``. ``Agent`` and ``AgentState`` live in ``workbench.domain.agent``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from workbench.domain import Action, utcnow
from workbench.domain.agent import (
    HEARTBEAT_INTERVAL,
    HEARTBEAT_STALE,
    LOGGED_IN,
    SIGNED_OUT,
    Agent,
    AgentState,
)
from workbench.errors import ValidationError
from workbench.store import Store, Transaction
from workbench.store import agents as _table

__all__ = [
    "HEARTBEAT_INTERVAL",
    "HEARTBEAT_STALE",
    "Agent",
    "AgentState",
    "agent",
    "agents",
    "heartbeat",
    "load",
    "lock_agent",
    "mark_idle",
    "register_agent",
    "set_agent_state",
    "sign_out",
]

_agent = _table.agent_from_row
"""The ``Agent`` of an agents row (kept for callers that read rows themselves)."""


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        raise ValidationError("agent", f"a name of 1 to 64 characters is required, got {name!r}")


def _check_queues(
    store: Store, conn: Transaction, queues: Sequence[str] | None
) -> list[str] | None:
    if queues is None:
        return None
    known = set(store.routing.queue_names(conn))
    unknown = [q for q in queues if q not in known]
    if unknown:
        raise ValidationError(
            "queues", f"no such queue {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    return list(queues)


def lock_agent(conn: Transaction, name: str) -> Agent:
    """Read the agent and lock their row for the transaction (PostgreSQL: FOR UPDATE)."""
    return _table.lock(conn, name)


def load(conn: Transaction, names: Sequence[str]) -> dict[str, int]:
    """How many interactions each agent holds now (offered to them or accepted by them)."""
    return _table.held(conn, names)


def mark_idle(conn: Transaction, name: str, at: datetime) -> None:
    """The agent has had nothing in hand since ``at`` (offers go to the longest idle first)."""
    _table.mark_idle(conn, name, at)


def register_agent(
    store: Store,
    name: str,
    display_name: str = "",
    capacity: int | None = None,
    queues: Sequence[str] | None = None,
) -> Agent:
    """Add the agent (Not Ready, "logged in") or refresh the given fields of an existing one;
    one who had signed out is signed in again (Not Ready, "logged in", logged as a state
    event)."""
    _check_name(name)
    if capacity is not None and (not isinstance(capacity, int) or not 1 <= capacity <= 100):
        raise ValidationError(
            "capacity", f"a whole number from 1 to 100 is required, got {capacity!r}"
        )
    now = utcnow()
    table = store.agents
    with store.transaction() as conn:
        chosen = _check_queues(store, conn, queues)
        if not table.exists(conn, name):
            table.add(
                conn,
                name,
                display_name=display_name or name,
                state=AgentState.NOT_READY,
                reason=LOGGED_IN,
                capacity=capacity or 1,
                queues=chosen,
                now=now,
            )
            table.log(
                conn, name, Action.AGENT_REGISTERED, {"capacity": capacity or 1, "queues": chosen}
            )
        else:
            changes: dict[str, Any] = {"heartbeat_at": now}
            if display_name:
                changes["display_name"] = display_name
            if capacity is not None:
                changes["capacity"] = capacity
            if queues is not None:
                changes["queues"] = chosen
            table.update(conn, name, **changes)
            if not table.lock(conn, name).signed_in:
                change_state(conn, name, AgentState.NOT_READY, LOGGED_IN, now)
        return table.lock(conn, name)


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
    with store.transaction() as conn:
        return change_state(conn, name, new, reason, utcnow(), {"by": by} if by else None)


def change_state(
    conn: Transaction,
    name: str,
    state: AgentState,
    reason: str,
    now: datetime,
    details: dict[str, Any] | None = None,
    *,
    beat: bool = True,
) -> Agent:
    """Set the agent's state and reason in the caller's transaction, logging an
    ``agent_state`` event (with ``details`` besides) when either moved; the agent after.
    ``beat``: the agent did it, so it is also a heartbeat (not when the router or a sign-out
    did)."""
    before = _table.lock(conn, name)
    changes: dict[str, Any] = {"state": state, "reason": reason}
    if beat:
        changes["heartbeat_at"] = now
    if state is AgentState.READY and before.state is not AgentState.READY:
        changes["idle_since"] = now
    _table.update_agent(conn, name, **changes)
    if before.state is not state or before.reason != reason:
        logged = {"state": state.value, "reason": reason, "previous": before.state.value}
        _table.log(conn, name, Action.AGENT_STATE, {**logged, **(details or {})}, now)
    return _table.lock(conn, name)


def sign_out(store: Store, name: str, why: str = "signed out at the desk") -> Agent:
    """The agent leaves the desk: Not Ready ("signed out"; what they hold stays theirs until
    the reclaim time-out) and an ``agent_signed_out`` event saying ``why``, in one
    transaction. Until they sign in again they are not counted as logged in."""
    with store.transaction() as conn:
        return signed_out(conn, name, utcnow(), why)


def signed_out(
    conn: Transaction, name: str, now: datetime, why: str, by: str | None = None
) -> Agent:
    """``sign_out`` in the caller's transaction (the router's, when a desk went silent)."""
    details = {"by": by} if by else None
    after = change_state(conn, name, AgentState.NOT_READY, SIGNED_OUT, now, details, beat=False)
    _table.log(conn, name, Action.AGENT_SIGNED_OUT, {"why": why}, now)
    return after


def heartbeat(store: Store, name: str, now: datetime | None = None) -> None:
    """Tell the router the agent's workspace is still open."""
    store.agents.heartbeat(name, now or utcnow())


def agent(store: Store, name: str) -> Agent:
    return store.agents.get(name)


def agents(store: Store) -> list[Agent]:
    return store.agents.all()

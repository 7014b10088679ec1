"""The router: queued interactions to ready agents, one offer at a time per interaction.

A pass (``Router.run_once``) is one transaction:

1. route new arrivals: the first matching rule picks each one's queue;
2. expire offers: unanswered past the offer time-out go back to the queue, and so do the pending
   offers of agents whose heartbeat stopped;
3. offer: each queued interaction (oldest first) to one ready, online agent with room who serves
   its queue, the least loaded and longest idle first; an agent who rejected it, let it time out
   or transferred it away gets it again only when nobody else has room, and not within
   ``reoffer_after`` seconds (default: the offer time-out), so a missed offer does not bounce
   straight back.

Several routers may run at once (every workspace's ``poll()`` runs a pass), in several processes
over one store. On SQLite every transaction holds the database's write lock (BEGIN IMMEDIATE), so
passes run one after another. On PostgreSQL a pass takes its agents and interactions with
``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent passes work on disjoint rows, and the version
check of ``Store.save`` refuses anything else; either way an interaction is offered to one agent
at a time and no agent gets more than their capacity.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError

from workbench.domain import DECLINED_ACTIONS, Action, Event, Interaction, State, utcnow
from workbench.errors import StoreError
from workbench.routing.agents import HEARTBEAT_STALE, Agent, AgentState, _agent, load
from workbench.routing.rules import _read as _read_rules
from workbench.routing.rules import queue_for
from workbench.store import ConflictError, Store, interaction_from_row
from workbench.store import schema as t

log = logging.getLogger(__name__)

PASS_INTERVAL = 0.5
"""Seconds between passes of ``Router.run``."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Events after which the agent named in them should not get the interaction back right away.
_DECLINED = [a.value for a in DECLINED_ACTIONS]


def offer_timeout_setting() -> float:
    from workbench.config import Settings

    return float(Settings.from_env()["WORKBENCH_OFFER_TIMEOUT"])


def reclaim_after_setting() -> float:
    from workbench.config import Settings

    return float(Settings.from_env()["WORKBENCH_RECLAIM_AFTER"])


@dataclass
class RouterPass:
    """What one pass did."""

    routed: int = 0
    timed_out: int = 0
    requeued: int = 0
    reclaimed: int = 0
    offered: int = 0

    def __bool__(self) -> bool:
        return bool(self.routed or self.timed_out or self.requeued or self.offered)


def _skip_locked(query: Select[Any], conn: Connection, *of: Any) -> Select[Any]:
    if conn.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=list(of) or None)
    return query


class Router:
    """Offers queued interactions to agents; safe to run in many processes at once."""

    def __init__(
        self,
        store: Store,
        *,
        offer_timeout: float | None = None,
        heartbeat_stale: float = HEARTBEAT_STALE,
        reoffer_after: float | None = None,
        reclaim_after: float | None = None,
        batch: int = 500,
    ) -> None:
        self.store = store
        self.reclaim_after = reclaim_after_setting() if reclaim_after is None else reclaim_after
        self.offer_timeout = offer_timeout_setting() if offer_timeout is None else offer_timeout
        self.reoffer_after = self.offer_timeout if reoffer_after is None else reoffer_after
        self.heartbeat_stale = heartbeat_stale
        self.batch = batch

    def __repr__(self) -> str:
        return f"Router({self.store!r}, offer_timeout={self.offer_timeout})"

    # --- one pass ---------------------------------------------------------------------------

    def run_once(self, now: datetime | None = None) -> RouterPass:
        """Route, expire and offer, in one transaction."""
        now = now or utcnow()
        done = RouterPass()
        with self.store.transaction() as conn:
            done.routed = self._route_new(conn, now)
            done.timed_out, done.requeued = self._expire(conn, now)
            done.reclaimed = self._reclaim(conn, now)
            done.offered = self._offer(conn, now)
        return done

    def run(
        self,
        interval: float = PASS_INTERVAL,
        stop: threading.Event | None = None,
    ) -> None:
        """Pass after pass until ``stop`` is set: at once when an event is appended (a new
        interaction, an agent ready, a reject; see ``Store.changes``), at least every
        ``interval`` seconds (offer time-outs). A failed pass is logged and the loop goes on."""
        stop = stop or threading.Event()
        with self.store.changes() as feed:
            while not stop.is_set():
                try:
                    self.run_once()
                except (StoreError, DBAPIError) as exc:
                    log.warning("routing pass failed, retrying: %s", str(exc).splitlines()[0])
                    stop.wait(interval)
                    continue
                feed.wait(interval, stop)

    # --- steps ------------------------------------------------------------------------------

    def _route_new(self, conn: Connection, now: datetime) -> int:
        i, c = t.interactions, t.contacts
        query = _skip_locked(
            select(
                i.c.id,
                i.c.channel,
                i.c.timeline,
                i.c.actionability,
                i.c.queue,
                c.c.followers_count,
            )
            .join(c, c.c.id == i.c.contact_id)
            .where(i.c.state == State.QUEUED.value, i.c.routed_at.is_(None))
            .order_by(i.c.arrived_at, i.c.id)
            .limit(self.batch),
            conn,
            i,
        )
        rows = conn.execute(query).all()
        if not rows:
            return 0
        rules = _read_rules(conn)
        groups: dict[str, list[str]] = defaultdict(list)
        events = []
        for row in rows:
            rule = queue_for(
                rules, row.channel, row.timeline, row.followers_count, row.actionability
            )
            queue = rule.queue if rule else row.queue
            groups[queue].append(row.id)
            details = {"queue": queue, "rule": rule.id if rule else None}
            if queue != row.queue:
                details["from"] = row.queue
            events.append(
                {
                    "at": now,
                    "interaction_id": row.id,
                    "agent": None,
                    "action": Action.ROUTED.value,
                    "details": details,
                }
            )
        for queue, ids in groups.items():
            conn.execute(
                update(i)
                .where(i.c.id.in_(ids), i.c.routed_at.is_(None))
                .values(queue=queue, routed_at=now, version=i.c.version + 1)
            )
        conn.execute(insert(t.events), events)
        return len(rows)

    def _stale_agents(self, conn: Connection, now: datetime) -> set[str]:
        cutoff = now - timedelta(seconds=self.heartbeat_stale)
        a = t.agents
        query = select(a.c.name).where(or_(a.c.heartbeat_at.is_(None), a.c.heartbeat_at < cutoff))
        return set(conn.execute(query).scalars())

    def _expire(self, conn: Connection, now: datetime) -> tuple[int, int]:
        i = t.interactions
        stale = self._stale_agents(conn, now)
        deadline = now - timedelta(seconds=self.offer_timeout)
        late = func.coalesce(i.c.last_offered_at, i.c.arrived_at) < deadline
        condition = or_(late, i.c.agent.in_(stale)) if stale else late
        query = _skip_locked(
            select(i)
            .where(i.c.state == State.OFFERED.value, condition)
            .order_by(i.c.arrived_at)
            .limit(self.batch),
            conn,
        )
        timed_out = requeued = 0
        changes = []
        for row in conn.execute(query).all():
            it = interaction_from_row(row)
            before = it.version
            if it.agent in stale:
                event, requeued = it.requeue("heartbeat lost"), requeued + 1
            else:
                event, timed_out = it.timeout(), timed_out + 1
            changes.append((it, before, replace(event, at=now)))
        _save_all(conn, changes)
        return timed_out, requeued

    def _reclaim(self, conn: Connection, now: datetime) -> int:
        """Accepted interactions whose owner has sent no heartbeat for ``reclaim_after``
        seconds (a closed laptop, a dead kernel) go back to the queue; 0 turns this off."""
        if not self.reclaim_after:
            return 0
        i, a = t.interactions, t.agents
        cutoff = now - timedelta(seconds=self.reclaim_after)
        gone = select(a.c.name).where(or_(a.c.heartbeat_at.is_(None), a.c.heartbeat_at < cutoff))
        query = _skip_locked(
            select(i)
            .where(i.c.state == State.ACCEPTED.value, i.c.agent.in_(gone))
            .order_by(i.c.arrived_at)
            .limit(self.batch),
            conn,
        )
        reason = f"no heartbeat from its agent for {self.reclaim_after:g} s"
        changes = []
        for row in conn.execute(query).all():
            it = interaction_from_row(row)
            before = it.version
            changes.append((it, before, replace(it.requeue(reason), at=now)))
        _save_all(conn, changes)
        return len(changes)

    def _ready_agents(self, conn: Connection, now: datetime) -> list[Agent]:
        a = t.agents
        cutoff = now - timedelta(seconds=self.heartbeat_stale)
        query = _skip_locked(
            select(a)
            .where(a.c.state == AgentState.READY.value, a.c.heartbeat_at >= cutoff)
            .order_by(a.c.name),
            conn,
        )
        return [_agent(r) for r in conn.execute(query)]

    def _declined(self, conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, datetime]]:
        """interaction -> agent -> when they last declined it (rejected, missed, gave it away)."""
        e = t.events
        out: dict[str, dict[str, datetime]] = defaultdict(dict)
        rows = conn.execute(
            select(e.c.interaction_id, e.c.agent, func.max(e.c.at))
            .where(and_(e.c.interaction_id.in_(list(ids)), e.c.action.in_(_DECLINED)))
            .group_by(e.c.interaction_id, e.c.agent)
        )
        for interaction_id, agent, at in rows:
            if agent:
                out[interaction_id][agent] = at
        return out

    def _offer(self, conn: Connection, now: datetime) -> int:
        pool = self._ready_agents(conn, now)
        if not pool:
            return 0
        loads = load(conn, [a.name for a in pool])
        room = {a.name: a.capacity - loads[a.name] for a in pool}
        pool = [a for a in pool if room[a.name] > 0]
        if not pool:
            return 0
        idle = {a.name: a.idle_since or _EPOCH for a in pool}
        i = t.interactions
        query = select(i).where(i.c.state == State.QUEUED.value, i.c.routed_at.is_not(None))
        if all(a.queues is not None for a in pool):
            query = query.where(i.c.queue.in_(sorted({q for a in pool for q in a.queues or ()})))
        wanted = min(self.batch, 4 * sum(room.values()) + 16)
        query = _skip_locked(query.order_by(i.c.arrived_at, i.c.id).limit(wanted), conn)
        rows = conn.execute(query).all()
        if not rows:
            return 0
        declined = self._declined(conn, [r.id for r in rows])
        cooled = now - timedelta(seconds=self.reoffer_after)
        offered: set[str] = set()
        changes: list[tuple[Interaction, int, Event]] = []
        count = 0
        for row in rows:
            takers = [a for a in pool if room[a.name] > 0 and a.serves(row.queue)]
            if not takers:
                if not any(room.values()):
                    break
                continue
            last = declined.get(row.id, {})
            fresh = [a for a in takers if a.name not in last]
            if not fresh:  # only agents who declined it have room: after a while, again
                fresh = [a for a in takers if last[a.name] <= cooled]
                if not fresh:
                    continue
            pick = min(fresh, key=lambda a: (loads[a.name], idle[a.name], a.name))
            it = interaction_from_row(row)
            before = it.version
            changes.append((it, before, replace(it.offer(pick.name), at=now)))
            room[pick.name] -= 1
            loads[pick.name] += 1
            idle[pick.name] = now
            offered.add(pick.name)
            count += 1
        _save_all(conn, changes)
        if offered:
            conn.execute(
                update(t.agents).where(t.agents.c.name.in_(sorted(offered))).values(idle_since=now)
            )
        return count


def _save_all(conn: Connection, changes: Sequence[tuple[Interaction, int, Event]]) -> None:
    """Save offers, time-outs and requeues in two statements, as ``Store.save`` would one by one:
    state, agent and version (checked), ``last_offered_at`` stamped by an offer, and the events."""
    if not changes:
        return
    i = t.interactions
    rows = [
        {
            "b_id": it.id,
            "b_expected": before,
            "b_version": it.version,
            "b_state": it.state.value,
            "b_agent": it.agent,
            "b_parties": list(it.parties),
            "b_last_offered_at": event.at if event.action == Action.OFFERED else None,
        }
        for it, before, event in changes
    ]
    statement = (
        update(i)
        .where(i.c.id == bindparam("b_id"), i.c.version == bindparam("b_expected"))
        .values(
            state=bindparam("b_state"),
            agent=bindparam("b_agent"),
            parties=bindparam("b_parties", type_=i.c.parties.type),
            version=bindparam("b_version"),
            last_offered_at=func.coalesce(
                bindparam("b_last_offered_at", type_=i.c.last_offered_at.type), i.c.last_offered_at
            ),
        )
    )
    done = conn.execute(statement, rows)
    if conn.dialect.supports_sane_multi_rowcount and done.rowcount != len(rows):
        raise ConflictError("an interaction being routed was changed by someone else; try again")
    conn.execute(
        insert(t.events),
        [
            {
                "at": e.at,
                "interaction_id": e.interaction_id,
                "agent": e.agent,
                "action": e.action,
                "details": e.details,
            }
            for _, _, e in changes
        ],
    )


def route_pending(store: Store, **options: Any) -> RouterPass:
    """One routing pass on ``store`` (what a workspace's ``poll()`` runs)."""
    return Router(store, **options).run_once()

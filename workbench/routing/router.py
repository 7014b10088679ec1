"""The router: queued interactions to ready agents, one offer at a time per interaction.

A pass (``Router.run_once``) is one transaction:

1. route new arrivals: the first matching rule picks each one's queue, and the priority rules
   its priority (``domain.priority``: the points of every who-and-what rule it matches);
2. expire offers: unanswered past the offer time-out go back to the queue, and so do the pending
   offers of agents whose heartbeat stopped, and interactions whose wait on the customer ran
   out (pending past ``pending_until``);
3. offer: each queued interaction (the highest priority first, the waiting-time rules' points
   included, then the longest wait) to one ready, online agent with room who serves
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

from workbench.domain import Action, Event, Interaction, utcnow
from workbench.domain.agent import HEARTBEAT_STALE
from workbench.domain.priority import PriorityRule, priority_of
from workbench.domain.routing import queue_for
from workbench.errors import StoreError
from workbench.store import Change, DatabaseError, Store, Transaction

log = logging.getLogger(__name__)

PASS_INTERVAL = 0.5
"""Seconds between passes of ``Router.run``."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
    pending_expired: int = 0
    reclaimed: int = 0
    offered: int = 0

    def __bool__(self) -> bool:
        return bool(
            self.routed or self.timed_out or self.requeued or self.pending_expired or self.offered
        )


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
            # Read once a pass: the routing step and the offering step both use them.
            priorities = self.store.routing.priorities.all(conn)
            done.routed = self._route_new(conn, now, priorities)
            done.timed_out, done.requeued = self._expire(conn, now)
            done.pending_expired = self._expire_pending(conn, now)
            done.reclaimed = self._reclaim(conn, now)
            done.offered = self._offer(conn, now, priorities)
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
                except (StoreError, DatabaseError) as exc:
                    log.warning("routing pass failed, retrying: %s", str(exc).splitlines()[0])
                    stop.wait(interval)
                    continue
                feed.wait(interval, stop)

    # --- steps ------------------------------------------------------------------------------

    def _route_new(
        self, conn: Transaction, now: datetime, priorities: Sequence[PriorityRule]
    ) -> int:
        tables = self.store.routing
        arrivals = tables.unrouted(conn, self.batch)
        if not arrivals:
            return 0
        rules = tables.rules.all(conn)
        groups: dict[tuple[str, int, tuple[str, ...]], list[str]] = defaultdict(list)
        events = []
        for row in arrivals:
            rule = queue_for(
                rules, row.channel, row.timeline, row.followers_count, row.actionability
            )
            queue = rule.queue if rule else row.queue
            priority, reasons = priority_of(priorities, row.facts) if priorities else (0, ())
            groups[queue, priority, reasons].append(row.id)
            details: dict[str, Any] = {"queue": queue, "rule": rule.id if rule else None}
            if queue != row.queue:
                details["from"] = row.queue
            if reasons:
                details["priority"], details["reasons"] = priority, list(reasons)
            events.append(Event(Action.ROUTED, row.id, at=now, details=details))
        tables.route(conn, groups, now, events)
        return len(arrivals)

    def _expire(self, conn: Transaction, now: datetime) -> tuple[int, int]:
        tables = self.store.routing
        stale = tables.stale_agents(conn, now - timedelta(seconds=self.heartbeat_stale))
        deadline = now - timedelta(seconds=self.offer_timeout)
        timed_out = requeued = 0
        changes = []
        for it in tables.expiring_offers(conn, deadline, stale, self.batch):
            before = it.version
            if it.agent in stale:
                event, requeued = it.requeue("heartbeat lost"), requeued + 1
            else:
                event, timed_out = it.timeout(), timed_out + 1
            changes.append((it, before, Change([replace(event, at=now)])))
        self.store.save_many(conn, changes)
        return timed_out, requeued

    def _expire_pending(self, conn: Transaction, now: datetime) -> int:
        """Pending interactions whose customer did not answer by ``pending_until`` go back to
        the queue, offered first to their agent."""
        changes = []
        for it in self.store.routing.pending_due(conn, now, self.batch):
            before = it.version
            changes.append((it, before, Change([replace(it.expire_pending(), at=now)])))
        self.store.save_many(conn, changes)
        return len(changes)

    def _reclaim(self, conn: Transaction, now: datetime) -> int:
        """Accepted interactions whose owner has sent no heartbeat for ``reclaim_after``
        seconds (a closed laptop, a dead kernel) go back to the queue; 0 turns this off."""
        if not self.reclaim_after:
            return 0
        cutoff = now - timedelta(seconds=self.reclaim_after)
        reason = f"no heartbeat from its agent for {self.reclaim_after:g} s"
        changes = []
        for it in self.store.routing.abandoned(conn, cutoff, self.batch):
            before = it.version
            changes.append((it, before, Change([replace(it.requeue(reason), at=now)])))
        self.store.save_many(conn, changes)
        return len(changes)

    def _offer(self, conn: Transaction, now: datetime, priorities: Sequence[PriorityRule]) -> int:
        tables = self.store.routing
        pool = tables.ready_agents(conn, now - timedelta(seconds=self.heartbeat_stale))
        if not pool:
            return 0
        loads = self.store.agents.held(conn, [a.name for a in pool])
        room = {a.name: a.capacity - loads[a.name] for a in pool}
        pool = [a for a in pool if room[a.name] > 0]
        if not pool:
            return 0
        idle = {a.name: a.idle_since or _EPOCH for a in pool}
        served = None
        if all(a.queues is not None for a in pool):
            served = {q for a in pool for q in a.queues or ()}
        wanted = min(self.batch, 4 * sum(room.values()) + 16)
        waiting = tables.waiting(conn, served, wanted, now, priorities)
        if not waiting:
            return 0
        declined = tables.declined(conn, [c.id for c in waiting])
        cooled = now - timedelta(seconds=self.reoffer_after)
        offered: set[str] = set()
        picks: list[tuple[str, str]] = []  # (interaction, agent)
        for candidate in waiting:
            takers = [a for a in pool if room[a.name] > 0 and a.serves(candidate.queue)]
            if not takers:
                if not any(room.values()):
                    break
                continue
            last = declined.get(candidate.id, {})
            fresh = [a for a in takers if a.name not in last]
            if not fresh:  # only agents who declined it have room: after a while, again
                fresh = [a for a in takers if last[a.name] <= cooled]
                if not fresh:
                    continue
            # A reopened interaction goes first to who handled it, when they have room.
            preferred = candidate.preferred_agent
            pick = next((a for a in fresh if a.name == preferred), None) or min(
                fresh, key=lambda a: (loads[a.name], idle[a.name], a.name)
            )
            picks.append((candidate.id, pick.name))
            room[pick.name] -= 1
            loads[pick.name] += 1
            idle[pick.name] = now
            offered.add(pick.name)
        chosen = self.store.interactions_of(conn, [i for i, _ in picks])
        changes: list[tuple[Interaction, int, Change]] = []
        for interaction_id, agent in picks:
            it = chosen[interaction_id]
            before = it.version
            changes.append((it, before, Change([replace(it.offer(agent), at=now)])))
        self.store.save_many(conn, changes)
        tables.mark_offered(conn, sorted(offered), now)
        return len(changes)


def route_pending(store: Store, **options: Any) -> RouterPass:
    """One routing pass on ``store`` (what a workspace's ``poll()`` runs)."""
    return Router(store, **options).run_once()

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

An agent who lets ``missed_offers`` offers in a row time out (``WORKBENCH_MISSED_OFFERS``; an
accept, a reject or a change of state starts the count again) is set Not Ready, "missed N offers
in a row", in the pass that timed out the last one, so offers stop going to an empty desk. An
agent whose heartbeat stopped (a desk page closed without signing out) is signed out: Not
Ready, "signed out", and an ``agent_signed_out`` event.

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
from workbench.domain.agent import HEARTBEAT_STALE, AgentState, missed_offers_reason
from workbench.domain.priority import PriorityRule, priority_of
from workbench.domain.routing import queue_for
from workbench.errors import StoreError
from workbench.routing.agents import change_state, lock_agent, signed_out
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


def missed_offers_setting() -> int:
    from workbench.config import Settings

    return int(Settings.from_env()["WORKBENCH_MISSED_OFFERS"])


@dataclass
class RouterPass:
    """What one pass did."""

    routed: int = 0
    timed_out: int = 0
    requeued: int = 0
    pending_expired: int = 0
    reclaimed: int = 0
    offered: int = 0
    not_ready: int = 0
    """Agents set Not Ready for missing offers in a row."""
    signed_out: int = 0
    """Agents signed out because their heartbeat stopped."""

    def __bool__(self) -> bool:
        return bool(
            self.routed
            or self.timed_out
            or self.requeued
            or self.pending_expired
            or self.offered
            or self.not_ready
            or self.signed_out
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
        missed_offers: int | None = None,
        batch: int = 500,
    ) -> None:
        self.store = store
        self.reclaim_after = reclaim_after_setting() if reclaim_after is None else reclaim_after
        self.missed_offers = missed_offers_setting() if missed_offers is None else missed_offers
        """Offers in a row an agent may let time out before they are set Not Ready (0: never)."""
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
            done.timed_out, done.requeued, missed = self._expire(conn, now)
            done.not_ready = self._not_ready_after_misses(conn, now, missed)
            done.pending_expired = self._expire_pending(conn, now)
            done.reclaimed = self._reclaim(conn, now)
            done.signed_out = self._sign_out_silent(conn, now)
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

    def _expire(self, conn: Transaction, now: datetime) -> tuple[int, int, set[str]]:
        """Offers past the time-out go back to the queue, and those of silent agents; returns
        how many of each, and the agents who let one time out."""
        tables = self.store.routing
        stale = tables.stale_agents(conn, now - timedelta(seconds=self.heartbeat_stale))
        deadline = now - timedelta(seconds=self.offer_timeout)
        timed_out = requeued = 0
        missed: set[str] = set()
        changes = []
        for it in tables.expiring_offers(conn, deadline, stale, self.batch):
            before = it.version
            if it.agent in stale:
                event, requeued = it.requeue("heartbeat lost"), requeued + 1
            else:
                missed.add(str(it.agent))
                event, timed_out = it.timeout(), timed_out + 1
            changes.append((it, before, Change([replace(event, at=now)])))
        self.store.save_many(conn, changes)
        return timed_out, requeued, missed

    def _not_ready_after_misses(self, conn: Transaction, now: datetime, agents: set[str]) -> int:
        """Set Not Ready each Ready agent among ``agents`` whose last ``missed_offers`` offer
        outcomes are all time-outs (nothing accepted, rejected or chosen in between): nobody
        is at that desk. Logged as their state event, with the count."""
        n = self.missed_offers
        if not n:
            return 0
        done = 0
        for name in sorted(agents):  # one lock order for concurrent passes
            outcomes = self.store.routing.last_outcomes(conn, name, n)
            if len(outcomes) < n or any(a != Action.OFFER_TIMED_OUT.value for a in outcomes):
                continue
            if lock_agent(conn, name).state is not AgentState.READY:
                continue
            details = {"by": "router", "missed_offers": n}
            reason = missed_offers_reason(n)
            change_state(conn, name, AgentState.NOT_READY, reason, now, details, beat=False)
            log.info("agent %s set Not Ready: %s", name, reason)
            done += 1
        return done

    def _sign_out_silent(self, conn: Transaction, now: datetime) -> int:
        """Sign out the agents still signed in whose heartbeat stopped (a desk page closed
        without Sign out, a dead kernel): they are no longer counted as logged in."""
        cutoff = now - timedelta(seconds=self.heartbeat_stale)
        why = f"no heartbeat for {self.heartbeat_stale:g} s"
        names = self.store.routing.silent_agents(conn, cutoff)
        for name in names:
            signed_out(conn, name, now, why, by="router")
        return len(names)

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

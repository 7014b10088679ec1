"""The routing tables (queues, routing_rules, priority_rules) and the router's reads and writes
of interactions.

Queries the router runs inside its pass take ``conn`` (its transaction); on PostgreSQL they
take their rows with ``FOR UPDATE SKIP LOCKED``, so concurrent passes work on disjoint rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)

from workbench.domain import DECLINED_ACTIONS, Action, Event, Interaction, State
from workbench.domain.agent import SIGNED_OUT, Agent, AgentState
from workbench.domain.priority import PriorityFacts, PriorityRule
from workbench.domain.routing import Queue, Rule
from workbench.store import schema as t
from workbench.store._bulk import PerDialect, among, fetch, insert_rows, json_list
from workbench.store._rows import EVENT_KEYS, action_value, interaction_from_row
from workbench.store._rule_table import RuleTable
from workbench.store.agents import agent_from_row

if TYPE_CHECKING:
    from workbench.store.store import Store

_i, _a, _q, _r, _e = t.interactions, t.agents, t.queues, t.routing_rules, t.events
_p = t.priority_rules
# Each its own parameter, not one expanding list: ``fetch`` binds them as the statement holds them.
_DECLINED = [literal(a.value) for a in DECLINED_ACTIONS]
_QUEUES = select(_q).order_by(_q.c.name)
_QUEUE_NAMES = select(_q.c.name)
_ROUTE = (
    update(_i)
    .where(_i.c.id.in_(bindparam("ids", expanding=True)), _i.c.routed_at.is_(None))
    .values(
        queue=bindparam("queue"),
        routed_at=bindparam("now"),
        priority=bindparam("priority"),
        priority_reasons=bindparam("reasons", type_=_i.c.priority_reasons.type),
        version=_i.c.version + 1,
    )
)
_WAITS_FROM = func.coalesce(_i.c.waiting_since, _i.c.arrived_at)
_OUTCOMES = [
    a.value
    for a in (
        Action.ACCEPTED,
        Action.REJECTED,
        Action.OFFER_TIMED_OUT,
        Action.AGENT_STATE,
        Action.AGENT_SIGNED_OUT,
    )
]
_LAST_OUTCOMES = (
    select(_e.c.action)
    .where(_e.c.agent == bindparam("agent"), _e.c.action.in_(_OUTCOMES))
    .order_by(_e.c.id.desc())
    .limit(bindparam("n"))
)
_SILENT = (
    select(_a.c.name)
    .where(
        or_(_a.c.heartbeat_at.is_(None), _a.c.heartbeat_at < bindparam("cutoff")),
        or_(_a.c.state != AgentState.NOT_READY.value, _a.c.reason != SIGNED_OUT),
    )
    .order_by(_a.c.name)
)
_DECLINED_BY = PerDialect(
    lambda d: (
        select(_e.c.interaction_id, _e.c.agent, func.max(_e.c.at).label("at"))
        .where(among(_e.c.interaction_id, "ids", d), _e.c.action.in_(_DECLINED))
        .group_by(_e.c.interaction_id, _e.c.agent)
    )
)


def priority_rule_from_row(row: Any) -> PriorityRule:
    """The domain object of a ``priority_rules`` row."""
    return PriorityRule(
        row.id,
        row.position,
        row.name,
        row.points,
        row.min_followers,
        row.verified,
        row.sentiment,
        row.actionability,
        row.waited_minutes,
        tuple(row.handles or ()),
    )


def _priority_values(rule: PriorityRule) -> dict[str, Any]:
    return {
        "position": rule.position,
        "name": rule.name,
        "points": rule.points,
        "min_followers": rule.min_followers,
        "verified": rule.verified,
        "sentiment": rule.sentiment,
        "actionability": rule.actionability,
        "waited_minutes": rule.waited_minutes,
        "handles": [h.lstrip("@") for h in rule.handles] or None,
    }


def _in_offer_order(
    query: Select[Any],
    queues: Iterable[str] | None,
    limit: int,
    now: datetime,
    rules: Sequence[PriorityRule],
) -> Select[Any]:
    """``query`` (of interactions) kept to the routed, queued ones (of ``queues``; None: any)
    in the order the router offers them: the priority at ``now`` highest first (the routed
    priority plus the waiting-time rules its wait meets, as ``domain.priority.priority_now``
    says), then the longest wait; at most ``limit``."""
    priority: Any = _i.c.priority
    for rule in rules:
        if rule.waited_minutes is not None:
            since = now - timedelta(minutes=rule.waited_minutes)
            priority = priority + case((_WAITS_FROM <= since, literal(rule.points)), else_=0)  # noqa: SIM300
    query = query.where(_i.c.state == State.QUEUED.value, _i.c.routed_at.is_not(None))
    if queues is not None:
        query = query.where(_i.c.queue.in_(sorted(queues)))
    return query.order_by(priority.desc(), _WAITS_FROM, _i.c.id).limit(limit)


def rule_from_row(row: Any) -> Rule:
    """The domain object of a ``routing_rules`` row."""
    return Rule(
        row.id,
        row.position,
        row.queue,
        row.channel,
        row.timeline,
        row.min_followers,
        row.actionability,
    )


def _rule_values(rule: Rule) -> dict[str, Any]:
    return {
        "position": rule.position,
        "queue": rule.queue,
        "channel": rule.channel,
        "timeline": rule.timeline.lstrip("@") if rule.timeline else None,
        "min_followers": rule.min_followers,
        "actionability": rule.actionability,
    }


def _skip_locked(query: Select[Any], conn: Connection, *of: Any) -> Select[Any]:
    if conn.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=list(of) or None)
    return query


@dataclass(frozen=True)
class Arrival:
    """An interaction the routing rules have not seen yet, with what the rules look at."""

    id: str
    channel: str
    timeline: str
    actionability: str
    queue: str
    followers_count: int
    sentiment: str = "undeclared"
    username: str = ""
    verified: bool = False

    @property
    def facts(self) -> PriorityFacts:
        """What the priority rules look at."""
        return PriorityFacts(
            self.username,
            self.followers_count,
            bool(self.verified),
            self.sentiment,
            self.actionability,
        )


@dataclass(frozen=True)
class Waiting:
    """An interaction waiting in its queue for an offer: what the router looks at to choose its
    agent (the rest is read, with ``Store.interactions_of``, only for those it offers)."""

    id: str
    queue: str
    preferred_agent: str | None = None


class RoutingTables:
    """Queues, routing rules, and the router's queries (``store.routing``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rules = RuleTable(store, _r, rule_from_row, _rule_values)
        """The routing rules: which queue an arrival goes to."""
        self.priorities = RuleTable(store, _p, priority_rule_from_row, _priority_values)
        """The priority rules: which waiting interaction is offered first."""

    # --- queues ---------------------------------------------------------------------------

    def queues(self) -> list[Queue]:
        with self.store.read() as conn:
            return [Queue(r.name, r.label) for r in conn.execute(_QUEUES)]

    def queue_names(self, conn: Connection) -> list[str]:
        return list(conn.execute(_QUEUE_NAMES).scalars())

    def has_queue(self, conn: Connection, name: str) -> bool:
        return conn.execute(select(_q.c.name).where(_q.c.name == name)).first() is not None

    def add_queue(self, conn: Connection, name: str, label: str) -> None:
        conn.execute(_q.insert(), {"name": name, "label": label})

    def set_queue_label(self, conn: Connection, name: str, label: str) -> bool:
        """False when there is no such queue."""
        done = conn.execute(update(_q).where(_q.c.name == name).values(label=label))
        return bool(done.rowcount == 1)

    def delete_queue(self, conn: Connection, name: str) -> None:
        conn.execute(delete(_q).where(_q.c.name == name))

    def rules_to(self, conn: Connection, queue: str) -> int:
        """How many routing rules send to ``queue``."""
        query = select(func.count()).select_from(_r).where(_r.c.queue == queue)
        return int(conn.execute(query).scalar_one())

    def open_in(self, conn: Connection, queue: str) -> int:
        """How many interactions not done are in ``queue``."""
        query = (
            select(func.count())
            .select_from(_i)
            .where(_i.c.queue == queue, _i.c.state != State.DONE.value)
        )
        return int(conn.execute(query).scalar_one())

    # --- the router's pass ----------------------------------------------------------------

    def unrouted(self, conn: Connection, limit: int) -> list[Arrival]:
        """Queued interactions the rules have not seen, oldest first (locked, skipping locked)."""
        c = t.contacts
        query = _skip_locked(
            select(
                _i.c.id,
                _i.c.channel,
                _i.c.timeline,
                _i.c.actionability,
                _i.c.queue,
                c.c.followers_count,
                _i.c.sentiment,
                c.c.username,
                c.c.verified,
            )
            .join(c, c.c.id == _i.c.contact_id)
            .where(_i.c.state == State.QUEUED.value, _i.c.routed_at.is_(None))
            .order_by(_i.c.arrived_at, _i.c.id)
            .limit(limit),
            conn,
            _i,
        )
        return [Arrival(*row) for row in conn.execute(query)]

    def route(
        self,
        conn: Connection,
        groups: dict[tuple[str, int, tuple[str, ...]], list[str]],
        now: datetime,
        events: Sequence[Event],
    ) -> None:
        """Put the interactions (not routed yet) of each (queue, priority, reasons) group in
        that queue with that priority, stamped routed at ``now``, and append the routing
        events."""
        for (queue, priority, reasons), ids in groups.items():
            conn.execute(
                _ROUTE,
                {
                    "ids": ids,
                    "queue": queue,
                    "now": now,
                    "priority": priority,
                    "reasons": list(reasons) or None,
                },
            )
        self._append(conn, events)

    @staticmethod
    def _append(conn: Connection, events: Sequence[Event]) -> None:
        insert_rows(
            conn,
            _e,
            EVENT_KEYS,
            [(e.at, e.interaction_id, e.agent, action_value(e.action), e.details) for e in events],
        )

    def stale_agents(self, conn: Connection, cutoff: datetime) -> set[str]:
        """Agents with no heartbeat since ``cutoff``."""
        query = select(_a.c.name).where(
            or_(_a.c.heartbeat_at.is_(None), _a.c.heartbeat_at < cutoff)
        )
        return set(conn.execute(query).scalars())

    def silent_agents(self, conn: Connection, cutoff: datetime) -> list[str]:
        """Agents still signed in (not Not Ready "signed out") with no heartbeat since
        ``cutoff``, by name: their desk was closed without signing out."""
        return list(conn.execute(_SILENT, {"cutoff": cutoff}).scalars())

    def last_outcomes(self, conn: Connection, agent: str, n: int) -> list[str]:
        """The actions of the agent's last ``n`` offer outcomes and state changes, newest first
        (``accepted``, ``rejected``, ``offer_timed_out``, ``agent_state``,
        ``agent_signed_out``): the router's count of offers missed in a row.

        The events table has no index by agent: this reads the log backwards from its newest
        row and stops at the ``n``-th match, which for an agent taking offers is near the end."""
        return list(conn.execute(_LAST_OUTCOMES, {"agent": agent, "n": n}).scalars())

    def expiring_offers(
        self, conn: Connection, deadline: datetime, agents: Collection[str], limit: int
    ) -> list[Interaction]:
        """Offers made before ``deadline``, or to one of ``agents``, oldest first (locked)."""
        late = func.coalesce(_i.c.last_offered_at, _i.c.arrived_at) < deadline
        condition = or_(late, _i.c.agent.in_(sorted(agents))) if agents else late
        query = _skip_locked(
            select(_i)
            .where(_i.c.state == State.OFFERED.value, condition)
            .order_by(_i.c.arrived_at)
            .limit(limit),
            conn,
        )
        return [interaction_from_row(r) for r in conn.execute(query)]

    def abandoned(self, conn: Connection, cutoff: datetime, limit: int) -> list[Interaction]:
        """Accepted interactions whose agent has sent no heartbeat since ``cutoff`` (locked)."""
        gone = select(_a.c.name).where(or_(_a.c.heartbeat_at.is_(None), _a.c.heartbeat_at < cutoff))
        query = _skip_locked(
            select(_i)
            .where(_i.c.state == State.ACCEPTED.value, _i.c.agent.in_(gone))
            .order_by(_i.c.arrived_at)
            .limit(limit),
            conn,
        )
        return [interaction_from_row(r) for r in conn.execute(query)]

    def pending_due(self, conn: Connection, now: datetime, limit: int) -> list[Interaction]:
        """Pending interactions whose wait on the customer ran out by ``now`` (locked)."""
        query = _skip_locked(
            select(_i)
            .where(_i.c.state == State.PENDING.value, _i.c.pending_until <= now)
            .order_by(_i.c.pending_until)
            .limit(limit),
            conn,
        )
        return [interaction_from_row(r) for r in conn.execute(query)]

    def ready_agents(self, conn: Connection, cutoff: datetime) -> list[Agent]:
        """Ready agents with a heartbeat since ``cutoff``, by name (locked, skipping locked)."""
        query = _skip_locked(
            select(_a)
            .where(_a.c.state == AgentState.READY.value, _a.c.heartbeat_at >= cutoff)
            .order_by(_a.c.name),
            conn,
        )
        return [agent_from_row(r) for r in conn.execute(query)]

    def waiting(
        self,
        conn: Connection,
        queues: Iterable[str] | None,
        limit: int,
        now: datetime,
        rules: Sequence[PriorityRule] = (),
    ) -> list[Waiting]:
        """Routed, queued interactions (in ``queues``; None: any) in the order they are
        offered (``_in_offer_order``), locked."""
        columns = select(_i.c.id, _i.c.queue, _i.c.preferred_agent)
        query = _skip_locked(_in_offer_order(columns, queues, limit, now, rules), conn, _i)
        return [Waiting(*r) for r in conn.execute(query)]

    def next_offers(
        self,
        queues: Iterable[str] | None,
        limit: int,
        now: datetime,
        rules: Sequence[PriorityRule],
    ) -> list[Any]:
        """What ``waiting`` would offer next, in its order, without locking, for people to
        read: the interaction's columns people see and the contact's ``username`` and
        ``name``."""
        c = t.contacts
        query = select(
            _i.c.id,
            _i.c.queue,
            _i.c.channel,
            _i.c.subject,
            _i.c.arrived_at,
            _i.c.waiting_since,
            _i.c.priority,
            _i.c.priority_reasons,
            c.c.username,
            c.c.name,
        ).join(c, c.c.id == _i.c.contact_id)
        with self.store.read() as conn:
            return list(conn.execute(_in_offer_order(query, queues, limit, now, rules)))

    def declined(self, conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, datetime]]:
        """interaction -> agent -> when they last declined it (rejected, missed, gave it away)."""
        out: dict[str, dict[str, datetime]] = defaultdict(dict)
        if not ids:
            return out
        for interaction_id, agent, at in fetch(conn, _DECLINED_BY(conn), {"ids": json_list(ids)}):
            if agent:
                out[interaction_id][agent] = at
        return out

    def mark_offered(self, conn: Connection, agents: Sequence[str], now: datetime) -> None:
        """The agents just got an offer: they are no longer idle since before ``now``."""
        if agents:
            conn.execute(update(_a).where(_a.c.name.in_(sorted(agents))).values(idle_since=now))

"""Reads the agent's desk needs: its open work, an interaction's contact, customer tweets and
transcript, and the reference data it chooses from (standard responses, dispositions, queues,
timelines).

Exposed as ``store.reads``. Methods that take ``conn`` read inside that transaction (an action
checks what it is about to write against them); without one they read through ``Store.read``
(no write lock, so a desk that reads never holds up a colleague's write).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, String, and_, bindparam, cast, func, or_, select

from workbench.domain import (
    Contact,
    Delivery,
    DeliveryState,
    Disposition,
    EntryKind,
    Interaction,
    State,
    TranscriptEntry,
    utcnow,
)
from workbench.store import schema as t
from workbench.store._rows import contact_from_row, interaction_from_row, transcript_from_row
from workbench.store.outbox import waiting
from workbench.store.store import NotFoundError, Store

_i = t.interactions.c
# Offered to or owned by the agent, or joined in a conference (parties is a JSON list: the LIKE
# narrows the rows, the exact check is made on the domain objects).
_OPEN_WORK = (
    select(t.interactions)
    .where(
        or_(
            and_(
                _i.agent == bindparam("agent"),
                _i.state.in_([State.OFFERED.value, State.ACCEPTED.value, State.PENDING.value]),
            ),
            and_(
                _i.state == State.ACCEPTED.value,
                cast(_i.parties, String).like(bindparam("party")),
            ),
        )
    )
    .order_by(_i.arrived_at, _i.id)
)
_AGENT_STATE = select(t.agents.c.state, t.agents.c.reason).where(
    t.agents.c.name == bindparam("agent")
)
_e = t.events.c
_t = t.transcript.c
_NEWEST = select(
    select(func.max(_e.id)).scalar_subquery(), select(func.max(_t.id)).scalar_subquery()
)
_TOUCHED = (
    select(_e.interaction_id)
    .where(_e.id > bindparam("events"), _e.interaction_id.is_not(None))
    .union(select(_t.interaction_id).where(_t.id > bindparam("lines")))
)
_KNOWN = select(_i.id).where(_i.id == bindparam("iid"))
_CONTACT = select(t.contacts).where(t.contacts.c.id == bindparam("cid"))
_CONTACT_OF = select(t.contacts).join(
    t.interactions, t.interactions.c.contact_id == t.contacts.c.id
)
_tr = t.transcript.c
_o = t.outbox.c
_SENDS = select(_o.key, _o.state, _o.x_id, _o.last_error, _o.next_attempt_at).where(
    _o.key.in_(bindparam("keys", expanding=True))
)
_DELIVERY = {
    "pending": DeliveryState.QUEUED,
    "sent": DeliveryState.SENT,
    "failed": DeliveryState.FAILED,
}


_LINES = (
    select(t.transcript)
    .where(_tr.interaction_id == bindparam("iid"), _tr.id > bindparam("after"))
    .order_by(_tr.at, _tr.id)
)


def _delivery(row: Any) -> Delivery:
    state = _DELIVERY.get(row.state, DeliveryState.QUEUED)
    if state is DeliveryState.FAILED:
        reason = row.last_error or ""
    elif state is DeliveryState.QUEUED:  # when it goes out, and what holds it back
        reason = waiting(row.next_attempt_at, row.last_error, utcnow())[1]
    else:
        reason = ""
    return Delivery(state, row.key, row.x_id, reason)


def _delivered(entry: TranscriptEntry, sends: dict[str, Any]) -> TranscriptEntry:
    """``entry`` with the state of its send, when it went through the outbox."""
    key = entry.details.get("outbox_key")
    row = sends.get(key) if isinstance(key, str) else None
    return entry if row is None else replace(entry, delivery=_delivery(row))


_CUSTOMER_TWEETS = (
    select(_tr.tweet_id, _tr.details, _tr.deleted_at)
    .where(
        _tr.interaction_id == bindparam("iid"),
        _tr.kind == EntryKind.INBOUND.value,
        _tr.tweet_id.is_not(None),
        _tr.action != "dm",  # a DM joined to a mention holds a DM event id, not a tweet's
    )
    .order_by(_tr.at, _tr.id)
)


@dataclass(frozen=True)
class OpenWork:
    """What one agent has in hand, read in one transaction."""

    offers: tuple[Interaction, ...]
    """Offered to the agent, waiting for accept or reject (oldest first)."""
    interactions: tuple[Interaction, ...]
    """Accepted by the agent, or joined in a conference (oldest first)."""
    workbin: tuple[Interaction, ...]
    """Set aside by the agent waiting on the customer (oldest first)."""
    agent_state: str | None
    """The agent's state as stored (None: the agent is not registered)."""
    agent_reason: str
    mark: tuple[int, int] = (0, 0)
    """The newest event's and transcript line's ids as of this read."""
    touched: frozenset[str] = frozenset()
    """The interactions an event or a transcript line was added to after the ``since`` mark
    of the read (the change feed that names what changed: a view redraws only when its own
    interaction moved)."""


class Reads:
    """The store's reads for an agent's desk (``store.reads``)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @contextmanager
    def _connection(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
            return
        with self._store.read() as own:
            yield own

    # --- the agent's open work ----------------------------------------------------------------

    def open_work(self, agent: str, since: tuple[int, int] | None = None) -> OpenWork:
        """The agent's offers and open interactions, and their state, as of one moment; with
        ``since`` (the ``mark`` of an earlier read), which interactions had events or
        transcript lines added after it."""
        with self._store.read() as conn:
            rows = conn.execute(_OPEN_WORK, {"agent": agent, "party": f'%"{agent}"%'}).all()
            me = conn.execute(_AGENT_STATE, {"agent": agent}).first()
            newest = conn.execute(_NEWEST).one()
            mark = (int(newest[0] or 0), int(newest[1] or 0))
            touched: frozenset[str] = frozenset()
            if since is not None and mark != since:
                moved = conn.execute(_TOUCHED, {"events": since[0], "lines": since[1]})
                touched = frozenset(moved.scalars())
        found = [interaction_from_row(r) for r in rows]
        found = [it for it in found if it.agent == agent or agent in it.parties]
        return OpenWork(
            offers=tuple(it for it in found if it.state is State.OFFERED),
            interactions=tuple(it for it in found if it.state is State.ACCEPTED),
            workbin=tuple(it for it in found if it.state is State.PENDING),
            agent_state=None if me is None else me.state,
            agent_reason="" if me is None else me.reason,
            mark=mark,
            touched=touched,
        )

    # --- one interaction ----------------------------------------------------------------------

    def contact(self, contact_id: str, conn: Connection | None = None) -> Contact:
        """The contact ``contact_id`` (``NotFoundError`` if unknown)."""
        with self._connection(conn) as c:
            row = c.execute(_CONTACT, {"cid": contact_id}).first()
        if row is None:
            raise NotFoundError(f"contact {contact_id!r} is not in the store")
        return contact_from_row(row)

    def contact_of(self, interaction_id: str) -> Contact:
        """The contact an interaction is with (``NotFoundError`` if the interaction is unknown)."""
        with self._store.read() as conn:
            row = conn.execute(_CONTACT_OF.where(t.interactions.c.id == interaction_id)).first()
        if row is None:  # name what is missing: the interaction, or its contact
            return self.contact(self._store.interaction(interaction_id).contact_id)
        return contact_from_row(row)

    def customer_tweets(self, it: Interaction, conn: Connection | None = None) -> dict[str, bool]:
        """The ids of the customer's tweets in the interaction, each with whether its author
        deleted it: the one that opened it first, then the later ones in the order they came
        (not another participant's in the thread: what a reply, like or retweet is about is
        the contact's)."""
        with self._connection(conn) as c:
            rows = c.execute(_CUSTOMER_TWEETS, {"iid": it.id}).all()
        gone = {r.tweet_id for r in rows if r.deleted_at is not None}
        later = [r.tweet_id for r in rows if not (r.details or {}).get("participant")]
        first = [it.tweet_id] if it.tweet_id else []
        ordered = [*first, *(tid for tid in later if tid != it.tweet_id)]
        return {tid: tid in gone for tid in ordered}

    def transcript(
        self, interaction_id: str, conn: Connection | None = None, *, after: int = 0
    ) -> list[TranscriptEntry]:
        """The interaction's messages and notes in order (``NotFoundError`` if unknown), those
        stored after the line ``after`` (a ``row_id``) only when given; in ``conn``'s
        transaction when given."""
        with self._connection(conn) as c:
            if c.execute(_KNOWN, {"iid": interaction_id}).first() is None:
                raise NotFoundError(f"interaction {interaction_id!r} is not in the store")
            rows = c.execute(_LINES, {"iid": interaction_id, "after": after})
            lines = [transcript_from_row(r) for r in rows]
            keys = [k for e in lines if isinstance(k := e.details.get("outbox_key"), str)]
            if not keys:
                return lines
            sends = {r.key: r for r in c.execute(_SENDS, {"keys": keys})}
        return [_delivered(e, sends) for e in lines]

    def deliveries(self, keys: Sequence[str]) -> dict[str, Delivery]:
        """The state of these sends (outbox keys), by key."""
        if not keys:
            return {}
        with self._connection(None) as c:
            rows = list(c.execute(_SENDS, {"keys": list(keys)}))
        return {r.key: _delivery(r) for r in rows}

    # --- what an agent chooses from -----------------------------------------------------------

    def standard_responses(self, search: str = "") -> dict[str, str]:
        """Standard responses (name -> text, by name) whose name, category or text contains
        ``search`` (any case)."""
        needle = (search or "").strip().lower()
        sr = t.standard_responses
        with self._store.read() as conn:
            rows = conn.execute(select(sr).order_by(sr.c.name))
            return {
                r.name: r.text
                for r in rows
                if not needle or needle in f"{r.name}\n{r.category}\n{r.text}".lower()
            }

    def standard_response_labels(self) -> dict[str, str]:
        """Every standard response's name and label (its name when it has none), by name."""
        sr = t.standard_responses
        with self._store.read() as conn:
            rows = conn.execute(select(sr.c.name, sr.c.label).order_by(sr.c.name))
            return {r.name: r.label or r.name for r in rows}

    def standard_response(self, name: str, conn: Connection | None = None) -> str | None:
        """The text of the standard response ``name`` (None: there is none)."""
        sr = t.standard_responses
        with self._connection(conn) as c:
            found: str | None = c.execute(select(sr.c.text).where(sr.c.name == name)).scalar()
        return found

    def dispositions(self, conn: Connection | None = None) -> list[Disposition]:
        """The disposition codes with their labels, by code."""
        d = t.dispositions
        with self._connection(conn) as c:
            rows = c.execute(select(d).order_by(d.c.code))
            return [Disposition(r.code, r.label, bool(r.no_action)) for r in rows]

    def queue_names(self, conn: Connection | None = None) -> list[str]:
        """The names of the queues, sorted."""
        with self._connection(conn) as c:
            return list(c.execute(select(t.queues.c.name).order_by(t.queues.c.name)).scalars())

    def timelines(self) -> set[str]:
        """The brand accounts named by interactions or routing rules."""
        with self._store.read() as conn:
            seen = set(conn.execute(select(_i.timeline).distinct()).scalars())
            seen |= set(conn.execute(select(t.routing_rules.c.timeline).distinct()).scalars())
        return {s for s in seen if s}

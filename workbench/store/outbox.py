"""The outbox table: rows written before they are sent, claimed with a lease, marked once done.

``workbench.outbox`` (the use case) decides what to send and when; this module is its one door to
``schema.outbox``: enqueue within the caller's transaction, claim due rows, mark them sent,
retried later, failed or released (with the interaction's ``answered`` (a reply, DM or quote),
``sent`` (anything else) or ``send_failed`` events), and read their status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from workbench.domain import ANSWER_ACTIONS, Action, Event, utcnow
from workbench.domain.budget import say_wait
from workbench.store import schema as t
from workbench.store._rows import event_row

if TYPE_CHECKING:
    from workbench.store.store import Store

PENDING, SENT, FAILED = "pending", "sent", "failed"

_o = t.outbox.c
_BY_KEY = select(_o.id).where(_o.key == bindparam("k"))
_INSERT = insert(t.outbox)
_STATUS = select(t.outbox).where(_o.key == bindparam("k"))
_COUNTS = select(_o.state, func.count()).group_by(_o.state)
_NEXT_DUE = select(func.min(_o.next_attempt_at)).where(_o.state == PENDING)
_MARK_SENT = (
    update(t.outbox)
    .where(_o.id == bindparam("_id"))
    .values(
        state=SENT,
        result=bindparam("result"),
        x_id=bindparam("x_id"),
        sent_at=bindparam("now"),
        claimed_until=None,
        last_error=None,
    )
)
_tr = t.transcript.c
# What X's timelines and DM events brought in of the brand's own words before the outbox knew
# X's id for them (ingest joins such a message as a line of its own): once the send is marked,
# that copy goes, and the agent's line, with its delivery, stands alone.
_ECHO = delete(t.transcript).where(
    _tr.interaction_id == bindparam("iid"),
    _tr.tweet_id == bindparam("x_id"),
    _tr.kind == "outbound",
    or_(*(_tr.action == a for a in ("reply", "quote", "tweet", "dm"))),  # one statement, many rows
    _tr.details["source"].as_string() == "x",
)
_WORDS = ("reply", "quote", "dm", "post")
"""The sends that make a post or a DM event of the brand's, which X's reads bring back."""
# A reply, DM or quote X accepted is the brand's words reaching the customer (``answered``).
_SENT_AS = {a.value: Action.ANSWERED for a in ANSWER_ACTIONS}
_i = t.interactions.c
_FIRST_REPLY = (
    update(t.interactions)
    .where(_i.id.in_(bindparam("ids", expanding=True)))
    .values(first_reply_at=func.coalesce(_i.first_reply_at, bindparam("now")), waiting_since=None)
)
_RETRY_FAILED = (
    update(t.outbox)
    .where(_o.key == bindparam("k"), _o.interaction_id == bindparam("iid"), _o.state == FAILED)
    .values(state=PENDING, next_attempt_at=bindparam("now"), last_error=None, claimed_until=None)
)
_RETRY = (
    update(t.outbox)
    .where(_o.id == bindparam("_id"))
    .values(
        next_attempt_at=bindparam("next_attempt_at"),
        last_error=bindparam("last_error"),
        claimed_until=None,
        attempts=_o.attempts - bindparam("back"),
    )
)
_MARK_FAILED = (  # X refused it (or it never left): the attempt reached nothing, given back
    update(t.outbox)
    .where(_o.id == bindparam("_id"))
    .values(
        state=FAILED,
        last_error=bindparam("reason"),
        claimed_until=None,
        attempts=_o.attempts - 1,
    )
)
_SENT_ALREADY = select(_o.id).where(_o.id.in_(bindparam("ids", expanding=True)), _o.state == SENT)
_TAKEN = select(_o.x_id).where(
    _o.x_id.in_(bindparam("x_ids", expanding=True)), _o.id != bindparam("row"), _o.state == SENT
)
_RELEASE = (  # claimed but not tried: no attempt to count
    update(t.outbox)
    .where(_o.id == bindparam("_id"))
    .values(
        claimed_until=None,
        attempts=_o.attempts - 1,
        next_attempt_at=bindparam("next_attempt_at"),
        last_error=func.coalesce(bindparam("reason"), _o.last_error),
    )
)
PACED = "rate budget: "
"""How ``last_error`` starts on a row held back by its endpoint's rate budget; X's rule follows
(``rate budget: X allows 15 DMs per 15 minutes``)."""
_PENDING_OF = (
    select(_o.key, _o.action, _o.timeline, _o.next_attempt_at, _o.last_error, _o.created_at)
    .where(_o.interaction_id == bindparam("iid"), _o.state == PENDING)
    .order_by(_o.next_attempt_at, _o.id)
)
_INSERT_EVENTS = insert(t.events)


@dataclass
class OutboxRow:
    """A claimed row: what to send, for whom, and the how-manyth attempt this is."""

    id: int
    key: str
    interaction_id: str | None
    timeline: str
    action: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


@dataclass
class Sent:
    """A row that reached X: its result, and the id X gave it (tweet or DM event id), if any."""

    row: OutboxRow
    result: dict[str, Any]
    x_id: str | None = None


@dataclass
class Retry:
    """A row tried and to be tried again at ``at``; ``refused``: X answered and did nothing
    (429, 401), so the attempt is given back (``attempts`` counts the tries that may have
    reached X)."""

    row: OutboxRow
    at: datetime
    error: str
    refused: bool = False


@dataclass
class Failed:
    """A row X refused for good (or that could not leave), and why: its attempt is given
    back, so a person's Retry sends it afresh."""

    row: OutboxRow
    reason: str


@dataclass
class Released:
    """A claimed row that was not tried: back to pending at ``at``, no attempt counted;
    ``reason`` (kept in ``last_error``) says why when it is not the row's earlier error."""

    row: OutboxRow
    at: datetime
    reason: str | None = None


class OutboxTable:
    """``store.outbox``: the outbox rows."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def enqueue(
        self,
        conn: Connection,
        *,
        key: str,
        action: str,
        timeline: str,
        payload: dict[str, Any],
        interaction_id: str | None = None,
    ) -> bool:
        """Write the row in ``conn``'s transaction unless ``key`` is there; True if written."""
        if conn.execute(_BY_KEY, {"k": key}).first() is not None:
            return False
        now = utcnow()
        conn.execute(
            _INSERT,
            {
                "key": key,
                "interaction_id": interaction_id,
                "timeline": timeline,
                "action": action,
                "payload": payload,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        return True

    def retry_failed(self, conn: Connection, key: str, interaction_id: str) -> bool:
        """Queue the failed row ``key`` of the interaction again, due now (the same key: it still
        goes out at most once); False when there is no such failed row."""
        found = conn.execute(_RETRY_FAILED, {"k": key, "iid": interaction_id, "now": utcnow()})
        return bool(found.rowcount == 1)

    # --- reading ------------------------------------------------------------------------------

    def taken(self, x_ids: Sequence[str], besides: int) -> set[str]:
        """Those of ``x_ids`` (what X gave a send) that a sent row other than ``besides`` holds:
        a post or DM found on X is that row's, never a second answer."""
        if not x_ids:
            return set()
        with self._store.engine.connect() as conn:
            found = conn.execute(_TAKEN, {"x_ids": list(x_ids), "row": besides}).scalars()
            return {str(x) for x in found}

    def status(self, key: str) -> dict[str, Any] | None:
        """The row of ``key`` as a dict of its columns (None: no such key)."""
        with self._store.engine.connect() as conn:
            row = conn.execute(_STATUS, {"k": key}).first()
        return dict(row._mapping) if row is not None else None

    def counts(self) -> dict[str, int]:
        """How many rows are pending, sent and failed."""
        with self._store.engine.connect() as conn:
            rows = conn.execute(_COUNTS).all()
        out = {PENDING: 0, SENT: 0, FAILED: 0}
        out.update({r[0]: int(r[1]) for r in rows})
        return out

    def next_due(self) -> datetime | None:
        """When the next pending row may be tried (None: nothing pending)."""
        with self._store.engine.connect() as conn:
            return conn.execute(_NEXT_DUE).scalar()

    def pending_eta(self, interaction_id: str, now: datetime | None = None) -> list[dict[str, Any]]:
        """The interaction's queued messages, soonest first: key, action, timeline, ``eta``
        (when it is expected to go out), ``rule`` (X's rule that holds it back, None when
        nothing does) and ``sentence``: "X allows 15 DMs per 15 minutes; goes out in about 4
        min" (or "goes out now", or "retrying in about 2 min: <the last error>")."""
        now = now or utcnow()
        with self._store.engine.connect() as conn:
            rows = conn.execute(_PENDING_OF, {"iid": interaction_id}).all()
        out = []
        for r in rows:
            eta = _aware(r.next_attempt_at)
            rule, sentence = waiting(r.next_attempt_at, r.last_error, now)
            out.append(
                {
                    "key": r.key,
                    "action": r.action,
                    "timeline": r.timeline,
                    "eta": max(eta, now),
                    "rule": rule,
                    "sentence": sentence,
                }
            )
        return out

    # --- claiming and marking -----------------------------------------------------------------

    def claim(self, limit: int, lease: float) -> list[OutboxRow]:
        """Take up to ``limit`` due rows for ``lease`` seconds (each claim counts an attempt, which
        ``finish`` gives back when X refused it or it was not tried);
        on PostgreSQL rows another worker is claiming are skipped, not waited for."""
        now = utcnow()
        due = and_(
            _o.state == PENDING,
            _o.next_attempt_at <= now,
            or_(_o.claimed_until.is_(None), _o.claimed_until < now),
        )
        with self._store.transaction() as conn:
            query = select(t.outbox).where(due).order_by(_o.next_attempt_at, _o.id).limit(limit)
            if self._store.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = conn.execute(query).all()
            if not rows:
                return []
            conn.execute(
                update(t.outbox)
                .where(_o.id.in_([r.id for r in rows]), due)
                .values(claimed_until=now + timedelta(seconds=lease), attempts=_o.attempts + 1)
            )
        return [
            OutboxRow(
                r.id,
                r.key,
                r.interaction_id,
                r.timeline,
                r.action,
                dict(r.payload or {}),
                int(r.attempts) + 1,
                r.created_at,
            )
            for r in rows
        ]

    def finish(
        self,
        sent: Sequence[Sent] = (),
        later: Sequence[Retry] = (),
        failed: Sequence[Failed] = (),
        released: Sequence[Released] = (),
    ) -> None:
        """Mark claimed rows in one transaction, with the ``sent`` and ``send_failed`` events of
        the rows that belong to an interaction."""
        if not (sent or later or failed or released):
            return
        now = utcnow()
        events: list[dict[str, Any]] = []
        with self._store.transaction() as conn:
            if sent:
                # A row marked sent already (a worker whose lease ran out finished it too) is
                # not marked again: one send, one event.
                ids = [s.row.id for s in sent]
                marked = set(conn.execute(_SENT_ALREADY, {"ids": ids}).scalars())
                sent = [s for s in sent if s.row.id not in marked]
            if sent:
                conn.execute(
                    _MARK_SENT,
                    [
                        {"_id": s.row.id, "result": s.result, "x_id": s.x_id, "now": now}
                        for s in sent
                    ],
                )
                events += [
                    _event(_SENT_AS.get(s.row.action, Action.SENT), s.row, now, result=s.result)
                    for s in sent
                    if s.row.interaction_id
                ]
                answered = sorted(
                    {
                        s.row.interaction_id
                        for s in sent
                        if s.row.action in _SENT_AS and s.row.interaction_id
                    }
                )
                if answered:  # the first words X accepted: the first response
                    conn.execute(_FIRST_REPLY, {"ids": answered, "now": now})
                echoes = [
                    {"iid": s.row.interaction_id, "x_id": s.x_id}
                    for s in sent
                    if s.x_id and s.row.interaction_id and s.row.action in _WORDS
                ]
                if echoes:
                    conn.execute(_ECHO, echoes)
            if later:
                conn.execute(
                    _RETRY,
                    [
                        {
                            "_id": r.row.id,
                            "next_attempt_at": r.at,
                            "last_error": r.error[:2000],
                            "back": int(r.refused),
                        }
                        for r in later
                    ],
                )
            if failed:
                conn.execute(
                    _MARK_FAILED, [{"_id": f.row.id, "reason": f.reason[:2000]} for f in failed]
                )
                events += [
                    _event(Action.SEND_FAILED, f.row, now, reason=f.reason[:500])
                    for f in failed
                    if f.row.interaction_id
                ]
            if released:
                conn.execute(
                    _RELEASE,
                    [
                        {"_id": r.row.id, "next_attempt_at": r.at, "reason": r.reason}
                        for r in released
                    ],
                )
            if events:
                conn.execute(_INSERT_EVENTS, events)


def waiting(
    next_attempt_at: datetime, last_error: str | None, now: datetime
) -> tuple[str | None, str]:
    """Why a pending row waits and when it goes out: (X's rule that holds it back, or None;
    "X allows 15 DMs per 15 minutes; goes out in about 4 min", "goes out now", or "retrying in
    about 2 min: <the last error>")."""
    error = last_error or ""
    rule = error[len(PACED) :] if error.startswith(PACED) else None
    wait = say_wait(max(timedelta(0), _aware(next_attempt_at) - now))
    if rule:
        return rule, f"{rule}; goes out {wait}"
    if error:
        return None, f"retrying {wait}: {error[:200]}"
    return None, f"goes out {wait}"


def _aware(at: datetime) -> datetime:
    """A stored time as UTC-aware (SQLite hands back naive UTC)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _event(action: Action, row: OutboxRow, at: datetime, **details: Any) -> dict[str, Any]:
    details = {"key": row.key, "action": row.action, "timeline": row.timeline, **details}
    return event_row(Event(action, row.interaction_id, None, at, details))

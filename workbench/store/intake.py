"""What ingest reads and writes besides interactions: quarantined items, cursors, and the lookups
that thread the brand's own messages into the transcripts they answer.

``workbench.intake`` (the use case) asks these; the interactions themselves are stored by
``Store.add_new_interactions``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from workbench.domain import Channel, EntryKind, Interaction, State, TranscriptEntry, utcnow
from workbench.store import schema as t
from workbench.store._bulk import PerDialect, among, fetch, json_list
from workbench.store._rows import interaction_from_row, transcript_from_row
from workbench.store.outbox import SENT

if TYPE_CHECKING:
    from workbench.store.store import Store

T = TypeVar("T")

_INSERT_QUARANTINE = insert(t.quarantine)
_tr = t.transcript.c
_OUTBOUND_LINES = select(_tr.tweet_id).where(
    _tr.tweet_id.in_(bindparam("ids", expanding=True)),
    _tr.kind == EntryKind.OUTBOUND.value,
)
_MENTION_OF_TWEET = select(t.interactions.c.id).where(
    t.interactions.c.tweet_id == bindparam("tweet")
)
_SENT_BY_OUTBOX = select(t.outbox.c.x_id).where(
    t.outbox.c.x_id.in_(bindparam("ids", expanding=True)), t.outbox.c.state == SENT
)
_LINE_OF_TWEET = (
    select(_tr.interaction_id).where(_tr.tweet_id == bindparam("tweet")).order_by(_tr.id.desc())
)

_i = t.interactions.c
_LINES_OF = PerDialect(lambda d: select(_tr.tweet_id).where(among(_tr.tweet_id, "ids", d)))
_THREAD_OF_TWEETS = (
    select(t.interactions, _tr.tweet_id.label("_via"))
    .join(t.transcript, _tr.interaction_id == _i.id)
    .where(
        _tr.tweet_id.in_(bindparam("ids", expanding=True)),
        _tr.action != "dm",  # a line's DM event id is no tweet
        _i.channel != Channel.OUTBOUND.value,
    )
    .order_by(_tr.id)
)
_LATEST_OF_CONTACT = (
    select(t.interactions)
    .where(_i.contact_id == bindparam("contact"), _i.channel != Channel.OUTBOUND.value)
    .order_by(_i.arrived_at.desc(), _i.id.desc())
    .limit(1)
)
_WAITING_FROM = (
    update(t.interactions)
    .where(_i.id == bindparam("_id"))
    .values(waiting_since=func.coalesce(_i.waiting_since, bindparam("_at")))
)

# Deleted posts: the inbound tweet lines not yet marked deleted (a DM event id is no tweet).
_POST_LINES = (
    select(t.transcript)
    .where(
        _tr.tweet_id.in_(bindparam("ids", expanding=True)),
        _tr.kind == EntryKind.INBOUND.value,
        _tr.action != "dm",
        _tr.deleted_at.is_(None),
    )
    .order_by(_tr.id)
)
# Locked (PostgreSQL) in id order: two markings of the same posts lock them alike.
_OPENED_BY = (
    select(t.interactions)
    .where(
        _i.tweet_id.in_(bindparam("ids", expanding=True)),
        or_(_i.deleted_at.is_(None), _i.subject != ""),
    )
    .order_by(_i.id)
)
_OF_IDS = select(t.interactions).where(_i.id.in_(bindparam("ids", expanding=True))).order_by(_i.id)
_BLANK_LINE = (
    update(t.transcript)
    .where(_tr.id == bindparam("_id"), _tr.deleted_at.is_(None))
    .values(
        text="",
        details=bindparam("_details", type_=_tr.details.type),
        deleted_at=bindparam("_at", type_=_tr.deleted_at.type),
    )
)
_LIVE_POSTS = (
    select(_i.timeline, _tr.tweet_id)
    .join(t.transcript, _tr.interaction_id == _i.id)
    .where(
        or_(_i.state != State.DONE.value, _i.done_at >= bindparam("since")),
        _i.channel != Channel.OUTBOUND.value,
        _tr.kind == EntryKind.INBOUND.value,
        _tr.action != "dm",
        _tr.tweet_id.is_not(None),
        _tr.deleted_at.is_(None),
    )
    .order_by(_tr.id)
)


@dataclass(frozen=True)
class Posts:
    """The stored posts of some tweet ids, as marking them deleted reads them."""

    lines: list[TranscriptEntry]
    """Their inbound transcript lines not yet marked deleted."""
    interactions: dict[str, Interaction]
    """The interactions of those lines, and those these tweets opened (not yet blanked)."""


@dataclass(frozen=True)
class Thread:
    """An interaction a new message may belong to, as ingest reads it to decide."""

    interaction: Interaction
    done_at: datetime | None


def _thread(row: Any) -> Thread:
    return Thread(interaction_from_row(row), row.done_at)


def payload_text(payload: Any) -> str:
    """A quarantined item's payload as stored: text as is, anything else as JSON (100k chars)."""
    if isinstance(payload, str):
        return payload
    return json.dumps(payload, default=str, ensure_ascii=False)[:100_000]


class IntakeTables:
    """``store.intake``: ingest's reads and writes."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def write(self, work: Callable[[Connection], T], attempts: int = 3) -> T:
        """``work(conn)`` in one transaction. When another ingest stored some of the same
        interactions first (a unique key collides), it runs again in a new transaction, which
        sees them and stores the rest; after ``attempts`` the collision is raised."""
        for attempt in range(attempts):
            try:
                with self._store.transaction() as conn:
                    return work(conn)
            except IntegrityError:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def quarantine(
        self, conn: Connection, source: str, items: Iterable[tuple[str | None, str, Any]]
    ) -> int:
        """Keep malformed items aside, each ``(item id, reason, payload)``; how many."""
        now = utcnow()
        rows = [
            {
                "at": now,
                "source": source,
                "item_id": item_id,
                "reason": reason[:2000],
                "payload": payload_text(payload),
            }
            for item_id, reason, payload in items
        ]
        if rows:
            conn.execute(_INSERT_QUARANTINE, rows)
        return len(rows)

    def set_cursors(self, conn: Connection, cursors: Iterable[tuple[str, str]]) -> None:
        """Set each ``(name, value)`` cursor in ``conn``'s transaction."""
        for name, value in cursors:
            self._store.set_cursor(name, value, conn)

    # --- threading the brand's own messages ---------------------------------------------------

    def in_transcripts(self, conn: Connection, ids: Sequence[str]) -> set[str]:
        """The tweet and DM event ids among ``ids`` already in a transcript as outbound lines."""
        if not ids:
            return set()
        return set(conn.execute(_OUTBOUND_LINES, {"ids": list(ids)}).scalars())

    def sent_by_outbox(self, conn: Connection, ids: Sequence[str]) -> set[str]:
        """The ids among ``ids`` that X gave to what the outbox sent."""
        if not ids:
            return set()
        return set(conn.execute(_SENT_BY_OUTBOX, {"ids": list(ids)}).scalars())

    def interaction_for_tweet(self, conn: Connection, tweet_id: str) -> str | None:
        """The interaction a tweet belongs to: the mention it opened, else the latest one whose
        transcript holds it."""
        row = conn.execute(_MENTION_OF_TWEET, {"tweet": tweet_id}).first()
        if row is None:
            row = conn.execute(_LINE_OF_TWEET, {"tweet": tweet_id}).first()
        return str(row[0]) if row is not None else None

    # --- deleted posts ------------------------------------------------------------------------

    def posts(self, conn: Connection, tweet_ids: Sequence[str]) -> Posts:
        """The lines and interactions of these tweets that are not yet marked deleted (the
        interactions locked on PostgreSQL until the transaction ends)."""
        ids = sorted(set(tweet_ids))
        lines: list[TranscriptEntry] = []
        opened: list[Any] = []
        for start in range(0, len(ids), 5_000):
            chunk = {"ids": ids[start : start + 5_000]}
            lines.extend(transcript_from_row(r) for r in conn.execute(_POST_LINES, chunk))
            opened.extend(conn.execute(self._locked(_OPENED_BY), chunk))
        found = {r.id: interaction_from_row(r) for r in opened}
        wanted = sorted({e.interaction_id for e in lines} - set(found))
        for start in range(0, len(wanted), 5_000):
            rows = conn.execute(self._locked(_OF_IDS), {"ids": wanted[start : start + 5_000]})
            found.update((r.id, interaction_from_row(r)) for r in rows)
        return Posts(lines, found)

    def _locked(self, query: Any) -> Any:
        return query.with_for_update() if self._store.dialect == "postgresql" else query

    def mark_deleted(
        self,
        conn: Connection,
        lines: Sequence[TranscriptEntry],
        interactions: Mapping[str, bool],
        at: datetime,
    ) -> None:
        """Keep these lines without their text (nor the links it held), deleted at ``at``;
        stamp these interactions deleted at ``at``, blanking the subject of those mapped to
        True. Each interaction's version goes up: a save of what was read before is refused
        (it would write the deleted subject back)."""
        params = [
            {
                "_id": e.row_id,
                "_details": {k: v for k, v in e.details.items() if k != "urls"},
                "_at": at,
            }
            for e in lines
            if e.row_id is not None
        ]
        if params:
            conn.execute(_BLANK_LINE, params)
        for blank in (True, False):
            ids = sorted(i for i, b in interactions.items() if b is blank)
            values: dict[str, Any] = {"deleted_at": at, "version": _i.version + 1}
            if blank:
                values["subject"] = ""
            for start in range(0, len(ids), 5_000):
                chunk = ids[start : start + 5_000]
                conn.execute(update(t.interactions).where(_i.id.in_(chunk)).values(values))

    def live_posts(self, since: datetime | None = None) -> list[tuple[str, str]]:
        """(timeline, tweet id) of the inbound posts not marked deleted of the interactions
        still open or done since ``since`` (default: a day ago), oldest line first: what a
        sweep looks up on X to find those deleted."""
        since = since or utcnow() - timedelta(days=1)
        with self._store.read() as conn:
            rows = conn.execute(_LIVE_POSTS, {"since": since}).all()
        return [(str(r.timeline or ""), str(r.tweet_id)) for r in rows]

    # --- conversations: customers' further messages ----------------------------------------

    def in_any_transcript(self, conn: Connection, ids: Sequence[str]) -> set[str]:
        """The tweet and DM event ids among ``ids`` already in a transcript (any line)."""
        return {r[0] for r in fetch(conn, _LINES_OF(conn), {"ids": json_list(ids)})}

    def threads_of_tweets(self, conn: Connection, tweet_ids: Sequence[str]) -> dict[str, Thread]:
        """tweet id -> the interaction (not an outbound post) whose transcript holds that tweet,
        the latest to hold it, for the ids among ``tweet_ids`` that one holds."""
        out: dict[str, Thread] = {}
        wanted = sorted(set(tweet_ids))
        for start in range(0, len(wanted), 5_000):
            rows = conn.execute(_THREAD_OF_TWEETS, {"ids": wanted[start : start + 5_000]})
            for row in rows:
                out[str(row._via)] = _thread(row)  # in line order: the latest line wins
        return out

    def latest_of_contact(self, conn: Connection, contact_id: str) -> Thread | None:
        """The contact's interaction (a mention or a DM) that arrived last."""
        row = conn.execute(_LATEST_OF_CONTACT, {"contact": contact_id}).first()
        return _thread(row) if row is not None else None

    def waiting_from(self, conn: Connection, since: dict[str, datetime]) -> None:
        """The customers of these interactions wrote again: each waits from then, unless it
        already waited for an answer to an earlier message (Done clears the wait, so a reopened
        one waits from the message that reopened it)."""
        if since:
            conn.execute(_WAITING_FROM, [{"_id": i, "_at": at} for i, at in sorted(since.items())])

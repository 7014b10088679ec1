"""What ingest reads and writes besides interactions: quarantined items, cursors, and the lookups
that thread the brand's own messages into the transcripts they answer.

``workbench.intake`` (the use case) asks these; the interactions themselves are stored by
``Store.add_new_interactions``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from workbench.domain import Channel, EntryKind, Interaction, utcnow
from workbench.store import schema as t
from workbench.store._rows import interaction_from_row
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
_LINES_OF = select(_tr.tweet_id).where(_tr.tweet_id.in_(bindparam("ids", expanding=True)))
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
_WAITING_AGAIN = (
    update(t.interactions).where(_i.id == bindparam("_id")).values(waiting_since=bindparam("_at"))
)


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

    # --- conversations: customers' further messages ----------------------------------------

    def in_any_transcript(self, conn: Connection, ids: Sequence[str]) -> set[str]:
        """The tweet and DM event ids among ``ids`` already in a transcript (any line)."""
        found: set[str] = set()
        for start in range(0, len(ids), 5_000):
            found.update(
                conn.execute(_LINES_OF, {"ids": list(ids[start : start + 5_000])}).scalars()
            )
        return found

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

    def waiting_from(
        self, conn: Connection, since: dict[str, datetime], again: Iterable[str] = ()
    ) -> None:
        """The customers of these interactions wrote again: each waits from then, unless it
        already waited for an answer to an earlier message; those ``again`` (reopened after
        Done) wait from then whatever came before."""
        fresh = set(again)
        for statement, chosen in (
            (_WAITING_FROM, [i for i in sorted(since) if i not in fresh]),
            (_WAITING_AGAIN, [i for i in sorted(since) if i in fresh]),
        ):
            if chosen:
                conn.execute(statement, [{"_id": i, "_at": since[i]} for i in chosen])

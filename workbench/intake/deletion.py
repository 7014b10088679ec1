"""Deleted posts: when X says a post is gone (its ``post.delete`` event, or a lookup answered
with resource-not-found), the desk honours it, as X's developer terms ask.

The post's transcript lines keep their row, time, author and ids but lose their text (and the
links it held); the interaction's subject is blanked when it came from the post; the
interaction is stamped ``deleted_at`` and a ``post_deleted`` event joins the log, so the ledger
keeps the row with its text empty. Marking a post deleted twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from workbench.domain import Action, Event, Interaction, TranscriptEntry, expand_links
from workbench.store import Store, Transaction

SUBJECT_LENGTH = 140


def subject_of(text: str) -> str:
    """An interaction's subject from a message's text (links expanded): its first
    ``SUBJECT_LENGTH`` characters on one line, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= SUBJECT_LENGTH:
        return flat
    cut = flat[: SUBJECT_LENGTH - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _expanded(line: TranscriptEntry) -> str:
    """The line's text with each t.co link replaced by the URL it stands for (as its subject
    was made)."""
    urls = line.details.get("urls")
    return expand_links(line.text, urls) if isinstance(urls, dict) else line.text


@dataclass(frozen=True)
class Deleted:
    """What marking posts deleted changed."""

    tweet_ids: tuple[str, ...] = ()
    """The posts newly marked deleted (those already marked, or not stored, are not here)."""
    interactions: tuple[str, ...] = ()
    """The interactions they belong to (each got one ``post_deleted`` event)."""
    lines: int = 0
    """Transcript lines whose text was dropped."""


def _blanks_subject(it: Interaction, ids: set[str], lines: list[TranscriptEntry]) -> bool:
    """Whether ``it``'s subject came from one of these deleted posts: the post that opened it,
    or one whose text is the subject (a follow-up that reopened it)."""
    if not it.subject:
        return False
    if it.tweet_id is not None and it.tweet_id in ids:
        return True
    return any(subject_of(_expanded(e)) == it.subject for e in lines)


def mark_deleted(store: Store, tweet_ids: Iterable[str], at: datetime, *, source: str) -> Deleted:
    """Mark these posts deleted at ``at`` in one transaction; ``source`` says how X told it
    (``post.delete``, ``lookup``), kept in each event."""
    ids = {str(i) for i in tweet_ids if i}
    if not ids:
        return Deleted()

    def write(conn: Transaction) -> Deleted:
        found = store.intake.posts(conn, sorted(ids))
        by_interaction: dict[str, list[TranscriptEntry]] = {i: [] for i in found.interactions}
        for line in found.lines:
            by_interaction.setdefault(line.interaction_id, []).append(line)
        blank = {
            iid: _blanks_subject(it, ids, by_interaction[iid])
            for iid, it in found.interactions.items()
        }
        touched = {iid: blank.get(iid, False) for iid in by_interaction}
        if not touched:
            return Deleted()
        store.intake.mark_deleted(conn, found.lines, touched, at)
        gone: set[str] = set()
        for iid in sorted(touched):
            posts = sorted({e.tweet_id for e in by_interaction[iid] if e.tweet_id})
            it = found.interactions.get(iid)
            if it is not None and it.tweet_id in ids:
                posts = sorted({*posts, it.tweet_id})
            gone.update(posts)
            details = {"tweet_ids": posts, "source": source, "subject_blanked": touched[iid]}
            store.append_event(Event(Action.POST_DELETED, iid, None, at, details), conn)
        return Deleted(tuple(sorted(gone)), tuple(sorted(touched)), len(found.lines))

    return store.intake.write(write)

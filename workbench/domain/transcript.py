"""One line of an interaction's transcript."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class EntryKind(str, Enum):
    """Who a transcript line is from and who saw it."""

    INBOUND = "inbound"  # the contact wrote it
    OUTBOUND = "outbound"  # the brand sent it to the contact
    INTERNAL = (
        "internal"  # between agents (consultation, conference chat): never reaches the contact
    )
    SYSTEM = "system"  # the workbench noted something (accepted, transferred...)


class DeliveryState(str, Enum):
    """Where a message the brand sends through the outbox is."""

    QUEUED = "queued"  # written, not yet accepted by X (paced, retried after a 429 or a 5xx)
    SENT = "sent"  # X accepted it
    FAILED = "failed"  # X refused it: the reason says why


@dataclass(frozen=True)
class Delivery:
    """The send behind an outbound line: its state, the id X gave it, X's reason for a
    refusal (or, while queued, when it goes out and what holds it back), and its outbox key
    (what a retry resends)."""

    state: DeliveryState
    key: str
    x_id: str | None = None
    reason: str = ""


DELETED_TEXT = "deleted by the author"
"""What the desk shows in place of a post its author deleted (its text is not kept)."""


@dataclass(frozen=True)
class TranscriptEntry:
    """A message or note in an interaction, in order of ``at``."""

    interaction_id: str
    at: datetime
    kind: EntryKind
    author: str
    text: str
    action: str = "message"  # reply, dm, quote, retweet, like, note, ...
    tweet_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    deleted_at: datetime | None = None
    """When its author deleted the post (the store then keeps the line without its text)."""
    delivery: Delivery | None = field(default=None, compare=False)
    """For a line sent through the outbox: where its send is (read with the transcript)."""
    row_id: int | None = field(default=None, compare=False)
    """Its place in the store (ascending as lines are written), once stored."""

    @property
    def deleted(self) -> bool:
        """Its author deleted the post: show ``DELETED_TEXT``, act on it no more."""
        return self.deleted_at is not None


def thread_participants(
    lines: list[TranscriptEntry], contact: str, brand: str | None = None
) -> list[str]:
    """Who a reply to all in this thread mentions: the contact first, then everyone else who
    wrote in it in public (DMs are private), each once (usernames compare without case),
    never the brand."""
    out: list[str] = []
    seen = {brand.lower()} if brand else set()
    public = (e.author for e in lines if e.kind is EntryKind.INBOUND and e.action != "dm")
    for name in (contact, *public):
        if name and name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out

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

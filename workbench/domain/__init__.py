"""The domain: pure Python objects and rules, knowing nothing of widgets, HTTP or databases."""

from __future__ import annotations

from workbench.domain.classification import Actionability, Sentiment
from workbench.domain.contact import Contact
from workbench.domain.disposition import Disposition
from workbench.domain.errors import WorkbenchError
from workbench.domain.event import (
    ANSWER_ACTIONS,
    DECLINED_ACTIONS,
    FIRST_RESPONSE_ACTIONS,
    Action,
    Event,
    utcnow,
)
from workbench.domain.interaction import Interaction, State, TransitionError
from workbench.domain.media import Media
from workbench.domain.said import Said
from workbench.domain.transcript import (
    DELETED_TEXT,
    Delivery,
    DeliveryState,
    EntryKind,
    TranscriptEntry,
    thread_participants,
)
from workbench.domain.tweet import Channel, Tweet, expand_links

__all__ = [
    "ANSWER_ACTIONS",
    "DECLINED_ACTIONS",
    "DELETED_TEXT",
    "FIRST_RESPONSE_ACTIONS",
    "Action",
    "Actionability",
    "Channel",
    "Contact",
    "Delivery",
    "DeliveryState",
    "Disposition",
    "EntryKind",
    "Event",
    "Interaction",
    "Media",
    "Said",
    "Sentiment",
    "State",
    "TranscriptEntry",
    "TransitionError",
    "Tweet",
    "WorkbenchError",
    "expand_links",
    "thread_participants",
    "utcnow",
]

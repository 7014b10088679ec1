"""Rows and domain objects: how each table's row maps to the domain, written once.

Every module of the store reads and writes rows through these functions (the bulk paths use the
``*_values`` tuples in ``*_KEYS`` order, the rest the ``*_row`` dicts).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workbench.domain import (
    Action,
    Actionability,
    Channel,
    Contact,
    EntryKind,
    Event,
    Interaction,
    Sentiment,
    State,
    TranscriptEntry,
)


def contact_row(contact: Contact, now: datetime) -> dict[str, Any]:
    return {
        "id": contact.id,
        "username": contact.username,
        "name": contact.name,
        "followers_count": contact.followers_count,
        "statuses_count": contact.statuses_count,
        "follows_brand": contact.follows_brand,
        "dm_open": contact.dm_open,
        "phone": contact.phone,
        "email": contact.email,
        "verified": contact.verified,
        "updated_at": now,
    }


ADDED_KEYS = (
    "id",
    "channel",
    "tweet_id",
    "dm_event_id",
    "post_key",
    "timeline",
    "contact_id",
    "previous_id",
    "arrived_at",
)
"""The columns written once, when the interaction is added: its ids, channel, timeline, contact
and arrival. A save that named them would rewrite their indexes (three unique ones) on every
offer, accept and done."""
SAVED_KEYS = (
    "queue",
    "subject",
    "state",
    "agent",
    "parties",
    "consultations",
    "sentiment",
    "actionability",
    "disposition",
    "note",
    "preferred_agent",
    "pending_until",
    "version",
)
"""The columns a save writes: what the interaction's transitions change (and the subject, which
a customer's new message replaces)."""
INTERACTION_KEYS = (*ADDED_KEYS, *SAVED_KEYS)
SAVE_KEYS = ("v_id", *(f"v_{k}" for k in SAVED_KEYS))
_FIRST_SAVED = len(ADDED_KEYS)


def interaction_values(it: Interaction) -> tuple[Any, ...]:
    """The interaction's row, in ``INTERACTION_KEYS`` order."""
    # ``_value_``: the enum member's value without the ``value`` property's cost (bulk paths).
    return (
        it.id,
        it.channel._value_,
        it.tweet_id,
        it.dm_event_id,
        it.post_key,
        it.timeline,
        it.contact_id,
        it.previous_id,
        it.arrived_at,
        it.queue,
        it.subject,
        it.state._value_,
        it.agent,
        list(it.parties),
        list(it.consultations),
        it.sentiment._value_,
        it.actionability._value_,
        it.disposition,
        it.note,
        it.preferred_agent,
        it.pending_until,
        it.version,
    )


def saved_values(it: Interaction) -> tuple[Any, ...]:
    """The interaction's id and its ``SAVED_KEYS`` columns, in that order."""
    values = interaction_values(it)
    return (values[0], *values[_FIRST_SAVED:])


NEW_KEYS = (*INTERACTION_KEYS, "waiting_since")
"""The columns of a new interaction's row: the saved ones, and since when the customer waits
(saves never write it: the store keeps it as messages come and answers go out)."""


def new_interaction_values(it: Interaction) -> tuple[Any, ...]:
    """A new interaction's row, in ``NEW_KEYS`` order: a customer's open message waits from
    its arrival."""
    waits = it.waiting_since
    if waits is None and it.channel is not Channel.OUTBOUND and it.state is not State.DONE:
        waits = it.arrived_at
    return (*interaction_values(it), waits)


def interaction_row(it: Interaction) -> dict[str, Any]:
    """A new interaction's row (``NEW_KEYS``)."""
    return dict(zip(NEW_KEYS, new_interaction_values(it), strict=True))


def interaction_from_row(row: Any) -> Interaction:
    """The domain object of an ``interactions`` row (for queries of their own)."""
    return Interaction(
        id=row.id,
        channel=Channel(row.channel),
        contact_id=row.contact_id,
        tweet_id=row.tweet_id,
        dm_event_id=row.dm_event_id,
        post_key=row.post_key,
        queue=row.queue,
        timeline=row.timeline,
        subject=row.subject,
        arrived_at=row.arrived_at,
        state=State(row.state),
        agent=row.agent,
        parties=tuple(row.parties or ()),
        consultations=tuple(row.consultations or ()),
        sentiment=Sentiment(row.sentiment),
        actionability=Actionability(row.actionability),
        disposition=row.disposition,
        note=row.note,
        preferred_agent=row.preferred_agent,
        previous_id=row.previous_id,
        pending_until=row.pending_until,
        waiting_since=row.waiting_since,
        priority=row.priority,
        priority_reasons=tuple(row.priority_reasons or ()),
        deleted_at=row.deleted_at,
        version=row.version,
    )


def event_row(e: Event) -> dict[str, Any]:
    return {
        "at": e.at,
        "interaction_id": e.interaction_id,
        "agent": e.agent,
        "action": action_value(e.action),
        "details": e.details,
    }


def action_value(action: Action | str) -> str:
    """The stored name of an event's action."""
    return action._value_ if isinstance(action, Action) else action


TRANSCRIPT_KEYS = (
    "interaction_id",
    "at",
    "kind",
    "author",
    "text",
    "action",
    "tweet_id",
    "details",
)


def transcript_values(e: TranscriptEntry) -> tuple[Any, ...]:
    """The transcript line's row, in ``TRANSCRIPT_KEYS`` order."""
    kind = e.kind._value_
    return (e.interaction_id, e.at, kind, e.author, e.text, e.action, e.tweet_id, e.details)


def transcript_row(e: TranscriptEntry) -> dict[str, Any]:
    return dict(zip(TRANSCRIPT_KEYS, transcript_values(e), strict=True))


EVENT_KEYS = ("at", "interaction_id", "agent", "action", "details")
ACTIONS = {a.value: a for a in Action}


def action_of(name: str) -> Action | str:
    """An event's stored action read back as the vocabulary's member (unknown names as is)."""
    return ACTIONS.get(name, name)


def event_from_row(r: Any) -> Event:
    """The domain object of an ``events`` row."""
    return Event(action_of(r.action), r.interaction_id, r.agent, r.at, dict(r.details or {}))


def transcript_from_row(r: Any) -> TranscriptEntry:
    """The domain object of a ``transcript`` row."""
    return TranscriptEntry(
        r.interaction_id,
        r.at,
        EntryKind(r.kind),
        r.author,
        r.text,
        r.action,
        r.tweet_id,
        dict(r.details or {}),
        r.deleted_at,
        row_id=r.id,
    )


def contact_from_row(row: Any) -> Contact:
    """The domain object of a ``contacts`` row."""
    m = row._mapping
    return Contact(**{k: m[k] for k in Contact.__dataclass_fields__})

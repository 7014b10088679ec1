"""The append-only event log's entry (who did what, when) and its vocabulary.

``Action`` names every fact the log can hold, and declares once what each one means for the
rest of the workbench: which actions send the customer words (a reply, a DM, a quote: queued by
an agent), which fact says X accepted such a send (``answered``: the first is the first
response, and only what X accepted counts as a reply), which take an offer back from an agent
(declined), and which interaction timestamp an action sets. The store, the router and the
ledger read these declarations instead of keeping lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


class Action(str, Enum):
    """What an event records. A ``str`` enum: ``Action.REPLY == "reply"``, stored as its value."""

    # the interaction's life
    ARRIVED = "arrived"
    ROUTED = "routed"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OFFER_TIMED_OUT = "offer_timed_out"
    REQUEUED = "requeued"
    TRANSFERRED = "transferred"
    CONFERENCE_JOINED = "conference_joined"
    CONFERENCE_LEFT = "conference_left"
    CONSULTED = "consulted"
    CORRECTED = "corrected"
    DISPOSITION_SET = "disposition_set"
    DONE = "done"
    FOLLOW_UP = "follow_up"
    """A further message of the conversation (the customer's or another participant's) joined
    the open interaction's transcript."""
    REOPENED = "reopened"
    """The customer wrote again soon after Done: the interaction is open again."""
    PENDING = "pending"
    """The agent set it aside waiting on the customer (out of their capacity, in their
    workbin)."""
    RESUMED = "resumed"
    """The agent took a pending interaction back from their workbin."""
    RETURNED = "returned"
    """The customer answered a pending interaction: it is offered to its agent again."""
    PENDING_EXPIRED = "pending_expired"
    """The customer did not answer in time: the pending interaction went back to its queue."""
    SCREENED = "screened"
    """A screening rule met it on arrival (it closed it, or preset its disposition)."""
    CLOSED = "closed"
    """Closed without its agent's Done (a supervisor's bulk close, a screening rule)."""
    POST_DELETED = "post_deleted"
    """Its author deleted posts of the interaction (X's ``post.delete`` event, or a lookup X
    answered with resource-not-found): their text is gone from the store, the rows stay."""
    # what an agent sent or did on X (through the outbox)
    REPLY = "reply"
    DM = "dm"
    QUOTE = "quote"
    RETWEET = "retweet"
    LIKE = "like"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    POST = "post"
    # what the outbox heard back from X
    SENT = "sent"
    """X accepted a send that is not words to the customer (a like, a follow, a post...)."""
    ANSWERED = "answered"
    """X accepted a reply, DM or quote: the customer has the brand's words."""
    SEND_FAILED = "send_failed"
    SEND_RETRIED = "send_retried"
    """An agent sent again what X had refused (the same outbox entry)."""
    # other handling
    INTERNAL_NOTE = "internal_note"
    CALL = "call"
    EMAIL = "email"
    STANDARD_RESPONSE = "standard_response"
    # the agent, not an interaction
    AGENT_REGISTERED = "agent_registered"
    AGENT_STATE = "agent_state"
    AGENT_SIGNED_OUT = "agent_signed_out"
    """The agent left the desk: they signed out, or their desk went silent (no heartbeat for
    longer than the router waits). Until they sign in again they are not counted as logged in."""

    @property
    def answer(self) -> bool:
        """An agent sent the customer words (queued in the outbox until X accepts them)."""
        return self in _ANSWERS

    @property
    def first_response(self) -> bool:
        """X accepted words to the customer: the first such event is the first response."""
        return self in _FIRST_RESPONSE

    @property
    def declined(self) -> bool:
        """It takes an offer or an interaction back from its agent (the router does not offer
        the interaction to that agent again)."""
        return self in _DECLINED

    @property
    def stamp(self) -> str | None:
        """The interaction's timestamp column this action sets, if any."""
        return _STAMPS.get(self)

    @property
    def clears(self) -> tuple[str, ...]:
        """The interaction's columns this action empties: Done (or closed) ends the customer's
        wait; a reopened interaction is routed again, its queue and priority chosen for the
        news."""
        return _CLEARS.get(self, ())

    @property
    def stamps_first_only(self) -> bool:
        """Its stamp keeps the first time it happened (later ones do not move it)."""
        return self in _FIRST_RESPONSE


_ANSWERS = frozenset({Action.REPLY, Action.DM, Action.QUOTE})
_FIRST_RESPONSE = frozenset({Action.ANSWERED})
_DECLINED = frozenset(
    {Action.REJECTED, Action.OFFER_TIMED_OUT, Action.REQUEUED, Action.TRANSFERRED}
)
_STAMPS = {
    Action.OFFERED: "last_offered_at",
    Action.RETURNED: "last_offered_at",
    Action.ACCEPTED: "accepted_at",
    Action.ANSWERED: "first_reply_at",
    Action.DONE: "done_at",
    Action.CLOSED: "done_at",
}

_CLEARS = {
    Action.DONE: ("waiting_since",),
    Action.CLOSED: ("waiting_since",),
    Action.REOPENED: ("routed_at",),
}

ANSWER_ACTIONS: tuple[Action, ...] = tuple(a for a in Action if a.answer)
"""What an agent sends the customer in words (reply, DM, quote), in declaration order."""
FIRST_RESPONSE_ACTIONS: tuple[Action, ...] = tuple(a for a in Action if a.first_response)
"""Facts that the customer has the brand's words (X accepted them)."""
DECLINED_ACTIONS: tuple[Action, ...] = tuple(a for a in Action if a.declined)
"""Actions that take an interaction back from its agent."""


@dataclass(frozen=True)
class Event:
    """One fact in the log. ``interaction_id`` is None for agent-level events (ready, ...)."""

    action: Action | str
    """An ``Action``; a plain string for the rare action only a caller knows (kept as is)."""
    interaction_id: str | None = None
    agent: str | None = None
    at: datetime = field(default_factory=utcnow)
    details: dict[str, Any] = field(default_factory=dict)

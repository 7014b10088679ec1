"""An interaction: one inbound tweet or DM thread handled by agents, and its state machine.

::

    queued --offer--> offered --accept--> accepted --done--> done
      ^                 |  (reject, timeout)  |                    |
      +-----------------+---------------------+ (transfer to a     |
      |                 ^                     |  queue)            |
      |                 +---------------------+ (transfer to an    |
      |                                          agent)            |
      +-----------------------------------------------------------+ (reopen: the customer
                                                                      wrote again soon after)

    accepted --pend--> pending --resume--> accepted      (the agent's workbin)
                          |--return--> offered (to its agent: the customer answered)
                          +--expire_pending--> queued (the customer did not answer in time)

    any state but done --close--> done                   (a supervisor, a screening rule)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from workbench.domain.classification import Actionability, Sentiment
from workbench.domain.errors import WorkbenchError
from workbench.domain.event import Action, Event, utcnow
from workbench.domain.said import Said
from workbench.domain.tweet import Channel


class State(str, Enum):
    """Where an interaction is in its life."""

    QUEUED = "queued"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    PENDING = "pending"
    """Set aside by its agent, waiting on the customer (in their workbin, out of their
    capacity)."""
    DONE = "done"


class TransitionError(WorkbenchError, ValueError):
    """An action that the interaction's state or ownership does not allow: ``str`` names the
    interaction, its state, the action and the rule (for the log); ``said`` tells the agent
    what to do."""

    def __init__(
        self,
        interaction_id: str,
        state: State | str,
        action: str,
        rule: str,
        said: Said | None = None,
    ) -> None:
        self.interaction_id = interaction_id
        self.state = State(state)
        self.action = action
        self.rule = rule
        self.said = said
        super().__init__(
            f"interaction {interaction_id} is {self.state.value}: cannot {action} ({rule})"
        )


# action -> states it may start from
_ALLOWED: dict[str, frozenset[State]] = {
    "offer": frozenset({State.QUEUED}),
    "reject": frozenset({State.OFFERED}),
    "timeout": frozenset({State.OFFERED}),
    "accept": frozenset({State.OFFERED}),
    "transfer": frozenset({State.ACCEPTED}),
    "conference": frozenset({State.ACCEPTED}),
    "leave_conference": frozenset({State.ACCEPTED}),
    "consult": frozenset({State.ACCEPTED}),
    "requeue": frozenset({State.OFFERED, State.ACCEPTED}),
    "reassign": frozenset({State.QUEUED, State.OFFERED, State.ACCEPTED}),
    "act": frozenset({State.ACCEPTED}),
    "done": frozenset({State.ACCEPTED}),
    "reopen": frozenset({State.DONE}),
    "pend": frozenset({State.ACCEPTED}),
    "resume": frozenset({State.PENDING}),
    "return": frozenset({State.PENDING}),
    "expire_pending": frozenset({State.PENDING}),
    "close": frozenset({State.QUEUED, State.OFFERED, State.ACCEPTED, State.PENDING}),
}


_ACTIONS: dict[str, Action] = {a.value: a for a in Action}
_OFFERED_ELSEWHERE = Said("This offer went to another agent.")
_PICK_TARGET = Said("Pick an agent or a queue to transfer to.")
_PICK_AGENT = Said("Pick an agent first.")
_NOT_YOURS = Said(
    "This interaction is no longer yours: it was transferred, or it went back to the queue."
)


@dataclass
class Interaction:
    """One customer conversation being handled; methods enforce the state machine.

    Each transition returns the ``Event`` to append to the log.
    """

    id: str
    channel: Channel
    contact_id: str
    tweet_id: str | None = field(default=None, kw_only=True)
    """The tweet that opened a mention (ingest is idempotent on it)."""
    dm_event_id: str | None = field(default=None, kw_only=True)
    """The DM event that opened a DM (ingest is idempotent on it)."""
    post_key: str | None = field(default=None, kw_only=True)
    """The outbox key of a brand post not yet sent (an outbound interaction)."""
    queue: str = "mentions"
    timeline: str = ""
    subject: str = ""
    arrived_at: datetime = field(default_factory=utcnow)
    state: State = State.QUEUED
    agent: str | None = None
    """The agent the interaction is offered to or owned by."""
    parties: tuple[str, ...] = ()
    """Other agents in a chat conference: they see the transcript and may reply."""
    consultations: tuple[dict[str, Any], ...] = ()
    sentiment: Sentiment = Sentiment.UNDECLARED
    actionability: Actionability = Actionability.UNDECLARED
    disposition: str | None = None
    note: str = ""
    preferred_agent: str | None = None
    """The agent the router offers the interaction to first, when ready (who handled it before
    it was reopened)."""
    previous_id: str | None = None
    """The interaction this one continues (the customer wrote again long after its Done)."""
    pending_until: datetime | None = None
    """While pending: when it goes back to the queue if the customer has not answered."""
    waiting_since: datetime | None = None
    """Since when the customer waits for an answer (their first message the brand has not
    answered); None once answered. The store keeps it (arrivals, follow-ups, X accepting an
    answer); saving the interaction never writes it."""
    priority: int = 0
    """The points of the priority rules it matched when routed (``domain.priority``); the
    waiting-time rules add theirs as the wait grows. The store keeps it."""
    priority_reasons: tuple[str, ...] = ()
    """The names of the rules behind ``priority``."""
    deleted_at: datetime | None = None
    """When an author last deleted one of its posts (None: none was). The store keeps it (and
    blanks the subject when it came from a deleted post); saving never writes it."""
    version: int = 0

    def _check(self, action: str, by: str | None = None) -> None:
        if self.state not in _ALLOWED[action]:
            allowed = ", ".join(sorted(s.value for s in _ALLOWED[action]))
            raise TransitionError(
                self.id,
                self.state,
                action,
                f"allowed only when {allowed}",
                self._state_said(action, by),
            )
        if by is not None and action != "offer" and not self.may_act(by):
            owner = self.agent or "nobody"
            raise TransitionError(
                self.id,
                self.state,
                action,
                f"only {owner} or a conference party may do this",
                Said("This interaction is with {agent} now.", agent=self.agent)
                if self.agent
                else _NOT_YOURS,
            )

    def _state_said(self, action: str, by: str | None) -> Said:
        """What the agent ``by`` is told when the state does not allow ``action``."""
        if self.state is State.DONE:
            return Said("This interaction is already done.")
        if action in {"accept", "reject", "timeout"}:
            return Said("This offer is no longer open: it was accepted, or it went on.")
        if action in {"resume", "return", "expire_pending"}:
            return Said("This interaction is no longer waiting in your workbin.")
        if self.state is State.PENDING:
            return Said("This interaction waits on the customer: Resume it first.")
        if self.state is State.OFFERED and (by is None or by == self.agent):
            return Said("Accept the interaction first.")
        return _NOT_YOURS

    def _owner_only(self) -> Said:
        return Said("Only {agent}, whose interaction it is, can do this.", agent=self.agent or "")

    def may_act(self, agent: str) -> bool:
        """Whether ``agent`` owns the interaction or is a conference party."""
        return agent == self.agent or agent in self.parties

    def _event(self, action: Action | str, agent: str | None, **details: Any) -> Event:
        self.version += 1
        return Event(action=action, interaction_id=self.id, agent=agent, details=details)

    def offer(self, agent: str) -> Event:
        self._check("offer")
        self.state, self.agent = State.OFFERED, agent
        return self._event(Action.OFFERED, agent)

    def accept(self, agent: str) -> Event:
        self._check("accept")
        if agent != self.agent:
            raise TransitionError(
                self.id, self.state, "accept", f"offered to {self.agent}", _OFFERED_ELSEWHERE
            )
        self.state = State.ACCEPTED
        return self._event(Action.ACCEPTED, agent)

    def reject(self, agent: str) -> Event:
        self._check("reject")
        if agent != self.agent:
            raise TransitionError(
                self.id, self.state, "reject", f"offered to {self.agent}", _OFFERED_ELSEWHERE
            )
        self.state, self.agent = State.QUEUED, None
        return self._event(Action.REJECTED, agent)

    def timeout(self) -> Event:
        self._check("timeout")
        agent, self.state, self.agent = self.agent, State.QUEUED, None
        return self._event(Action.OFFER_TIMED_OUT, agent)

    def requeue(self, reason: str) -> Event:
        """Back to the queue without its owner (the agent's heartbeat stopped)."""
        self._check("requeue")
        agent, self.state, self.agent, self.parties = self.agent, State.QUEUED, None, ()
        return self._event(Action.REQUEUED, agent, reason=reason)

    def transfer(self, by: str, to_agent: str | None = None, to_queue: str | None = None) -> Event:
        self._check("transfer", by)
        if (to_agent is None) == (to_queue is None):
            raise TransitionError(
                self.id,
                self.state,
                "transfer",
                "name exactly one of to_agent or to_queue",
                _PICK_TARGET,
            )
        if to_agent == by:
            raise TransitionError(
                self.id,
                self.state,
                "transfer",
                "cannot transfer to yourself",
                Said("It is yours already: pick another agent, or a queue."),
            )
        self.parties = ()
        if to_agent is not None:
            self.state, self.agent = State.OFFERED, to_agent
            return self._event(Action.TRANSFERRED, by, to_agent=to_agent)
        assert to_queue is not None
        self.state, self.agent, self.queue = State.QUEUED, None, to_queue
        return self._event(Action.TRANSFERRED, by, to_queue=to_queue)

    def reassign(
        self, supervisor: str, to_agent: str | None = None, to_queue: str | None = None
    ) -> Event:
        """A supervisor's transfer: to an agent (offered to them) or to a queue, from any state
        but done, without being the owner. The event names the supervisor; its details name the
        agent it was taken from (``from_agent``) and where it went."""
        self._check("reassign")
        if (to_agent is None) == (to_queue is None):
            raise TransitionError(
                self.id,
                self.state,
                "reassign",
                "name exactly one of to_agent or to_queue",
                _PICK_TARGET,
            )
        if to_agent is not None and to_agent == self.agent:
            raise TransitionError(
                self.id,
                self.state,
                "reassign",
                f"already with {to_agent}",
                Said("It is with {agent} already: pick another agent, or a queue.", agent=to_agent),
            )
        previous, self.parties = self.agent, ()
        if to_agent is not None:
            self.state, self.agent = State.OFFERED, to_agent
            return self._event(
                Action.TRANSFERRED,
                supervisor,
                to_agent=to_agent,
                from_agent=previous,
                supervisor=supervisor,
            )
        assert to_queue is not None
        self.state, self.agent, self.queue = State.QUEUED, None, to_queue
        return self._event(
            Action.TRANSFERRED,
            supervisor,
            to_queue=to_queue,
            from_agent=previous,
            supervisor=supervisor,
        )

    def conference(self, by: str, agent: str) -> Event:
        self._check("conference", by)
        if agent == self.agent or agent in self.parties:
            raise TransitionError(
                self.id,
                self.state,
                "conference",
                f"{agent} is already in the interaction",
                Said("{agent} is in this interaction already: pick another agent.", agent=agent),
            )
        self.parties = (*self.parties, agent)
        return self._event(Action.CONFERENCE_JOINED, by, party=agent)

    def leave_conference(self, agent: str) -> Event:
        self._check("leave_conference")
        if agent not in self.parties:
            raise TransitionError(
                self.id,
                self.state,
                "leave_conference",
                f"{agent} is not a conference party",
                Said("You are not in a conference on this interaction."),
            )
        self.parties = tuple(p for p in self.parties if p != agent)
        return self._event(Action.CONFERENCE_LEFT, agent)

    def consult(self, by: str, agent: str, channel: str = "chat") -> Event:
        self._check("consult", by)
        if channel not in {"chat", "voice"}:
            raise TransitionError(
                self.id,
                self.state,
                "consult",
                "channel must be chat or voice",
                Said("Pick chat or voice for the consultation."),
            )
        if not agent:
            raise TransitionError(
                self.id, self.state, "consult", "name the agent to consult", _PICK_AGENT
            )
        if agent == by:
            raise TransitionError(
                self.id,
                self.state,
                "consult",
                "cannot consult yourself",
                Said("Pick another agent to consult: not yourself."),
            )
        self.consultations = (*self.consultations, {"agent": agent, "channel": channel})
        return self._event(Action.CONSULTED, by, with_agent=agent, channel=channel)

    def act(self, by: str, action: Action | str, **details: Any) -> Event:
        """Any handling action (reply, dm, like, note...) by the owner or a party; a name of
        the vocabulary becomes its ``Action``."""
        self._check("act", by)
        return self._event(_ACTIONS.get(action, action), by, **details)

    def correct(
        self,
        by: str,
        sentiment: Sentiment | None = None,
        actionability: Actionability | None = None,
    ) -> Event:
        self._check("act", by)
        details: dict[str, Any] = {}
        if sentiment is not None:
            details["sentiment"] = {"from": self.sentiment.value, "to": Sentiment(sentiment).value}
            self.sentiment = Sentiment(sentiment)
        if actionability is not None:
            details["actionability"] = {
                "from": self.actionability.value,
                "to": Actionability(actionability).value,
            }
            self.actionability = Actionability(actionability)
        return self._event(Action.CORRECTED, by, **details)

    def set_disposition(self, by: str, code: str, note: str = "") -> Event:
        self._check("act", by)
        self.disposition, self.note = code, note
        return self._event(Action.DISPOSITION_SET, by, code=code, note=note)

    def done(self, by: str, require_disposition: bool = True) -> Event:
        self._check("done", by)
        if by != self.agent:
            raise TransitionError(
                self.id, self.state, "done", f"only the owner {self.agent} may", self._owner_only()
            )
        if require_disposition and not self.disposition:
            raise TransitionError(
                self.id,
                self.state,
                "done",
                "a disposition is required first",
                Said("Pick a disposition before Done."),
            )
        self.state, self.parties = State.DONE, ()
        return self._event(Action.DONE, by, disposition=self.disposition)

    def reopen(self, reason: str) -> Event:
        """Open a done interaction again (the customer wrote again): back to its queue, offered
        first to the agent who handled it; the disposition is chosen again at the next Done."""
        self._check("reopen")
        previous = self.agent
        self.state, self.agent, self.parties = State.QUEUED, None, ()
        self.preferred_agent = previous
        self.disposition = None
        return self._event(Action.REOPENED, None, reason=reason, previous_agent=previous)

    def pend(self, by: str, until: datetime) -> Event:
        """Set aside waiting on the customer, until ``until`` at the latest: it leaves the
        agent's capacity for their workbin, and comes back to them when the customer answers."""
        self._check("pend", by)
        if by != self.agent:
            raise TransitionError(
                self.id, self.state, "pend", f"only the owner {self.agent} may", self._owner_only()
            )
        self.state, self.parties, self.pending_until = State.PENDING, (), until
        return self._event(Action.PENDING, by, until=until.isoformat())

    def resume(self, by: str) -> Event:
        """The agent takes it back from their workbin."""
        self._check("resume")
        if by != self.agent:
            raise TransitionError(
                self.id, self.state, "resume", f"it is {self.agent}'s", self._owner_only()
            )
        self.state, self.pending_until = State.ACCEPTED, None
        return self._event(Action.RESUMED, by)

    def customer_answered(self) -> Event:
        """The customer wrote while it was pending: offered to its agent again (the offer's
        time-out sends it to the queue when they do not take it)."""
        self._check("return")
        self.state, self.pending_until = State.OFFERED, None
        self.preferred_agent = self.agent
        return self._event(Action.RETURNED, self.agent)

    def expire_pending(self) -> Event:
        """The customer did not answer in time: back to the queue, offered first to its agent."""
        self._check("expire_pending")
        previous = self.agent
        self.state, self.agent, self.pending_until = State.QUEUED, None, None
        self.preferred_agent = previous
        return self._event(Action.PENDING_EXPIRED, previous)

    def close(self, by: str, disposition: str, reason: str = "") -> Event:
        """Close it from any state but done without its agent's Done (a supervisor's bulk
        close, a screening rule on arrival), with ``disposition``."""
        self._check("close")
        previous = self.agent
        self.state, self.parties, self.pending_until = State.DONE, (), None
        self.disposition = disposition
        return self._event(
            Action.CLOSED, by, disposition=disposition, reason=reason, from_agent=previous
        )

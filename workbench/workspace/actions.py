"""Every action an agent takes on an interaction: accept or reject the offer, answer the customer
(reply, DM, quote, retweet, like, follow), hand it on (transfer, conference, consult), call or
e-mail the contact, standard responses, corrections, disposition, notes, done; and posting a
new tweet.

Each action is one store transaction: the interaction is locked, the domain checks the state and
who may act, and the event, the transcript line and (for what reaches X) the outbox entry are
written together, so a refused action leaves nothing behind and an accepted one is never lost.
What the brand's X access plan (``WORKBENCH_X_PLAN``) does not allow is refused before anything
is queued, naming X's rule and its date (``_plan.PlanRefusal``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from workbench.config import Settings
from workbench.domain import (
    Action,
    Actionability,
    Channel,
    Contact,
    EntryKind,
    Event,
    Interaction,
    Said,
    Sentiment,
    State,
    TranscriptEntry,
    TransitionError,
    thread_participants,
    utcnow,
)
from workbench.errors import ValidationError
from workbench.i18n import N_
from workbench.routing.agents import (
    HEARTBEAT_STALE,
    Agent,
    AgentState,
    agent,
    load,
    lock_agent,
    mark_idle,
)
from workbench.store import Change, NotFoundError, Store, Transaction, new_id
from workbench.workspace import _checks as check
from workbench.workspace import _mail, _plan
from workbench.workspace._checks import refuse
from workbench.workspace.ports import OutboxPort

SYSTEM_LINES: dict[str, str] = {
    Action.ACCEPTED.value: N_("{agent} accepted"),
    Action.REJECTED.value: N_("{agent} rejected the offer"),
    Action.DONE.value: N_("{agent} marked it done"),
    Action.RESUMED.value: N_("{agent} took it back"),
    Action.SEND_RETRIED.value: N_("{agent} sent it again"),
}
"""The transcript's fixed sentences, by event action: stored in English (the record), shown in
the reader's language (``system_line``)."""


def system_line(action: str, agent: str) -> str:
    """The transcript's fixed sentence for ``action`` by ``agent``, as stored."""
    return SYSTEM_LINES[action].format(agent=agent)


UseCase = Callable[[Interaction, Transaction], Change]


class Actions:
    """The actions of agent ``agent`` on interactions in ``store``; what goes to X is written to
    ``outbox``. ``on_change`` is called after each action (the session reads its work again)."""

    def __init__(
        self,
        agent: str,
        store: Store,
        outbox: OutboxPort,
        settings: Settings,
        *,
        mail_dir: Path | None = None,
        heartbeat_stale: float = HEARTBEAT_STALE,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.agent = agent
        self.store = store
        self.settings = settings
        self._outbox = outbox
        self._mail_dir = mail_dir
        self._heartbeat_stale = heartbeat_stale
        self._on_change = on_change
        self.plan = _plan.plan_of(settings)
        """The brand's X access plan (the ``WORKBENCH_X_PLAN`` setting)."""

    # --- offers -------------------------------------------------------------------------------

    def accept(self, interaction_id: str) -> Interaction:
        """Take the offered interaction: it becomes this agent's."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.accept(self.agent)
            return Change([event], [self._system(it, event)])

        return self._apply(interaction_id, use, "accept")

    def reject(self, interaction_id: str) -> Interaction:
        """Decline the offer: the interaction goes back to the queue, to another agent."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.reject(self.agent)
            return Change([event], [self._system(it, event)])

        return self._apply(interaction_id, use, "reject")

    # --- outbound actions (through the outbox) ------------------------------------------------

    def reply(
        self,
        interaction_id: str,
        text: str,
        tweet_id: str | None = None,
        mentions: Sequence[str] | None = None,
    ) -> Interaction:
        """Reply in public to the customer's tweet (the latest, or ``tweet_id``), to all: the
        @mentions of the thread's participants are put in front (``thread_participants``: the
        contact, then the others who wrote in it, never the brand), or only ``mentions``, a
        choice among them (empty: none). On a self-serve plan the tweet must have summoned the
        brand (mentioned or quoted it)."""
        from workbench.text import reply_text

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.act(self.agent, Action.REPLY)
            # Blank is refused before the @mention would make it look like a reply.
            check.not_empty(it, "reply", "text", text)
            target = self._target(conn, it, Action.REPLY, tweet_id)
            self._check_summoned(conn, it, target)
            contact = self.store.reads.contact(it.contact_id, conn)
            lines = self.store.reads.transcript(it.id, conn)
            everyone = thread_participants(lines, contact.username, self._timeline(it))
            names = everyone if mentions is None else list(mentions)
            known = {p.lower() for p in everyone}
            strangers = [m for m in names if not isinstance(m, str) or m.lower() not in known]
            if strangers:
                raise refuse(
                    it,
                    "reply",
                    f"mentions: only the thread's participants ({', '.join(everyone)}), "
                    f"not {', '.join(map(str, strangers))}",
                    Said("Mention only people who wrote in this thread."),
                )
            try:
                body = (
                    reply_text(text, names[0], names[1:], brand_username=self._timeline(it))
                    if names
                    else text
                )
            except (TypeError, ValueError) as exc:
                raise refuse(
                    it,
                    "reply",
                    f"text: {exc}",
                    Said("Mention only people who wrote in this thread."),
                ) from None
            check.tweet_text(it, "reply", body)
            payload = {"text": body, "in_reply_to_tweet_id": target}
            return self._outbound(conn, it, event, Action.REPLY, payload, body, target)

        return self._apply(interaction_id, use, "reply")

    def dm(self, interaction_id: str, text: str) -> Interaction:
        """Send the contact a direct message: when they follow the brand, their DMs are open, or
        they wrote to the brand by DM (``Contact.can_receive_dm`` or a DM interaction)."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.act(self.agent, Action.DM)
            check.not_empty(it, "dm", "text", text)
            contact = self.store.reads.contact(it.contact_id, conn)
            # A contact who wrote to the brand by DM opened the conversation: X lets it answer.
            cannot = check.dm_refusal(contact, it.channel)
            if cannot is not None:
                raise refuse(it, "dm", cannot, check.dm_said(contact))
            check.dm_text(it, text)
            payload = {"participant_id": contact.id, "text": text}
            return self._outbound(conn, it, event, Action.DM, payload, text, None)

        return self._apply(interaction_id, use, "dm")

    def retweet(self, interaction_id: str, tweet_id: str | None = None) -> Interaction:
        """Retweet the customer's tweet (the latest, or ``tweet_id``)."""
        return self._on_tweet(interaction_id, Action.RETWEET, tweet_id, "Retweeted")

    def like(self, interaction_id: str, tweet_id: str | None = None) -> Interaction:
        """Like (favorite) the customer's tweet (the latest, or ``tweet_id``)."""
        return self._on_tweet(interaction_id, Action.LIKE, tweet_id, "Liked")

    def _on_tweet(
        self, interaction_id: str, action: Action, tweet_id: str | None, verb: str
    ) -> Interaction:
        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.act(self.agent, action)
            _plan.check(self.plan, action.value)
            target = self._target(conn, it, action, tweet_id)
            return self._outbound(
                conn, it, event, action, {"tweet_id": target}, f"{verb} tweet {target}", target
            )

        return self._apply(interaction_id, use, action.value)

    def quote(self, interaction_id: str, text: str, tweet_id: str | None = None) -> Interaction:
        """Quote the customer's tweet (the latest, or ``tweet_id``) with ``text``."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.act(self.agent, Action.QUOTE)
            _plan.check(self.plan, Action.QUOTE.value)
            check.not_empty(it, "quote", "text", text)
            target = self._target(conn, it, Action.QUOTE, tweet_id)
            check.tweet_text(it, "quote", text)
            payload = {"text": text, "quote_tweet_id": target}
            return self._outbound(conn, it, event, Action.QUOTE, payload, text, target)

        return self._apply(interaction_id, use, "quote")

    def follow(self, interaction_id: str) -> Interaction:
        """Follow the contact from the brand account."""
        return self._on_contact(interaction_id, Action.FOLLOW, "Followed")

    def unfollow(self, interaction_id: str) -> Interaction:
        """Stop following the contact."""
        return self._on_contact(interaction_id, Action.UNFOLLOW, "Unfollowed")

    def _on_contact(self, interaction_id: str, action: Action, verb: str) -> Interaction:
        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.act(self.agent, action)
            _plan.check(self.plan, action.value)
            contact = self.store.reads.contact(it.contact_id, conn)
            payload = {"target_user_id": contact.id}
            text = f"{verb} @{contact.username}"
            return self._outbound(conn, it, event, action, payload, text, None)

        return self._apply(interaction_id, use, action.value)

    def post_tweet(self, timeline: str, text: str) -> Interaction:
        """Post a new tweet on a brand timeline; kept as a finished outbound interaction.

        Refusals name the field and its rule (``text: must not be empty``): the interaction
        is made only once the tweet is accepted for sending."""
        name = check.timeline(timeline)
        text = check.post_text(text)
        _plan.check(self.plan, Action.POST.value)
        brand = Contact(id=f"brand:{name}"[:32], username=name, name=name)
        it = Interaction(
            id=new_id(),
            channel=Channel.OUTBOUND,
            contact_id=brand.id,
            post_key=uuid.uuid4().hex,
            queue="outbound",
            timeline=name,
            subject=text[:140],
            state=State.ACCEPTED,
            agent=self.agent,
        )
        with self.store.transaction() as conn:
            self.store.ensure_contact(brand, conn)
            self.store.add_interaction(it, conn=conn)
            before = it.version
            event = it.act(self.agent, Action.POST)
            change = self._outbound(conn, it, event, Action.POST, {"text": text}, text, None)
            change.events.append(it.done(self.agent, require_disposition=False))
            self.store.save(conn, it, before, change)
        return it

    # --- handling -----------------------------------------------------------------------------

    def transfer(
        self, interaction_id: str, to_agent: str | None = None, to_queue: str | None = None
    ) -> Interaction:
        """Hand the interaction to a ready agent (offered to them) or back to a queue."""

        def use(it: Interaction, conn: Transaction) -> Change:
            # The state and who may act are checked first, on a copy.
            replace(it).transfer(self.agent, to_agent=to_agent, to_queue=to_queue)
            if to_agent is not None:
                target = self._available(conn, it, "transfer", to_agent)
                if load(conn, [to_agent])[to_agent] >= target.capacity:
                    raise refuse(
                        it,
                        "transfer",
                        f"{to_agent} has no room ({target.capacity} at once)",
                        Said(
                            "{agent} has no room for another interaction: pick another agent, "
                            "or a queue.",
                            agent=to_agent,
                        ),
                    )
                event = it.transfer(self.agent, to_agent=to_agent)
                offered = Event(
                    Action.OFFERED, it.id, to_agent, details={"transfer_from": self.agent}
                )
                text = f"{self.agent} transferred to {to_agent}"
                return Change([event, offered], [self._system(it, event, text)])
            if to_queue is not None:
                check.known_queue(self.store.reads.queue_names(conn), it, "transfer", to_queue)
            event = it.transfer(self.agent, to_agent=to_agent, to_queue=to_queue)
            text = f"{self.agent} transferred to queue {to_queue}"
            return Change([event], [self._system(it, event, text)])

        return self._apply(interaction_id, use, "transfer")

    def conference(self, interaction_id: str, agent: str) -> Interaction:
        """Bring a ready agent into a chat conference: both see the transcript and may reply;
        the customer sees one brand."""

        def use(it: Interaction, conn: Transaction) -> Change:
            replace(it).conference(self.agent, agent)  # state and who may act first
            self._available(conn, it, "conference", agent)
            event = it.conference(self.agent, agent)
            text = f"{self.agent} added {agent} to a chat conference"
            return Change([event], [self._system(it, event, text, EntryKind.INTERNAL)])

        return self._apply(interaction_id, use, "conference")

    def leave_conference(self, interaction_id: str) -> Interaction:
        """Leave a conference this agent was brought into."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.leave_conference(self.agent)
            text = f"{self.agent} left the conference"
            return Change([event], [self._system(it, event, text, EntryKind.INTERNAL)])

        return self._apply(interaction_id, use, "leave_conference")

    def consult(
        self, interaction_id: str, agent: str, channel: str = "chat", text: str = ""
    ) -> Interaction:
        """Consult another agent by chat or voice: internal, nothing reaches the customer."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.consult(self.agent, agent, channel)
            try:
                lock_agent(conn, agent)
            except NotFoundError:
                raise refuse(
                    it, "consult", f"no agent named {agent!r}", check.no_such_agent(agent)
                ) from None
            said = f"{self.agent} consulted {agent} by {channel}"
            lines = [self._system(it, event, said, EntryKind.INTERNAL)]
            if text:
                lines.append(
                    TranscriptEntry(
                        it.id,
                        event.at,
                        EntryKind.INTERNAL,
                        self.agent,
                        text,
                        "consult",
                        details={"with_agent": agent, "channel": channel},
                    )
                )
            return Change([event], lines)

        return self._apply(interaction_id, use, "consult")

    def internal_note(self, interaction_id: str, text: str) -> Interaction:
        """A line for the other agents only (conference chat, notes): never sent."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.act(self.agent, Action.INTERNAL_NOTE)
            check.not_empty(it, "internal_note", "text", text)
            line = TranscriptEntry(it.id, event.at, EntryKind.INTERNAL, self.agent, text, "note")
            return Change([event], [line])

        return self._apply(interaction_id, use, "internal_note")

    def call(self, interaction_id: str, outcome: str, note: str = "") -> Interaction:
        """Record a phone call to the contact (the contact record must have a phone number)."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.act(self.agent, Action.CALL)
            contact = self.store.reads.contact(it.contact_id, conn)
            if not contact.phone:
                raise refuse(
                    it,
                    "call",
                    f"@{contact.username} has no phone number on record",
                    Said(
                        "There is no phone number for @{user}: reply, or e-mail them.",
                        user=contact.username,
                    ),
                )
            check.call_outcome(it, outcome)
            event = replace(
                event, details={"phone": contact.phone, "outcome": outcome, "note": note}
            )
            text = f"Called {contact.phone}: {outcome.replace('_', ' ')}"
            if note:
                text += f" ({note})"
            line = TranscriptEntry(
                it.id,
                event.at,
                EntryKind.OUTBOUND,
                self.agent,
                text,
                "call",
                details={"phone": contact.phone, "outcome": outcome},
            )
            return Change([event], [line])

        return self._apply(interaction_id, use, "call")

    def email(self, interaction_id: str, subject: str, body: str) -> Interaction:
        """E-mail the contact (the record must have an address): through SMTP when
        WORKBENCH_SMTP_URL is set, else as an .eml file in the mail folder."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.act(self.agent, Action.EMAIL)
            contact = self.store.reads.contact(it.contact_id, conn)
            if not contact.email:
                raise refuse(
                    it,
                    "email",
                    f"@{contact.username} has no e-mail address on record",
                    Said(
                        "There is no e-mail address for @{user}: reply, or call them.",
                        user=contact.username,
                    ),
                )
            check.email(it, subject, body)
            sender = _mail.setting("WORKBENCH_MAIL_FROM") or f"{self.settings.brand}@localhost"
            msg = _mail.message(sender, contact.email, subject, body)
            folder = self._mail_dir or Path(
                _mail.setting("WORKBENCH_MAIL_DIR") or _mail.default_mail_dir()
            )
            try:
                where = _mail.deliver(msg, _mail.setting("WORKBENCH_SMTP_URL"), folder)
            except _mail.MailError as exc:
                raise refuse(
                    it,
                    "email",
                    str(exc),
                    Said("The e-mail could not be sent: try again, or tell a supervisor."),
                ) from None
            details = {
                "to": contact.email,
                "subject": subject,
                "message_id": msg["Message-ID"],
                "via": where,
            }
            event = replace(event, details=details)
            line = TranscriptEntry(
                it.id,
                event.at,
                EntryKind.OUTBOUND,
                self.agent,
                f"{subject}\n\n{body}",
                "email",
                details=details,
            )
            return Change([event], [line])

        return self._apply(interaction_id, use, "email")

    def insert_standard_response(self, /, interaction_id: str, name: str, **variables: str) -> str:
        """The standard response ``name`` with its variables filled ({contact_name},
        {agent_name}, {agent_initials}, and any given), ready to edit and send."""
        me = agent(self.store, self.agent)  # read first: one connection at a time on SQLite
        filled: list[str] = []

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.act(self.agent, Action.STANDARD_RESPONSE)
            template = self.store.reads.standard_response(name, conn)
            if template is None:
                raise refuse(
                    it,
                    "insert_standard_response",
                    f"no standard response {name!r}",
                    Said("Pick a standard response from the list."),
                )
            contact = self.store.reads.contact(it.contact_id, conn)
            values: dict[str, str | None] = {
                "contact_name": contact.name or contact.username,
                "contact_username": contact.username,
                "agent_name": me.display_name or me.name,
                "agent_initials": me.initials,
                "brand": self._timeline(it),
                **variables,
            }
            filled.append(check.fill(it, name, template, values))
            return Change([replace(event, details={"name": name})])

        self._apply(interaction_id, use, "insert_standard_response")
        return filled[0]

    def correct(
        self,
        interaction_id: str,
        sentiment: Sentiment | str | None = None,
        actionability: Actionability | str | None = None,
    ) -> Interaction:
        """Correct the classifier's sentiment and/or actionability (the correction is kept)."""

        def use(it: Interaction, conn: Transaction) -> Change:
            replace(it).act(self.agent, Action.CORRECTED)  # state and who may act first
            s, a = check.correction(it, sentiment, actionability)
            event = it.correct(self.agent, s, a)
            shown = ", ".join(f"{k} {v['from']} -> {v['to']}" for k, v in event.details.items())
            return Change([event], [self._system(it, event, f"{self.agent} corrected {shown}")])

        return self._apply(interaction_id, use, "correct")

    def set_disposition(self, interaction_id: str, code: str, note: str = "") -> Interaction:
        """Set how the interaction ended (a known code) and a note."""

        def use(it: Interaction, conn: Transaction) -> Change:
            codes = {d.code: d.label for d in self.store.reads.dispositions(conn)}
            replace(it).act(self.agent, Action.DISPOSITION_SET)  # state and who may act first
            if code not in codes:
                raise refuse(
                    it,
                    "set_disposition",
                    f"no disposition code {code!r} (known: {', '.join(sorted(codes))})",
                    Said("Pick a disposition from the list."),
                )
            event = it.set_disposition(self.agent, code, note or "")
            text = f"Disposition: {codes[code]}" + (f" ({note})" if note else "")
            return Change([event], [self._system(it, event, text)])

        return self._apply(interaction_id, use, "set_disposition")

    def done(self, interaction_id: str) -> Interaction:
        """Finish the interaction (with a disposition when WORKBENCH_REQUIRE_DISPOSITION)."""
        required = bool(self.settings["WORKBENCH_REQUIRE_DISPOSITION"])

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.done(self.agent, require_disposition=required)
            if load(conn, [self.agent])[self.agent] <= 1:
                mark_idle(conn, self.agent, event.at)
            return Change([event], [self._system(it, event)])

        return self._apply(interaction_id, use, "done")

    def pend(self, interaction_id: str, hours: float | None = None) -> Interaction:
        """Set the interaction aside waiting on the customer (pending customer): it leaves the
        agent's capacity for their workbin and is offered back to them when the customer
        answers; after ``hours`` (default WORKBENCH_PENDING_HOURS) without an answer it goes
        back to the queue."""
        wait = float(self.settings["WORKBENCH_PENDING_HOURS"]) if hours is None else hours
        if not 0 < wait <= 24 * 30:
            raise ValidationError(
                "hours",
                f"more than 0 and at most 720 (30 days), got {wait:g}",
                Said("Wait more than 0 and at most 720 hours (30 days)."),
            )

        def use(it: Interaction, conn: Transaction) -> Change:
            until = utcnow() + timedelta(hours=wait)
            event = it.pend(self.agent, until)
            if load(conn, [self.agent])[self.agent] <= 1:
                mark_idle(conn, self.agent, event.at)
            text = f"{self.agent} is waiting on the customer (until {until:%Y-%m-%d %H:%M} UTC)"
            return Change([event], [self._system(it, event, text)])

        return self._apply(interaction_id, use, "pend")

    def resume(self, interaction_id: str) -> Interaction:
        """Take an interaction back from the workbin (before the customer answered)."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.resume(self.agent)
            return Change([event], [self._system(it, event)])

        return self._apply(interaction_id, use, "resume")

    def retry_send(self, interaction_id: str, key: str) -> Interaction:
        """Send again a message X refused (its outbox entry ``key``, queued again as it was:
        it still goes out at most once). To change it first, write a new one instead."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.act(self.agent, Action.SEND_RETRIED, key=key)
            if not self.store.outbox.retry_failed(conn, key, it.id):
                raise refuse(
                    it,
                    "retry_send",
                    f"no refused send {key!r} in this interaction",
                    Said(
                        "This message is not waiting to be sent again: it went, or is on its way."
                    ),
                )
            return Change([event], [self._system(it, event)])

        return self._apply(interaction_id, use, "retry_send")

    # --- helpers ------------------------------------------------------------------------------

    def _apply(self, interaction_id: str, use: UseCase, action: str) -> Interaction:
        try:
            it = self.store.apply(interaction_id, use)
        except TransitionError as exc:
            if exc.action == "act":  # the domain's generic check: name what was attempted
                raise TransitionError(
                    exc.interaction_id, exc.state, action, exc.rule, exc.said
                ) from None
            raise
        self._on_change()
        return it

    def _system(
        self,
        it: Interaction,
        event: Event,
        text: str | None = None,
        kind: EntryKind = EntryKind.SYSTEM,
    ) -> TranscriptEntry:
        """The transcript line of ``event``: ``text``, else its action's fixed sentence
        (``SYSTEM_LINES``)."""
        said = system_line(event.action, self.agent) if text is None else text
        return TranscriptEntry(it.id, event.at, kind, self.agent, said, event.action)

    def _timeline(self, it: Interaction) -> str:
        return it.timeline or self.settings.brand

    def _available(self, conn: Transaction, it: Interaction, action: str, name: str) -> Agent:
        """The agent ``name``, locked, if ready and online; refused otherwise."""
        if not name:
            raise refuse(it, action, "agent: must not be empty", check.PICK_AGENT)
        try:
            other = lock_agent(conn, name)
        except NotFoundError:
            raise refuse(
                it, action, f"no agent named {name!r}", check.no_such_agent(name)
            ) from None
        if other.state is not AgentState.READY:
            why = f": {other.reason}" if other.reason else ""
            raise refuse(
                it,
                action,
                f"{name} is not ready ({other.state.value}{why})",
                Said("{agent} is not Ready: pick an agent who is.", agent=name),
            )
        if not other.online(stale=self._heartbeat_stale):
            raise refuse(
                it,
                action,
                f"{name} is not online (no heartbeat)",
                Said("{agent} is not online: pick an agent who is.", agent=name),
            )
        return other

    def _target(
        self, conn: Transaction, it: Interaction, action: Action, tweet_id: str | None
    ) -> str:
        """The customer tweet an action is about: ``tweet_id`` if it is one of this
        interaction's customer messages, else the latest of them."""
        if it.channel is not Channel.MENTION:
            raise refuse(
                it,
                action.value,
                f"a {it.channel.value} interaction has no customer tweet to {action.value}",
                Said(
                    "This conversation has no customer post to answer, like, retweet or quote: "
                    "write a direct message instead."
                )
                if it.channel is Channel.DM
                else Said("This conversation has no customer post to answer."),
            )
        tweets = self.store.reads.customer_tweets(it, conn)
        return check.target_tweet(it, action.value, tweets, tweet_id)

    def _check_summoned(self, conn: Transaction, it: Interaction, target: str) -> None:
        """Refuse a reply to ``target`` that the plan does not allow: on self-serve plans, a
        post that neither mentions nor quotes the brand (as its stored line shows)."""
        if not _plan.refuses_unsummoned(self.plan):
            return
        lines = self.store.reads.transcript(it.id, conn)
        line = _plan.target_line(lines, target)
        if not _plan.summoned(line, self._timeline(it), _plan.brand_posts(lines)):
            _plan.check(self.plan, Action.REPLY.value, summoned=False)

    def _outbound(
        self,
        conn: Transaction,
        it: Interaction,
        event: Event,
        action: Action,
        payload: Mapping[str, str],
        text: str,
        tweet_id: str | None,
    ) -> Change:
        """Queue ``action`` in the outbox and return its event and transcript line."""
        key = self._outbox.enqueue(
            action.value, self._timeline(it), payload, interaction_id=it.id, conn=conn
        )
        details = {**payload, "outbox_key": key}
        event = replace(event, details=details)
        line = TranscriptEntry(
            it.id, event.at, EntryKind.OUTBOUND, self.agent, text, action.value, tweet_id, details
        )
        return Change([event], [line])

"""One agent's workspace: offers, the interactions they handle, and every action they can take.

The model behind the interaction views, with no widget imports: every button a view shows is a
method here, and views subscribe to ``state``, ``offers`` and ``interactions`` with ``observe``.

Each action is one store transaction: the interaction is locked, the domain checks the state and
who may act, and the event, the transcript line and (for what reaches X) the outbox entry are
written together, so a refused action leaves nothing behind and an accepted one is never lost.
"""

from __future__ import annotations

import logging
import string
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, String, and_, cast, or_, select, update

from workbench.config import Settings
from workbench.domain import (
    Actionability,
    Channel,
    Contact,
    Disposition,
    EntryKind,
    Event,
    Interaction,
    Sentiment,
    State,
    TranscriptEntry,
    TransitionError,
)
from workbench.errors import WorkbenchError
from workbench.routing.agents import (
    HEARTBEAT_INTERVAL,
    HEARTBEAT_STALE,
    Agent,
    AgentState,
    _agent,
    heartbeat,
    load,
    lock_agent,
    register_agent,
    set_agent_state,
)
from workbench.routing.router import Router
from workbench.store import Change, NotFoundError, Store, interaction_from_row, new_id
from workbench.store import schema as t
from workbench.workspace import _mail
from workbench.workspace._observable import Observable

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
MIN_POLL_GAP = 0.01  # after a change: wait this long for the rest of a burst, then poll
"""Seconds between polls of the live loop (``start``)."""
CALL_OUTCOMES = ("connected", "no_answer", "voicemail", "busy", "wrong_number")
DM_MAX_LENGTH = 10_000
_TWEET_ACTIONS = {"reply", "retweet", "quote", "like"}


def _refuse(it: Interaction, action: str, rule: str) -> TransitionError:
    return TransitionError(it.id, it.state, action, rule)


def _contact(conn: Connection, contact_id: str) -> Contact:
    row = conn.execute(select(t.contacts).where(t.contacts.c.id == contact_id)).first()
    if row is None:
        raise NotFoundError(f"contact {contact_id!r} is not in the store")
    m = row._mapping
    return Contact(**{k: m[k] for k in Contact.__dataclass_fields__})


def _check_tweet_text(it: Interaction, action: str, text: str) -> None:
    from workbench.text import MAX_WEIGHTED_LENGTH, is_valid_tweet, weighted_length

    if not isinstance(text, str) or not text.strip():
        raise _refuse(it, action, "text: must not be empty")
    try:
        length = weighted_length(text)
        valid = is_valid_tweet(text)
    except ValueError as exc:
        raise _refuse(it, action, f"text: {exc}") from None
    if length > MAX_WEIGHTED_LENGTH:
        raise _refuse(
            it, action, f"text: {length} characters as X counts them, at most {MAX_WEIGHTED_LENGTH}"
        )
    if not valid:
        raise _refuse(it, action, "text: contains characters X does not accept")


class Workspace(Observable):
    """One agent's view of the work: ``Workspace("ann").ready()``, then ``poll()`` for offers.

    ``db_url`` and ``x_api_url`` default to the settings (``WORKBENCH_DB_URL``,
    ``WORKBENCH_X_API_URL``). ``poll()`` also runs a routing pass (``route=False`` turns that off
    when a separate router runs) and, when ``send`` is true (the default when ``x_api_url`` is
    given), one round of the outbox worker, so a notebook alone is a working desk.
    """

    OBSERVABLE = ("state", "reason", "offers", "interactions")

    def __init__(
        self,
        agent: str,
        db_url: str | None = None,
        x_api_url: str | None = None,
        *,
        display_name: str = "",
        capacity: int | None = None,
        queues: Sequence[str] | None = None,
        store: Store | None = None,
        settings: Settings | None = None,
        route: bool = True,
        send: bool | None = None,
        heartbeat_stale: float = HEARTBEAT_STALE,
        mail_dir: str | Path | None = None,
        gateway: Any = None,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings.from_env(
            workbench_db_url=db_url, workbench_x_api_url=x_api_url
        )
        self._own_store = store is None
        self.store = store or Store(self.settings.db_url)
        if self._own_store:
            self.store.load_reference_data()
        self.x_api_url = self.settings.x_api_url
        self.send = (x_api_url is not None or gateway is not None) if send is None else send
        self.router = (
            Router(
                self.store,
                offer_timeout=float(self.settings["WORKBENCH_OFFER_TIMEOUT"]),
                heartbeat_stale=heartbeat_stale,
                reclaim_after=float(self.settings["WORKBENCH_RECLAIM_AFTER"]),
            )
            if route
            else None
        )
        self._mail_dir = Path(mail_dir) if mail_dir else None
        self._outbox_worker: Any = None
        self._gateway = gateway
        info = register_agent(self.store, agent, display_name, capacity, queues)
        self.agent = info.name
        self.display_name = info.display_name
        self._state: AgentState = info.state
        self._reason: str = info.reason
        self._offers: tuple[Interaction, ...] = ()
        self._interactions: tuple[Interaction, ...] = ()
        self._beat_at = 0.0
        self._lock = threading.RLock()
        self._loop: threading.Thread | None = None
        self._stop = threading.Event()
        self._refresh()

    def __repr__(self) -> str:
        return f"Workspace({self.agent!r}, state={self._state.value!r}, store={self.store!r})"

    # --- observable state ---------------------------------------------------------------------

    @property
    def state(self) -> AgentState:
        """Ready, Not Ready or After Call Work."""
        return self._state

    @property
    def reason(self) -> str:
        """Why the agent is Not Ready ("" otherwise)."""
        return self._reason

    @property
    def offers(self) -> tuple[Interaction, ...]:
        """Interactions offered to this agent, waiting for accept or reject (oldest first)."""
        return self._offers

    @property
    def interactions(self) -> tuple[Interaction, ...]:
        """Interactions this agent handles now: owned, or joined in a conference."""
        return self._interactions

    # --- agent state --------------------------------------------------------------------------

    def ready(self) -> Agent:
        """Take offers."""
        return self._agent_state(AgentState.READY)

    def not_ready(self, reason: str) -> Agent:
        """Stop taking offers, saying why (break, training, ...)."""
        return self._agent_state(AgentState.NOT_READY, reason)

    def after_call_work(self) -> Agent:
        """Stop taking offers while wrapping up."""
        return self._agent_state(AgentState.AFTER_CALL_WORK)

    def _agent_state(self, state: AgentState, reason: str = "") -> Agent:
        info = set_agent_state(self.store, self.agent, state, reason)
        self._set("state", info.state)
        self._set("reason", info.reason)
        return info

    # --- polling ------------------------------------------------------------------------------

    def poll(self) -> tuple[Interaction, ...]:
        """Beat the heartbeat, run a routing pass, send what waits in the outbox, and fetch this
        agent's offers and interactions now. Returns the offers."""
        if time.monotonic() - self._beat_at >= HEARTBEAT_INTERVAL / 2:
            heartbeat(self.store, self.agent)  # before routing: a live agent is never "gone"
            self._beat_at = time.monotonic()
        if self.router is not None:
            self.router.run_once()
        if self.send:
            try:
                self._outbox().run_once()
            except WorkbenchError as exc:  # X unreachable or not configured: offers still come
                log.warning("workspace %s: outbox not sent: %s", self.agent, exc)
        self._refresh()
        return self._offers

    def start(self, interval: float = POLL_INTERVAL) -> None:
        """Keep polling in a background thread until ``stop()``: at once when anything happens
        in the store (a new tweet, an offer, a colleague's action; see
        ``workbench.store.changes``), and at least every ``interval`` seconds (heartbeat,
        offer time-outs)."""
        if self._loop is not None and self._loop.is_alive():
            return
        self._stop.clear()

        def loop() -> None:
            with self.store.changes() as feed:
                while not self._stop.is_set():
                    try:
                        self.poll()
                    except Exception as exc:  # the loop goes on; the next poll retries
                        log.warning("workspace %s: poll failed: %s", self.agent, exc)
                    if feed.wait(interval, self._stop):
                        self._stop.wait(MIN_POLL_GAP)  # let a burst of changes land together

        self._loop = threading.Thread(target=loop, name=f"workspace-{self.agent}", daemon=True)
        self._loop.start()

    def stop(self) -> None:
        """Stop the live loop (if running)."""
        self._stop.set()
        if self._loop is not None:
            self._loop.join(timeout=30)
            self._loop = None

    def close(self) -> None:
        """Stop polling and release the store (when this workspace opened it)."""
        self.stop()
        if self._own_store:
            self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _refresh(self) -> None:
        i = t.interactions
        mine = and_(
            i.c.agent == self.agent, i.c.state.in_([State.OFFERED.value, State.ACCEPTED.value])
        )
        party = and_(
            i.c.state == State.ACCEPTED.value,
            cast(i.c.parties, String).like(f'%"{self.agent}"%'),
        )
        query = select(i).where(or_(mine, party)).order_by(i.c.arrived_at, i.c.id)
        with self._lock:
            with self.store.transaction() as conn:
                found = [interaction_from_row(r) for r in conn.execute(query)]
                me = conn.execute(select(t.agents).where(t.agents.c.name == self.agent)).first()
            found = [it for it in found if it.agent == self.agent or self.agent in it.parties]
            self._set("offers", tuple(it for it in found if it.state is State.OFFERED))
            self._set("interactions", tuple(it for it in found if it.state is State.ACCEPTED))
            if me is not None:
                info = _agent(me)
                self._set("state", info.state)
                self._set("reason", info.reason)

    # --- reading ------------------------------------------------------------------------------

    def interaction(self, interaction_id: str) -> Interaction:
        return self.store.interaction(interaction_id)

    def transcript(self, interaction_id: str) -> list[TranscriptEntry]:
        """The interaction's messages and notes in order (anyone may read; only parties act)."""
        self.store.interaction(interaction_id)  # unknown ids are refused by name
        return self.store.transcript(interaction_id)

    def contact(self, interaction_id: str) -> Contact:
        return self.store.contact(self.store.interaction(interaction_id).contact_id)

    @property
    def dispositions(self) -> list[Disposition]:
        """The disposition codes with their labels."""
        return self.store.dispositions()

    def standard_responses(self, search: str = "") -> dict[str, str]:
        """Standard responses (name -> text) whose name, category or text contains ``search``."""
        needle = (search or "").strip().lower()
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(t.standard_responses).order_by(t.standard_responses.c.name))
            return {
                r.name: r.text
                for r in rows
                if not needle or needle in f"{r.name}\n{r.category}\n{r.text}".lower()
            }

    @property
    def timelines(self) -> list[str]:
        """Brand accounts this workbench posts on: the brand first, then those seen in traffic."""
        with self.store.engine.connect() as conn:
            seen = set(conn.execute(select(t.interactions.c.timeline).distinct()).scalars())
            seen |= set(conn.execute(select(t.routing_rules.c.timeline).distinct()).scalars())
        brand = self.settings.brand
        return [brand] + sorted(s for s in seen if s and s.lower() != brand.lower())

    # --- offers -------------------------------------------------------------------------------

    def accept(self, interaction_id: str) -> Interaction:
        """Take the offered interaction: it becomes this agent's."""

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.accept(self.agent)
            return Change([event], [self._system(it, event, f"{self.agent} accepted")])

        return self._apply(interaction_id, use, "accept")

    def reject(self, interaction_id: str) -> Interaction:
        """Decline the offer: the interaction goes back to the queue, to another agent."""

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.reject(self.agent)
            return Change([event], [self._system(it, event, f"{self.agent} rejected the offer")])

        return self._apply(interaction_id, use, "reject")

    # --- outbound actions (through the outbox) --------------------------------------------------

    def reply(self, interaction_id: str, text: str, tweet_id: str | None = None) -> Interaction:
        """Reply in public to the customer's tweet (the latest, or ``tweet_id``); the contact's
        @mention is put in front."""
        from workbench.text import reply_text

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.act(self.agent, "reply")
            target = self._target(conn, it, "reply", tweet_id)
            contact = _contact(conn, it.contact_id)
            try:
                body = reply_text(text, contact.username, brand_username=self._timeline(it))
            except (TypeError, ValueError) as exc:
                raise _refuse(it, "reply", f"text: {exc}") from None
            _check_tweet_text(it, "reply", body)
            payload = {"text": body, "in_reply_to_tweet_id": target}
            return self._outbound(conn, it, event, "reply", payload, body, target)

        return self._apply(interaction_id, use, "reply")

    def dm(self, interaction_id: str, text: str) -> Interaction:
        """Send the contact a direct message: when they follow the brand, their DMs are open, or
        they wrote to the brand by DM (``Contact.can_receive_dm`` or a DM interaction)."""

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.act(self.agent, "dm")
            contact = _contact(conn, it.contact_id)
            # A contact who wrote to the brand by DM opened the conversation: X lets it answer.
            if not contact.can_receive_dm and it.channel is not Channel.DM:
                raise _refuse(
                    it,
                    "dm",
                    f"@{contact.username} cannot receive a direct message from the brand: "
                    "they do not follow it and their DMs are closed",
                )
            if not isinstance(text, str) or not text.strip():
                raise _refuse(it, "dm", "text: must not be empty")
            if len(text) > DM_MAX_LENGTH:
                raise _refuse(it, "dm", f"text: {len(text)} characters, at most {DM_MAX_LENGTH}")
            payload = {"participant_id": contact.id, "text": text}
            return self._outbound(conn, it, event, "dm", payload, text, None)

        return self._apply(interaction_id, use, "dm")

    def retweet(self, interaction_id: str, tweet_id: str | None = None) -> Interaction:
        """Retweet the customer's tweet (the latest, or ``tweet_id``)."""
        return self._on_tweet(interaction_id, "retweet", tweet_id, "Retweeted")

    def like(self, interaction_id: str, tweet_id: str | None = None) -> Interaction:
        """Like (favorite) the customer's tweet (the latest, or ``tweet_id``)."""
        return self._on_tweet(interaction_id, "like", tweet_id, "Liked")

    def _on_tweet(
        self, interaction_id: str, action: str, tweet_id: str | None, verb: str
    ) -> Interaction:
        def use(it: Interaction, conn: Connection) -> Change:
            event = it.act(self.agent, action)
            target = self._target(conn, it, action, tweet_id)
            return self._outbound(
                conn, it, event, action, {"tweet_id": target}, f"{verb} tweet {target}", target
            )

        return self._apply(interaction_id, use, action)

    def quote(self, interaction_id: str, text: str, tweet_id: str | None = None) -> Interaction:
        """Quote the customer's tweet (the latest, or ``tweet_id``) with ``text``."""

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.act(self.agent, "quote")
            target = self._target(conn, it, "quote", tweet_id)
            _check_tweet_text(it, "quote", text)
            payload = {"text": text, "quote_tweet_id": target}
            return self._outbound(conn, it, event, "quote", payload, text, target)

        return self._apply(interaction_id, use, "quote")

    def follow(self, interaction_id: str) -> Interaction:
        """Follow the contact from the brand account."""
        return self._on_contact(interaction_id, "follow", "Followed")

    def unfollow(self, interaction_id: str) -> Interaction:
        """Stop following the contact."""
        return self._on_contact(interaction_id, "unfollow", "Unfollowed")

    def _on_contact(self, interaction_id: str, action: str, verb: str) -> Interaction:
        def use(it: Interaction, conn: Connection) -> Change:
            event = it.act(self.agent, action)
            contact = _contact(conn, it.contact_id)
            payload = {"target_user_id": contact.id}
            text = f"{verb} @{contact.username}"
            return self._outbound(conn, it, event, action, payload, text, None)

        return self._apply(interaction_id, use, action)

    def post_tweet(self, timeline: str, text: str) -> Interaction:
        """Post a new tweet on a brand timeline; kept as a finished outbound interaction."""
        from workbench.errors import ValidationError

        name = (timeline or "").lstrip("@")
        if not 1 <= len(name) <= 15 or not name.replace("_", "").isalnum():
            raise ValidationError(
                "timeline", f"an X username (1-15 letters, digits, _), got {timeline!r}"
            )
        brand = Contact(id=f"brand:{name}"[:32], username=name, name=name)
        it = Interaction(
            id=new_id(),
            channel=Channel.OUTBOUND,
            contact_id=brand.id,
            post_key=uuid.uuid4().hex,
            queue="outbound",
            timeline=name,
            subject=text[:140] if isinstance(text, str) else "",
            state=State.ACCEPTED,
            agent=self.agent,
        )
        _check_tweet_text(it, "post", text)
        with self.store.transaction() as conn:
            self.store.ensure_contact(brand, conn)
            self.store.add_interaction(it, conn=conn)
            before = it.version
            event = it.act(self.agent, "post")
            change = self._outbound(conn, it, event, "post", {"text": text}, text, None)
            finished = it.done(self.agent, require_disposition=False)
            change.events.append(finished)
            self.store.save(conn, it, before, change)
        return it

    # --- handling -----------------------------------------------------------------------------

    def transfer(
        self, interaction_id: str, to_agent: str | None = None, to_queue: str | None = None
    ) -> Interaction:
        """Hand the interaction to a ready agent (offered to them) or back to a queue."""

        def use(it: Interaction, conn: Connection) -> Change:
            # The state and who may act are checked first, on a copy.
            replace(it).transfer(self.agent, to_agent=to_agent, to_queue=to_queue)
            if to_agent is not None:
                target = self._available(conn, it, "transfer", to_agent)
                if load(conn, [to_agent])[to_agent] >= target.capacity:
                    raise _refuse(
                        it, "transfer", f"{to_agent} has no room ({target.capacity} at once)"
                    )
                event = it.transfer(self.agent, to_agent=to_agent)
                offered = Event("offered", it.id, to_agent, details={"transfer_from": self.agent})
                text = f"{self.agent} transferred to {to_agent}"
                return Change([event, offered], [self._system(it, event, text)])
            if to_queue is not None:
                known = set(conn.execute(select(t.queues.c.name)).scalars())
                if to_queue not in known:
                    raise _refuse(
                        it,
                        "transfer",
                        f"no queue named {to_queue!r} (known: {', '.join(sorted(known))})",
                    )
            event = it.transfer(self.agent, to_agent=to_agent, to_queue=to_queue)
            text = f"{self.agent} transferred to queue {to_queue}"
            return Change([event], [self._system(it, event, text)])

        return self._apply(interaction_id, use, "transfer")

    def conference(self, interaction_id: str, agent: str) -> Interaction:
        """Bring a ready agent into a chat conference: both see the transcript and may reply;
        the customer sees one brand."""

        def use(it: Interaction, conn: Connection) -> Change:
            replace(it).conference(self.agent, agent)  # state and who may act first
            self._available(conn, it, "conference", agent)
            event = it.conference(self.agent, agent)
            text = f"{self.agent} added {agent} to a chat conference"
            return Change([event], [self._system(it, event, text, EntryKind.INTERNAL)])

        return self._apply(interaction_id, use, "conference")

    def leave_conference(self, interaction_id: str) -> Interaction:
        """Leave a conference this agent was brought into."""

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.leave_conference(self.agent)
            text = f"{self.agent} left the conference"
            return Change([event], [self._system(it, event, text, EntryKind.INTERNAL)])

        return self._apply(interaction_id, use, "leave_conference")

    def consult(
        self, interaction_id: str, agent: str, channel: str = "chat", text: str = ""
    ) -> Interaction:
        """Consult another agent by chat or voice: internal, nothing reaches the customer."""

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.consult(self.agent, agent, channel)
            try:
                lock_agent(conn, agent)
            except NotFoundError:
                raise _refuse(it, "consult", f"no agent named {agent!r}") from None
            lines = [
                self._system(
                    it, event, f"{self.agent} consulted {agent} by {channel}", EntryKind.INTERNAL
                )
            ]
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

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.act(self.agent, "internal_note")
            if not isinstance(text, str) or not text.strip():
                raise _refuse(it, "internal_note", "text: must not be empty")
            line = TranscriptEntry(it.id, event.at, EntryKind.INTERNAL, self.agent, text, "note")
            return Change([event], [line])

        return self._apply(interaction_id, use, "internal_note")

    def call(self, interaction_id: str, outcome: str, note: str = "") -> Interaction:
        """Record a phone call to the contact (the contact record must have a phone number)."""

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.act(self.agent, "call")
            contact = _contact(conn, it.contact_id)
            if not contact.phone:
                raise _refuse(it, "call", f"@{contact.username} has no phone number on record")
            if outcome not in CALL_OUTCOMES:
                raise _refuse(
                    it, "call", f"outcome: one of {', '.join(CALL_OUTCOMES)}, got {outcome!r}"
                )
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

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.act(self.agent, "email")
            contact = _contact(conn, it.contact_id)
            if not contact.email:
                raise _refuse(it, "email", f"@{contact.username} has no e-mail address on record")
            if not isinstance(subject, str) or not subject.strip() or "\n" in subject:
                raise _refuse(it, "email", "subject: one non-empty line is required")
            if not isinstance(body, str) or not body.strip():
                raise _refuse(it, "email", "body: must not be empty")
            sender = _mail.setting("WORKBENCH_MAIL_FROM") or f"{self.settings.brand}@localhost"
            msg = _mail.message(sender, contact.email, subject, body)
            folder = self._mail_dir or Path(
                _mail.setting("WORKBENCH_MAIL_DIR") or _mail.default_mail_dir()
            )
            try:
                where = _mail.deliver(msg, _mail.setting("WORKBENCH_SMTP_URL"), folder)
            except _mail.MailError as exc:
                raise _refuse(it, "email", str(exc)) from None
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

    def insert_standard_response(self, interaction_id: str, name: str, **variables: str) -> str:
        """The standard response ``name`` with its variables filled ({contact_name},
        {agent_name}, {agent_initials}, and any given), ready to edit and send."""
        filled: list[str] = []

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.act(self.agent, "standard_response")
            row = conn.execute(
                select(t.standard_responses.c.text).where(t.standard_responses.c.name == name)
            ).first()
            if row is None:
                raise _refuse(it, "insert_standard_response", f"no standard response {name!r}")
            contact = _contact(conn, it.contact_id)
            me = _agent(conn.execute(select(t.agents).where(t.agents.c.name == self.agent)).one())
            values = {
                "contact_name": contact.name or contact.username,
                "contact_username": contact.username,
                "agent_name": me.display_name or me.name,
                "agent_initials": me.initials,
                "brand": self._timeline(it),
                **variables,
            }
            try:
                fields = [f for _, f, _, _ in string.Formatter().parse(row.text) if f is not None]
            except ValueError as exc:
                raise _refuse(it, "insert_standard_response", f"{name}: {exc}") from None
            for field in fields:
                if field not in values or values[field] in (None, ""):
                    raise _refuse(
                        it,
                        "insert_standard_response",
                        f"{name}: variable {{{field}}} has no value",
                    )
            filled.append(row.text.format_map(values))
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

        def use(it: Interaction, conn: Connection) -> Change:
            replace(it).act(self.agent, "correct")  # state and who may act first
            if sentiment is None and actionability is None:
                raise _refuse(it, "correct", "give a sentiment or an actionability")
            try:
                s = None if sentiment is None else Sentiment(sentiment)
            except ValueError:
                allowed = ", ".join(x.value for x in Sentiment)
                raise _refuse(
                    it, "correct", f"sentiment: one of {allowed}, got {sentiment!r}"
                ) from None
            try:
                a = None if actionability is None else Actionability(actionability)
            except ValueError:
                allowed = ", ".join(x.value for x in Actionability)
                raise _refuse(
                    it, "correct", f"actionability: one of {allowed}, got {actionability!r}"
                ) from None
            event = it.correct(self.agent, s, a)
            shown = ", ".join(f"{k} {v['from']} -> {v['to']}" for k, v in event.details.items())
            return Change([event], [self._system(it, event, f"{self.agent} corrected {shown}")])

        return self._apply(interaction_id, use, "correct")

    def set_disposition(self, interaction_id: str, code: str, note: str = "") -> Interaction:
        """Set how the interaction ended (a known code) and a note."""

        def use(it: Interaction, conn: Connection) -> Change:
            codes = dict(conn.execute(select(t.dispositions.c.code, t.dispositions.c.label)).all())
            replace(it).act(self.agent, "set_disposition")  # state and who may act first
            if code not in codes:
                raise _refuse(
                    it,
                    "set_disposition",
                    f"no disposition code {code!r} (known: {', '.join(sorted(codes))})",
                )
            event = it.set_disposition(self.agent, code, note or "")
            text = f"Disposition: {codes[code]}" + (f" ({note})" if note else "")
            return Change([event], [self._system(it, event, text)])

        return self._apply(interaction_id, use, "set_disposition")

    def done(self, interaction_id: str) -> Interaction:
        """Finish the interaction (with a disposition when WORKBENCH_REQUIRE_DISPOSITION)."""
        required = bool(self.settings["WORKBENCH_REQUIRE_DISPOSITION"])

        def use(it: Interaction, conn: Connection) -> Change:
            event = it.done(self.agent, require_disposition=required)
            if load(conn, [self.agent])[self.agent] <= 1:
                conn.execute(
                    update(t.agents)
                    .where(t.agents.c.name == self.agent)
                    .values(idle_since=event.at)
                )
            return Change([event], [self._system(it, event, f"{self.agent} marked it done")])

        return self._apply(interaction_id, use, "done")

    # --- helpers ------------------------------------------------------------------------------

    def _apply(
        self,
        interaction_id: str,
        use: Callable[[Interaction, Connection], Change],
        action: str,
    ) -> Interaction:
        try:
            it = self.store.apply(interaction_id, use)
        except TransitionError as exc:
            if exc.action == "act":  # the domain's generic check: name what was attempted
                raise TransitionError(exc.interaction_id, exc.state, action, exc.rule) from None
            raise
        self._refresh()
        return it

    def _system(
        self, it: Interaction, event: Event, text: str, kind: EntryKind = EntryKind.SYSTEM
    ) -> TranscriptEntry:
        return TranscriptEntry(it.id, event.at, kind, self.agent, text, event.action)

    def _timeline(self, it: Interaction) -> str:
        return it.timeline or self.settings.brand

    def _available(self, conn: Connection, it: Interaction, action: str, name: str) -> Agent:
        """The agent ``name``, locked, if ready and online; refused otherwise."""
        try:
            other = lock_agent(conn, name)
        except NotFoundError:
            raise _refuse(it, action, f"no agent named {name!r}") from None
        if other.state is not AgentState.READY:
            why = f": {other.reason}" if other.reason else ""
            raise _refuse(it, action, f"{name} is not ready ({other.state.value}{why})")
        stale = self.router.heartbeat_stale if self.router else HEARTBEAT_STALE
        if not other.online(stale=stale):
            raise _refuse(it, action, f"{name} is not online (no heartbeat)")
        return other

    def _target(self, conn: Connection, it: Interaction, action: str, tweet_id: str | None) -> str:
        """The customer tweet an action is about: ``tweet_id`` if it is one of this
        interaction's customer messages, else the latest of them."""
        if it.channel is not Channel.MENTION:
            raise _refuse(
                it, action, f"a {it.channel.value} interaction has no customer tweet to {action}"
            )
        tr = t.transcript
        rows = conn.execute(
            select(tr.c.tweet_id)
            .where(
                tr.c.interaction_id == it.id,
                tr.c.kind == EntryKind.INBOUND.value,
                tr.c.tweet_id.is_not(None),
            )
            .order_by(tr.c.at, tr.c.id)
        ).scalars()
        tweets = [it.tweet_id, *(r for r in rows if r != it.tweet_id)]
        if tweet_id is None:
            return tweets[-1]
        if str(tweet_id) not in tweets:
            raise _refuse(
                it, action, f"tweet {tweet_id} is not a customer message of this interaction"
            )
        return str(tweet_id)

    def _outbound(
        self,
        conn: Connection,
        it: Interaction,
        event: Event,
        action: str,
        payload: dict[str, Any],
        text: str,
        tweet_id: str | None,
    ) -> Change:
        """Queue ``action`` in the outbox and return its event and transcript line."""
        key = self._enqueue(conn, action, self._timeline(it), payload, it.id)
        details = {**payload, "outbox_key": key}
        event = replace(event, details=details)
        line = TranscriptEntry(
            it.id, event.at, EntryKind.OUTBOUND, self.agent, text, action, tweet_id, details
        )
        return Change([event], [line])

    def _enqueue(
        self,
        conn: Connection,
        action: str,
        timeline: str,
        payload: dict[str, Any],
        interaction_id: str,
    ) -> str:
        """Write the action to the outbox in this transaction; the outbox worker sends it."""
        return self._outbox().enqueue(
            action, timeline, payload, interaction_id=interaction_id, conn=conn
        )

    def _outbox(self) -> Any:
        """The outbox (its gateway is made on first send, from the settings)."""
        if self._outbox_worker is None:
            from workbench.outbox import Outbox

            self._outbox_worker = Outbox(self.store, self._gateway)
        if self.send and self._outbox_worker.gateway is None:
            from workbench.xapi.gateway import Gateway

            self._gateway = Gateway.from_settings(self.settings)
            self._outbox_worker.gateway = self._gateway
        return self._outbox_worker

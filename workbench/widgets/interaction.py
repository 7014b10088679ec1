"""The interaction view: original tweet, case information, party line and transcript, contact
info, reply composer, and every handling action of the seed (transfer, conference, consult,
call, e-mail, standard responses, disposition and note, Done).

What the brand's X access plan refuses (likes, follows and quotes on self-serve plans, a reply
to a post that did not summon the brand) and a DM to a contact who cannot receive one are shown
disabled, the reason as tooltip, before the agent types."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import ipywidgets as W

from workbench.domain import (
    Actionability,
    Channel,
    Contact,
    DeliveryState,
    EntryKind,
    Interaction,
    Sentiment,
    State,
    TranscriptEntry,
    thread_participants,
)
from workbench.i18n import N_, _, format_number, ngettext, refusal
from workbench.widgets._compose import Composer
from workbench.widgets._html import (
    STYLE,
    deleted_html,
    esc,
    icon,
    linked,
    media_html,
    priority_html,
    profile_link,
    subject_html,
    value_label,
    wait_html,
    when,
)
from workbench.widgets._redraw import Redraw
from workbench.workspace import CALL_OUTCOMES, SYSTEM_LINES, Workspace

_SMALL = W.Layout(width="34px", padding="0", margin="2px 1px")
REPLY_KINDS = ((N_("Reply"), "reply"), (N_("Direct Message"), "dm"), (N_("Quote Tweet"), "quote"))
"""The reply kinds: label (translated where shown), value."""
CALL_LABELS = {
    "connected": N_("connected"),
    "no_answer": N_("no answer"),
    "voicemail": N_("voicemail"),
    "busy": N_("busy"),
    "wrong_number": N_("wrong number"),
}
CONSULT_CHANNELS = ((N_("chat"), "chat"), (N_("voice"), "voice"))
LINE_ACTIONS = {
    "reply": N_("reply"),
    "dm": N_("direct message"),
    "quote": N_("quote"),
    "retweet": N_("retweet"),
    "like": N_("favorite"),
    "note": N_("note"),
    "email": N_("e-mail"),
    "call": N_("call"),
    "consult": N_("consultation"),
    "post": N_("post"),
}
"""A transcript line's action as its header names it."""
PLACEHOLDERS = {
    "reply": N_("Type a reply…"),
    "dm": N_("Type a direct message…"),
    "quote": N_("Add a comment to the quoted post…"),
}
"""What the reply box says while empty, by reply kind."""
REFUSED_ICON = "ban"
"""The icon the reply-kind menu marks a kind with when it would be refused."""


def _button(label: str, css: str, icon_name: str = "", style: str = "", tip: str = "") -> W.Button:
    b = W.Button(description=label, icon=icon_name, button_style=style, tooltip=tip or label)
    b.layout = W.Layout(width="auto")
    b.add_class(css)
    return b


def _choices(dropdown: W.Dropdown, options: Sequence[tuple[str, str | None]]) -> None:
    """Give ``dropdown`` these options when they changed, keeping the agent's choice."""
    if [tuple(o) for o in dropdown.options] == list(options):
        return
    chosen = dropdown.value
    dropdown.options = options
    _show(dropdown, chosen if chosen in {value for _, value in options} else None)


def _show(control: W.ValueWidget, value: object) -> None:
    """Put ``value`` in ``control``; a dropdown shows its "—" choice for None (ipywidgets
    would show it blank)."""
    if value is None and isinstance(control, W.Dropdown) and control.options:
        values = [v for _, v in control.options]
        if None in values:
            control.index = values.index(None)
            return
    control.value = value


def _media(entry: TranscriptEntry, sandbox_url: str | None) -> str:
    """The line's attached media (``details["media"]``), unless its author deleted the post."""
    raws = entry.details.get("media")
    if entry.deleted or not isinstance(raws, list):
        return ""
    return media_html(raws, sandbox_url)


def original_tweet_html(
    entry: TranscriptEntry | None, contact: Contact, sandbox_url: str | None = None
) -> str:
    if entry is None:
        none = _("No message yet.")
        return f'{STYLE}<div class="wb-card wb-muted">{esc(none)}</div>'
    urls = entry.details.get("urls") if isinstance(entry.details.get("urls"), dict) else None
    text = deleted_html() if entry.deleted else linked(entry.text, urls)
    return (
        f'{STYLE}<div class="wb-card"><div><b>{esc(contact.name or contact.username)}</b> '
        f"{profile_link(contact)}</div><div>{text}</div>{_media(entry, sandbox_url)}"
        f'<div class="wb-muted">{esc(when(entry.at))}</div></div>'
    )


def case_html(it: Interaction, contact: Contact, agent: str, queue: str | None = None) -> str:
    """The case information panel and the party line; ``queue``: the queue's label (default:
    its name)."""
    origin = _("Direct message") if it.channel.value == "dm" else _("Public mention")
    on = _(" on @{timeline}").format(timeline=it.timeline) if it.timeline else ""
    rows = [
        (_("Origin"), f"{origin}{on}"),
        (_("Subject"), None),
        (_("Date"), when(it.arrived_at)),
        (_("Queue"), queue or it.queue),
        (_("State"), _(it.state.value) + (f" ({it.agent})" if it.agent else "")),
    ]
    if it.parties:
        rows.append((_("Conference"), ", ".join(it.parties)))
    cells = "".join(
        f'<tr><td class="wb-muted" style="padding-right:10px">{esc(k)}</td>'
        f"<td>{subject_html(it) if v is None else esc(v)}</td></tr>"
        for k, v in rows
    )
    if it.priority_reasons:
        priority = _("Priority")
        cells += (
            f'<tr><td class="wb-muted" style="padding-right:10px">{esc(priority)}</td>'
            f"<td>{priority_html(it)}</td></tr>"
        )
    connected, you = _("Connected"), _("you: {agent}").format(agent=agent)
    party = (
        f'<div style="margin-top:6px">{profile_link(contact)} '
        f'<span style="color:#1a7f37">● {esc(connected)}</span> · '
        f'<span class="wb-muted">{esc(you)}</span></div>'
    )
    return f'{STYLE}<div class="wb-card"><table>{cells}</table>{party}</div>'


def line_html(entry: TranscriptEntry, sandbox_url: str | None = None) -> str:
    """One transcript line; ``sandbox_url``: the sandbox the workbench talks to, whose own
    media may be loaded (see ``media_src``)."""
    label = {
        EntryKind.INBOUND: entry.author,
        EntryKind.OUTBOUND: _("{author} (brand)").format(author=entry.author),
        EntryKind.INTERNAL: _("{author} (internal)").format(author=entry.author),
        EntryKind.SYSTEM: "",
    }[entry.kind]
    urls = entry.details.get("urls") if isinstance(entry.details.get("urls"), dict) else None
    if entry.kind is EntryKind.SYSTEM:
        fixed = SYSTEM_LINES.get(entry.action)
        if fixed is not None and entry.text == fixed.format(agent=entry.author):
            said = esc(_(fixed).format(agent=entry.author))  # in the reader's language
        else:
            said = linked(entry.text, urls)
        return f'{STYLE}<div class="wb-line wb-line-system">{said} · {esc(when(entry.at))}</div>'
    said = _(LINE_ACTIONS.get(entry.action, entry.action))
    action = "" if entry.action in {"message", "tweet"} else f" · {said}"
    if entry.details.get("participant"):
        label = _("{author} (another participant)").format(author=label)
    new = (
        ' <span class="wb-badge wb-new">' + esc(_("new")) + "</span>"
        if entry.details.get("follow_up") and entry.kind is EntryKind.INBOUND
        else ""
    )
    text = deleted_html() if entry.deleted else linked(entry.text, urls)
    return (
        f'{STYLE}<div class="wb-line wb-line-{entry.kind.value}">'
        f'<div class="wb-muted">{esc(label)}{esc(action)} · {esc(when(entry.at))}{new}</div>'
        f"<div>{text}</div>{_media(entry, sandbox_url)}{delivery_html(entry)}</div>"
    )


def delivery_html(entry: TranscriptEntry) -> str:
    """Where the line's send is: queued, sent (with X's id, linked for a post), or refused with
    X's reason."""
    d = entry.delivery
    if d is None:
        return ""
    if d.state is DeliveryState.SENT:
        where = ""
        if d.x_id and entry.action != "dm":
            url = f"https://x.com/i/web/status/{d.x_id}"
            where = (
                f' · <a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
                f"{esc(d.x_id)}</a>"
            )
        elif d.x_id:
            where = f" · {esc(d.x_id)}"
        return '<div class="wb-delivery wb-sent">✓ ' + esc(_("sent")) + f"{where}</div>"
    if d.state is DeliveryState.FAILED:
        reason = refusal(d.reason) if d.reason else _("refused by X")
        said = _("{state}: {reason}").format(state=_("not sent"), reason=reason)
        return f'<div class="wb-delivery wb-failed">✗ {esc(said)}</div>'
    said = _("queued")
    if d.reason:
        said = _("{state}: {reason}").format(state=said, reason=refusal(d.reason))
    return f'<div class="wb-delivery wb-queued">⏳ {esc(said)}</div>'


_REREAD = 20
"""How many of the newest lines a redraw reads again (see ``InteractionView._read_lines``)."""
_CHUNK = 50
"""How many lines each of the transcript's boxes holds (see ``_show_chunked``)."""


class InteractionView(W.VBox):
    """One accepted interaction. ``ws`` is the agent's Workspace: every button calls it, and the
    view redraws whenever it says something changed (``revision``)."""

    def __init__(
        self, ws: Workspace, interaction_id: str, on_closed: Callable[[str], None] | None = None
    ):
        self.ws = ws
        self._sandbox_url = ws.sandbox_url
        """The sandbox the workbench talks to (its media may be shown), else None."""
        self.title = ""
        """The tab's title: the contact's @username."""
        self.interaction_id = interaction_id
        self._on_closed = on_closed
        # What the last redraw read: the plan's and the contact's refusals are judged on it.
        self._it: Interaction | None = None
        self._contact: Contact | None = None
        self._lines: list[TranscriptEntry] = []
        self._static_refused: dict[str, str] = {}
        self._refused_told: set[str] | None = None  # outbox keys of refused sends shown
        # The transcript's line widgets, by what they show: a redraw builds only new or
        # changed lines (a long thread is not drawn again for each new message).
        self._drawn: dict[tuple[object, ...], W.Widget] = {}
        self.refused_kinds: dict[str, str] = {}
        """Reply kinds (reply, dm, quote) that would be refused now, with the reason."""
        self.message = W.HTML()
        self.message.add_class("wb-message")

        # left margin: the original tweet and the contact
        self.original = W.HTML()
        self.original.add_class("wb-original-tweet")
        self.contact_info = W.HTML()
        self.contact_info.add_class("wb-contact")
        self.statuses = W.HTML()
        self.statuses.add_class("wb-statuses")
        self.followers = W.HTML()
        self.followers.add_class("wb-followers")
        self.follow_button = _button(_("Follow"), "wb-follow", "user-plus")
        self.follow_button.on_click(lambda _: self.toggle_follow())
        self.call_button = _button(_("Call"), "wb-call", "phone")
        self.call_button.on_click(lambda _: self.call())
        self.call_outcome = W.Dropdown(
            options=[(_(CALL_LABELS.get(o, o.replace("_", " "))), o) for o in CALL_OUTCOMES],
            description=_("Result"),
            style={"description_width": "initial"},
            layout=W.Layout(width="170px"),
        )
        self.email_button = _button(_("E-mail"), "wb-email", "envelope")
        self.email_button.on_click(lambda _: self.email())
        self.sentiment = W.Dropdown(
            options=[(value_label(s), s) for s in Sentiment],
            description=_("Sentiment"),
            layout=W.Layout(width="230px"),
        )
        self.sentiment.add_class("wb-sentiment")
        self.actionability = W.Dropdown(
            options=[(value_label(a), a) for a in Actionability],
            description=_("Action"),
            layout=W.Layout(width="230px"),
        )
        self.actionability.add_class("wb-actionability")
        self.icons = W.HTML()
        self.icons.add_class("wb-icons")
        self.sentiment.observe(self._on_sentiment, names="value")
        self.actionability.observe(self._on_actionability, names="value")
        left = W.VBox(
            [
                self.original,
                self.contact_info,
                W.HBox([self.statuses, self.followers]),
                W.HBox([self.follow_button, self.email_button]),
                W.HBox([self.call_button, self.call_outcome]),
                self.icons,
                self.sentiment,
                self.actionability,
            ],
            layout=W.Layout(flex="0 0 290px", width="290px", margin="0 8px 8px 0"),
        )

        # centre: case information, party line, transcript, composer
        self.case = W.HTML()
        self.case.add_class("wb-case")
        self.timer = W.HTML()
        """How long the customer has waited for an answer, coloured against the service-level
        target (``tick`` redraws it)."""
        self.timer.add_class("wb-wait-timer")
        # Never shrunk to the scroller's height: a shrunk child's newest lines would overflow
        # past the reversed box's start, where no scrolling reaches them.
        self.transcript = W.VBox(layout=W.Layout(flex="0 0 auto"))
        self.transcript.add_class("wb-transcript")
        # The scroller around it shows the newest line and stays there as lines arrive: a
        # column-reverse flex box starts scrolled to its end (CSS alone, no script), and its one
        # child keeps the lines in reading order.
        self.transcript_scroll = W.Box(
            [self.transcript],
            layout=W.Layout(
                max_height="360px",
                overflow="hidden auto",  # lines wrap: no scrollbar across
                flex_flow="column-reverse",
            ),
        )
        self.transcript_scroll.add_class("wb-transcript-scroll")
        self.reply_kind = W.ToggleButtons(
            options=[(_(label), kind) for label, kind in REPLY_KINDS],
            value="reply",
            style={"button_width": "auto"},
        )
        self.reply_kind.add_class("wb-reply-kind")
        self.composer = Composer(_(PLACEHOLDERS["reply"]))
        self.composer.text.on_send(self._on_send)
        self.composer.text.observe(lambda _: self._sync_send(), names="value")
        # Reply to all: the thread's participants, each of whom the agent may drop.
        self.mentions = W.TagsInput(value=[], allowed_tags=[], allow_duplicates=False)
        self.mentions.add_class("wb-mentions")
        self.mentions.observe(lambda _: self._sync_mentions(), names="value")
        self.mentions_row = W.HBox(
            [
                W.HTML(
                    '<span class="wb-muted" title="'
                    + esc(_("who the reply mentions"))
                    + '">'
                    + esc(_("To"))
                    + "</span>"
                ),
                self.mentions,
            ]
        )
        self._participants: list[str] = []
        self.reply_kind.observe(lambda _: self._sync_mentions(), names="value")
        self.send_button = _button(_("Send"), "wb-send", "paper-plane", "primary")
        self.send_button.on_click(lambda _: self.send())
        self.send_reason = W.HTML()
        self.send_reason.add_class("wb-send-reason")
        self.send_cost = W.HTML()
        """What the send will cost on pay-per-use, and the daily budget's warning once spent."""
        self.send_cost.add_class("wb-send-cost")
        self._budget_warning: str | None = None  # read on each redraw, not on each keystroke
        self.retweet_button = _button(_("Retweet"), "wb-retweet", "retweet")
        self.retweet_button.on_click(lambda _: self.retweet())
        self.like_button = _button(_("Favorite"), "wb-like", "heart")
        self.like_button.on_click(lambda _: self.like())
        self.target_tweet: str | None = None
        self.target = W.HTML()
        self.standard = W.Dropdown(description=_("Standard"), layout=W.Layout(width="300px"))
        self.standard.add_class("wb-standard-response")
        self.insert_button = _button(_("Insert"), "wb-insert", "paste")
        self.insert_button.on_click(lambda _: self.insert_standard_response())
        centre = W.VBox(
            [
                self.timer,
                self.case,
                self.transcript_scroll,
                self.reply_kind,
                self.target,
                self.mentions_row,
                self.composer,
                W.HBox([self.send_button, self.retweet_button, self.like_button]),
                self.send_reason,
                self.send_cost,
                W.HBox([self.standard, self.insert_button]),
            ],
            layout=W.Layout(flex="1 1 340px", min_width="300px", margin="0 0 8px 0"),
        )

        # right: collaboration and wrap-up
        wide = W.Layout(width="280px")
        self.agent_pick = W.Combobox(
            placeholder=_("agent name"), description=_("Agent"), layout=wide
        )
        self.queue_pick = W.Dropdown(description=_("Queue"), layout=wide)
        self.transfer_button = _button(_("Transfer"), "wb-transfer", "share")
        self.transfer_button.on_click(lambda _: self.transfer())
        self.conference_button = _button(_("Conference"), "wb-conference", "users")
        self.conference_button.on_click(lambda _: self.conference())
        self.consult_channel = W.Dropdown(
            options=[(_(label), value) for label, value in CONSULT_CHANNELS],
            value="chat",
            description=_("Via"),
            style={"description_width": "28px"},
            layout=W.Layout(width="110px"),
        )
        self.consult_button = _button(_("Consult"), "wb-consult", "comments")
        self.consult_button.on_click(lambda _: self.consult())
        self.disposition = W.Dropdown(
            description=_("Disposition"), style={"description_width": "initial"}, layout=wide
        )
        self.disposition.add_class("wb-disposition")
        self.disposition.observe(self._on_disposition, names="value")
        self.note = W.Textarea(placeholder=_("note"), layout=W.Layout(width="280px", height="60px"))
        self.note.add_class("wb-note")
        self.done_button = _button(_("Done"), "wb-done", "check", "success")
        self.done_button.on_click(lambda _: self.done())
        self.pend_button = _button(
            _("Pending customer"),
            "wb-pend",
            "hourglass-half",
            tip=_(
                "Wait for the customer's answer: the interaction leaves your capacity for your "
                "workbin and comes back to you when they answer"
            ),
        )
        self.pend_button.on_click(lambda _: self.pend())
        right = W.VBox(
            [
                W.HTML("<b>" + esc(_("Collaborate")) + "</b>"),
                self.agent_pick,
                W.HBox([self.transfer_button, self.conference_button]),
                W.HBox([self.consult_channel, self.consult_button]),
                self.queue_pick,
                W.HTML("<b>" + esc(_("Wrap up")) + "</b>"),
                self.disposition,
                self.note,
                W.HBox([self.done_button, self.pend_button]),
            ],
            layout=W.Layout(flex="0 0 290px", width="290px", margin="0 0 8px 8px"),
        )
        # The columns wrap where the panel is narrower than the three (a Lab panel beside the
        # dashboard): nothing is cut at the panel's edge, no scrollbar across the view.
        columns = W.HBox([left, centre, right], layout=W.Layout(flex_flow="row wrap"))
        super().__init__([self.message, columns], layout=W.Layout(overflow="hidden"))
        self.add_class("wb-interaction")
        self.add_class("wb-compose-scope")  # its Send button carries its reply box's text
        self.add_class(f"wb-view-{interaction_id}")
        self._loading = False
        self._drawn_version: int | None = None
        self.refresh()
        self._redraw = Redraw(self._on_revision, self._show_error)
        ws.observe(self._redraw, "revision")

    def _show_error(self, message: str) -> None:
        self.message.value = f'<span style="color:#b00">{esc(message)}</span>'

    def close(self) -> None:
        self._redraw.closed = True
        self.ws.unobserve(self._redraw)
        for line in self._drawn.values():
            line.close()
        self._drawn = {}
        super().close()

    # --- reading the model ---------------------------------------------------------------

    @property
    def interaction(self) -> Interaction:
        return self.ws.interaction(self.interaction_id)

    def _on_revision(self) -> None:
        """The workspace changed: redraw when this interaction did (its version moved), else
        leave the view as the agent has it."""
        version = self.ws.version(self.interaction_id)
        if version is None or version != self._drawn_version:
            self.refresh()

    @staticmethod
    def _adopt(
        before: Interaction | None, it: Interaction, name: str, control: W.ValueWidget
    ) -> None:
        """Show ``it``'s stored ``name`` in ``control`` when it moved since the redraw that
        read ``before`` (a colleague changed it), never over what the agent is choosing."""
        stored = getattr(it, name)
        if before is None or getattr(before, name) != stored:
            _show(control, stored)

    def refresh(self) -> None:
        """Redraw from the workspace: state, contact, transcript, choices."""
        self._drawn_version = self.ws.version(self.interaction_id)
        it = self.interaction
        contact = self.ws.contact(self.interaction_id)
        before = self._it  # what the last redraw read: what the controls were given
        # A post deleted since the last redraw may be any line: read them all again then.
        again = before is not None and it.deleted_at != before.deleted_at
        lines = self.ws.transcript(self.interaction_id) if again else self._read_lines()
        first = next((e for e in lines if e.kind is EntryKind.INBOUND), None)
        self.title = f"@{contact.username}"
        self._it, self._contact, self._lines = it, contact, lines
        self._static_refused = self._plan_refusals(it, contact)
        self._loading = True
        try:
            self.original.value = original_tweet_html(first, contact, self._sandbox_url)
            queues = self.ws.queues()
            labels = {q.name: _(q.label or q.name) for q in queues}
            self.case.value = case_html(it, contact, self.ws.agent, labels.get(it.queue or ""))
            self.tick()
            show, info = _("show info"), _("info")
            self.contact_info.value = (
                f'{STYLE}<div class="wb-card"><b>{esc(contact.name or contact.username)}</b> '
                f"{profile_link(contact)} "
                f'<a class="wb-show-info" href="{esc(contact.profile_url)}" target="_blank" '
                f'rel="noopener noreferrer" title="{esc(show)}">{esc(info)}</a>'
                f"{'<br>☎ ' + linked(contact.phone) if contact.phone else ''}"
                f"{'<br>✉ ' + linked(contact.email) if contact.email else ''}</div>"
            )
            statuses, followers = contact.statuses_count, contact.followers_count
            said = ngettext("status", "statuses", statuses)
            self.statuses.value = f"<b>{format_number(statuses)}</b> {esc(said)}&nbsp;"
            said = ngettext("follower", "followers", followers)
            self.followers.value = f"<b>{format_number(followers)}</b> {esc(said)}"
            self.call_button.disabled = not contact.phone
            self.email_button.disabled = not contact.email
            sentiment, actionability = _("sentiment"), _("actionability")
            self.icons.value = (
                f"{icon(it.sentiment, sentiment)} {icon(it.actionability, actionability)}"
            )
            self._adopt(before, it, "sentiment", self.sentiment)
            self._adopt(before, it, "actionability", self.actionability)
            self._draw_lines(lines)
            self._set_participants(it, contact, lines)
            self._tell_refused(lines)
            dispositions = [("—", None)] + [(_(d.label), d.code) for d in self.ws.dispositions]
            _choices(self.disposition, dispositions)
            self._adopt(before, it, "disposition", self.disposition)
            # The note too, unless the agent has written one of their own since.
            if before is None or (it.note != before.note and self.note.value in ("", before.note)):
                self.note.value = it.note or ""
            _choices(
                self.standard,
                [("—", None)]
                + [(_(label), name) for name, label in self.ws.standard_response_labels().items()],
            )
            _choices(
                self.queue_pick,
                [("—", None)] + [(labels[q.name], q.name) for q in queues],
            )
            colleagues = self.ws.colleagues()
            if list(self.agent_pick.options) != colleagues:
                self.agent_pick.options = colleagues
            read_only = it.state is not State.ACCEPTED
            for control in self._action_controls():
                control.disabled = read_only
            if not read_only:
                self.call_button.disabled = not contact.phone
                self.email_button.disabled = not contact.email
            self._sync_plan()
        finally:
            self._loading = False

    def _action_controls(self) -> list[W.DOMWidget]:
        return [
            self.send_button,
            self.retweet_button,
            self.like_button,
            self.follow_button,
            self.call_button,
            self.email_button,
            self.transfer_button,
            self.conference_button,
            self.consult_button,
            self.done_button,
            self.pend_button,
            self.insert_button,
            self.disposition,
            self.sentiment,
            self.actionability,
        ]

    def _read_lines(self) -> list[TranscriptEntry]:
        """The transcript as it is now, reading only what was stored since the last redraw:
        the newest lines again (a line may commit after a later-numbered one on PostgreSQL),
        what came after them, and where the sends not yet through are. A line that belongs
        before those already shown (an earlier time) makes it read the whole transcript."""
        known = self._lines
        if len(known) < _REREAD or any(e.row_id is None for e in known[-_REREAD:]):
            return self.ws.transcript(self.interaction_id)
        recent = sorted(e.row_id for e in known if e.row_id is not None)[-_REREAD:]
        fresh = self.ws.transcript(self.interaction_id, after=recent[0] - 1)
        seen = {e.row_id for e in known}
        new = [e for e in fresh if e.row_id not in seen]
        if new and (new[0].at, new[0].row_id or 0) < (known[-1].at, known[-1].row_id or 0):
            return self.ws.transcript(self.interaction_id)
        again = {e.row_id: e for e in fresh}
        # A line of the reread range that is gone was removed (ingest's copy of a send).
        kept = [e for e in known if e.row_id is None or e.row_id < recent[0] or e.row_id in again]
        lines = [again.get(e.row_id, e) for e in kept] + new
        moving = [
            e.delivery.key
            for e in lines
            if e.delivery is not None and e.delivery.state is not DeliveryState.SENT
        ]
        if not moving:
            return lines
        now = self.ws.deliveries(moving)
        return [
            replace(e, delivery=now[e.delivery.key])
            if e.delivery is not None and e.delivery.key in now
            else e
            for e in lines
        ]

    def _show_chunked(self, lines: list[W.Widget]) -> None:
        """Put ``lines`` in the transcript box in chunks of ``_CHUNK`` (each a VBox): a new
        line changes the last chunk only, so the front end is sent a few ids, not the
        whole thread's."""
        chunks = list(self.transcript.children)
        wanted = [lines[k : k + _CHUNK] for k in range(0, len(lines), _CHUNK)]
        for k, part in enumerate(wanted):
            if k == len(chunks):
                # never shrunk to fit the scrolling box: the box scrolls, the lines stay whole
                chunks.append(W.VBox(part, layout=W.Layout(flex="0 0 auto", width="100%")))
            elif len(chunks[k].children) != len(part) or any(
                a is not b for a, b in zip(chunks[k].children, part, strict=True)
            ):
                chunks[k].children = part
        for extra in chunks[len(wanted) :]:
            extra.close()
        chunks = chunks[: len(wanted)]
        if len(chunks) != len(self.transcript.children):
            self.transcript.children = chunks

    @property
    def lines(self) -> list[W.Widget]:
        """The transcript's line widgets, in order."""
        return [line for chunk in self.transcript.children for line in chunk.children]

    def _draw_lines(self, lines: list[TranscriptEntry]) -> None:
        """Show ``lines``, reusing the widget of each line drawn before as it is now."""
        context = tuple(sorted(self._static_refused.items()))
        drawn: dict[tuple[object, ...], W.Widget] = {}
        children = []
        for entry in lines:
            d = entry.delivery
            key: tuple[object, ...] = (
                entry.at,
                entry.kind,
                entry.author,
                entry.text,
                entry.action,
                entry.tweet_id,  # a written line never changes, but for its send's state
                entry.deleted_at,  # and its author deleting the post
                None if d is None else (d.state, d.x_id, d.reason),
                context if entry.kind is EntryKind.INBOUND else None,
            )
            while key in drawn:  # the same line twice: each its own widget
                key = (*key, "again")
            widget = self._drawn.pop(key, None) or self._line(entry)
            drawn[key] = widget
            children.append(widget)
        self._show_chunked(children)
        for stale in self._drawn.values():
            stale.close()
        self._drawn = drawn

    def _line(self, entry: TranscriptEntry) -> W.Widget:
        body = W.HTML(line_html(entry, self._sandbox_url), layout=W.Layout(width="100%"))
        delivery = entry.delivery
        if delivery is not None and delivery.state is DeliveryState.FAILED:
            retry = _button(_("Retry"), "wb-retry", "redo", tip=_("send it again as it is"))
            retry.layout = W.Layout(width="auto", min_width="72px")
            retry.on_click(lambda _: self.retry_send(delivery.key))
            edit = _button(
                _("Edit"), "wb-edit", "pencil", tip=_("put it in the reply box to change")
            )
            edit.layout = W.Layout(width="auto", min_width="64px")
            edit.on_click(lambda _: self.edit_failed(entry))
            return W.HBox([body, retry, edit], layout=W.Layout(align_items="flex-start"))
        if entry.kind is not EntryKind.INBOUND or not entry.tweet_id or entry.action == "dm":
            return body  # a DM is answered by DM, from the composer
        if entry.deleted:
            return body  # its author deleted it: nothing is done to it any more
        tweet_id = entry.tweet_id
        refused = self._refusals(tweet_id)
        buttons = []
        for kind, icon_name, css, tip, press in (
            (
                "reply",
                "reply",
                "wb-line-reply",
                _("reply to this message"),
                lambda: self.target_message(tweet_id, "reply"),
            ),
            (
                "dm",
                "envelope",
                "wb-line-dm",
                _("direct message about this message"),
                lambda: self.target_message(tweet_id, "dm"),
            ),
            (
                "quote",
                "quote-left",
                "wb-line-quote",
                _("quote this message"),
                lambda: self.target_message(tweet_id, "quote"),
            ),
            (
                "retweet",
                "retweet",
                "wb-line-retweet",
                _("retweet this message"),
                lambda: self.retweet(tweet_id),
            ),
            (
                "like",
                "heart",
                "wb-line-like",
                _("favorite this message"),
                lambda: self.like(tweet_id),
            ),
        ):
            reason = refused.get(kind)
            b = W.Button(
                icon=icon_name,
                tooltip=refusal(reason) if reason else tip,
                disabled=reason is not None,
                layout=_SMALL,
            )
            b.add_class(css)
            b.on_click(lambda _, press=press: press())
            buttons.append(b)
        return W.HBox([body, *buttons], layout=W.Layout(align_items="flex-start"))

    def _plan_refusals(self, it: Interaction, contact: Contact) -> dict[str, str]:
        """What the plan and the contact refuse whatever the message: dm, quote, like,
        retweet, follow, unfollow, with the reason."""
        reasons = {
            "dm": self.ws.dm_refused(it, contact),
            **{a: self.ws.refused(a) for a in ("quote", "like", "retweet", "follow", "unfollow")},
        }
        return {kind: why for kind, why in reasons.items() if why}

    def _refusals(self, tweet_id: str | None = None) -> dict[str, str]:
        """What would be refused now for the customer message ``tweet_id`` (None: the latest),
        by kind (reply, dm, quote, like, ...), with the reason."""
        if self._it is None:
            return {}
        reply = self.ws.reply_refused(self._it, self._lines, tweet_id)
        return {**self._static_refused, **({"reply": reply} if reply else {})}

    def _sync_plan(self) -> None:
        """Disable what the plan refuses (Favorite, Follow/Unfollow), the reason as tooltip;
        mark refused kinds in the reply-kind menu; then the Send button."""
        refused = self._refusals(self.target_tweet)
        read_only = self._it is None or self._it.state is not State.ACCEPTED
        follow = "follow" if self.follow_button.description == _("Follow") else "unfollow"
        for button, kind, tip in (
            (self.like_button, "like", _("Favorite")),
            (self.retweet_button, "retweet", _("Retweet")),
            (self.follow_button, follow, self.follow_button.description),
        ):
            reason = refused.get(kind)
            button.disabled = read_only or reason is not None
            button.tooltip = refusal(reason) if reason else tip
        self.refused_kinds = {k: refused[k] for _, k in REPLY_KINDS if k in refused}
        self.reply_kind.icons = [
            REFUSED_ICON if k in self.refused_kinds else "" for _, k in REPLY_KINDS
        ]
        self.reply_kind.tooltips = [
            refusal(self.refused_kinds[k]) if k in self.refused_kinds else _(label)
            for label, k in REPLY_KINDS
        ]
        self._budget_warning = self.ws.budget_warning()
        self._sync_send()

    def _sync_send(self) -> None:
        """Send is enabled when the text is sendable and the chosen kind is not refused; the
        reason for a refused kind is shown at once, before the agent types."""
        closed = self.done_button.disabled
        kind = self.reply_kind.value
        reason = self.refused_kinds.get(kind)
        if kind == "reply" and self._it is not None:  # the reply's target may have moved
            reason = self.ws.reply_refused(self._it, self._lines, self.target_tweet)
        self.send_button.disabled = closed or reason is not None or not self.composer.sendable
        self.send_button.tooltip = refusal(reason) if reason else _("Send")
        self.send_reason.value = (
            f'<span class="wb-muted" style="color:#b00">{esc(refusal(reason))}</span>'
            if reason and not closed
            else ""
        )
        self._sync_cost(closed or reason is not None)

    def _sync_cost(self, hidden: bool) -> None:
        """Say what the send will cost (pay-per-use) and warn once the day's X budget is spent;
        neither stops the send."""
        if hidden:
            self.send_cost.value = ""
            return
        cost = self.ws.send_cost(self.reply_kind.value, self.composer.text.value)
        parts = []
        if cost:
            parts.append(f'<span class="wb-muted">{esc(cost)}</span>')
        if self._budget_warning:
            warning = self._budget_warning
            said = _("{warning}; it still goes out.").format(warning=warning)
            parts.append(f'<span style="color:#9a6700">{esc(said)}</span>')
        self.send_cost.value = "<br>".join(parts)

    def _run(self, what: str, action: Callable[[], object], ok: str | None = None) -> bool:
        from workbench.widgets._refusal import refused

        try:
            action()
        except Exception as exc:  # every refusal is shown to the agent, said plainly; logged
            said = refused(what, exc)
            self.message.value = f'<span style="color:#b00">{html.escape(said)}</span>'
            return False
        # The workspace said it changed: the view has redrawn already.
        said = ok or _("{what} done").format(what=what)
        self.message.value = f'<span style="color:#1a7f37">{esc(said)}</span>'
        return True

    def _set_participants(
        self, it: Interaction, contact: Contact, lines: list[TranscriptEntry]
    ) -> None:
        """Offer the thread's participants as the reply's mentions; someone new in the thread
        is added, those the agent dropped stay dropped."""
        everyone = thread_participants(
            lines, contact.username, it.timeline or self.ws.settings.brand
        )
        if everyone == self._participants:
            return
        new = [p for p in everyone if p not in self._participants]
        kept = [p for p in self.mentions.value if p in everyone]
        self._participants = everyone
        self.mentions.allowed_tags = everyone
        self.mentions.value = [p for p in everyone if p in kept or p in new]
        self._sync_mentions()

    def _sync_mentions(self) -> None:
        """Show the mentions for a reply only, and count them in the counter."""
        from workbench.text import reply_text

        it = self._it
        is_reply = self.reply_kind.value == "reply" and it is not None
        is_reply = is_reply and it is not None and it.channel is Channel.MENTION
        self.mentions_row.layout.display = None if is_reply else "none"
        names = list(self.mentions.value)
        brand = (it.timeline if it else "") or self.ws.settings.brand
        kind = self.reply_kind.value
        self.composer.counting(
            (lambda text: reply_text(text, names[0], names[1:], brand_username=brand))
            if is_reply and names
            else None,
            dm=kind == "dm",
        )
        self.composer.text.placeholder = _(PLACEHOLDERS.get(kind, PLACEHOLDERS["reply"]))
        self._sync_send()

    def _tell_refused(self, lines: list[TranscriptEntry]) -> None:
        """Say it at once when X refused one of this interaction's sends (once each; those
        already refused when the view opened show in the transcript only)."""
        refused = {
            e.delivery.key: e
            for e in lines
            if e.delivery is not None and e.delivery.state is DeliveryState.FAILED
        }
        fresh = [] if self._refused_told is None else sorted(set(refused) - self._refused_told)
        self._refused_told = set(refused)
        if fresh:
            entry = refused[fresh[-1]]
            reason = entry.delivery.reason if entry.delivery else ""
            said = _("Your {action} was not sent: {reason}. Retry, or Edit it.").format(
                action=_(LINE_ACTIONS.get(entry.action, entry.action)),
                reason=refusal(reason) if reason else _("refused by X"),
            )
            self.message.value = f'<span style="color:#b00">{esc(said)}</span>'

    # --- the agent's actions (every button calls one of these) ---------------------------

    def retry_send(self, key: str) -> bool:
        """Send a refused message again, as it was."""
        return self._run(
            _("Retry"), lambda: self.ws.retry_send(self.interaction_id, key), _("Queued again")
        )

    def edit_failed(self, entry: TranscriptEntry) -> None:
        """Put a refused message in the composer (its kind chosen) to change and send anew."""
        kinds = {k for _, k in REPLY_KINDS}
        if entry.action in kinds:
            self.reply_kind.value = entry.action
        text = entry.details.get("text") if isinstance(entry.details.get("text"), str) else None
        self.composer.text.set_text(text if text is not None else entry.text)
        said = esc(_("Edit the message, then Send."))
        self.message.value = f'<span class="wb-muted">{said}</span>'

    def target_message(self, tweet_id: str | None, kind: str = "reply") -> None:
        """Aim the composer at one customer message of the thread (None: the interaction)."""
        self.target_tweet = tweet_id
        self.reply_kind.value = kind
        to = _("to message {id}").format(id=tweet_id)
        self.target.value = f'<span class="wb-muted">{esc(to)}</span>' if tweet_id else ""
        self._sync_send()

    def _on_send(self, text: str) -> None:
        """The page's Send, with the reply box's text as the agent sees it."""
        self.send(text)

    def send(self, text: str | None = None) -> bool:
        """Send ``text`` (default: the reply box's) as the chosen kind; on success the box
        loses that text (what the agent typed since stays)."""
        text = self.composer.text.value if text is None else text
        kind = self.reply_kind.value
        tid = self.target_tweet
        calls = {
            "reply": lambda: self.ws.reply(
                self.interaction_id, text, tweet_id=tid, mentions=list(self.mentions.value)
            ),
            "dm": lambda: self.ws.dm(self.interaction_id, text),
            "quote": lambda: self.ws.quote(self.interaction_id, text, tweet_id=tid),
        }
        if self._run(_(dict((v, k) for k, v in REPLY_KINDS)[kind]), calls[kind], _("Sent")):
            self.composer.text.sent(text)
            self.target_message(None, kind)  # the next message is of the same kind
            return True
        return False

    def retweet(self, tweet_id: str | None = None) -> bool:
        return self._run(
            _("Retweet"), lambda: self.ws.retweet(self.interaction_id, tweet_id=tweet_id)
        )

    def like(self, tweet_id: str | None = None) -> bool:
        return self._run(
            _("Favorite"), lambda: self.ws.like(self.interaction_id, tweet_id=tweet_id)
        )

    def toggle_follow(self) -> bool:
        if self.follow_button.description == _("Follow"):
            ok = self._run(_("Follow"), lambda: self.ws.follow(self.interaction_id))
            if ok:
                self.follow_button.description = _("Unfollow")
                self.follow_button.icon = "user-times"
        else:
            ok = self._run(_("Unfollow"), lambda: self.ws.unfollow(self.interaction_id))
            if ok:
                self.follow_button.description, self.follow_button.icon = _("Follow"), "user-plus"
        self._sync_plan()
        return ok

    def call(self, outcome: str | None = None) -> bool:
        outcome = outcome or self.call_outcome.value
        return self._run(_("Call"), lambda: self.ws.call(self.interaction_id, outcome=outcome))

    def email(self, subject: str | None = None, body: str | None = None) -> bool:
        subject = subject or _("About your message: {subject}").format(
            subject=self.interaction.subject[:60]
        )
        body = body if body is not None else self.composer.text.value
        return self._run(_("E-mail"), lambda: self.ws.email(self.interaction_id, subject, body))

    def insert_standard_response(self, name: str | None = None) -> bool:
        name = name or self.standard.value
        if not name:
            said = esc(_("Choose a standard response first."))
            self.message.value = f'<span style="color:#b00">{said}</span>'
            return False

        def insert() -> None:
            text = self.ws.insert_standard_response(self.interaction_id, name)
            self.composer.text.set_text((self.composer.text.value + " " + text).strip())

        return self._run(_("Standard response"), insert, _("Inserted"))

    def transfer(self, to_agent: str | None = None, to_queue: str | None = None) -> bool:
        if to_agent is None and to_queue is None:
            to_agent = self.agent_pick.value or None
            to_queue = None if to_agent else self.queue_pick.value
        ok = self._run(
            _("Transfer"),
            lambda: self.ws.transfer(self.interaction_id, to_agent=to_agent, to_queue=to_queue),
        )
        if ok and self._on_closed:
            self._on_closed(self.interaction_id)
        return ok

    def conference(self, agent: str | None = None) -> bool:
        agent = agent or self.agent_pick.value
        return self._run(_("Conference"), lambda: self.ws.conference(self.interaction_id, agent))

    def consult(self, agent: str | None = None, channel: str | None = None) -> bool:
        agent = agent or self.agent_pick.value
        channel = channel or self.consult_channel.value
        return self._run(
            _("Consultation"), lambda: self.ws.consult(self.interaction_id, agent, channel=channel)
        )

    def _on_disposition(self, change: dict[str, Any]) -> None:
        """A disposition picked is stored at once (with the note as written so far): the
        interaction holds it, every redraw shows it, and Done finds it."""
        code = change["new"]
        if self._loading or code is None or code == change["old"]:
            return
        if self._it is not None and self._it.disposition == code:
            return
        self._run(
            _("Disposition"),
            lambda: self.ws.set_disposition(self.interaction_id, code, self.note.value),
            _("Disposition set"),
        )

    def _on_sentiment(self, change: dict[str, Any]) -> None:
        if not self._loading and change["new"] != change["old"]:
            self._run(
                _("Sentiment"),
                lambda: self.ws.correct(self.interaction_id, sentiment=change["new"]),
            )

    def _on_actionability(self, change: dict[str, Any]) -> None:
        if not self._loading and change["new"] != change["old"]:
            self._run(
                _("Actionability"),
                lambda: self.ws.correct(self.interaction_id, actionability=change["new"]),
            )

    def next_reply_kind(self) -> None:
        """The next of Reply, Direct Message, Quote Tweet (the reply-kind menu's shortcut)."""
        values = [value for _, value in REPLY_KINDS]
        at = values.index(self.reply_kind.value) if self.reply_kind.value in values else -1
        self.reply_kind.value = values[(at + 1) % len(values)]

    def tick(self) -> None:
        """Show the customer's wait as of now."""
        it = self._it
        if it is None:
            return
        threshold = float(self.ws.settings["WORKBENCH_SL_THRESHOLD"])
        shown = f"{STYLE}{wait_html(it, threshold)}"
        if self.timer.value != shown:
            self.timer.value = shown

    def pend(self) -> bool:
        """Pending customer: into the workbin until the customer answers."""
        ok = self._run(
            _("Pending customer"),
            lambda: self.ws.pend(self.interaction_id),
            _("Waiting on the customer: in your workbin"),
        )
        if ok and self._on_closed:
            self._on_closed(self.interaction_id)
        return ok

    def done(self) -> bool:
        code = self.disposition.value
        note = self.note.value

        def finish() -> None:
            it = self.ws.interaction(self.interaction_id)
            if code and (code != it.disposition or note != (it.note or "")):
                self.ws.set_disposition(self.interaction_id, code, note)
            self.ws.done(self.interaction_id)

        ok = self._run(_("Done"), finish, _("Marked done"))
        if ok and self._on_closed:
            self._on_closed(self.interaction_id)
        return ok

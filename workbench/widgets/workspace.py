"""The agent's workspace: state, offer toasts, a tab per interaction, the workbin (what waits on
the customer), and Post a tweet. Toasts and views show each customer's wait; a clock redraws
those timers while the view is live."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from workbench.domain import Interaction
from workbench.domain.agent import LOGGED_IN
from workbench.i18n import N_, _, ngettext, refusal
from workbench.routing import AgentState
from workbench.widgets._html import STYLE, esc, reason_text, subject_html, when
from workbench.widgets._keys import Shortcuts, help_html
from workbench.widgets._live import LiveLoop
from workbench.widgets._redraw import Redraw
from workbench.widgets.interaction import InteractionView
from workbench.widgets.post_tweet import PostTweetForm
from workbench.widgets.toast import OfferToast
from workbench.workspace import Workspace

_READY, _NOT_READY = "Ready", "Not Ready"
STATE_LABELS = {_READY: N_("Ready"), _NOT_READY: N_("Not Ready")}
CLOCK_INTERVAL = 10.0
"""Seconds between redraws of the wait timers (they count minutes)."""
QUIET_REASONS = frozenset({"", "break", LOGGED_IN})
"""Not Ready reasons the agent chose here (the state buttons) or starts with: not repeated to
them. Any other (the router's "missed 2 offers in a row", "signed out", a supervisor's) is
said in the bar under the header."""


def not_ready_html(reason: str) -> str:
    """What the agent is told when something else set them Not Ready, and how to go back."""
    said = _("You are Not Ready: {reason}. Choose Ready to take offers again.").format(
        reason=reason_text(reason)
    )
    return f'<div class="wb-state-notice" role="status">{esc(said)}</div>'


def workbin_line_html(it: Interaction, username: str) -> str:
    """One parked interaction: who, what, until when it waits on them."""
    back = _(" · back to the queue {when}")
    until = back.format(when=when(it.pending_until)) if it.pending_until else ""
    waiting = _("waiting on the customer") + until
    return (
        f'{STYLE}<div class="wb-card"><b>@{esc(username)}</b> '
        f'<span class="wb-muted">{esc(waiting)}</span>'
        f"<div>{subject_html(it)}</div></div>"
    )


class AgentWorkspaceView(W.VBox):
    """Renders a ``Workspace`` and redraws whenever it says it changed (``revision``). Live runs
    the workspace's live loop, which polls as soon as the store changes (at least every
    ``interval`` seconds)."""

    def __init__(self, ws: Workspace, interval: float = 2.0, live: bool = True) -> None:
        self.ws = ws
        self.interval = interval
        self.state = W.ToggleButtons(
            options=[(_(STATE_LABELS[s]), s) for s in (_READY, _NOT_READY)], value=_NOT_READY
        )
        self.state.add_class("wb-agent-state")
        self.state.observe(self._on_state, names="value")
        self.status = W.HTML()
        self.status.add_class("wb-status")
        self.notice = W.HTML()
        """Why the agent is Not Ready when they did not choose it (missed offers, signed out,
        a supervisor), empty otherwise."""
        self.notice.add_class("wb-state-reason")
        self.toasts = W.VBox()
        self.toasts.add_class("wb-toasts")
        self.tabs = W.Tab()
        self.tabs.add_class("wb-interactions")
        self.workbin = W.VBox()
        """The agent's interactions waiting on the customer, each with Resume."""
        self.workbin.add_class("wb-workbin")
        self._workbin: dict[str, tuple[W.HBox, W.HTML, str]] = {}
        """Parked interaction -> its row, the row's text and the contact's username."""
        self._workbin_title = W.HTML("<b>" + html.escape(_("Workbin")) + "</b>")
        self.post_form = PostTweetForm(
            ws.timelines,
            ws.post_tweet,
            lambda text: ws.send_cost("post", text),
            ws.post_delivery,
        )
        self.live = W.Checkbox(
            value=False,
            description=_("Live"),
            indent=False,
            layout=W.Layout(width="auto"),  # not the 300 px a checkbox takes by default
        )
        self.live.observe(self._on_live, names="value")
        self.shortcuts = Shortcuts()
        self.shortcuts.on_shortcut(self.shortcut)
        self.help = W.HTML(f"{STYLE}{help_html()}", layout=W.Layout(display="none"))
        self.help.add_class("wb-help-overlay")
        self.help_button = W.Button(
            description=_("Shortcuts"),
            icon="keyboard-o",
            tooltip=_("keyboard shortcuts (Alt+H)"),
        )
        self.help_button.add_class("wb-help-button")
        self.help_button.on_click(lambda _: self.toggle_help())
        self._started = False  # whether this view started the workspace's live loop
        self._drawing = False
        self._toasts: dict[str, OfferToast] = {}
        self._views: dict[str, InteractionView] = {}
        who = _("Agent {name}").format(name=ws.agent)
        header = W.HBox(
            [
                W.HTML(f"<b>{html.escape(who)}</b>&nbsp;"),
                self.state,
                self.live,
                self.help_button,
                self.status,
                self.shortcuts,
            ]
        )
        super().__init__(
            [
                header,
                self.notice,
                self.help,
                self.toasts,
                self.tabs,
                self.workbin,
                W.HTML("<hr>"),
                self.post_form,
            ]
        )
        self.add_class("wb-workspace")
        self._redraw = Redraw(self.sync, self._show_error)
        ws.observe(self._redraw, "revision")  # before the tabs' views observe it: drawn first
        self._clock = LiveLoop(self.tick, CLOCK_INTERVAL, self._show_error)
        self.sync()
        self.live.value = live

    def _show_error(self, message: str) -> None:
        self.status.value = f'<span style="color:#b00">{html.escape(message)}</span>'

    # --- the agent's state and the live loop ----------------------------------------------

    def _on_state(self, change: dict[str, Any]) -> None:
        if not self._drawing:
            self._take(change["new"])

    def _take(self, choice: str) -> None:
        try:
            if choice == _READY:
                self.ws.ready()
            else:
                self.ws.not_ready("break")
            self.poll()
        except Exception as exc:  # shown to the agent, named
            self._show_error(refusal(exc))

    def ready(self) -> None:
        self._choose(_READY)

    def not_ready(self) -> None:
        self._choose(_NOT_READY)

    def _choose(self, choice: str) -> None:
        if self.state.value == choice:
            self._take(choice)  # shown already (the agent was so before): say it again
        else:
            self.state.value = choice

    def _on_live(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self._started = self._started or not self.ws.live
            self.ws.start(self.interval)
            self._clock.start()
        else:
            self.ws.stop()
            self._clock.stop()
            self._started = False

    # --- drawing the model ----------------------------------------------------------------

    def poll(self) -> None:
        """Ask the workspace for new offers and updates; it says so and the view redraws."""
        self.ws.poll()

    def sync(self) -> None:
        """Redraw from the workspace: its state, a toast per offer, a tab per interaction."""
        self._drawing = True
        try:
            self.state.value = _READY if self.ws.state is AgentState.READY else _NOT_READY
        finally:
            self._drawing = False
        reason = self.ws.reason if self.ws.state is AgentState.NOT_READY else ""
        notice = "" if reason in QUIET_REASONS else STYLE + not_ready_html(reason)
        if self.notice.value != notice:
            self.notice.value = notice
        offers = {it.id: it for it in self.ws.offers}
        for gone in set(self._toasts) - set(offers):
            self._toasts.pop(gone).close()
        labels: dict[str, str] | None = None  # the queues' labels, read for a new toast only
        for iid, it in offers.items():
            if iid not in self._toasts:
                if labels is None:
                    labels = {q.name: _(q.label or q.name) for q in self.ws.queues()}
                self._toasts[iid] = OfferToast(
                    it,
                    self.ws.contact(iid),
                    on_accept=self.accept,
                    on_reject=self.reject,
                    threshold=float(self.ws.settings["WORKBENCH_SL_THRESHOLD"]),
                    queue=labels.get(it.queue or ""),
                )
        self.toasts.children = [self._toasts[i] for i in offers]

        mine = [it.id for it in self.ws.interactions]
        # An offer's view is built while its toast shows: Accept then only shows it in a tab.
        for gone in set(self._views) - set(mine) - set(offers):
            self._views.pop(gone).close()
        for iid in [*mine, *offers]:
            if iid not in self._views:
                self._views[iid] = InteractionView(self.ws, iid, on_closed=self._closed)
        selected = self.tabs.selected_index
        self.tabs.children = [self._views[i] for i in mine]
        self.tabs.titles = tuple(self._views[i].title for i in mine)
        if self.tabs.children:
            self.tabs.selected_index = min(selected or 0, len(self.tabs.children) - 1)
        self.tabs.layout.display = "" if self.tabs.children else "none"  # no empty frame
        self._draw_workbin()
        self.post_form.refresh()  # the last post's line: queued, sent or refused
        waiting = len(self.ws.workbin)
        parked = " · " + _("{n} waiting on customers").format(n=waiting) if self.ws.workbin else ""
        said = (
            ngettext("{n} offered", "{n} offered", len(offers)).format(n=len(offers))
            + " · "
            + ngettext("{n} open", "{n} open", len(mine)).format(n=len(mine))
        )
        self.status.value = f'<span style="color:#666">{html.escape(said + parked)}</span>'

    def _draw_workbin(self) -> None:
        parked = {it.id: it for it in self.ws.workbin}
        for gone in set(self._workbin) - set(parked):
            self._workbin.pop(gone)[0].close()
        for iid, it in parked.items():
            if iid not in self._workbin:
                resume = W.Button(
                    description=_("Resume"), icon="undo", tooltip=_("take it back now")
                )
                resume.add_class("wb-resume")
                resume.on_click(lambda _, i=iid: self.resume(i))
                line = W.HTML()
                self._workbin[iid] = (W.HBox([line, resume]), line, self.ws.contact(iid).username)
            _row, line, username = self._workbin[iid]
            shown = workbin_line_html(it, username)  # its subject or wait may have changed
            if line.value != shown:
                line.value = shown
        rows = [self._workbin[i][0] for i in parked]
        self.workbin.children = [self._workbin_title, *rows] if rows else []

    def tick(self) -> None:
        """Redraw the customers' wait timers (toasts and open views) as of now."""
        for toast in self._toasts.values():
            toast.tick()
        for view in self._views.values():
            view.tick()

    def resume(self, interaction_id: str) -> None:
        """Take an interaction back from the workbin."""
        try:
            self.ws.resume(interaction_id)
        except Exception as exc:
            self._show_error(refusal(exc))

    # --- the offers -----------------------------------------------------------------------

    def accept(self, interaction_id: str) -> None:
        try:
            self.ws.accept(interaction_id)
        except Exception as exc:
            self._show_error(refusal(exc))
        if interaction_id in self._views:
            self.tabs.selected_index = self.tabs.children.index(self._views[interaction_id])
            self.shortcuts.focus(f".wb-view-{interaction_id} .wb-reply-text textarea")

    # --- the keyboard -----------------------------------------------------------------------

    def shortcut(self, name: str, text: str | None = None) -> None:
        """Do what the shortcut ``name`` (``_keys.SHORTCUTS``) stands for; nothing when it
        has nothing to act on (no offer, no open interaction). ``text``: the reply box's text
        as the page had it when the key was pressed."""
        view = self.current_view()
        first = next(iter(self._toasts.values()), None) if self.toasts.children else None
        if name == "accept" and first is not None:
            first.accept()
        elif name == "reject" and first is not None:
            first.reject()
        elif name == "send" and view is not None:
            view.send(text)
        elif name == "done" and view is not None:
            view.done()
        elif name == "kind" and view is not None:
            view.next_reply_kind()
            self.shortcuts.focus(f".wb-view-{view.interaction_id} .wb-reply-kind button")
        elif name == "next" and self.tabs.children:
            self.tabs.selected_index = ((self.tabs.selected_index or 0) + 1) % len(
                self.tabs.children
            )
            shown = self.current_view()
            if shown is not None:
                self.shortcuts.focus(f".wb-view-{shown.interaction_id} .wb-reply-text textarea")
        elif name == "help":
            self.toggle_help()

    def current_view(self) -> InteractionView | None:
        """The interaction shown in the selected tab."""
        children = self.tabs.children
        index = self.tabs.selected_index
        if not children or index is None or index >= len(children):
            return None
        view = children[index]
        return view if isinstance(view, InteractionView) else None

    def toggle_help(self) -> None:
        shown = self.help.layout.display != "none"
        self.help.layout.display = "none" if shown else ""

    def reject(self, interaction_id: str) -> None:
        try:
            self.ws.reject(interaction_id)
        except Exception as exc:
            self._show_error(refusal(exc))

    def _closed(self, _interaction_id: str) -> None:
        self.sync()

    def view(self, interaction_id: str) -> InteractionView:
        return self._views[interaction_id]

    def close(self) -> None:
        self._redraw.closed = True
        self.ws.unobserve(self._redraw)
        self._clock.stop()
        for row, _line, _name in self._workbin.values():
            row.close()
        self._workbin_title.close()
        if self._started:
            self.ws.stop()
            self._started = False
        for view in self._views.values():
            view.close()
        for toast in self._toasts.values():
            toast.close()
        super().close()

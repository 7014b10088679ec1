"""The supervisor's actions from the dashboard: Not Ready an agent, requeue or transfer an
interaction (one of those the drill-down lists), close many of those listed at once."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as W
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.i18n import _, ngettext, refusal
from workbench.supervisor import SupervisorActions
from workbench.widgets._html import esc


class SupervisorActionsForm(W.VBox):
    """Buttons call ``set_not_ready()``, ``requeue()``, ``transfer()``, and for a bulk close
    ``close_selected()`` or ``close_all_shown()`` then ``confirm_close()`` (or
    ``cancel_close()``); ``after()`` runs after each action that succeeded (the dashboard
    refreshes), ``after_close()`` after a close (default: ``after``; the dashboard lists the
    drill-down again)."""

    def __init__(
        self,
        actions: SupervisorActions,
        after: Callable[[], None],
        after_close: Callable[[], None] | None = None,
    ) -> None:
        self.actions = actions
        self._after = after
        self._after_close = after_close or after
        self.shown: list[str] = []
        """The open interactions the drill-down lists (what "Close all shown" closes)."""
        self.pending_close: list[str] = []
        """What the confirmation asks about (empty: nothing asked)."""
        self._pending_code: str | None = None
        self.agent = W.Dropdown(options=[], description=_("agent"), layout=W.Layout(width="200px"))
        self.agent.style.description_width = "50px"
        self.agent.add_class("wb-action-agent")
        self.reason = W.Text(
            value="",
            placeholder=_("reason (break, coaching...)"),
            layout=W.Layout(width="200px"),
        )
        self.reason.add_class("wb-action-reason")
        self.not_ready_button = W.Button(description=_("Set Not Ready"), icon="pause")
        self.not_ready_button.add_class("wb-not-ready")
        self.not_ready_button.on_click(lambda _: self.set_not_ready())
        self.interaction = W.Dropdown(
            options=[], description=_("interaction"), layout=W.Layout(width="360px")
        )
        self.interaction.style.description_width = "80px"
        self.interaction.add_class("wb-action-interaction")
        self.requeue_button = W.Button(description=_("Requeue"), icon="undo")
        self.requeue_button.add_class("wb-requeue")
        self.requeue_button.on_click(lambda _: self.requeue())
        self.target = W.Dropdown(options=[], description=_("to"), layout=W.Layout(width="200px"))
        self.target.style.description_width = "30px"
        self.target.add_class("wb-transfer-to")
        self.transfer_button = W.Button(description=_("Transfer"), icon="share")
        self.transfer_button.add_class("wb-transfer")
        self.transfer_button.on_click(lambda _: self.transfer())
        self._build_close()
        self.message = W.HTML()
        self.message.add_class("wb-action-message")
        title = _("Supervisor actions")
        who = _("(as {name})").format(name=actions.supervisor)
        super().__init__(
            [
                W.HTML(f"<b>{esc(title)}</b> {esc(who)}"),
                W.HBox([self.agent, self.reason, self.not_ready_button]),
                W.HBox([self.interaction, self.requeue_button, self.target, self.transfer_button]),
                W.HBox([self.close_list, W.VBox(self._close_controls)]),
                self.confirm_box,
                self.message,
            ]
        )
        self.add_class("wb-supervisor-actions")

    def _build_close(self) -> None:
        self.close_list = W.SelectMultiple(
            options=[], rows=5, description=_("close"), layout=W.Layout(width="360px")
        )
        self.close_list.style.description_width = "80px"
        self.close_list.add_class("wb-close-select")
        # The dispositions as the desk names them (their labels, in the reader's language).
        codes = [(_(d.label), d.code) for d in self.actions.dispositions()]
        self.close_disposition = W.Dropdown(
            options=codes, value=None, description=_("as"), layout=W.Layout(width="260px")
        )
        self.close_disposition.style.description_width = "30px"
        self.close_disposition.add_class("wb-close-disposition")
        # Another disposition than the one asked about: ask again.
        self.close_disposition.observe(lambda _: self.cancel_close(), names="value")
        self.close_note = W.Text(
            value="", placeholder=_("note (optional)"), layout=W.Layout(width="260px")
        )
        self.close_note.add_class("wb-close-note")
        self.close_selected_button = W.Button(description=_("Close selected"), icon="check")
        self.close_selected_button.add_class("wb-close-selected")
        self.close_selected_button.on_click(lambda _: self.close_selected())
        self.close_all_button = W.Button(description=_("Close all shown"), icon="check-square")
        self.close_all_button.add_class("wb-close-all")
        self.close_all_button.on_click(lambda _: self.close_all_shown())
        self._close_controls = [
            self.close_disposition,
            self.close_note,
            W.HBox([self.close_selected_button, self.close_all_button]),
        ]
        self.confirm_text = W.HTML()
        self.confirm_text.add_class("wb-close-question")
        self.confirm_button = W.Button(description=_("Yes, close them"), button_style="danger")
        self.confirm_button.add_class("wb-close-confirm")
        self.confirm_button.on_click(lambda _: self.confirm_close())
        self.cancel_button = W.Button(description=_("Cancel"))
        self.cancel_button.add_class("wb-close-cancel")
        self.cancel_button.on_click(lambda _: self.cancel_close())
        self.confirm_box = W.HBox([self.confirm_text, self.confirm_button, self.cancel_button])
        self.confirm_box.add_class("wb-close-confirmation")
        self.confirm_box.layout.display = "none"

    def set_choices(self, agents: list[str], queues: list[str]) -> None:
        if list(self.agent.options) != agents:
            keep = self.agent.value
            self.agent.options = agents
            self.agent.value = keep if keep in agents else (agents[0] if agents else None)
        targets = [(_("agent {name}").format(name=a), f"agent:{a}") for a in agents] + [
            (_("queue {name}").format(name=q), f"queue:{q}") for q in queues
        ]
        if list(self.target.options) != targets:
            keep = self.target.value
            self.target.options = targets
            values = [v for _, v in targets]
            self.target.value = keep if keep in values else (values[0] if values else None)

    def set_interactions(self, rows: pd.DataFrame) -> None:
        """The drill-down's rows: any of them to requeue or transfer, the open ones to close
        (a new list drops a question not answered yet)."""
        options = []
        for r in rows.itertuples(index=False):
            text = r.text if isinstance(r.text, str) else ""
            label = f"@{r.contact}: {text[:40]} ({r.state})"
            options.append((label, r.interaction_id))
        keep = self.interaction.value
        self.interaction.options = options
        ids = [v for _, v in options]
        self.interaction.value = keep if keep in ids else (ids[0] if ids else None)
        states = rows["state"].astype(object).tolist() if "state" in rows else ["?"] * len(rows)
        open_ = [o for o, state in zip(options, states, strict=True) if state != "done"]
        self.shown = [v for _, v in open_]
        self.close_list.value = ()
        self.close_list.options = open_
        self.cancel_close()

    def set_not_ready(self) -> None:
        agent = self.agent.value
        self._run(
            lambda: self.actions.set_not_ready(agent, self.reason.value),
            _("{agent} set Not Ready").format(agent=agent),
            needs_agent=True,
        )

    def requeue(self) -> None:
        iid = self.interaction.value
        if iid is None:
            self._say_error(_("interaction: click a bar or an agent, then pick one of the list"))
            return
        self._run(lambda: self.actions.requeue(iid), _("requeued"))

    def transfer(self) -> None:
        iid, target = self.interaction.value, self.target.value or ""
        if iid is None or not target:
            self._say_error(_("interaction and to: pick an interaction and where it goes"))
            return
        kind, _sep, name = target.partition(":")
        if kind == "agent":
            self._run(
                lambda: self.actions.transfer(iid, to_agent=name),
                _("transferred to {name}").format(name=name),
            )
        else:
            self._run(
                lambda: self.actions.transfer(iid, to_queue=name),
                _("transferred to queue {name}").format(name=name),
            )

    def close_selected(self) -> None:
        """Ask to close the interactions picked in the list."""
        self._ask_close(list(self.close_list.value), "picked")

    def close_all_shown(self) -> None:
        """Ask to close every open interaction the drill-down lists."""
        self._ask_close(list(self.shown), "shown")

    def _ask_close(self, ids: list[str], which: str) -> None:
        if not ids:
            self._say_error(
                _("close: no open interaction picked in the list")
                if which == "picked"
                else _("close: no open interaction in the list")
            )
            return
        code = self.close_disposition.value
        if not code:
            self._say_error(_("as: pick the disposition they close with"))
            return
        self.pending_close, self._pending_code = ids, code
        label = self._label(code)
        n = len(ids)
        question = ngettext(
            "Close {n} interaction as {label}?", "Close {n} interactions as {label}?", n
        ).format(n=n, label=label)
        after = ngettext("Done at once, whoever holds it.", "Done at once, whoever holds them.", n)
        self.confirm_text.value = f"<b>{esc(question)}</b> {esc(after)}"
        self.confirm_box.layout.display = "flex"
        self.message.value = ""

    def confirm_close(self) -> None:
        """Close what the question was about; the message line says what was done."""
        ids, code, note = self.pending_close, self._pending_code, self.close_note.value
        self.cancel_close()
        if not ids or code is None:
            self._say_error(_("close: nothing to confirm (pick interactions, then Close)"))
            return
        try:
            result = self.actions.close_many(ids, code, note)
        except (WorkbenchError, ValueError) as exc:
            self._say_error(refusal(exc))
            return
        colour = "#1a7f37" if not result.refused else "#9a6700"
        n, label = len(result.closed), self._label(code)
        said = ngettext(
            "Closed {n} interaction as {label}.", "Closed {n} interactions as {label}.", n
        ).format(n=n, label=label)
        if result.refused:
            reasons = "; ".join(f"{iid}: {why}" for iid, why in result.refused.items())
            said += " " + ngettext(
                "{n} not closed ({reasons}).", "{n} not closed ({reasons}).", len(result.refused)
            ).format(n=len(result.refused), reasons=reasons)
        self.message.value = f'<span style="color:{colour}">{esc(said)}</span>'
        if result.closed:
            self.close_note.value = ""
            self._after_close()

    def _label(self, code: str) -> str:
        """The disposition ``code`` as the dropdown names it."""
        return str(dict((v, k) for k, v in self.close_disposition.options).get(code, code))

    def cancel_close(self) -> None:
        self.pending_close, self._pending_code = [], None
        self.confirm_box.layout.display = "none"
        self.confirm_text.value = ""

    def _say_error(self, text: str) -> None:
        self.message.value = f'<span style="color:#cf222e">{esc(text)}</span>'

    def _run(self, do: Callable[[], object], done: str, needs_agent: bool = False) -> None:
        try:
            if self.agent.value is None and needs_agent:
                raise WorkbenchError(_("agent: pick an agent"))
            do()
        except (WorkbenchError, ValueError) as exc:
            self._say_error(refusal(exc))
            return
        self.message.value = f'<span style="color:#1a7f37">{esc(done)}</span>'
        self._after()

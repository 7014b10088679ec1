"""The supervisor's actions from the dashboard: Not Ready an agent, requeue or transfer an
interaction (one of those the drill-down lists)."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as W
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.supervisor import SupervisorActions
from workbench.widgets._html import esc


class SupervisorActionsForm(W.VBox):
    """Buttons call ``set_not_ready()``, ``requeue()`` and ``transfer()``; ``after()`` runs
    after each action that succeeded (the dashboard refreshes)."""

    def __init__(self, actions: SupervisorActions, after: Callable[[], None]) -> None:
        self.actions = actions
        self._after = after
        self.agent = W.Dropdown(options=[], description="agent", layout=W.Layout(width="200px"))
        self.agent.style.description_width = "50px"
        self.agent.add_class("wb-action-agent")
        self.reason = W.Text(
            value="", placeholder="reason (break, coaching...)", layout=W.Layout(width="200px")
        )
        self.reason.add_class("wb-action-reason")
        self.not_ready_button = W.Button(description="Set Not Ready", icon="pause")
        self.not_ready_button.add_class("wb-not-ready")
        self.not_ready_button.on_click(lambda _: self.set_not_ready())
        self.interaction = W.Dropdown(
            options=[], description="interaction", layout=W.Layout(width="360px")
        )
        self.interaction.style.description_width = "80px"
        self.interaction.add_class("wb-action-interaction")
        self.requeue_button = W.Button(description="Requeue", icon="undo")
        self.requeue_button.add_class("wb-requeue")
        self.requeue_button.on_click(lambda _: self.requeue())
        self.target = W.Dropdown(options=[], description="to", layout=W.Layout(width="200px"))
        self.target.style.description_width = "30px"
        self.target.add_class("wb-transfer-to")
        self.transfer_button = W.Button(description="Transfer", icon="share")
        self.transfer_button.add_class("wb-transfer")
        self.transfer_button.on_click(lambda _: self.transfer())
        self.message = W.HTML()
        self.message.add_class("wb-action-message")
        super().__init__(
            [
                W.HTML(f"<b>Supervisor actions</b> (as {esc(actions.supervisor)})"),
                W.HBox([self.agent, self.reason, self.not_ready_button]),
                W.HBox([self.interaction, self.requeue_button, self.target, self.transfer_button]),
                self.message,
            ]
        )
        self.add_class("wb-supervisor-actions")

    def set_choices(self, agents: list[str], queues: list[str]) -> None:
        if list(self.agent.options) != agents:
            keep = self.agent.value
            self.agent.options = agents
            self.agent.value = keep if keep in agents else (agents[0] if agents else None)
        targets = [(f"agent {a}", f"agent:{a}") for a in agents] + [
            (f"queue {q}", f"queue:{q}") for q in queues
        ]
        if list(self.target.options) != targets:
            keep = self.target.value
            self.target.options = targets
            values = [v for _, v in targets]
            self.target.value = keep if keep in values else (values[0] if values else None)

    def set_interactions(self, rows: pd.DataFrame) -> None:
        options = []
        for r in rows.itertuples(index=False):
            text = r.text if isinstance(r.text, str) else ""
            label = f"@{r.contact}: {text[:40]} ({r.state})"
            options.append((label, r.interaction_id))
        self.interaction.options = options
        self.interaction.value = options[0][1] if options else None

    def set_not_ready(self) -> None:
        agent = self.agent.value
        self._run(
            lambda: self.actions.set_not_ready(agent, self.reason.value), f"{agent} set Not Ready"
        )

    def requeue(self) -> None:
        iid = self.interaction.value
        if iid is None:
            self._say_error("interaction: click a bar or an agent, then pick one of the list")
            return
        self._run(lambda: self.actions.requeue(iid), "requeued")

    def transfer(self) -> None:
        iid, target = self.interaction.value, self.target.value or ""
        if iid is None or not target:
            self._say_error("interaction and to: pick an interaction and where it goes")
            return
        kind, _, name = target.partition(":")
        if kind == "agent":
            self._run(lambda: self.actions.transfer(iid, to_agent=name), f"transferred to {name}")
        else:
            self._run(
                lambda: self.actions.transfer(iid, to_queue=name), f"transferred to queue {name}"
            )

    def _say_error(self, text: str) -> None:
        self.message.value = f'<span style="color:#cf222e">{esc(text)}</span>'

    def _run(self, do: Callable[[], object], done: str) -> None:
        try:
            if self.agent.value is None and "Not Ready" in done:
                raise WorkbenchError("agent: pick an agent")
            do()
        except (WorkbenchError, ValueError) as exc:
            self._say_error(str(exc))
            return
        self.message.value = f'<span style="color:#1a7f37">{esc(done)}</span>'
        self._after()

"""The desk as an app: a sign-in form (the agent's name and queues), then their workspace.

What ``workbench desk`` serves (Voila: no code cells, one kernel per agent's page). The form
holds no rules: ``workbench.workspace.desk.Desk`` checks the name and opens the workspace.
"""

from __future__ import annotations

import ipywidgets as W

from workbench.widgets._html import STYLE, esc
from workbench.widgets.workspace import AgentWorkspaceView
from workbench.workspace import Workspace
from workbench.workspace.desk import Desk


class DeskApp(W.VBox):
    """Sign in, work, sign out. ``sign_in()`` and ``sign_out()`` are the two buttons."""

    def __init__(self, desk: Desk, live: bool = True) -> None:
        self.desk = desk
        self.live = live
        self.ws: Workspace | None = None
        self.view: AgentWorkspaceView | None = None
        self.name = W.Text(placeholder="your agent name", description="Name")
        self.name.add_class("wb-sign-in-name")
        self.display_name = W.Text(placeholder="as colleagues see it", description="Shown as")
        self.display_name.add_class("wb-sign-in-display")
        queues = desk.queues()
        self.queues = W.SelectMultiple(
            options=[(q.label or q.name, q.name) for q in queues],
            value=[q.name for q in queues],
            description="Queues",
            rows=min(6, max(2, len(queues))),
        )
        self.queues.add_class("wb-sign-in-queues")
        hint = W.HTML('<span class="wb-muted">Ctrl-click to take only some queues</span>')
        self.sign_in_button = W.Button(
            description="Sign in", button_style="primary", icon="sign-in"
        )
        self.sign_in_button.add_class("wb-sign-in")
        self.sign_in_button.on_click(lambda _: self.sign_in())
        self.message = W.HTML()
        self.message.add_class("wb-message")
        self.form = W.VBox(
            [
                W.HTML(f"{STYLE}<h3>Agent desk</h3>"),
                self.name,
                self.display_name,
                self.queues,
                hint,
                self.sign_in_button,
                self.message,
            ]
        )
        self.form.add_class("wb-sign-in-form")
        self.sign_out_button = W.Button(description="Sign out", icon="sign-out")
        self.sign_out_button.add_class("wb-sign-out")
        self.sign_out_button.on_click(lambda _: self.sign_out())
        super().__init__([self.form])
        self.add_class("wb-desk")

    def sign_in(self) -> bool:
        """Open the agent's workspace from the form; a refusal is said in the form."""
        try:
            self.ws = self.desk.sign_in(
                self.name.value, self.display_name.value, list(self.queues.value)
            )
        except Exception as exc:  # every refusal is shown, named
            self.message.value = f'<span style="color:#b00">{esc(exc)}</span>'
            return False
        self.message.value = ""
        self.name.value = self.display_name.value = ""
        self.view = AgentWorkspaceView(self.ws, live=self.live)
        who = esc(self.ws.display_name or self.ws.agent)
        bar = W.HBox([W.HTML(f"Signed in as <b>{who}</b>&nbsp;"), self.sign_out_button])
        self.children = [bar, self.view]
        return True

    def sign_out(self) -> None:
        """Not Ready and back to the form."""
        if self.view is not None:
            self.view.close()
            self.view = None
        if self.ws is not None:
            ws, self.ws = self.ws, None
            self.desk.sign_out(ws)
        self.children = [self.form]

    def close(self) -> None:
        self.sign_out()
        super().close()

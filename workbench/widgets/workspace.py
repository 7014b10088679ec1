"""The agent's workspace: state, offer toasts, a tab per interaction, and Post a tweet."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from workbench.widgets._live import LiveLoop
from workbench.widgets.interaction import InteractionView
from workbench.widgets.post_tweet import PostTweetForm
from workbench.widgets.toast import OfferToast


class AgentWorkspaceView(W.VBox):
    """Renders a ``Workspace``; ``poll()`` fetches offers and updates (the live loop calls it)."""

    def __init__(self, ws: Any, interval: float = 2.0, live: bool = True) -> None:
        self.ws = ws
        self.state = W.ToggleButtons(options=["Ready", "Not Ready"], value="Not Ready")
        self.state.add_class("wb-agent-state")
        self.state.observe(self._on_state, names="value")
        self.status = W.HTML()
        self.status.add_class("wb-status")
        self.toasts = W.VBox()
        self.toasts.add_class("wb-toasts")
        self.tabs = W.Tab()
        self.tabs.add_class("wb-interactions")
        self.post_form = PostTweetForm(ws.timelines, ws.post_tweet)
        self.live = W.Checkbox(value=False, description="Live", indent=False)
        self.live.observe(
            lambda c: self._loop.start() if c["new"] else self._loop.stop(), names="value"
        )
        self._feed = ws.store.changes()
        self._loop = LiveLoop(self.poll, interval, self._show_error, wake=self._feed.wait)
        self._toasts: dict[str, OfferToast] = {}
        self._views: dict[str, InteractionView] = {}
        header = W.HBox(
            [
                W.HTML(f"<b>Agent {html.escape(ws.agent)}</b>&nbsp;"),
                self.state,
                self.live,
                self.status,
            ]
        )
        super().__init__([header, self.toasts, self.tabs, W.HTML("<hr>"), self.post_form])
        self.add_class("wb-workspace")
        self.sync()
        self.live.value = live

    def _show_error(self, message: str) -> None:
        self.status.value = f'<span style="color:#b00">{html.escape(message)}</span>'

    def _on_state(self, change: dict[str, Any]) -> None:
        if change["new"] == "Ready":
            self.ws.ready()
        else:
            self.ws.not_ready("break")
        self.poll()

    def ready(self) -> None:
        self.state.value = "Ready"

    def not_ready(self) -> None:
        self.state.value = "Not Ready"

    def poll(self) -> None:
        """Ask the workspace for new offers and updates, then redraw what changed."""
        self.ws.poll()
        self.sync()

    def sync(self) -> None:
        offers = {it.id: it for it in self.ws.offers}
        for gone in set(self._toasts) - set(offers):
            self._toasts.pop(gone).close()
        for iid, it in offers.items():
            if iid not in self._toasts:
                self._toasts[iid] = OfferToast(
                    it, self.ws.contact(iid), on_accept=self.accept, on_reject=self.reject
                )
        self.toasts.children = [self._toasts[i] for i in offers]

        mine = {it.id: it for it in self.ws.interactions}
        for gone in set(self._views) - set(mine):
            self._views.pop(gone).close()
        for iid in mine:
            if iid in self._views:
                self._views[iid].refresh()
            else:
                self._views[iid] = InteractionView(self.ws, iid, on_closed=self._closed)
        selected = self.tabs.selected_index
        self.tabs.children = [self._views[i] for i in mine]
        self.tabs.titles = tuple(f"@{self.ws.contact(i).username}" for i in mine)
        if self.tabs.children:
            self.tabs.selected_index = min(selected or 0, len(self.tabs.children) - 1)
        self.tabs.layout.display = "" if self.tabs.children else "none"  # no empty frame
        self.status.value = (
            f'<span style="color:#666">{len(offers)} offered · {len(mine)} open</span>'
        )

    def accept(self, interaction_id: str) -> None:
        try:
            self.ws.accept(interaction_id)
        except Exception as exc:
            self._show_error(str(exc))
        self.sync()
        if interaction_id in self._views:
            self.tabs.selected_index = list(self._views).index(interaction_id)

    def reject(self, interaction_id: str) -> None:
        try:
            self.ws.reject(interaction_id)
        except Exception as exc:
            self._show_error(str(exc))
        self.sync()

    def _closed(self, _interaction_id: str) -> None:
        self.sync()

    def view(self, interaction_id: str) -> InteractionView:
        return self._views[interaction_id]

    def close(self) -> None:
        self._loop.stop()
        self._feed.close()
        super().close()

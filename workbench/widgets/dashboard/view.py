"""The supervisor dashboard: filters, KPI strip, charts, per-agent table, drill-down and actions,
over a ``workbench.supervisor.DashboardModel`` (the view holds no store)."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
import pandas as pd

from workbench.i18n import _, format_datetime, ngettext, refusal
from workbench.supervisor import DashboardModel
from workbench.supervisor.model import Source
from workbench.widgets._live import LiveLoop
from workbench.widgets.dashboard.actions import SupervisorActionsForm
from workbench.widgets.dashboard.charts import ChartsPanel
from workbench.widgets.dashboard.controls import WINDOW_LABELS, DashboardFiltersForm, KpiPanel
from workbench.widgets.dashboard.queue import NextOffersPanel
from workbench.widgets.dashboard.tables import AgentTablePanel, DrillDownPanel, SpendPanel

WAKE_GAP = 1.0
"""A busy store redraws at most once a second, not on every event."""


class SupervisorDashboardView(W.VBox):
    """The live dashboard over ``model`` (a ``DashboardModel``; a ``Store`` or a function
    returning a ledger frame is wrapped in one).

    ``refresh()`` brings the model up to date from the store (only what changed) and the view
    redraws in place; with Live ticked it runs when the store's change feed wakes it (at most
    once every ``WAKE_GAP`` seconds) and at least every ``interval`` seconds.
    """

    def __init__(
        self,
        model: DashboardModel | Source,
        interval: float = 5.0,
        live: bool = True,
        supervisor: str = "supervisor",
        actions: bool = True,
    ) -> None:
        if not isinstance(model, DashboardModel):
            model = DashboardModel(model, supervisor)
        self.model = model
        snap = model.snapshot
        self.status = W.HTML()
        self.status.add_class("wb-status")
        self.refresh_button = W.Button(description=_("Refresh"), icon="refresh")
        self.refresh_button.add_class("wb-refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.live = W.Checkbox(value=False, description=_("Live"), indent=False)
        self.live.add_class("wb-live")
        self.live.observe(self._on_live, names="value")
        self.filters = DashboardFiltersForm(self._filter)
        self.kpis = KpiPanel()
        self.charts_panel = ChartsPanel(snap, self._bar)
        self.charts = self.charts_panel.charts
        self.agents = AgentTablePanel(self.drill_agent)
        self.drill = DrillDownPanel()
        self.next_offers = NextOffersPanel()
        self._drilled: tuple[str, dict[str, Any]] | None = None
        self.spend = SpendPanel()
        self.actions = (
            SupervisorActionsForm(model.actions, self.refresh, self._after_close)
            if actions and model.actions is not None
            else None
        )
        self._loop = LiveLoop(
            self.refresh, interval, self._show_error, wake=model.wake, min_gap=WAKE_GAP
        )
        lower = [self.next_offers, self.agents, self.spend, self.drill]
        lower += [self.actions] if self.actions else []
        super().__init__(
            [
                W.HBox([self.refresh_button, self.live, self.status]),
                self.filters,
                self.kpis,
                self.charts_panel,
                *lower,
            ]
        )
        self.add_class("wb-dashboard")
        model.observe(self._changed, "snapshot")
        self._draw(charts=False)  # the charts were built complete from this snapshot
        self.live.value = live

    # --- what a supervisor presses ----------------------------------------------------------

    def refresh(self) -> None:
        """Apply what changed in the store and redraw in place."""
        self.model.refresh()

    def click_bar(self, chart: str, trace: str, x: Any) -> None:
        """What a click on a bar does (``on_click`` of the volume or dispositions chart): ``x``
        is the volume bar's interval start, or the disposition's code."""
        self._bar(chart, trace, x)

    def drill_agent(self, agent: str) -> None:
        """List the interactions of ``agent`` in the window."""
        self._drill(_("Interactions of {agent}").format(agent=agent), agent=agent)

    # --- model -> view ------------------------------------------------------------------------

    def _filter(self, **changes: Any) -> None:
        try:
            self.model.set_filters(**changes)
        except Exception as exc:  # a bad range says so, in the form
            self._show_error(f"{type(exc).__name__}: {refusal(exc)}")

    def _bar(self, chart: str, trace: str, x: Any) -> None:
        if chart == "volume":
            start = pd.Timestamp(x, tz="UTC") if pd.Timestamp(x).tzinfo is None else pd.Timestamp(x)
            self._drill(
                _("{channel} arrived {when} (+{freq})").format(
                    channel=trace,
                    when=format_datetime(start.to_pydatetime()),
                    freq=self.model.snapshot.freq,
                ),
                channel=trace,
                interval=start,
            )
        elif chart == "dispositions":  # x: the disposition's code, shown by its label
            label = _(self.model.dispositions.get(str(x), str(x)))
            self._drill(_("Done as {disposition}").format(disposition=label), disposition=str(x))

    def _drill(self, title: str, **query: Any) -> None:
        """List ``model.interactions(**query)`` under ``title`` (remembered, to list again)."""
        self._drilled = (title, query)
        rows = self.model.interactions(**query)
        self.drill.show(title, rows)
        if self.actions is not None:
            self.actions.set_interactions(rows)

    def _after_close(self) -> None:
        """After a bulk close: refresh, and list the drill-down again (its rows changed)."""
        self.refresh()
        if self._drilled is not None:
            title, query = self._drilled
            self._drill(title, **query)

    def _changed(self, _change: object) -> None:
        self._draw()

    def _draw(self, charts: bool = True) -> None:
        snap = self.model.snapshot
        self.filters.set_options(snap.options)
        self.kpis.show(snap)
        if charts:
            self.charts_panel.show(snap)
        self.agents.show(snap.metrics["agents"].table)
        self.spend.show(
            snap.metrics["spend"], snap.metrics["cost_per_handled"], str(snap.kpis["plan_note"])
        )
        if self.model.store is not None:
            self.next_offers.show(self.model.next_offers(), float(snap.kpis["threshold"]))
        if self.actions is not None:
            self.actions.set_choices(
                snap.options.get("agent", []), snap.options.get("queues_known", [])
            )
        stamp = snap.now.strftime("%H:%M:%S UTC")
        n = len(snap.rows)
        said = ngettext(
            "updated {stamp} · {n} interaction in {window}",
            "updated {stamp} · {n} interactions in {window}",
            n,
        ).format(
            stamp=stamp, n=n, window=_(WINDOW_LABELS.get(snap.filters.window, snap.filters.window))
        )
        self.status.value = f'<span style="color:#57606a">{html.escape(said)}</span>'

    def _show_error(self, message: str) -> None:
        self.status.value = f'<span style="color:#b00">{html.escape(message)}</span>'

    def _on_live(self, change: dict[str, object]) -> None:
        if change["new"]:
            self._loop.start()
        else:
            self._loop.stop()

    def close(self) -> None:
        self._loop.stop()
        self.model.unobserve(self._changed, "snapshot")
        super().close()

"""The supervisor's live dashboard: headline figures and plotly charts of the ledger."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from workbench.reports import figures, summarize
from workbench.reports.summary import Summary
from workbench.widgets._live import LiveLoop

CHART_WIDTH = 460


def kpi_html(s: Summary) -> str:
    items = "".join(
        f'<div class="wb-kpi"><div class="wb-kpi-value">{html.escape(v)}</div>'
        f'<div class="wb-kpi-label">{html.escape(k)}</div></div>'
        for k, v in s.rows()
    )
    return (
        '<div style="display:flex;gap:18px;flex-wrap:wrap;font-family:sans-serif">'
        f"{items}</div><style>.wb-kpi-value{{font-size:22px;font-weight:600}}"
        ".wb-kpi-label{color:#666;font-size:12px}</style>"
    )


WAKE_GAP = 1.0  # a busy store redraws the charts once a second, not on every event


class SupervisorDashboardView(W.VBox):
    """Live charts of volume, queues, response times, dispositions and sentiment.

    ``ledger_source`` returns the current ledger: a ``workbench.analytics.LiveLedger`` (loaded
    once; each call applies only the events appended since the last one), or any function
    returning a ledger frame. ``refresh()`` brings the ledger up to date and redraws, and the
    live loop calls it every ``interval`` seconds while the Live box is ticked. With ``wake``
    (a ``ChangeFeed.wait``, see ``Store.changes``) it refreshes as soon as something happens
    in the store, at most once every ``WAKE_GAP`` seconds.
    """

    def __init__(
        self,
        ledger_source: Callable[[], pd.DataFrame],
        interval: float = 5.0,
        live: bool = True,
        wake: Callable[[float, threading.Event], bool] | None = None,
    ) -> None:
        self.ledger_source = ledger_source
        self.kpis = W.HTML()
        self.kpis.add_class("wb-kpis")
        self.status = W.HTML()
        self.status.add_class("wb-status")
        self.refresh_button = W.Button(description="Refresh", icon="refresh")
        self.refresh_button.add_class("wb-refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.live = W.Checkbox(value=False, description="Live", indent=False)
        self.live.add_class("wb-live")
        self.live.observe(self._on_live, names="value")
        self._loop = LiveLoop(self.refresh, interval, self._show_error, wake=wake, min_gap=WAKE_GAP)
        ledger = ledger_source()
        self.charts: dict[str, go.FigureWidget] = {
            name: go.FigureWidget(build(ledger).update_layout(width=CHART_WIDTH))
            for name, build in figures.ALL.items()
        }
        for name, chart in self.charts.items():
            chart._config = {"displaylogo": False}
            chart.layout.meta = name
        self._show(ledger)
        bar = W.HBox([self.refresh_button, self.live, self.status])
        grid = W.GridBox(
            list(self.charts.values()),
            layout=W.Layout(
                grid_template_columns=f"repeat(auto-fill, {CHART_WIDTH + 10}px)", width="100%"
            ),
        )
        super().__init__([bar, self.kpis, grid])
        self.add_class("wb-dashboard")
        self.live.value = live

    def _show(self, ledger: pd.DataFrame) -> None:
        self.kpis.value = kpi_html(summarize(ledger))
        stamp = pd.Timestamp.now(tz="UTC").strftime("%H:%M:%S UTC")
        self.status.value = f'<span style="color:#666">updated {stamp}</span>'

    def _show_error(self, message: str) -> None:
        self.status.value = f'<span style="color:#b00">{html.escape(message)}</span>'

    def refresh(self) -> None:
        """Bring the ledger up to date and update every chart in place."""
        ledger = self.ledger_source()
        for name, chart in self.charts.items():
            fresh = figures.ALL[name](ledger)
            with chart.batch_update():
                for old, new in zip(chart.data, fresh.data, strict=True):
                    old.x, old.y = new.x, new.y
                chart.layout.annotations = fresh.layout.annotations
        self._show(ledger)

    def _on_live(self, change: dict[str, object]) -> None:
        if change["new"]:
            self._loop.start()
        else:
            self._loop.stop()

    def close(self) -> None:
        self._loop.stop()
        super().close()

"""The wallboard: the dashboard's figures for a wall screen, read across a room.

No controls: what it shows (a time window, one queue, timeline, channel or agent) comes from
the page's URL parameters (``?queue=billing&window=1h``, ``supervisor.filters_from_query``) or
from the code that makes it. It fills the screen: the scope and the time at the top, the key
figures in large type, and the six charts in two rows of three, each sized by the page and
following the window's size. It stays live as the dashboard does.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from workbench.errors import ValidationError
from workbench.i18n import _, format_number, ngettext, refusal
from workbench.supervisor import DashboardModel, Snapshot, filters_from_query
from workbench.supervisor.model import DIMENSIONS, Source
from workbench.widgets._html import esc
from workbench.widgets._live import LiveLoop
from workbench.widgets.dashboard.charts import ChartsPanel
from workbench.widgets.dashboard.controls import (
    WINDOW_LABELS,
    clearing,
    clearing_basis,
    minutes,
    percent,
    sl_colour,
    staffing_basis,
)
from workbench.widgets.dashboard.view import WAKE_GAP

WALL_STYLE = """<style>
.wb-wallboard{height:100vh;box-sizing:border-box;padding:10px 16px 6px;gap:8px;overflow:hidden;
  background:#fff;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328}
.wb-wallboard .widget-html-content{height:auto;line-height:normal;white-space:normal}
.wb-wall-header .widget-html-content{display:flex;align-items:baseline;gap:18px;flex-wrap:wrap}
.wb-wall-title{font-size:clamp(22px,2.2vw,40px);font-weight:700}
.wb-wall-scope{font-size:clamp(20px,2vw,36px);color:#1d6fd6;font-weight:600}
.wb-wall-header .wb-status{margin-left:auto;font-size:clamp(14px,1.1vw,20px);color:#57606a}
.wb-wall-message{font-size:clamp(16px,1.4vw,24px);color:#cf222e;font-weight:600}
.wb-wall-kpi-strip{display:flex;gap:10px}
.wb-wall-kpi{flex:1 1 0;min-width:0;border:2px solid #d0d7de;border-radius:10px;
  padding:6px 12px;background:#fff}
.wb-wall-kpi-value{font-size:clamp(30px,3.6vw,72px);font-weight:700;line-height:1.1;
  white-space:nowrap}
.wb-wall-kpi-label{font-size:clamp(13px,1.15vw,22px);color:#57606a;line-height:1.2}
.wb-wallboard > .wb-wall-charts{flex:1 1 0;min-height:0;overflow:hidden;gap:8px;
  grid-template-rows:repeat(2,minmax(0,1fr))}
.wb-wall-charts > .wb-chart{width:100%;height:100%;min-height:0;overflow:hidden}
body.jp-Notebook:has(.wb-wallboard){overflow:hidden}
body.jp-Notebook:has(.wb-wallboard) .lm-BoxPanel-child{padding:0 !important;overflow:hidden}
body.jp-Notebook:has(.wb-wallboard) .jp-Cell{padding:0 !important}
body.jp-Notebook:has(.wb-wallboard) .jp-Cell-outputWrapper{margin:0 !important}
body.jp-Notebook:has(.wb-wallboard) .jp-Cell:not(:has(.wb-wallboard)){display:none}
</style>"""
"""The wallboard fills the window; on its Voila page (whose body is the notebook) the page's
margins and the notebook's other, empty cells go, so nothing scrolls."""


def wall_kpi_html(snap: Snapshot) -> str:
    """The key figures in large type: now (in queue, oldest wait, agents, clearing the queue)
    and over the window (service level, handled, negative share)."""
    k = snap.kpis
    window = _(WINDOW_LABELS.get(snap.filters.window, snap.filters.window))
    colour = sl_colour(k["service_level"], k["goal"])
    needed = "-" if k["agents_needed"] is None else str(k["agents_needed"])
    logged = "-" if k["logged_in"] is None else str(k["logged_in"])
    items: list[tuple[str, str, str, str | None, str]] = [
        ("in-queue", str(k["in_queue"]), _("in queue"), None, ""),
        ("oldest-wait", minutes(k["oldest_wait_seconds"]), _("oldest wait"), None, ""),
        (
            "service-level",
            percent(k["service_level"]),
            _("service level, goal {goal}").format(goal=percent(k["goal"])),
            colour,
            "",
        ),
        (
            "handled",
            format_number(k["handled"], decimals=0),
            _("handled, {window}").format(window=window),
            None,
            "",
        ),
        ("negative", percent(k["negative_share"]), _("negative sentiment"), None, ""),
        ("staffing", f"{needed} / {logged}", _("needed / logged in"), None, staffing_basis(k)),
        (
            "clear-queue",
            clearing(k.get("clear_seconds")),
            _("to clear the queue"),
            None,
            clearing_basis(k),
        ),
    ]
    cells = "".join(
        f'<div class="wb-wall-kpi wb-kpi-{key}"'
        + (f' title="{esc(tip)}"' if tip else "")
        + (f' style="border-color:{c};background:{c}14"' if c else "")
        + '><div class="wb-wall-kpi-value"'
        + (f' style="color:{c}"' if c else "")
        + f'>{esc(value)}</div><div class="wb-wall-kpi-label">{esc(label)}</div></div>'
        for key, value, label, c, tip in items
    )
    return f'<div class="wb-wall-kpi-strip">{cells}</div>'


class WallboardView(W.VBox):
    """The wallboard over ``model`` (a ``DashboardModel``, or a store or ledger function
    wrapped in one). ``query``: the page's URL parameters (``queue=billing&window=1h``);
    ``filters``: the same as ``DashboardModel.set_filters`` takes them (after the query).
    A parameter it cannot follow is said at the top, and the rest shown as asked."""

    def __init__(
        self,
        model: DashboardModel | Source,
        query: str | None = None,
        interval: float = 5.0,
        live: bool = True,
        **filters: Any,
    ) -> None:
        if not isinstance(model, DashboardModel):
            model = DashboardModel(model, "wallboard")
        self.model = model
        self.style = W.HTML(WALL_STYLE, layout=W.Layout(display="none"))  # applies, unseen
        self.style.add_class("wb-wall-style")
        self.header = W.HTML()
        self.header.add_class("wb-wall-header")
        self.message = W.HTML()
        self.message.add_class("wb-wall-message")
        self.kpis = W.HTML()
        self.kpis.add_class("wb-wall-kpis")
        self._problems: list[str] = []
        self.set_filters(query, **filters)
        self.charts_panel = ChartsPanel(model.snapshot, lambda *_: None, wall=True)
        self.charts = self.charts_panel.charts
        self._loop = LiveLoop(
            self.refresh, interval, self._show_error, wake=model.wake, min_gap=WAKE_GAP
        )
        super().__init__(
            [self.style, self.header, self.message, self.kpis, self.charts_panel],
            layout=W.Layout(width="100%"),
        )
        self.add_class("wb-wallboard")
        model.observe(self._changed, "snapshot")
        self._draw(charts=False)  # the charts were built complete from this snapshot
        self.set_live(live)

    # --- what code (and the page's URL) asks ------------------------------------------------

    def set_filters(self, query: str | None = None, refresh: bool = False, **filters: Any) -> None:
        """Show what ``query`` (URL parameters) and ``filters`` ask for, and for the rest
        today and everything (every queue, timeline, channel, agent); what cannot be followed
        is said at the top (``message``) and left out. ``refresh``: apply what changed in the
        store too (one redraw for both)."""
        self._problems = []
        asked: dict[str, Any] = {"window": "today", "start": None, "end": None}
        asked.update(dict.fromkeys(DIMENSIONS))
        if query:
            try:
                asked.update(filters_from_query(query))
            except ValidationError as exc:
                self._problems.append(refusal(exc))
        asked.update(filters)
        try:
            self.model.set_filters(refresh, **asked)
        except ValidationError as exc:
            self._problems.append(refusal(exc))
            if refresh:
                self.model.refresh()
        queue = self.model.filters.queue
        known = self.model.snapshot.options.get("queues_known")
        if queue is not None and known and queue not in known:
            self._problems.append(
                _("There is no queue named {queue}: the queues are {known}.").format(
                    queue=queue, known=", ".join(known)
                )
            )
        self._say(self._problems)  # the figures: drawn as the model's snapshot changes

    def refresh(self) -> None:
        """Apply what changed in the store and redraw in place."""
        self.model.refresh()

    def set_live(self, live: bool) -> None:
        """Live: refresh as the store changes (at most once a second, at least every
        ``interval`` seconds)."""
        if live:
            self._loop.start()
        else:
            self._loop.stop()

    # --- model -> view ------------------------------------------------------------------------

    def _changed(self, _change: object) -> None:
        self._draw()

    def _draw(self, charts: bool = True) -> None:
        snap = self.model.snapshot
        if charts:
            self.charts_panel.show(snap)
        self.kpis.value = wall_kpi_html(snap)
        f = snap.filters
        window = _(WINDOW_LABELS.get(f.window, f.window))
        if f.window == "range":
            window = f"{snap.start:%Y-%m-%d %H:%M} – {snap.end:%Y-%m-%d %H:%M} UTC"
        labels = self.model.queue_labels
        scope = [_(labels.get(f.queue, f.queue)) if f.queue else _("all queues")]
        scope += [v for v in (f.timeline and f"@{f.timeline}", f.channel, f.agent) if v]
        n = len(snap.rows)
        said = ngettext(
            "updated {stamp} · {n} interaction in {window}",
            "updated {stamp} · {n} interactions in {window}",
            n,
        ).format(
            stamp=snap.now.strftime("%H:%M:%S UTC"), n=format_number(n, decimals=0), window=window
        )
        title = _("Wallboard")
        self.header.value = (
            f'<span class="wb-wall-title">{esc(title)}</span>'
            f'<span class="wb-wall-scope">{esc(" · ".join([*scope, window]))}</span>'
            f'<span class="wb-status">{esc(said)}</span>'
        )

    def _show_error(self, message: str) -> None:
        self._say([*self._problems, message])

    def _say(self, lines: list[str]) -> None:
        """The message line: what the wallboard cannot follow (none: the line takes no room)."""
        self.message.value = "<br>".join(esc(line) for line in lines)
        self.message.layout.display = "flex" if lines else "none"

    def close(self) -> None:
        self._loop.stop()
        self.model.unobserve(self._changed, "snapshot")
        super().close()

"""The wallboard without a browser: what its URL parameters pick, that every chart and figure
follows the window and the queue (each equal to the metrics of the ledger's rows of that
window), that it has no controls, and that its charts share one copy of plotly's JavaScript."""

from __future__ import annotations

import math
from datetime import timedelta

import ipywidgets as W
import numpy as np
import pandas as pd
import pytest

from workbench.analytics import ledger
from workbench.analytics import metrics as m
from workbench.errors import ValidationError
from workbench.simulate.history import fill_history
from workbench.supervisor import DashboardModel, filters_from_query
from workbench.supervisor.model import interval_for
from workbench.widgets.dashboard import SupervisorDashboardView, WallboardView
from workbench.widgets.dashboard.charts import BUILDERS

NOW = pd.Timestamp("2026-03-04 15:30", tz="UTC")
WINDOWS = {"1h": "last hour", "today": "today", "7d": "last 7 days"}


@pytest.fixture
def busy(store):
    """Nine days of a busy desk (about 120 interactions a day) ending at ``NOW``."""
    assert fill_history(store, timedelta(days=9), per_day=120, seed=5, now=NOW.to_pydatetime())
    return store


def bounds(window: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    if window == "last hour":
        return NOW - pd.Timedelta(hours=1), NOW
    if window == "today":
        return NOW.normalize(), NOW
    return NOW - pd.Timedelta(days=7), NOW


def trace_values(chart, name: str, axis: str = "y") -> list:
    (trace,) = [t for t in chart.data if t.name == name]
    return list(getattr(trace, axis))


def same(shown, expected) -> bool:
    """Chart values (None for a gap) against metric values (NaN for nothing measured)."""
    shown, expected = list(shown), list(expected)
    if len(shown) != len(expected):
        return False
    for a, b in zip(shown, expected, strict=True):
        missing = b is None or (isinstance(b, float) and math.isnan(b))
        if missing != (a is None) or (not missing and not math.isclose(a, b, abs_tol=1e-9)):
            return False
    return True


def check_every_chart(board, frame: pd.DataFrame, window: str, queue: str | None) -> None:
    """Each chart and figure of ``board`` against the metrics of ``frame`` in ``window``."""
    start, end = bounds(window)
    freq = interval_for(start, end)
    every = frame if queue is None else frame[(frame["queue"] == queue).to_numpy()]
    rows = m.between(every, start, end)
    assert len(rows), "the window should hold interactions"
    charts = board.charts
    grid = pd.date_range(start.floor(freq), end, freq=freq)
    times = [t.strftime("%Y-%m-%dT%H:%M:%S") for t in grid]

    volume = m.volume(rows, freq, "channel").table
    for channel in volume.columns:
        counts = volume[channel].reindex(grid, fill_value=0)
        assert trace_values(charts["volume"], str(channel)) == counts.astype(int).tolist()
        assert trace_values(charts["volume"], str(channel), "x") == times

    depth = m.queue_over_time(every, freq, start=start, end=end).table["depth"]
    if depth.any():
        assert trace_values(charts["queue_depth"], "in queue") == depth.astype(float).tolist()
    else:
        assert charts["queue_depth"].data == ()

    slot = rows["arrived_at"].dt.floor(freq)
    fr = [m.first_response(rows[(slot == t).to_numpy()]) for t in grid]
    ht = [m.handle_time(rows[(slot == t).to_numpy()]) for t in grid]
    minutes = [None if v is None else v / 60 for v in (f["median"] for f in fr)]
    assert same(trace_values(charts["times"], "first response"), minutes)
    minutes = [None if v is None else v / 60 for v in (f["p90"] for f in fr)]
    assert same(trace_values(charts["times"], "first response p90"), minutes)
    minutes = [None if v is None else v / 60 for v in (h["median"] for h in ht)]
    assert same(trace_values(charts["times"], "handle time"), minutes)

    sl = m.service_level(rows, now=NOW, freq=freq)
    assert same(
        trace_values(charts["service_level"], "service level"), sl.table["service_level"] * 100
    )

    known = {d.code: d.label for d in board.model.store.reads.dispositions()}
    disp = m.dispositions(rows, known).table
    (bars,) = charts["dispositions"].data
    assert list(bars.y) == list(disp["label"]) and list(bars.x) == disp["count"].tolist()
    assert list(bars.customdata) == list(disp.index)

    shares = m.shares(rows, "sentiment", freq).table
    for value in shares.columns:
        assert same(trace_values(charts["sentiment"], str(value)), shares[value] * 100), value

    k = board.model.snapshot.kpis
    done = every["done_at"]
    assert k["handled"] == int(((done >= start) & (done < end)).sum())
    assert k["service_level"] == sl["service_level"]
    assert k["negative_share"] == m.shares(rows)["negative"]
    if isinstance(board, WallboardView):  # the dashboard's strip says handled today
        assert f">{k['handled']:,}<" in board.kpis.value
    # a view the browser draws later draws the synced figure: it holds the same data
    for name, chart in charts.items():
        synced = [(t.get("name"), list(t.get("y", ()))) for t in chart._widget_data]
        drawn = [(t.name, list(t.y)) for t in chart.data]
        assert synced == drawn, name


@pytest.mark.parametrize("queue", [None, "mentions"])
def test_every_wallboard_chart_and_figure_follows_the_window_of_its_url(busy, queue):
    model = DashboardModel(busy, "wallboard", clock=lambda: NOW)
    frame = ledger(store=busy)
    board = WallboardView(model, live=False)
    try:
        for short, window in WINDOWS.items():
            query = f"window={short}" + (f"&queue={queue}" if queue else "")
            board.set_filters(query)
            assert board.message.value == ""
            assert model.filters.window == window and model.filters.queue == queue
            check_every_chart(board, frame, window, queue)
            said = "all queues" if queue is None else "Public mentions"
            assert f"{said} · {window}" in board.header.value
    finally:
        board.close()
        model.close()


def test_the_dashboard_s_charts_follow_each_window_it_picks(busy):
    """The supervisor's dashboard: the same charts, the window picked with its control."""
    model = DashboardModel(busy, "sam", clock=lambda: NOW)
    frame = ledger(store=busy)
    view = SupervisorDashboardView(model, live=False)
    try:
        for window in ("last 7 days", "last hour", "today"):
            view.filters.pick_window(window)
            check_every_chart(view, frame, window, None)
    finally:
        view.close()
        model.close()


def test_a_page_s_url_parameters_pick_the_window_and_the_queue():
    assert filters_from_query("queue=billing&window=1h") == {
        "queue": "billing",
        "window": "last hour",
    }
    assert filters_from_query("?window=7d") == {"window": "last 7 days"}
    assert filters_from_query("window=today&channel=dm&agent=ann") == {
        "window": "today",
        "channel": "dm",
        "agent": "ann",
    }
    assert filters_from_query("") == {} and filters_from_query("theme=light") == {}
    chosen = filters_from_query("from=2026-03-02T08:00&to=2026-03-02T10:00")
    assert chosen["window"] == "range" and chosen["end"] - chosen["start"] == pd.Timedelta("2h")
    for query, field in (
        ("window=2h", "window"),
        ("queu=billing", "queu"),
        ("from=2026-03-02T08:00", "from"),
        ("from=2026-03-02T10:00&to=2026-03-02T08:00", "to"),
        ("window=1h&from=2026-03-02T08:00&to=2026-03-02T10:00", "window"),
    ):
        with pytest.raises(ValidationError) as refused:
            filters_from_query(query)
        assert refused.value.field == field and refused.value.said is not None


def test_the_wallboard_says_what_it_cannot_follow_and_shows_the_rest(busy):
    model = DashboardModel(busy, "wallboard", clock=lambda: NOW)
    board = WallboardView(model, query="window=2h&queue=mentions", live=False)
    try:
        assert "window= takes 1h, today or 7d" in board.message.value
        assert model.filters.window == "today" and model.filters.queue is None
        board.set_filters("queue=billing&window=1h")
        assert "There is no queue named billing" in board.message.value
        assert model.filters.window == "last hour"
        board.set_filters("window=7d&queue=<b>x</b>")
        assert "<b>" not in board.message.value and "&lt;b&gt;" in board.message.value
        board.set_filters("window=1h")  # a good address: the message goes
        assert board.message.value == "" and model.filters.queue is None
    finally:
        board.close()
        model.close()


def widgets_in(widget: W.Widget) -> list[W.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += widgets_in(child)
    return found


def test_the_wallboard_is_a_wall_display_without_controls(busy):
    import plotly.graph_objects as go

    model = DashboardModel(busy, "wallboard", clock=lambda: NOW)
    board = WallboardView(model, query="window=1h", live=False)
    try:
        controls = (W.Button, W.Dropdown, W.ToggleButtons, W.Text, W.Checkbox, W.SelectMultiple)
        assert not [w for w in widgets_in(board) if isinstance(w, controls)]
        assert "wb-wallboard" in board._dom_classes
        assert set(board.charts) == set(BUILDERS)
        for chart in board.charts.values():
            assert isinstance(chart, go.FigureWidget)
            # sized by the page (each fills its cell of the screen), large type
            assert chart._config["responsive"] is True
            assert chart.layout.width is None and chart.layout.height is None
            assert chart.layout.font.size >= 16 and chart.layout.title.font.size >= 20
        assert "height:100vh" in board.style.value
        assert "grid-template-rows:repeat(2" in board.style.value
        assert "wb-wall-kpi-value" in board.kpis.value
    finally:
        board.close()
        model.close()


def test_the_charts_share_one_copy_of_plotly_s_javascript(busy):
    """plotly's front end (5 MB) goes to the page once, not once per chart: the page loaded
    six copies, and a chart whose copy took over 2 s to load never drew a later change."""
    from plotly.basewidget import BaseFigureWidget

    from workbench.widgets.dashboard._plotly import plotly_code

    model = DashboardModel(busy, "wallboard", clock=lambda: NOW)
    board = WallboardView(model, live=False)
    dashboard = SupervisorDashboardView(model, live=False)
    try:
        plotly = str(BaseFigureWidget._esm)
        assert len(plotly) > 1_000_000
        code = plotly_code()
        assert code is plotly_code() and code.code == plotly
        for chart in [*board.charts.values(), *dashboard.charts.values()]:
            assert len(chart._esm) < 5_000 and 'Symbol.for("workbench.plotly")' in chart._esm
        code.close()  # as Widget.close_all does: the next chart brings a new one
        assert plotly_code() is not code and plotly_code().comm is not None
    finally:
        dashboard.close()
        board.close()
        model.close()


def test_a_window_change_updates_every_trace_property_that_changed(busy):
    """Bars as wide as their interval: a window of as many intervals of another length
    gives each bar its new width (the traces keep their shape, the widths change)."""
    model = DashboardModel(busy, "wallboard", clock=lambda: NOW)
    board = WallboardView(model, query="window=1h", live=False)
    try:
        hour = board.charts["volume"].data[0]
        assert hour.width == pytest.approx(5 * 60 * 1000 * 0.9)
        # 12.5 hours: 13 hourly bars, as many as the last hour's 5-minute ones
        board.set_filters("from=2026-03-04T02:00&to=2026-03-04T14:30")
        assert model.snapshot.freq == "1h"
        bars = board.charts["volume"].data
        assert [len(b.x) for b in bars] == [13, 13]
        assert all(b.width == pytest.approx(3600 * 1000 * 0.9) for b in bars)
        assert all(np.isfinite(b.xperiod) for b in bars)
    finally:
        board.close()
        model.close()

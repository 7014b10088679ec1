"""The dashboard's plotly figures, built complete from a ``Snapshot``, and the panel holding
them as FigureWidgets updated in place (``batch_update``: one message per chart, no flicker).

The same figures serve the wallboard (``wall=True``): sized by the page instead (each fills its
cell of the screen and follows the window's size) and written large enough to read across a
room."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.i18n import N_, _, format_percent
from workbench.supervisor import Snapshot
from workbench.widgets.dashboard._plotly import Chart

WIDTH, HEIGHT = 470, 300
WALL_FONT = 16
"""The wallboard's text size (px): ticks and axis titles; titles a third larger, legends and
subtitles smaller."""
EMPTY = N_("No interactions in this window")
SENTIMENTS = {
    "positive": N_("positive"),
    "negative": N_("negative"),
    "neutral": N_("neutral"),
    "undeclared": N_("undeclared"),
}
COLOURS = {
    "mention": "#1d9bf0",
    "dm": "#7856ff",
    "outbound": "#00ba7c",
    "positive": "#2ca02c",
    "negative": "#d62728",
    "neutral": "#7f7f7f",
    "undeclared": "#c7c7c7",
}


def _values(series: pd.Series | np.ndarray) -> list[Any]:
    """Numbers with NaN as None (a gap, never "NaN" on a hover)."""
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in series]


def _times(index: pd.Index) -> list[str]:
    return [t.strftime("%Y-%m-%dT%H:%M:%S") for t in pd.DatetimeIndex(index).tz_convert("UTC")]


def _layout(
    fig: go.Figure,
    title: str,
    snap: Snapshot | None,
    empty: bool,
    subtitle: str = "",
    **more: Any,
) -> None:
    fig.update_layout(
        title={
            "text": title,
            "subtitle": {"text": subtitle, "font": {"size": 12, "color": "#57606a"}},
            "x": 0.02,
            "font": {"size": 15},
        },
        width=WIDTH,
        height=HEIGHT,
        margin={"l": 50, "r": 16, "t": 56 if subtitle else 44, "b": 44},
        legend={"orientation": "h", "y": -0.22, "x": 0},
        template="plotly_white",
        annotations=(
            [
                {
                    "text": _(EMPTY),
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "showarrow": False,
                    "font": {"size": 14, "color": "#888"},
                }
            ]
            if empty
            else []
        ),
        **more,
    )
    fig.update_xaxes(visible=not empty)  # an empty chart: its note alone, no bare axes
    fig.update_yaxes(visible=not empty)


def _table(snap: Snapshot, name: str) -> pd.DataFrame:
    """The table behind metric ``name`` (these metrics always have one)."""
    table = snap.metrics[name].table
    assert table is not None, name
    return table


def _time_axis(fig: go.Figure, snap: Snapshot) -> None:
    span = (snap.end - snap.start).total_seconds()
    fmt = "%H:%M" if span <= 86400 else "%H:%M<br>%b %d" if span <= 3 * 86400 else "%b %d"
    ends = pd.DatetimeIndex([snap.start.floor(snap.freq), snap.end.ceil(snap.freq)])
    fig.update_xaxes(type="date", tickformat=fmt, range=_times(ends), title_text="UTC")


def _period(snap: Snapshot) -> int:
    """The chart interval in milliseconds: a bar spans its interval, not centred on its start."""
    return int(pd.Timedelta(snap.freq).total_seconds() * 1000)


def _interval_bars(snap: Snapshot) -> dict[str, Any]:
    """What makes a bar span its interval: placed across it, and as wide as it (plotly sizes
    bars by the gap between them, so a lone interval, the first of a day, would otherwise be
    drawn a millisecond wide)."""
    period = _period(snap)
    return {"xperiod": period, "xperiodalignment": "middle", "width": period * 0.9}


def _counts(fig: go.Figure, most: float, axis: str = "y") -> None:
    """Whole numbers on a count axis (no 0.2 steps for a handful)."""
    most = 0 if pd.isna(most) else float(most)
    counts = {
        "tickformat": ",d",
        "dtick": 1 if most <= 5 else None,
        "range": [0, max(most, 1) * 1.1],
    }
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**counts)


def volume(snap: Snapshot) -> go.Figure:
    table = snap.metrics["volume"].table
    fig = go.Figure()
    empty = not snap.metrics["volume"]["total"]
    if table is not None and not empty:
        grid = pd.date_range(snap.start.floor(snap.freq), snap.end, freq=snap.freq)
        table = table.reindex(grid.union(table.index), fill_value=0)
        for name in table.columns:
            fig.add_bar(
                x=_times(table.index),
                y=table[name].astype(int).tolist(),
                name=str(name),
                marker_color=COLOURS.get(str(name)),
                **_interval_bars(snap),
                hovertemplate="%{x}<br>%{y} " + str(name) + "<extra></extra>",
            )
    _layout(fig, _("Volume by channel"), snap, empty, barmode="stack", bargap=0.1)
    _time_axis(fig, snap)
    fig.update_yaxes(title_text=_("interactions"), rangemode="tozero")
    _counts(fig, table.sum(axis=1).max() if table is not None and len(table) else 0)
    return fig


def queue_depth(snap: Snapshot) -> go.Figure:
    table = _table(snap, "queue_over_time")
    fig = go.Figure()
    empty = bool(not len(table) or not table["depth"].any())
    if table is not None and not empty:
        fig.add_scatter(
            x=_times(table.index),
            y=_values(table["depth"].astype("float64")),
            name=_("in queue"),
            mode="lines+markers",
            line_shape="hv",
            line_color="#1d9bf0",
        )
    _layout(fig, _("Queues: depth over time"), snap, empty)
    if len(table) and not table["depth"].any():
        fig.layout.annotations[0].text = _("Nobody waiting at any sample")
    _time_axis(fig, snap)
    fig.update_yaxes(title_text=_("waiting"), rangemode="tozero")
    _counts(fig, table["depth"].max() if len(table) else 0)
    return fig


def times(snap: Snapshot) -> go.Figure:
    t = snap.times
    x = _times(t.index)
    fig = go.Figure()
    empty = bool(t[["fr_median", "ht_median"]].isna().all().all())
    for column, name, colour, dash in (
        ()
        if empty
        else (
            ("fr_median", _("first response"), "#1d9bf0", "solid"),
            ("fr_p90", _("first response p90"), "#1d9bf0", "dot"),
            ("ht_median", _("handle time"), "#ff7f0e", "solid"),
            ("ht_p90", _("handle time p90"), "#ff7f0e", "dot"),
        )
    ):
        fig.add_scatter(
            x=x,
            y=_values(t[column] / 60),
            name=name,
            mode="lines+markers",
            line={"color": colour, "dash": dash},
            connectgaps=False,
            hovertemplate="%{x}<br>%{y:.1f} min<extra>" + name + "</extra>",
        )
    _layout(fig, _("Response times"), snap, empty, _("median, and 90th percentile dotted"))
    _time_axis(fig, snap)
    fig.update_yaxes(title_text=_("minutes"), rangemode="tozero")
    return fig


def service_level(snap: Snapshot) -> go.Figure:
    metric = snap.metrics["service_level"]
    table = metric.table
    goal = metric["goal"]
    fig = go.Figure()
    empty = bool(table is None or table["service_level"].isna().all())
    if table is not None and not empty:
        fig.add_scatter(
            x=_times(table.index),
            y=_values(table["service_level"] * 100),
            name=_("service level"),
            mode="lines+markers",
            line_color="#00ba7c",
            hovertemplate="%{x}<br>%{y:.0f}%<extra></extra>",
        )
        fig.add_scatter(
            x=_times(pd.DatetimeIndex([snap.start, snap.end])),
            y=[goal * 100, goal * 100],
            name=_("goal {goal}").format(goal=format_percent(goal)),
            mode="lines",
            line={"color": "#d62728", "dash": "dash"},
            hoverinfo="skip",
        )
    threshold = metric["threshold"] / 60
    within = _("answered within {minutes} min").format(minutes=f"{threshold:g}")
    _layout(fig, _("Service level"), snap, empty, within)
    _time_axis(fig, snap)
    fig.update_yaxes(title_text="%", range=[0, 105])
    return fig


def dispositions(snap: Snapshot) -> go.Figure:
    """Done interactions per disposition, as horizontal bars named by the disposition's label
    (in the reader's language, as the desk names it); each bar carries its code
    (``customdata``), which a click lists."""
    table = _table(snap, "dispositions")
    fig = go.Figure()
    if table.empty:
        _layout(fig, _("Dispositions"), snap, True)
        fig.update_xaxes(title_text=_("done"), rangemode="tozero")
        _counts(fig, 0, axis="x")
        return fig
    labels = [_(str(label)) for label in table["label"]]
    fig.add_bar(
        x=table["count"].astype(int).tolist(),
        y=labels,
        orientation="h",
        customdata=[str(c) for c in table.index],
        name=_("dispositions"),
        marker_color="#7856ff",
        hovertemplate="%{y}: %{x}<extra></extra>",
    )
    _layout(fig, _("Dispositions"), snap, False)
    fig.update_xaxes(title_text=_("done"), rangemode="tozero")
    fig.update_yaxes(autorange="reversed", automargin=True)  # the most frequent on top
    _counts(fig, table["count"].max(), axis="x")
    return fig


def sentiment(snap: Snapshot) -> go.Figure:
    table = _table(snap, "sentiment")
    fig = go.Figure()
    x = _times(table.index)
    empty = bool(table.empty or table.isna().all().all())
    for name in () if empty else table.columns:
        fig.add_bar(
            x=x,
            y=_values(table[name] * 100),
            name=_(SENTIMENTS.get(str(name), str(name))),
            marker_color=COLOURS.get(str(name)),
            **_interval_bars(snap),
            hovertemplate="%{x}<br>%{y:.0f}% "
            + _(SENTIMENTS.get(str(name), str(name)))
            + "<extra></extra>",
        )
    _layout(fig, _("Sentiment over time"), snap, empty, barmode="stack")
    _time_axis(fig, snap)
    fig.update_yaxes(title_text=_("% of inbound"), range=[0, 100])
    return fig


BUILDERS: dict[str, Callable[[Snapshot], go.Figure]] = {
    "volume": volume,
    "queue_depth": queue_depth,
    "times": times,
    "service_level": service_level,
    "dispositions": dispositions,
    "sentiment": sentiment,
}


def wall(fig: go.Figure) -> go.Figure:
    """``fig`` for the wallboard: no fixed size (the page sizes it: ``_config`` responsive),
    larger text, the legend at the foot (the chart makes room for it), and no "UTC" under
    the time axes (the wallboard's header says it)."""
    fig.update_layout(
        width=None,
        height=None,
        autosize=True,
        font={"size": WALL_FONT},
        title={
            "font": {"size": round(WALL_FONT * 4 / 3)},
            "subtitle": {"font": {"size": WALL_FONT - 2}},
        },
        margin={"l": 64, "r": 20, "t": 80 if fig.layout.title.subtitle.text else 56, "b": 8},
        legend={
            "font": {"size": WALL_FONT - 2},
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "x": 0,
        },
    )
    for a in fig.layout.annotations:
        a.font.size = round(WALL_FONT * 4 / 3)
    fig.update_xaxes(title_font={"size": WALL_FONT}, tickfont={"size": WALL_FONT})
    fig.update_yaxes(title_font={"size": WALL_FONT}, tickfont={"size": WALL_FONT})
    fig.update_xaxes(title_text=None, selector={"type": "date"})
    return fig


TRACE_KEYS_KEPT = ("uid", "type")
"""A trace's properties an update leaves alone (plotly's own: its id and kind)."""


class ChartsPanel(W.GridBox):
    """The six charts; ``show(snapshot)`` updates each in place. ``on_bar(chart, trace name,
    x)`` is called when a bar of the volume or dispositions chart is clicked (the volume's
    interval start, the disposition's code). ``wall``: the wallboard's charts, three a row and
    two rows filling the panel, which the page sizes (``.wb-wall-charts``)."""

    def __init__(
        self, snap: Snapshot, on_bar: Callable[[str, str, Any], None], wall: bool = False
    ) -> None:
        self._on_bar = on_bar
        self.wall = wall
        self.charts: dict[str, go.FigureWidget] = {}
        for name in BUILDERS:
            chart = Chart(self._build(name, snap))  # built complete, then wrapped
            chart._config = {"displaylogo": False, "displayModeBar": False, "responsive": wall}
            chart.layout.meta = name
            chart.add_class("wb-chart")
            chart.add_class(f"wb-chart-{name.replace('_', '-')}")
            _resync(chart)
            self.charts[name] = chart
            self._listen(name)
        columns = "repeat(3, minmax(0, 1fr))" if wall else f"repeat(auto-fill, {WIDTH + 10}px)"
        super().__init__(
            list(self.charts.values()),
            layout=W.Layout(grid_template_columns=columns, width="100%"),
        )
        self.add_class("wb-charts")
        if wall:
            self.add_class("wb-wall-charts")

    def _build(self, name: str, snap: Snapshot) -> go.Figure:
        fig = BUILDERS[name](snap)
        return wall(fig) if self.wall else fig

    def _listen(self, name: str) -> None:
        if name not in ("volume", "dispositions"):
            return
        for trace in self.charts[name].data:
            trace.on_click(self._clicked(name))

    def _clicked(self, name: str) -> Callable[[Any, Any, Any], None]:
        def handler(trace: Any, points: Any, _state: Any) -> None:
            if not points.point_inds:
                return
            if trace.customdata is not None:  # a disposition's bar: its code
                self._on_bar(name, trace.name, trace.customdata[points.point_inds[0]])
            elif points.xs:
                self._on_bar(name, trace.name, points.xs[0])

        return handler

    def show(self, snap: Snapshot) -> None:
        for name, chart in self.charts.items():
            fresh = self._build(name, snap)
            same_shape = len(chart.data) == len(fresh.data) and all(
                old.name == new.name and old.type == new.type
                for old, new in zip(chart.data, fresh.data, strict=True)
            )
            if not same_shape:  # traces added, gone or of another kind: replace them, none
                # when empty (outside batch_update, which batches restyles only: removing and
                # adding traces there can leave the old ones drawn in the browser)
                chart.data = ()
                if fresh.data:
                    chart.add_traces(list(fresh.data))
            with chart.batch_update():
                if same_shape:
                    for old, new in zip(chart.data, fresh.data, strict=True):
                        _restyle(old, new)
                for part in ("annotations", "title", "xaxis", "yaxis"):
                    if chart.layout[part] != fresh.layout[part]:  # send only what changed
                        chart.layout[part] = fresh.layout[part]
            if not same_shape:
                self._listen(name)
            _resync(chart)


def _restyle(old: Any, new: Any) -> None:
    """Give trace ``old`` every property of ``new`` that differs (its data, and what goes with
    it: a bar's width follows the interval, a disposition's code its bar)."""
    wanted = {k: v for k, v in new.to_plotly_json().items() if k not in TRACE_KEYS_KEPT}
    have = old.to_plotly_json()
    for key, value in wanted.items():
        if not _equal(have.get(key), value):
            old[key] = value
    for key in set(have) - set(wanted) - set(TRACE_KEYS_KEPT):
        old[key] = None


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    return bool(a == b)


def _resync(chart: go.FigureWidget) -> None:
    """Make the widget's saved figure the current one.

    plotly's FigureWidget sends later changes as one-shot messages that a browser view not yet
    drawn (a chart inside a GridBox is shown through its container, never through the figure's
    own ``_repr_mimebundle_``, which is where plotly resyncs) does not receive: it draws the
    figure as it was when the widget was made. Setting the synced fields here means any view
    drawn later (a JupyterLab tab reattached, the page reloaded) shows the figure with its
    titles and data as they are now; a drawn view ignores these fields, so nothing flickers,
    and traitlets sends them only when they differ."""
    chart._widget_layout = deepcopy(chart._layout_obj._props)
    chart._widget_data = deepcopy(chart._data)

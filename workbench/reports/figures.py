"""The supervisor's charts as plotly figures, built complete from a ledger DataFrame.

Each function takes the ledger (``workbench.analytics.ledger``) and returns a ``go.Figure``;
widgets wrap them in ``FigureWidget`` and replace their data on refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from workbench.i18n import N_, _

if TYPE_CHECKING:
    from workbench.reports._labels import Labels

STATES = ("queued", "offered", "accepted", "done")
SENTIMENTS = ("negative", "neutral", "positive", "undeclared")
COLORS = {
    "negative": "#d62728",
    "neutral": "#7f7f7f",
    "positive": "#2ca02c",
    "undeclared": "#c7c7c7",
    "queued": "#ff7f0e",
    "offered": "#bcbd22",
    "accepted": "#1f77b4",
    "done": "#2ca02c",
    "mention": "#1f77b4",
    "dm": "#9467bd",
    "outbound": "#8c564b",
}
LAYOUT = {"height": 300, "margin": {"l": 50, "r": 20, "t": 50, "b": 40}, "template": "plotly_white"}
NAMES = {
    "mention": N_("Mentions"),
    "dm": N_("Direct messages"),
    "outbound": N_("Brand's posts"),
    "queued": N_("queued"),
    "offered": N_("offered"),
    "accepted": N_("accepted"),
    "negative": N_("negative"),
    "neutral": N_("neutral"),
    "positive": N_("positive"),
    "undeclared": N_("undeclared"),
}
"""What a chart's legend calls each channel, state and sentiment (translated where shown)."""


def _bucket(ledger: pd.DataFrame) -> str:
    if ledger.empty:
        return "h"
    span = ledger["arrived_at"].max() - ledger["arrived_at"].min()
    if span <= pd.Timedelta(hours=3):
        return "5min"
    return "h" if span <= pd.Timedelta(days=3) else "D"


def _width(freq: str) -> float:
    """A time bucket's bar width in milliseconds (plotly sizes bars by the gap between them:
    a lone bucket would be drawn a millisecond wide)."""
    return pd.Timedelta(pd.tseries.frequencies.to_offset(freq)).total_seconds() * 1000 * 0.9


_STEPS = [pd.Timedelta(minutes=m) for m in (5, 10, 15, 30, 60, 120, 180, 360, 720)] + [
    pd.Timedelta(days=d) for d in (1, 2, 7, 14)
]


def time_axis(start: pd.Timestamp, end: pd.Timestamp) -> dict[str, object]:
    """Tick spacing and format of a time axis from ``start`` to ``end``: hours within a day,
    hours and days within a few days, days within weeks, months beyond."""
    span = max(pd.Timedelta(end - start), pd.Timedelta(minutes=5))
    step = next((s for s in _STEPS if span / s <= 10), None)
    if step is None:
        return {"dtick": "M1", "tickformat": "%b %Y", "hoverformat": "%d %b %Y"}
    same_day = pd.Timestamp(start).floor("D") == pd.Timestamp(end).floor("D")
    if step < pd.Timedelta(days=1):
        fmt = "%H:%M" if same_day else "%H:%M<br>%a %d %b"
        hover = "%a %d %b %Y %H:%M"
    else:
        fmt, hover = "%a %d %b", "%a %d %b %Y"
    return {"dtick": step.total_seconds() * 1000, "tickformat": fmt, "hoverformat": hover}


def _timed(fig: go.Figure, ledger: pd.DataFrame) -> go.Figure:
    arrived = ledger["arrived_at"].dropna()
    if len(arrived):
        fig.update_xaxes(**time_axis(arrived.min(), arrived.max()))
    return fig


def volume(ledger: pd.DataFrame) -> go.Figure:
    """Interactions arriving per time bucket, by channel."""
    freq = _bucket(ledger)
    title = _("Volume: interactions arriving")
    fig = go.Figure(layout={**LAYOUT, "title": title, "barmode": "stack"})
    for channel in ("mention", "dm", "outbound"):
        rows = ledger[ledger["channel"] == channel]
        counts = rows.groupby(rows["arrived_at"].dt.floor(freq)).size()
        fig.add_bar(
            x=counts.index,
            y=counts.values,
            name=_(NAMES[channel]),
            marker_color=COLORS[channel],
            width=_width(freq),
        )
    return _timed(fig, ledger)


def queues(ledger: pd.DataFrame, labels: Labels | None = None) -> go.Figure:
    """Interactions in each queue by state: what is waiting, offered, being handled."""
    open_ = ledger[ledger["state"] != "done"]
    table = open_.groupby(["queue", "state"]).size().unstack(fill_value=0)
    title = _("Queues: open interactions")
    fig = go.Figure(layout={**LAYOUT, "title": title, "barmode": "stack"})
    for state in STATES[:3]:
        values = table[state] if state in table else pd.Series(0, index=table.index)
        names = [labels.queue(q) for q in table.index] if labels is not None else list(table.index)
        fig.add_bar(x=names, y=list(values), name=_(NAMES[state]), marker_color=COLORS[state])
    return fig


def response_times(ledger: pd.DataFrame) -> go.Figure:
    """Median first-response and handle times per time bucket, in minutes."""
    freq = _bucket(ledger)
    by = ledger["arrived_at"].dt.floor(freq)
    medians = ledger.groupby(by)[["first_response_seconds", "handle_seconds"]].median() / 60
    fig = go.Figure(layout={**LAYOUT, "title": _("Response times (median, minutes)")})
    fig.add_scatter(
        x=medians.index,
        y=medians["first_response_seconds"],
        name=_("first response"),
        mode="lines+markers",
    )
    fig.add_scatter(
        x=medians.index, y=medians["handle_seconds"], name=_("handle"), mode="lines+markers"
    )
    fig.update_yaxes(rangemode="tozero")
    return _timed(fig, ledger)


def dispositions(ledger: pd.DataFrame, labels: Labels | None = None) -> go.Figure:
    """How finished interactions ended, by the dispositions' labels."""
    counts = ledger["disposition"].dropna().value_counts().sort_values()
    counts = counts[counts > 0]
    names = [labels.disposition(c) for c in counts.index] if labels else list(counts.index)
    fig = go.Figure(layout={**LAYOUT, "title": _("Dispositions")})
    fig.add_bar(x=list(counts.values), y=names, orientation="h", name=_("disposition"))
    fig.update_yaxes(automargin=True)
    return fig


def sentiment(ledger: pd.DataFrame) -> go.Figure:
    """Sentiment of arriving interactions per time bucket."""
    freq = _bucket(ledger)
    table = ledger.groupby([ledger["arrived_at"].dt.floor(freq), "sentiment"]).size()
    table = table.unstack(fill_value=0) if len(table) else pd.DataFrame()
    fig = go.Figure(layout={**LAYOUT, "title": _("Sentiment of arrivals"), "barmode": "stack"})
    for name in SENTIMENTS:
        values = table[name] if name in table else pd.Series(0, index=table.index)
        fig.add_bar(
            x=list(table.index),
            y=list(values),
            name=_(NAMES[name]),
            marker_color=COLORS[name],
            width=_width(freq),
        )
    return _timed(fig, ledger)


def is_empty(fig: go.Figure) -> bool:
    """True when no trace of ``fig`` has a value to draw."""
    return not any(_has_values(t) for t in fig.data)


REPORT_WIDTH = 640
"""Pixels of a chart in the printed report (under 7 inches at 96 dpi, the width of a letter
or A4 page inside its margins)."""


def for_report(fig: go.Figure) -> go.Figure:
    """``fig`` sized for a printed page, its legend below the plot so it is never clipped, and
    no axes at all when it has nothing to draw."""
    fig.update_layout(
        width=REPORT_WIDTH,
        height=320,
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        margin={"l": 60, "r": 20, "t": 50, "b": 70},
    )
    if is_empty(fig):
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


CONFIG = {"displayModeBar": False, "responsive": False}
"""Plotly's config in the report: no mode bar (a printed page has nothing to click)."""


def plotly_script() -> str:
    """plotly.js as one inline script, to embed once in a report."""
    from plotly.offline import get_plotlyjs

    return f'<script type="text/javascript">{get_plotlyjs()}</script>'


def report_html(fig: go.Figure) -> str:
    """``fig`` as an HTML div that draws with the plotly.js embedded once by ``plotly_script``."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config=CONFIG)


EMPTY = {
    "volume": N_("No interactions arrived in this range."),
    "queues": N_("No interaction was left open in this range."),
    "response_times": N_("No interaction was answered or handled in this range."),
    "dispositions": N_(
        "No interactions were handled in this range (none finished with a disposition)."
    ),
    "sentiment": N_("No interactions arrived in this range."),
}
"""What the report says instead of a chart with nothing to draw (translate where shown)."""


def show(fig: go.Figure, renderer: str) -> None:
    """Display ``fig`` in a notebook: with ``renderer="report"`` as a div sized for the page
    that needs ``plotly_script`` once before it, else with plotly's ``renderer``."""
    if renderer == "report":
        from IPython.display import HTML, display

        display(HTML(report_html(for_report(fig))))  # type: ignore[no-untyped-call]
    else:
        fig.show(renderer=renderer, config=CONFIG)


def _has_values(trace: go.Bar | go.Scatter) -> bool:
    values = trace.x if getattr(trace, "orientation", None) == "h" else trace.y
    return values is not None and bool(pd.Series(list(values), dtype=float).notna().any())


def _noting_empty(
    build: Callable[..., go.Figure],
) -> Callable[..., go.Figure]:
    """Say "no data yet" on a chart with nothing to show instead of drawing empty axes."""

    def wrapped(ledger: pd.DataFrame, labels: Labels | None = None) -> go.Figure:
        fig = build(ledger, labels) if build in (queues, dispositions) else build(ledger)
        empty = is_empty(fig)
        fig.update_layout(
            annotations=[
                {
                    "text": _("no data yet"),
                    "showarrow": False,
                    "font": {"size": 16, "color": "#888"},
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                }
            ]
            if empty
            else []
        )
        return fig

    wrapped.__doc__ = build.__doc__
    return wrapped


ALL = {
    name: _noting_empty(build)
    for name, build in {
        "volume": volume,
        "queues": queues,
        "response_times": response_times,
        "dispositions": dispositions,
        "sentiment": sentiment,
    }.items()
}

"""The dashboard's filters and its KPI strip."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import pandas as pd

from workbench.i18n import N_, _, format_number, format_percent
from workbench.supervisor import WINDOWS, Snapshot
from workbench.supervisor.model import DIMENSIONS
from workbench.widgets._html import esc

ALL = "(all)"
WINDOW_LABELS = {
    "last hour": N_("last hour"),
    "today": N_("today"),
    "last 7 days": N_("last 7 days"),
    "range": N_("range"),
}
DIMENSION_LABELS = {
    "queue": N_("queue"),
    "timeline": N_("timeline"),
    "channel": N_("channel"),
    "agent": N_("agent"),
}
GREEN, AMBER, RED, GREY = "#1a7f37", "#bf8700", "#cf222e", "#57606a"


def sl_colour(level: float | None, goal: float) -> str:
    """Green at or above the goal, amber within 10 points below it, red further below."""
    if level is None:
        return GREY
    if level >= goal:
        return GREEN
    return AMBER if level >= goal - 0.10 else RED


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{format_number(round(seconds), decimals=0)} s"
    if seconds < 3600:
        return f"{format_number(seconds / 60, decimals=1)} min"
    return f"{format_number(seconds / 3600, decimals=1)} h"


def percent(share: float | None) -> str:
    return "-" if share is None else format_percent(share)


def _options(box: W.Dropdown) -> list[tuple[str, str]]:
    """A dropdown's options as (label, value) pairs."""
    return list(zip(box._options_labels, box._options_values, strict=True))


def _values(box: W.Dropdown) -> list[str]:
    return list(box._options_values)


class DashboardFiltersForm(W.VBox):
    """Time window (last hour, today, last 7 days, a chosen range) and one queue, timeline,
    channel and agent, or all; ``on_change(**filters)`` gets each change."""

    def __init__(self, on_change: Callable[..., Any]) -> None:
        self._on_change = on_change
        self.window = W.ToggleButtons(
            options=[(_(WINDOW_LABELS.get(w, w)), w) for w in WINDOWS],
            value="today",
            style={"button_width": "104px"},
        )
        self.window.add_class("wb-window")
        self.window.observe(lambda c: self._window(c["new"]), names="value")
        self.range_start = W.Text(
            placeholder=_("YYYY-MM-DD HH:MM"), description=_("from"), layout=W.Layout(width="220px")
        )
        self.range_start.add_class("wb-range-start")
        self.range_end = W.Text(
            placeholder=_("YYYY-MM-DD HH:MM"), description=_("to"), layout=W.Layout(width="220px")
        )
        self.range_end.add_class("wb-range-end")
        self.apply_button = W.Button(description=_("Apply range"), icon="check")
        self.apply_button.add_class("wb-apply-range")
        self.apply_button.on_click(lambda _: self.apply_range())
        self.range_box = W.HBox([self.range_start, self.range_end, self.apply_button])
        self.range_box.layout.display = "none"
        self.message = W.HTML()
        self.message.add_class("wb-filter-message")
        self.dropdowns: dict[str, W.Dropdown] = {}
        for name in DIMENSIONS:
            box = W.Dropdown(
                options=[(_(ALL), ALL)],
                value=ALL,
                description=_(DIMENSION_LABELS.get(name, name)),
                layout=W.Layout(width="200px"),
            )
            box.style.description_width = "60px"
            box.add_class(f"wb-filter-{name}")
            box.observe(lambda c, n=name: self._pick(n, c["new"]), names="value")
            self.dropdowns[name] = box
        super().__init__(
            [
                W.HBox([self.window, self.range_box]),
                W.HBox(list(self.dropdowns.values())),
                self.message,
            ]
        )
        self.add_class("wb-filters")
        self._quiet = False

    # --- what a supervisor presses --------------------------------------------------------

    def pick_window(self, window: str) -> None:
        self.window.value = window

    def choose_range(self, start: object, end: object) -> None:
        """Pick the chosen-range window from ``start`` to ``end`` (UTC)."""
        self.range_start.value = pd.Timestamp(start).strftime("%Y-%m-%d %H:%M")
        self.range_end.value = pd.Timestamp(end).strftime("%Y-%m-%d %H:%M")
        self._quiet = True
        self.window.value = "range"
        self._quiet = False
        self.apply_range()

    def apply_range(self) -> None:
        try:
            start, end = pd.Timestamp(self.range_start.value), pd.Timestamp(self.range_end.value)
        except ValueError:
            said = esc(_("from/to: YYYY-MM-DD HH:MM"))
            self.message.value = f'<span style="color:#cf222e">{said}</span>'
            return
        if pd.isna(start) or pd.isna(end) or end <= start:
            said = esc(_("the range must end after it starts"))
            self.message.value = f'<span style="color:#cf222e">{said}</span>'
            return
        self.message.value = ""
        self._on_change(window="range", start=start, end=end)

    def pick(self, dimension: str, value: str | None) -> None:
        """Show only ``value`` of ``dimension`` (queue, timeline, channel, agent); None: all."""
        box = self.dropdowns[dimension]
        wanted = ALL if value is None else value
        if wanted not in _values(box):
            box.options = [*_options(box), (wanted, wanted)]
        box.value = wanted

    # --- model -> view --------------------------------------------------------------------

    def set_options(self, options: dict[str, list[str]]) -> None:
        for name, box in self.dropdowns.items():
            values = [ALL, *options.get(name, [])]
            if box.value not in values:
                values.append(box.value)
            wanted = [(_(ALL) if v == ALL else v, v) for v in values]
            if _options(box) != wanted:
                value = box.value
                self._quiet = True
                box.options = wanted
                box.value = value
                self._quiet = False

    def _window(self, window: str) -> None:
        self.range_box.layout.display = "flex" if window == "range" else "none"
        if window == "range":
            if not self._quiet and self.range_start.value and self.range_end.value:
                self.apply_range()
            return
        self._on_change(window=window)

    def _pick(self, name: str, value: str) -> None:
        if not self._quiet:
            self._on_change(**{name: None if value == ALL else value})


KPI_STYLE = """<style>
.wb-kpi-strip{display:flex;gap:10px;flex-wrap:wrap;
  font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif}
.wb-kpi{border:1px solid #d0d7de;border-radius:8px;padding:6px 12px;min-width:96px;background:#fff}
.wb-kpi-value{font-size:22px;font-weight:600}
.wb-kpi-label{color:#57606a;font-size:12px}
</style>"""


def dollars(value: float | None) -> str:
    """``$0.21``, ``$0.005``; ``-`` for nothing to measure."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    from workbench.domain.cost import MICROS, usd

    return usd(round(value * MICROS))


def kpi_html(snap: Snapshot) -> str:
    k = snap.kpis
    colour = sl_colour(k["service_level"], k["goal"])
    needed = "-" if k["agents_needed"] is None else str(k["agents_needed"])
    logged = "-" if k["logged_in"] is None else str(k["logged_in"])
    items: list[tuple[str, str, str, str | None]] = [
        ("in-queue", str(k["in_queue"]), _("in queue"), None),
        ("oldest-wait", minutes(k["oldest_wait_seconds"]), _("oldest wait"), None),
        (
            "service-level",
            percent(k["service_level"]),
            _("service level, goal {goal}").format(goal=percent(k["goal"])),
            colour,
        ),
        ("handled-today", str(k["handled_today"]), _("handled today"), None),
        ("negative", percent(k["negative_share"]), _("negative sentiment"), None),
        ("staffing", f"{needed} / {logged}", _("needed / logged in"), None),
        ("clear-queue", clearing(k.get("clear_seconds")), _("to clear the queue"), None),
        ("spend-today", dollars(k.get("spend_today")), _("X spend today"), None),
        ("spend-month", dollars(k.get("spend_month")), _("X spend this month"), None),
        ("cost-per-handled", dollars(k.get("cost_per_handled")), _("X cost per handled"), None),
    ]
    basis = {"staffing": staffing_basis(k), "clear-queue": clearing_basis(k)}
    cells = "".join(
        f'<div class="wb-kpi wb-kpi-{key}"'
        + (f' title="{esc(basis[key])}"' if key in basis else "")
        + (f' style="border-color:{c};background:{c}14"' if c else "")
        + '><div class="wb-kpi-value"'
        + (f' style="color:{c}"' if c else "")
        + f'>{esc(value)}</div><div class="wb-kpi-label">{esc(label)}</div></div>'
        for key, value, label, c in items
    )
    return f'{KPI_STYLE}<div class="wb-kpi-strip">{cells}</div>'


def staffing_basis(k: dict[str, Any]) -> str:
    """What "needed / logged in" rests on (the staffing KPI's tooltip): Erlang C answers for the
    arrivals of the last hour, not for those already waiting, which a supervisor reading a long
    queue beside a small "needed" should know."""
    if k["agents_needed"] is None:
        return _("Erlang C needs a handle time: no interaction is done yet.")
    return _(
        "Erlang C on the last hour: {arrivals} arrivals an hour, {handle} handle time, "
        "{goal} answered within {threshold}. The {waiting} already waiting are not counted."
    ).format(
        arrivals=format_number(k["arrivals_per_hour"], decimals=1),
        handle=minutes(k["handle_seconds"]),
        goal=percent(k["goal"]),
        threshold=minutes(k["threshold"]),
        waiting=k["in_queue"],
    )


def clearing(seconds: float | None) -> str:
    """How long the ready agents take to clear the queue: ``12.5 min``; ``growing`` when they
    answer no more than arrives; ``-`` when there is nothing to work it out from."""
    if seconds is not None and math.isinf(seconds):
        return _("growing")
    return minutes(seconds)


def clearing_basis(k: dict[str, Any]) -> str:
    """What "to clear the queue" rests on (its tooltip)."""
    if k.get("clear_seconds") is None:
        return _("It needs a handle time and the agents' states: none yet.")
    if not k["in_queue"]:
        return _("Nobody is waiting.")
    basis = _(
        "{ready} agents in Ready, {capacity} at a time each, answer about {served} an hour "
        "({handle} handle time); {arrivals} arrive an hour."
    ).format(
        ready=k["ready"],
        capacity=k["capacity"],
        served=format_number(k["served_per_hour"], decimals=1),
        handle=minutes(k["handle_seconds"]),
        arrivals=format_number(k["arrivals_per_hour"], decimals=1),
    )
    if math.isinf(k["clear_seconds"]):
        then = _("The {waiting} waiting do not get fewer.")
    else:
        then = _("The {waiting} waiting are answered in {time}.")
    return f"{basis} {then.format(waiting=k['in_queue'], time=minutes(k['clear_seconds']))}"


class KpiPanel(W.HTML):
    """The KPI strip."""

    def __init__(self) -> None:
        super().__init__()
        self.add_class("wb-kpis")

    def show(self, snap: Snapshot) -> None:
        self.value = kpi_html(snap)

"""The per-agent table (sortable, an agent's name opens their interactions) and the drill-down
panel listing the interactions behind a bar or an agent (all text escaped)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W
import pandas as pd

from workbench.i18n import N_, _, format_day_time, ngettext
from workbench.widgets._html import esc, reason_text
from workbench.widgets.dashboard.controls import minutes, percent

AGENT_COLUMNS = {
    "state": N_("state"),
    "handled": N_("handled"),
    "open": N_("open"),
    "median_handle_seconds": N_("median handle"),
    "median_first_response_seconds": N_("median first response"),
    "occupancy": N_("occupancy"),
    "rejections": N_("rejected"),
    "timeouts": N_("timed out"),
}
"""The table's columns: name -> header (translated where shown)."""
AGENT_STATES = {
    "ready": N_("ready"),
    "not_ready": N_("not ready"),
    "after_call_work": N_("after call work"),
    "offline": N_("offline"),
}
DRILL_HEADS = (
    N_("contact"),
    N_("text"),
    N_("channel"),
    N_("state"),
    N_("agent"),
    N_("arrived"),
    N_("first reply"),
    N_("done"),
)
_CELL = "padding:3px 8px;border-bottom:1px solid #eaeef2;font-size:13px"
_N = len(AGENT_COLUMNS) + 1
_STATE = list(AGENT_COLUMNS).index("state") + 2
AGENT_STYLE = f"""<style>
.wb-agent-grid{{grid-template-columns:max-content minmax(9em,max-content)
  repeat({_N - 2},minmax(min-content,max-content));overflow-x:auto;align-items:stretch}}
.wb-agent-grid .wb-sort{{white-space:normal;height:auto;min-height:28px;line-height:1.25;
  padding:3px 8px;overflow:visible}}
.wb-agent-grid .wb-agent-link{{width:max-content;min-width:100%;overflow:visible}}
.wb-agent-grid .widget-html-content{{height:auto;line-height:1.35;white-space:nowrap}}
.wb-agent-grid > .widget-html:nth-child({_N}n+{_STATE}) .widget-html-content{{white-space:normal}}
.wb-agent-grid .widget-html-content > div{{height:100%;box-sizing:border-box}}
</style>"""
"""The agent table's columns fit what they hold: an agent's name whole in the first, each
header on as many lines as it needs (never cut short with an ellipsis), a figure on one line,
the state (and why) on as many as it needs; narrower than that, the table scrolls sideways."""


def _cell(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if column.endswith("_seconds"):
        return minutes(float(value))
    if column == "occupancy":
        return percent(float(value))
    if column == "state":
        return _(AGENT_STATES.get(str(value), str(value).replace("_", " ")))
    return str(value).replace("_", " ")


class AgentTablePanel(W.VBox):
    """One row per agent; ``sort_by(column)`` (a header click) sorts, again reverses;
    ``pick(agent)`` (a name click) calls ``on_agent(agent)``."""

    def __init__(self, on_agent: Callable[[str], None]) -> None:
        self._on_agent = on_agent
        self.sort_column = "handled"
        self.descending = True
        self.table = pd.DataFrame()
        self.headers: dict[str, W.Button] = {}
        for column, label in {"agent": N_("agent"), **AGENT_COLUMNS}.items():
            b = W.Button(description=_(label), layout=W.Layout(width="auto"))
            b.add_class("wb-sort")
            b.add_class(f"wb-sort-{column}")
            b.on_click(lambda _, c=column: self.sort_by(c))
            self.headers[column] = b
        self.grid = W.GridBox()  # its columns: AGENT_STYLE
        self.grid.add_class("wb-agent-grid")
        self.agent_buttons: dict[str, W.Button] = {}
        self._rows: dict[str, tuple[W.Button, list[W.HTML]]] = {}
        """Each agent's row (their name's button and a cell per column), made once and kept: a
        refresh changes the values that moved. (Made anew on every refresh, the rows sent the
        page some 160 new widgets a second on a busy floor, on and on after its tab closed, and
        the kernel kept every one.)"""
        title = W.HTML(AGENT_STYLE + "<b>" + esc(_("Agents")) + "</b>")
        super().__init__([title, self.grid])
        self.add_class("wb-agent-table")

    def sort_by(self, column: str) -> None:
        if column == self.sort_column:
            self.descending = not self.descending
        else:
            self.sort_column, self.descending = column, column != "agent"
        self._draw()

    def pick(self, agent: str) -> None:
        self._on_agent(agent)

    def show(self, table: pd.DataFrame | None) -> None:
        self.table = pd.DataFrame() if table is None else table
        self._draw()

    def rows(self) -> list[str]:
        """The agents in the order shown."""
        return list(self._sorted().index.astype(str))

    def _sorted(self) -> pd.DataFrame:
        t = self.table
        if t.empty:
            return t
        if self.sort_column == "agent":
            return t.sort_index(ascending=not self.descending, key=lambda i: i.astype(str))
        if self.sort_column not in t:
            return t
        return t.sort_values(
            self.sort_column, ascending=not self.descending, na_position="last", kind="stable"
        )

    def _draw(self) -> None:
        for column, b in self.headers.items():
            arrow = (" ▼" if self.descending else " ▲") if column == self.sort_column else ""
            label = N_("agent") if column == "agent" else AGENT_COLUMNS[column]
            b.description = _(label) + arrow
        t = self._sorted()
        names = [str(agent) for agent in t.index]
        for gone in set(self._rows) - set(names):
            link, cells = self._rows.pop(gone)
            for widget in (link, *cells):
                widget.close()
        children: list[W.Widget] = list(self.headers.values())
        for name, (_agent, row) in zip(names, t.iterrows(), strict=True):
            link, cells = self._row(name)
            for cell, column in zip(cells, AGENT_COLUMNS, strict=True):
                shown = _cell(column, row.get(column, None))
                reason = row.get("reason", None) if column == "state" else None
                if isinstance(reason, str) and reason:  # Not Ready, and why
                    shown += " · " + reason_text(reason)
                html = f'<div style="{_CELL}">{esc(shown)}</div>'
                if cell.value != html:
                    cell.value = html
            children += [link, *cells]
        self.agent_buttons = {name: self._rows[name][0] for name in names}
        if tuple(children) != self.grid.children:
            self.grid.children = children

    def _row(self, name: str) -> tuple[W.Button, list[W.HTML]]:
        """The agent's row: made on first sight, kept while they are shown."""
        found = self._rows.get(name)
        if found is None:
            link = W.Button(
                description=name,
                tooltip=_("interactions of {agent}").format(agent=name),
                layout=W.Layout(width="auto"),
            )
            link.add_class("wb-agent-link")
            link.on_click(lambda _, a=name: self.pick(a))
            found = self._rows[name] = (link, [W.HTML() for _ in AGENT_COLUMNS])
        return found

    def close(self) -> None:
        for link, cells in self._rows.values():
            for widget in (link, *cells):
                widget.close()
        self._rows.clear()
        super().close()


def _when(value: Any) -> str:
    if value is None or pd.isna(value):
        return "-"
    return format_day_time(pd.Timestamp(value).to_pydatetime())


class DrillDownPanel(W.VBox):
    """The interactions behind what was clicked: contact, text, state, agent and times."""

    def __init__(self) -> None:
        self.title = W.HTML()
        self.title.add_class("wb-drill-title")
        self.body = W.HTML()
        self.body.add_class("wb-drill-rows")
        self.rows = pd.DataFrame()
        super().__init__([self.title, self.body])
        self.add_class("wb-drill")

    def show(self, title: str, rows: pd.DataFrame) -> None:
        self.rows = rows
        shown = ngettext("{n} shown", "{n} shown", len(rows)).format(n=len(rows))
        self.title.value = f'<b>{esc(title)}</b> <span style="color:#57606a">({esc(shown)})</span>'
        if rows.empty:
            said = esc(_("No interactions."))
            self.body.value = f'<div style="color:#57606a">{said}</div>'
            return
        head = "".join(f'<th style="{_CELL};text-align:left">{esc(_(h))}</th>' for h in DRILL_HEADS)
        lines = []
        for r in rows.itertuples(index=False):
            contact = f"@{r.contact}" if isinstance(r.contact, str) else "-"
            text = r.text if isinstance(r.text, str) else ""
            lines.append(
                "<tr>"
                + "".join(
                    f'<td style="{_CELL}">{esc(v)}</td>'
                    for v in (
                        contact,
                        text[:140],
                        r.channel,
                        _(str(r.state)),
                        r.agent if isinstance(r.agent, str) else "-",
                        _when(r.arrived_at),
                        _when(r.first_reply_at),
                        _when(r.done_at),
                    )
                )
                + "</tr>"
            )
        self.body.value = (
            '<div style="max-height:260px;overflow:auto"><table style="border-collapse:collapse">'
            f"<tr>{head}</tr>{''.join(lines)}</table></div>"
        )


SPEND_HEADERS = (
    N_("brand account"),
    N_("kind"),
    N_("today"),
    N_("this month"),
    N_("calls today"),
    N_("calls this month"),
)


class SpendPanel(W.VBox):
    """X spend today and this month per brand account and kind, and the cost per handled
    interaction per brand account (every text escaped: account names come from X)."""

    def __init__(self) -> None:
        title = _("X spend")
        self.title = W.HTML(f"<b>{esc(title)}</b>")
        self.note = W.HTML()
        self.note.add_class("wb-spend-note")
        self.body = W.HTML()
        self.body.add_class("wb-spend-rows")
        self.per_handled = W.HTML()
        self.per_handled.add_class("wb-cost-per-handled")
        self.table = pd.DataFrame()
        super().__init__([self.title, self.note, self.body, self.per_handled])
        self.add_class("wb-spend")

    def show(self, spend: Any, per_handled: Any, note: str) -> None:
        """``spend`` and ``per_handled``: the ``spend`` and ``cost_per_handled`` metrics."""
        from workbench.widgets.dashboard.controls import dollars

        self.note.value = f'<span style="color:#57606a">{esc(note)}</span>'
        table = spend.table if spend.table is not None else pd.DataFrame()
        self.table = table
        head = "".join(
            f'<th style="{_CELL};text-align:left">{esc(_(h))}</th>' for h in SPEND_HEADERS
        )
        if table.empty:
            nothing = _("No X calls recorded this month.")
            self.body.value = f'<div style="color:#57606a">{esc(nothing)}</div>'
        else:
            lines = []
            for (timeline, kind), row in table.iterrows():
                cells = (
                    f"@{timeline}",
                    str(kind).replace("_", " "),
                    dollars(float(row["today"])),
                    dollars(float(row["month"])),
                    str(int(row["calls_today"])),
                    str(int(row["calls_month"])),
                )
                lines.append(
                    "<tr>" + "".join(f'<td style="{_CELL}">{esc(v)}</td>' for v in cells) + "</tr>"
                )
            self.body.value = (
                f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(lines)}</table>'
            )
        by = per_handled.table if per_handled.table is not None else pd.DataFrame()
        handled = _("handled")
        parts = [
            f"@{esc(name)}: {esc(dollars(row['cost_per_handled']))} "
            f"({esc(dollars(float(row['spend'])))} / {int(row['handled'])} {esc(handled)})"
            for name, row in by.iterrows()
        ]
        label = _("cost per handled interaction in the window")
        self.per_handled.value = (
            f'<span style="color:#57606a">{esc(label)}: '
            + esc(dollars(per_handled["cost_per_handled"]))
            + (" · " + " · ".join(parts) if parts else "")
            + "</span>"
        )

"""The Excel workbook, streamed: typed data sheets written a batch of rows at a time in
XlsxWriter's constant-memory mode, then summary sheets of typed, formatted numbers with native
Excel charts.

XlsxWriter writes the file; its options keep every string a string (never a formula, never a
link), which is what makes attacker-written tweets safe to open in Excel. In constant-memory
mode each sheet's rows go to disk as they are written, so a sheet of a million rows costs the
memory of one batch; what the summaries need (a few small columns per row) is kept aside and
summarised at the end. The summary sheets come first in the workbook, the data after them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.i18n import N_, _
from workbench.reports._labels import Labels
from workbench.reports.summary import SERVICE_LEVEL_SECONDS, summarize

EXCEL_MAX_ROWS = 1_048_576
"""Rows of an Excel sheet, its header included."""
_WIDTH_SAMPLE = 200
_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
    "constant_memory": True,
}
_EPOCH = np.datetime64("1899-12-30T00:00:00", "us")
"""Day 0 of Excel's dates (with its 1900 leap-year quirk, day 60 and on are right)."""
_US_PER_DAY = 86_400 * 1_000_000
PAPER = {"a4": 9, "letter": 1}
"""XlsxWriter's paper codes of the paper sizes a report is printed on."""
_KEPT = (
    "arrived_at",
    "channel",
    "queue",
    "agent",
    "disposition",
    "sentiment",
    "state",
    "first_response_seconds",
    "handle_seconds",
    "corrections",
)
"""What the summary sheets read of each row (kept aside while the rows are written)."""
LABELLED = ("queue", "disposition")
"""Code columns followed by their label in a data sheet (``queue_label``...)."""


def excel_serials(times: pd.Series, tz: str) -> np.ndarray:
    """Times as Excel date serials (days since 1899-12-30, wall-clock time in ``tz``: Excel
    has no time zones), NaN where missing."""
    local = times.dt.tz_convert(tz).dt.tz_localize(None) if times.dt.tz is not None else times
    stamps = local.to_numpy(dtype="datetime64[us]")
    out = (stamps - _EPOCH).astype("timedelta64[us]").astype(np.int64) / _US_PER_DAY
    out[pd.isna(local).to_numpy()] = np.nan
    return np.asarray(out, dtype=np.float64)


def _objects(values: np.ndarray) -> list[Any]:
    """A numpy column as a list with None for what is missing (NaN, NaT, pandas' NA)."""
    out = np.asarray(values, dtype=object)
    out[pd.isna(out)] = None
    return out.tolist()


@dataclass
class _Column:
    name: str
    kind: str
    """``time``, ``bool``, ``int``, ``float`` or ``text``."""


def _kind(dtype: Any) -> str:
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "time"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    return "text"


class DataSheet:
    """A data sheet written a batch of rows at a time, in row order (constant memory); past
    Excel's row limit it goes on in ``name (2)``, ``name (3)``..."""

    def __init__(self, workbook: Workbook, name: str, tz: str) -> None:
        self.workbook = workbook
        self.name = name
        self.tz = tz
        self.rows = 0
        """Data rows written, over all its sheets."""
        self.sheets: list[Any] = []
        self._columns: list[_Column] = []
        self._sheet: Any = None
        self._row = 0

    def _header(self, frame: pd.DataFrame) -> list[str]:
        return [
            f"{c} ({self.tz})" if _kind(frame[c].dtype) == "time" else str(c) for c in frame.columns
        ]

    def _new_sheet(self, frame: pd.DataFrame) -> None:
        book = self.workbook
        k = len(self.sheets)
        sheet = book.book.add_worksheet((self.name if k == 0 else f"{self.name} ({k + 1})")[:31])
        header = self._header(frame)
        for col, text in enumerate(header):
            sheet.write_string(0, col, text, book.header)
        for col, column in enumerate(self._columns):
            if column.kind == "time":
                width = 20
            else:
                sample = [str(v) for v in frame[column.name].head(_WIDTH_SAMPLE) if v == v]
                longest = max([len(header[col]), *(min(len(v), 60) for v in sample)], default=8)
                width = min(max(longest + 2, 8), 62)
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)
        sheet.set_landscape()
        sheet.repeat_rows(0)
        sheet.set_paper(book.paper)
        self.sheets.append(sheet)
        self._sheet, self._row = sheet, 0

    def write(self, frame: pd.DataFrame) -> None:
        """Append ``frame``'s rows (the columns of the first batch, in its order)."""
        if not self._columns:
            self._columns = [_Column(str(c), _kind(frame[c].dtype)) for c in frame.columns]
            self._new_sheet(frame)
        book = self.workbook
        # (column, XlsxWriter method, values, format): the method is taken from the sheet
        # being written, which a batch past Excel's row limit changes
        cells: list[tuple[int, str, list[Any], Any]] = []
        for col, column in enumerate(self._columns):
            series = frame[column.name]
            if column.kind == "time":
                serials = _objects(excel_serials(series, self.tz))
                cells.append((col, "write_number", serials, book.when))
            elif column.kind == "bool":
                cells.append((col, "write_boolean", _objects(series.to_numpy()), None))
            elif column.kind == "number":
                cells.append((col, "write_number", _objects(series.to_numpy()), None))
            else:
                values = np.array(series.to_numpy(dtype=object, na_value=None), dtype=object)
                values[values == ""] = None  # an empty cell, not an empty string
                cells.append((col, "write_string", values.tolist(), None))
        start = 0
        while start < len(frame):
            room = EXCEL_MAX_ROWS - 1 - self._row
            if room == 0:
                self._close_sheet()
                self._new_sheet(frame)
                room = EXCEL_MAX_ROWS - 1
            count = min(room, len(frame) - start)
            self._rows(cells, start, count)
            start += count
        self.rows += len(frame)

    def _rows(
        self, cells: Sequence[tuple[int, str, list[Any], Any]], start: int, count: int
    ) -> None:
        """Write rows ``start`` to ``start + count`` of the batch, row after row (the loop that
        is the writing's cost: one XlsxWriter call per cell that has a value)."""
        bound = [(col, getattr(self._sheet, name), values, f) for col, name, values, f in cells]
        row = self._row + 1
        for r in range(start, start + count):
            for col, write, values, fmt in bound:
                value = values[r]
                if value is not None:
                    write(row, col, value, fmt)
            row += 1
        self._row += count

    def _close_sheet(self) -> None:
        if self._sheet is not None:
            self._sheet.autofilter(0, 0, max(self._row, 1), max(len(self._columns) - 1, 0))

    def close(self, empty: pd.DataFrame) -> None:
        """Finish the sheet (``empty``: the columns to head it with when no row came)."""
        if not self._columns:
            self._columns = [_Column(str(c), _kind(empty[c].dtype)) for c in empty.columns]
            self._new_sheet(empty)
        self._close_sheet()


class Workbook:
    """The report's workbook: ``write`` each batch of rows (and of transcript lines), then
    ``close`` writes the summary sheets in front of them."""

    def __init__(
        self,
        path: Path,
        tz: str,
        labels: Labels,
        paper: str = "a4",
        with_transcript: bool = False,
    ) -> None:
        import xlsxwriter

        self.tz = tz
        self.labels = labels
        self.title = ""
        self.paper = PAPER.get(paper, 9)
        self.book = xlsxwriter.Workbook(str(path), _OPTIONS)
        self.header = self.book.add_format({"bold": True, "bottom": 1, "bg_color": "#F2F2F2"})
        self.wrapped = self.book.add_format(
            {"bold": True, "bottom": 1, "bg_color": "#F2F2F2", "text_wrap": True, "valign": "top"}
        )
        self.when = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._formats: dict[str, Any] = {}
        # The summary sheets first (written at the end: their figures need every row).
        self._summary_sheets = {name: self.book.add_worksheet(name[:31]) for name in _sheet_names()}
        self.interactions = DataSheet(self, "interactions", tz)
        self.transcript = DataSheet(self, "transcript", tz) if with_transcript else None
        self._kept: list[pd.DataFrame] = []

    def write(self, frame: pd.DataFrame, lines: pd.DataFrame | None = None) -> None:
        self.interactions.write(_with_labels(frame, self.labels))
        self._kept.append(_compact(frame))
        if self.transcript is not None and lines is not None and len(lines):
            self.transcript.write(lines)

    def close(
        self, empty: pd.DataFrame, empty_lines: pd.DataFrame | None = None, title: str = ""
    ) -> None:
        """Finish the data sheets (headed by ``empty``'s columns when no row came) and write
        the summary sheets, the first titled ``title``."""
        self.title = title
        self.book.set_properties({"title": title})
        try:
            self.interactions.close(_with_labels(empty, self.labels))
            if self.transcript is not None and empty_lines is not None:
                self.transcript.close(empty_lines)
            kept = pd.concat(self._kept, ignore_index=True) if self._kept else _compact(empty)
            self._summaries(kept)
        finally:
            self.book.close()

    # --- the summary sheets -------------------------------------------------------------

    def _summaries(self, ledger: pd.DataFrame) -> None:
        notes = [_("Times in {zone}.").format(zone=self.tz)]
        for data in (self.interactions, self.transcript):
            if data is not None and len(data.sheets) > 1:
                notes.append(
                    _(
                        "{sheet}: {rows} rows are more than an Excel sheet holds ({limit}); "
                        "split into {sheets} sheets."
                    ).format(
                        sheet=data.name,
                        rows=f"{data.rows:,}",
                        limit=f"{EXCEL_MAX_ROWS - 1:,}",
                        sheets=len(data.sheets),
                    )
                )
        figures = summarize(ledger).figures()
        table = pd.DataFrame({"figure": [f[0] for f in figures], "value": [f[1] for f in figures]})
        formats = [f[2] for f in figures]
        sheet = self._summary_sheets[_SUMMARY]
        self._table(sheet, table, [_("figure"), _("value")], row_formats=formats)
        # The title below the figures (pandas and Excel's filters read the table at A1) and at
        # the top of every printed page of every summary sheet.
        bold = self.book.add_format({"bold": True, "font_size": 14})
        sheet.write_string(len(table) + 2, 0, self.title, bold)
        sheet.write_string(len(table) + 3, 0, " ".join(notes))
        for page in self._summary_sheets.values():
            page.set_header("&L&B" + self.title.replace("&", "&&"))
        for name, (frame, headers, formats_, chart) in _summaries(
            ledger, self.tz, self.labels
        ).items():
            sheet = self._summary_sheets[name]
            self._table(sheet, frame, headers, column_formats=formats_)
            if chart is not None and len(frame):
                self._chart(sheet, name, chart, len(frame), frame)

    def _format(self, kind: str) -> Any:
        found = self._formats.get(kind)
        if found is None:
            found = self._formats[kind] = self.book.add_format(
                {"num_format": _NUMBER_FORMATS[kind]}
            )
        return found

    def _table(
        self,
        sheet: Any,
        frame: pd.DataFrame,
        headers: Sequence[str],
        column_formats: Sequence[str] | None = None,
        row_formats: Sequence[str] | None = None,
    ) -> None:
        """A table at A1: text as text, numbers as numbers in the format their column (or
        row) says, a dash where there is nothing to measure."""
        top = 0
        sheet.set_paper(self.paper)
        sheet.fit_to_pages(1, 0)
        for col, (column, header) in enumerate(zip(frame.columns, headers, strict=True)):
            # a long header wraps (a column as wide as "Median first response (minutes)"
            # would shrink the printed page)
            sheet.write_string(top, col, header, self.wrapped)
            shown = [min(len(str(header)), 16), *(len(str(v)) for v in frame[column])]
            sheet.set_column(col, col, min(max(max(shown) + 2, 10), 60))
        for r, values in enumerate(frame.itertuples(index=False), start=top + 1):
            for col, value in enumerate(values):
                kind = (
                    row_formats[r - top - 1]
                    if row_formats is not None and col > 0
                    else (column_formats[col] if column_formats is not None else "text")
                )
                if isinstance(value, str) or kind == "text":
                    sheet.write_string(r, col, "" if value is None else str(value))
                elif value is None or pd.isna(value):
                    sheet.write_string(r, col, "–")
                elif kind == "date":
                    sheet.write_number(r, col, float(value), self._format("date"))
                else:
                    sheet.write_number(r, col, float(value), self._format(kind))
        if frame.empty:
            sheet.write_string(top + 1, 0, _("No interactions in this range."))

    def _chart(self, sheet: Any, name: str, chart: _Chart, rows: int, frame: pd.DataFrame) -> None:
        made = self.book.add_chart({"type": chart.kind})
        for k in chart.series:
            made.add_series(
                {
                    "name": [name[:31], 0, k],
                    "categories": [name[:31], 1, chart.categories, rows, chart.categories],
                    "values": [name[:31], 1, k, rows, k],
                }
            )
        made.set_title({"name": chart.title})
        made.set_legend({"position": "bottom" if len(chart.series) > 1 else "none"})
        tall = chart.kind == "bar"  # a bar per row, each with its label
        made.set_size({"width": 640, "height": max(320, 26 * rows + 90) if tall else 320})
        if chart.dates:
            made.set_x_axis({"num_format": "ddd d mmm", "num_font": {"rotation": -45}})
        if chart.percent:
            made.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
        if chart.kind == "bar":  # the first row (the biggest) on top, as the table reads
            made.set_y_axis({"reverse": True})
        sheet.insert_chart(rows + 3, 0, made)  # below the table: the page keeps its width


_NUMBER_FORMATS = {
    "count": "#,##0",
    "minutes": "0.0",
    "share": "0%",
    "date": "yyyy-mm-dd",
}
"""Excel number formats of a summary's kinds of figure."""
_SUMMARY = "summary"
CHANNELS = {"mention": N_("Mentions"), "dm": N_("Direct messages"), "outbound": N_("Brand's posts")}
SENTIMENTS = {
    "negative": N_("negative"),
    "neutral": N_("neutral"),
    "positive": N_("positive"),
    "undeclared": N_("undeclared"),
}


@dataclass(frozen=True)
class _Chart:
    kind: str
    title: str
    categories: int
    """The column of the categories (0: the first)."""
    series: tuple[int, ...]
    percent: bool = False
    dates: bool = False
    """Whether the categories are days (Excel serials), shown as dates."""


def _sheet_names() -> list[str]:
    return [_SUMMARY, *_SHEETS]


_SHEETS = (
    "volume per day",
    "service level",
    "handle time",
    "dispositions",
    "sentiment",
    "per queue",
    "per agent",
)


def _with_labels(frame: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """``frame`` with ``queue_label`` and ``disposition_label`` after their codes."""
    out = frame.copy(deep=False)
    for column in LABELLED:
        if column not in out.columns:
            continue
        codes = out[column]
        named = (
            codes.cat.rename_categories([getattr(labels, column)(c) for c in codes.cat.categories])
            if isinstance(codes.dtype, pd.CategoricalDtype)
            and len(set(getattr(labels, column)(c) for c in codes.cat.categories))
            == len(codes.cat.categories)
            else codes.astype(object).map(getattr(labels, column), na_action="ignore")
        )
        out.insert(out.columns.get_loc(column) + 1, f"{column}_label", named)
    return out


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The few columns of ``frame`` the summaries read (``_KEPT``), compact."""
    out = pd.DataFrame(index=range(len(frame)))
    for column in _KEPT:
        if column in frame.columns:
            values = frame[column].reset_index(drop=True)
            if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
                values = values.astype("category")
            out[column] = values
    return out


def _summaries(
    ledger: pd.DataFrame, tz: str, labels: Labels
) -> dict[str, tuple[pd.DataFrame, list[str], list[str], _Chart | None]]:
    """Each summary sheet: its table, headers, column formats and chart."""
    frame = ledger.copy()
    for column in ("channel", "queue", "agent", "disposition", "sentiment", "state"):
        if column in frame:
            frame[column] = frame[column].astype(object)
    local = frame["arrived_at"].dt.tz_convert(tz).dt.tz_localize(None)
    day = local.dt.floor("D")
    if len(frame):
        volume = pd.crosstab(day, frame["channel"]).rename_axis(index="day", columns=None)
        volume = volume.reset_index()
    else:
        volume = pd.DataFrame({"day": pd.Series(dtype="datetime64[us]")})
    volume["day"] = excel_serials(volume["day"], tz) if len(volume) else volume["day"]
    channels = [c for c in volume.columns if c != "day"]
    answered = frame["first_response_seconds"]
    within = (answered <= SERVICE_LEVEL_SECONDS).where(answered.notna())
    per_day = (
        pd.DataFrame({"day": day, "within": within.astype(float)})
        .groupby("day")["within"]
        .mean()
        .reset_index()
    )
    handle = (
        pd.DataFrame({"day": day, "minutes": frame["handle_seconds"] / 60})
        .groupby("day")["minutes"]
        .median()
        .reset_index()
    )
    for table in (per_day, handle):
        table["day"] = excel_serials(table["day"], tz) if len(table) else table["day"]
    done = frame[frame["state"] == "done"]
    codes = done["disposition"].dropna()
    counts = codes.value_counts()
    dispositions = pd.DataFrame(
        {
            "label": [labels.disposition(c) for c in counts.index],
            "code": [str(c) for c in counts.index],
            "interactions": counts.to_numpy(),
            "share": counts.to_numpy() / max(int(counts.sum()), 1),
        }
    )
    felt = frame["sentiment"].value_counts()
    sentiment = pd.DataFrame(
        {
            "sentiment": [_(SENTIMENTS.get(str(s), str(s))) for s in felt.index],
            "interactions": felt.to_numpy(),
            "share": felt.to_numpy() / max(len(frame), 1),
        }
    )

    def by(column: str, label: Callable[[object], str]) -> pd.DataFrame:
        if not len(frame):
            return pd.DataFrame(
                {"label": [], "code": [], "interactions": [], "done": [], "fr": [], "ht": []}
            )
        keys = frame[column].fillna("")
        groups = frame.groupby(keys, sort=True)
        names = list(groups.groups)
        return pd.DataFrame(
            {
                "label": [label(k) if k else _("(none)") for k in names],
                "code": [str(k) for k in names],
                "interactions": groups.size().to_numpy(),
                "done": groups["state"].apply(lambda s: int((s == "done").sum())).to_numpy(),
                "fr": (groups["first_response_seconds"].median() / 60).to_numpy(),
                "ht": (groups["handle_seconds"].median() / 60).to_numpy(),
            }
        )

    day_h = _("Day")
    per = [_("Interactions"), _("Done"), _("Median first response (minutes)")]
    per.append(_("Median handle time (minutes)"))
    per_formats = ["count", "count", "minutes", "minutes"]
    return {
        "volume per day": (
            volume,
            [day_h, *(_(CHANNELS.get(str(c), str(c))) for c in channels)],
            ["date", *(["count"] * len(channels))],
            _Chart(
                "column",
                _("Interactions per day by channel"),
                0,
                tuple(range(1, len(channels) + 1)),
                dates=True,
            ),
        ),
        "service level": (
            per_day,
            [day_h, _("Answered within {minutes} min").format(minutes=SERVICE_LEVEL_SECONDS // 60)],
            ["date", "share"],
            _Chart(
                "line",
                _("Answered within {minutes} min").format(minutes=SERVICE_LEVEL_SECONDS // 60),
                0,
                (1,),
                percent=True,
                dates=True,
            ),
        ),
        "handle time": (
            handle,
            [day_h, _("Median handle time (minutes)")],
            ["date", "minutes"],
            _Chart("line", _("Median handle time (minutes)"), 0, (1,), dates=True),
        ),
        "dispositions": (
            dispositions,
            [_("Disposition"), _("Code"), _("Interactions"), _("Share of done")],
            ["text", "text", "count", "share"],
            _Chart("bar", _("Dispositions"), 0, (2,)),
        ),
        "sentiment": (
            sentiment,
            [_("Sentiment"), _("Interactions"), _("Share")],
            ["text", "count", "share"],
            _Chart("pie", _("Sentiment"), 0, (1,)),
        ),
        "per queue": (
            by("queue", labels.queue),
            [_("Queue"), _("Code"), *per],
            ["text", "text", *per_formats],
            _Chart("column", _("Interactions per queue"), 0, (2,)),
        ),
        "per agent": (
            by("agent", str).drop(columns=["code"]),
            [_("Agent"), *per],
            ["text", *per_formats],
            _Chart("column", _("Interactions per agent"), 0, (1,)),
        ),
    }

"""The Excel workbook: typed data sheets and summary sheets with native Excel charts.

XlsxWriter writes the file; its options keep every string a string (never a formula, never a
link), which is what makes attacker-written tweets safe to open in Excel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from workbench.reports.summary import SERVICE_LEVEL_SECONDS, summarize

EXCEL_MAX_ROWS = 1_048_576
"""Rows of an Excel sheet, its header included."""
_WIDTH_SAMPLE = 200
_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
}


def _chunks(frame: pd.DataFrame, name: str, limit: int) -> list[tuple[str, pd.DataFrame]]:
    """The frame in sheets of at most ``limit`` data rows: ``name``, ``name (2)``, ..."""
    if len(frame) <= limit:
        return [(name, frame)]
    return [
        (name if k == 0 else f"{name} ({k + 1})", frame.iloc[start : start + limit])
        for k, start in enumerate(range(0, len(frame), limit))
    ]


def _data_sheet(book: Any, name: str, frame: pd.DataFrame) -> None:
    sheet = book.add_worksheet(name[:31])
    header = book.add_format({"bold": True, "bottom": 1, "bg_color": "#F2F2F2"})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    wrap = book.add_format({"text_wrap": False})
    columns = list(frame.columns)
    for col, column in enumerate(columns):
        sheet.write_string(0, col, str(column), header)
        series = frame[column]
        sample = [str(v) for v in series.head(_WIDTH_SAMPLE)]
        width = max([len(str(column)), *(min(len(v), 60) for v in sample)], default=8)
        is_time = pd.api.types.is_datetime64_any_dtype(series.dtype)
        sheet.set_column(col, col, 20 if is_time else min(max(width + 2, 8), 62))
        if is_time:
            for row, value in enumerate(series, start=1):
                if pd.notna(value):
                    sheet.write_datetime(row, col, value.to_pydatetime(), when)
        elif pd.api.types.is_bool_dtype(series.dtype):
            for row, value in enumerate(series, start=1):
                sheet.write_boolean(row, col, bool(value))
        elif pd.api.types.is_numeric_dtype(series.dtype):
            for row, value in enumerate(series, start=1):
                if pd.notna(value):
                    sheet.write_number(row, col, float(value))
        else:
            for row, value in enumerate(series, start=1):
                if value is not None and not (isinstance(value, float) and pd.isna(value)):
                    sheet.write_string(row, col, str(value), wrap)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(frame), 1), max(len(columns) - 1, 0))


def _table(book: Any, name: str, frame: pd.DataFrame, note: str = "") -> Any:
    """A small summary table at A1 (a note below it when given); returns the sheet."""
    sheet = book.add_worksheet(name[:31])
    header = book.add_format({"bold": True, "bottom": 1, "bg_color": "#F2F2F2"})
    share = book.add_format({"num_format": "0%"})
    for col, column in enumerate(frame.columns):
        sheet.write_string(0, col, str(column), header)
        longest = max([len(str(column)), *(len(str(v)) for v in frame[column])], default=0)
        sheet.set_column(col, col, min(max(longest + 2, 14), 60))
        for row, value in enumerate(frame[column], start=1):
            if isinstance(value, str):
                sheet.write_string(row, col, value)
            elif pd.isna(value):
                sheet.write_string(row, col, "–")
            elif "share" in str(column) or "level" in str(column):
                sheet.write_number(row, col, float(value), share)
            else:
                sheet.write_number(row, col, float(value))
    if note:
        sheet.write_string(len(frame) + 2, 0, note)
    if frame.empty:
        sheet.write_string(1, 0, "No interactions in this range.")
    return sheet


def _chart(
    book: Any, sheet: Any, name: str, kind: str, title: str, rows: int, series: int = 1
) -> None:
    if rows == 0:
        return
    chart = book.add_chart({"type": kind})
    for k in range(series):
        chart.add_series(
            {
                "name": [name, 0, k + 1],
                "categories": [name, 1, 0, rows, 0],
                "values": [name, 1, k + 1, rows, k + 1],
            }
        )
    chart.set_title({"name": title})
    chart.set_legend({"position": "bottom" if series > 1 else "none"})
    chart.set_size({"width": 640, "height": 320})
    sheet.insert_chart(1, series + 3, chart)


def _summaries(ledger: pd.DataFrame, tz: str) -> list[tuple[str, pd.DataFrame, str, str, int]]:
    """(sheet, table, chart type, chart title, series) for each summary sheet."""
    frame = ledger.copy()
    for column in ("channel", "queue", "agent", "disposition", "sentiment", "state"):
        if column in frame:
            frame[column] = frame[column].astype(object)
    day = frame["arrived_at"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d")
    volume = (
        pd.crosstab(day, frame["channel"]).rename_axis(index="day", columns=None).reset_index()
        if len(frame)
        else pd.DataFrame({"day": []})
    )
    answered = frame["first_response_seconds"]
    within = (answered <= SERVICE_LEVEL_SECONDS).where(answered.notna())
    per_day = (
        pd.DataFrame({"day": day, "within": within})
        .groupby("day")["within"]
        .mean()
        .rename("service level")
        .reset_index()
    )
    handle = (
        pd.DataFrame({"day": day, "minutes": frame["handle_seconds"] / 60})
        .groupby("day")["minutes"]
        .median()
        .rename("median handle minutes")
        .reset_index()
    )
    dispositions = (
        frame["disposition"]
        .fillna("(none)")
        .value_counts()
        .rename_axis("disposition")
        .rename("interactions")
        .reset_index()
    )
    sentiment = (
        frame["sentiment"]
        .value_counts()
        .rename_axis("sentiment")
        .rename("interactions")
        .reset_index()
    )

    def by(column: str) -> pd.DataFrame:
        groups = frame.groupby(frame[column].fillna("(none)"))
        return (
            pd.DataFrame(
                {
                    column: list(groups.groups),
                    "interactions": groups.size().to_numpy(),
                    "done": groups["state"].apply(lambda s: int((s == "done").sum())).to_numpy(),
                    "median first response minutes": (
                        groups["first_response_seconds"].median() / 60
                    ).to_numpy(),
                    "median handle minutes": (groups["handle_seconds"].median() / 60).to_numpy(),
                }
            )
            if len(frame)
            else pd.DataFrame({column: [], "interactions": []})
        )

    channels = max(len(volume.columns) - 1, 1)
    return [
        ("volume per day", volume, "column", "Interactions per day by channel", channels),
        ("service level", per_day, "line", f"Answered within {SERVICE_LEVEL_SECONDS // 60} min", 1),
        ("handle time", handle, "line", "Median handle time (minutes)", 1),
        ("dispositions", dispositions, "bar", "Dispositions", 1),
        ("sentiment", sentiment, "pie", "Sentiment", 1),
        ("per queue", by("queue"), "column", "Interactions per queue", 1),
        ("per agent", by("agent"), "column", "Interactions per agent", 1),
    ]


def write_workbook(
    path: Path, sheets: dict[str, pd.DataFrame], ledger: pd.DataFrame, tz: str
) -> None:
    """Write the data ``sheets`` (split above Excel's row limit, with a note saying so), then
    the headline figures and the summary sheets with their charts."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), _OPTIONS)
    try:
        notes: list[str] = []
        for name, frame in sheets.items():
            parts = _chunks(frame, name, EXCEL_MAX_ROWS - 1)
            if len(parts) > 1:
                notes.append(
                    f"{name}: {len(frame):,} rows are more than an Excel sheet holds "
                    f"({EXCEL_MAX_ROWS - 1:,}); split into {len(parts)} sheets"
                )
            for part_name, part in parts:
                _data_sheet(book, part_name, part)
        figures = pd.DataFrame(summarize(ledger).rows(), columns=["figure", "value"])
        note = f"Times in {tz}. " + " ".join(notes)
        _table(book, "summary", figures, note.strip())
        for name, table, kind, title, series in _summaries(ledger, tz):
            sheet = _table(book, name, table)
            _chart(book, sheet, name, kind, title, len(table), series)
    finally:
        book.close()

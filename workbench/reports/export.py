"""Write a ledger as CSV, Excel, Parquet, or an HTML report made from a parameterized notebook."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd

from workbench.errors import ValidationError


def between(ledger: pd.DataFrame, start: datetime | None, end: datetime | None) -> pd.DataFrame:
    """The interactions that arrived in [start, end)."""
    mask = pd.Series(True, index=ledger.index)
    if start is not None:
        mask &= ledger["arrived_at"] >= pd.Timestamp(start)
    if end is not None:
        mask &= ledger["arrived_at"] < pd.Timestamp(end)
    return ledger[mask].reset_index(drop=True)


def _csv(ledger: pd.DataFrame, path: Path) -> None:
    ledger.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S%z")


def _xlsx(ledger: pd.DataFrame, path: Path) -> None:
    from workbench.reports.summary import summarize

    frame = ledger.copy()
    for column in frame.select_dtypes(include=["datetimetz"]).columns:
        # Excel has no time zones: write UTC wall time and say so in the header.
        frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
        frame = frame.rename(columns={column: f"{column} (UTC)"})
    summary = pd.DataFrame(list(summarize(ledger).as_dict().items()), columns=["figure", "value"])
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        frame.to_excel(writer, sheet_name="interactions", index=False)
        summary.to_excel(writer, sheet_name="summary", index=False)
        sheet = writer.sheets["interactions"]
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(frame), max(len(frame.columns) - 1, 0))


def _parquet(ledger: pd.DataFrame, path: Path) -> None:
    ledger.to_parquet(path, engine="pyarrow", index=False)


def _html(ledger: pd.DataFrame, path: Path) -> None:
    from workbench.reports.notebook import render_html

    render_html(ledger, path)


FORMATS: dict[str, Callable[[pd.DataFrame, Path], None]] = {
    "csv": _csv,
    "xlsx": _xlsx,
    "parquet": _parquet,
    "html": _html,
}


def export(ledger: pd.DataFrame, fmt: str, output: str | Path) -> Path:
    """Write ``ledger`` to ``output`` in format ``fmt``; the file appears whole or not at all."""
    if fmt not in FORMATS:
        raise ValidationError("--format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
    path = Path(output)
    if not path.parent.exists():
        raise ValidationError("--output", f"folder {path.parent} does not exist")
    partial = path.with_name(f".{path.name}.partial")
    try:
        FORMATS[fmt](ledger, partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path

"""Write a ledger as CSV, Excel, Parquet, or an HTML report made from a parameterized notebook.

Every format is written under a temporary name beside the target and renamed at the end, so a
failed or interrupted export (an error, Ctrl+C, a kill) leaves nothing at the target path.
Text is attacker-controlled: CSV cells a spreadsheet would run are neutralised
(``workbench.reports._cells``), and Excel never turns a string into a formula or a link.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from types import FrameType

import pandas as pd

from workbench.errors import UsageError
from workbench.reports._cells import neutralize_frame

EXCEL_MAX_ROWS = 1_048_576
"""Rows of an Excel sheet, its header included."""


@dataclass(frozen=True)
class Report:
    """What an export writes: the interactions, and each one's transcript lines if asked."""

    ledger: pd.DataFrame
    transcript: pd.DataFrame | None = None
    tz: str = "UTC"
    """The analyst's time zone for Excel and HTML (CSV and Parquet keep UTC with the offset)."""
    title: str = "Interactions report"


def between(ledger: pd.DataFrame, start: datetime | None, end: datetime | None) -> pd.DataFrame:
    """The interactions that arrived in [start, end)."""
    mask = pd.Series(True, index=ledger.index)
    if start is not None:
        mask &= ledger["arrived_at"] >= pd.Timestamp(start)
    if end is not None:
        mask &= ledger["arrived_at"] < pd.Timestamp(end)
    return ledger[mask].reset_index(drop=True)


CSV_TIME = "%Y-%m-%dT%H:%M:%S%z"
"""Times in CSV: ISO 8601 in UTC with the offset (2026-03-02T09:30:00+0000)."""


def _utc_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Times in UTC (CSV writes them with ``CSV_TIME``)."""
    out = frame.copy()
    for column in out.select_dtypes(include=["datetimetz"]).columns:
        out[column] = out[column].dt.tz_convert("UTC")
    return out


Writer = Callable[[Report, Path, Callable[[str], Path]], None]
"""Writes a report to a (temporary) path; ``extra(name)`` gives the path of a companion file."""


def _write_csv(frame: pd.DataFrame, path: Path, append: bool = False) -> None:
    # CRLF ends rows (RFC 4180), so a value holding a lone CR or LF is quoted, not split.
    safe = neutralize_frame(_utc_text(frame))
    safe.to_csv(
        path,
        mode="a" if append else "w",
        header=not append,
        index=False,
        encoding="utf-8",
        lineterminator="\r\n",
        date_format=CSV_TIME,
    )


def write_csv_stream(
    frames: Iterable[pd.DataFrame],
    total: int,
    output: str | Path,
    transcript: Callable[[list[str]], pd.DataFrame] | None = None,
    progress: bool = True,
) -> Path:
    """Write ledger rows that arrive a chunk at a time as CSV (and their transcript lines
    beside it), so that memory stays bounded by the chunk whatever the range; a tqdm bar counts
    the rows on a terminal or in a notebook unless ``progress`` is False. The files appear
    whole or not at all, as with ``write``."""
    from tqdm.auto import tqdm

    def stream(report: Report, path: Path, extra: Callable[[str], Path]) -> None:
        lines = extra("transcript") if transcript is not None else None
        bar = tqdm(total=total, unit=" rows", disable=not progress, desc="report")
        try:
            first = True
            for frame in frames:
                _write_csv(frame, path, append=not first)
                if lines is not None and transcript is not None:
                    _write_csv(transcript(list(frame["interaction_id"])), lines, append=not first)
                first = False
                bar.update(len(frame))
            if first:  # nothing in the range: a header alone says which columns there would be
                from workbench.analytics.ledger import COLUMNS, EXTRA

                _write_csv(pd.DataFrame(columns=[*COLUMNS, *EXTRA, "first_reply_text"]), path)
                if lines is not None and transcript is not None:
                    _write_csv(transcript([]), lines)
        finally:
            bar.close()

    return _write_with(stream, Report(pd.DataFrame()), output)


def _csv(report: Report, path: Path, extra: Callable[[str], Path]) -> None:
    _write_csv(report.ledger, path)
    if report.transcript is not None:
        _write_csv(report.transcript, extra("transcript"))


def in_zone(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """``frame`` with its times shown in ``tz`` (still the same instants, still zone-aware): a
    day or an hour of the report is then one in the analyst's zone."""
    out = frame.copy(deep=False)
    for column in out.select_dtypes(include=["datetimetz"]).columns:
        out[column] = out[column].dt.tz_convert(tz)
    return out


def _local(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Times as wall-clock time in ``tz`` (Excel has no time zones), the zone in the header."""
    out = in_zone(frame, tz)
    for column in out.select_dtypes(include=["datetimetz"]).columns:
        out[column] = out[column].dt.tz_localize(None)
        out = out.rename(columns={column: f"{column} ({tz})"})
    for column in out.select_dtypes(include=["category"]).columns:
        out[column] = out[column].astype(object)
    return out


def _xlsx(report: Report, path: Path, extra: Callable[[str], Path]) -> None:
    from workbench.reports._excel import write_workbook

    sheets = {"interactions": _local(report.ledger, report.tz)}
    if report.transcript is not None:
        sheets["transcript"] = _local(report.transcript, report.tz)
    write_workbook(path, sheets, report.ledger, report.tz)


def _parquet(report: Report, path: Path, extra: Callable[[str], Path]) -> None:
    report.ledger.to_parquet(path, engine="pyarrow", index=False)
    if report.transcript is not None:
        report.transcript.to_parquet(extra("transcript"), engine="pyarrow", index=False)


def _html(report: Report, path: Path, extra: Callable[[str], Path]) -> None:
    from workbench.reports.notebook import render_html

    render_html(report.ledger, path, title=report.title, tz=report.tz)


def _pdf(report: Report, path: Path, extra: Callable[[str], Path]) -> None:
    import tempfile

    from workbench.reports.pdf import print_pdf

    with tempfile.TemporaryDirectory(prefix="workbench-report-") as tmp:
        html = Path(tmp) / "report.html"  # chromium reads a file by its extension
        _html(report, html, extra)
        print_pdf(html, path)


FORMATS: dict[str, Writer] = {
    "csv": _csv,
    "xlsx": _xlsx,
    "parquet": _parquet,
    "html": _html,
    "pdf": _pdf,
}


def companion(path: Path, name: str) -> Path:
    """The file beside ``path`` for its ``name`` table: out.csv -> out.transcript.csv."""
    return path.with_name(f"{path.stem}.{name}{path.suffix}")


class Interrupted(Exception):
    """The export was told to stop (SIGTERM) while writing."""


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Turn a kill (SIGTERM) into an exception while writing, so the temporary files go."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(f"stopped by signal {signum}")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def write(report: Report, fmt: str, output: str | Path) -> Path:
    """Write ``report`` to ``output`` in format ``fmt``; every file appears whole or not at all."""
    if fmt not in FORMATS:
        raise UsageError("--format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return _write_with(FORMATS[fmt], report, output)


def check_output(output: str | Path) -> Path:
    """The path to write, refused (naming ``--output``) when it cannot be written."""
    path = Path(output)
    if not path.parent.is_dir():
        raise UsageError("--output", f"folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise UsageError("--output", f"folder {path.parent} is not writable")
    if path.is_dir():
        raise UsageError("--output", f"{path} is a folder; name a file")
    return path


def _write_with(
    writer: Callable[[Report, Path, Callable[[str], Path]], None],
    report: Report,
    output: str | Path,
) -> Path:
    path = check_output(output)
    partials: dict[Path, Path] = {path: path.with_name(f".{path.name}.partial")}

    def extra(name: str) -> Path:
        final = companion(path, name)
        partials[final] = final.with_name(f".{final.name}.partial")
        return partials[final]

    try:
        with _stop_on_sigterm():
            writer(report, partials[path], extra)
            for final, partial in partials.items():
                partial.replace(final)
    finally:
        for partial in partials.values():
            partial.unlink(missing_ok=True)
    return path


def export(ledger: pd.DataFrame, fmt: str, output: str | Path, *, tz: str = "UTC") -> Path:
    """Write ``ledger`` alone to ``output`` in format ``fmt`` (see ``write``)."""
    return write(Report(ledger, tz=tz), fmt, output)


def zone(name: str) -> tzinfo:
    """The time zone called ``name`` (IANA), or a usage error naming ``--tz``."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            "--tz", f"not a time zone name (like Europe/Paris or UTC): {name!r}"
        ) from None

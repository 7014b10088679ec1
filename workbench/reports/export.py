"""Write a ledger as CSV, Excel, Parquet, or an HTML or PDF report made from a parameterized
notebook.

Rows reach the writers a batch at a time (from the store, ``Rows``; or slices of a frame in
memory), and each writer streams them to disk: CSV through pyarrow's writer, Excel through
XlsxWriter's constant-memory mode, Parquet a row group per batch; none holds the range in
memory (the HTML and PDF reports, which chart the whole range, gather it). Every file is written
under a temporary name beside the target and renamed at the end, so a failed or interrupted
export (an error, Ctrl+C, a kill) leaves nothing at the target path; the target must be a
regular file (or absent) whose extension is the format's, and an existing one is replaced only
when asked (``force``). Text is attacker-controlled: CSV for a spreadsheet neutralises cells it
would run (``workbench.reports._cells``), and Excel never turns a string into a formula or a
link.
"""

from __future__ import annotations

import os
import signal
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from types import FrameType
from typing import Protocol

import pandas as pd

from workbench.errors import UsageError
from workbench.reports._labels import Labels

EXCEL_MAX_ROWS = 1_048_576
"""Rows of an Excel sheet, its header included."""
BATCH = 100_000
"""Rows of a frame in memory handed to a writer at a time."""
EXTENSIONS = {"csv": ".csv", "xlsx": ".xlsx", "parquet": ".parquet", "html": ".html", "pdf": ".pdf"}
"""The extension of each format's file (also accepted: ``.htm``, ``.pq``)."""
_ALSO = {".htm": "html", ".pq": "parquet"}


@dataclass(frozen=True)
class Rows:
    """Ledger rows that arrive a batch at a time (an export from the store): how many, the
    batches, the columns when there are none (``empty``), and each batch's transcript lines
    (``lines``) when they are asked for."""

    total: int
    batches: Iterable[pd.DataFrame]
    empty: pd.DataFrame
    lines: Callable[[list[str]], pd.DataFrame] | None = None


@dataclass(frozen=True)
class Report:
    """What an export writes: the interactions (a frame, or ``rows`` streamed from the store),
    and each one's transcript lines if asked."""

    ledger: pd.DataFrame | None = None
    transcript: pd.DataFrame | None = None
    tz: str = "UTC"
    """The analyst's time zone for Excel, HTML and PDF (CSV and Parquet keep UTC with the
    offset)."""
    title: str | None = None
    """None: ``Care desk report, <the period>, <the zone>`` (``_page.title_for``)."""
    rows: Rows | None = None
    audience: str = "excel"
    """Who a CSV is for: ``excel`` (formula-safe) or ``data`` (values as they are)."""
    paper: str | None = None
    """``a4`` or ``letter``; None: from the report's locale (``_page.paper_for``)."""
    labels: Labels = field(default_factory=Labels.shipped)
    start: datetime | None = None
    end: datetime | None = None
    """The period asked for (``--from``, ``--to``), which the title names."""
    with_transcript: bool = False
    """Whether transcript lines are written (``transcript`` given, or ``rows.lines``)."""
    progress: bool = False
    """Whether a tqdm bar counts the rows (on a terminal or in a notebook)."""

    @property
    def wants_transcript(self) -> bool:
        if self.rows is not None:
            return self.rows.lines is not None
        return self.transcript is not None or self.with_transcript

    def count(self) -> int:
        if self.rows is not None:
            return self.rows.total
        return 0 if self.ledger is None else len(self.ledger)

    def empty(self) -> pd.DataFrame:
        """The columns of the rows, none of them."""
        if self.rows is not None:
            return self.rows.empty
        if self.ledger is None:
            from workbench.analytics.ledger import COLUMNS

            return pd.DataFrame(columns=COLUMNS)
        return self.ledger.iloc[:0]

    def empty_lines(self) -> pd.DataFrame:
        from workbench.store.reports import TRANSCRIPT_COLUMNS

        if self.transcript is not None:
            return self.transcript.iloc[:0]
        return pd.DataFrame(
            {
                c: pd.Series(
                    dtype="datetime64[us, UTC]" if c == "at" else bool if c == "deleted" else "str"
                )
                for c in TRANSCRIPT_COLUMNS
            }
        )

    def batches(self) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
        """The rows a batch at a time, each with its transcript lines (None when not asked),
        counted on a progress bar when ``progress``."""
        from tqdm.auto import tqdm

        bar = tqdm(total=self.count(), unit=" rows", disable=not self.progress, desc="report")
        try:
            for frame, lines in self._batches():
                yield frame, lines
                bar.update(len(frame))
        finally:
            bar.close()

    def _batches(self) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
        if self.rows is not None:
            lines = self.rows.lines
            for frame in self.rows.batches:
                yield frame, lines(list(frame["interaction_id"])) if lines is not None else None
            return
        ledger = self.ledger if self.ledger is not None else self.empty()
        for k, start in enumerate(range(0, len(ledger), BATCH)):
            part = ledger.iloc[start : start + BATCH]
            yield part, self.transcript if k == 0 else None  # in memory already: at once
        if not len(ledger) and self.transcript is not None and len(self.transcript):
            yield ledger, self.transcript

    def whole(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Every row in one frame (and every line): what the HTML report charts."""
        frames: list[pd.DataFrame] = []
        lines: list[pd.DataFrame] = []
        for frame, part in self.batches():
            frames.append(frame)
            if part is not None:
                lines.append(part)
        if self.rows is None:
            ledger = self.ledger if self.ledger is not None else self.empty()
            return ledger, self.transcript
        whole = _concat(frames, self.rows.empty)
        transcript = pd.concat(lines, ignore_index=True) if lines else None
        if transcript is None and self.wants_transcript:
            transcript = self.empty_lines()
        return whole, transcript

    def heading(self, ledger: pd.DataFrame | None = None) -> str:
        """The title: given, else made from the period (or the arrivals of ``ledger``)."""
        if self.title:
            return self.title
        from workbench.reports._page import title_for

        first = last = None
        if ledger is not None and len(ledger):
            arrived = pd.to_datetime(ledger["arrived_at"], utc=True).dropna()
            if len(arrived):
                first, last = arrived.min().to_pydatetime(), arrived.max().to_pydatetime()
        return title_for(self.tz, self.start, self.end, first, last)

    def paper_size(self) -> str:
        from workbench.reports._page import paper_for

        return paper_for(self.tz, self.paper)


def _concat(frames: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    """Batches read apart (each with its own categories) as one frame of the ledger's dtypes."""
    if not frames:
        return empty
    whole = pd.concat(frames, ignore_index=True)
    for column in empty.columns:
        dtype = empty[column].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            from workbench.analytics.ledger import categorical

            whole[column] = categorical(whole[column].astype("str"))
        else:
            whole[column] = whole[column].astype(dtype)
    return whole


def between(ledger: pd.DataFrame, start: datetime | None, end: datetime | None) -> pd.DataFrame:
    """The interactions that arrived in [start, end)."""
    mask = pd.Series(True, index=ledger.index)
    if start is not None:
        mask &= ledger["arrived_at"] >= pd.Timestamp(start)
    if end is not None:
        mask &= ledger["arrived_at"] < pd.Timestamp(end)
    return ledger[mask].reset_index(drop=True)


Writer = Callable[[Report, Path, Callable[[str], Path]], None]
"""Writes a report to a (temporary) path; ``extra(name)`` gives the path of a companion file."""


def _csv(report: Report, path: Path, extra: Callable[[str], Path]) -> None:
    from workbench.reports._csv import CsvFile

    out = CsvFile(path, report.audience)
    side = CsvFile(extra("transcript"), report.audience) if report.wants_transcript else None
    _stream(report, out, side)


class _BatchFile(Protocol):
    def write(self, frame: pd.DataFrame) -> None: ...

    def close(self) -> None: ...


def _stream(report: Report, out: _BatchFile, side: _BatchFile | None) -> None:
    """Write the range's batches to ``out`` and their transcript lines to ``side``, then the
    empty frames (the header or the schema, when no row came), and close both."""
    try:
        for frame, lines in report.batches():
            out.write(frame)
            if side is not None and lines is not None:
                side.write(lines)
        out.write(report.empty())
        if side is not None:
            side.write(report.empty_lines())
    finally:
        out.close()
        if side is not None:
            side.close()


def in_zone(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """``frame`` with its times shown in ``tz`` (still the same instants, still zone-aware): a
    day or an hour of the report is then one in the analyst's zone."""
    out = frame.copy(deep=False)
    for column in out.select_dtypes(include=["datetimetz"]).columns:
        out[column] = out[column].dt.tz_convert(tz)
    return out


def _xlsx(report: Report, path: Path, extra: Callable[[str], Path]) -> None:
    from workbench.reports._excel import Workbook

    book = Workbook(path, report.tz, report.labels, report.paper_size(), report.wants_transcript)
    arrivals: list[pd.Timestamp] = []
    for frame, lines in report.batches():
        arrived = frame["arrived_at"].dropna()
        if len(arrived):
            arrivals += [arrived.min(), arrived.max()]
        book.write(frame, lines)
    title = report.heading(pd.DataFrame({"arrived_at": pd.Series(arrivals, dtype=object)}))
    book.close(report.empty(), report.empty_lines() if report.wants_transcript else None, title)


def _parquet(report: Report, path: Path, extra: Callable[[str], Path]) -> None:
    from workbench.reports._parquet import ParquetFile

    out = ParquetFile(path)
    side = ParquetFile(extra("transcript")) if report.wants_transcript else None
    _stream(report, out, side)


def _html(report: Report, path: Path, extra: Callable[[str], Path]) -> None:
    from workbench.reports.notebook import render_html

    ledger, transcript = report.whole()
    render_html(
        ledger,
        path,
        title=report.heading(ledger),
        tz=report.tz,
        labels=report.labels,
        paper=report.paper_size(),
        transcript=transcript,
    )


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


def write(report: Report, fmt: str, output: str | Path, *, force: bool = False) -> Path:
    """Write ``report`` to ``output`` in format ``fmt``; every file appears whole or not at all.
    ``output`` without an extension gets the format's; an existing file is replaced only with
    ``force`` (see ``check_output``)."""
    if fmt not in FORMATS:
        raise UsageError("--format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return _write_with(FORMATS[fmt], report, output, fmt, force)


def target(output: str | Path, fmt: str | None = None) -> Path:
    """The path ``output`` names for format ``fmt``: with the format's extension added when it
    has none (and nothing is there by that name); refused (naming ``--output``) when its
    extension is another format's."""
    path = Path(output)
    if fmt is None or os.path.lexists(path):
        _check_suffix(path, fmt)
        return path
    if not path.suffix:
        return path.with_name(path.name + EXTENSIONS[fmt])
    _check_suffix(path, fmt)
    return path


def _check_suffix(path: Path, fmt: str | None) -> None:
    if fmt is None:
        return
    suffix, wanted = path.suffix.lower(), EXTENSIONS[fmt]
    if suffix != wanted and _ALSO.get(suffix) != fmt:
        raise UsageError(
            "--output",
            f"{path.name} has {f'the extension {path.suffix}' if suffix else 'no extension'}, "
            f"but --format is {fmt}: name a {wanted} file (or one without an extension)",
        )


def check_output(output: str | Path, fmt: str | None = None, force: bool = False) -> Path:
    """The path to write, refused (naming ``--output``) when it cannot or must not be written:
    its folder missing or read-only; anything but a regular file there (a folder, a device, a
    FIFO, a socket, a link that leaves its folder or ends nowhere); its extension another
    format's; a file there without ``force``. A link to a regular file in its folder is
    written through (the file it names is replaced)."""
    path = Path(output)
    if os.path.lexists(path):
        path = _existing(path)
    path = target(path, fmt)
    if not path.parent.is_dir():
        raise UsageError("--output", f"folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise UsageError("--output", f"folder {path.parent} is not writable")
    if os.path.lexists(path):
        path = _existing(path)
        if not force:
            raise UsageError("--output", f"{path} exists; add --force to replace it")
    return path


def _existing(path: Path) -> Path:
    """What is at ``path``, when it may be replaced by a report: a regular file (through a
    link in its own folder); anything else is refused."""
    if path.is_symlink():
        real = path.resolve()
        if real.parent != path.parent.resolve():
            raise UsageError("--output", f"{path} is a link out of its folder (to {real})")
        if not real.exists():
            raise UsageError("--output", f"{path} is a link to nothing ({real})")
        path = path.parent / real.name
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise UsageError("--output", f"{path} is a folder; name a file")
    if not stat.S_ISREG(mode):
        raise UsageError("--output", f"{path} is not a regular file ({_kind_of(mode)})")
    return path


def _kind_of(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _write_with(
    writer: Writer, report: Report, output: str | Path, fmt: str | None, force: bool
) -> Path:
    path = check_output(output, fmt, force)
    partials: dict[Path, Path] = {path: path.with_name(f".{path.name}.partial")}

    def extra(name: str) -> Path:
        final = check_output(companion(path, name), None, force)
        partials[final] = final.with_name(f".{final.name}.partial")
        return partials[final]

    if report.wants_transcript and fmt in ("csv", "parquet"):
        check_output(companion(path, "transcript"), None, force)  # refused before any work
    try:
        with _stop_on_sigterm():
            writer(report, partials[path], extra)
            for final, partial in partials.items():
                partial.replace(final)
    finally:
        for partial in partials.values():
            partial.unlink(missing_ok=True)
    return path


def export(
    ledger: pd.DataFrame, fmt: str, output: str | Path, *, tz: str = "UTC", force: bool = False
) -> Path:
    """Write ``ledger`` alone to ``output`` in format ``fmt`` (see ``write``)."""
    return write(Report(ledger, tz=tz), fmt, output, force=force)


def zone(name: str) -> tzinfo:
    """The time zone called ``name`` (IANA), or a usage error naming ``--tz``."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            "--tz", f"not a time zone name (like Europe/Paris or UTC): {name!r}"
        ) from None

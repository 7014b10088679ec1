"""``workbench report``: export the interactions handled in a period."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from workbench.errors import UsageError
from workbench.reports._page import PAPERS

if TYPE_CHECKING:
    from workbench.reports.export import Rows
    from workbench.store import Store

HELP = "export handled interactions as a report"
AUDIENCES = ("excel", "data")
"""Who a CSV is for (``workbench.reports._csv``)."""
FORMAT_CHOICES = ["csv", "xlsx", "parquet", "html", "pdf"]


def instant(flag: str, raw: str, zone: tzinfo) -> datetime:
    """``raw`` as a time: an ISO date alone is midnight in ``zone``, a time without an offset
    is wall time in ``zone``."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(
            flag, f"expected an ISO date or time (2026-03-02 or 2026-03-02T09:30), got {raw!r}"
        ) from None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="start",
        metavar="ISO",
        help="first arrival time (inclusive; a date alone is midnight in --tz)",
    )
    parser.add_argument("--to", dest="end", metavar="ISO", help="last arrival time (exclusive)")
    parser.add_argument("--format", required=True, choices=FORMAT_CHOICES, help="file format")
    parser.add_argument(
        "--output",
        required=True,
        metavar="PATH",
        help="file to write: its extension must be the format's (none: it is added); an "
        "existing file is replaced only with --force; a device, FIFO, folder or link out of "
        "the folder is refused",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace the output file (and its companion)"
    )
    parser.add_argument(
        "--for",
        dest="audience",
        choices=AUDIENCES,
        default=None,
        help="CSV only: excel (the default) puts a quote in front of a cell a spreadsheet "
        "would run as a formula and of an X id it would round, so the file is safe to open in "
        "Excel; data writes every value as it is, for pandas, BI tools and databases (not safe "
        "to open in a spreadsheet)",
    )
    parser.add_argument(
        "--paper",
        choices=PAPERS,
        help="HTML, PDF and Excel printing: paper size (default: from the report's locale, "
        "Letter in the US and Canada, A4 elsewhere)",
    )
    parser.add_argument("--timeline", help="only this brand account")
    parser.add_argument("--queue", help="only this queue")
    parser.add_argument("--agent", help="only this agent")
    parser.add_argument(
        "--channel", choices=["mention", "dm", "outbound"], help="only this channel"
    )
    parser.add_argument(
        "--tz",
        metavar="ZONE",
        help="the analyst's time zone (IANA name) for dates given without one, Excel, HTML and "
        "PDF; CSV and Parquet keep UTC with the offset (default: WORKBENCH_REPORT_TZ, else UTC)",
    )
    parser.add_argument(
        "--transcript",
        action="store_true",
        help="add every transcript line: a second CSV or Parquet file beside the first "
        "(NAME.transcript.EXT), a sheet in Excel, an appendix in HTML and PDF",
    )
    parser.add_argument("--db-url", metavar="URL", help="store URL (default: WORKBENCH_DB_URL)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary line")


def _filters(store: Store, args: argparse.Namespace) -> dict[str, str]:
    """The column filters asked for, each checked against the values the store has."""
    wanted = {
        "timeline": args.timeline,
        "queue": args.queue,
        "agent": args.agent,
        "channel": args.channel,
    }
    chosen = {k: v for k, v in wanted.items() if v is not None}
    for column, value in chosen.items():
        known = store.ledger.values(column)
        if value not in known:
            there = ", ".join(known[:20]) or "none"
            raise UsageError(
                f"--{column}", f"no {column} {value!r} in the store (there are: {there})"
            )
    return chosen


def _store_url(args: argparse.Namespace) -> str:
    """The store to read, refused when it is a SQLite file that is not there: a report reads
    a store, it never makes an empty one (a mistyped path is not a quiet week)."""
    from workbench.store.reports import missing_sqlite_file

    if args.db_url is not None:
        url, name = str(args.db_url), "--db-url"
    else:
        from workbench.config import Settings

        url, name = Settings.from_env().db_url, "WORKBENCH_DB_URL"
    missing = missing_sqlite_file(url)
    if missing is not None:
        raise UsageError(name, f"no store at {missing} (a report reads a store, it makes none)")
    return url


def rows(
    store: Store,
    start: datetime | None,
    end: datetime | None,
    where: dict[str, str],
    transcript: bool,
    categories: bool = True,
) -> Rows:
    """The interactions of the range, read from the store a batch at a time (``categories``:
    the ledger's categorical columns as categories, else as text)."""
    import pandas as pd

    from workbench.analytics.ledger import STATS, chunks, shape
    from workbench.reports.export import Rows

    total, batches = chunks(store, start, end, where, replies=True, categories=categories)
    empty = shape(store.ledger.interactions([], STATS), categories).assign(
        first_reply_text=pd.Series(dtype="str")
    )
    lines = store.reports.transcript if transcript else None
    return Rows(total, batches, empty, lines)


def _lean_memory() -> None:
    """A streamed export holds a few batches at a time: each one's memory goes back to the
    system once written (pyarrow's default pool, mimalloc, keeps it), in this process and in
    the reader process it starts for a large SQLite store."""
    import os

    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")


def run(args: argparse.Namespace) -> int:
    from workbench.reports._labels import Labels
    from workbench.reports.export import Report, check_output, write
    from workbench.reports.export import zone as time_zone
    from workbench.store import Store

    if args.tz is None:
        from workbench.config import Settings

        args.tz = Settings.from_env().report_tz
    tz = time_zone(args.tz)
    start = instant("--from", args.start, tz) if args.start else None
    end = instant("--to", args.end, tz) if args.end else None
    if start and end and end <= start:
        raise UsageError("--to", "must be later than --from")
    if args.audience is not None and args.format != "csv":
        raise UsageError("--for", f"is for CSV only; --format is {args.format}")
    audience = args.audience or "excel"
    path = check_output(args.output, args.format, args.force)
    url = _store_url(args)
    _lean_memory()
    store = Store(url)
    try:
        where = _filters(store, args)
        report = Report(
            # CSV writes text: no categories made per batch only to be undone
            rows=rows(store, start, end, where, args.transcript, args.format != "csv"),
            tz=args.tz,
            audience=audience,
            paper=args.paper,
            labels=Labels.of(store),
            start=start,
            end=end,
            progress=not args.quiet,
        )
        path = write(report, args.format, path, force=args.force)
        count = report.count()
    finally:
        store.close()
    if not args.quiet:
        print(f"wrote {count} interactions to {path}")
    if args.format == "csv" and audience == "data":
        print(
            f"workbench report: --for data: {path.name} holds every value as it is; it is not "
            "safe to open in a spreadsheet (--for excel is)",
            file=sys.stderr,
        )
    return 0

"""``workbench report``: export the interactions handled in a period."""

from __future__ import annotations

import argparse
from datetime import datetime, tzinfo

from workbench.errors import UsageError

HELP = "export handled interactions as a report"
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
    parser.add_argument("--output", required=True, metavar="PATH", help="file to write")
    parser.add_argument("--timeline", help="only this brand account")
    parser.add_argument("--queue", help="only this queue")
    parser.add_argument("--agent", help="only this agent")
    parser.add_argument(
        "--channel", choices=["mention", "dm", "outbound"], help="only this channel"
    )
    parser.add_argument(
        "--tz",
        default="UTC",
        metavar="ZONE",
        help="the analyst's time zone (IANA name) for dates given without one, Excel and HTML; "
        "CSV and Parquet keep UTC with the offset (default: UTC)",
    )
    parser.add_argument(
        "--transcript",
        action="store_true",
        help="add every transcript line: a second CSV or Parquet file beside the first "
        "(NAME.transcript.EXT), a sheet in Excel",
    )
    parser.add_argument("--db-url", metavar="URL", help="store URL (default: WORKBENCH_DB_URL)")


def run(args: argparse.Namespace) -> int:
    from workbench.analytics import ledger
    from workbench.reports.export import Report, between, select, write, zone
    from workbench.store import Store

    tz = zone(args.tz)
    start = instant("--from", args.start, tz) if args.start else None
    end = instant("--to", args.end, tz) if args.end else None
    if start and end and end <= start:
        raise UsageError("--to", "must be later than --from")
    store = Store(args.db_url)
    try:
        full = ledger(store=store)
        wanted = {"queue": args.queue, "agent": args.agent, "timeline": args.timeline}
        if args.timeline and "timeline" not in full.columns:
            raise UsageError("--timeline", "this store's ledger has no timelines")
        rows = select(full, **wanted)
        if args.channel:
            rows = rows[rows["channel"].astype(object) == args.channel]
        rows = between(rows, start, end)
        lines = store.reports.transcript(list(rows["interaction_id"])) if args.transcript else None
    finally:
        store.close()
    path = write(Report(rows, lines, tz=args.tz), args.format, args.output)
    print(f"wrote {len(rows)} interactions to {path}")
    return 0

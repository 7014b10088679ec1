"""``workbench report``: export the interactions handled in a period."""

from __future__ import annotations

import argparse
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from workbench.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from workbench.store import Store

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
        metavar="ZONE",
        help="the analyst's time zone (IANA name) for dates given without one, Excel and HTML; "
        "CSV and Parquet keep UTC with the offset (default: WORKBENCH_REPORT_TZ, else UTC)",
    )
    parser.add_argument(
        "--transcript",
        action="store_true",
        help="add every transcript line: a second CSV or Parquet file beside the first "
        "(NAME.transcript.EXT), a sheet in Excel",
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


def with_first_reply(store: Store, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``first_reply_text``: the brand's first reply in words, if any."""
    replies = store.reports.first_replies(list(rows["interaction_id"]))
    return rows.assign(first_reply_text=rows["interaction_id"].map(replies))


def run(args: argparse.Namespace) -> int:
    from workbench.analytics.ledger import chunks, ledger
    from workbench.reports.export import Report, between, check_output, write, write_csv_stream
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
    check_output(args.output)
    store = Store(args.db_url)
    try:
        where = _filters(store, args)
        lines = store.reports.transcript if args.transcript else None
        if args.format == "csv":  # streamed: memory bounded whatever the range
            total, parts = chunks(store, start, end, where)
            frames = (with_first_reply(store, frame) for frame in parts)
            path = write_csv_stream(frames, total, args.output, lines, progress=not args.quiet)
            count = total
        else:
            rows = ledger(store=store)
            for column, value in where.items():
                rows = rows[rows[column].astype(object) == value]
            rows = with_first_reply(store, between(rows, start, end))
            report = Report(rows, lines(list(rows["interaction_id"])) if lines else None, args.tz)
            path = write(report, args.format, args.output)
            count = len(rows)
    finally:
        store.close()
    if not args.quiet:
        print(f"wrote {count} interactions to {path}")
    return 0

"""``workbench report``: export the interactions handled in a period."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from workbench.errors import ValidationError

HELP = "export handled interactions as a report"


def _instant(flag: str, raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(flag, f"expected an ISO date or time, got {raw!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="start", metavar="ISO", help="first arrival time (inclusive)"
    )
    parser.add_argument("--to", dest="end", metavar="ISO", help="last arrival time (exclusive)")
    parser.add_argument(
        "--format", required=True, choices=["csv", "xlsx", "parquet", "html"], help="file format"
    )
    parser.add_argument("--output", required=True, metavar="PATH", help="file to write")
    parser.add_argument("--db-url", metavar="URL", help="store URL (default: WORKBENCH_DB_URL)")


def run(args: argparse.Namespace) -> int:
    from workbench.analytics import ledger
    from workbench.reports.export import between, export

    start = _instant("--from", args.start) if args.start else None
    end = _instant("--to", args.end) if args.end else None
    if start and end and end <= start:
        raise ValidationError("--to", "must be later than --from")
    rows = between(ledger(args.db_url), start, end)
    path = export(rows, args.format, args.output)
    print(f"wrote {len(rows)} interactions to {path}")
    return 0

"""``workbench ingest``: turn mentions and DMs into interactions, and send the outbox."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

HELP = "turn mentions and DMs into interactions"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--once",
        action="store_true",
        help="one pass over every timeline's mentions and DMs, send what the outbox holds, exit",
    )
    mode.add_argument(
        "--follow",
        action="store_true",
        help="store mentions as X's filtered stream delivers them, poll every --interval seconds "
        "(DMs, and what the stream missed), send the outbox alongside, until stopped",
    )
    mode.add_argument(
        "--outbox",
        action="store_true",
        help="only send the outbox (in its own process, beside `ingest --follow --no-outbox`)",
    )
    parser.add_argument(
        "--no-outbox",
        action="store_true",
        help="with --once or --follow: do not send the outbox (another process does)",
    )
    parser.add_argument(
        "--no-stream",
        action="store_true",
        help="with --follow: poll only (X's filtered stream needs X_BEARER_TOKEN and an access "
        "level that includes it; without them ingest falls back to polling by itself)",
    )
    parser.add_argument(
        "--no-activity",
        action="store_true",
        help="with --follow: poll DMs only (by default the DMs of brand accounts that ran "
        "`workbench auth` arrive through X's Activity API, the DM poll kept as a backstop)",
    )
    parser.add_argument(
        "--interval", type=float, default=10.0, help="seconds between polls with --follow (10)"
    )
    parser.add_argument(
        "--timeline",
        action="append",
        metavar="USERNAME",
        help="poll only this brand account (repeatable; default: every configured one)",
    )
    parser.add_argument(
        "--lease",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="how long a claimed outbox row is this process's before another may take it (120)",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")


def _summary(report: object) -> str:
    """Every kind of change the pass made: interactions opened (new, or linked to an earlier
    one), customers' follow-ups (joined to an open interaction, or reopening a done one),
    screened, quarantined; then what it left as it was."""

    def n(name: str) -> int:
        return int(getattr(report, name, 0))

    linked, reopened = n("linked"), n("reopened")
    return (
        f"ingest: {n('interactions') - linked} new interactions, "
        f"{linked} linked to an earlier one, "
        f"{n('follow_ups') - reopened} follow-ups joined, "
        f"{reopened} reopened, "
        f"{n('screened')} screened, "
        f"{n('quarantined')} quarantined, "
        f"{n('duplicates')} already stored, "
        f"{n('skipped_retweets')} retweets skipped, "
        f"{n('joined_transcripts')} brand messages joined, {n('pages')} pages"
    )


def run(args: argparse.Namespace) -> int:
    from workbench.config import Settings
    from workbench.intake import Ingest
    from workbench.outbox import Outbox
    from workbench.store import Store
    from workbench.xapi.gateway import Gateway

    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if args.interval <= 0 or args.lease <= 0:
        print("workbench ingest: --interval and --lease must be greater than 0", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    store = Store(settings.db_url)
    # The contact directory (phones, e-mails) and the queues, as a workspace loads them: a
    # customer stored here first still gets the directory's details.
    store.load_reference_data()
    gateway = Gateway.from_settings(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    outbox = Outbox(store, gateway, lease=args.lease)

    def say(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    try:
        if args.outbox:
            outbox.run_forever(stop)
            return 0
        ingest = Ingest(store, gateway)
        if args.once:
            report = ingest.run_once(args.timeline)
            say(_summary(report))
            if not args.no_outbox:
                sent = failed = 0
                while True:
                    done = outbox.run_once()
                    sent, failed = sent + done.sent, failed + done.failed
                    if not done.claimed:
                        break
                say(f"outbox: {sent} sent, {failed} failed, {outbox.counts()['pending']} pending")
            return 0
        sender = None
        if not args.no_outbox:
            sender = threading.Thread(
                target=outbox.run_forever, args=(stop,), name="outbox", daemon=True
            )
            sender.start()
        ingest.run_forever(
            stop,
            interval=args.interval,
            stream=not args.no_stream,
            activity=not args.no_activity,
            on_report=lambda r: say(_summary(r)) if r.interactions or r.quarantined else None,
        )
        if sender is not None:
            sender.join(timeout=30)
        return 0
    finally:
        gateway.close()
        store.close()

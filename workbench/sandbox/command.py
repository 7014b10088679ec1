"""``workbench sandbox``: the local X API v2 sandbox, with seeded and live customer traffic."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from workbench.domain.plan import PLAN_NAMES

HELP = "run the local X API v2 sandbox"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=0, help="port (0, the default, picks a free one)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="seed of the customer traffic history played in at start (default 1)",
    )
    parser.add_argument(
        "--empty", action="store_true", help="start with the brand accounts only, no history"
    )
    parser.add_argument(
        "--traffic",
        type=float,
        default=0.0,
        metavar="PER_MINUTE",
        help="new customer tweets and DMs per minute, in the background (default 0: none)",
    )
    parser.add_argument(
        "--plan",
        choices=PLAN_NAMES,
        default=None,
        help="the X access plan to enforce (default: the WORKBENCH_X_PLAN setting, pay-per-use)",
    )
    parser.add_argument(
        "--rate-limit-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="multiply X's rate limits by F (tests and benchmarks raise them)",
    )


def run(args: argparse.Namespace) -> int:
    from workbench.errors import ConfigError
    from workbench.sandbox.server import start

    if args.traffic < 0 or args.rate_limit_scale <= 0:
        print(
            "workbench sandbox: --traffic must be >= 0 and --rate-limit-scale > 0", file=sys.stderr
        )
        return 2
    try:
        running = start(
            host=args.host,
            port=args.port,
            seed=None if args.empty else args.seed,
            traffic=args.traffic or None,
            rate_limit_scale=args.rate_limit_scale,
            plan=args.plan,
        )
    except (OSError, ConfigError) as exc:
        print(f"workbench {exc}", file=sys.stderr)
        return 1
    print(f"X API sandbox at {running.url}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            if not running.thread.is_alive():
                return 1
    finally:
        running.stop()
    return 0

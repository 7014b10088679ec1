"""``python -m workbench.routing``: run the router as a loop (workspaces also route on poll)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from workbench.routing.router import PASS_INTERVAL, Router


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workbench.routing", description="offer queued interactions to agents"
    )
    parser.add_argument("--db-url", help="store URL (default: WORKBENCH_DB_URL)")
    parser.add_argument(
        "--interval", type=float, default=PASS_INTERVAL, help="seconds between passes"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from workbench.config import Settings
    from workbench.store import Store

    store = Store(Settings.from_env(workbench_db_url=args.db_url).db_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"routing on {store!r} every {args.interval}s", flush=True)
    try:
        Router(store).run(args.interval, stop)
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

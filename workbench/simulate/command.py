"""``workbench simulate``: a simulated team working the desk through the sandbox, optionally
after filling days of handled history (``--history 7d``).

It works only against the sandbox: with X credentials in the environment, or
WORKBENCH_X_API_URL pointing anywhere but this machine, it refuses. With no X API set it starts
its own sandbox with seeded traffic (and ingest and the outbox), as a notebook does.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import threading
from collections.abc import Mapping
from types import FrameType
from urllib.parse import urlsplit

from workbench.errors import UsageError, WorkbenchError

HELP = "run a simulated team of agents against the sandbox (and fill past history)"
EPILOG = (
    "The team takes offers like people do (the longest idle agent is offered first, so a Ready "
    "person gets their share), answers, consults, transfers, sets dispositions and takes short "
    "breaks. Ctrl+C or SIGTERM hands back what is in hand and sets every agent Not Ready."
)
CREDENTIALS = (
    "X_BEARER_TOKEN",
    "X_CONSUMER_KEY",
    "X_CONSUMER_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
)


class NotSandboxError(WorkbenchError):
    """The simulated team was pointed at X itself (or given X's credentials)."""


def check_sandbox(env: Mapping[str, str]) -> str | None:
    """The sandbox URL in ``env`` (None: not set, a sandbox is to be started); refuses X."""
    given = [name for name in CREDENTIALS if env.get(name)]
    if given:
        raise NotSandboxError(
            f"{given[0]}: X credentials are set; the simulated team works only against the "
            "sandbox (unset them)"
        )
    url = env.get("WORKBENCH_X_API_URL")
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise NotSandboxError(
            f"WORKBENCH_X_API_URL: {url} is not a local sandbox; the simulated team works only "
            "against `workbench sandbox` on this machine"
        )
    return url


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {raw!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {raw!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument(
        "--agents", type=_positive_int, default=6, help="simulated agents (default 6)"
    )
    parser.add_argument(
        "--history",
        metavar="SPAN",
        default=None,
        help="first fill this much handled history in the past (7d, 24h, 3d, 90m)",
    )
    parser.add_argument(
        "--per-day",
        type=float,
        default=800.0,
        help="interactions a day in the history (default 800)",
    )
    parser.add_argument("--history-only", action="store_true", help="fill the history, then stop")
    parser.add_argument("--seed", type=int, default=0, help="seed of the team's choices")
    parser.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="scale of handle times and breaks (default 1: a median of about 30 s)",
    )


def run(args: argparse.Namespace) -> int:
    from workbench.config import Settings
    from workbench.simulate.history import fill_history, parse_span
    from workbench.simulate.phrases import load_phrases
    from workbench.store import Store

    url = check_sandbox(os.environ)
    if args.history_only and not args.history:
        raise UsageError("--history-only", "needs --history SPAN")
    if args.pace <= 0:
        raise UsageError("--pace", f"expected a number above 0, got {args.pace}")
    span = parse_span(args.history) if args.history else None
    names = [name for name, _ in load_phrases().agents(max(args.agents, 1))][: args.agents]
    settings = Settings.from_env()
    if span is not None:
        store = Store(settings.db_url)
        try:
            n = fill_history(
                store, span, agents=names or None, seed=args.seed, per_day=args.per_day
            )
        finally:
            store.close()
        print(f"workbench simulate: {n:,} interactions of history over {args.history}", flush=True)
    if args.history_only or args.agents == 0:
        return 0
    api = None
    if url is None:
        from workbench.embedded import ensure_x_api

        api = ensure_x_api(seed=args.seed)
        url = api.url
    return _live(args, url, api)


def _live(args: argparse.Namespace, url: str, api: object) -> int:
    from workbench.simulate.team import Team

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        with Team(args.agents, seed=args.seed, x_api_url=url, pace=args.pace) as team:
            print(
                f"workbench simulate: {len(team.agents)} agents ({', '.join(team.names)}) "
                f"working against {url}; Ctrl+C stops",
                flush=True,
            )
            worker = threading.Thread(target=team.run, args=(stop,), name="simulated-team")
            worker.start()
            try:
                while worker.is_alive():
                    worker.join(0.5)
            except KeyboardInterrupt:
                stop.set()
                worker.join()
            handled = sum(a.handled for a in team.agents)
            print(f"workbench simulate: stopped; {handled} interactions handled", flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if api is not None:
            api.stop()  # type: ignore[attr-defined]
    return 0

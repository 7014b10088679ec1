"""``workbench wallboard``: the supervisor dashboard alone, as a page for a wall screen (Voila
on 127.0.0.1, no code shown), from the shipped ``wallboard.ipynb``."""

from __future__ import annotations

import argparse
import os

from workbench._voila import url, voila_command

__all__ = ["HELP", "NOTEBOOK", "add_arguments", "run", "url", "voila_command"]

HELP = "serve the supervisor dashboard alone as a page (Voila) on 127.0.0.1"
NOTEBOOK = "wallboard.ipynb"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8866, help="the page's port (default 8866)")
    parser.add_argument(
        "--db-url", default=None, help="the store to chart (default: WORKBENCH_DB_URL)"
    )


def run(args: argparse.Namespace) -> int:
    from workbench._voila import serve

    env = dict(os.environ)
    if args.db_url:
        env["WORKBENCH_DB_URL"] = args.db_url
    return serve("wallboard", NOTEBOOK, args.port, env)

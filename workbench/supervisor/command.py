"""``workbench wallboard``: the dashboard's figures as a page for a wall screen (Voila on
127.0.0.1, no code shown, no controls), from the shipped ``wallboard.ipynb``; the page's URL
parameters pick what it shows (``/?queue=billing&window=1h``)."""

from __future__ import annotations

import argparse
import os

from workbench._voila import url, voila_command

__all__ = ["HELP", "NOTEBOOK", "add_arguments", "run", "url", "voila_command"]

HELP = "serve the wallboard as a page (Voila) on 127.0.0.1: /?queue=NAME&window=1h|today|7d"
NOTEBOOK = "wallboard.ipynb"
PREHEAT = 1
"""Kernels kept waiting with the wallboard's store read and its charts made (Voila's pool): a
page shows its first chart without waiting for a kernel to start, import the workbench and
load the ledger (about 5 s); the page's URL parameters are applied when it asks."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8866, help="the page's port (default 8866)")
    parser.add_argument(
        "--db-url", default=None, help="the store to chart (default: WORKBENCH_DB_URL)"
    )


def run(args: argparse.Namespace) -> int:
    from workbench._voila import PLOTLY, serve

    env = dict(os.environ)
    if args.db_url:
        env["WORKBENCH_DB_URL"] = args.db_url
    # The charts bring plotly's JavaScript themselves (one copy for the page); its JupyterLab
    # extension, which draws plotly outputs, is 4.8 MB the page would load for nothing.
    return serve("wallboard", NOTEBOOK, args.port, env, PREHEAT, PLOTLY)

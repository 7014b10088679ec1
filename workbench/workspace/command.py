"""``workbench desk``: the agent desk as an app (Voila on 127.0.0.1, one kernel per agent's page,
no code cells), from the shipped ``desk.ipynb``: a sign-in form, then the agent's workspace.

With no X API configured (``WORKBENCH_X_API_URL``) it starts the X API sandbox and the ingest
loop first, so every agent's page works the same traffic."""

from __future__ import annotations

import argparse
import os
import subprocess

HELP = "serve the agent desk as an app (Voila) on 127.0.0.1: sign in, then work"
NOTEBOOK = "desk.ipynb"
PREHEAT = 1
"""Kernels kept waiting with the desk notebook already run (Voila's pool): the sign-in form
shows without waiting for a kernel to start and import the workbench (about 2 s of the 3 s it
took); Voila starts the next as one is taken."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8867, help="the app's port (default 8867)")
    parser.add_argument("--db-url", default=None, help="the store (default: WORKBENCH_DB_URL)")
    parser.add_argument("--seed", type=int, default=7, help="sandbox traffic seed (no X API set)")
    parser.add_argument(
        "--traffic", type=float, default=4.0, help="sandbox tweets per minute (no X API set)"
    )


def run(args: argparse.Namespace) -> int:
    from workbench._voila import PLOTLY, check_port, serve, stop_on_sigterm
    from workbench.lab import start_demo_backend, stop_children

    check_port(args.port)  # before the sandbox starts
    stop_on_sigterm()  # a SIGTERM stops the sandbox and ingest started here too
    env = dict(os.environ)
    if args.db_url:
        env["WORKBENCH_DB_URL"] = args.db_url
    children: list[subprocess.Popen[str]] = []
    try:
        if not env.get("WORKBENCH_X_API_URL"):
            children = start_demo_backend(args.seed, args.traffic, env)
        return serve("agent desk", NOTEBOOK, args.port, env, PREHEAT, PLOTLY)
    finally:
        stop_children(children)

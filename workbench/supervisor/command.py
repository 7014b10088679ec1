"""``workbench wallboard``: the supervisor dashboard alone, as a page for a wall screen (Voila
on 127.0.0.1, no code shown), from the shipped ``wallboard.ipynb``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib.resources import as_file, files

from workbench.errors import UsageError

HELP = "serve the supervisor dashboard alone as a page (Voila) on 127.0.0.1"
NOTEBOOK = "wallboard.ipynb"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8866, help="the page's port (default 8866)")
    parser.add_argument(
        "--db-url", default=None, help="the store to chart (default: WORKBENCH_DB_URL)"
    )


def voila_command(notebook: str, port: int) -> list[str]:
    """Voila serving ``notebook`` on 127.0.0.1:``port``, sources stripped."""
    return [
        sys.executable,
        "-m",
        "voila",
        notebook,
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--strip_sources=True",
        "--theme=light",
    ]


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}/"


def run(args: argparse.Namespace) -> int:
    from workbench.lab import port_free

    if not 0 < args.port < 65536:
        raise UsageError("--port", f"a port from 1 to 65535 is required, got {args.port}")
    if not port_free(args.port):
        raise UsageError("--port", f"{args.port} is in use on 127.0.0.1; pick another")
    env = dict(os.environ)
    if args.db_url:
        env["WORKBENCH_DB_URL"] = args.db_url
    with as_file(files("workbench") / "notebooks" / NOTEBOOK) as path:
        proc = subprocess.Popen(voila_command(str(path), args.port), env=env, cwd=path.parent)
        print(f"wallboard: {url(args.port)}", flush=True)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(timeout=15)
            return 130

"""Serving a shipped notebook as a page with Voila on 127.0.0.1: the wallboard and the desk.

Voila runs the notebook in a kernel of its own for each page opened, shows the outputs only
(``--strip_sources``), and lets the page send the kernel widget messages only (comm messages),
never code to execute: a page is an app, not a notebook.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib.resources import as_file, files

from workbench.errors import UsageError

PLOTLY = ("jupyterlab-plotly",)
"""The JupyterLab extension of plotly's charts: a page without charts goes without it (4.8 MB of
JavaScript it would load and parse for nothing)."""


def voila_command(
    notebook: str, port: int, preheat: int = 0, without: Sequence[str] = ()
) -> list[str]:
    """Voila serving ``notebook`` on 127.0.0.1:``port``, sources stripped; with ``preheat``,
    that many kernels wait with the notebook already run, so a page opens without waiting for
    a kernel to start and the notebook's imports (Voila starts the next one as one is taken);
    the page loads no JupyterLab extension named in ``without``."""
    heated = ["--preheat_kernel=True", f"--pool_size={preheat}"] if preheat > 0 else []
    if without:
        heated.append(f"--VoilaConfiguration.extension_denylist={json.dumps(list(without))}")
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
        *heated,
    ]


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}/"


def check_port(port: int) -> None:
    """Refuse a port out of range or in use, naming it."""
    from workbench.lab import port_free

    if not 0 < port < 65536:
        raise UsageError("--port", f"a port from 1 to 65535 is required, got {port}")
    if not port_free(port):
        raise UsageError("--port", f"{port} is in use on 127.0.0.1; pick another")


def start(
    notebook: str,
    port: int,
    env: Mapping[str, str] | None = None,
    preheat: int = 0,
    without: Sequence[str] = (),
) -> subprocess.Popen[str]:
    """Start Voila on the shipped ``notebook`` (a file of ``workbench/notebooks``)."""
    with as_file(files("workbench") / "notebooks" / notebook) as path:
        return subprocess.Popen(
            voila_command(str(path), port, preheat, without),
            env=dict(os.environ if env is None else env),
            cwd=path.parent,
            text=True,
        )


def stop_on_sigterm() -> None:
    """Make SIGTERM end this command as Ctrl+C does, so it stops what it started (a plain
    SIGTERM would leave Voila, the sandbox or ingest running without it)."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def serve(
    name: str,
    notebook: str,
    port: int,
    env: Mapping[str, str] | None = None,
    preheat: int = 0,
    without: Sequence[str] = (),
) -> int:
    """Serve ``notebook`` until interrupted (Ctrl+C or SIGTERM), saying where; Voila's exit
    status."""
    check_port(port)
    stop_on_sigterm()
    proc = start(notebook, port, env, preheat, without)
    print(f"{name}: {url(port)}", flush=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 130

"""``workbench lab``: JupyterLab on 127.0.0.1 with the notebooks; ``--demo`` adds the sandbox
with seeded customer traffic and the ingest loop, so everything runs with embedded defaults."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

HELP = "start JupyterLab on 127.0.0.1 with the notebooks"


def notebooks_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "notebooks"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8888, help="JupyterLab's port (default 8888)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="also start the X API sandbox with seeded traffic and the ingest loop",
    )
    parser.add_argument("--traffic", type=float, default=4.0, help="demo tweets per minute")
    parser.add_argument("--seed", type=int, default=7, help="demo traffic seed")
    parser.add_argument("--token", default=None, help="JupyterLab token (default: generated)")


def jupyter_lab_command(port: int, root: Path, token: str | None = None) -> list[str]:
    """JupyterLab serving ``root`` on 127.0.0.1:``port`` (as root too, as on CI machines)."""
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip",
        "127.0.0.1",
        f"--port={port}",
        f"--ServerApp.root_dir={root}",
    ]
    if token is not None:
        cmd.append(f"--IdentityProvider.token={token}")
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        return s.connect_ex((host, port)) != 0


def _start_sandbox(
    seed: int, traffic: float, env: dict[str, str]
) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench",
            "sandbox",
            "--seed",
            str(seed),
            "--traffic",
            str(traffic),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    prefix = "X API sandbox at "
    if not line.startswith(prefix):
        proc.kill()
        raise SystemExit(f"workbench lab: the sandbox did not start ({line or 'no output'})")
    return proc, line[len(prefix) :]


def run(args: argparse.Namespace) -> int:
    from workbench.config import Settings

    if not port_free(args.port):
        print(
            f"workbench lab: port {args.port} is in use; pick another with --port", file=sys.stderr
        )
        return 1
    env = dict(os.environ)
    children: list[subprocess.Popen[str]] = []
    try:
        if args.demo:
            sandbox, url = _start_sandbox(args.seed, args.traffic, env)
            children.append(sandbox)
            env["WORKBENCH_X_API_URL"] = url
            print(f"X API sandbox at {url}", flush=True)
            Settings.from_env(env)  # a wrong setting stops here with one clear line
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "workbench", "ingest", "--follow", "--interval", "3"],
                    env=env,
                    text=True,
                )
            )
        cmd = jupyter_lab_command(args.port, notebooks_dir(), args.token)
        lab = subprocess.Popen(cmd, env=env, text=True)
        children.append(lab)
        return lab.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

"""``workbench lab``: JupyterLab on 127.0.0.1 with the notebooks; ``--demo`` adds the sandbox
with seeded customer traffic and the ingest loop, so everything runs with embedded defaults.

The package ships its notebooks in ``workbench/notebooks`` (read through ``importlib.resources``;
an installed package's folder may be read-only). Lab runs on a working copy: ``notebooks/`` in the
user data dir, or ``--notebooks DIR``. A notebook the user has edited there is never overwritten;
one left as shipped is brought up to date when the package ships a newer one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

HELP = "start JupyterLab on 127.0.0.1 with the notebooks"
EPILOG = (
    "Lab opens a working copy of the shipped notebooks: notebooks/ in the user data dir (or "
    "--notebooks DIR), copied there on first start. Notebooks you edited there are kept as they "
    "are; unedited ones are updated when the workbench ships newer ones."
)
#: What was copied into a working folder, so an edited notebook can be told from a shipped one.
MANIFEST = ".workbench-shipped.json"


def notebooks_dir() -> Traversable:
    """The notebooks the package ships (``workbench/notebooks``): read them, never write."""
    return files("workbench") / "notebooks"


def default_working_dir() -> Path:
    """``notebooks/`` in the user data dir (where the default store lives too)."""
    from workbench.config import user_data_dir

    return user_data_dir() / "notebooks"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def working_notebooks(folder: Path) -> list[str]:
    """Copy the shipped notebooks into ``folder`` for Lab to open and save; returns notes on the
    notebooks kept as the user edited them although a newer one ships.

    A notebook missing from ``folder`` is copied; one unchanged since it was copied (its digest is
    in ``folder``'s manifest) is replaced by the shipped one; anything else is the user's and left
    alone."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    try:
        copied: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        copied = {}
    notes = []
    for source in sorted(notebooks_dir().iterdir(), key=lambda t: t.name):
        if not source.name.endswith(".ipynb"):
            continue
        shipped = source.read_bytes()
        target = folder / source.name
        if target.exists():
            current = _digest(target.read_bytes())
            if current == _digest(shipped):
                copied[source.name] = current
                continue
            if copied.get(source.name) != current:
                notes.append(f"{target}: kept as you edited it (the workbench ships a newer one)")
                continue
        target.write_bytes(shipped)
        copied[source.name] = _digest(shipped)
    manifest_path.write_text(json.dumps(copied, indent=1, sort_keys=True), encoding="utf-8")
    return notes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument(
        "--notebooks",
        metavar="DIR",
        type=Path,
        default=None,
        help="working folder of the notebooks (default: notebooks/ in the user data dir)",
    )
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
        root = args.notebooks or default_working_dir()
        for note in working_notebooks(root):
            print(f"workbench lab: {note}", file=sys.stderr)
        cmd = jupyter_lab_command(args.port, root, args.token)
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

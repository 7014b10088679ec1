"""``workbench lab``: JupyterLab on 127.0.0.1 with the notebooks; ``--demo`` adds the sandbox
with seeded customer traffic, the ingest loop and a simulated team of agents (``--team N``,
``workbench simulate``), each its own process, and opens the demo layout: the agent workspace
and the supervisor dashboard side by side (``workbench/data/lab_demo_workspace.json``, saved
as the Lab workspace ``demo`` at every start).

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
import secrets
import signal
import socket
import subprocess
import sys
import time
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
#: The Lab workspace of the demo: the agent workspace and the supervisor dashboard side by side.
DEMO_WORKSPACE = "demo"
#: Lab's settings ``workbench lab`` answers for the user when they have not: no prompt to fetch
#: Jupyter's news, no check for a newer JupyterLab (the workbench pins its versions). The user
#: may turn either on in Lab's Settings; a choice they made is never overwritten.
QUIET_LAB = {
    ("@jupyterlab/apputils-extension", "notification"): {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


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


def quiet_lab(settings_dir: Path | None = None) -> list[Path]:
    """Write ``QUIET_LAB`` into Lab's user settings (``settings_dir``; default: where the Lab
    started from this environment keeps them, ``JUPYTERLAB_SETTINGS_DIR`` or Jupyter's config
    folder), each plugin's settings only when the user has none yet: what answering "no" to
    Lab's news prompt writes. Returns the files written."""
    if settings_dir is None:
        from jupyterlab.commands import get_user_settings_dir

        settings_dir = Path(get_user_settings_dir())
    written = []
    for (package, plugin), values in QUIET_LAB.items():
        target = settings_dir / package / f"{plugin}.jupyterlab-settings"
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written


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
    parser.add_argument(
        "--team",
        type=int,
        default=6,
        metavar="N",
        help="simulated agents working the demo desk beside you (default 6; 0 for none)",
    )
    parser.add_argument("--token", default=None, help="JupyterLab token (default: generated)")
    parser.add_argument(
        "--desk-port",
        type=int,
        default=8867,
        help="with --demo, also serve the agent desk app on this port (default 8867; 0: no app)",
    )


def demo_layout() -> dict[str, object]:
    """The shipped Lab workspace of the demo (the agent workspace beside the dashboard)."""
    text = (files("workbench") / "data" / "lab_demo_workspace.json").read_text(encoding="utf-8")
    layout: dict[str, object] = json.loads(text)
    return layout


def save_demo_layout(folder: Path) -> Path:
    """Save the demo layout as the Lab workspace ``demo`` in ``folder`` (Lab's workspaces dir),
    replacing what a previous session left there; returns the file."""
    from jupyterlab_server.workspaces_handler import WorkspacesManager

    layout = demo_layout()
    layout["metadata"] = {"id": DEMO_WORKSPACE}
    return Path(WorkspacesManager(str(folder)).save(DEMO_WORKSPACE, json.dumps(layout)))


def jupyter_lab_command(
    port: int,
    root: Path,
    token: str | None = None,
    workspaces: Path | None = None,
) -> list[str]:
    """JupyterLab serving ``root`` on 127.0.0.1:``port`` (as root too, as on CI machines);
    with ``workspaces``, Lab keeps its workspaces there and opens the ``demo`` one."""
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
    if workspaces is not None:
        cmd.append(f"--LabApp.workspaces_dir={workspaces}")
        cmd.append(f"--LabApp.default_url=/lab/workspaces/{DEMO_WORKSPACE}")
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        return s.connect_ex((host, port)) != 0


def start_sandbox(
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


def _start_team(agents: int, seed: int, env: dict[str, str]) -> subprocess.Popen[str]:
    """``workbench simulate --agents N`` against the demo sandbox, its own process."""
    cmd = [sys.executable, "-m", "workbench", "simulate", "--agents", str(agents)]
    return subprocess.Popen([*cmd, "--seed", str(seed)], env=env, text=True)


def authorise_demo(env: dict[str, str]) -> None:
    """Give the sandbox's brand accounts their OAuth 2.0 consent (``workbench auth``: no browser
    on the sandbox), so ingest takes DMs from the X Activity API as they arrive instead of
    polling; when it fails, say so and go on (DMs are then polled)."""
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "auth"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        print(f"workbench: no real-time DMs, they are polled ({why[0]})", file=sys.stderr)


def start_demo_backend(
    seed: int, traffic: float, env: dict[str, str]
) -> list[subprocess.Popen[str]]:
    """The demo's X side: the sandbox with seeded traffic (its URL set in ``env``), the brands'
    consent for real-time DMs, and ``workbench ingest --follow``; the processes started."""
    from workbench.config import Settings

    sandbox, url = start_sandbox(seed, traffic, env)
    env["WORKBENCH_X_API_URL"] = url
    print(f"X API sandbox at {url}", flush=True)
    children = [sandbox]
    try:
        Settings.from_env(env)  # a wrong setting stops here with one clear line
        authorise_demo(env)
        ingest = [sys.executable, "-m", "workbench", "ingest", "--follow", "--interval", "3"]
        children.append(subprocess.Popen(ingest, env=env, text=True))
    except BaseException:
        stop_children(children)
        raise
    return children


def stop_children(children: list[subprocess.Popen[str]]) -> None:
    """Stop the processes, the newest first, each waited for (a simulated team signs off while
    the sandbox still runs)."""
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()


def _wait_for_port(port: int, proc: subprocess.Popen[str], timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if not port_free(port):
            return True
        time.sleep(0.3)
    return False


def run(args: argparse.Namespace) -> int:
    from workbench.config import user_data_dir

    if not port_free(args.port):
        print(
            f"workbench lab: port {args.port} is in use; pick another with --port", file=sys.stderr
        )
        return 1
    if args.demo and args.desk_port:
        from workbench._voila import check_port

        check_port(args.desk_port)  # before anything starts
    if args.team < 0:
        print(f"workbench lab: --team: expected 0 or more, got {args.team}", file=sys.stderr)
        return 2
    from workbench._voila import stop_on_sigterm

    stop_on_sigterm()  # a SIGTERM stops what this started (the finally below), as Ctrl+C does
    env = dict(os.environ)
    children: list[subprocess.Popen[str]] = []
    workspaces = None
    desk = ""
    try:
        if args.demo:
            workspaces = user_data_dir() / "lab-workspaces"
            save_demo_layout(workspaces)
            children.extend(start_demo_backend(args.seed, args.traffic, env))
            if args.team:
                children.append(_start_team(args.team, args.seed, env))
            if args.desk_port:
                from workbench._voila import PLOTLY
                from workbench._voila import start as start_page
                from workbench._voila import url as page_url
                from workbench.workspace.command import NOTEBOOK, PREHEAT

                page = start_page(NOTEBOOK, args.desk_port, env, PREHEAT, PLOTLY)
                children.append(page)
                desk = f"Agent desk (sign in, no code) at {page_url(args.desk_port)}"
        root = args.notebooks or default_working_dir()
        for note in working_notebooks(root):
            print(f"workbench lab: {note}", file=sys.stderr)
        quiet_lab()
        token = args.token if args.token is not None else secrets.token_hex(24)
        cmd = jupyter_lab_command(args.port, root, token, workspaces)
        lab = subprocess.Popen(cmd, env=env, text=True)
        children.append(lab)
        if _wait_for_port(args.port, lab):
            path = f"lab/workspaces/{DEMO_WORKSPACE}" if workspaces is not None else "lab"
            print(f"\nJupyterLab at http://127.0.0.1:{args.port}/{path}?token={token}", flush=True)
            print(f"{desk}\n" if desk else "", flush=True)
        return lab.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop_children(children)

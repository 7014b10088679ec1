"""The stage of a shift (``workbench.bench.shift``): the X API sandbox, ``workbench ingest
--follow``, the desk (Voila), ``workbench simulate`` and customers writing, on one SQLite store,
each part in a process of its own as in production; and the sandbox's control API the shift
talks to.

The team takes every queue but the desk's (``DESK_QUEUE``), where the shift's scripted
customers land; the customers of ``Customers`` have small followings, so they go to the team.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.sandbox.server import RunningSandbox

DESK_QUEUE = "vip"
"""The queue of the person at the desk (the routing rules send large followings there)."""

_BACKGROUND = (
    "{brand} where is my order?",
    "{brand} my card was charged twice",
    "{brand} the app crashes when I open settings",
    "{brand} do you ship to Norway?",
    "{brand} thanks, all sorted now",
    "{brand} the battery drains overnight",
)
"""What the other customers write (to the brand's @handle; a DM drops it)."""


# --- the sandbox's control API ---------------------------------------------------------------


class Control:
    """The sandbox's control API: customers, their tweets and DMs, the brand's activity."""

    def __init__(self, url: str) -> None:
        import requests

        self.url = url
        self.session = requests.Session()
        self.session.trust_env = False
        self._lock = threading.Lock()

    def _post(self, path: str, body: Any) -> dict[str, Any]:
        with self._lock:
            answer = self.session.post(self.url + path, json=body, timeout=30)
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"sandbox {path}: {answer.status_code} {answer.text[:200]}")
        found: dict[str, Any] = answer.json()
        return found

    def user(self, username: str, **fields: Any) -> dict[str, Any]:
        return self._post("/sandbox/users", {"username": username, **fields})

    def tweet(self, author: str, text: str, **fields: Any) -> dict[str, Any]:
        return self._post("/sandbox/tweets", {"author": author, "text": text, **fields})

    def dm(self, author: str, text: str) -> dict[str, Any]:
        return self._post("/sandbox/dms", {"author": author, "text": text})

    def activity(self) -> list[dict[str, Any]]:
        with self._lock:
            answer = self.session.get(self.url + "/sandbox/activity", timeout=30)
        data: list[dict[str, Any]] = answer.json()["data"]
        return data


class Customers:
    """Everyone writing to the brand but the script's customers: a tweet or a DM from one of a
    dozen ordinary accounts (small followings: public queues) every ``every`` seconds."""

    def __init__(self, control: Control, brand: str, every: float, seed: int) -> None:
        self.control, self.brand, self.every = control, brand, every
        self.rng = random.Random(f"customers:{seed}")
        self.names = [f"customer_{seed % 100:02d}_{k:02d}" for k in range(12)]
        self.sent = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        for k, name in enumerate(self.names):
            self.control.user(
                name, name=f"Customer {k}", followers_count=40 + 300 * k, follows_brand=True
            )
        self._thread = threading.Thread(target=self._run, name="customers", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.rng.uniform(0.5, 1.5) * self.every):
            author = self.rng.choice(self.names)
            text = self.rng.choice(_BACKGROUND).format(brand=f"@{self.brand}")
            with contextlib.suppress(Exception):  # a busy sandbox: the next one goes
                if self.rng.random() < 0.3:
                    self.control.dm(author, text.split(" ", 1)[1])
                else:
                    self.control.tweet(author, f"{text} #{self.sent}")
                self.sent += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


# --- the stage -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


BARE_CELL = """import ipywidgets as W

bare_button = W.Button(description="bare round trip")
bare_button.add_class("wb-bench-button")
bare_echo = W.HTML("0")
bare_echo.add_class("wb-bench-echo")


def on_bare_click(_button):
    bare_echo.value = str(int(bare_echo.value) + 1)


bare_button.on_click(on_bare_click)
W.HBox([bare_button, bare_echo])
"""
"""The baseline: a bare ipywidgets Button whose click handler changes an HTML widget's value,
added to a page of the bench (the desk's, the supervisor's)."""


def _with_bare_button(notebook: str, out: Path) -> Path:
    """The shipped ``notebook`` with the bare Button after its cells, written to ``out``."""
    from importlib.resources import files

    nb = json.loads((files("workbench") / "notebooks" / notebook).read_text(encoding="utf-8"))
    nb["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "bare-round-trip",
            "metadata": {},
            "outputs": [],
            "source": BARE_CELL.splitlines(keepends=True),
        }
    )
    out.write_text(json.dumps(nb), encoding="utf-8")
    return out


@dataclass
class Stage:
    """What runs for a shift, and where."""

    root: Path
    env: dict[str, str]
    db_url: str
    x_api_url: str
    brand: str
    desk_url: str
    supervisor_url: str | None
    control: Control
    customers: Customers
    team: list[str] = field(default_factory=list)
    _procs: dict[str, tuple[subprocess.Popen[bytes], IO[bytes]]] = field(default_factory=dict)

    def stop_team(self) -> None:
        """The colleagues sign off (Not Ready, what they hold handed back) and stop."""
        self._stop("simulate")

    def stop_customers(self) -> None:
        self.customers.stop()

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _start(self, name: str, cmd: list[str], cwd: Path | None = None) -> None:
        out = (self.root / f"{name}.log").open("wb")
        proc = subprocess.Popen(cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        self._procs[name] = (proc, out)

    def alive(self, name: str) -> bool:
        """Whether the process ``name`` (ingest, desk, dashboard, simulate) still runs."""
        return self._procs[name][0].poll() is None

    def _stop(self, name: str) -> None:
        entry = self._procs.pop(name, None)
        if entry is None:
            return
        proc, out = entry
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        out.close()

    def close(self) -> None:
        self.customers.stop()
        for name in list(reversed(self._procs)):
            self._stop(name)


def _wait_page(stage: Stage, name: str, url: str, timeout: float = 120.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if not stage.alive(name) or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {stage.log(name)[-2000:]}") from None
            time.sleep(0.5)


def _wait_team(stage: Stage, timeout: float = 120.0) -> list[str]:
    """The simulated agents' names, once ``workbench simulate`` says they work."""
    deadline = time.monotonic() + timeout
    while True:
        found = re.search(r"(\d+) agents \(([^)]*)\) working", stage.log("simulate"))
        if found:
            return [n.strip() for n in found.group(2).split(",") if n.strip()]
        if not stage.alive("simulate") or time.monotonic() > deadline:
            raise RuntimeError(f"the team did not start: {stage.log('simulate')[-2000:]}")
        time.sleep(0.3)


@contextmanager
def stage(
    root: Path,
    *,
    team: int = 4,
    pace: float = 0.3,
    traffic_every: float = 2.5,
    bench_pages: bool = False,
    seed: int = 0,
) -> Iterator[Stage]:
    """Everything a shift needs, started in ``root`` (its logs there), stopped on leaving.

    ``team`` simulated colleagues at ``pace`` (``workbench simulate --pace``), a customer
    message every ``traffic_every`` seconds for them; ``bench_pages``: the desk and a supervisor
    page (the dashboard, whose window buttons the supervisor clicks) each with the bare Button
    of the baseline, instead of ``workbench desk`` alone."""
    from workbench.lab import authorise_demo
    from workbench.routing import register_agent
    from workbench.sandbox import start
    from workbench.store import Store

    root.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("X_")}
    for var, sub in {
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_DATA_DIR": "jupyter-data",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "IPYTHONDIR": "ipython",
    }.items():
        env[var] = str(root / sub)
    db_url = f"sqlite:///{root / 'workbench.db'}"
    env.update(
        WORKBENCH_DB_URL=db_url,
        WORKBENCH_X_PLAN="enterprise",
        WORKBENCH_LANGUAGE="en",
        WORKBENCH_MAIL_DIR=str(root / "mail"),
        WORKBENCH_MODEL_DIR=str(root / "models"),
    )
    # Enterprise: every button allowed; DM reads at 20 times X's rate (ingest polls every 3 s).
    sandbox: RunningSandbox = start(plan="enterprise", rate_limit_scale=20, seed=None)
    env["WORKBENCH_X_API_URL"] = sandbox.url
    brand = env.get("WORKBENCH_BRAND") or "AcmeSupport"
    control = Control(sandbox.url)
    the = Stage(
        root,
        env,
        db_url,
        sandbox.url,
        brand,
        "",
        None,
        control,
        Customers(control, brand, traffic_every, seed),
    )
    try:
        store = Store(db_url)  # made and migrated once, before the processes share it
        store.load_reference_data()
        store.close()
        authorise_demo(env)  # DMs through the Activity API as they arrive
        py = [sys.executable, "-m", "workbench"]
        the._start("ingest", [*py, "ingest", "--follow", "--interval", "3"])
        desk_port = free_port()
        the.desk_url = f"http://127.0.0.1:{desk_port}/"
        if bench_pages:
            from workbench._voila import voila_command

            pages = root / "pages"
            pages.mkdir(exist_ok=True)
            desk = _with_bare_button("desk.ipynb", pages / "desk.ipynb")
            the._start("desk", voila_command(str(desk), desk_port), cwd=pages)
            board_port = free_port()
            board = _with_bare_button(
                "supervisor_dashboard.ipynb", pages / "supervisor_dashboard.ipynb"
            )
            the._start("dashboard", voila_command(str(board), board_port), cwd=pages)
            the.supervisor_url = f"http://127.0.0.1:{board_port}/"
        else:
            the._start("desk", [*py, "desk", "--port", str(desk_port)])
        the._start(
            "simulate",
            [*py, "simulate", "--agents", str(team), "--seed", str(seed), "--pace", str(pace)],
        )
        the.team = _wait_team(the)
        # The team takes every queue but the desk's (its colleagues may still transfer there).
        store = Store(db_url)
        try:
            others = [q for q in store.reads.queue_names() if q != DESK_QUEUE]
            for name in the.team:
                register_agent(store, name, queues=others)
        finally:
            store.close()
        the.customers.start()
        _wait_page(the, "desk", the.desk_url)
        if the.supervisor_url:
            _wait_page(the, "dashboard", the.supervisor_url)
        yield the
    finally:
        the.close()
        sandbox.stop()

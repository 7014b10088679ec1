"""JupyterLab started for the browser tests, and Playwright driving Debian's chromium."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import require
from tests.pg import free_port
from workbench._chromium import CHROMIUM, HEADLESS
from workbench.lab import jupyter_lab_command, quiet_lab, working_notebooks

FLAGS = list(HEADLESS)


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    root: Path
    x_api_url: str
    env: dict[str, str]
    """The environment the lab and its ingest run with (store, X API, plan)."""

    def notebook(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is absent: install Debian's chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on a free loopback port, serving a working copy of the shipped notebooks (as
    ``workbench lab`` makes it), isolated config; as in ``make run``, beside an empty X API
    sandbox and a ``workbench ingest --follow`` process (the tests post the customers' tweets and
    DMs themselves)."""
    import sys

    from workbench.sandbox import start

    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is absent: install Debian's chromium")
    home = tmp_path_factory.mktemp("jupyter")
    root = home / "notebooks"
    working_notebooks(root)
    env = dict(os.environ)
    for var, sub in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "IPYTHONDIR": "ipython",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
    }.items():
        env[var] = str(home / sub)
    quiet_lab(home / "lab-settings")  # no news prompt, as `workbench lab` does for its users
    env["WORKBENCH_DB_URL"] = f"sqlite:///{home / 'workbench.db'}"
    # Enterprise: the plan that allows every button; DM reads at 20x X's 15 per 15 minutes (the
    # 300 of the former table), or ingest's DM polls every 3 s would be refused after 45 s.
    sandbox = start(plan="enterprise", rate_limit_scale=20)
    env["WORKBENCH_X_API_URL"] = sandbox.url
    env["WORKBENCH_X_PLAN"] = "enterprise"  # the sandbox's plan: the views offer every action
    ingest_log = (home / "ingest.log").open("w")
    ingest = subprocess.Popen(
        [sys.executable, "-m", "workbench", "ingest", "--follow", "--interval", "3"],
        env=env,
        stdout=ingest_log,
        stderr=subprocess.STDOUT,
    )
    port, token = free_port(), uuid.uuid4().hex
    cmd = jupyter_lab_command(port, root, token)
    log = (home / "lab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"JupyterLab did not start: {(home / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.25)
    try:
        yield Lab(url, token, root, sandbox.url, env)
    finally:
        _end(ingest)
        ingest_log.close()
        sandbox.stop()
        _end(proc)
        log.close()


def _end(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()

"""The project's files agree with each other (environment.yml and pyproject.toml, README), and the
wheel built from them installs in a fresh virtual environment and runs."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from tests.conftest import ROOT

# conda-forge names that differ from PyPI's
CONDA_NAMES = {"python-kaleido": "kaleido"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_requirements() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in meta["dependencies"] + meta["optional-dependencies"]["test"]]
    return {_norm(r.name): str(r.specifier) for r in reqs}


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    entries: list[str] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            entries += [p for p in dep["pip"] if not p.startswith("-e")]
        else:
            entries.append(dep)
    out = {}
    for entry in entries:
        name, _, spec = entry.partition(" ")
        name = CONDA_NAMES.get(name, name)
        if name in {"python", "pip"}:
            continue
        out[_norm(name)] = str(Requirement(f"{name}{spec.replace(' ', '')}").specifier)
    return out


def test_environment_yml_matches_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_tweepy_is_pinned():
    assert pyproject_requirements()["tweepy"].startswith("==")


def test_readme_quick_start_is_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", quick, re.S)
    assert block is not None
    assert block.group(1).split() == ["make", "run", "make", "test"]


def test_ci_calls_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


# --- the wheel, installed in a fresh virtual environment ------------------------------------------

# What a build reads besides the package itself.
BUILD_INPUTS = ("pyproject.toml", "README.md")
BUILD_REQUIREMENTS = ("setuptools>=77", "wheel")


def _pip(*args: str, python: Path | None = None, timeout: float = 600) -> None:
    """The shared environment's pip (its configuration: indexes, find-links), on ``python``."""
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    if python is not None:
        cmd += ["--python", str(python)]
    done = subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"pip {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def wheelhouse() -> Path:
    """A folder of wheels kept between runs (WORKBENCH_TEST_WHEELHOUSE, else the user cache dir),
    so a fresh environment installs from disk with ``--no-index``."""
    from platformdirs import user_cache_dir

    given = os.environ.get("WORKBENCH_TEST_WHEELHOUSE")
    folder = Path(given) if given else Path(user_cache_dir("workbench")) / "test-wheelhouse"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fill(house: Path, *requirements: str) -> None:
    """Make ``house`` hold wheels for ``requirements`` and all they need: from the house alone when
    it has them (no network), else through pip's indexes."""
    offline = ["download", "--no-index", "--find-links", str(house), "-d", str(house)]
    try:
        _pip(*offline, *requirements)
    except AssertionError:
        _pip("download", "-d", str(house), *requirements)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain virtual environment (no system or shared site-packages) with the workbench wheel
    built from this tree installed in it, and its dependencies from wheels on disk."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "workbench",
        source / "workbench",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"),
    )
    house = wheelhouse()
    _fill(house, *BUILD_REQUIREMENTS)
    dist = work / "dist"
    _pip(
        "wheel", "--no-deps", "--no-index", "--find-links", str(house), "-w", str(dist), str(source)
    )
    (wheel,) = dist.glob("workbench-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for wanted in (
        "workbench/data/dispositions.json",
        "workbench/data/traffic.json",
        "workbench/notebooks/analyst_report.ipynb",
        "workbench/notebooks/agent_workspace.ipynb",
        "workbench/store/migrations/env.py",
        "workbench/store/migrations/versions/0001_initial.py",
        "workbench/locale/fr/LC_MESSAGES/workbench.mo",
    ):
        assert wanted in names, f"{wheel.name} lacks {wanted}"
    # pip download keeps a file of the same name already in the house: a workbench wheel left by
    # an earlier run would stand in for this one, with that run's dependencies.
    for stale in house.glob("workbench-*.whl"):
        stale.unlink()
    _fill(house, str(wheel))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    config = (venv / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in config
    python = venv / "bin" / "python"
    # No byte-compiling: it is most of an install's time, and Python compiles what it imports.
    install = ("install", "--no-index", "--find-links", str(house), "--no-compile", str(wheel))
    try:
        _pip(*install, python=python)
    except AssertionError:  # the house still lacked a dependency: fetch what is missing, again
        _pip("download", "-d", str(house), str(wheel))
        _pip(*install, python=python)
    return venv


def _env(home: Path) -> dict[str, str]:
    """The environment of a user of the installed package: no checkout on the path, own dirs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBENCH_", "PYTHON"))}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
        JUPYTER_PLATFORM_DIRS="1",
        WORKBENCH_DB_URL=f"sqlite:///{home / 'workbench.db'}",
    )
    return env


@pytest.mark.slow
def test_the_installed_wheel_runs_sandbox_ingest_and_the_html_report(
    installed: Path, tmp_path: Path
) -> None:
    env = _env(tmp_path)
    bin_dir = installed / "bin"

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_dir / "workbench"), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=timeout,
            check=False,
        )

    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import workbench; print(workbench.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed), where

    log = (tmp_path / "sandbox.log").open("w")
    sandbox = subprocess.Popen(
        [str(bin_dir / "workbench"), "sandbox", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert sandbox.stdout is not None
        first = sandbox.stdout.readline().strip()
        assert first.startswith("X API sandbox at http://127.0.0.1:"), (
            first or (tmp_path / "sandbox.log").read_text()
        )
        env["WORKBENCH_X_API_URL"] = first.removeprefix("X API sandbox at ")
        ingested = run("ingest", "--once")
        assert ingested.returncode == 0, ingested.stderr
    finally:
        sandbox.send_signal(signal.SIGTERM)
        sandbox.communicate(timeout=30)
        log.close()
    assert sandbox.returncode == 0, (tmp_path / "sandbox.log").read_text()

    report = tmp_path / "report.html"
    made = run("report", "--format", "html", "--output", str(report))
    assert made.returncode == 0, made.stderr
    counted = re.match(r"wrote (\d+) interactions to ", made.stdout)
    assert counted and int(counted.group(1)) > 0, made.stdout + ingested.stdout
    html = report.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "Care desk report" in html


def test_lab_works_on_a_copy_of_the_notebooks_and_keeps_edits(tmp_path: Path) -> None:
    from workbench.lab import MANIFEST, notebooks_dir, working_notebooks

    shipped = {
        t.name: t.read_bytes() for t in notebooks_dir().iterdir() if t.name.endswith(".ipynb")
    }
    assert set(shipped) == {
        "agent_workspace.ipynb",
        "analyst_report.ipynb",
        "desk.ipynb",
        "supervisor_dashboard.ipynb",
        "wallboard.ipynb",
    }
    folder = tmp_path / "notebooks"
    assert working_notebooks(folder) == []
    assert {p.name: p.read_bytes() for p in folder.glob("*.ipynb")} == shipped
    assert (folder / MANIFEST).is_file()

    edited = folder / "agent_workspace.ipynb"
    edited.write_text('{"my": "edit"}')
    stale = folder / "analyst_report.ipynb"
    stale.write_bytes(b"an older shipped version")
    recorded = json.loads((folder / MANIFEST).read_text())
    recorded["analyst_report.ipynb"] = hashlib.sha256(b"an older shipped version").hexdigest()
    (folder / MANIFEST).write_text(json.dumps(recorded))
    (folder / "supervisor_dashboard.ipynb").unlink()

    notes = working_notebooks(folder)
    assert notes == [f"{edited}: kept as you edited it (the workbench ships a newer one)"]
    assert edited.read_text() == '{"my": "edit"}'  # the user's edit stays
    assert stale.read_bytes() == shipped["analyst_report.ipynb"]  # unedited: brought up to date
    assert (folder / "supervisor_dashboard.ipynb").read_bytes() == shipped[
        "supervisor_dashboard.ipynb"
    ]  # deleted: copied again


def test_lab_help_says_it_opens_a_working_copy() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "lab", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    said = " ".join(done.stdout.split())
    assert "working copy of the shipped notebooks: notebooks/ in the user data dir" in said
    assert "Notebooks you edited there are kept" in said

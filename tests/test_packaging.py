"""The project's files agree with each other: environment.yml and pyproject.toml, README."""

from __future__ import annotations

import re
import tomllib

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

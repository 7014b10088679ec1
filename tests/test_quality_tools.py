"""ruff is clean on the whole tree and mypy on the typed layers (STYLE.md)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

TYPED = ["workbench/domain", "workbench/store", "workbench/xapi"]


def test_ruff_is_clean():
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "workbench", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_mypy_is_clean_on_the_typed_layers():
    paths = [p for p in TYPED if (ROOT / p).exists()]
    done = subprocess.run(
        [sys.executable, "-m", "mypy", *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:]

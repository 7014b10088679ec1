"""The ``workbench`` command as a user runs it: help, bench table, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

COMMANDS = ("sandbox", "ingest", "lab", "report", "train", "bench", "simulate", "auth")


def workbench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )


def test_help_lists_every_command():
    done = workbench("--help")
    assert done.returncode == 0
    for name in COMMANDS:
        assert name in done.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_help(name):
    done = workbench(name, "--help")
    assert done.returncode == 0, done.stderr
    assert "usage: workbench " + name in done.stdout


def test_bench_prints_rows_as_table_and_json():
    done = workbench("bench", "--only", "store", "--scale", "0.01", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and set(rows[0]) == {"name", "ours", "baseline", "ratio", "unit"}
    assert rows[0]["ours"] > 0 and rows[0]["baseline"] > 0
    table = workbench("bench", "--only", "store", "--scale", "0.01")
    assert table.stdout.splitlines()[0].split() == ["name", "ours", "baseline", "ratio", "unit"]


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"WORKBENCH_DB_URL": "mysql://u:pw@db/x"}, "WORKBENCH_DB_URL: expected sqlite"),
        (
            {"WORKBENCH_DB_URL": "postgresql://u:topsecret@127.0.0.1:1/x"},
            "WORKBENCH_DB_URL: cannot open",
        ),
        ({"WORKBENCH_OFFER_TIMEOUT": "soon"}, "WORKBENCH_OFFER_TIMEOUT: expected a number"),
    ],
)
def test_bad_settings_are_one_clear_line(env, fragment, tmp_path):
    done = workbench("report", "--format", "csv", "--output", str(tmp_path / "r.csv"), env=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], done.stderr
    assert "topsecret" not in done.stderr and "pw@" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_report_refuses_a_period_that_ends_before_it_starts(tmp_path):
    done = workbench(
        "report",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-01",
        "--format",
        "csv",
        "--output",
        str(tmp_path / "r.csv"),
    )
    assert done.returncode == 2  # a usage error, as argparse's own
    assert done.stderr.strip() == "workbench report: --to: must be later than --from"
    assert list(tmp_path.iterdir()) == []

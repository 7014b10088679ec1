"""``workbench report`` writes only where it should: the format's extension, no file replaced
without --force, nothing but a regular file, and never a store made by reading one."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.ledger_sample import sample_ledger
from tests.report_store import make_store
from tests.test_cli import workbench
from workbench.errors import UsageError
from workbench.reports.export import Report, write


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_store(tmp_path_factory.mktemp("store"))


def report(
    url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return workbench("report", "--db-url", url, "--quiet", *args, env=env)


def refused(done: subprocess.CompletedProcess[str], message: str) -> None:
    """One line naming the option and the rule, status 2, as every bad input."""
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"workbench report: {message}"), done.stderr
    assert "Traceback" not in done.stderr


def test_an_output_of_another_format_is_refused_and_left_alone(tmp_path, store_url):
    book = tmp_path / "week.xlsx"
    book.write_bytes(b"the analyst's own workbook")
    done = report(store_url, "--format", "csv", "--output", str(book), "--force")
    refused(done, "--output: week.xlsx has the extension .xlsx, but --format is csv")
    assert book.read_bytes() == b"the analyst's own workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["week.xlsx"]


def test_an_output_without_extension_gets_the_formats(tmp_path, store_url):
    done = report(store_url, "--format", "parquet", "--output", str(tmp_path / "week"))
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["week.parquet"]
    assert len(pd.read_parquet(tmp_path / "week.parquet")) > 0


def test_an_existing_report_is_replaced_only_with_force(tmp_path, store_url):
    out = tmp_path / "week.csv"
    out.write_text("last week's")
    refused(
        report(store_url, "--format", "csv", "--output", str(out)),
        f"--output: {out} exists; add --force to replace it",
    )
    assert out.read_text() == "last week's"
    done = report(store_url, "--format", "csv", "--output", str(out), "--force")
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith('"interaction_id"')
    assert [p.name for p in tmp_path.iterdir()] == ["week.csv"]  # no partial left


def test_a_transcript_beside_an_existing_one_needs_force_too(tmp_path, store_url):
    side = tmp_path / "week.transcript.csv"
    side.write_text("kept")
    args = ("--format", "csv", "--transcript", "--output", str(tmp_path / "week.csv"))
    refused(report(store_url, *args), f"--output: {side} exists; add --force")
    assert side.read_text() == "kept" and not (tmp_path / "week.csv").exists()
    assert report(store_url, *args, "--force").returncode == 0
    assert side.read_text().startswith('"interaction_id"')


@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "link out of the folder", "dangling"])
def test_anything_but_a_regular_file_is_refused_even_with_force(
    tmp_path, tmp_path_factory, store_url, kind
):
    if kind == "device":
        out = Path("/dev/null")
        message = "--output: /dev/null is not a regular file (a device)"
    else:
        out = tmp_path / "week.csv"
        message = f"--output: {out} is "
        if kind == "fifo":
            os.mkfifo(out)
            message += "not a regular file (a FIFO)"
        elif kind == "folder":
            out.mkdir()
            message += "a folder; name a file"
        elif kind == "dangling":
            out.symlink_to(tmp_path / "gone.csv")
            message += "a link to nothing"
        else:
            elsewhere = tmp_path_factory.mktemp("elsewhere") / "theirs.csv"
            elsewhere.write_text("someone else's file")
            out.symlink_to(elsewhere)
            message += "a link out of its folder"
    before = os.lstat(out)
    refused(report(store_url, "--format", "csv", "--output", str(out), "--force"), message)
    after = os.lstat(out)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)
    if kind == "link out of the folder":
        assert out.resolve().read_text() == "someone else's file"
    if kind != "device":
        assert [p.name for p in tmp_path.iterdir()] == ["week.csv"]  # nothing written beside


def test_a_link_in_its_folder_is_written_through(tmp_path, store_url):
    real = tmp_path / "2026-w49.csv"
    real.write_text("old")
    link = tmp_path / "latest.csv"
    link.symlink_to(real.name)
    done = report(store_url, "--format", "csv", "--output", str(link), "--force")
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and real.read_text().startswith('"interaction_id"')


@pytest.mark.parametrize("how", ["--db-url", "WORKBENCH_DB_URL"])
def test_a_mistyped_sqlite_store_is_refused_and_not_made(tmp_path, how):
    url = f"sqlite:///{tmp_path / 'typo' / 'none.db'}"
    out = tmp_path / "week.csv"
    if how == "--db-url":
        done = report(url, "--format", "csv", "--output", str(out))
    else:
        done = workbench(
            "report", "--format", "csv", "--output", str(out), env={"WORKBENCH_DB_URL": url}
        )
    refused(done, f"{how}: no store at {tmp_path / 'typo' / 'none.db'}")
    assert list(tmp_path.iterdir()) == []  # no folder, no database, no report


def test_for_is_for_csv_only(tmp_path, store_url):
    done = report(store_url, "--format", "xlsx", "--for", "data", "--output", str(tmp_path / "w"))
    refused(done, "--for: is for CSV only; --format is xlsx")
    assert list(tmp_path.iterdir()) == []


def test_the_library_keeps_the_same_rules(tmp_path):
    ledger = sample_ledger(5)
    out = tmp_path / "week.csv"
    out.write_text("kept")
    with pytest.raises(UsageError, match="exists; add --force"):
        write(Report(ledger), "csv", out)
    with pytest.raises(UsageError, match="has the extension .csv, but --format is parquet"):
        write(Report(ledger), "parquet", out, force=True)
    assert out.read_text() == "kept"
    assert write(Report(ledger), "csv", tmp_path / "other").name == "other.csv"
    write(Report(ledger), "csv", out, force=True)
    assert len(pd.read_csv(out)) == 5

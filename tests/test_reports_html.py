"""The HTML and PDF reports as a reader opens them: in headless chromium with no network."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from tests.ledger_sample import sample_ledger
from workbench._chromium import CHROMIUM, HEADLESS
from workbench.analytics import metrics
from workbench.reports import export
from workbench.reports.figures import time_axis
from workbench.reports.summary import narrative

FLAGS = list(HEADLESS)
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    ledger = sample_ledger()
    return {
        "full": export(ledger, "html", folder / "report.html", tz="Asia/Tokyo"),
        "empty": export(ledger.iloc[:0], "html", folder / "empty.html"),
        "one": export(ledger.iloc[:1], "html", folder / "one.html"),
    }


def _open_offline(path: Path) -> dict[str, object]:
    """What a reader sees opening ``path`` with no network. In a thread of its own: Playwright's
    sync API refuses a thread where an event loop runs, as the browser tests' session-wide
    Playwright leaves in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_open_in_this_thread, path).result()


def _open_in_this_thread(path: Path) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})

            def route(r):
                if r.request.url.startswith("file:"):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.wait_for_timeout(500)
            charts = page.locator("div.plotly-graph-div")
            drawn = [charts.nth(k).locator(".main-svg").count() > 0 for k in range(charts.count())]
            text = page.inner_text("body")
        finally:
            browser.close()
    return {"blocked": blocked, "errors": errors, "drawn": drawn, "text": text}


@needs_chromium
def test_report_draws_every_chart_with_no_network(reports):
    seen = _open_offline(reports["full"])
    assert seen["blocked"] == []
    assert seen["errors"] == []
    assert len(seen["drawn"]) == 5 and all(seen["drawn"])
    assert "NaN" not in seen["text"]


def test_plotly_is_embedded_once_and_nothing_remote(reports):
    body = reports["full"].read_text()
    assert body.count("plotly-graph-div") >= 5
    assert len(re.findall(r"/\*\*\s*\n?\s*\* plotly\.js v", body)) <= 1
    assert body.count("Plotly.newPlot") >= 5
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", body)
    assert scripts == []  # every script is inline
    assert not re.search(r"<link[^>]+href=\"https?:", body)
    assert 'displayModeBar": false' in body


def test_times_days_and_hours_are_the_analysts(reports):
    """The report is in Tokyo time (UTC+9): the sample's first arrival on Monday 2 March,
    08:09 UTC, shows as 17:09."""
    first = sample_ledger()["arrived_at"].min()
    assert f"{first:%a %d %b %Y %H:%M}" == "Mon 02 Mar 2026 08:09"
    body = reports["full"].read_text()
    assert "from Mon 02 Mar 2026 17:09" in body and "(Asia/Tokyo)" in body
    assert "UTC" not in re.sub(r"<script.*?</script>", "", body, flags=re.S)


def test_no_nan_in_the_report(reports):
    for path in reports.values():
        visible = re.sub(r"<script.*?</script>", "", path.read_text(), flags=re.S)
        assert "NaN" not in visible


@needs_chromium
def test_an_empty_range_says_so(reports):
    seen = _open_offline(reports["empty"])
    assert seen["errors"] == [] and seen["blocked"] == []
    assert "No interactions arrived in this range" in seen["text"]
    assert "No interactions were handled in this range" in seen["text"]
    assert seen["drawn"] == []  # words, not empty axes
    assert "NaN" not in seen["text"]


def test_the_header_counts_in_words_that_agree(reports):
    one = reports["one"].read_text(encoding="utf-8")
    assert "1 interaction arrived, on " in one and "1 interactions" not in one
    full = reports["full"].read_text(encoding="utf-8")
    assert re.search(r"\b\d[\d,]* interactions arrived from .+ to .+ \(Asia/Tokyo\)\.", full)


@pytest.mark.parametrize(
    ("span", "fmt", "step"),
    [
        ("2h", "%H:%M", pd.Timedelta(minutes=15)),
        ("3D", "%H:%M<br>%a %d %b", pd.Timedelta(hours=12)),
        ("30D", "%a %d %b", pd.Timedelta(days=7)),
    ],
)
def test_time_axis_format_follows_the_range(span, fmt, step):
    start = pd.Timestamp("2026-03-02 08:00", tz="UTC")
    axis = time_axis(start, start + pd.Timedelta(span))
    assert axis["tickformat"] == fmt
    assert axis["dtick"] == step.total_seconds() * 1000
    assert "%S" not in axis["tickformat"] and "%L" not in axis["hoverformat"]


def test_narrative_equals_the_metrics():
    ledger = sample_ledger()
    n = narrative(ledger)
    sl = metrics.service_level(ledger)
    assert (n.service_level, n.goal, n.threshold) == (
        sl["service_level"],
        sl["goal"],
        sl["threshold"],
    )
    table = metrics.dispositions(ledger).table
    assert n.biggest_disposition == table["label"].iloc[0]
    assert n.biggest_disposition_share == table["share"].iloc[0]
    assert n.negative_share == metrics.shares(ledger)["negative"]
    middle = (
        ledger["arrived_at"].min() + (ledger["arrived_at"].max() - ledger["arrived_at"].min()) / 2
    )
    early = ledger["arrived_at"] <= middle
    assert n.negative_first_half == metrics.shares(ledger[early])["negative"]
    assert n.negative_second_half == metrics.shares(ledger[~early])["negative"]
    hours = ledger["arrived_at"].dt.floor("h").value_counts()
    assert n.busiest_unit == "hour" and n.busiest_count == hours.max()
    text = n.markdown()
    assert f"{sl['service_level']:.0%}" in text and f"goal of {sl['goal']:.0%}" in text
    assert table["label"].iloc[0] in text


def test_narrative_of_a_week_names_the_busiest_day():
    ledger = sample_ledger()
    days = pd.to_timedelta(range(len(ledger)), unit="D") // 8  # 8 a day over a week
    ledger = ledger.assign(arrived_at=ledger["arrived_at"] + days)
    n = narrative(ledger)
    assert n.busiest_unit == "day"
    assert n.busiest_count == ledger["arrived_at"].dt.floor("D").value_counts().max()


def test_narrative_service_level_follows_the_settings(monkeypatch):
    monkeypatch.setenv("WORKBENCH_SL_GOAL", "0.1")
    n = narrative(sample_ledger())
    assert n.goal == 0.1 and "meeting the goal of 10%" in n.markdown()

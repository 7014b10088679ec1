"""The wallboard as ``workbench wallboard`` serves it (Voila, a kernel kept ready), and the
supervisor dashboard, in headless Chromium, on a store of two days of a busy desk.

The wallboard: the page's URL picks the window and the queue, and every chart shows the
figures of that window (each equal to the metrics of the ledger's rows of that window, read
apart); it fills the screen at 1280x800 and 1920x1080 without scrolling, in large type. The
dashboard: dispositions by their labels, never their codes, and agent names and column headers
whole. Screenshots of each in test-artifacts/; the time to the first chart is written beside
them (``wallboard-timing.json``), never asserted.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM
from tests.browser.helpers import README_SIZES, SCREENSHOTS
from tests.conftest import ROOT, require
from tests.pg import free_port

pytestmark = pytest.mark.browser

AGENTS = ["alexandra.konstantinopoulou", "jean-baptiste.delacroix-martin", "sam_o"]
"""The team of the history: long names, which a table must show whole."""
QUERIES = {
    "window=1h": ("last hour", None),
    "queue=mentions&window=today": ("today", "mentions"),
    "window=7d": ("last 7 days", None),
}
CHARTS = """() => Object.fromEntries([...document.querySelectorAll('.wb-charts .js-plotly-plot')]
  .map(p => [p.layout.meta, (p.data || []).map(t => ({
    name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || []),
    customdata: t.customdata ? Array.from(t.customdata) : null}))]))"""
TICKS = """(meta) => {
  const plot = [...document.querySelectorAll('.wb-charts .js-plotly-plot')]
    .find(p => p.layout && p.layout.meta === meta);
  return plot ? [...plot.querySelectorAll('.xtick text, .ytick text')].map(t => t.textContent) : [];
}"""
FITS = """(within) => {
  const root = document.querySelector(within);
  const doc = document.scrollingElement || document.documentElement;
  const scrolled = [...root.querySelectorAll('*'), root].filter(e => {
    const s = getComputedStyle(e);
    return (e.scrollHeight > e.clientHeight + 1 && /(auto|scroll)/.test(s.overflowY))
      || (e.scrollWidth > e.clientWidth + 1 && /(auto|scroll)/.test(s.overflowX));
  }).map(e => e.className.toString().slice(0, 60));
  const charts = [...root.querySelectorAll('.wb-chart')].map(c => {
    const r = c.getBoundingClientRect();
    const svg = c.querySelector('.main-svg').getBoundingClientRect();
    return {w: r.width, h: r.height, bottom: r.bottom, right: r.right, svgH: svg.height};
  });
  const value = root.querySelector('.wb-wall-kpi-value');
  return {page: [doc.scrollHeight, window.innerHeight, doc.scrollWidth, window.innerWidth],
          scrolled, charts, kpi: parseFloat(getComputedStyle(value).fontSize),
          tick: Math.max(...[...root.querySelectorAll('.xtick text')]
            .map(t => parseFloat(getComputedStyle(t).fontSize)))};
}"""


@dataclass(frozen=True)
class Served:
    url: str
    db_url: str
    root: Path


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_X_API_URL"}
    for var, sub in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "IPYTHONDIR": "ipython",
    }.items():
        env[var] = str(root / sub)
    return env


def _wait_served(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until Voila answers (a static file: the page itself would take the kernel kept
    ready)."""
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}voila/static/voila.js", timeout=2)
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"Voila did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A SQLite store of two days of handled history, and 40 minutes of it ending 5 minutes
    ago: nothing arrived within minutes of a window's edge, so the page and the test (a few
    seconds apart) count the same rows."""
    from workbench.simulate.history import fill_history
    from workbench.store import Store

    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is absent: install Debian's chromium")
    root = tmp_path_factory.mktemp("wallboard")
    db_url = f"sqlite:///{root / 'wallboard.db'}"
    store = Store(db_url)
    now = datetime.now(UTC)
    fill_history(
        store,
        timedelta(days=2),
        agents=AGENTS,
        per_day=240,
        seed=7,
        now=now - timedelta(minutes=75),
    )
    fill_history(
        store,
        timedelta(minutes=40),
        agents=AGENTS,
        per_day=1500,
        seed=8,
        now=now - timedelta(minutes=5),
    )
    store.close()
    yield db_url, root


@pytest.fixture(scope="module")
def wallboard(history: tuple[str, Path]) -> Iterator[Served]:
    """``workbench wallboard`` on the history's store."""
    db_url, root = history
    port = free_port()
    log = root / "wallboard.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workbench",
                "wallboard",
                "--port",
                str(port),
                "--db-url",
                db_url,
            ],
            env=_env(root),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            _wait_served(url, proc, log)
            yield Served(url, db_url, root)
        finally:
            _stop(proc)


@pytest.fixture(scope="module")
def dashboard(history: tuple[str, Path]) -> Iterator[Served]:
    """The shipped supervisor dashboard notebook as a page (Voila) on the history's store."""
    from workbench._voila import voila_command
    from workbench.lab import working_notebooks

    db_url, root = history
    notebooks = root / "notebooks"
    working_notebooks(notebooks)
    port = free_port()
    log = root / "dashboard.log"
    env = {**_env(root), "WORKBENCH_DB_URL": db_url}
    with log.open("w") as out:
        proc = subprocess.Popen(
            voila_command(str(notebooks / "supervisor_dashboard.ipynb"), port),
            env=env,
            cwd=notebooks,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            _wait_served(url, proc, log)
            yield Served(url, db_url, root)
        finally:
            _stop(proc)


# --- what the page should show --------------------------------------------------------------


def _x(t: pd.Timestamp) -> str:
    return pd.Timestamp(t).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S")


def _points(values: pd.Series, scale: float = 1.0) -> dict[str, float]:
    return {_x(t): float(v) * scale for t, v in values.items() if not pd.isna(v)}


def expected(db_url: str, window: str, queue: str | None, now: pd.Timestamp) -> dict[str, Any]:
    """What each chart shows in ``window`` (and ``queue``) at ``now``: the metrics of the
    ledger's rows of that window, trace by trace, interval start -> value."""
    from workbench.analytics import ledger
    from workbench.analytics import metrics as m
    from workbench.store import Store
    from workbench.supervisor import Filters
    from workbench.supervisor.model import interval_for

    store = Store(db_url)
    try:
        frame = ledger(store=store)
        known = {d.code: d.label for d in store.reads.dispositions()}
    finally:
        store.close()
    start, end = Filters(window=window).bounds(now)
    freq = interval_for(start, end)
    every = frame if queue is None else frame[(frame["queue"] == queue).to_numpy()]
    rows = m.between(every, start, end)
    slot = rows["arrived_at"].dt.floor(freq)
    intervals = sorted(set(slot))

    def per_interval(metric: Any, figure: str) -> dict[str, float]:
        out = {}
        for t in intervals:
            value = metric(rows[(slot == t).to_numpy()])[figure]
            if value is not None:
                out[_x(t)] = value / 60
        return out

    volume = m.volume(rows, freq, "channel").table
    sl = m.service_level(rows, now=now, freq=freq).table
    shares = m.shares(rows, "sentiment", freq).table
    disp = m.dispositions(rows, known).table
    done = every["done_at"]
    return {
        "rows": len(rows),
        "freq": freq,
        "every": every,
        "handled": int(((done >= start) & (done < end)).sum()),
        "volume": {str(c): {k: v for k, v in _points(volume[c]).items() if v} for c in volume},
        "times": {
            "first response": per_interval(m.first_response, "median"),
            "first response p90": per_interval(m.first_response, "p90"),
            "handle time": per_interval(m.handle_time, "median"),
            "handle time p90": per_interval(m.handle_time, "p90"),
        },
        "service_level": {"service level": _points(sl["service_level"], 100)},
        "sentiment": {str(c): _points(shares[c], 100) for c in shares},
        "dispositions": dict(zip(disp["label"], disp["count"].astype(int), strict=True)),
        "codes": list(disp.index),
    }


def _shown(trace: dict[str, Any], skip_zero: bool = False) -> dict[str, float]:
    return {
        x: float(y)
        for x, y in zip(trace["x"], trace["y"], strict=True)
        if y is not None and not (skip_zero and y == 0)
    }


def _close(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(math.isclose(a[k], b[k], abs_tol=1e-6) for k in a)


def check_charts(
    shown: dict[str, list[dict[str, Any]]], want: dict[str, Any], now: pd.Timestamp
) -> None:
    """Every chart of the page against the metrics of its window."""
    from workbench.analytics import metrics as m

    for trace in shown["volume"]:
        assert _shown(trace, skip_zero=True) == want["volume"].get(trace["name"], {}), trace["name"]
    assert {t["name"] for t in shown["volume"]} >= {k for k, v in want["volume"].items() if v}
    for chart in ("times", "service_level", "sentiment"):
        names = {t["name"]: t for t in shown[chart]}
        for name, points in want[chart].items():
            if points:
                assert _close(_shown(names[name]), points), (chart, name)
    if not want["dispositions"]:  # a window with nothing done in it: no bars
        assert all(not bars.get("x") for bars in shown["dispositions"]), shown["dispositions"]
    else:
        (bars,) = shown["dispositions"]
        assert dict(zip(bars["y"], bars["x"], strict=True)) == want["dispositions"]
        assert bars["customdata"] == want["codes"]
    depth = shown["queue_depth"]
    if depth:  # the depth at each of the chart's own sample times
        (line,) = depth
        first, last = pd.Timestamp(line["x"][0], tz="UTC"), pd.Timestamp(line["x"][-1], tz="UTC")
        table = m.queue_over_time(want["every"], want["freq"], start=first, end=last).table
        assert line["y"] == table["depth"].astype(float).tolist()


def eventually(check: Any, timeout: float = 30.0) -> None:
    """``check()`` until it passes (the page's charts update as messages arrive)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def page_now(page: Page, status: str = ".wb-wall-header .wb-status") -> pd.Timestamp:
    """The moment the page's figures are of (its status line: "updated HH:MM:SS UTC")."""
    said = page.locator(status).inner_text()
    stamp = said.split("updated ", 1)[1].split(" UTC", 1)[0]
    today = pd.Timestamp.now(tz="UTC").normalize()
    at = pd.Timestamp(f"{today:%Y-%m-%d} {stamp}", tz="UTC")
    return (
        at - pd.Timedelta(days=1) if at > pd.Timestamp.now(tz="UTC") + pd.Timedelta("1min") else at
    )


def _record_time(name: str, seconds: float) -> None:
    out = ROOT / SCREENSHOTS
    out.mkdir(exist_ok=True)
    path = out / "wallboard-timing.json"
    times = json.loads(path.read_text()) if path.exists() else {}
    times[name] = round(seconds, 2)
    path.write_text(json.dumps(times, indent=1))


# --- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", list(QUERIES))
def test_every_wallboard_chart_shows_the_window_its_url_asks_for(page: Page, wallboard, query):
    window, queue = QUERIES[query]
    page.set_viewport_size({"width": 1920, "height": 1080})
    started = time.monotonic()
    page.goto(f"{wallboard.url}?{query}")
    board = page.locator(".wb-wallboard")
    expect(board.locator(".wb-chart .plot-container")).to_have_count(6, timeout=120_000)
    _record_time(f"first chart, {query}", time.monotonic() - started)
    assert "db_url" not in page.content()  # no code on the page
    assert board.locator("button, select, input").count() == 0  # no controls
    expect(board.locator(".wb-wall-message")).to_have_text("")
    scope = ("Public mentions" if queue else "all queues") + f" · {window}"
    expect(board.locator(".wb-wall-scope")).to_have_text(scope)
    now = page_now(page)
    want = expected(wallboard.db_url, window, queue, now)
    # Right after midnight "today" holds none of the history (it ends 5 minutes ago).
    assert want["rows"] > 0 or window == "today"
    expect(board.locator(".wb-status")).to_contain_text(f"{want['rows']:,} interaction")
    handled = board.locator(".wb-kpi-handled .wb-wall-kpi-value")
    expect(handled).to_have_text(f"{want['handled']:,}")
    check_charts(page.evaluate(CHARTS), want, now)


def test_the_wallboard_fills_the_screen_in_large_type(page: Page, wallboard):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{wallboard.url}?window=7d")
    board = page.locator(".wb-wallboard")
    expect(board.locator(".wb-chart .plot-container")).to_have_count(6, timeout=120_000)
    out = ROOT / SCREENSHOTS
    out.mkdir(exist_ok=True)
    for width, height in README_SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(1200)  # the charts follow the window's size (plotly's resize)
        fit = page.evaluate(FITS, ".wb-wallboard")
        doc_height, inner_height, doc_width, inner_width = fit["page"]
        assert doc_height <= inner_height and doc_width <= inner_width, fit["page"]
        assert fit["scrolled"] == [], fit["scrolled"]
        assert len(fit["charts"]) == 6
        for chart in fit["charts"]:  # three a row, two rows, each drawn to its cell's height
            assert chart["w"] > width / 3 - 40 and chart["h"] > (height - 260) / 2 - 20, chart
            assert chart["bottom"] <= height and chart["right"] <= width, chart
            assert abs(chart["svgH"] - chart["h"]) <= 2, chart
        assert fit["kpi"] >= 30 and fit["tick"] >= 16, fit
        page.screenshot(path=str(out / f"wallboard-{width}x{height}.png"))


def test_the_wallboard_says_what_in_its_url_it_cannot_follow(page: Page, wallboard):
    page.goto(f"{wallboard.url}?window=2h&queue=mentions")
    board = page.locator(".wb-wallboard")
    expect(board.locator(".wb-wall-message")).to_contain_text(
        "window= takes 1h, today or 7d", timeout=120_000
    )
    expect(board.locator(".wb-wall-scope")).to_have_text("all queues · today")


def test_the_dashboard_shows_disposition_labels_and_whole_names_and_headers(page: Page, dashboard):
    from workbench.reference import load_reference

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(dashboard.url)
    view = page.locator(".wb-dashboard")
    expect(view.locator(".wb-charts .js-plotly-plot")).to_have_count(6, timeout=120_000)
    # every chart follows each window picked (changes sent after the charts were drawn)
    for window in ("last hour", "today", "last 7 days"):
        view.locator(".wb-window button", has_text=window).click()
        expect(view.locator(".wb-status")).to_contain_text(f"in {window}", timeout=30_000)
        now = page_now(page, ".wb-dashboard .wb-status")
        want = expected(dashboard.db_url, window, None, now)
        eventually(lambda want=want, now=now: check_charts(page.evaluate(CHARTS), want, now))
    codes = {d["code"] for d in load_reference().dispositions}
    deadline = time.monotonic() + 30
    while "Question answered" not in (labels := page.evaluate(TICKS, "dispositions")):
        assert time.monotonic() < deadline, labels  # the chart names dispositions by label
        page.wait_for_timeout(250)
    assert not codes & set(labels), labels  # labels, never codes
    assert all("_" not in label for label in labels), labels
    expect(view.locator(".wb-agent-link")).to_have_count(len(AGENTS), timeout=30_000)
    # every name and header whole, also as narrow as a notebook beside JupyterLab's side panel
    for width in (1280, 800):
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_timeout(500)
        cut = page.evaluate(
            """() => [...document.querySelectorAll('.wb-agent-grid .widget-button')]
              .filter(b => b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1)
              .map(b => b.textContent.trim())"""
        )
        assert cut == [], (width, cut)
    names = view.locator(".wb-agent-link").all_inner_texts()
    assert sorted(n.strip() for n in names) == sorted(AGENTS)
    out = ROOT / SCREENSHOTS
    out.mkdir(exist_ok=True)
    for width, height in README_SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(500)
        view.locator(".wb-agent-table").screenshot(
            path=str(out / f"dashboard-agents-{width}x{height}.png")
        )
        view.locator(".wb-chart-dispositions").screenshot(
            path=str(out / f"dashboard-dispositions-{width}x{height}.png")
        )


VOLUME = """() => {
  const plot = [...document.querySelectorAll('.wb-chart.js-plotly-plot')]
    .find(p => p.layout && p.layout.meta === 'volume');
  if (!plot) return -1;
  return plot.data.reduce((n, t) => n + (t.y || []).reduce((a, b) => a + (b || 0), 0), 0);
}"""


def test_the_wallboard_s_charts_follow_the_store_after_they_are_drawn(page: Page, wallboard):
    """What the store gets after the page drew its charts reaches every chart (a change made
    before a chart is drawn reaches it through its synced figure; after, as a message)."""
    from workbench.simulate.history import fill_history
    from workbench.store import Store

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{wallboard.url}?window=1h")
    board = page.locator(".wb-wallboard")
    expect(board.locator(".wb-chart .plot-container")).to_have_count(6, timeout=120_000)
    page.wait_for_timeout(1000)
    before = page.evaluate(VOLUME)
    store = Store(wallboard.db_url)
    try:  # ten minutes of a busier desk, ending two minutes ago
        now = datetime.now(UTC)
        added = fill_history(
            store,
            timedelta(minutes=10),
            agents=AGENTS,
            per_day=3000,
            seed=9,
            now=now - timedelta(minutes=2),
        )
    finally:
        store.close()
    assert added > 0
    deadline = time.monotonic() + 60
    while page.evaluate(VOLUME) != before + added:
        assert time.monotonic() < deadline, (before, added, page.evaluate(VOLUME))
        page.wait_for_timeout(250)
    now_shown = page_now(page)
    want = expected(wallboard.db_url, "last hour", None, now_shown)
    eventually(lambda: check_charts(page.evaluate(CHARTS), want, now_shown))

"""A shift at the desk beside a busy team, in headless Chromium: the person types at human
speed while colleagues change the store, and everything they did must be what X received, what
the store holds and what the screen shows. Then the supervisor's figures, for each window, must
be the metrics of that window's ledger.

The stage and the person are ``workbench.bench.shift`` (the bench's click-to-screen rows run
the same shift, longer). Timings are written beside the screenshots, never asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page

from tests.browser.helpers import SCREENSHOTS, screenshot
from tests.conftest import ROOT, require
from workbench.bench import shift as s

pytestmark = pytest.mark.browser

INTERACTIONS = 6


def test_a_shift_at_the_desk_beside_a_busy_team(page: Page, tmp_path: Path) -> None:
    require(Path(s.CHROMIUM).exists(), f"{s.CHROMIUM} is absent: install Debian's chromium")
    with s.stage(tmp_path / "stage", team=4, pace=0.3, traffic_every=2.5) as stage:
        boards = Boards(stage.db_url)
        agent = s.DeskAgent(page, stage, moment=lambda p, name: screenshot(p, f"shift-{name}"))
        try:
            agent.sign_in()
            shift = agent.work(s.cases(INTERACTIONS, stage.brand))
            stage.stop_customers()
            stage.stop_team()
            found = s.problems(stage, shift)
            _save(shift)
            found["supervisor figures equal the ledger's, each window"] = boards.problems()
        finally:
            agent.close()
            boards.close()
    assert len([h for h in shift.handled if h.scripted]) == INTERACTIONS
    assert not any(found.values()), s.report(found)


def _save(shift: s.Shift) -> None:
    """What the person did and the click-to-screen times, beside the screenshots."""
    out = ROOT / SCREENSHOTS
    out.mkdir(exist_ok=True)
    (out / "shift.json").write_text(json.dumps(shift.as_dict(), indent=1, default=str))


class Boards:
    """The supervisor's dashboard and the wallboard, each on a store of its own, open and live
    all shift long: they refresh as the store changes. ``problems()`` then stops them,
    refreshes once more at a moment held still, and compares each window's figures with the
    metrics of the ledger's rows of that window, read apart.

    The wallboard is ``WallboardView`` (its window asked by the page's URL, or by code) where
    the package has it, else the dashboard without its actions (as ``workbench wallboard``
    showed it before)."""

    def __init__(self, db_url: str) -> None:
        from workbench.store import Store
        from workbench.supervisor import DashboardModel
        from workbench.widgets import SupervisorDashboardView, dashboard

        self.db_url = db_url
        self.now: pd.Timestamp | None = None  # held still for the comparison

        def clock() -> pd.Timestamp:
            return self.now if self.now is not None else pd.Timestamp.now(tz="UTC")

        self.stores = {name: Store(db_url) for name in ("dashboard", "wallboard")}
        models = {
            name: DashboardModel(store, name, clock=clock) for name, store in self.stores.items()
        }
        wall = getattr(dashboard, "WallboardView", None)
        self.views = {
            "dashboard": SupervisorDashboardView(models["dashboard"], interval=2.0, live=True),
            "wallboard": (
                wall(models["wallboard"], interval=2.0, live=True)
                if wall is not None
                else SupervisorDashboardView(
                    models["wallboard"], interval=2.0, live=True, actions=False
                )
            ),
        }

    def problems(self) -> list[str]:
        from workbench.analytics import ledger
        from workbench.analytics import metrics as m
        from workbench.supervisor import WINDOWS
        from workbench.widgets.dashboard.controls import percent

        for view in self.views.values():
            if hasattr(view, "set_live"):
                view.set_live(False)
            else:
                view.live.value = False
        self.now = now = pd.Timestamp.now(tz="UTC")
        for view in self.views.values():
            view.refresh()  # what the live loop does at its next wake
        frame = ledger(self.db_url)
        wrong: list[str] = []
        for board, view in self.views.items():
            for window in WINDOWS:
                start, end = _bounds(window, now)
                _pick(view, window, start, end)
                snap = view.model.snapshot
                said = _compare(snap, frame, start, end, now, m)
                level = percent(snap.kpis["service_level"])
                if f">{level}<" not in view.kpis.value:
                    said.append(f"the service level {level} is not in the figures shown")
                n = len(m.between(frame, start, end))
                if hasattr(view, "status") and f"· {n} interaction" not in view.status.value:
                    said.append(f"{n} rows in the ledger, the status says {view.status.value!r}")
                wrong += [f"{board}, {window}: {w}" for w in said]
        return wrong

    def close(self) -> None:
        for view in self.views.values():
            view.close()
            view.model.close()
        for store in self.stores.values():
            store.close()


def _pick(view, window: str, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Show ``window``: as a supervisor clicks it in the dashboard's filters; on the
    wallboard, as its page's URL asks."""
    filters = getattr(view, "filters", None)
    if filters is None:
        extra = {"start": start, "end": end} if window == "range" else {}
        view.set_filters(window=window, **extra)
    elif window == "range":
        filters.choose_range(start, end)
    else:
        filters.pick_window(window)


def _bounds(window: str, now: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    if window == "last hour":
        return now - pd.Timedelta(hours=1), now
    if window == "today":
        return now.normalize(), now
    if window == "last 7 days":
        return now - pd.Timedelta(days=7), now
    start = (now - pd.Timedelta(minutes=30)).floor("min")  # the form takes minutes
    return start, (now + pd.Timedelta(minutes=2)).floor("min")


def _compare(snap, frame, start, end, now, m) -> list[str]:
    wrong = []
    if (snap.start, snap.end) != (start, end):
        wrong.append(f"window {snap.start}..{snap.end}, expected {start}..{end}")
    rows = m.between(frame, start, end)
    if len(snap.rows) != len(rows):
        wrong.append(f"{len(snap.rows)} rows, the ledger has {len(rows)}")
    k = snap.kpis
    expected = {
        "service_level": m.service_level(rows, now=now)["service_level"],
        "negative_share": m.shares(rows)["negative"],
        "in_queue": m.queue_now(frame, now)["depth"],
        "handled_today": int(
            ((frame["done_at"] >= now.normalize()) & (frame["done_at"] <= now)).sum()
        ),
    }
    for name, want in expected.items():
        if not _same(k[name], want):
            wrong.append(f"{name} {k[name]!r}, the ledger's {want!r}")
    for name, fn in (("first_response", m.first_response), ("handle_time", m.handle_time)):
        ours, theirs = snap.metrics[name].figures, fn(rows).figures
        for figure in ("count", "median", "p90"):
            if not _same(ours.get(figure), theirs.get(figure)):
                wrong.append(
                    f"{name} {figure} {ours.get(figure)!r}, the ledger's {theirs.get(figure)!r}"
                )
    ours_d, theirs_d = snap.metrics["dispositions"].table, m.dispositions(rows).table
    if not _same_counts(ours_d, theirs_d):
        wrong.append(f"dispositions {_counts(ours_d)}, the ledger's {_counts(theirs_d)}")
    volume = snap.metrics["volume"].table
    total = 0 if volume is None else int(volume.select_dtypes("number").to_numpy().sum())
    if total != len(rows):
        wrong.append(f"volume {total}, the ledger's {len(rows)}")
    return wrong


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(a == pytest.approx(b, nan_ok=True))


def _counts(table) -> dict:
    if table is None or not len(table):
        return {}
    column = "count" if "count" in table else table.columns[0]
    return {str(i): int(v) for i, v in table[column].items()}


def _same_counts(a, b) -> bool:
    return _counts(a) == _counts(b)

"""The interaction view on a long conversation: building it for a 200-message thread against a
bare ``ipywidgets.VBox`` of the same number of plain ``HTML`` widgets as the view holds, and the
cost of one more message as the thread grows (the 1,000th against the 10th: a redraw reads and
builds the new line only).

Both run on a real SQLite store and a real ``Workspace``; the widgets have no browser (no
kernel), so the rows measure building and updating the widget tree, as the kernel does it.

The click-to-screen rows do have a browser: a shift of 30 customers at the desk beside a busy
team (``workbench.bench.shift``), in headless Chromium, times each Accept, Send and Done and a
supervisor's window change from the click to the frame that shows its effect, against a bare
ipywidgets Button round trip (its click handler changes an HTML widget's value) in the same page:
median and 95th percentile, goals under 150 and 400 ms. One shift serves every row of a run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.bench import Result, benchmark

if TYPE_CHECKING:
    from datetime import datetime

    from workbench.store import Store
    from workbench.workspace import Workspace

THREAD = 200
LONG = 1_000
SHORT = 10


@contextmanager
def _desk() -> Iterator[tuple[Store, Workspace]]:
    """A store with one contact, and agent ann's workspace on it."""
    from workbench.config import Settings
    from workbench.store import Store
    from workbench.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'views.db'}")
        store.load_reference_data()
        ws = Workspace(
            "ann",
            store=store,
            mail_dir=Path(tmp) / "mail",
            settings=Settings.from_env({}, WORKBENCH_X_PLAN="enterprise"),
        )
        try:
            yield store, ws
        finally:
            ws.close()
            store.close()


def _thread(store: Store, ws: Workspace, messages: int) -> str:
    """An interaction of ``messages`` customer messages, accepted by ann; its id."""
    from workbench.domain import Channel, EntryKind, Interaction, TranscriptEntry, utcnow

    first = str(uuid.uuid4().int % 10**15)
    began = utcnow() - timedelta(seconds=messages + 60)  # every message in the past
    it = Interaction(
        uuid.uuid4().hex, Channel.MENTION, "2244994945", tweet_id=first, arrived_at=began
    )
    line = TranscriptEntry(
        it.id, it.arrived_at, EntryKind.INBOUND, "dana_rivera", "my order is late", "mention", first
    )
    store.add_interaction(it, None, line)
    for k in range(1, messages):
        _say(store, it.id, k, it.arrived_at + timedelta(seconds=k))
    ws.ready()
    ws.poll()
    ws.accept(it.id)
    return it.id


def _say(store: Store, iid: str, k: int, at: datetime) -> None:
    from workbench.domain import EntryKind, TranscriptEntry

    store.add_transcript(
        TranscriptEntry(
            iid,
            at,
            EntryKind.INBOUND,
            "dana_rivera",
            f"and another thing, number {k} @AcmeSupport #help",
            "reply",
            str(10**14 + k),
            {"follow_up": True, "participant": False},
        )
    )


@benchmark("views: the interaction view of a 200-message thread vs a bare VBox of as many HTML")
def thread_view(scale: float) -> Result:
    import ipywidgets as W

    from workbench.widgets.interaction import InteractionView

    n = max(20, int(THREAD * min(scale * 20, 1.0)))
    with _desk() as (store, ws):
        iid = _thread(store, ws, n)
        lines = ws.transcript(iid)
        texts = [f"<div>{e.author}: {e.text}</div>" for e in lines]
        ours, bare, widgets = [], [], 0
        for _ in range(3):
            t0 = time.perf_counter()
            view = InteractionView(ws, iid)
            ours.append(time.perf_counter() - t0)
            widgets = _count(view)
            view.close()
            t0 = time.perf_counter()
            box = W.VBox([W.HTML(texts[k % len(texts)]) for k in range(widgets - 1)])
            bare.append(time.perf_counter() - t0)
            for child in box.children:
                child.close()
            box.close()
    return Result(
        f"views: interaction view of a {n}-message thread vs a bare VBox of as many widgets "
        f"({widgets:,})",
        min(ours),
        min(bare),
        "s",
    )


def _count(widget: object) -> int:
    """How many widgets ``widget`` is made of (itself included)."""
    return 1 + sum(_count(c) for c in getattr(widget, "children", ()))


@benchmark("views: one more message, the 1,000th against the 10th")
def one_more_message(scale: float) -> Result:
    from workbench.domain import utcnow
    from workbench.widgets.interaction import InteractionView

    long = max(100, int(LONG * min(scale * 20, 1.0)))

    def append_cost(messages: int) -> float:
        with _desk() as (store, ws):
            iid = _thread(store, ws, messages - 1)
            view = InteractionView(ws, iid)
            took = []
            for k in range(5):
                _say(store, iid, messages + k, utcnow())
                t0 = time.perf_counter()
                ws.poll()
                took.append(time.perf_counter() - t0)
            assert len(view.lines) >= messages, len(view.lines)
            view.close()
            return statistics.median(took)

    return Result(
        f"views: one more message to a thread of {long:,} vs of {SHORT} (redraw)",
        append_cost(long),
        append_cost(SHORT),
        "s",
    )


# --- click to screen: a person's clicks during a shift beside a busy team -----------------------

SHIFT = 30
"""Scripted customers of the full shift (``workbench.bench.shift``)."""
GOALS = {"median": 150.0, "95th percentile": 400.0}
"""Click to screen, milliseconds: what a person feels as instant, and the slow tail's bound."""
CLICKS = (
    ("Accept", "accept", "bare desk", "the desk's page"),
    ("Send", "send", "bare desk", "the desk's page"),
    ("Done", "done", "bare desk", "the desk's page"),
    ("a dashboard filter (window)", "filter", "bare supervisor", "the supervisor's page"),
)
"""(what is clicked, its timings in the shift, its baseline's, the page both are in)."""
_shifts: dict[int, tuple[dict[str, list[float]], str]] = {}


def _shift_timings(scale: float) -> tuple[dict[str, list[float]], str]:
    """The click-to-screen times of one shift of ``SHIFT`` customers (times ``scale``), run once
    for every row of this run; and why it did not run ("" when it did)."""
    n = max(2, round(SHIFT * min(scale, 1.0)))
    if n not in _shifts:
        _shifts[n] = _run_shift(n)
    return _shifts[n]


def _run_shift(n: int) -> tuple[dict[str, list[float]], str]:
    import importlib.util
    import sys

    from workbench.bench import shift

    if not Path(shift.CHROMIUM).exists():
        return {}, f"{shift.CHROMIUM} is absent"
    if importlib.util.find_spec("playwright") is None:
        return {}, "playwright is not installed (pip install -e '.[test]')"
    with tempfile.TemporaryDirectory(prefix="wb-bench-shift-") as tmp:
        done, found = shift.run_shift(Path(tmp), n)
    if any(found.values()):
        print(f"click to screen: the shift found problems:\n{shift.report(found)}", file=sys.stderr)
    return done.timings, ""


def _percentile(values: list[float], which: str) -> float:
    if not values:
        return float("nan")
    if which == "median" or len(values) < 2:
        return statistics.median(values)
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def _click_row(scale: float, label: str, ours: str, bare: str, page: str, which: str) -> Result:
    timings, why = _shift_timings(scale)
    clicks, rounds = timings.get(ours, []), timings.get(bare, [])
    name = (
        f"click to screen: {label}, {which} of {len(clicks)} (goal < {GOALS[which]:.0f} ms) "
        f"vs a bare Button round trip in {page} ({len(rounds)})"
    )
    if why:
        name += f" (not run: {why})"
    return Result(name, _percentile(clicks, which), _percentile(rounds, which), "ms")


def _register(label: str, ours: str, bare: str, page: str, which: str) -> None:
    @benchmark(f"click to screen: {label}, {which}")
    def row(scale: float) -> Result:
        return _click_row(scale, label, ours, bare, page, which)


for _label, _ours, _bare, _page in CLICKS:
    for _which in GOALS:
        _register(_label, _ours, _bare, _page, _which)

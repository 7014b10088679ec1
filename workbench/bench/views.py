"""The interaction view on a long conversation: building it for a 200-message thread against a
bare ``ipywidgets.VBox`` of the same number of plain ``HTML`` widgets as the view holds, and the
cost of one more message as the thread grows (the 1,000th against the 10th: a redraw reads and
builds the new line only).

Both run on a real SQLite store and a real ``Workspace``; the widgets have no browser (no
kernel), so the rows measure building and updating the widget tree, as the kernel does it.
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

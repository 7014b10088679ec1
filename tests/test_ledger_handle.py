"""Handle time is the time held: from acceptance to done in each opening, summed; the days a
reopened interaction sat done are not handle time, in the ledger and in every metric."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.test_ledger import arrive, at, play
from workbench.analytics import LiveLedger, ledger, metrics

TWO_DAYS = 2 * 24 * 3600


def _handled_then_reopened(store) -> str:
    iid = arrive(store)
    play(
        store,
        iid,
        (10, lambda it: it.offer("ann")),
        (30, lambda it: it.accept("ann")),  # first hold: 30 -> 100
        (90, lambda it: it.set_disposition("ann", "resolved")),
        (100, lambda it: it.done("ann")),
        (TWO_DAYS, lambda it: it.reopen("dana wrote again")),
        (TWO_DAYS + 20, lambda it: it.offer("ann")),
        (TWO_DAYS + 60, lambda it: it.accept("ann")),  # second hold: +60 -> +160
        (TWO_DAYS + 150, lambda it: it.set_disposition("ann", "resolved")),
        (TWO_DAYS + 160, lambda it: it.done("ann")),
    )
    return iid


HOLDS = (100 - 30) + (160 - 60)


def test_a_reopened_interactions_handle_time_is_the_sum_of_its_holds(store):
    iid = _handled_then_reopened(store)
    row = ledger(store=store).set_index("interaction_id").loc[iid]
    assert row["reopens"] == 1 and row["done_at"] == at(TWO_DAYS + 160)
    assert row["handle_seconds"] == HOLDS  # not done_at - accepted_at, two days and more


def test_every_metric_takes_the_time_held(store):
    _handled_then_reopened(store)
    frame = ledger(store=store)
    assert metrics.handle_time(frame)["median"] == HOLDS
    agents = metrics.agent_table(frame).table
    assert agents.loc["ann", "median_handle_seconds"] == HOLDS
    staffing = metrics.staffing(frame, now=at(TWO_DAYS + 200))
    assert staffing["handle_seconds"] == HOLDS


def test_a_hold_still_open_and_a_close_without_acceptance(store):
    open_again = _handled_then_reopened(store)
    play(
        store,
        open_again,
        (TWO_DAYS + 3600, lambda it: it.reopen("again")),
        (TWO_DAYS + 3700, lambda it: it.offer("bob")),
        (TWO_DAYS + 3710, lambda it: it.accept("bob")),  # held now, not done: not counted yet
    )
    closed = arrive(store, "1002", seconds=5)
    play(store, closed, (50, lambda it: it.close("sam", "spam")))
    frame = ledger(store=store).set_index("interaction_id")
    assert frame.loc[open_again, "handle_seconds"] == HOLDS
    assert pd.isna(frame.loc[closed, "handle_seconds"])  # never held


def test_the_live_ledger_follows_a_reopen(store):
    iid = arrive(store)
    play(
        store,
        iid,
        (10, lambda it: it.offer("ann")),
        (30, lambda it: it.accept("ann")),
        (90, lambda it: it.set_disposition("ann", "resolved")),
        (100, lambda it: it.done("ann")),
    )
    live = LiveLedger(store)
    assert live.frame.set_index("interaction_id").loc[iid, "handle_seconds"] == 70
    play(
        store,
        iid,
        (TWO_DAYS, lambda it: it.reopen("dana wrote again")),
        (TWO_DAYS + 20, lambda it: it.offer("ann")),
        (TWO_DAYS + 60, lambda it: it.accept("ann")),
    )
    live.refresh()
    play(
        store,
        iid,
        (TWO_DAYS + 150, lambda it: it.set_disposition("ann", "resolved")),
        (TWO_DAYS + 160, lambda it: it.done("ann")),
    )
    frame = live.refresh()
    assert frame.set_index("interaction_id").loc[iid, "handle_seconds"] == HOLDS
    pd.testing.assert_frame_equal(frame, ledger(store=store))


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], None),
        ([("accepted", 10)], None),
        ([("accepted", 10), ("done", 25)], 15.0),
        ([("accepted", 10), ("accepted", 12), ("done", 25)], 15.0),  # a transfer: first accept
        ([("accepted", 10), ("done", 20), ("reopened", 500), ("done", 600)], 10.0),
        ([("reopened", 5), ("accepted", 10), ("closed", 30)], 20.0),
        ([("accepted", 10), ("done", 10)], 0.0),  # at one instant: accepted, then done
    ],
)
def test_held_of_events_in_any_order(events, expected):
    import numpy as np

    from workbench.store.ledger import event_stats

    names = ["accepted", "done", "closed", "reopened"]
    rows = list(reversed(events))  # the store hands them over in no order
    stats = event_stats(
        np.zeros(len(rows), dtype=np.int64),
        (np.array([names.index(a) for a, _ in rows], dtype=np.int64), names),
        np.array([s * 1_000_000 for _, s in rows], dtype=np.int64),
        1,
        {"held": ("held", tuple(names))},
    )
    found = stats["held"][0]
    assert np.isnan(found) if expected is None else found == expected, found

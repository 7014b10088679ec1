"""The outbox paces each brand account's sends by X's limits (the table and the last headers):
a spent budget leaves rows pending until its next slot, provokes no 429, and says when they go."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.xapi_fixtures import TEST_PLAN, Control, settings_for
from workbench.outbox import Outbox
from workbench.sandbox.server import RunningSandbox, start
from workbench.xapi import Gateway
from workbench.xapi.budgets import RateBudgets

WINDOW = 4.0  # X's 15-minute window, here (the sandbox's limits themselves are X's)


def paced_sandbox(window: float | None) -> RunningSandbox:
    return start(brands=("AcmeSupport", "AcmeDeals"), window_seconds=window, plan=TEST_PLAN)


@pytest.fixture
def statuses() -> list[int]:
    return []


def paced_gateway(url: str, window: float, statuses: list[int]) -> Gateway:
    g = Gateway.from_settings(
        settings_for(url), timeout=10.0, hooks=[lambda r, *a, **k: statuses.append(r.status_code)]
    )
    g.budgets = RateBudgets(window=window)
    return g


@pytest.fixture
def scaled() -> Iterator[RunningSandbox]:
    running = paced_sandbox(WINDOW)
    try:
        yield running
    finally:
        running.stop()


def dm_rows(outbox: Outbox, keys: list[str]) -> list[dict]:
    return [outbox.status(k) for k in keys]


def test_more_dms_than_the_budget_send_the_budget_and_the_rest_after_the_reset(
    store, scaled: RunningSandbox, statuses: list[int]
):
    control = Control(scaled.url)
    dana = control.user("dana", dm_open=True)
    gateway = paced_gateway(scaled.url, WINDOW, statuses)
    try:
        outbox = Outbox(store, gateway)
        keys = [
            outbox.enqueue("dm", "AcmeSupport", {"participant_id": dana["id"], "text": f"m{i}"})
            for i in range(20)
        ]
        first = outbox.run_once()
        assert (first.sent, first.paced, first.retried, first.failed) == (15, 5, 0, 0)
        assert 429 not in statuses
        budget = gateway.budgets.binding(
            "AcmeSupport", "POST /2/dm_conversations/with/:participant_id/messages"
        )
        slot = budget.next_slot(datetime.now(UTC))
        held = [r for r in dm_rows(outbox, keys) if r["state"] == "pending"]
        assert len(held) == 5
        for row in held:
            assert row["attempts"] == 0  # not tried: no attempt counted
            assert row["last_error"] == "rate budget: X allows 15 DMs per 4 seconds"
            assert abs((row["next_attempt_at"] - slot).total_seconds()) < 0.5
        assert outbox.run_once().claimed == 0  # not due before the slot
        while outbox.counts()["pending"]:
            wait = (outbox.next_due() - datetime.now(UTC)).total_seconds()
            time.sleep(max(0.0, wait) + 0.01)
            outbox.run_once()
        assert 429 not in statuses
        assert all(r["state"] == "sent" and r["attempts"] == 1 for r in dm_rows(outbox, keys))
        sent = [a["text"] for a in control.activity() if a["kind"] == "dm"]
        assert sorted(sent) == sorted(f"m{i}" for i in range(20))  # each once
        (row,) = [b for b in outbox.budgets() if b["endpoint"].startswith("POST /2/dm_")][:1]
        assert (row["timeline"], row["limit"], row["used"] + row["left"]) == (
            "AcmeSupport",
            15,
            15,
        )
        assert row["rule"] == "X allows 15 DMs per 4 seconds"
    finally:
        gateway.close()


def test_budgets_are_per_brand_account(store, scaled: RunningSandbox, statuses: list[int]):
    control = Control(scaled.url)
    dana = control.user("dana", dm_open=True)
    gateway = paced_gateway(scaled.url, WINDOW, statuses)
    try:
        outbox = Outbox(store, gateway)
        for brand in ("AcmeSupport", "AcmeDeals"):
            for i in range(16):
                outbox.enqueue("dm", brand, {"participant_id": dana["id"], "text": f"{brand}{i}"})
        report = outbox.run_once(limit=100)
        assert (report.sent, report.paced) == (30, 2)
        assert 429 not in statuses
    finally:
        gateway.close()


def test_the_composer_says_when_a_queued_dm_goes_out(store, statuses: list[int]):
    running = paced_sandbox(None)  # X's own 15-minute window
    control = Control(running.url)
    dana = control.user("dana", dm_open=True)
    gateway = paced_gateway(running.url, 900.0, statuses)
    try:
        outbox = Outbox(store, gateway)
        for i in range(16):
            outbox.enqueue(
                "dm",
                "AcmeSupport",
                {"participant_id": dana["id"], "text": f"m{i}"},
                interaction_id="it-1" if i == 15 else None,
            )
        assert outbox.run_once().paced == 1
        (queued,) = outbox.pending_eta("it-1")
        assert queued["action"] == "dm" and queued["rule"] == "X allows 15 DMs per 15 minutes"
        assert re.fullmatch(
            r"X allows 15 DMs per 15 minutes; goes out in about 1[45] min", queued["sentence"]
        )
        (stored,) = store.outbox.pending_eta("it-1")  # the store's read alone says the same
        assert stored["sentence"] == queued["sentence"] and stored["eta"] == queued["eta"]
        assert outbox.pending_eta("no-such-interaction") == []
        assert 429 not in statuses
    finally:
        gateway.close()
        running.stop()

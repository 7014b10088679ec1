"""Ingest paces its polls by X's limits: DM reads no faster than X allows per brand account,
mentions on their own schedule, and no 429 provoked by its own polls."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from tests.xapi_fixtures import TEST_PLAN, Control, settings_for
from workbench.intake import Ingest
from workbench.sandbox.server import RunningSandbox, start
from workbench.xapi import Gateway
from workbench.xapi.budgets import RateBudgets

WINDOW = 3.0  # X's 15-minute window, here; the limits are X's (15 DM reads per window)


@pytest.fixture
def scaled() -> Iterator[RunningSandbox]:
    running = start(brands=("AcmeSupport",), window_seconds=WINDOW, plan=TEST_PLAN)
    try:
        yield running
    finally:
        running.stop()


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def dm_lines(store) -> list[str]:
    """The DM event ids in the store's transcripts (a customer's DMs join one interaction)."""
    from sqlalchemy import select

    from workbench.store import schema as t

    with store.engine.connect() as conn:
        query = select(t.transcript.c.tweet_id).where(t.transcript.c.action == "dm")
        return [str(v) for v in conn.execute(query).scalars()]


def polling(store, url: str, calls: list[tuple[int, str]], **kwargs) -> tuple[Ingest, Gateway]:
    def seen(response, *args, **kw) -> None:
        calls.append((response.status_code, urlsplit(response.request.url).path))

    gateway = Gateway.from_settings(settings_for(url), timeout=10.0, hooks=[seen])
    gateway.budgets = RateBudgets(window=WINDOW)
    return Ingest(store, gateway, classify=None, **kwargs), gateway


def test_polls_stay_within_xs_limits_while_dms_and_mentions_keep_arriving(
    store, scaled: RunningSandbox, caplog
):
    control = Control(scaled.url)
    control.user("dana", dm_open=True)
    calls: list[tuple[int, str]] = []
    ingest, gateway = polling(store, scaled.url, calls)
    stop = threading.Event()
    runner = threading.Thread(
        target=ingest.run_forever, args=(stop,), kwargs={"interval": 0.02, "stream": False}
    )
    caplog.set_level(logging.INFO, logger="workbench.intake.ingest")
    runner.start()
    try:
        sent_dms, sent_mentions = set(), set()
        for i in range(6):  # two windows' worth and more of DM polls
            # From another customer each round: a DM from dana would join her open mention.
            control.user(f"dm_sender{i}", dm_open=True)
            sent_dms.add(control.dm(f"dm_sender{i}", f"dm {i}")["id"])
            sent_mentions.add(control.tweet("dana", f"@AcmeSupport mention {i}")["id"])

            def arrived() -> bool:
                got = store.interactions()
                return sent_dms <= {x.dm_event_id for x in got} and sent_mentions <= {
                    x.tweet_id for x in got
                }

            assert wait_for(arrived), f"round {i} did not arrive"
            time.sleep(WINDOW / 4)
    finally:
        stop.set()
        runner.join(15)
        gateway.close()
    assert not runner.is_alive()
    assert [c for c in calls if c[0] == 429] == []
    dm_reads = [p for _, p in calls if p == "/2/dm_events"]
    mention_reads = [p for _, p in calls if p.endswith("/mentions")]
    assert dm_reads and len(mention_reads) > len(dm_reads)  # on their own, faster schedule
    said = [r.getMessage() for r in caplog.records if "polling dms every" in r.getMessage()]
    assert said == [
        "ingest: polling dms every 0.2 s, not every 0.02 s: X allows 15 DM reads per "
        "3 seconds per account (GET /2/dm_events)"
    ]


def test_a_spent_dm_budget_holds_dms_back_but_not_mentions(store, scaled: RunningSandbox):
    control = Control(scaled.url)
    control.user("dana", dm_open=True)
    control.rate_limits(limits={"GET /2/dm_events": 2})  # X reports 2 per window in its headers
    calls: list[tuple[int, str]] = []
    # five DMs a page: a walk over the queued DMs needs more reads than the budget holds
    ingest, gateway = polling(store, scaled.url, calls, page_size=5)
    for i in range(12):
        control.dm("dana", f"dm {i}")
    stop = threading.Event()
    runner = threading.Thread(
        target=ingest.run_forever, args=(stop,), kwargs={"interval": 0.02, "stream": False}
    )
    runner.start()
    try:
        assert wait_for(lambda: sum(1 for _, p in calls if p == "/2/dm_events") >= 2)
        mention = control.tweet("dana", "@AcmeSupport still there?")["id"]
        # the mention is stored while the DM walk waits for its next slot
        assert wait_for(lambda: any(x.tweet_id == mention for x in store.interactions()))
        assert wait_for(lambda: len(dm_lines(store)) == 12)
    finally:
        stop.set()
        runner.join(15)
        gateway.close()
    assert [c for c in calls if c[0] == 429] == []
    dms = dm_lines(store)
    assert len(dms) == len(set(dms)) == 12  # each once (one conversation: dana's)

"""The store's change feed (PostgreSQL LISTEN/NOTIFY, SQLite's data_version), and the live
workspace it wakes: on SQLite and PostgreSQL, across connections and processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

from workbench.domain import Channel, Contact, Event, Interaction
from workbench.routing import heartbeat, register_agent


def _arrive(store, n: int = 1) -> list[str]:
    store.upsert_contact(Contact("42", "dana"))
    batch = []
    for _ in range(n):
        at = datetime.now(UTC)
        it = Interaction(
            uuid.uuid4().hex, Channel.MENTION, "42", tweet_id=uuid.uuid4().hex[:12], arrived_at=at
        )
        batch.append((it, [Event("arrived", it.id, at=at, details={"channel": "mention"})]))
    store.add_interactions(batch)
    return [it.id for it, _ in batch]


def test_a_new_event_wakes_the_feed_and_quiet_times_out(store):
    with store.changes() as feed:
        assert feed.wait(0.1) is False
        _arrive(store)
        assert feed.wait(5) is True
        assert feed.wait(0.1) is False  # told once


def test_writes_without_events_wake_nobody(store):
    register_agent(store, "ann")
    with store.changes() as feed:
        heartbeat(store, "ann")
        store.set_cursor("x:mentions:acmesupport", "123")
        assert feed.wait(0.3) is False


def test_a_rolled_back_event_wakes_nobody(store):
    from workbench.store import schema as t

    with store.changes() as feed:
        try:
            with store.transaction() as conn:
                conn.execute(
                    t.events.insert().values(
                        at=datetime.now(UTC), action="arrived", details={}, interaction_id=None
                    )
                )
                raise RuntimeError("changed my mind")
        except RuntimeError:
            pass
        assert feed.wait(0.3) is False


def test_another_process_wakes_the_feed(store):
    script = (
        "import sys, uuid; from datetime import UTC, datetime\n"
        "from workbench.store import Store\n"
        "from workbench.domain import Channel, Contact, Event, Interaction\n"
        "s = Store(sys.argv[1]); s.upsert_contact(Contact('7', 'eve'))\n"
        "at = datetime.now(UTC)\n"
        "it = Interaction(uuid.uuid4().hex, Channel.DM, '7', dm_event_id='dm1', arrived_at=at)\n"
        "s.add_interactions([(it, [Event('arrived', it.id, at=at, details={})])])\n"
    )
    with store.changes() as feed:
        woke = threading.Event()
        waiter = threading.Thread(target=lambda: feed.wait(60) and woke.set())
        waiter.start()
        subprocess.run([sys.executable, "-c", script, store.url], check=True, timeout=60)
        waiter.join(60)
        assert woke.is_set()


def test_a_feed_that_cannot_reach_its_store_sleeps_its_timeout_instead_of_failing():
    from workbench.store.changes import ChangeFeed

    feed = ChangeFeed("postgresql+psycopg://nobody@127.0.0.1:1/none")
    t0 = time.monotonic()
    assert feed.wait(0.2) is False  # cannot connect: sleeps the timeout, no exception
    assert time.monotonic() - t0 >= 0.2
    feed.close()


def test_the_live_workspace_gets_an_offer_without_waiting_for_its_interval(store):
    from workbench.workspace import Workspace

    ws = Workspace("ann", store=store, send=False)
    ws.ready()
    offered = threading.Event()
    ws.observe(lambda change: change.new and offered.set(), "offers")
    ws.start(interval=60.0)  # only a change can wake it in time
    try:
        time.sleep(0.3)  # the first poll is over
        [iid] = _arrive(store)
        assert offered.wait(10), "the offer waited for the next interval"
        assert [o.id for o in ws.offers] == [iid]
    finally:
        ws.close()


def test_a_separate_router_offers_as_soon_as_an_interaction_arrives(store):
    from workbench.domain import State
    from workbench.routing import Router, set_agent_state

    register_agent(store, "ann")
    set_agent_state(store, "ann", "ready")
    stop = threading.Event()
    loop = threading.Thread(target=Router(store).run, kwargs={"interval": 60.0, "stop": stop})
    loop.start()
    try:
        time.sleep(0.3)  # its first pass is over; the next is a minute away unless woken
        [iid] = _arrive(store)
        deadline = time.monotonic() + 10
        while store.interaction(iid).state is not State.OFFERED and time.monotonic() < deadline:
            time.sleep(0.02)
        assert store.interaction(iid).state is State.OFFERED
    finally:
        stop.set()
        loop.join(10)
    assert not loop.is_alive()

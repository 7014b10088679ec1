"""The live ledger: after any sequence of events, refreshing equals a full rebuild."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.analytics import LiveLedger, ledger
from workbench.analytics import live as live_module
from workbench.analytics.live import SAVE_SECONDS
from workbench.analytics.saved import beside
from workbench.domain import (
    Channel,
    Contact,
    EntryKind,
    Event,
    Interaction,
    Sentiment,
    TranscriptEntry,
    TransitionError,
)
from workbench.domain.cost import ApiCall, PriceKind
from workbench.intake.deletion import mark_deleted
from workbench.store import Change

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENTS = ("ann", "bob", "cy")
CONTACTS = (Contact("7", "dana", "Dana Rivera"), Contact("8", "techjoe", "Joe <b>"))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def stamped(fn, seconds):
    """A use case running the domain step ``fn`` with its events stamped at T0 + seconds."""

    def use(it, _conn):
        result = fn(it)
        events = result if isinstance(result, list) else [result]
        return Change(
            [Event(e.action, e.interaction_id, e.agent, at(seconds), e.details) for e in events]
        )

    return use


def owner(it):
    return it.agent or "ann"


def other(it):
    return next(a for a in AGENTS if a != it.agent)


# Domain steps on an interaction: each may be refused by its state machine (then skipped).
STEPS = {
    "offer": lambda it, a: it.offer(a),
    "accept": lambda it, a: it.accept(owner(it)),
    "reject": lambda it, a: it.reject(owner(it)),
    "timeout": lambda it, a: it.timeout(),
    "requeue": lambda it, a: it.requeue("heartbeat lost"),
    "transfer_agent": lambda it, a: it.transfer(owner(it), to_agent=other(it)),
    "transfer_queue": lambda it, a: it.transfer(owner(it), to_queue="vip"),
    "conference": lambda it, a: it.conference(owner(it), other(it)),
    "consult": lambda it, a: it.consult(owner(it), other(it), "voice"),
    "reply": lambda it, a: it.act(owner(it), "reply"),
    "dm": lambda it, a: it.act(owner(it), "dm"),
    "like": lambda it, a: it.act(owner(it), "like"),
    "correct": lambda it, a: it.correct(owner(it), sentiment=Sentiment.NEGATIVE),
    "dispose": lambda it, a: it.set_disposition(owner(it), "resolved", f"note by {a}"),
    "done": lambda it, a: it.done(owner(it)),
    "close": lambda it, a: it.close(f"sup-{a}", "spam", "bulk close"),
    "reopen": lambda it, a: it.reopen("wrote again"),
}

step = st.one_of(
    st.tuples(
        st.just("arrive"),
        st.sampled_from([Channel.MENTION, Channel.DM]),
        st.integers(0, 6),  # arrival second: ties and arrivals older than the newest
        st.booleans(),  # with a first inbound transcript line
        st.integers(0, 1),  # which contact
    ),
    st.tuples(
        st.just("act"),
        st.integers(0, 50),  # which interaction (modulo how many there are)
        st.sampled_from(sorted(STEPS)),
        st.sampled_from(AGENTS),
        st.integers(0, 600),  # event second: not in order
    ),
    st.tuples(st.just("agent_event"), st.sampled_from(AGENTS)),
    st.tuples(st.just("delete"), st.integers(0, 50)),  # its author deletes the opening post
    st.tuples(
        st.just("calls"),
        st.lists(
            st.tuples(
                st.integers(-1, 50),  # which interaction the call served (-1: none)
                st.sampled_from(list(PriceKind)),
                st.integers(0, 250_000),  # micro-dollars
                st.integers(0, 600),  # second
            ),
            min_size=1,
            max_size=4,
        ),
    ),
    st.tuples(st.just("bulk"), st.integers(1, 4), st.integers(-5, 20)),
)


def arrive(store, channel, seconds, with_line, who):
    contact = CONTACTS[who]
    iid = uuid.uuid4().hex
    source = str(uuid.uuid4().int % 10**15) if channel is Channel.MENTION else uuid.uuid4().hex
    ids = {"dm_event_id" if channel is Channel.DM else "tweet_id": source}
    it = Interaction(
        iid,
        channel,
        contact.id,
        **ids,
        queue="dms" if channel is Channel.DM else "mentions",
        timeline="brand" if channel is Channel.MENTION else "",
        subject=f"subject {iid[:6]}",
        arrived_at=at(seconds),
    )
    line = None
    if with_line:
        tweet = source if channel is Channel.MENTION else None
        line = TranscriptEntry(
            iid, at(seconds), EntryKind.INBOUND, contact.username, "help <me>", "message", tweet
        )
    store.add_interaction(it, contact, line)
    return iid


def bulk(store, n, seconds):
    batch = []
    for k in range(n):
        it = Interaction(
            uuid.uuid4().hex,
            Channel.MENTION,
            "7",
            tweet_id=str(uuid.uuid4().int % 10**15),
            arrived_at=at(seconds + k),
        )
        batch.append(
            (
                it,
                [
                    Event("arrived", it.id, at=at(seconds + k)),
                    Event("offered", it.id, "ann", at(seconds + k + 1)),
                ],
            )
        )
    store.add_interactions(batch)
    return [it.id for it, _ in batch]


def record_calls(store, calls, ids):
    """X calls in one batch, as the cost meter writes them (some serving no interaction)."""
    store.api_calls.record(
        [
            ApiCall(
                at(seconds),
                "brand" if which % 2 else "AcmeDeals",
                "POST /2/tweets",
                kind,
                1 + which % 3,
                micros,
                "pay-per-use",
                ids[which % len(ids)] if which >= 0 and ids else None,
            )
            for which, kind, micros, seconds in calls
        ]
    )


def run(store, steps, live, ids):
    for item in steps:
        kind = item[0]
        if kind == "arrive":
            ids.append(arrive(store, *item[1:]))
        elif kind == "bulk":
            ids.extend(bulk(store, *item[1:]))
        elif kind == "calls":
            record_calls(store, item[1], ids)
        elif kind == "agent_event":
            store.append_event(Event("agent_state", None, item[1], details={"state": "ready"}))
        elif kind == "delete":
            if ids:
                it = store.interaction(ids[item[1] % len(ids)])
                posts = [it.tweet_id] if it.tweet_id else []
                mark_deleted(store, posts, at(700), source="post.delete")
        elif ids:
            _, which, name, agent, seconds = item
            use = stamped(lambda it, fn=STEPS[name], agent=agent: fn(it, agent), seconds)
            with contextlib.suppress(TransitionError):
                store.apply(ids[which % len(ids)], use)


def same(live, store):
    pd.testing.assert_frame_equal(live.refresh(), ledger(store=store))
    rebuilt = LiveLedger(store, calls_since=SINCE)
    pd.testing.assert_frame_equal(live.spend, rebuilt.spend)


SINCE = pd.Timestamp(T0) - pd.Timedelta(days=1)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=st.lists(st.lists(step, max_size=8), min_size=1, max_size=5))
def test_refreshing_equals_a_full_rebuild(store, batches, tmp_path):
    for contact in CONTACTS:
        store.upsert_contact(contact)
    ids: list[str] = []
    run(store, batches[0], None, ids)  # something already there when the live ledger loads
    copy = tmp_path / f"{uuid.uuid4().hex}.ledger.parquet"
    ticks = itertools.count(0, SAVE_SECONDS)  # every refresh is due to save its copy
    live = LiveLedger(store, calls_since=SINCE, saved=copy, clock=lambda: next(ticks))
    pd.testing.assert_frame_equal(live.frame, ledger(store=store))
    for batch in batches[1:]:
        run(store, batch, live, ids)
        same(live, store)
        live.wait_saved()
        # A ledger started from the saved copy, then caught up, equals a rebuild too.
        run(store, batch[:2], live, ids)
        again = LiveLedger(store, calls_since=SINCE, saved=copy)
        assert again.restored == (live.last_event_id > 0)
        pd.testing.assert_frame_equal(again.frame, ledger(store=store))
        pd.testing.assert_frame_equal(again.spend, LiveLedger(store, calls_since=SINCE).spend)


def test_a_refresh_reads_only_what_changed(store):
    for contact in CONTACTS:
        store.upsert_contact(contact)
    first = arrive(store, Channel.MENTION, 0, True, 0)
    live = LiveLedger(store)
    frame = live.refresh()
    assert live.applied == 0 and frame is live.frame  # nothing new: the same frame
    second = arrive(store, Channel.DM, 5, False, 1)
    store.apply(first, stamped(lambda it: it.offer("ann"), 10))
    after = live.refresh()
    assert live.applied == 2  # the new arrival and the offer, nothing older
    assert after is not frame and len(frame) == 1  # the earlier frame is left as it was
    rows = after.set_index("interaction_id")
    assert rows.loc[first, "state"] == "offered" and rows.loc[first, "offers"] == 1
    assert (
        rows.loc[second, "channel"] == "dm" and rows.loc[second, "text"] == rows.loc[second, "text"]
    )
    same(live, store)


def test_an_event_committed_below_one_already_read_is_not_lost(store):
    """PostgreSQL draws an event's id when it is written: a transaction may commit a lower id
    after a higher one was read. The live ledger asks for the ids it skipped again."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: ids commit in order")
    for contact in CONTACTS:
        store.upsert_contact(contact)
    slow, quick = (
        arrive(store, Channel.MENTION, 0, False, 0),
        arrive(store, Channel.DM, 1, False, 1),
    )
    live = LiveLedger(store)
    with store.transaction() as conn:
        it = store.interaction(slow, conn)
        before = it.version
        event = it.offer("ann")
        store.save(conn, it, before, Change([event]))  # its event id drawn, not yet committed
        store.apply(quick, stamped(lambda it: it.offer("bob"), 3))  # a higher id, committed
        live.refresh()
    same(live, store)
    assert live.frame.set_index("interaction_id").loc[slow, "offers"] == 1


def test_a_deleted_post_keeps_its_row_with_the_text_empty(store):
    for contact in CONTACTS:
        store.upsert_contact(contact)
    first = arrive(store, Channel.MENTION, 0, True, 0)
    live = LiveLedger(store)
    assert not live.frame["deleted"].any()
    tweet = store.interaction(first).tweet_id
    mark_deleted(store, [tweet], at(30), source="post.delete")
    row = live.refresh().set_index("interaction_id").loc[first]
    assert live.applied == 1  # the post_deleted event: the row is read again
    assert row["text"] == "" and bool(row["deleted"]) and row["tweet_id"] == tweet


def test_api_cost_is_the_sum_of_the_calls_served(store):
    for contact in CONTACTS:
        store.upsert_contact(contact)
    first = arrive(store, Channel.MENTION, 0, True, 0)
    live = LiveLedger(store, calls_since=SINCE)
    record_calls(
        store,
        [(0, PriceKind.POST_CREATE_URL, 200_000, 5), (-1, PriceKind.OWNED_READ, 100, 6)],
        [first],
    )
    frame = live.refresh()
    assert live.applied == 0 and live.calls_applied == 2  # calls only: no event was appended
    assert frame.set_index("interaction_id").loc[first, "api_cost"] == 0.2
    record_calls(store, [(0, PriceKind.SUMMONED_REPLY, 10_000, 7)], [first])
    assert live.refresh().set_index("interaction_id").loc[first, "api_cost"] == 0.21
    assert live.spend["cost"].sum() == pytest.approx(0.2101)
    same(live, store)


def test_a_copy_is_used_only_by_its_own_store_and_when_not_too_far_behind(
    store, tmp_path, monkeypatch
):
    for contact in CONTACTS:
        store.upsert_contact(contact)
    first = arrive(store, Channel.MENTION, 0, True, 0)
    copy = tmp_path / "shop.db.ledger.parquet"
    LiveLedger(store, saved=copy).wait_saved()
    assert copy.exists()
    store.apply(first, stamped(lambda it: it.offer("ann"), 10))
    again = LiveLedger(store, saved=copy)
    assert again.restored and again.applied == 1  # the copy, then the one event since
    pd.testing.assert_frame_equal(again.frame, ledger(store=store))

    from workbench.store import Store

    other = Store(f"sqlite:///{tmp_path / 'other.db'}")  # another store: the copy is not its own
    try:
        for contact in CONTACTS:
            other.upsert_contact(contact)
        arrive(other, Channel.DM, 3, False, 1)
        theirs = LiveLedger(other, saved=copy)
        assert not theirs.restored
        pd.testing.assert_frame_equal(theirs.frame, ledger(store=other))
    finally:
        other.close()

    LiveLedger(store, saved=copy).wait_saved()  # this store's copy again
    monkeypatch.setattr(live_module, "CATCH_UP", 1)
    store.apply(first, stamped(lambda it: it.accept("ann"), 20))
    for k in range(2):
        store.apply(first, stamped(lambda it: it.act("ann", "like"), 21 + k))
    behind = LiveLedger(store, saved=copy)  # 3 events behind, 1 allowed: loaded whole
    assert not behind.restored
    pd.testing.assert_frame_equal(behind.frame, ledger(store=store))


def test_a_damaged_copy_is_set_aside_and_written_again(store, tmp_path):
    for contact in CONTACTS:
        store.upsert_contact(contact)
    arrive(store, Channel.MENTION, 0, True, 0)
    copy = tmp_path / "shop.db.ledger.parquet"
    copy.write_bytes(b"PAR1 not parquet at all")
    live = LiveLedger(store, saved=copy)
    assert not live.restored
    live.wait_saved()
    assert LiveLedger(store, saved=copy).restored  # the new copy is good


def test_the_copy_goes_beside_a_sqlite_file(store):
    where = beside(store)
    if store.dialect == "sqlite":
        assert where is not None and where.name == "workbench.db.ledger.parquet"
    else:
        assert where is None


def test_a_copy_of_another_layout_or_schema_is_not_read(store, tmp_path, monkeypatch):
    from workbench.analytics import saved

    for contact in CONTACTS:
        store.upsert_contact(contact)
    arrive(store, Channel.MENTION, 0, True, 0)
    copy = tmp_path / "shop.db.ledger.parquet"

    def started(restored: bool) -> None:
        live = LiveLedger(store, saved=copy)
        live.wait_saved()  # a ledger loaded whole writes its own copy
        assert live.restored == restored

    started(False)
    started(True)
    with monkeypatch.context() as patch:
        patch.setattr(saved, "FORMAT", saved.FORMAT + 1)
        started(False)  # written again in the new layout
    started(False)
    started(True)
    monkeypatch.setattr("workbench.store.head_revision", lambda: "9999")
    started(False)


def test_a_ledger_smaller_than_save_from_keeps_no_copy(store, tmp_path):
    for contact in CONTACTS:
        store.upsert_contact(contact)
    arrive(store, Channel.MENTION, 0, True, 0)
    arrive(store, Channel.DM, 1, False, 1)
    copy = tmp_path / "shop.db.ledger.parquet"
    small = LiveLedger(store, saved=copy, save_from=3)
    small.save(wait=True)
    assert not copy.exists()
    LiveLedger(store, saved=copy, save_from=2).save(wait=True)
    assert copy.exists()


def _helper_available(store) -> bool:
    from workbench.store import _arrow

    return _arrow._helper(store) is not None  # a SQLite file with ADBC's driver installed


@pytest.fixture
def whole_reads_in_the_reader_process(monkeypatch):
    """Every whole read of a SQLite store through the reader process, however small."""
    from workbench.store import _arrow

    monkeypatch.setattr(_arrow, "HELPER_ROWS", 0)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=30))
def test_the_reader_process_reads_what_this_process_reads(
    store, steps, whole_reads_in_the_reader_process
):
    import numpy as np

    if store.dialect != "sqlite":
        pytest.skip("the reader process reads SQLite files")
    for contact in CONTACTS:
        store.upsert_contact(contact)
    ids: list[str] = []
    run(store, steps, None, ids)
    assert _helper_available(store)  # else both reads below would be this process's
    ours = store.ledger._snapshot(live_module.STATS, 100, SINCE.to_pydatetime(), whole=True)
    here = store.ledger._snapshot(live_module.STATS, 100, SINCE.to_pydatetime(), whole=False)
    pd.testing.assert_frame_equal(ours.interactions, here.interactions)
    pd.testing.assert_frame_equal(ours.calls, here.calls)
    assert (ours.last_event, ours.last_call) == (here.last_event, here.last_call)
    assert np.array_equal(ours.events_seen, here.events_seen)
    assert np.array_equal(ours.calls_seen, here.calls_seen)


def test_a_reader_process_that_fails_leaves_the_read_to_this_process(
    store, whole_reads_in_the_reader_process, monkeypatch, caplog
):
    import sys

    if store.dialect != "sqlite":
        pytest.skip("the reader process reads SQLite files")
    for contact in CONTACTS:
        store.upsert_contact(contact)
    ids: list[str] = []
    run(store, [("arrive", Channel.DM, 3, True, 1), ("bulk", 3, 5)], None, ids)
    expected = ledger(store=store)
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the process ends at once
    with caplog.at_level("WARNING"):
        pd.testing.assert_frame_equal(ledger(store=store), expected)
    assert "reading in this process" in caplog.text


def test_the_reader_process_writes_to_shared_memory_only_when_it_has_room(tmp_path, monkeypatch):
    import os
    from types import SimpleNamespace

    from workbench.store import _arrow

    database = tmp_path / "shop.db"
    database.write_bytes(b"x" * 4096)
    monkeypatch.setattr(os, "statvfs", lambda _p: SimpleNamespace(f_bavail=1, f_frsize=4096))
    assert _arrow._answers_folder(str(database)) is None  # a container's small /dev/shm
    monkeypatch.setattr(os, "statvfs", lambda _p: SimpleNamespace(f_bavail=10**6, f_frsize=4096))
    assert _arrow._answers_folder(str(database)) == "/dev/shm"


def test_queries_read_ahead_are_answered_in_any_order_and_once(
    store, whole_reads_in_the_reader_process
):
    from sqlalchemy import func, select

    from workbench.store import _arrow
    from workbench.store import schema as t

    for contact in CONTACTS:
        store.upsert_contact(contact)
    run(store, [("bulk", 3, 5), ("arrive", Channel.DM, 2, True, 0)], None, [])
    count = select(func.count().label("n")).select_from(t.interactions)
    names = (
        select(t.contacts.c.username)
        .where(t.contacts.c.id.in_(["7", "8"]))
        .order_by(t.contacts.c.username)
    )
    events = select(func.count().label("n")).select_from(t.events)
    with store.read() as conn:
        held = int(conn.execute(events).scalar_one())
    with _arrow.snapshot(store, whole=True) as reader:
        reader.ahead([count, names])
        assert reader.table(names).column("username").to_pylist() == ["dana", "techjoe"]
        assert reader.table(count).column("n").to_pylist() == [4]  # read while names was awaited
        assert reader.table(events).column("n").to_pylist() == [held]  # not announced
        reader.ahead([count])  # a second round ahead
        assert reader.table(count).column("n").to_pylist() == [4]
    assert isinstance(reader, _arrow.HelperReader) == (store.dialect == "sqlite")
    if isinstance(reader, _arrow.HelperReader):
        assert len(reader._sent) == 4  # each query sent once

"""The ledger: one row per interaction, derived from the event log, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from tests.ledger_sample import COLUMNS as DESIGN_COLUMNS
from workbench.analytics import COLUMNS, EXTRA, ledger
from workbench.analytics.ledger import CATEGORICAL
from workbench.domain import (
    Channel,
    Contact,
    EntryKind,
    Event,
    Interaction,
    Sentiment,
    TranscriptEntry,
)
from workbench.store import Change

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def arrive(store, source="1001", channel=Channel.MENTION, seconds=0):
    store.upsert_contact(Contact("7", "dana", "Dana"))
    source_column = "dm_event_id" if channel is Channel.DM else "tweet_id"
    it = Interaction(
        uuid.uuid4().hex, channel, "7", arrived_at=at(seconds), **{source_column: source}
    )
    store.add_interaction(it)
    return it.id


def play(store, iid, *steps):
    """Apply domain steps ``(seconds, fn)`` with their events stamped at T0 + seconds."""
    for seconds, fn in steps:

        def use(it, _conn, fn=fn, seconds=seconds):
            result = fn(it)
            events = result if isinstance(result, list) else [result]
            return Change(
                [Event(e.action, e.interaction_id, e.agent, at(seconds), e.details) for e in events]
            )

        store.apply(iid, use)


def test_columns_and_types(store):
    frame = ledger(store=store)
    assert list(frame.columns[: len(COLUMNS)]) == DESIGN_COLUMNS
    assert frame.empty
    arrive(store)
    frame = ledger(store.url)
    for column in ("arrived_at", "offered_at", "accepted_at", "first_reply_at", "done_at"):
        assert str(frame[column].dtype).endswith(", UTC]"), column
    row = frame.iloc[0]
    assert (row["channel"], row["contact"], row["state"], row["queue"]) == (
        "mention",
        "dana",
        "queued",
        "mentions",
    )
    assert pd.isna(row["agent"]) and pd.isna(row["offered_at"]) and row["replies"] == 0


def test_times_and_counts_come_from_the_events(store):
    iid = arrive(store)
    play(
        store,
        iid,
        (10, lambda it: it.offer("ann")),
        (15, lambda it: it.reject("ann")),
        (20, lambda it: it.offer("bob")),
        (30, lambda it: it.accept("bob")),
        (40, lambda it: it.act("bob", "like")),
        (50, lambda it: it.act("bob", "reply")),
        (60, lambda it: it.transfer("bob", to_agent="cy")),
        (61, lambda it: it.accept("cy")),
        (70, lambda it: it.act("cy", "dm")),
        (75, lambda it: it.conference("cy", "bob")),
        (76, lambda it: it.consult("cy", "ann", "voice")),
        (80, lambda it: it.correct("cy", sentiment=Sentiment.NEGATIVE)),
        (90, lambda it: it.set_disposition("cy", "resolved", "sent a refund")),
        (100, lambda it: it.done("cy")),
    )
    # What the outbox heard back from X: the first reply and the DM went out; a second reply
    # was refused. Only what X accepted is a reply; the first of those, the first response.
    for seconds, action in ((52, "answered"), (56, "send_failed"), (71, "answered")):
        store.append_event(Event(action, iid, None, at(seconds), {"key": f"k{seconds}"}))
    store.append_event(Event("reply", iid, "bob", at(55)))
    row = ledger(store=store).iloc[0]
    assert row["interaction_id"] == iid and row["tweet_id"] == "1001"
    assert (row["offered_at"], row["accepted_at"]) == (at(10), at(30))  # the first ones
    assert (row["first_reply_at"], row["done_at"]) == (at(52), at(100))
    assert (row["agent"], row["state"], row["disposition"], row["note"]) == (
        "cy",
        "done",
        "resolved",
        "sent a refund",
    )
    assert (row["replies"], row["transfers"], row["offers"], row["rejections"]) == (2, 1, 2, 1)
    assert (row["conferences"], row["consultations"], row["corrections"]) == (1, 1, 1)
    assert row["sentiment"] == "negative"
    assert row["handle_seconds"] == 70.0
    assert row["first_response_seconds"] == 52.0


def test_timeouts_requeues_and_open_work(store):
    waiting = arrive(store, "2001", seconds=0)
    dm = arrive(store, "2002", Channel.DM, seconds=5)
    play(store, waiting, (10, lambda it: it.offer("ann")), (40, lambda it: it.timeout()))
    play(
        store,
        dm,
        (10, lambda it: it.offer("bob")),
        (12, lambda it: it.requeue("heartbeat lost")),
        (20, lambda it: it.offer("ann")),
        (25, lambda it: it.accept("ann")),
    )
    frame = ledger(store=store).set_index("interaction_id")
    assert list(frame.index) == [waiting, dm]  # oldest first
    assert frame.loc[waiting, "timeouts"] == 1 and frame.loc[waiting, "state"] == "queued"
    assert frame.loc[dm, "timeouts"] == 1 and frame.loc[dm, "channel"] == "dm"
    assert pd.isna(frame.loc[dm, "handle_seconds"]) and pd.isna(frame.loc[dm, "done_at"])
    assert frame.loc[dm, "agent"] == "ann"


def test_compact_dtypes_and_the_new_columns(store):
    store.upsert_contact(Contact("7", "dana", "Dana Rivera"))
    mention = Interaction(
        uuid.uuid4().hex,
        Channel.MENTION,
        "7",
        tweet_id="1001",
        timeline="brand",
        subject="subj",
        arrived_at=at(0),
    )
    line = TranscriptEntry(mention.id, at(0), EntryKind.INBOUND, "dana", "my order <b>late</b>")
    store.add_interaction(mention, first_message=line)
    later = TranscriptEntry(mention.id, at(9), EntryKind.INBOUND, "dana", "hello?")
    store.add_transcript(later)
    dm = Interaction(
        uuid.uuid4().hex, Channel.DM, "7", dm_event_id="5002", subject="dm subj", arrived_at=at(1)
    )
    store.add_interaction(dm)
    post = Interaction(uuid.uuid4().hex, Channel.OUTBOUND, "7", post_key="abc", arrived_at=at(2))
    store.add_interaction(post)
    frame = ledger(store=store).set_index("interaction_id")
    assert list(frame.columns[-len(EXTRA) :]) == EXTRA
    for column in CATEGORICAL:
        assert isinstance(frame[column].dtype, pd.CategoricalDtype), column
    assert list(frame["channel"].cat.categories) == ["dm", "mention", "outbound"]  # present, sorted
    counts = (c for c in EXTRA if c not in ("previous_id", "deleted", "api_cost"))
    for column in ("replies", "transfers", *counts):
        assert frame[column].dtype == "int32", column
    assert frame["api_cost"].dtype == "float64"
    assert (frame["api_cost"] == 0).all()  # no X call was recorded for them
    assert frame["previous_id"].isna().all()  # no interaction here continues another
    assert frame["deleted"].dtype == bool and not frame["deleted"].any()  # nobody deleted a post
    row = frame.loc[mention.id]
    assert (row["timeline"], row["contact_name"]) == ("brand", "Dana Rivera")
    assert row["text"] == "my order <b>late</b>"  # the first inbound line, kept as written
    assert row["tweet_url"] == "https://x.com/dana/status/1001"
    assert frame.loc[dm.id, "text"] == "dm subj"  # no inbound line: the subject
    assert pd.isna(frame.loc[dm.id, "tweet_url"])  # not a mention
    assert pd.isna(frame.loc[post.id, "tweet_id"]) and pd.isna(frame.loc[post.id, "tweet_url"])


def test_one_query_whatever_the_size(store):
    batch = []
    for i in range(2_000):
        it = Interaction(
            uuid.uuid4().hex, Channel.MENTION, "7", tweet_id=str(5000 + i), arrived_at=at(i)
        )
        batch.append(
            (it, [Event("arrived", it.id, at=at(i)), Event("offered", it.id, "ann", at(i + 1))])
        )
    store.upsert_contact(Contact("7", "dana"))
    store.add_interactions(batch)
    statements: list[str] = []
    if store.dialect == "sqlite":  # the reads go through the driver: trace it

        def trace(dbapi_connection, _record):
            dbapi_connection.set_trace_callback(statements.append)

        store.engine.dispose()
        event.listen(store.engine, "connect", trace)
    frame = ledger(store=store)
    assert len(frame) == 2_000 and frame["offers"].sum() == 2_000
    if store.dialect == "sqlite":
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        # How large the store is (whether the reader process would pay), the newest event id,
        # the ids just before it, then five scans (rows, contacts, first lines, costs,
        # events): a fixed number of statements, none per interaction.
        assert "max(rowid)" in selects[0]
        assert len(selects) == 8


def test_a_read_pauses_the_cycle_collector_and_gives_it_back_as_it_was(store):
    import gc

    from workbench.store import _arrow

    assert gc.isenabled()
    with pytest.raises(RuntimeError), _arrow.collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a read that failed")
    assert gc.isenabled()  # back on, even after an error
    gc.disable()
    try:
        with _arrow.collector_paused():
            pass
        assert not gc.isenabled()  # left off by whoever turned it off
    finally:
        gc.enable()
    ledger(store=store)
    assert gc.isenabled()


@given(st.lists(st.sampled_from(["ann", "bob", "Zed", "é", "ann ", "", None]), max_size=30))
def test_a_text_column_becomes_the_same_categorical_by_either_path(values):
    from workbench.analytics.ledger import categorical

    text = pd.Series(pd.array(values, dtype="str"))
    present = sorted(str(v) for v in pd.unique(text.dropna()))
    slow = pd.Categorical(text, categories=pd.Index(present, dtype="str"))
    pd.testing.assert_series_equal(pd.Series(categorical(text)), pd.Series(slow))

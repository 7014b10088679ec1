"""Store.save_many: many interactions saved at once, version-checked, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from workbench.domain import (
    Action,
    Channel,
    Contact,
    EntryKind,
    Event,
    Interaction,
    State,
    TranscriptEntry,
)
from workbench.store import Change, ConflictError
from workbench.store import schema as t

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def fill(store, n: int) -> list[Interaction]:
    store.upsert_contact(Contact("7", "dana", "Dana"))
    batch = [
        Interaction(
            id=f"i-{k}",
            channel=Channel.MENTION,
            contact_id="7",
            tweet_id=str(1000 + k),
            arrived_at=AT + timedelta(seconds=k),
        )
        for k in range(n)
    ]
    store.add_new_interactions([(it, None, None) for it in batch])
    return [store.interaction(it.id) for it in batch]


def offers(items: list[Interaction], agent: str, at: datetime) -> list:
    changes = []
    for it in items:
        before = it.version
        changes.append((it, before, Change([replace(it.offer(agent), at=at)])))
    return changes


def stamps(store, column: str) -> dict[str, datetime | None]:
    i = t.interactions
    with store.engine.connect() as conn:
        return dict(conn.execute(select(i.c.id, i.c[column]).order_by(i.c.id)).all())


def test_save_many_writes_states_events_and_transcript_lines(store):
    items = fill(store, 3)
    changes = offers(items, "ann", AT + timedelta(minutes=1))
    line = TranscriptEntry("i-1", AT, EntryKind.INTERNAL, "ann", "looking into it", "internal_note")
    changes[1][2].transcript.append(line)
    with store.transaction() as conn:
        store.save_many(conn, changes)
    for it in items:
        saved = store.interaction(it.id)
        assert (saved.state, saved.agent, saved.version) == (State.OFFERED, "ann", it.version)
        assert [e.action for e in store.events(it.id)] == [Action.ARRIVED, Action.OFFERED]
    assert [e.text for e in store.transcript("i-1")] == ["looking into it"]
    assert store.transcript("i-0") == []


def test_a_conflict_in_a_batch_names_the_interaction_and_writes_nothing(store):
    items = fill(store, 3)
    # someone else changes i-1 after the batch read it
    store.apply("i-1", lambda it, _: it.offer("bob"))
    changes = offers(items, "ann", AT + timedelta(minutes=1))
    with store.transaction() as conn:
        with pytest.raises(ConflictError, match="i-1") as caught:
            store.save_many(conn, changes)
        assert "i-0" not in str(caught.value) and "i-2" not in str(caught.value)
    assert [store.interaction(f"i-{k}").state for k in range(3)] == [
        State.QUEUED,
        State.OFFERED,
        State.QUEUED,
    ]
    assert store.interaction("i-1").agent == "bob"
    assert [e.action for e in store.events("i-0")] == [Action.ARRIVED]
    assert [e.action for e in store.events("i-2")] == [Action.ARRIVED]
    assert [(e.action, e.agent) for e in store.events("i-1")][-1] == (Action.OFFERED, "bob")


def test_save_of_one_is_save_many_of_one(store):
    (it,) = fill(store, 1)
    stale = store.interaction(it.id)
    store.apply(it.id, lambda x, _: x.offer("bob"))
    before = stale.version
    event = stale.offer("ann")
    with store.transaction() as conn, pytest.raises(ConflictError, match=it.id):
        store.save(conn, stale, before, Change([event]))
    assert store.interaction(it.id).agent == "bob"


def test_stamps_keep_the_first_reply_and_move_with_the_last_offer(store):
    items = fill(store, 2)
    first, second = AT + timedelta(minutes=1), AT + timedelta(minutes=5)
    with store.transaction() as conn:
        store.save_many(conn, offers(items, "ann", first))
    assert set(stamps(store, "last_offered_at").values()) == {first}
    changes = []
    for it in items:
        before = it.version
        it.accept("ann")
        reply = replace(it.act("ann", "reply", text="on it"), at=first)
        # X accepted it a moment later (what the outbox records): the first response
        answered = Event(Action.ANSWERED, it.id, None, first)
        changes.append((it, before, Change([reply, answered])))
    with store.transaction() as conn:
        store.save_many(conn, changes)
    assert set(stamps(store, "first_reply_at").values()) == {first}
    changes = []
    for it in items:
        before = it.version
        changes.append((it, before, Change([replace(it.act("ann", "reply"), at=second)])))
        changes[-1][2].events.append(Event(Action.ANSWERED, it.id, None, second))
    changes.append(changes.pop(0))  # order within a batch does not matter
    with store.transaction() as conn:
        store.save_many(conn, changes)
    assert set(stamps(store, "first_reply_at").values()) == {first}
    # back to the queue and offered again: the latest offer's time is kept
    changes = []
    for it in items:
        before = it.version
        it.requeue("test")
        it.offer("bob")
        events = [
            Event(Action.REQUEUED, it.id, "ann", at=second),
            Event(Action.OFFERED, it.id, "bob", at=second),
        ]
        changes.append((it, before, Change(events)))
    with store.transaction() as conn:
        store.save_many(conn, changes)
    assert set(stamps(store, "last_offered_at").values()) == {second}
    assert {store.interaction(it.id).agent for it in items} == {"bob"}


def test_save_many_of_nothing_does_nothing(store):
    fill(store, 1)
    with store.transaction() as conn:
        store.save_many(conn, [])
    assert [e.action for e in store.events()] == [Action.ARRIVED]

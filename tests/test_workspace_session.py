"""The agent's session: observers, agent state, offers, the live loop and what views read, on
SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest

from tests.test_workspace import arrive, handled, settings
from workbench.domain import EntryKind, TranscriptEntry, TransitionError, utcnow
from workbench.errors import ValidationError
from workbench.routing import AgentState, agent
from workbench.store import NotFoundError
from workbench.workspace import Changed, Workspace

# --- observing, agent state, offers ---------------------------------------------------------


def test_observers_hear_state_offers_and_interactions(store, ann):
    heard: list[Changed] = []
    ann.observe(heard.append, names=("offers", "interactions"))
    states: list[Changed] = []
    ann.observe(states.append, "state")
    iid = arrive(store)
    ann.ready()
    assert [c.new for c in states] == [AgentState.READY]
    ann.poll()
    assert heard[-1].name == "offers" and [o.id for o in heard[-1].new] == [iid]
    ann.accept(iid)
    names = [c.name for c in heard[-2:]]
    assert sorted(names) == ["interactions", "offers"]
    assert ann.offers == () and [i.id for i in ann.interactions] == [iid]
    ann.unobserve(heard.append)
    count = len(heard)
    ann.reply(iid, "on it")
    assert len(heard) == count
    with pytest.raises(ValueError, match="'colour' is not observable"):
        ann.observe(print, "colour")


def test_agent_states(store, ann):
    assert ann.state is AgentState.NOT_READY
    ann.not_ready("lunch")
    assert (ann.state, ann.reason) == (AgentState.NOT_READY, "lunch")
    ann.after_call_work()
    assert agent(store, "ann").state is AgentState.AFTER_CALL_WORK
    with pytest.raises(ValidationError, match="reason"):
        ann.not_ready("")
    arrive(store)
    assert ann.poll() == ()  # not ready: no offer
    ann.ready()
    assert len(ann.poll()) == 1


def test_reject_sends_the_offer_to_another_agent(store, ann, bob):
    iid = arrive(store)
    ann.ready()
    assert [o.id for o in ann.poll()] == [iid]
    bob.ready()
    ann.reject(iid)
    assert ann.offers == ()
    assert [o.id for o in bob.poll()] == [iid]
    assert ann.poll() == ()


def test_unanswered_offer_goes_to_another_agent(store, tmp_path):
    quick = settings(WORKBENCH_OFFER_TIMEOUT=0.3)
    with (
        Workspace("ann", store=store, settings=quick) as ann,
        Workspace("bob", store=store, settings=quick) as bob,
    ):
        iid = arrive(store)
        ann.ready()
        ann.poll()
        bob.ready()
        time.sleep(0.4)
        assert [o.id for o in bob.poll()] == [iid]
        with pytest.raises(TransitionError, match="offered to bob"):
            ann.accept(iid)


def test_live_loop_delivers_offers_to_observers(store, ann):
    got = threading.Event()
    ann.observe(lambda change: got.set() if change.new else None, "offers")
    ann.ready()
    ann.start(interval=0.05)
    try:
        arrive(store)
        assert got.wait(10)
    finally:
        ann.stop()


def test_revision_goes_up_once_per_change(store, ann, bob):
    heard: list[Changed] = []
    ann.observe(heard.append, "revision")
    ann.ready()  # the state moved
    assert [c.new for c in heard] == [ann.revision] and heard[0].old == heard[0].new - 1
    ann.ready()  # it did not
    assert len(heard) == 1
    iid = arrive(store)
    ann.poll()
    ann.accept(iid)
    assert len(heard) == 3  # one per poll and per action, however many attributes moved
    later = TranscriptEntry(
        iid, utcnow(), EntryKind.INBOUND, "dana_rivera", "still waiting", "message", "777000111"
    )
    store.add_transcript(later)  # the offers and interactions stay as they were...
    ann.poll()
    assert len(heard) == 4  # ...but a poll says what is in them may have changed
    with pytest.raises(TransitionError):
        bob.reply(iid, "mine?")
    assert len(heard) == 4  # a colleague's refused action changed nothing here


def test_the_live_loop_notifies_only_when_the_store_changed(store, ann):
    revisions: list[int] = []
    ann.observe(lambda change: revisions.append(change.new), "revision")
    woke = threading.Event()
    ann.observe(lambda change: woke.set() if change.new else None, "offers")
    ann.ready()
    seen = len(revisions)
    ann.start(interval=0.05)
    try:
        time.sleep(0.5)  # ten quiet polls (after the first, which shows what came before)
        quiet = len(revisions) - seen
        arrive(store)
        assert woke.wait(10)
    finally:
        ann.stop()
    assert quiet <= 1
    assert not ann.live


def test_what_views_read(store, ann, bob):
    iid = handled(store, ann)
    assert ann.contact(iid).username == "dana_rivera"
    assert [e.kind for e in ann.transcript(iid)][0] is EntryKind.INBOUND
    assert "vip" in [q.name for q in ann.queues()]
    assert ann.colleagues() == ["bob"]
    with pytest.raises(NotFoundError, match="interaction 'nope' is not in the store"):
        ann.contact("nope")

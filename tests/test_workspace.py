"""The Workspace: one agent's session and actions wired to a store, a router and an outbox, and
what it is handed through its ports. The helpers here serve every workspace test; the session's
tests are in test_workspace_session.py, the actions' in test_workspace_actions.py."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import pytest
from sqlalchemy import select

from workbench.config import Settings
from workbench.domain import Channel, EntryKind, Interaction, TranscriptEntry, TransitionError
from workbench.store import Transaction
from workbench.store import schema as t
from workbench.workspace import Actions, OutboxPort, Session, Workspace

DANA = "2244994945"  # follows the brand, has a phone and an e-mail
LUCIA = "5501234"  # cannot receive DMs, no phone, no e-mail


def settings(**overrides):
    """Test settings: the Enterprise X plan (likes, follows, quotes and any reply allowed)
    unless ``WORKBENCH_X_PLAN`` says otherwise."""
    return Settings.from_env({}, **{"WORKBENCH_X_PLAN": "enterprise", **overrides})


def arrive(store, contact_id=DANA, channel=Channel.MENTION, text="my order is late"):
    source = str(uuid.uuid4().int % 10**18)
    source_column = "dm_event_id" if channel is Channel.DM else "tweet_id"
    it = Interaction(uuid.uuid4().hex, channel, contact_id, subject=text, **{source_column: source})
    username = store.contact(contact_id).username
    first = TranscriptEntry(
        it.id, it.arrived_at, EntryKind.INBOUND, username, text, "message", source
    )
    store.add_interaction(it, None, first)
    return it.id


def handled(store, ws, contact_id=DANA, channel=Channel.MENTION):
    """An interaction offered to and accepted by ``ws`` (the only ready agent)."""
    iid = arrive(store, contact_id, channel)
    ws.ready()
    assert [o.id for o in ws.poll()] == [iid]
    ws.accept(iid)
    return iid


def outbox(store, interaction_id=None):
    query = select(t.outbox).order_by(t.outbox.c.id)
    if interaction_id:
        query = query.where(t.outbox.c.interaction_id == interaction_id)
    with store.engine.connect() as conn:
        return [(r.action, r.timeline, dict(r.payload)) for r in conn.execute(query)]


def snapshot(store):
    """Everything recorded: to check that a refused action changed nothing."""
    with store.engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))]
            for name, table in (
                ("interactions", t.interactions),
                ("events", t.events),
                ("transcript", t.transcript),
                ("outbox", t.outbox),
                ("agents", t.agents),
            )
        }


# --- the ports ----------------------------------------------------------------------------


class RecordingOutbox:
    """An outbox port that keeps what it is handed and sends nothing."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, dict[str, str], str | None]] = []
        self.rounds = 0

    def enqueue(
        self,
        action: str,
        timeline: str,
        payload: Mapping[str, str],
        *,
        interaction_id: str | None,
        conn: Transaction,
    ) -> str:
        self.entries.append((action, timeline, dict(payload), interaction_id))
        return f"recorded-{len(self.entries)}"

    def run_once(self) -> object:
        self.rounds += 1
        return None


def test_the_outbox_is_handed_in_through_its_port(store):
    recorder = RecordingOutbox()
    port: OutboxPort = recorder  # what the type checker holds it to
    with Workspace("ann", store=store, settings=settings(), outbox=port) as ann:
        assert ann.send  # an outbox handed in is sent through
        iid = handled(store, ann)
        assert recorder.rounds == 1  # the poll sent a round
        source = store.interaction(iid).tweet_id
        ann.reply(iid, "on it")
        ann.like(iid)
        with pytest.raises(TransitionError, match="at most 280"):
            ann.reply(iid, "x" * 281)  # refused before it reaches the outbox
        assert recorder.entries == [
            (
                "reply",
                "AcmeSupport",
                {"text": "@dana_rivera on it", "in_reply_to_tweet_id": source},
                iid,
            ),
            ("like", "AcmeSupport", {"tweet_id": source}, iid),
        ]
        assert outbox(store) == []  # nothing went to the store's own outbox
        assert [e.details["outbox_key"] for e in store.events(iid)[-2:]] == [
            "recorded-1",
            "recorded-2",
        ]
        assert ann.transcript(iid)[-1].details["outbox_key"] == "recorded-2"
        ann.poll()
        assert recorder.rounds == 2


def test_an_outbox_handed_in_is_not_sent_when_send_is_off(store):
    recorder = RecordingOutbox()
    with Workspace("ann", store=store, settings=settings(), outbox=recorder, send=False) as ann:
        iid = handled(store, ann)
        ann.dm(iid, "please send your order number")
        ann.poll()
    assert recorder.rounds == 0
    assert [e[0] for e in recorder.entries] == ["dm"]


def test_the_workspace_is_a_session_with_its_actions(store, ann):
    assert isinstance(ann, Session) and isinstance(ann.actions, Actions)
    assert ann.actions.agent == ann.agent == "ann"
    assert ann.reply.__doc__ == Actions.reply.__doc__  # help(ws.reply) reads the action's
    assert "Workspace('ann', state='not_ready'" in repr(ann)

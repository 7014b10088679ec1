"""The actions on an interaction: every action, every refusal, on SQLite and PostgreSQL."""

from __future__ import annotations

import socketserver
import threading

import pytest
from sqlalchemy import insert, select

from tests.conftest import accepted_by_x
from tests.test_workspace import DANA, LUCIA, arrive, handled, outbox, settings, snapshot
from workbench.domain import (
    Actionability,
    Channel,
    EntryKind,
    Sentiment,
    State,
    TranscriptEntry,
    TransitionError,
    utcnow,
)
from workbench.errors import ValidationError
from workbench.store import NotFoundError
from workbench.store import schema as t
from workbench.workspace import Workspace

# --- outbound actions ---------------------------------------------------------------------


def test_reply_inserts_the_mention_and_goes_through_the_outbox(store, ann):
    iid = handled(store, ann)
    source = store.interaction(iid).tweet_id
    ann.reply(iid, "sorry, we are on it")
    assert outbox(store, iid) == [
        (
            "reply",
            "AcmeSupport",
            {"text": "@dana_rivera sorry, we are on it", "in_reply_to_tweet_id": source},
        )
    ]
    line = ann.transcript(iid)[-1]
    assert (line.kind, line.author, line.action, line.tweet_id) == (
        EntryKind.OUTBOUND,
        "ann",
        "reply",
        source,
    )
    event = store.events(iid)[-1]
    assert (event.action, event.agent, event.details["in_reply_to_tweet_id"]) == (
        "reply",
        "ann",
        source,
    )
    assert event.details["outbox_key"]
    # Queued, not yet accepted by X: no first response yet; once X accepts it, one.
    first_reply = select(t.interactions.c.first_reply_at)
    with store.engine.connect() as conn:
        assert conn.execute(first_reply).scalar() is None
    assert accepted_by_x(store) == 1
    with store.engine.connect() as conn:
        assert conn.execute(first_reply).scalar() is not None
    assert [e.action for e in store.events(iid)][-1] == "answered"


def test_actions_can_target_one_customer_message_of_the_thread(store, ann):
    iid = handled(store, ann)
    later = TranscriptEntry(
        iid, utcnow(), EntryKind.INBOUND, "dana_rivera", "still waiting", "message", "777000111"
    )
    store.add_transcript(later)
    first = store.interaction(iid).tweet_id
    ann.reply(iid, "checking")  # the latest customer tweet by default
    ann.like(iid, tweet_id=first)
    ann.retweet(iid, tweet_id="777000111")
    ann.quote(iid, "look at this", tweet_id=first)
    assert [(a, p) for a, _, p in outbox(store, iid)] == [
        ("reply", {"text": "@dana_rivera checking", "in_reply_to_tweet_id": "777000111"}),
        ("like", {"tweet_id": first}),
        ("retweet", {"tweet_id": "777000111"}),
        ("quote", {"text": "look at this", "quote_tweet_id": first}),
    ]
    before = snapshot(store)
    with pytest.raises(TransitionError, match="tweet 42 is not a customer message"):
        ann.like(iid, tweet_id="42")
    assert snapshot(store) == before


def test_dm_follow_unfollow(store, ann):
    iid = handled(store, ann)
    ann.dm(iid, "please send your order number")
    ann.follow(iid)
    ann.unfollow(iid)
    assert [(a, p) for a, _, p in outbox(store, iid)] == [
        ("dm", {"participant_id": DANA, "text": "please send your order number"}),
        ("follow", {"target_user_id": DANA}),
        ("unfollow", {"target_user_id": DANA}),
    ]
    assert [e.action for e in ann.transcript(iid)][-3:] == ["dm", "follow", "unfollow"]


def test_dm_refused_when_the_contact_cannot_receive_one(store, ann):
    iid = handled(store, ann, LUCIA)
    before = snapshot(store)
    with pytest.raises(TransitionError) as refused:
        ann.dm(iid, "hello")
    assert refused.value.interaction_id == iid and refused.value.state is State.ACCEPTED
    assert "cannot dm" in str(refused.value)
    assert "@lucia_gz cannot receive a direct message from the brand" in str(refused.value)
    assert snapshot(store) == before


def test_text_rules_are_refused(store, ann):
    iid = handled(store, ann)
    before = snapshot(store)
    with pytest.raises(TransitionError, match="cannot reply .*at most 280"):
        ann.reply(iid, "x" * 281)
    with pytest.raises(TransitionError, match="cannot quote .*must not be empty"):
        ann.quote(iid, "  ")
    with pytest.raises(TransitionError, match="cannot dm .*must not be empty"):
        ann.dm(iid, "")
    assert snapshot(store) == before


def test_dm_interactions_have_no_tweet_to_reply_to(store, ann):
    iid = handled(store, ann, LUCIA, channel=Channel.DM)  # she wrote first: the brand may answer
    with pytest.raises(TransitionError, match="a dm interaction has no customer tweet to reply"):
        ann.reply(iid, "hi")
    ann.dm(iid, "hi")
    assert [a for a, _, _ in outbox(store, iid)] == ["dm"]


def test_post_tweet_is_a_finished_outbound_interaction(store, ann):
    it = ann.post_tweet("AcmeDeals", "Spring sale starts today")
    assert (it.channel, it.state, it.agent, it.timeline) == (
        Channel.OUTBOUND,
        State.DONE,
        "ann",
        "AcmeDeals",
    )
    assert outbox(store, it.id) == [("post", "AcmeDeals", {"text": "Spring sale starts today"})]
    assert [e.action for e in store.events(it.id)] == ["arrived", "post", "done"]
    before = snapshot(store)
    with pytest.raises(ValidationError, match="timeline"):
        ann.post_tweet("not a name", "hi")
    with pytest.raises(ValidationError, match="^text: 300 characters .*at most 280"):
        ann.post_tweet("AcmeSupport", "y" * 300)
    assert snapshot(store) == before
    assert ann.timelines[0] == "AcmeSupport" and "AcmeDeals" in ann.timelines


# --- handling -----------------------------------------------------------------------------


def test_transfer_to_a_ready_agent(store, ann, bob):
    iid = handled(store, ann)
    before = snapshot(store)
    with pytest.raises(TransitionError, match="bob is not ready \\(not_ready: logged in\\)"):
        ann.transfer(iid, to_agent="bob")
    with pytest.raises(TransitionError, match="no agent named 'zed'"):
        ann.transfer(iid, to_agent="zed")
    with pytest.raises(TransitionError, match="cannot transfer to yourself"):
        ann.transfer(iid, to_agent="ann")
    with pytest.raises(TransitionError, match="no queue named 'nowhere'"):
        ann.transfer(iid, to_queue="nowhere")
    assert snapshot(store) == before
    bob.ready()
    ann.transfer(iid, to_agent="bob")
    assert ann.interactions == ()
    assert [o.id for o in bob.poll()] == [iid]
    bob.accept(iid)
    with pytest.raises(TransitionError, match="only bob or a conference party"):
        ann.reply(iid, "still mine?")
    actions = [(e.action, e.agent) for e in store.events(iid)][-3:]
    assert actions == [("transferred", "ann"), ("offered", "bob"), ("accepted", "bob")]


def test_transfer_to_a_full_agent_is_refused(store, ann, bob):
    bob.ready()
    bob.poll()  # bob takes the first arrival
    iid_bob = arrive(store)
    bob.poll()
    assert [o.id for o in bob.offers] == [iid_bob]
    bob.accept(iid_bob)
    iid = handled(store, ann)
    with pytest.raises(TransitionError, match="bob has no room"):
        ann.transfer(iid, to_agent="bob")


def test_transfer_to_a_queue_goes_to_someone_else(store, ann, bob):
    iid = handled(store, ann)
    bob.ready()
    ann.transfer(iid, to_queue="vip")
    it = store.interaction(iid)
    assert (it.state, it.queue, it.agent) == (State.QUEUED, "vip", None)
    assert [o.id for o in bob.poll()] == [iid]


def test_conference_both_see_and_reply_as_one_brand(store, ann, bob):
    iid = handled(store, ann)
    with pytest.raises(TransitionError, match="bob is not ready"):
        ann.conference(iid, "bob")
    bob.ready()
    ann.conference(iid, "bob")
    bob.poll()
    assert [i.id for i in bob.interactions] == [iid]
    assert bob.transcript(iid) == ann.transcript(iid)
    bob.reply(iid, "my colleague is here too")
    ann.reply(iid, "we will sort it")
    assert {tl for _, tl, _ in outbox(store, iid)} == {"AcmeSupport"}
    with pytest.raises(TransitionError, match="only the owner ann may"):
        bob.done(iid)
    with pytest.raises(TransitionError, match="bob is already in the interaction"):
        ann.conference(iid, "bob")
    bob.leave_conference(iid)
    assert bob.interactions == ()
    with pytest.raises(TransitionError, match="only ann or a conference party"):
        bob.reply(iid, "one more")
    kinds = [(e.kind, e.action) for e in ann.transcript(iid)]
    assert (EntryKind.INTERNAL, "conference_joined") in kinds
    assert (EntryKind.INTERNAL, "conference_left") in kinds


def test_consult_is_internal(store, ann, bob):
    iid = handled(store, ann)
    sent = outbox(store)
    ann.consult(iid, "bob", "voice", "is a refund ok here?")
    ann.consult(iid, "bob")
    ann.internal_note(iid, "customer is a regular")
    assert outbox(store) == sent
    lines = ann.transcript(iid)[-4:]
    assert {line.kind for line in lines} == {EntryKind.INTERNAL}
    assert lines[1].text == "is a refund ok here?"
    assert store.interaction(iid).consultations == (
        {"agent": "bob", "channel": "voice"},
        {"agent": "bob", "channel": "chat"},
    )
    before = snapshot(store)
    with pytest.raises(TransitionError, match="channel must be chat or voice"):
        ann.consult(iid, "bob", "fax")
    with pytest.raises(TransitionError, match="cannot consult yourself"):
        ann.consult(iid, "ann")
    with pytest.raises(TransitionError, match="no agent named 'zed'"):
        ann.consult(iid, "zed")
    assert snapshot(store) == before


def test_call_and_email_when_the_record_has_them(store, ann, tmp_path):
    iid = handled(store, ann)
    ann.call(iid, "voicemail", "left a message")
    ann.email(iid, "Your order", "Hello Dana,\nyour parcel ships today.")
    sent = list((tmp_path / "mail").glob("*.eml"))
    assert len(sent) == 1
    raw = sent[0].read_text()
    assert "To: dana.rivera@example.com" in raw and "Subject: Your order" in raw
    lines = ann.transcript(iid)[-2:]
    assert [(e.action, e.kind) for e in lines] == [
        ("call", EntryKind.OUTBOUND),
        ("email", EntryKind.OUTBOUND),
    ]
    assert lines[0].text == "Called +1 415 555 0134: voicemail (left a message)"
    events = store.events(iid)[-2:]
    assert events[0].details["outcome"] == "voicemail"
    assert events[1].details["to"] == "dana.rivera@example.com"
    before = snapshot(store)
    with pytest.raises(TransitionError, match="outcome: one of connected"):
        ann.call(iid, "maybe")
    with pytest.raises(TransitionError, match="subject: one non-empty line"):
        ann.email(iid, "", "body")
    assert snapshot(store) == before


def test_call_and_email_refused_without_phone_or_address(store, ann, tmp_path):
    iid = handled(store, ann, LUCIA)
    before = snapshot(store)
    with pytest.raises(TransitionError, match="@lucia_gz has no phone number on record"):
        ann.call(iid, "connected")
    with pytest.raises(TransitionError, match="@lucia_gz has no e-mail address on record"):
        ann.email(iid, "Hi", "Hello")
    assert snapshot(store) == before
    assert not (tmp_path / "mail").exists()


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP to take one message."""

    received: list[str] = []

    def handle(self):
        self.wfile.write(b"220 test\r\n")
        data = False
        body: list[str] = []
        for raw in self.rfile:
            line = raw.decode().rstrip("\r\n")
            if data:
                if line == ".":
                    data = False
                    self.received.append("\n".join(body))
                    self.wfile.write(b"250 ok\r\n")
                else:
                    body.append(line)
                continue
            verb = line[:4].upper()
            if verb in {"EHLO", "HELO"}:
                self.wfile.write(b"250 test\r\n")
            elif verb == "DATA":
                data = True
                self.wfile.write(b"354 go\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_email_goes_through_smtp_when_configured(store, ann, tmp_path, monkeypatch):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("WORKBENCH_SMTP_URL", f"smtp://127.0.0.1:{server.server_address[1]}")
        iid = handled(store, ann)
        ann.email(iid, "Refund", "Your refund is on its way.")
        assert any("Subject: Refund" in m for m in _SMTP.received)
        assert not (tmp_path / "mail").exists()
        assert store.events(iid)[-1].details["via"].startswith("smtp://127.0.0.1")
    finally:
        server.shutdown()
        server.server_close()


def test_email_refused_when_smtp_refuses(store, ann, monkeypatch):
    monkeypatch.setenv("WORKBENCH_SMTP_URL", "smtp://user:secret@127.0.0.1:9")
    iid = handled(store, ann)
    before = snapshot(store)
    with pytest.raises(TransitionError) as refused:
        ann.email(iid, "Refund", "body")
    assert "refused the e-mail" in str(refused.value) and "secret" not in str(refused.value)
    assert snapshot(store) == before


def test_standard_responses(store, ann):
    assert "greeting" in ann.standard_responses()
    assert set(ann.standard_responses("REFUND")) == {"refund_started"}
    iid = handled(store, ann)
    text = ann.insert_standard_response(iid, "move_to_dm")
    assert text.startswith("Hi Dana Rivera, sorry about this.") and text.endswith("^AL")
    assert store.events(iid)[-1].details == {"name": "move_to_dm"}
    with store.transaction() as conn:
        conn.execute(
            insert(t.standard_responses),
            {"name": "order", "category": "", "text": "Order {order_number} ships today"},
        )
    before = snapshot(store)
    with pytest.raises(TransitionError) as refused:
        ann.insert_standard_response(iid, "order")
    assert "variable {order_number} has no value" in str(refused.value)
    assert "is accepted: cannot insert_standard_response" in str(refused.value)
    with pytest.raises(TransitionError, match="no standard response 'nope'"):
        ann.insert_standard_response(iid, "nope")
    assert snapshot(store) == before
    assert ann.insert_standard_response(iid, "order", order_number="A-1") == (
        "Order A-1 ships today"
    )


def test_dispositions_corrections_and_done(store, ann):
    assert {"resolved": "Resolved"}.items() <= {d.code: d.label for d in ann.dispositions}.items()
    iid = handled(store, ann)
    before = snapshot(store)
    with pytest.raises(TransitionError, match="no disposition code 'fixed'"):
        ann.set_disposition(iid, "fixed")
    with pytest.raises(TransitionError, match="a disposition is required first"):
        ann.done(iid)
    with pytest.raises(TransitionError, match="sentiment: one of positive"):
        ann.correct(iid, sentiment="furious")
    with pytest.raises(TransitionError, match="give a sentiment or an actionability"):
        ann.correct(iid)
    assert snapshot(store) == before
    ann.correct(iid, sentiment="negative", actionability=Actionability.ACTIONABLE)
    it = store.interaction(iid)
    assert (it.sentiment, it.actionability) == (Sentiment.NEGATIVE, Actionability.ACTIONABLE)
    assert store.events(iid)[-1].details["sentiment"] == {"from": "undeclared", "to": "negative"}
    ann.set_disposition(iid, "resolved", "refund sent")
    ann.done(iid)
    it = store.interaction(iid)
    assert (it.state, it.disposition, it.note) == (State.DONE, "resolved", "refund sent")
    assert ann.interactions == ()


def test_done_without_disposition_when_not_required(store, tmp_path):
    with Workspace("cy", store=store, settings=settings(WORKBENCH_REQUIRE_DISPOSITION="0")) as cy:
        iid = handled(store, cy)
        assert cy.done(iid).state is State.DONE


# --- collisions, read-only, unknown ids -----------------------------------------------------


def _every_action(ws, iid):
    return {
        "accept": lambda: ws.accept(iid),
        "reject": lambda: ws.reject(iid),
        "reply": lambda: ws.reply(iid, "hi"),
        "dm": lambda: ws.dm(iid, "hi"),
        "retweet": lambda: ws.retweet(iid),
        "quote": lambda: ws.quote(iid, "hi"),
        "like": lambda: ws.like(iid),
        "follow": lambda: ws.follow(iid),
        "unfollow": lambda: ws.unfollow(iid),
        "transfer": lambda: ws.transfer(iid, to_queue="mentions"),
        "conference": lambda: ws.conference(iid, "ann"),
        "consult": lambda: ws.consult(iid, "ann"),
        "internal_note": lambda: ws.internal_note(iid, "x"),
        "call": lambda: ws.call(iid, "connected"),
        "email": lambda: ws.email(iid, "s", "b"),
        "insert_standard_response": lambda: ws.insert_standard_response(iid, "greeting"),
        "correct": lambda: ws.correct(iid, sentiment="positive"),
        "set_disposition": lambda: ws.set_disposition(iid, "resolved"),
        "done": lambda: ws.done(iid),
    }


def test_only_the_owner_acts_and_a_second_agent_is_refused(store, ann, bob):
    iid = handled(store, ann)
    bob.ready()
    before = snapshot(store)
    for action, attempt in _every_action(bob, iid).items():
        with pytest.raises(TransitionError) as refused:
            attempt()
        message = str(refused.value)
        assert iid in message and "is accepted" in message, action
        assert f"cannot {action}" in message, (action, message)
    assert snapshot(store) == before


def test_done_interactions_are_read_only(store, ann):
    iid = handled(store, ann)
    ann.set_disposition(iid, "resolved")
    ann.done(iid)
    before = snapshot(store)
    for action, attempt in _every_action(ann, iid).items():
        with pytest.raises(TransitionError) as refused:
            attempt()
        assert f"is done: cannot {action}" in str(refused.value), action
    assert snapshot(store) == before
    assert ann.transcript(iid)[-1].action == "done"


def test_unknown_ids_are_refused_by_name(store, ann):
    ann.ready()
    before = snapshot(store)
    for action, attempt in _every_action(ann, "no-such-id").items():
        with pytest.raises(NotFoundError, match="interaction 'no-such-id' is not in the store"):
            attempt()
        assert action
    with pytest.raises(NotFoundError):
        ann.transcript("no-such-id")
    assert snapshot(store) == before

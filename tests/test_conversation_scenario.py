"""One conversation from the first tweet to its reopening, end to end: ingest reads the sandbox
over HTTP, agents work at their workspaces, the outbox sends to the sandbox, the ledger counts.
On SQLite and PostgreSQL.

The story: Dana tweets at AcmeSupport; ingest makes one interaction and Ann (ready) accepts it.
While Ann handles it, Dana answers in her thread, Eve (a stranger) chimes in the same thread and
Dana sends a DM: all three join the open interaction, still one. Ann replies to all: the reply
mentions Dana and Eve once each, never the brand. X refuses that send once (a 403): the
transcript says so with X's reason and the ledger counts no reply; Ann retries, X accepts it,
and now the line shows X's id and the ledger one reply and a first response. Ann sets a
disposition and is done. Dana writes again within the reopen window: the interaction reopens
and is offered to Ann again, not to Bob, though Bob is ready and has waited longer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pytest

from workbench.analytics import ledger
from workbench.domain import Action, DeliveryState, EntryKind, State, thread_participants
from workbench.intake import Ingest
from workbench.outbox import Outbox
from workbench.text import leading_mentions

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control
    from workbench.domain import TranscriptEntry
    from workbench.store import Store
    from workbench.workspace import Workspace
    from workbench.xapi import Gateway

pytest_plugins = ["tests.xapi_fixtures"]

BRAND = "AcmeSupport"


def messages(store: Store, iid: str) -> list[TranscriptEntry]:
    """The interaction's transcript without the workbench's own notes (accepted, done, ...)."""
    return [x for x in store.transcript(iid) if x.kind is not EntryKind.SYSTEM]


def reply_line(desk: Workspace, iid: str) -> TranscriptEntry:
    """The interaction's one outbound reply as the agent's desk shows it, with its send."""
    (line,) = [x for x in desk.transcript(iid) if x.kind is EntryKind.OUTBOUND]
    assert line.action == "reply" and line.delivery is not None
    return line


def ledger_row(store: Store, iid: str) -> pd.Series:
    return ledger(store=store).set_index("interaction_id").loc[iid]


def brand_sends(control: Control) -> list[tuple[str, str | None, str | None]]:
    """What X accepted from the brand: (kind, text, X's id), in order."""
    return [(a["kind"], a["text"], a["result_id"]) for a in control.activity()]


def test_a_conversation_joins_answers_after_a_refusal_and_reopens_for_its_agent(
    store: Store, gateway: Gateway, control: Control, ann, bob
):
    dana = control.user("dana", name="Dana Rivera", follows_brand=True)
    control.user("eve", name="Eve")
    ingest = Ingest(store, gateway, classify=None)
    outbox = Outbox(store, gateway)

    # 1. Dana tweets at the brand: one interaction, offered to Ann, who accepts it.
    asked = control.tweet("dana", "@AcmeSupport my order is late")
    assert ingest.run_once().interactions == 1
    ann.ready()
    (offer,) = ann.poll()
    iid = offer.id
    assert (offer.tweet_id, offer.contact_id) == (asked["id"], dana["id"])
    ann.accept(iid)
    bob.ready()  # ready from now on: idle longer than Ann will be after her Done

    # 2. While Ann handles it, the conversation goes on in the thread and by DM.
    own = control.tweet("dana", "@AcmeSupport order 1234", in_reply_to_tweet_id=asked["id"])
    other = control.tweet("eve", "@dana @AcmeSupport mine too", in_reply_to_tweet_id=asked["id"])
    control.dm("dana", "here is the receipt")
    report = ingest.run_once()
    assert (report.interactions, report.follow_ups, report.reopened) == (0, 3, 0)
    assert [i.id for i in store.interactions()] == [iid]  # still one conversation
    lines = messages(store, iid)
    assert [(x.author, x.text, x.action == "dm") for x in lines] == [
        ("dana", "@AcmeSupport my order is late", False),
        ("dana", "@AcmeSupport order 1234", False),
        ("eve", "@dana @AcmeSupport mine too", False),
        ("dana", "here is the receipt", True),
    ]
    assert [x.tweet_id for x in lines[1:3]] == [own["id"], other["id"]]
    assert all(x.details.get("follow_up") for x in lines[1:])
    assert [x.details.get("participant") for x in lines[1:]] == [False, True, False]
    assert store.interaction(iid).state is State.ACCEPTED

    # 3. Ann replies to all: Dana and Eve, once each, never the brand.
    assert thread_participants(lines, "dana", BRAND) == ["dana", "eve"]
    ann.reply(iid, "sorry about that, we are on it")
    line = reply_line(ann, iid)
    assert line.text == "@dana @eve sorry about that, we are on it"
    assert leading_mentions(line.text) == ["dana", "eve"]
    assert line.details["in_reply_to_tweet_id"] == own["id"]  # Dana's latest tweet
    assert line.delivery.state is DeliveryState.QUEUED

    # 4. X refuses the send once, as it answers a refusal (403): the line says so, with
    # X's reason, and no reply is counted.
    control.fault(path="/2/tweets", method="POST", status=403, count=1)
    assert (outbox.run_once().failed, outbox.counts()["pending"]) == (1, 0)
    ann.poll()  # her desk reads it
    refused = reply_line(ann, iid).delivery
    assert refused.state is DeliveryState.FAILED and refused.x_id is None
    assert refused.reason == "X API create_tweet(reply) (HTTP 403): Forbidden"  # X's answer
    (failed,) = [e for e in store.events(iid) if e.action == Action.SEND_FAILED]
    assert failed.details["reason"] == refused.reason
    row = ledger_row(store, iid)
    assert row["replies"] == 0 and pd.isna(row["first_reply_at"])
    assert pd.isna(row["first_response_seconds"])
    assert brand_sends(control) == []  # X kept nothing of the refused attempt

    ann.retry_send(iid, refused.key)
    assert reply_line(ann, iid).delivery.state is DeliveryState.QUEUED
    assert outbox.run_once().sent == 1
    ann.poll()
    sent = reply_line(ann, iid).delivery
    assert (sent.state, sent.key, sent.reason) == (DeliveryState.SENT, refused.key, "")
    assert sent.x_id is not None and sent.x_id.isdigit()
    row = ledger_row(store, iid)
    assert row["replies"] == 1 and not pd.isna(row["first_reply_at"])
    assert row["first_response_seconds"] >= 0
    stamps = {e.action: e.at for e in reversed(store.events(iid))}  # each action's first time
    answered = stamps[Action.ANSWERED] - stamps[Action.ARRIVED]
    assert row["first_response_seconds"] == pytest.approx(answered.total_seconds())
    assert brand_sends(control) == [("reply", line.text, sent.x_id)]  # accepted once

    # 5. Ann sets a disposition and is done.
    ann.set_disposition(iid, "resolved")
    ann.done(iid)
    assert store.interaction(iid).state is State.DONE

    # 6. Dana answers the brand's reply soon after: the interaction reopens, for Ann.
    again = control.tweet("dana", "@AcmeSupport it came broken", in_reply_to_tweet_id=sent.x_id)
    report = ingest.run_once()
    assert (report.interactions, report.reopened, report.follow_ups) == (0, 1, 1)
    assert [i.id for i in store.interactions()] == [iid]
    it = store.interaction(iid)
    assert (it.state, it.agent, it.preferred_agent) == (State.QUEUED, None, "ann")
    assert not bob.poll()  # Bob's poll routes it: to Ann, not to him
    assert [o.id for o in ann.poll()] == [iid]
    assert store.interaction(iid).state is State.OFFERED

    # 7. The transcript, the event log, the ledger and X agree with what happened.
    assert [(x.kind, x.author, x.text) for x in messages(store, iid)] == [
        (EntryKind.INBOUND, "dana", "@AcmeSupport my order is late"),
        (EntryKind.INBOUND, "dana", "@AcmeSupport order 1234"),
        (EntryKind.INBOUND, "eve", "@dana @AcmeSupport mine too"),
        (EntryKind.INBOUND, "dana", "here is the receipt"),
        (EntryKind.OUTBOUND, "ann", "@dana @eve sorry about that, we are on it"),
        (EntryKind.INBOUND, "dana", "@AcmeSupport it came broken"),
    ]
    assert messages(store, iid)[-1].tweet_id == again["id"]
    events = store.events(iid)
    assert [(e.action, e.agent) for e in events] == [
        (Action.ARRIVED, None),
        (Action.ROUTED, None),  # to its queue
        (Action.OFFERED, "ann"),
        (Action.ACCEPTED, "ann"),
        (Action.FOLLOW_UP, None),
        (Action.FOLLOW_UP, None),
        (Action.FOLLOW_UP, None),
        (Action.REPLY, "ann"),
        (Action.SEND_FAILED, None),
        (Action.SEND_RETRIED, "ann"),
        (Action.ANSWERED, None),
        (Action.DISPOSITION_SET, "ann"),
        (Action.DONE, "ann"),
        (Action.REOPENED, None),
        (Action.FOLLOW_UP, None),
        (Action.ROUTED, None),  # again: its queue and priority for the news
        (Action.OFFERED, "ann"),
    ]
    joined = [e.details["author"] for e in events if e.action == Action.FOLLOW_UP]
    assert joined == ["dana", "eve", "dana", "dana"]
    (answered,) = [e for e in events if e.action == Action.ANSWERED]
    assert answered.details["key"] == sent.key
    row = ledger_row(store, iid)
    assert (row["replies"], row["reopens"], row["agent"], row["contact"]) == (1, 1, "ann", "dana")
    assert row["first_reply_at"] == answered.at
    assert pd.isna(row["disposition"])  # the reopen cleared it: Ann sets it again
    assert brand_sends(control) == [("reply", line.text, sent.x_id)]  # still once

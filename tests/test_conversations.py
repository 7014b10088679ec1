"""Conversations, not single tweets: a customer's further messages (and other people's in the
same thread) join the open interaction; after Done a follow-up reopens it for the agent who
handled it, or, once the reopen window has passed, opens a new interaction linked to it.
Against the sandbox, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from workbench.analytics import ledger
from workbench.domain import Action, Channel, EntryKind, State
from workbench.intake import Ingest

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control
    from workbench.store import Store
    from workbench.xapi import Gateway

pytest_plugins = ["tests.xapi_fixtures"]


@pytest.fixture
def dana(control: Control) -> dict:
    return control.user("dana", name="Dana Rivera", follows_brand=True)


def messages(store: Store, iid: str) -> list:
    """The interaction's transcript without the workbench's own notes (accepted, ...)."""
    return [x for x in store.transcript(iid) if x.kind is not EntryKind.SYSTEM]


def handled(ann, ingest: Ingest) -> str:
    """Ann takes the one waiting interaction; its id."""
    ann.ready()
    (offer,) = ann.poll()
    ann.accept(offer.id)
    return offer.id


def test_replies_in_the_thread_and_dms_join_the_open_interaction(
    store: Store, gateway: Gateway, control: Control, dana, ann
):
    control.user("eve", name="Eve")
    asked = control.tweet("dana", "@AcmeSupport my order is late")
    ingest = Ingest(store, gateway, classify=None)
    assert ingest.run_once().interactions == 1
    iid = handled(ann, ingest)
    # The brand's reply (sent outside the workbench, mentioning only dana: not among the
    # brand's mentions); her answer to it belongs to the thread the interaction holds.
    answer = gateway.post("AcmeSupport", "@dana sorry! which order?", in_reply_to=asked["id"])
    again = control.tweet("dana", "@AcmeSupport order 1234", in_reply_to_tweet_id=answer.id)
    own = control.tweet("dana", "@AcmeSupport and it was paid", in_reply_to_tweet_id=again["id"])
    other = control.tweet("eve", "@dana @AcmeSupport mine too", in_reply_to_tweet_id=asked["id"])
    control.dm("dana", "here is the receipt")
    report = ingest.run_once()
    assert (report.interactions, report.follow_ups, report.joined_transcripts) == (0, 4, 0)
    assert [i.id for i in store.interactions()] == [iid]  # one conversation
    lines = messages(store, iid)
    assert [(x.kind, x.author, x.text) for x in lines] == [
        (EntryKind.INBOUND, "dana", "@AcmeSupport my order is late"),
        (EntryKind.INBOUND, "dana", "@AcmeSupport order 1234"),
        (EntryKind.INBOUND, "dana", "@AcmeSupport and it was paid"),
        (EntryKind.INBOUND, "eve", "@dana @AcmeSupport mine too"),
        (EntryKind.INBOUND, "dana", "here is the receipt"),
    ]
    assert [x.tweet_id for x in lines[1:4]] == [again["id"], own["id"], other["id"]]
    assert [x.details.get("participant") for x in lines[1:]] == [False, False, True, False]
    assert all(x.details.get("follow_up") for x in lines[1:])
    joined = [e for e in store.events(iid) if e.action == Action.FOLLOW_UP]
    assert [e.details["author"] for e in joined] == ["dana", "dana", "eve", "dana"]
    # Read again (a restart, a second ingest): nothing doubles.
    store.set_cursor(Ingest.cursor_name("mentions", "AcmeSupport"), "")
    store.set_cursor(Ingest.cursor_name("dms", "AcmeSupport"), "")
    again_report = ingest.run_once()
    assert (again_report.interactions, again_report.follow_ups) == (0, 0)
    assert len(messages(store, iid)) == 5
    assert store.interaction(iid).state is State.ACCEPTED  # still Ann's


def test_a_follow_up_after_done_reopens_it_for_the_agent_who_handled_it(
    store: Store, gateway: Gateway, control: Control, dana, ann, bob
):
    control.tweet("dana", "@AcmeSupport my order is late")
    ingest = Ingest(store, gateway, classify=None)
    ingest.run_once()
    iid = handled(ann, ingest)
    bob.ready()  # idle longer than Ann (never offered): a new interaction would go to him
    ann.set_disposition(iid, "resolved")
    ann.done(iid)
    control.dm("dana", "it came broken")
    report = ingest.run_once()
    assert (report.interactions, report.reopened, report.follow_ups) == (0, 1, 1)
    it = store.interaction(iid)
    assert (it.state, it.agent, it.preferred_agent, it.disposition) == (
        State.QUEUED,
        None,
        "ann",
        None,
    )
    assert it.subject == "it came broken"  # the offer says what is new
    actions = [e.action for e in store.events(iid)]
    assert actions[-2:] == [Action.REOPENED, Action.FOLLOW_UP]
    assert not bob.poll()  # bob's poll routes it: to Ann, not to him
    assert store.interaction(iid).agent == "ann"
    assert [o.id for o in ann.poll()] == [iid]
    row = ledger(store=store).set_index("interaction_id").loc[iid]
    assert row["reopens"] == 1 and row["state"] == "offered"


def test_a_reopened_interaction_is_routed_again_for_the_news(
    store: Store, gateway: Gateway, control: Control, dana, ann
):
    """The message that reopens it gives it its labels, and the router chooses its queue and
    priority again: an angry follow-up to a thanked-for answer is raised by the rules."""
    control.tweet("dana", "@AcmeSupport my order arrived, thanks!")
    ingest = Ingest(store, gateway)  # the classifier labels what arrives
    ingest.run_once()
    iid = handled(ann, ingest)
    first = store.interaction(iid)
    assert first.sentiment.value == "positive"
    assert not any("Negative" in r for r in first.priority_reasons)
    ann.set_disposition(iid, "resolved")
    ann.done(iid)
    control.dm("dana", "it came broken, this is awful and I am furious")
    assert ingest.run_once().reopened == 1
    it = store.interaction(iid)
    assert it.sentiment.value == "negative" and it.priority == first.priority  # not routed yet
    assert [o.id for o in ann.poll()] == [iid]  # routed again, and offered to her first
    it = store.interaction(iid)
    assert it.priority == first.priority + 10  # the shipped rule's points
    assert "Negative sentiment (+10)" in it.priority_reasons
    routed = [e for e in store.events(iid) if e.action == Action.ROUTED]
    assert len(routed) == 2 and routed[-1].details["reasons"] == list(it.priority_reasons)
    assert it.agent == "ann" and it.state is State.OFFERED


def test_a_follow_up_after_the_window_opens_a_new_linked_interaction(
    store: Store, gateway: Gateway, control: Control, dana, ann
):
    control.dm("dana", "where is my refund?")
    ingest = Ingest(store, gateway, classify=None, reopen_hours=0)
    ingest.run_once()
    first = handled(ann, ingest)
    ann.set_disposition(first, "resolved")
    ann.done(first)
    control.dm("dana", "still no refund")
    control.user("eve")
    control.tweet("eve", "@AcmeSupport hello")  # someone else: a new interaction, not linked
    report = ingest.run_once()
    assert (report.interactions, report.reopened) == (2, 0)
    by_contact = {i.contact_id: i for i in store.interactions() if i.id != first}
    linked = by_contact[dana["id"]]
    assert linked.channel is Channel.DM and linked.previous_id == first
    assert next(i for c, i in by_contact.items() if c != dana["id"]).previous_id is None
    assert store.interaction(first).state is State.DONE
    frame = ledger(store=store).set_index("interaction_id")
    assert frame.loc[linked.id, "previous_id"] == first

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workbench.domain import Channel, Contact, Interaction, State, TransitionError, Tweet


def make(state: State = State.QUEUED, agent: str | None = None) -> Interaction:
    return Interaction(
        id="i1", channel=Channel.MENTION, contact_id="7", tweet_id="100", state=state, agent=agent
    )


def test_happy_path_offer_accept_done():
    it = make()
    assert it.offer("ann").action == "offered"
    assert it.accept("ann").action == "accepted"
    it.set_disposition("ann", "resolved", "fixed")
    event = it.done("ann")
    assert (it.state, event.details["disposition"]) == (State.DONE, "resolved")
    assert it.version == 4


def test_reject_and_timeout_return_to_queue():
    it = make()
    it.offer("ann")
    it.reject("ann")
    assert (it.state, it.agent) == (State.QUEUED, None)
    it.offer("bob")
    event = it.timeout()
    assert (it.state, event.agent) == (State.QUEUED, "bob")


def test_not_allowed_transition_names_interaction_state_and_action():
    it = make()
    with pytest.raises(TransitionError) as err:
        it.accept("ann")
    msg = str(err.value)
    assert "interaction i1" in msg and "queued" in msg and "accept" in msg
    assert err.value.state is State.QUEUED and err.value.action == "accept"


def test_only_the_offered_agent_accepts():
    it = make()
    it.offer("ann")
    with pytest.raises(TransitionError, match="offered to ann"):
        it.accept("bob")


def test_done_needs_disposition_when_required():
    it = make(State.ACCEPTED, "ann")
    with pytest.raises(TransitionError, match="disposition is required"):
        it.done("ann")
    it.done("ann", require_disposition=False)
    assert it.state is State.DONE


def test_done_is_read_only():
    it = make(State.DONE, "ann")
    for attempt in (
        lambda: it.act("ann", "reply"),
        lambda: it.transfer("ann", to_queue="dms"),
        lambda: it.set_disposition("ann", "resolved"),
    ):
        with pytest.raises(TransitionError, match="is done"):
            attempt()


def test_transfer_to_agent_or_queue():
    it = make(State.ACCEPTED, "ann")
    it.transfer("ann", to_agent="bob")
    assert (it.state, it.agent) == (State.OFFERED, "bob")
    it.accept("bob")
    it.transfer("bob", to_queue="vip")
    assert (it.state, it.agent, it.queue) == (State.QUEUED, None, "vip")
    it2 = make(State.ACCEPTED, "ann")
    with pytest.raises(TransitionError, match="exactly one"):
        it2.transfer("ann")


def test_conference_parties_may_act_but_others_may_not():
    it = make(State.ACCEPTED, "ann")
    it.conference("ann", "bob")
    assert it.act("bob", "reply").agent == "bob"
    with pytest.raises(TransitionError, match="only ann or a conference party"):
        it.act("carl", "reply")
    with pytest.raises(TransitionError, match="already in"):
        it.conference("ann", "bob")
    it.leave_conference("bob")
    assert it.parties == ()


def test_consultation_is_recorded():
    it = make(State.ACCEPTED, "ann")
    event = it.consult("ann", "bob", "voice")
    assert it.consultations == ({"agent": "bob", "channel": "voice"},)
    assert event.details == {"with_agent": "bob", "channel": "voice"}
    with pytest.raises(TransitionError, match="chat or voice"):
        it.consult("ann", "bob", "fax")


def test_correction_keeps_both_values():
    it = make(State.ACCEPTED, "ann")
    event = it.correct("ann", sentiment="negative", actionability="actionable")
    assert it.sentiment.value == "negative"
    assert event.details["sentiment"] == {"from": "undeclared", "to": "negative"}


def test_contact_dm_rule():
    assert Contact("1", "a", follows_brand=True).can_receive_dm
    assert Contact("1", "a", dm_open=True).can_receive_dm
    assert not Contact("1", "a").can_receive_dm
    with pytest.raises(ValueError, match="username"):
        Contact("1", "")


def test_tweet_validates_ids_and_time():
    Tweet("123", "9", "hi", datetime.now(UTC))
    with pytest.raises(ValueError, match="Tweet.id"):
        Tweet("abc", "9", "hi", datetime.now(UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        Tweet("1", "9", "hi", datetime(2026, 1, 1))


def test_links_expand_to_the_urls_they_stand_for():
    from workbench.domain import expand_links

    urls = {
        "https://t.co/a1": "https://acme.example/orders/7",
        "https://t.co/b2": "https://x.com/i",
    }
    text = "see https://t.co/a1 and https://t.co/b2, again https://t.co/a1"
    assert expand_links(text, urls) == (
        "see https://acme.example/orders/7 and https://x.com/i, again https://acme.example/orders/7"
    )
    assert expand_links("no links", urls) == "no links"
    assert expand_links("https://t.co/a1", {}) == "https://t.co/a1"

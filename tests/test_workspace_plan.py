"""The Workspace and the X access plan: what the plan does not allow is refused before anything
is queued, naming X's rule and its date; blank texts are refused before the @mention."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.test_workspace import DANA, arrive, outbox, settings, snapshot
from workbench.domain import (
    Channel,
    EntryKind,
    Interaction,
    State,
    TranscriptEntry,
    TransitionError,
)
from workbench.errors import ValidationError, WorkbenchError
from workbench.workspace import PlanRefusal, Workspace
from workbench.workspace._plan import summoned

SUMMONING = "@AcmeSupport my order is late"


def desk(store, tmp_path, plan, name="ann"):
    return Workspace(
        name, store=store, mail_dir=tmp_path / "mail", settings=settings(WORKBENCH_X_PLAN=plan)
    )


def accepted(store, ws, text=SUMMONING, channel=Channel.MENTION):
    iid = arrive(store, DANA, channel, text=text)
    ws.ready()
    assert [o.id for o in ws.poll()] == [iid]
    ws.accept(iid)
    return iid


@pytest.mark.parametrize(
    "action, reason",
    [
        ("like", "X's self-serve plans no longer allow likes (since 2026-04-20)"),
        ("follow", "X's self-serve plans no longer allow follows (since 2026-04-20)"),
        ("unfollow", "X's self-serve plans no longer allow unfollows (since 2026-04-20)"),
        ("quote", "X's self-serve plans no longer allow quote posts (since 2026-04-20)"),
    ],
)
def test_pay_per_use_refuses_engagement_with_the_rule_and_nothing_is_written(
    store, tmp_path, action, reason
):
    with desk(store, tmp_path, "pay-per-use") as ann:
        iid = accepted(store, ann)
        before = snapshot(store)
        attempt = {
            "like": lambda: ann.like(iid),
            "follow": lambda: ann.follow(iid),
            "unfollow": lambda: ann.unfollow(iid),
            "quote": lambda: ann.quote(iid, "thanks for the kind words"),
        }[action]
        with pytest.raises(PlanRefusal) as refused:
            attempt()
        assert str(refused.value) == f"{action}: {reason}"
        assert isinstance(refused.value, ValidationError | WorkbenchError)
        assert refused.value.field == action
        assert refused.value.refusal.rule == "self-serve-engagement"
        assert refused.value.refusal.date.isoformat() == "2026-04-20"
        assert snapshot(store) == before  # no event, no outbox row, no transcript line
        assert ann.interaction(iid).state is State.ACCEPTED
        ann.retweet(iid)  # what the plan allows still goes
        assert [a for a, _, _ in outbox(store, iid)] == ["retweet"]


def test_enterprise_allows_engagement(store, tmp_path):
    with desk(store, tmp_path, "enterprise") as ann:
        iid = accepted(store, ann)
        ann.like(iid)
        ann.follow(iid)
        ann.quote(iid, "we love this")
        assert [a for a, _, _ in outbox(store, iid)] == ["like", "follow", "quote"]


@pytest.mark.parametrize("plan", ["pay-per-use", "basic"])
def test_a_reply_to_a_post_that_did_not_summon_the_brand_is_refused_on_self_serve(
    store, tmp_path, plan
):
    with desk(store, tmp_path, plan) as ann:
        iid = accepted(store, ann, text="my order is late")  # no @AcmeSupport, no quote
        before = snapshot(store)
        with pytest.raises(PlanRefusal) as refused:
            ann.reply(iid, "sorry to hear that")
        assert str(refused.value) == (
            "reply: X's self-serve plans allow a reply only to a post that mentions or quotes "
            "the brand account (since 2026-02-23)"
        )
        assert refused.value.refusal.rule == "summoned-replies"
        assert snapshot(store) == before
        ann.dm(iid, "sorry to hear that: your order number?")  # a DM is not a reply
        assert [a for a, _, _ in outbox(store, iid)] == ["dm"]


def test_a_reply_to_a_summoning_post_goes_on_self_serve(store, tmp_path):
    with desk(store, tmp_path, "pay-per-use") as ann:
        iid = accepted(store, ann, text="hey @acmesupport, my order is late")
        ann.reply(iid, "sorry to hear that")
        ((action, _, payload),) = outbox(store, iid)
        assert action == "reply" and payload["text"] == "@dana_rivera sorry to hear that"


def test_enterprise_replies_to_any_post(store, tmp_path):
    with desk(store, tmp_path, "enterprise") as ann:
        iid = accepted(store, ann, text="my order is late")
        ann.reply(iid, "sorry to hear that")
        assert [a for a, _, _ in outbox(store, iid)] == ["reply"]


def test_summoned_reads_the_text_the_links_and_the_brands_posts():
    def line(text, **details):
        return TranscriptEntry(
            "i", datetime.now(UTC), EntryKind.INBOUND, "dana", text, "message", "1", details
        )

    assert summoned(line("@AcmeSupport help"), "AcmeSupport")
    assert summoned(line("cc @ACMESUPPORT."), "AcmeSupport")
    assert not summoned(line("@AcmeSupportFan help"), "AcmeSupport")
    assert not summoned(line("mail@AcmeSupport.com"), "AcmeSupport")
    assert not summoned(line("AcmeSupport help"), "AcmeSupport")
    quoting = line("look", urls={"https://t.co/x": "https://x.com/AcmeSupport/status/123"})
    assert summoned(quoting, "AcmeSupport")
    assert summoned(line("look", quoted_tweet_id="77"), "AcmeSupport", {"77"})
    assert summoned(line("yes", in_reply_to_tweet_id="77"), "AcmeSupport", {"77"})
    assert not summoned(line("yes", in_reply_to_tweet_id="78"), "AcmeSupport", {"77"})
    assert summoned(None, "AcmeSupport")  # nothing stored: X decides


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_blank_texts_are_refused_for_every_kind_before_anything_is_queued(store, tmp_path, blank):
    with desk(store, tmp_path, "enterprise") as ann:
        iid = accepted(store, ann)
        before = snapshot(store)
        for kind, attempt in {
            "reply": lambda: ann.reply(iid, blank),
            "quote": lambda: ann.quote(iid, blank),
            "dm": lambda: ann.dm(iid, blank),
        }.items():
            with pytest.raises(TransitionError) as refused:
                attempt()
            assert f"cannot {kind} (text: must not be empty)" in str(refused.value), kind
            assert "@dana_rivera" not in str(refused.value)
        with pytest.raises(ValidationError) as refused_post:
            ann.post_tweet("AcmeSupport", blank)
        assert str(refused_post.value) == "text: must not be empty"
        assert snapshot(store) == before


def test_blank_reply_is_refused_before_the_plan_and_the_mention(store, tmp_path):
    with desk(store, tmp_path, "pay-per-use") as ann:
        iid = accepted(store, ann, text="my order is late")
        with pytest.raises(TransitionError, match=r"cannot reply \(text: must not be empty\)"):
            ann.reply(iid, " ")


def test_post_tweet_refusals_name_the_field_and_rule_not_an_interaction(store, tmp_path):
    with desk(store, tmp_path, "pay-per-use") as ann:
        before = snapshot(store)
        with pytest.raises(ValidationError) as long:
            ann.post_tweet("AcmeSupport", "y" * 300)
        assert str(long.value) == "text: 300 characters as X counts them, at most 280"
        with pytest.raises(ValidationError) as empty:
            ann.post_tweet("AcmeSupport", "")
        for refused in (long.value, empty.value):
            assert refused.field == "text"
            assert "interaction" not in str(refused) and "is accepted" not in str(refused)
        assert snapshot(store) == before
        it = ann.post_tweet("AcmeSupport", "Spring sale starts today")  # allowed on every plan
        assert isinstance(it, Interaction) and it.state is State.DONE


def test_the_session_says_what_the_plan_refuses(store, tmp_path):
    with desk(store, tmp_path, "pay-per-use") as ann:
        assert ann.plan.name == "pay-per-use"
        assert (
            ann.refused("like") == "X's self-serve plans no longer allow likes (since 2026-04-20)"
        )
        assert ann.refused("retweet") is None and ann.refused("dm") is None
    with desk(store, tmp_path, "enterprise", name="bob") as bob:
        assert bob.refused("like") is None and bob.refused("quote") is None

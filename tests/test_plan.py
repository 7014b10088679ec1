"""The plan capability table: each X access plan allows or refuses what x_plans.json says, with
X's rule, its date and a reason fit to show an agent."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from workbench import x_rules
from workbench.config import Settings
from workbench.domain import Action
from workbench.domain.plan import PLAN_NAMES, Capability, PlanTable, PlanTableError
from workbench.errors import ConfigError

RAW = x_rules.read_table("x_plans.json")
SELF_SERVE = ("pay-per-use", "basic", "pro")


@pytest.mark.parametrize("name", PLAN_NAMES)
@pytest.mark.parametrize("capability", list(Capability))
def test_each_plan_allows_exactly_what_the_table_says(name, capability):
    verdict = RAW["plans"][name]["allows"][capability.value]
    refusal = x_rules.plan(name).allows(capability)
    if verdict is True:
        assert refusal is None
    else:
        rule = RAW["rules"][verdict]
        assert refusal is not None
        assert (refusal.rule, refusal.date.isoformat(), refusal.wording) == (
            verdict,
            rule["date"],
            rule["wording"],
        )
        assert refusal.plan == name and refusal.capability is capability


def test_self_serve_plans_refuse_likes_follows_and_quotes_since_2026_04_20():
    for name in SELF_SERVE:
        plan = x_rules.plan(name)
        assert plan.self_serve
        refused = {r.capability for r in plan.refuses()}
        assert refused == {
            Capability.LIKE,
            Capability.UNLIKE,
            Capability.FOLLOW,
            Capability.UNFOLLOW,
            Capability.QUOTE,
            Capability.REPLY_UNSUMMONED,
        }
        like = plan.allows(Capability.LIKE)
        assert like is not None
        assert like.reason == "X's self-serve plans no longer allow likes (since 2026-04-20)"
        assert str(like) == like.reason
        assert like.date == date(2026, 4, 20)
        assert like.wording == (
            "following, likes and quote posts through the API removed from all self-serve plans."
        )
        follow = plan.allows(Capability.FOLLOW)
        assert follow is not None
        assert follow.reason == "X's self-serve plans no longer allow follows (since 2026-04-20)"
        quote = plan.allows(Capability.QUOTE)
        assert quote is not None
        assert quote.reason == "X's self-serve plans no longer allow quote posts (since 2026-04-20)"
        for kept in (Capability.POST, Capability.REPLY, Capability.RETWEET, Capability.DM):
            assert plan.allows(kept) is None, (name, kept)


def test_a_reply_to_a_post_that_did_not_summon_the_brand_is_refused_on_self_serve_plans():
    for name in SELF_SERVE:
        plan = x_rules.plan(name)
        assert plan.allows(Capability.REPLY) is None
        assert plan.allows(Capability.REPLY, summoned=True) is None
        refusal = plan.allows(Capability.REPLY, summoned=False)
        assert refusal is not None
        assert refusal.rule == "summoned-replies" and refusal.date == date(2026, 2, 23)
        assert refusal.reason == (
            "X's self-serve plans allow a reply only to a post that mentions or quotes the brand "
            "account (since 2026-02-23)"
        )
        assert '"summoned" the account' in refusal.wording
        assert plan.allows(Capability.REPLY_UNSUMMONED) == refusal


def test_enterprise_allows_everything():
    enterprise = x_rules.plan("enterprise")
    assert not enterprise.self_serve and enterprise.refuses() == []
    assert enterprise.allows(Capability.REPLY, summoned=False) is None
    assert enterprise.allowed == frozenset(Capability)


def test_actions_of_the_event_vocabulary_are_asked_by_name():
    plan = x_rules.plan("pay-per-use")
    assert Capability.REPLY == Action.REPLY and Capability.DM == Action.DM
    like = plan.allows(Action.LIKE)
    assert like is not None and like.capability is Capability.LIKE
    assert plan.allows(Action.DM) is None
    assert plan.allows("retweet") is None
    with pytest.raises(PlanTableError, match=r"action: 'wave' is not an X capability"):
        plan.allows("wave")


def test_the_table_is_dated_and_names_its_default():
    table = x_rules.plans()
    assert table.read_on == date(2026, 8, 22)
    assert table.default == "pay-per-use" == Settings.from_env({}).x_plan
    assert set(table.plans) == set(PLAN_NAMES)
    assert table.plan("basic").label == "Basic"
    with pytest.raises(PlanTableError, match=r"plan: 'free' is not an X access plan"):
        table.plan("free")


def _broken(change) -> dict:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t["plans"]["basic"]["allows"].pop("like"),
            r"plans\.basic\.allows: says nothing of \['like'\]",
        ),
        (
            lambda t: t["plans"]["basic"]["allows"].update(like=True),
            r"plans\.basic\.allows\.like: rule self-serve-engagement refuses it",
        ),
        (
            lambda t: t["plans"]["enterprise"]["allows"].update(like="self-serve-engagement"),
            r"plans\.enterprise\.allows\.like: rule self-serve-engagement does not refuse it",
        ),
        (
            lambda t: t["plans"]["pro"]["allows"].update(dm="nope"),
            r"plans\.pro\.allows\.dm: true or a rule id, got 'nope'",
        ),
        (
            lambda t: t["rules"]["summoned-replies"].update(date="Feb 23"),
            r"rules\.summoned-replies\.date: a date YYYY-MM-DD",
        ),
        (
            lambda t: t["rules"]["summoned-replies"].update(reasons={}),
            r"rules\.summoned-replies\.reasons: no reason for \['reply_unsummoned'\]",
        ),
        (lambda t: t["plans"].pop("pro"), r"plans: expected exactly"),
    ],
)
def test_a_broken_table_is_refused_naming_the_entry_and_the_rule(change, message):
    with pytest.raises(PlanTableError, match=message):
        PlanTable.from_dict(_broken(change))


def test_the_shipped_table_round_trips_as_json():
    assert PlanTable.from_dict(json.loads(json.dumps(RAW))) == x_rules.plans()


def test_the_plan_setting():
    assert Settings.from_env({"WORKBENCH_X_PLAN": "Enterprise"}).x_plan == "enterprise"
    with pytest.raises(ConfigError) as err:
        Settings.from_env({"WORKBENCH_X_PLAN": "free"})
    assert str(err.value).startswith("WORKBENCH_X_PLAN: expected one of pay-per-use, basic")

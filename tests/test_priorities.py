"""Time and priority: since when a customer waits, priority rules and the router's order, and
pending customer (the workbin). On SQLite and PostgreSQL where the store matters."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.conftest import accepted_by_x
from tests.test_routing import arrive, offered_to, ready
from workbench.domain import Action, Contact, Sentiment, State, TransitionError, utcnow
from workbench.domain.priority import (
    PriorityFacts,
    PriorityRule,
    WaitLevel,
    priority_now,
    priority_of,
    wait_level,
    wait_words,
)
from workbench.errors import ValidationError
from workbench.routing import (
    Router,
    add_priority_rule,
    delete_priority_rule,
    next_offers,
    priority_rules,
    update_priority_rule,
)
from workbench.store import NotFoundError

FAN = Contact("601", "fan", "A Fan", followers_count=10)
STAR = Contact("602", "star", "A Star", followers_count=2_000, verified=True)
BOSS = Contact("603", "Big_Boss", "The Boss", followers_count=5)


def clear_rules(store):
    for rule in priority_rules(store):
        delete_priority_rule(store, rule.id)


# --- the domain ---------------------------------------------------------------------------


def test_a_rule_matches_when_every_condition_holds():
    rule = PriorityRule(1, 10, "Angry star", 25, min_followers=1000, sentiment="negative")
    assert rule.matches(PriorityFacts("x", followers_count=5000, sentiment="negative"))
    assert not rule.matches(PriorityFacts("x", followers_count=5000, sentiment="neutral"))
    assert not rule.matches(PriorityFacts("x", followers_count=50, sentiment="negative"))
    vip = PriorityRule(2, 20, "VIP list", 30, handles=("Big_Boss",))
    assert vip.matches(PriorityFacts("big_boss"))  # handles in any case
    assert not vip.matches(PriorityFacts("fan"))


def test_priority_adds_the_points_of_every_matching_rule_and_names_them():
    rules = [
        PriorityRule(1, 10, "Verified", 20, verified=True),
        PriorityRule(2, 20, "Negative", 10, sentiment="negative"),
        PriorityRule(3, 30, "Waiting 15 min", 15, waited_minutes=15),
    ]
    facts = PriorityFacts("star", verified=True, sentiment="negative")
    assert priority_of(rules, facts) == (30, ("Verified (+20)", "Negative (+10)"))
    now = utcnow()
    assert priority_now(rules, 30, ("Verified (+20)",), now - timedelta(minutes=16), now) == (
        45,
        ("Verified (+20)", "Waiting 15 min (+15)"),
    )
    assert priority_now(rules, 0, (), now - timedelta(minutes=14), now) == (0, ())


def test_a_wait_is_judged_against_the_service_level_threshold_and_said_in_words():
    threshold = timedelta(minutes=15)
    assert wait_level(timedelta(minutes=3), threshold) is WaitLevel.FRESH
    assert wait_level(timedelta(minutes=8), threshold) is WaitLevel.NEAR
    assert wait_level(timedelta(minutes=15), threshold) is WaitLevel.LATE
    assert [wait_words(timedelta(seconds=s)) for s in (-3, 45, 720, 3 * 3600 + 300, 2 * 86400)] == [
        "0 s",
        "45 s",
        "12 min",
        "3 h 05 min",
        "2 d 0 h",
    ]


# --- editable rules -----------------------------------------------------------------------


def test_the_shipped_rules_are_in_a_new_store(store):
    names = [r.name for r in priority_rules(store)]
    assert "Negative sentiment" in names and "Waiting over 15 min" in names


def test_rules_are_added_changed_and_removed_with_their_checks(store):
    rule = add_priority_rule(store, "Angry", 12, sentiment="negative")
    assert rule.position > max(r.position for r in priority_rules(store) if r.id != rule.id)
    changed = update_priority_rule(store, rule.id, points=8, min_followers=100)
    assert (changed.points, changed.min_followers, changed.sentiment) == (8, 100, "negative")
    with pytest.raises(ValidationError, match="sentiment: one of"):
        add_priority_rule(store, "Bad", 5, sentiment="furious")
    with pytest.raises(ValidationError, match="conditions: a rule needs at least one"):
        add_priority_rule(store, "Everyone", 5)
    with pytest.raises(ValidationError, match="waited_minutes: a waiting-time rule takes no other"):
        add_priority_rule(store, "Mixed", 5, waited_minutes=10, verified=True)
    with pytest.raises(ValidationError, match="handles: X usernames"):
        add_priority_rule(store, "VIP", 5, handles=["not a handle!"])
    with pytest.raises(ValidationError, match="handles: a list"):
        add_priority_rule(store, "VIP", 5, handles="Big_Boss")
    with pytest.raises(ValidationError, match="name: 1 to 128"):
        add_priority_rule(store, "  ", 5, verified=True)
    delete_priority_rule(store, rule.id)
    with pytest.raises(NotFoundError, match=f"priority rule {rule.id}"):
        delete_priority_rule(store, rule.id)


# --- the router's order -------------------------------------------------------------------


def test_the_router_offers_the_highest_priority_first_then_the_longest_wait(store):
    clear_rules(store)
    add_priority_rule(store, "VIP list", 30, handles=["big_boss"])
    add_priority_rule(store, "Verified", 20, verified=True)
    add_priority_rule(store, "Negative", 10, sentiment="negative")
    now = utcnow()
    old_fan = arrive(store, FAN, arrived_at=now - timedelta(minutes=5))
    new_fan = arrive(store, FAN, arrived_at=now - timedelta(minutes=1))
    angry = arrive(store, FAN, arrived_at=now, sentiment=Sentiment.NEGATIVE)
    star = arrive(store, STAR, arrived_at=now)
    boss = arrive(store, BOSS, arrived_at=now)
    router = Router(store)
    router.run_once()  # routes, no agent yet
    order = [o.id for o in next_offers(store, "mentions")]
    assert order == [boss, star, angry, old_fan, new_fan]
    first = next_offers(store, "mentions")[0]
    assert (first.priority, first.reasons, first.contact) == (30, ("VIP list (+30)",), "Big_Boss")
    assert next_offers(store, "mentions")[-1].reasons == ()  # first come, first served
    routed = [e for e in store.events(star) if e.action is Action.ROUTED][0]
    assert routed.details["priority"] == 20 and routed.details["reasons"] == ["Verified (+20)"]
    ready(store, "ann")
    router.run_once()
    assert offered_to(store, boss) == "ann"
    assert all(offered_to(store, i) is None for i in (star, angry, old_fan, new_fan))


def test_a_long_wait_climbs_past_a_higher_priority(store):
    clear_rules(store)
    add_priority_rule(store, "Verified", 20, verified=True)
    add_priority_rule(store, "Waiting over 15 min", 25, waited_minutes=15)
    now = utcnow()
    waited = arrive(store, FAN, arrived_at=now - timedelta(minutes=20))
    star = arrive(store, STAR, arrived_at=now)
    Router(store).run_once()
    (first, second) = next_offers(store, "mentions")
    assert (first.id, first.priority, first.reasons) == (
        waited,
        25,
        ("Waiting over 15 min (+25)",),
    )
    assert (second.id, second.priority) == (star, 20)
    # Ten minutes earlier, the verified customer came first.
    earlier = [o.id for o in next_offers(store, "mentions", now=now - timedelta(minutes=10))]
    assert earlier == [star, waited]


# --- since when the customer waits --------------------------------------------------------


def test_the_wait_runs_from_arrival_until_x_accepts_an_answer(store, ann):
    arrived = utcnow() - timedelta(minutes=3)
    iid = arrive(store, FAN, arrived_at=arrived)
    assert store.interaction(iid).waiting_since == arrived
    ann.ready()
    ann.poll()
    ann.accept(iid)
    ann.reply(iid, "We are on it")
    assert store.interaction(iid).waiting_since == arrived  # queued is not answered
    accepted_by_x(store)
    assert store.interaction(iid).waiting_since is None


# --- pending customer and the workbin -----------------------------------------------------


def test_pending_customer_leaves_capacity_for_the_workbin_and_can_be_taken_back(
    store, ann, monkeypatch
):
    first = arrive(store, FAN)
    second = arrive(store, FAN)
    ann.ready()
    (offer,) = ann.poll()  # capacity 1
    ann.accept(offer.id)
    now = utcnow()
    monkeypatch.setattr("workbench.workspace.actions.utcnow", lambda: now)
    ann.pend(offer.id, hours=2)
    assert [i.id for i in ann.workbin] == [offer.id] and ann.interactions == ()
    it = store.interaction(offer.id)
    assert it.state is State.PENDING and it.pending_until is not None
    assert it.pending_until == now + timedelta(hours=2)
    (other,) = ann.poll()  # room again: the next one is offered
    assert {offer.id, other.id} == {first, second}
    ann.resume(offer.id)
    assert [i.id for i in ann.interactions] == [offer.id] and ann.workbin == ()
    actions = [e.action for e in store.events(offer.id)]
    assert actions[-2:] == [Action.PENDING, Action.RESUMED]


def test_pending_is_refused_with_the_rule(store, ann, bob):
    iid = arrive(store, FAN)
    ann.ready()
    ann.poll()
    with pytest.raises(TransitionError, match="cannot pend .allowed only when accepted"):
        ann.pend(iid)
    ann.accept(iid)
    with pytest.raises(ValidationError, match="hours: more than 0"):
        ann.pend(iid, hours=0)
    with pytest.raises(TransitionError, match="only ann"):
        bob.pend(iid)
    with pytest.raises(TransitionError, match="cannot resume"):
        ann.resume(iid)


def test_a_pending_interaction_goes_back_to_the_queue_when_the_customer_does_not_answer(store, ann):
    iid = arrive(store, FAN)
    ann.ready()
    ann.poll()
    ann.accept(iid)
    ann.pend(iid, hours=1)
    router = Router(store)
    assert router.run_once().pending_expired == 0
    done = router.run_once(now=utcnow() + timedelta(hours=1, seconds=1))
    assert done.pending_expired == 1
    it = store.interaction(iid)
    assert it.state is not State.PENDING and it.preferred_agent == "ann"
    assert Action.PENDING_EXPIRED in [e.action for e in store.events(iid)]


@pytest.fixture
def wanda(control):
    return control.user("wanda", name="Wanda", follows_brand=True)


pytest_plugins = ["tests.xapi_fixtures"]


def test_the_customers_answer_brings_a_pending_interaction_back_to_its_agent(
    store, gateway, control, wanda, ann, bob
):
    from workbench.intake import Ingest

    control.dm("wanda", "my parcel never came")
    ingest = Ingest(store, gateway, classify=None)
    assert ingest.run_once().interactions == 1
    ann.ready()
    (offer,) = ann.poll()
    ann.accept(offer.id)
    ann.pend(offer.id)
    bob.ready()
    control.dm("wanda", "here is the tracking number: 123")
    assert ingest.run_once().follow_ups == 1
    it = store.interaction(offer.id)
    assert (it.state, it.agent) == (State.OFFERED, "ann")  # not bob, though he is free
    assert [o.id for o in ann.poll()] == [offer.id] and bob.poll() == ()
    assert store.interaction(offer.id).waiting_since is not None
    actions = [e.action for e in store.events(offer.id)]
    assert actions[-2:] == [Action.RETURNED, Action.FOLLOW_UP]  # back to ann, with her line
    ann.accept(offer.id)
    assert [i.id for i in ann.interactions] == [offer.id]


def test_an_unknown_interaction_is_named(store, ann):
    missing = uuid.uuid4().hex
    with pytest.raises(NotFoundError, match=missing):
        ann.pend(missing)


def test_done_ends_the_wait_even_without_an_answer(store, ann):
    iid = arrive(store, FAN)
    ann.ready()
    ann.poll()
    ann.accept(iid)
    assert store.interaction(iid).waiting_since is not None
    ann.set_disposition(iid, "no_action_needed")
    ann.done(iid)
    assert store.interaction(iid).waiting_since is None

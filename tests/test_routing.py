"""Agents, queues, rules and the router, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from workbench.domain import (
    Actionability,
    Channel,
    Contact,
    Interaction,
    State,
    utcnow,
)
from workbench.errors import ValidationError
from workbench.routing import (
    AgentState,
    Router,
    add_queue,
    add_rule,
    agent,
    agents,
    delete_queue,
    delete_rule,
    heartbeat,
    queue_for,
    queues,
    register_agent,
    rules,
    set_agent_state,
    update_rule,
)
from workbench.store import NotFoundError
from workbench.store import schema as t

FAN = Contact("501", "fan", "A Fan", followers_count=10)
VIP = Contact("502", "star", "A Star", followers_count=120_000)


def _source_column(channel):
    return "dm_event_id" if channel is Channel.DM else "tweet_id"


def arrive(store, contact=FAN, channel=Channel.MENTION, timeline="", **kw):
    store.upsert_contact(contact)
    it = Interaction(
        id=uuid.uuid4().hex,
        channel=channel,
        contact_id=contact.id,
        **{_source_column(channel): str(uuid.uuid4().int % 10**18)},
        timeline=timeline,
        queue="mentions",
        **kw,
    )
    store.add_interaction(it)
    return it.id


def ready(store, *names, capacity=1, queues=None):
    for name in names:
        register_agent(store, name, capacity=capacity, queues=queues)
        set_agent_state(store, name, "ready")


def offered_to(store, interaction_id):
    it = store.interaction(interaction_id)
    return it.agent if it.state is State.OFFERED else None


# --- agents -------------------------------------------------------------------------------


def test_agent_registers_not_ready_then_changes_state(store):
    a = register_agent(store, "ann", "Ann Lee", capacity=3)
    assert (a.state, a.reason, a.capacity, a.initials) == (
        AgentState.NOT_READY,
        "logged in",
        3,
        "AL",
    )
    assert set_agent_state(store, "ann", "ready").state is AgentState.READY
    assert agent(store, "ann").idle_since is not None
    b = set_agent_state(store, "ann", AgentState.NOT_READY, "lunch")
    assert (b.state, b.reason) == (AgentState.NOT_READY, "lunch")
    assert set_agent_state(store, "ann", "after_call_work").state is AgentState.AFTER_CALL_WORK
    assert [a.name for a in agents(store)] == ["ann"]
    logged = [(e.action, e.details.get("state")) for e in store.events() if e.agent == "ann"]
    assert logged == [
        ("agent_registered", None),
        ("agent_state", "ready"),
        ("agent_state", "not_ready"),
        ("agent_state", "after_call_work"),
    ]


def test_agent_bad_input_is_refused(store):
    register_agent(store, "ann")
    with pytest.raises(ValidationError, match="reason: Not Ready needs a reason"):
        set_agent_state(store, "ann", "not_ready")
    with pytest.raises(ValidationError, match="state: one of ready, not_ready"):
        set_agent_state(store, "ann", "asleep")
    with pytest.raises(ValidationError, match="capacity"):
        register_agent(store, "bob", capacity=0)
    with pytest.raises(ValidationError, match="no such queue 'nowhere'"):
        register_agent(store, "bob", queues=["nowhere"])
    with pytest.raises(NotFoundError, match="agent 'zed' is not registered"):
        set_agent_state(store, "zed", "ready")
    with pytest.raises(NotFoundError, match="zed"):
        heartbeat(store, "zed")
    assert agent(store, "ann").state is AgentState.NOT_READY


# --- queues and rules -----------------------------------------------------------------------


def test_queues_add_rename_delete(store):
    assert {"mentions", "dms", "vip"} <= {q.name for q in queues(store)}
    add_queue(store, "billing", "Billing questions")
    with pytest.raises(ValidationError, match="already exists"):
        add_queue(store, "billing")
    with pytest.raises(ValidationError, match="queue: 1-64 letters"):
        add_queue(store, "bad name!")
    with pytest.raises(ValidationError, match="routing rule"):
        delete_queue(store, "mentions")
    delete_queue(store, "billing")
    assert "billing" not in {q.name for q in queues(store)}


def test_rules_edit_and_first_match_by_position_wins(store):
    shipped = rules(store)
    assert [r.queue for r in shipped] == ["vip", "deals", "dms", "mentions"]
    assert queue_for(shipped, "mention", "", 10).queue == "mentions"
    assert queue_for(shipped, "dm", "", 10).queue == "dms"
    assert queue_for(shipped, "dm", "", 60_000).queue == "vip"
    assert queue_for(shipped, "mention", "acmedeals", 10).queue == "deals"

    add_queue(store, "urgent")
    urgent = add_rule(store, "urgent", position=5, actionability="actionable", channel="mention")
    assert rules(store)[0] == urgent
    assert queue_for(rules(store), "mention", "", 10, "actionable").queue == "urgent"
    assert queue_for(rules(store), "mention", "", 10, "not_actionable").queue == "mentions"

    moved = update_rule(store, urgent.id, position=100)
    assert rules(store)[-1] == moved
    cleared = update_rule(store, urgent.id, channel=None)
    assert cleared.channel is None and cleared.actionability == "actionable"
    last = add_rule(store, "dms", timeline="@AcmeDeals")
    assert last.position > moved.position and last.timeline == "AcmeDeals"
    delete_rule(store, urgent.id)
    assert urgent.id not in [r.id for r in rules(store)]


def test_bad_rules_are_refused_and_nothing_changes(store):
    before = rules(store)
    with pytest.raises(ValidationError, match="queue: no such queue 'nope'"):
        add_rule(store, "nope")
    with pytest.raises(ValidationError, match="channel: one of"):
        add_rule(store, "dms", channel="fax")
    with pytest.raises(ValidationError, match="actionability: one of"):
        update_rule(store, before[0].id, actionability="urgent")
    with pytest.raises(ValidationError, match="min_followers"):
        update_rule(store, before[0].id, min_followers=-1)
    with pytest.raises(ValidationError, match="timeline"):
        add_rule(store, "dms", timeline="not a name")
    with pytest.raises(NotFoundError, match="routing rule 999"):
        update_rule(store, 999, queue="dms")
    with pytest.raises(NotFoundError, match="routing rule 999"):
        delete_rule(store, 999)
    assert rules(store) == before


def test_router_applies_rules_to_new_arrivals(store):
    vip = arrive(store, VIP)
    dm = arrive(store, FAN, Channel.DM)
    deal = arrive(store, FAN, timeline="AcmeDeals")
    plain = arrive(store, FAN)
    assert Router(store, offer_timeout=30).run_once().routed == 4
    assert [store.interaction(i).queue for i in (vip, dm, deal, plain)] == [
        "vip",
        "dms",
        "deals",
        "mentions",
    ]
    routed = [e for e in store.events(vip) if e.action == "routed"]
    assert routed[0].details["queue"] == "vip" and routed[0].details["from"] == "mentions"
    assert Router(store, offer_timeout=30).run_once().routed == 0  # once only


def test_router_routes_by_actionability(store):
    add_queue(store, "urgent")
    add_rule(store, "urgent", position=1, actionability="actionable")
    hot = arrive(store, FAN, actionability=Actionability.ACTIONABLE)
    cold = arrive(store, FAN)
    Router(store, offer_timeout=30).run_once()
    assert store.interaction(hot).queue == "urgent"
    assert store.interaction(cold).queue == "mentions"


# --- offers -------------------------------------------------------------------------------


def test_offer_goes_to_one_ready_agent_with_room_longest_idle_first(store):
    register_agent(store, "away")
    ready(store, "ann")
    ready(store, "bob")  # became ready after ann: ann has been idle longer
    first, second, third = arrive(store), arrive(store), arrive(store)
    router = Router(store, offer_timeout=30)
    assert router.run_once().offered == 2
    assert offered_to(store, first) == "ann"
    assert offered_to(store, second) == "bob"
    assert store.interaction(third).state is State.QUEUED  # nobody has room
    assert router.run_once().offered == 0
    assert [e.action for e in store.events(first)] == ["arrived", "routed", "offered"]


def test_capacity_counts_offers_and_accepted_work(store):
    ready(store, "ann", capacity=2)
    ids = [arrive(store) for _ in range(3)]
    router = Router(store, offer_timeout=30)
    router.run_once()
    assert [offered_to(store, i) for i in ids] == ["ann", "ann", None]
    store.apply(ids[0], lambda it, _: it.accept("ann"))
    assert router.run_once().offered == 0
    store.apply(ids[0], lambda it, _: it.done("ann", require_disposition=False))
    router.run_once()
    assert offered_to(store, ids[2]) == "ann"


def test_agents_only_get_offers_from_their_queues(store):
    ready(store, "dmonly", queues=["dms"])
    mention, dm = arrive(store), arrive(store, channel=Channel.DM)
    Router(store, offer_timeout=30).run_once()
    assert offered_to(store, mention) is None
    assert offered_to(store, dm) == "dmonly"


def test_not_ready_and_after_call_work_agents_get_no_offers(store):
    register_agent(store, "ann")
    set_agent_state(store, "ann", "not_ready", "break")
    register_agent(store, "bob")
    set_agent_state(store, "bob", "after_call_work")
    one = arrive(store)
    Router(store, offer_timeout=30).run_once()
    assert store.interaction(one).state is State.QUEUED


def test_unanswered_offer_times_out_and_goes_to_another_agent(store):
    ready(store, "ann")
    ready(store, "bob")
    one = arrive(store)
    router = Router(store, offer_timeout=30, heartbeat_stale=3600)
    router.run_once()
    assert offered_to(store, one) == "ann"
    assert router.run_once(utcnow() + timedelta(seconds=10)).timed_out == 0
    later = router.run_once(utcnow() + timedelta(seconds=31))
    assert (later.timed_out, later.offered) == (1, 1)
    assert offered_to(store, one) == "bob"
    actions = [(e.action, e.agent) for e in store.events(one)][2:]
    assert actions == [("offered", "ann"), ("offer_timed_out", "ann"), ("offered", "bob")]


def test_rejected_offer_goes_to_another_agent_not_back(store):
    ready(store, "ann")
    ready(store, "bob")
    one = arrive(store)
    router = Router(store, offer_timeout=30, heartbeat_stale=3600)
    router.run_once()
    assert offered_to(store, one) == "ann"
    store.apply(one, lambda it, _: it.reject("ann"))
    router.run_once()
    assert offered_to(store, one) == "bob"
    store.apply(one, lambda it, _: it.reject("bob"))
    # Both declined and both have room: it waits a while, then one of them gets it again.
    assert router.run_once().offered == 0
    router.run_once(utcnow() + timedelta(seconds=31))
    assert offered_to(store, one) in {"ann", "bob"}


def test_rejecting_agent_gets_it_back_when_nobody_else_has_room(store):
    ready(store, "ann")
    one, two = arrive(store), arrive(store)
    router = Router(store, offer_timeout=30, reoffer_after=5, heartbeat_stale=3600)
    router.run_once()
    store.apply(one, lambda it, _: it.reject("ann"))
    router.run_once()
    assert offered_to(store, one) is None and offered_to(store, two) == "ann"  # not back at once
    store.apply(two, lambda it, _: it.accept("ann"))
    store.apply(two, lambda it, _: it.done("ann", require_disposition=False))
    router.run_once(utcnow() + timedelta(seconds=6))
    assert offered_to(store, one) == "ann"


def test_missed_offer_does_not_bounce_straight_back(store):
    ready(store, "ann")
    one = arrive(store)
    router = Router(store, offer_timeout=30, heartbeat_stale=3600)
    router.run_once()
    later = utcnow() + timedelta(seconds=31)
    assert (router.run_once(later).timed_out, offered_to(store, one)) == (1, None)
    router.run_once(later + timedelta(seconds=31))
    assert offered_to(store, one) == "ann"


def test_silent_agent_gets_no_offers_and_pending_offers_return(store):
    ready(store, "ann")
    ready(store, "bob")
    one = arrive(store)
    router = Router(store, offer_timeout=300, heartbeat_stale=15)
    router.run_once()
    assert offered_to(store, one) == "ann"
    later = utcnow() + timedelta(seconds=20)
    heartbeat(store, "bob", later)  # bob's workspace is still open; ann's went quiet
    done = router.run_once(later)
    assert (done.requeued, done.offered) == (1, 1)
    assert offered_to(store, one) == "bob"
    requeued = [e for e in store.events(one) if e.action == "requeued"]
    assert requeued[0].agent == "ann" and requeued[0].details["reason"] == "heartbeat lost"


def test_an_agent_gone_for_good_gives_back_what_they_accepted(store):
    ready(store, "ann")
    ready(store, "bob")
    one = arrive(store)
    router = Router(store, offer_timeout=300, heartbeat_stale=15, reclaim_after=300)
    router.run_once()
    store.apply(one, lambda it, _: it.accept("ann"))
    store.apply(one, lambda it, _: it.conference("ann", "bob"))
    soon = utcnow() + timedelta(seconds=200)
    heartbeat(store, "bob", soon)
    assert router.run_once(soon).reclaimed == 0  # ann may just have closed her laptop lid
    later = utcnow() + timedelta(seconds=301)
    heartbeat(store, "bob", later)
    done = router.run_once(later)
    assert (done.reclaimed, done.offered) == (1, 1)
    it = store.interaction(one)
    assert (it.state, it.agent, it.parties) == (State.OFFERED, "bob", ())
    requeued = [e for e in store.events(one) if e.action == "requeued"]
    assert requeued[0].agent == "ann"
    assert requeued[0].details["reason"] == "no heartbeat from its agent for 300 s"


def test_reclaiming_can_be_turned_off(store):
    ready(store, "ann")
    one = arrive(store)
    router = Router(store, offer_timeout=300, heartbeat_stale=15, reclaim_after=0)
    router.run_once()
    store.apply(one, lambda it, _: it.accept("ann"))
    assert router.run_once(utcnow() + timedelta(days=2)).reclaimed == 0
    assert store.interaction(one).state is State.ACCEPTED


def test_routing_pass_is_one_transaction(store):
    ready(store, "ann")
    one = arrive(store)
    router = Router(store, offer_timeout=30)

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    router._offer = boom  # the pass fails after routing: nothing of it is kept
    with pytest.raises(RuntimeError):
        router.run_once()
    it = store.interaction(one)
    assert (it.state, it.version) == (State.QUEUED, 0)
    with store.engine.connect() as conn:
        assert conn.execute(select(t.interactions.c.routed_at)).scalar() is None
    assert [e.action for e in store.events(one)] == ["arrived"]


def test_router_runs_as_a_loop_in_its_own_process(store):
    import subprocess
    import sys
    import time

    ready(store, "ann")
    one = arrive(store)
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.routing", "--db-url", store.url, "--interval", "0.1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().startswith("routing on Store(")
        deadline = time.monotonic() + 30
        while offered_to(store, one) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert offered_to(store, one) == "ann"
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0


def test_new_arrivals_are_found_without_reading_the_queue(sqlite_url):
    """A routing pass looks for the unrouted through the partial index of revision 0011: its
    cost follows the new arrivals, not the length of the queue."""
    from sqlalchemy import event

    from workbench.store import Store

    store = Store(sqlite_url)
    store.load_reference_data()
    seen: list[tuple[str, tuple[object, ...]]] = []

    def note(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", note)
    with store.transaction() as conn:
        assert store.routing.unrouted(conn, 10) == []
    event.remove(store.engine, "before_cursor_execute", note)
    ((statement, parameters),) = [s for s in seen if "routed_at IS NULL" in s[0]]
    with store.read() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        )
    assert "ix_interactions_unrouted" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    store.close()

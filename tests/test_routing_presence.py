"""Who is at a desk: an agent who lets offers time out in a row is set Not Ready (and told, and
the supervisor sees why); signing out, at the desk or by a closed page whose heartbeat stopped,
is logged, and the supervisor's "logged in" counts only those signed in. Real stores, real
workspaces, the router's time moved forward instead of waited for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.test_workspace import arrive, settings
from workbench.analytics import metrics
from workbench.domain import Action, utcnow
from workbench.routing import AgentState, Router, agent, heartbeat
from workbench.routing.agents import HEARTBEAT_STALE
from workbench.supervisor import DashboardModel
from workbench.widgets import AgentWorkspaceView
from workbench.widgets.dashboard.tables import AgentTablePanel
from workbench.workspace.desk import Desk

MISSED = "missed 2 offers in a row"


def agent_events(store, name):
    """The agent-level events of ``name`` (state changes, sign-outs), in order."""
    return [
        e
        for _, e in store.supervision.events_after(0)
        if e.agent == name and e.interaction_id is None
    ]


def router(store, **options):
    """The router as a separate service runs it; the time is moved forward by the tests."""
    return Router(store, offer_timeout=30, heartbeat_stale=3600, missed_offers=2, **options)


def later(seconds):
    return utcnow() + timedelta(seconds=seconds)


def test_two_offers_in_a_row_timed_out_set_the_agent_not_ready_with_the_reason(store, ann):
    first, second = arrive(store), arrive(store)
    ann.ready()
    route = router(store)
    route.run_once()
    assert [o.id for o in ann.poll()] == [first]
    one = route.run_once(later(31))  # nobody at ann's screen: the first offer times out
    assert (one.timed_out, one.not_ready) == (1, 0)
    assert agent(store, "ann").state is AgentState.READY  # one miss is not yet a pattern
    assert [o.id for o in ann.poll()] == [second]
    two = route.run_once(later(62))  # ... and the second
    assert (two.timed_out, two.not_ready) == (1, 1)

    gone = agent(store, "ann")
    assert (gone.state, gone.reason) == (AgentState.NOT_READY, MISSED)
    logged = agent_events(store, "ann")[-1]
    assert logged.action == Action.AGENT_STATE
    assert logged.details["reason"] == MISSED and logged.details["by"] == "router"
    assert logged.details["previous"] == "ready" and logged.details["missed_offers"] == 2
    # No more offers go to the empty desk.
    assert route.run_once(later(200)).offered == 0
    # The agent's desk says so: Not Ready, and why, with the way back.
    ann.poll()
    assert (ann.state, ann.reason) == (AgentState.NOT_READY, MISSED)
    view = AgentWorkspaceView(ann, live=False)
    try:
        assert view.state.value == "Not Ready"
        assert MISSED in view.notice.value and "Choose Ready" in view.notice.value
        view.ready()  # back at the screen
        assert view.notice.value == "" and agent(store, "ann").state is AgentState.READY
    finally:
        view.close()


def test_the_supervisor_sees_not_ready_and_why_in_the_agents_table(store, ann):
    arrive(store), arrive(store)
    ann.ready()
    route = router(store)
    route.run_once()
    route.run_once(later(31))
    route.run_once(later(62))
    table = DashboardModel(store, "sam").snapshot.metrics["agents"].table
    assert table is not None
    assert (table.loc["ann", "state"], table.loc["ann", "reason"]) == ("not_ready", MISSED)
    panel = AgentTablePanel(lambda _agent: None)
    panel.show(table)
    cells = [c.value for c in panel.grid.children if hasattr(c, "value")]
    assert any("not ready · " + MISSED in c for c in cells), cells


@pytest.mark.parametrize("answer", ["accept", "reject"])
def test_an_accepted_or_rejected_offer_starts_the_count_again(store, ann, answer):
    first, second, _third = arrive(store), arrive(store), arrive(store)
    ann.ready()
    route = router(store)
    route.run_once()
    assert [o.id for o in ann.poll()] == [first]
    route.run_once(later(31))  # missed one
    assert [o.id for o in ann.poll()] == [second]
    if answer == "accept":
        ann.accept(second)
        ann.set_disposition(second, "resolved")
        ann.done(second)
    else:
        ann.reject(second)
    route.run_once(later(32))
    assert len(ann.poll()) == 1  # the next offer (the third, or one declined a while ago)
    missed = route.run_once(later(70))  # missed one again: not two in a row
    assert (missed.timed_out, missed.not_ready) == (1, 0)
    assert agent(store, "ann").state is AgentState.READY


def test_no_missed_offers_rule_when_the_setting_is_zero(store, ann):
    arrive(store), arrive(store)
    ann.ready()
    route = Router(store, offer_timeout=30, heartbeat_stale=3600, missed_offers=0)
    route.run_once()
    route.run_once(later(31))
    assert route.run_once(later(62)).not_ready == 0
    assert agent(store, "ann").state is AgentState.READY


def test_the_desk_setting_reaches_the_router(store, tmp_path):
    from workbench.workspace import Workspace

    ws = Workspace("cy", store=store, settings=settings(WORKBENCH_MISSED_OFFERS="3"))
    try:
        assert ws.router is not None and ws.router.missed_offers == 3
    finally:
        ws.close()


# --- signing out ------------------------------------------------------------------------------


def logged_in(store):
    return DashboardModel(store, "sam").snapshot.kpis["logged_in"]


def test_signing_out_at_the_desk_is_logged_and_no_longer_counted_as_logged_in(store):
    desk = Desk(store, settings())
    dee, eli = desk.sign_in("dee"), desk.sign_in("eli")
    try:
        assert logged_in(store) == 2
        desk.sign_out(dee)
        out = agent_events(store, "dee")[-1]
        assert out.action == Action.AGENT_SIGNED_OUT
        assert out.details == {"why": "signed out at the desk"}
        assert logged_in(store) == 1
        table = DashboardModel(store, "sam").snapshot.metrics["agents"].table
        assert table is not None and table.loc["dee", "state"] == "offline"
        # Back at once, at this desk or another: a signed-out name is free.
        dee = desk.sign_in("dee")
        assert dee.state is AgentState.READY and logged_in(store) == 2
    finally:
        desk.sign_out(dee)
        desk.sign_out(eli)
    assert logged_in(store) == 0


def test_a_desk_page_closed_without_signing_out_is_signed_out_once_its_heartbeat_stops(store):
    desk = Desk(store, settings())
    dee = desk.sign_in("dee")
    dee.close()  # the page closed: its kernel and live loop are gone, no Sign out pressed
    assert logged_in(store) == 1
    route = Router(store, offer_timeout=30)
    assert route.run_once().signed_out == 0  # its heartbeat is still fresh
    heartbeat(store, "dee", later(-HEARTBEAT_STALE - 1))  # its last beat, a while ago now
    assert route.run_once().signed_out == 1
    assert route.run_once().signed_out == 0  # once
    gone = agent(store, "dee")
    assert (gone.state, gone.reason, gone.signed_in) == (AgentState.NOT_READY, "signed out", False)
    out = agent_events(store, "dee")[-1]
    assert out.action == Action.AGENT_SIGNED_OUT
    assert out.details == {"why": f"no heartbeat for {HEARTBEAT_STALE:g} s"}
    assert logged_in(store) == 0
    again = desk.sign_in("dee")  # the agent comes back
    try:
        assert logged_in(store) == 1
    finally:
        desk.sign_out(again)


def test_a_workspace_opened_again_after_signing_out_signs_the_agent_in(store):
    from workbench.workspace import Workspace

    desk = Desk(store, settings())
    desk.sign_out(desk.sign_in("dee"))
    assert logged_in(store) == 0
    ws = Workspace("dee", store=store, settings=settings())  # a notebook's desk, not Ready yet
    try:
        assert (ws.state, ws.reason) == (AgentState.NOT_READY, "logged in")
        assert logged_in(store) == 1
    finally:
        ws.close()


def test_staffing_counts_only_signed_in_agents():
    import pandas as pd

    from tests.test_metrics import NOW, desk, desk_events, frame, t
    from workbench.domain import Event

    ledger, events = frame(desk()), desk_events()
    assert metrics.staffing(ledger, events, NOW)["logged_in"] == 2
    left = Event("agent_signed_out", None, "bob", t(3950).to_pydatetime(), {"why": "signed out"})
    gone = pd.concat([events, metrics.events_frame([left])], ignore_index=True)
    assert metrics.staffing(ledger, gone, NOW)["logged_in"] == 1
    table = metrics.agent_table(ledger, gone, NOW).table
    assert table is not None
    assert (table.loc["bob", "state"], table.loc["bob", "reason"]) == ("offline", "signed out")
    assert (table.loc["ann", "state"], table.loc["ann", "reason"]) == ("ready", "")


def test_the_agent_is_told_in_their_language():
    from workbench import i18n
    from workbench.domain import Delivery, DeliveryState
    from workbench.widgets.post_tweet import posted_html
    from workbench.widgets.workspace import not_ready_html

    i18n.set_language("fr")
    try:
        said = not_ready_html(MISSED)
        assert "Vous êtes Pas prêt : 2 offres manquées d&#x27;affilée." in said
        assert "aucun signe de vie depuis 15 s" in not_ready_html("no heartbeat for 15 s")
        sent = posted_html("AcmeSupport", Delivery(DeliveryState.SENT, "k", "42"))
        assert "Envoyé sur @AcmeSupport · identifiant X <a href=" in sent
    finally:
        i18n.set_language(None)

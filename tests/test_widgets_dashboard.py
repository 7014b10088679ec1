"""The supervisor dashboard without a browser: filters, KPIs, charts, drill-down, actions."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import accepted_by_x
from tests.ledger_sample import sample_ledger
from tests.test_workspace import arrive, handled, settings
from workbench.analytics import metrics as m
from workbench.domain import Action, TransitionError
from workbench.supervisor import DashboardModel
from workbench.widgets import SupervisorDashboardView
from workbench.widgets.dashboard import sl_colour
from workbench.workspace import Workspace

NOW = pd.Timestamp("2026-03-02 17:00", tz="UTC")


def sample_view(frame=None):
    frame = sample_ledger(60) if frame is None else frame
    model = DashboardModel(lambda: frame, clock=lambda: NOW)
    return SupervisorDashboardView(model, live=False), frame


def bars(view):
    return sum(sum(t.y) for t in view.charts["volume"].data)


def test_a_filter_changes_what_every_chart_shows():
    view, frame = sample_view()
    assert bars(view) == len(frame)
    view.filters.pick("channel", "dm")
    dms = int((frame["channel"] == "dm").sum())
    assert bars(view) == dms
    assert [t.name for t in view.charts["volume"].data] == ["dm"]
    assert len(view.model.snapshot.rows) == dms
    view.filters.pick("channel", None)
    view.filters.pick("queue", "vip")
    assert bars(view) == int((frame["queue"] == "vip").sum())
    view.filters.pick_window("last hour")  # nothing arrived in the last hour of the sample
    assert bars(view) == 0
    assert view.charts["volume"].layout.annotations[0].text == "No interactions in this window"
    view.filters.choose_range("2026-03-02 08:00", "2026-03-02 10:00")
    early = frame[(frame["queue"] == "vip") & (frame["arrived_at"] < "2026-03-02 10:00Z")]
    assert bars(view) == len(early)
    assert view.model.snapshot.freq == "5min"


def test_kpis_equal_the_metrics_on_the_same_rows():
    view, frame = sample_view()
    k = view.model.snapshot.kpis
    assert k["in_queue"] == m.queue_now(frame, NOW)["depth"]
    assert k["service_level"] == m.service_level(frame, now=NOW)["service_level"]
    assert k["negative_share"] == m.shares(frame)["negative"]
    assert k["handled_today"] == int(frame["done_at"].notna().sum())
    assert f">{k['in_queue']}<" in view.kpis.value
    assert f">{k['service_level']:.0%}<" in view.kpis.value


def test_the_staffing_figure_says_what_it_rests_on():
    import re

    view, frame = sample_view()
    k = view.model.snapshot.kpis
    staffing = m.staffing(frame, now=NOW)
    assert k["arrivals_per_hour"] == staffing["arrivals_per_hour"]
    title = re.search(r'wb-kpi-staffing" title="([^"]*)"', view.kpis.value)
    assert title is not None
    rate = f"{staffing['arrivals_per_hour']:.1f}"
    assert f"{rate} arrivals an hour" in title.group(1)
    assert f"The {k['in_queue']} already waiting are not counted." in title.group(1)


def test_the_queue_clearing_figure_and_what_it_rests_on():
    import re

    from workbench.widgets.dashboard.controls import clearing, clearing_basis

    assert (clearing(None), clearing(float("inf")), clearing(750.0)) == ("-", "growing", "12.5 min")
    k = {
        "in_queue": 4,
        "ready": 2,
        "capacity": 1,
        "served_per_hour": 8.0,
        "handle_seconds": 450.0,
        "arrivals_per_hour": 6.0,
        "clear_seconds": 7200.0,
    }
    said = clearing_basis(k)
    assert "2 agents in Ready, 1 at a time each, answer about 8.0 an hour" in said
    assert "6.0 arrive an hour" in said and "The 4 waiting are answered in 2.0 h." in said
    assert "do not get fewer" in clearing_basis({**k, "clear_seconds": float("inf")})
    assert clearing_basis({**k, "clear_seconds": None}).startswith("It needs a handle time")
    view, _ = sample_view()
    kpis = view.model.snapshot.kpis
    cell = re.search(
        r'wb-kpi-clear-queue" title="([^"]*)"><div class="wb-kpi-value">([^<]*)<', view.kpis.value
    )
    assert cell is not None and cell.group(2) == clearing(kpis["clear_seconds"])
    assert "to clear the queue" in view.kpis.value


def test_the_service_level_colour():
    assert sl_colour(0.85, 0.8) == sl_colour(0.8, 0.8) == "#1a7f37"
    assert sl_colour(0.75, 0.8) == "#bf8700"
    assert sl_colour(0.65, 0.8) == "#cf222e"


def test_no_nan_reaches_a_chart():
    view, _ = sample_view()
    for chart in view.charts.values():
        for trace in chart.data:
            assert all(not (isinstance(v, float) and v != v) for v in (trace.y or ()))


def test_clicking_a_bar_lists_its_interactions_escaped():
    view, frame = sample_view()
    trace = view.charts["volume"].data[0]
    k = next(i for i, y in enumerate(trace.y) if y)
    view.click_bar("volume", trace.name, trace.x[k])
    start = pd.Timestamp(trace.x[k], tz="UTC")
    expected = frame[
        (frame["channel"] == trace.name)
        & (frame["arrived_at"] >= start)
        & (frame["arrived_at"] < start + pd.Timedelta("1h"))
    ]
    assert set(view.drill.rows["interaction_id"]) == set(expected["interaction_id"])
    assert "<b>" not in view.drill.body.value and "&lt;b&gt;" in view.drill.body.value
    view.click_bar("dispositions", "dispositions", "spam")
    assert set(view.drill.rows["disposition"]) == {"spam"}


def test_the_agent_table_sorts_and_drills_down():
    view, frame = sample_view()
    assert sorted(view.agents.rows()) == ["ann", "bob"]
    view.agents.sort_by("agent")
    assert view.agents.rows() == ["ann", "bob"]
    view.agents.sort_by("agent")
    assert view.agents.rows() == ["bob", "ann"]
    view.agents.agent_buttons["ann"].click()
    assert set(view.drill.rows["agent"]) == {"ann"}
    assert len(view.drill.rows) == int((frame["agent"] == "ann").sum())


def test_refresh_updates_the_charts_in_place():
    frames = [sample_ledger(20), sample_ledger(80, seed=2)]
    model = DashboardModel(lambda: frames[0], clock=lambda: NOW)
    view = SupervisorDashboardView(model, live=False)
    volume = view.charts["volume"]
    assert bars(view) == 20
    frames[0] = frames[1]
    view.refresh_button.click()
    assert view.charts["volume"] is volume and bars(view) == 80
    assert "wb-dashboard" in view._dom_classes
    # a browser view drawn later draws the synced fields: they hold the figure as it is now
    synced = sum(sum(t["y"]) for t in volume._widget_data)
    assert synced == 80 and volume._widget_layout["title"]["text"] == "Volume by channel"
    assert volume._widget_layout["meta"] == "volume"


def test_errors_in_the_status_are_escaped():
    view, _ = sample_view()
    view._show_error("<img src=x onerror=alert(1)>")
    assert "<img" not in view.status.value


@pytest.fixture
def desk(store, tmp_path):
    ann = Workspace("ann", store=store, mail_dir=tmp_path / "mail", settings=settings())
    bob = Workspace("bob", store=store, mail_dir=tmp_path / "mail", settings=settings())
    yield ann, bob
    ann.close()
    bob.close()


def test_a_live_store_refresh_reads_only_what_changed(store, desk):
    ann, _ = desk
    model = DashboardModel(store, "sam")
    view = SupervisorDashboardView(model, live=False)
    assert model.snapshot.kpis["in_queue"] == 0
    arrive(store)
    arrive(store)
    view.refresh()
    assert model.live.applied == 2
    assert bars(view) == 2 and model.snapshot.kpis["in_queue"] == 2
    assert ">2<" in view.kpis.value
    view.close()
    model.close()


def test_supervisor_actions_are_in_the_event_log(store, desk):
    ann, bob = desk
    iid = handled(store, ann)
    bob.ready()
    model = DashboardModel(store, "sam")
    view = SupervisorDashboardView(model, live=False)
    view.drill_agent("ann")
    form = view.actions
    assert list(form.interaction.options)[0][1] == iid
    form.interaction.value = iid
    form.target.value = "agent:bob"
    form.transfer_button.click()
    assert "transferred to bob" in form.message.value, form.message.value
    it = store.interaction(iid)
    assert it.agent == "bob" and it.state.value == "offered"
    moved = [e for e in store.events(iid) if e.action == Action.TRANSFERRED]
    assert moved[-1].agent == "sam" and moved[-1].details["from_agent"] == "ann"
    form.requeue_button.click()
    assert store.interaction(iid).state.value == "queued"
    requeued = [e for e in store.events(iid) if e.action == Action.REQUEUED]
    assert requeued[-1].details["by"] == "sam"
    form.agent.value = "ann"
    form.reason.value = "coaching"
    form.not_ready_button.click()
    states = [e for e in store.events() if e.action == Action.AGENT_STATE and e.agent == "ann"]
    assert states[-1].details["state"] == "not_ready" and states[-1].details["by"] == "sam"
    assert model.snapshot.metrics["agents"].table.loc["ann", "state"] == "not_ready"
    with pytest.raises(TransitionError, match="no queue named"):
        model.actions.transfer(iid, to_queue="nope")
    view.close()
    model.close()


def test_a_filter_with_nothing_under_it_empties_every_chart_and_the_agent_table(store, desk):
    ann, _ = desk
    iid = handled(store, ann)
    ann.reply(iid, "on it")
    assert accepted_by_x(store) == 1  # the reply reached the customer: a first response
    ann.set_disposition(iid, "resolved")
    ann.done(iid)
    model = DashboardModel(store, "sam")
    view = SupervisorDashboardView(model, live=False)
    assert view.charts["service_level"].data and view.charts["dispositions"].data
    assert view.agents.table.loc["ann", "handled"] == 1
    view.filters.pick("channel", "dm")  # no dm interaction in the window
    assert len(model.snapshot.rows) == 0
    for name, chart in view.charts.items():
        assert chart.data == (), (name, [t.name for t in chart.data])
        assert [a.text for a in chart.layout.annotations] in (
            ["No interactions in this window"],
            ["Nobody waiting at any sample"],
        ), name
        assert chart.layout.xaxis.visible is False and chart.layout.yaxis.visible is False
    assert view.agents.rows() == []
    assert "wb-agent-link" not in str([c._dom_classes for c in view.agents.grid.children])
    view.filters.pick("channel", None)  # and back: the traces and ann's row return
    assert [(t.x, t.y) for t in view.charts["dispositions"].data] == [((1,), ("Resolved",))]
    assert view.charts["service_level"].layout.xaxis.visible is True
    assert view.agents.table.loc["ann", "handled"] == 1
    view.close()
    model.close()


def test_the_dashboard_lists_the_queue_in_offer_order_with_the_reasons(store):
    from workbench.routing import Router, add_priority_rule

    add_priority_rule(store, "Lucia <i>VIP</i>", 50, handles=["lucia_gz"])
    plain = arrive(store, text="first come")
    vip = arrive(store, contact_id="5501234", text="<script>hi</script>")
    Router(store).run_once()
    view = SupervisorDashboardView(DashboardModel(store, "sam"), live=False)
    try:
        rows = view.next_offers.rows
        assert list(rows["id"]) == [vip, plain]
        assert rows.iloc[0]["reasons"] == ("Lucia <i>VIP</i> (+50)",)
        body = view.next_offers.body.value
        assert "Lucia &lt;i&gt;VIP&lt;/i&gt; (+50)" in body and "<script>" not in body
        assert "first come, first served" in body and "wb-wait-fresh" in body
    finally:
        view.close()


def test_a_supervisor_closes_the_interactions_shown_after_confirming(store, desk):
    ann, _ = desk
    held = handled(store, ann)
    spam = [arrive(store, text=f"<b>free</b> followers {k}") for k in range(3)]
    model = DashboardModel(store, "sam")
    view = SupervisorDashboardView(model, live=False)
    view.click_bar(
        "volume", "mention", model.snapshot.rows["arrived_at"].min().floor(model.snapshot.freq)
    )
    form = view.actions
    assert set(form.shown) == {held, *spam}
    assert "<b>free" not in view.drill.body.value  # the texts are escaped
    form.close_all_button.click()
    assert "as: pick the disposition" in form.message.value  # nothing asked, nothing closed
    assert form.confirm_box.layout.display == "none"
    form.close_disposition.value = "spam"
    form.close_list.value = (spam[0], spam[1])
    form.close_selected_button.click()
    assert form.confirm_box.layout.display == "flex"
    assert "Close 2 interactions as Spam or abuse?" in form.confirm_text.value
    form.close_disposition.value = "duplicate"  # another disposition: asked again
    assert form.confirm_box.layout.display == "none" and not form.pending_close
    form.close_disposition.value = "spam"
    form.close_selected_button.click()
    form.cancel_button.click()  # changed their mind: nothing happens
    assert form.confirm_box.layout.display == "none"
    assert all(store.interaction(i).state.value == "queued" for i in spam)
    form.close_list.value = (spam[0], spam[1])
    form.close_selected_button.click()
    form.close_note.value = "spam wave"
    form.confirm_button.click()
    assert "Closed 2 interactions as Spam or abuse." in form.message.value, form.message.value
    assert [store.interaction(i).state.value for i in spam] == ["done", "done", "queued"]
    assert store.interaction(spam[0]).note == "spam wave"
    # The drill-down was listed again: the closed ones are done there, no longer to close.
    assert set(form.shown) == {held, spam[2]}
    assert "done" in view.drill.body.value
    form.close_all_button.click()
    assert "Close 2 interactions" in form.confirm_text.value
    form.confirm_button.click()
    assert "Closed 2 interactions as Spam or abuse." in form.message.value
    assert store.interaction(held).state.value == "done"
    assert form.shown == [] and not ann.poll()
    closed = [e for e in store.events() if e.action == Action.CLOSED]
    assert len(closed) == 4 and {e.agent for e in closed} == {"sam"}
    assert model.snapshot.kpis["in_queue"] == 0
    form.close_all_button.click()
    assert "no open interaction" in form.message.value


def test_the_dashboard_shows_spend_by_brand_account_and_kind_and_per_handled(store, desk):
    from workbench.domain.cost import ApiCall, PriceKind
    from workbench.domain.event import utcnow

    ann, _ = desk
    iid = handled(store, ann)
    ann.set_disposition(iid, "resolved")
    ann.done(iid)
    evil = "<b>Acme</b>"
    store.api_calls.record(
        [
            ApiCall(
                utcnow(), evil, "POST /2/tweets", PriceKind.POST_CREATE_URL, 1, 200_000, "p", iid
            ),
            ApiCall(
                utcnow(),
                "AcmeDeals",
                "GET /2/users/:id/mentions",
                PriceKind.OWNED_READ,
                50,
                50_000,
                "pay-per-use",
            ),
        ]
    )
    now = pd.Timestamp.now(tz="UTC")
    model = DashboardModel(store, "sam", clock=lambda: now)
    view = SupervisorDashboardView(model, live=False)
    kpis = model.snapshot.kpis
    assert kpis["spend_today"] == pytest.approx(0.25) == kpis["spend_month"]
    assert kpis["cost_per_handled"] == pytest.approx(0.25)  # one handled interaction
    assert "$0.25" in view.kpis.value and "X cost per handled" in view.kpis.value
    table = view.spend.table
    assert table.loc[(evil, "post_create_url"), "today"] == pytest.approx(0.2)
    assert table.loc[("AcmeDeals", "owned_read"), "calls_month"] == 1
    assert "<b>Acme</b>" not in view.spend.body.value  # an account name is escaped
    assert "@&lt;b&gt;Acme&lt;/b&gt;" in view.spend.body.value
    assert "$0.20" in view.spend.body.value and "owned read" in view.spend.body.value
    assert "cost per handled interaction in the window: $0.25" in view.spend.per_handled.value
    ledger_row = model.frame.set_index("interaction_id").loc[iid]
    assert ledger_row["api_cost"] == pytest.approx(0.2)
    # A new call shows on the next refresh, read from what was recorded since.
    store.api_calls.record(
        [
            ApiCall(
                utcnow(),
                "AcmeDeals",
                "POST /2/tweets",
                PriceKind.SUMMONED_REPLY,
                1,
                10_000,
                "pay-per-use",
                iid,
            )
        ]
    )
    view.refresh()
    assert model.live.calls_applied == 1
    assert model.snapshot.kpis["spend_today"] == pytest.approx(0.26)
    assert model.frame.set_index("interaction_id").loc[iid, "api_cost"] == pytest.approx(0.21)
    model.set_filters(timeline="AcmeDeals")
    assert model.snapshot.kpis["spend_today"] == pytest.approx(0.06)
    view.close()
    model.close()


def test_the_dashboard_names_dispositions_by_their_labels_from_the_store(store, desk, tmp_path):
    """As the desk shows them: the store's labels (a code the shipped data does not have
    included), in the chart, the drill-down's title and the close form; never the codes."""
    import json
    import shutil

    from workbench.reference import data_dir

    ours = tmp_path / "data"
    shutil.copytree(str(data_dir()), ours)
    codes = json.loads((ours / "dispositions.json").read_text())
    codes.append({"code": "warranty_claim", "label": "Warranty claim filed", "no_action": False})
    (ours / "dispositions.json").write_text(json.dumps(codes))
    store.load_reference_data(ours)
    ann, _ = desk
    for code in ("answered_question", "warranty_claim", "answered_question"):
        iid = handled(store, ann)
        ann.set_disposition(iid, code)
        ann.done(iid)
    model = DashboardModel(store, "sam")
    view = SupervisorDashboardView(model, live=False)
    try:
        (bars,) = view.charts["dispositions"].data
        assert list(bars.y) == ["Question answered", "Warranty claim filed"]
        assert list(bars.x) == [2, 1] and list(bars.customdata) == [
            "answered_question",
            "warranty_claim",
        ]
        shown = [str(v) for v in (*bars.y, view.charts["dispositions"].layout.title.text)]
        assert not {"answered_question", "warranty_claim"} & {w for s in shown for w in s.split()}
        view.click_bar("dispositions", "dispositions", "warranty_claim")  # a bar: its code
        assert "Done as Warranty claim filed" in view.drill.title.value
        assert set(view.drill.rows["disposition"]) == {"warranty_claim"}
        labels = [label for label, _ in view.actions.close_disposition.options]
        assert "Warranty claim filed" in labels and "Question answered" in labels
        assert not [label for label in labels if "(" in label or "_" in label]
    finally:
        view.close()
        model.close()


def test_the_dispositions_chart_speaks_the_reader_s_language(store, desk):
    from workbench.i18n import set_language

    ann, _ = desk
    iid = handled(store, ann)
    ann.set_disposition(iid, "answered_question")
    ann.done(iid)
    set_language("fr")
    try:
        model = DashboardModel(store, "sam")
        view = SupervisorDashboardView(model, live=False)
        (bars,) = view.charts["dispositions"].data
        assert bars.y[0] != "Question answered" and bars.y[0] != "answered_question"
        from workbench.i18n import _

        assert bars.y[0] == _("Question answered")
        view.close()
        model.close()
    finally:
        set_language(None)


def test_the_agent_table_s_columns_fit_names_and_headers():
    """Each column as wide as what it holds: an agent's name whole, a header on as many
    lines as it needs, never cut short (ipywidgets buttons cut with an ellipsis)."""
    from workbench.widgets.dashboard.tables import AGENT_STYLE, AgentTablePanel

    panel = AgentTablePanel(lambda _agent: None)
    assert AGENT_STYLE in panel.children[0].value
    assert "grid-template-columns:max-content" in AGENT_STYLE
    assert ".wb-sort{white-space:normal;height:auto" in AGENT_STYLE
    assert ".wb-agent-link{width:max-content" in AGENT_STYLE
    assert not panel.grid.layout.grid_template_columns  # the style's columns, not auto ones

from __future__ import annotations

import pandas as pd

from tests.ledger_sample import sample_ledger
from workbench.widgets import SupervisorDashboardView


def test_dashboard_refresh_updates_charts_in_place():
    frames = [sample_ledger(20), sample_ledger(80, seed=2)]
    view = SupervisorDashboardView(lambda: frames[0], live=False)
    volume = view.charts["volume"]
    assert sum(sum(t.y) for t in volume.data) == 20
    assert ">20<" in view.kpis.value
    frames[0] = frames[1]
    view.refresh_button.click()
    assert view.charts["volume"] is volume
    assert sum(sum(t.y) for t in volume.data) == 80
    assert ">80<" in view.kpis.value
    assert "wb-dashboard" in view._dom_classes


def test_dashboard_escapes_errors_in_its_status():
    view = SupervisorDashboardView(sample_ledger, live=False)
    view._show_error("<img src=x onerror=alert(1)>")
    assert "<img" not in view.status.value


def test_the_dashboard_refreshes_through_a_live_ledger(tmp_path):
    """Each refresh applies only the events appended since: the frame and charts follow."""
    import uuid
    from datetime import UTC, datetime

    from workbench.analytics import LiveLedger, ledger
    from workbench.domain import Channel, Contact, Event, Interaction
    from workbench.store import Store

    store = Store(f"sqlite:///{tmp_path / 'wb.db'}")
    try:
        store.load_reference_data()
        store.upsert_contact(Contact("42", "dana"))
        live = LiveLedger(store)
        view = SupervisorDashboardView(live, live=False)
        assert ">0<" in view.kpis.value
        at = datetime.now(UTC)
        batch = []
        for k in range(3):
            it = Interaction(uuid.uuid4().hex, Channel.MENTION, "42", f"t{k}", arrived_at=at)
            batch.append((it, [Event("arrived", it.id, at=at, details={})]))
        store.add_interactions(batch)
        view.refresh_button.click()
        assert live.applied == 3  # the three new events, nothing older
        assert ">3<" in view.kpis.value
        assert sum(sum(t.y) for t in view.charts["volume"].data) == 3
        pd.testing.assert_frame_equal(live.frame, ledger(store=store))
        view.close()
    finally:
        store.close()


def test_the_live_dashboard_redraws_when_something_happens(tmp_path):
    """Woken by the store's change feed long before its interval (60 s here)."""
    import asyncio
    import uuid
    from datetime import UTC, datetime

    from tests.aio import run_in_own_loop, until
    from workbench.analytics import LiveLedger
    from workbench.domain import Channel, Contact, Event, Interaction
    from workbench.store import Store

    store = Store(f"sqlite:///{tmp_path / 'wb.db'}")
    store.load_reference_data()
    store.upsert_contact(Contact("42", "dana"))
    feed = store.changes()

    async def scenario() -> tuple[str, str]:
        view = SupervisorDashboardView(LiveLedger(store), interval=60.0, live=False, wake=feed.wait)
        before = view.kpis.value
        view.live.value = True
        await asyncio.sleep(0.2)
        at = datetime.now(UTC)
        it = Interaction(uuid.uuid4().hex, Channel.MENTION, "42", tweet_id="t1", arrived_at=at)
        store.add_interactions([(it, [Event("arrived", it.id, at=at, details={})])])
        await until(lambda: view.kpis.value != before)
        after = view.kpis.value
        view.close()
        return before, after

    try:
        before, after = run_in_own_loop(scenario)
    finally:
        feed.close()
        store.close()
    assert ">0<" in before and ">1<" in after

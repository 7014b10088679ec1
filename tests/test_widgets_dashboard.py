from __future__ import annotations

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

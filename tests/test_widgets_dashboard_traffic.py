"""What a live dashboard sends its page on each refresh: only what changed. A refresh that made
its agents table anew sent some 160 new widgets each time, on and on after the page's tab was
closed (the kernel runs on), and Lab's log filled with WebSocketClosedError as they met the
closed socket."""

from __future__ import annotations

from datetime import timedelta

import ipywidgets.widgets.widget as widget_module
import pytest

from workbench.routing import set_agent_state
from workbench.simulate.history import fill_history
from workbench.supervisor import DashboardModel
from workbench.widgets import SupervisorDashboardView


@pytest.fixture
def new_widgets(monkeypatch):
    """How many widgets (comms to the page) were opened since the last look."""
    opened: list[object] = []
    create = widget_module.comm.create_comm

    def counting(*args, **kwargs):
        opened.append(kwargs.get("target_name"))
        return create(*args, **kwargs)

    monkeypatch.setattr(widget_module.comm, "create_comm", counting)

    def since() -> int:
        n = len(opened)
        opened.clear()
        return n

    return since


def test_a_refresh_opens_no_new_widgets_on_the_page(store, new_widgets):
    fill_history(store, timedelta(hours=6), seed=1)  # six agents with a day's worth of work
    view = SupervisorDashboardView(DashboardModel(store, "sam"), live=False)
    try:
        assert len(view.agents.agent_buttons) == 6
        new_widgets()
        view.refresh()
        assert new_widgets() == 0
        # An agent's state changes: their row says so, in the widgets it had.
        (first, *_) = view.agents.agent_buttons
        set_agent_state(store, first, "not_ready", "coaching")
        view.refresh()
        assert new_widgets() == 0
        cells = [c.value for c in view.agents.grid.children if hasattr(c, "value")]
        assert any("not ready · coaching" in c for c in cells)
    finally:
        view.close()

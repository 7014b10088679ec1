"""The supervisor dashboard (``SupervisorDashboardView``) and its panels, and the wallboard
(``WallboardView``)."""

from __future__ import annotations

from workbench.widgets.dashboard.actions import SupervisorActionsForm
from workbench.widgets.dashboard.charts import ChartsPanel
from workbench.widgets.dashboard.controls import DashboardFiltersForm, KpiPanel, sl_colour
from workbench.widgets.dashboard.tables import AgentTablePanel, DrillDownPanel
from workbench.widgets.dashboard.view import SupervisorDashboardView
from workbench.widgets.dashboard.wallboard import WallboardView

__all__ = [
    "AgentTablePanel",
    "ChartsPanel",
    "DashboardFiltersForm",
    "DrillDownPanel",
    "KpiPanel",
    "SupervisorActionsForm",
    "SupervisorDashboardView",
    "WallboardView",
    "sl_colour",
]

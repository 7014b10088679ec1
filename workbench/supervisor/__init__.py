"""The supervisor's side: the dashboard's model (live ledger, filters, figures) and the actions a
supervisor takes on agents and interactions."""

from __future__ import annotations

from workbench.supervisor.actions import SupervisorActions
from workbench.supervisor.model import WINDOWS, DashboardModel, Filters, Snapshot

__all__ = ["WINDOWS", "DashboardModel", "Filters", "Snapshot", "SupervisorActions"]

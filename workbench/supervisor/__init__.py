"""The supervisor"s side: the dashboard"s model (live ledger, filters, figures) and the actions a
supervisor takes on agents and interactions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._lazy import export

if TYPE_CHECKING:
    from workbench.supervisor.actions import SupervisorActions
    from workbench.supervisor.model import WINDOWS, DashboardModel, Filters, Snapshot

_EXPORTS = {
    "DashboardModel": "workbench.supervisor.model",
    "Filters": "workbench.supervisor.model",
    "Snapshot": "workbench.supervisor.model",
    "SupervisorActions": "workbench.supervisor.actions",
    "WINDOWS": "workbench.supervisor.model",
}
__all__ = ["DashboardModel", "Filters", "Snapshot", "SupervisorActions", "WINDOWS"]


def __getattr__(name: str) -> Any:
    return export(__name__, _EXPORTS, name)

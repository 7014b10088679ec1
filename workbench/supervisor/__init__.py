"""The supervisor"s side: the dashboard"s model (live ledger, filters, figures) and the actions a
supervisor takes on agents and interactions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._lazy import export

if TYPE_CHECKING:
    from workbench.supervisor.actions import BulkClose, SupervisorActions, close_many
    from workbench.supervisor.model import (
        WINDOWS,
        DashboardModel,
        Filters,
        Snapshot,
        filters_from_query,
    )

_EXPORTS = {
    "BulkClose": "workbench.supervisor.actions",
    "DashboardModel": "workbench.supervisor.model",
    "Filters": "workbench.supervisor.model",
    "Snapshot": "workbench.supervisor.model",
    "SupervisorActions": "workbench.supervisor.actions",
    "WINDOWS": "workbench.supervisor.model",
    "close_many": "workbench.supervisor.actions",
    "filters_from_query": "workbench.supervisor.model",
}
__all__ = [
    "WINDOWS",
    "BulkClose",
    "DashboardModel",
    "Filters",
    "Snapshot",
    "SupervisorActions",
    "close_many",
    "filters_from_query",
]


def __getattr__(name: str) -> Any:
    return export(__name__, _EXPORTS, name)

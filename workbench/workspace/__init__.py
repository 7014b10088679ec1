"""The agent's workspace model: offers, interactions and every action, observable by views."""

from __future__ import annotations

from workbench.workspace._observable import Changed
from workbench.workspace.workspace import CALL_OUTCOMES, POLL_INTERVAL, Workspace

__all__ = ["CALL_OUTCOMES", "POLL_INTERVAL", "Changed", "Workspace"]

"""The agent's workspace model: the session (state, offers, interactions, live loop), the actions
on an interaction, and the ports (outbox, gateway) it is handed; observable by views."""

from __future__ import annotations

from workbench.workspace._checks import CALL_OUTCOMES, DM_MAX_LENGTH
from workbench.workspace._observable import Changed
from workbench.workspace._plan import PlanRefusal
from workbench.workspace.actions import SYSTEM_LINES, Actions, system_line
from workbench.workspace.ports import GatewayPort, OutboxPort
from workbench.workspace.session import POLL_INTERVAL, Session
from workbench.workspace.workspace import Workspace

__all__ = [
    "CALL_OUTCOMES",
    "DM_MAX_LENGTH",
    "POLL_INTERVAL",
    "SYSTEM_LINES",
    "Actions",
    "Changed",
    "GatewayPort",
    "OutboxPort",
    "PlanRefusal",
    "Session",
    "Workspace",
    "system_line",
]

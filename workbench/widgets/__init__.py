"""ipywidgets views over the workbench's models: thin, no business rules.

Every control a user can press has a method code and tests can call, and a stable ``wb-...``
CSS class.
"""

from __future__ import annotations

from workbench.widgets.dashboard import SupervisorDashboardView
from workbench.widgets.interaction import InteractionView
from workbench.widgets.post_tweet import PostTweetForm
from workbench.widgets.toast import OfferToast
from workbench.widgets.workspace import AgentWorkspaceView

__all__ = [
    "AgentWorkspaceView",
    "InteractionView",
    "OfferToast",
    "PostTweetForm",
    "SupervisorDashboardView",
]

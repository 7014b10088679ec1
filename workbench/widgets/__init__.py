"""ipywidgets views over the workbench's models: thin, no business rules.

Every control a user can press has a method code and tests can call, and a stable ``wb-...``
CSS class. The views are imported when first used: the desk app's sign-in form does not wait
for the dashboard's pandas and plotly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._lazy import export

if TYPE_CHECKING:
    from workbench.widgets.dashboard import SupervisorDashboardView
    from workbench.widgets.interaction import InteractionView
    from workbench.widgets.post_tweet import PostTweetForm
    from workbench.widgets.toast import OfferToast
    from workbench.widgets.workspace import AgentWorkspaceView

_EXPORTS = {
    "AgentWorkspaceView": "workbench.widgets.workspace",
    "InteractionView": "workbench.widgets.interaction",
    "OfferToast": "workbench.widgets.toast",
    "PostTweetForm": "workbench.widgets.post_tweet",
    "SupervisorDashboardView": "workbench.widgets.dashboard",
}
__all__ = [
    "AgentWorkspaceView",
    "InteractionView",
    "OfferToast",
    "PostTweetForm",
    "SupervisorDashboardView",
]


def __getattr__(name: str) -> Any:
    return export(__name__, _EXPORTS, name)

"""ipywidgets views over the workbench's models: thin, no business rules.

Every control a user can press has a method code and tests can call, and a stable ``wb-...``
CSS class.
"""

from __future__ import annotations

from workbench.widgets.dashboard import SupervisorDashboardView

__all__ = ["SupervisorDashboardView"]

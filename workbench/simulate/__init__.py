"""A simulated team for demos: live agents working through the same ``Workspace`` as a person
(``team.py``), and days of handled history written in the past (``history.py``); the
``workbench simulate`` command (``command.py``) runs them, only against the sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._lazy import export

if TYPE_CHECKING:
    from workbench.simulate.history import fill_history, parse_span
    from workbench.simulate.team import SimAgent, Team

_EXPORTS = {
    "SimAgent": "workbench.simulate.team",
    "Team": "workbench.simulate.team",
    "fill_history": "workbench.simulate.history",
    "parse_span": "workbench.simulate.history",
}
__all__ = ["SimAgent", "Team", "fill_history", "parse_span"]


def __getattr__(name: str) -> Any:
    return export(__name__, _EXPORTS, name)

"""A simulated team for demos: live agents working through the same ``Workspace`` as a person
(``team.py``), and days of handled history written in the past (``history.py``); the
``workbench simulate`` command (``command.py``) runs them, only against the sandbox."""

from __future__ import annotations

from workbench.simulate.history import fill_history, parse_span
from workbench.simulate.team import SimAgent, Team

__all__ = ["SimAgent", "Team", "fill_history", "parse_span"]

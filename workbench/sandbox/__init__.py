"""A local X API v2 sandbox: the embedded default for demos, and the tests' double.

``start(seed=..., traffic=..., plan=...)`` runs it in a background thread and returns a
``RunningSandbox`` with ``.url`` and ``.stop()``; ``workbench sandbox`` runs it from the shell.
It enforces an X access plan (``plan``, default the ``WORKBENCH_X_PLAN`` setting) and X's rate
limits (``workbench/data/x_limits.json``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.sandbox.server import RunningSandbox
    from workbench.sandbox.world import World

__all__ = ["RunningSandbox", "World", "start"]


def start(**kwargs: Any) -> RunningSandbox:
    """Start a sandbox in this process (see ``workbench.sandbox.server.start``)."""
    from workbench.sandbox.server import start as _start

    return _start(**kwargs)


def __getattr__(name: str) -> Any:
    if name == "RunningSandbox":
        from workbench.sandbox.server import RunningSandbox

        return RunningSandbox
    if name == "World":
        from workbench.sandbox.world import World

        return World
    raise AttributeError(name)

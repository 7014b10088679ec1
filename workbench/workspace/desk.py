"""Signing in to the desk: who the agent is and which queues they take, then their workspace.

The model behind ``workbench desk`` (the app) and its sign-in form: it lists the queues, checks
the name, refuses a name already signed in elsewhere (two desks of one agent would take offers
twice), and opens the agent's ``Workspace`` on the shared store.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.config import Settings
from workbench.domain import utcnow
from workbench.errors import ValidationError
from workbench.routing.agents import HEARTBEAT_STALE, sign_out
from workbench.routing.queues import Queue, queues
from workbench.store import NotFoundError, Store
from workbench.workspace.workspace import Workspace


class Desk:
    """Sign-ins to one store; ``x_api_url`` is where the workspaces send (the sandbox by
    default)."""

    def __init__(
        self, store: Store, settings: Settings | None = None, x_api_url: str | None = None
    ) -> None:
        self.store = store
        self.settings = settings or Settings.from_env()
        self.x_api_url = x_api_url

    def queues(self) -> list[Queue]:
        return queues(self.store)

    def sign_in(
        self, name: str, display_name: str = "", chosen: Sequence[str] | None = None
    ) -> Workspace:
        """The agent's workspace, Ready to take offers from ``chosen`` queues (None or empty:
        every queue there is)."""
        name = (name or "").strip()
        if not name:
            raise ValidationError("agent", "your name is required to sign in")
        if len(name) > 64 or any(c.isspace() for c in name):
            raise ValidationError(
                "agent", f"a name of 1 to 64 characters without spaces is required, got {name!r}"
            )
        try:
            known = self.store.agents.get(name)
        except NotFoundError:
            known = None
        # Signed out (here, or by the router when a desk went silent): free to sign in again.
        if known is not None and known.signed_in and known.online(utcnow(), HEARTBEAT_STALE):
            raise ValidationError(
                "agent",
                f"{name} is signed in at another desk (its heartbeat is recent); sign out there "
                "first, or wait a minute after closing it",
            )
        ws = Workspace(
            name,
            x_api_url=self.x_api_url,
            display_name=display_name.strip(),
            queues=list(chosen) if chosen else [q.name for q in self.queues()],
            store=self.store,
            settings=self.settings,
        )
        ws.ready()
        return ws

    def sign_out(self, ws: Workspace) -> None:
        """Signed out (Not Ready, "signed out", and an ``agent_signed_out`` event: no longer
        counted as logged in; what is open stays the agent's until the reclaim time-out), then
        close. A desk page closed without signing out is signed out by the router once its
        heartbeat stops."""
        try:
            ws.stop()  # no poll of the live loop beats the heartbeat after the sign-out
            sign_out(self.store, ws.agent)
        finally:
            ws.close()

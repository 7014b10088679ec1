"""Agents: who takes offers, in which state, with how much room, and whether they are still there.

An agent is Ready (takes offers), Not Ready (with a reason) or in After Call Work. Each open
workspace beats a heartbeat; an agent whose heartbeat is older than ``HEARTBEAT_STALE`` gets no
offers and the router returns its pending offers to the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from workbench.domain.event import utcnow

HEARTBEAT_INTERVAL = 5.0
"""Seconds between heartbeats of an open workspace."""
HEARTBEAT_STALE = 3 * HEARTBEAT_INTERVAL
"""An agent silent for longer than this is gone: no offers, pending offers are requeued, and
the router signs them out."""
SIGNED_OUT = "signed out"
"""The Not Ready reason of an agent who left the desk (signed out, or their desk went silent)."""
LOGGED_IN = "logged in"
"""The Not Ready reason of an agent who just opened a desk and has not chosen Ready yet."""


def missed_offers_reason(missed: int) -> str:
    """The Not Ready reason the router gives an agent who let ``missed`` offers in a row time
    out (``WORKBENCH_MISSED_OFFERS``)."""
    return f"missed {missed} offer{'' if missed == 1 else 's'} in a row"


class AgentState(str, Enum):
    """Whether the agent takes offers."""

    READY = "ready"
    NOT_READY = "not_ready"
    AFTER_CALL_WORK = "after_call_work"


@dataclass(frozen=True)
class Agent:
    """An agent as the router sees them."""

    name: str
    display_name: str
    state: AgentState
    reason: str
    capacity: int
    heartbeat_at: datetime | None
    idle_since: datetime | None
    queues: tuple[str, ...] | None
    """The queues the agent takes offers from; None means every queue."""

    def online(self, now: datetime | None = None, stale: float = HEARTBEAT_STALE) -> bool:
        """Whether the agent's heartbeat is recent enough."""
        if self.heartbeat_at is None:
            return False
        return (now or utcnow()) - self.heartbeat_at <= timedelta(seconds=stale)

    @property
    def signed_in(self) -> bool:
        """Whether the agent is at a desk: not signed out (by themselves or by the router, when
        their heartbeat lapsed)."""
        return not (self.state is AgentState.NOT_READY and self.reason == SIGNED_OUT)

    def serves(self, queue: str) -> bool:
        return self.queues is None or queue in self.queues

    @property
    def initials(self) -> str:
        words = (self.display_name or self.name).replace("_", " ").replace(".", " ").split()
        return "".join(w[0].upper() for w in words if w) or self.name[:1].upper()

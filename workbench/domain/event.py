"""The append-only event log's entry: who did what, when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Event:
    """One fact in the log. ``interaction_id`` is None for agent-level events (ready, ...)."""

    action: str
    interaction_id: str | None = None
    agent: str | None = None
    at: datetime = field(default_factory=utcnow)
    details: dict[str, Any] = field(default_factory=dict)

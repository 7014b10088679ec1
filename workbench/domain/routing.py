"""Queues and routing rules: where an arriving interaction waits, and which rule sends it there.

Rules are what a supervisor edits: each names a queue and the conditions it needs (channel,
timeline, a minimum follower count for VIPs, actionability); an empty condition matches
anything. The first match by position wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbench.domain.classification import Actionability


@dataclass(frozen=True)
class Queue:
    name: str
    label: str


@dataclass(frozen=True)
class Rule:
    """Send interactions matching every given condition to ``queue``."""

    id: int
    position: int
    queue: str
    channel: str | None = None
    timeline: str | None = None
    min_followers: int | None = None
    actionability: str | None = None

    def matches(
        self, channel: str, timeline: str, followers_count: int, actionability: str
    ) -> bool:
        return (
            (self.channel is None or self.channel == channel)
            and (self.timeline is None or self.timeline.lower() == (timeline or "").lower())
            and (self.min_followers is None or followers_count >= self.min_followers)
            and (self.actionability is None or self.actionability == actionability)
        )


def queue_for(
    rules: Sequence[Rule],
    channel: str,
    timeline: str = "",
    followers_count: int = 0,
    actionability: str = Actionability.UNDECLARED.value,
) -> Rule | None:
    """The first rule (by position) that matches, or None."""
    for rule in rules:
        if rule.matches(channel, timeline, followers_count, actionability):
            return rule
    return None

"""Time pressure and priority: how long a customer has waited, and which interaction goes first.

Priority rules are what a supervisor edits (``routing.priorities``): each names the points it
adds and the conditions it needs; an interaction's priority is the sum of the points of every
rule it matches, and the router offers the highest first, then the longest wait.

Two kinds of rule:

- **who and what**: conditions on the customer (a minimum follower count, X's verified badge,
  a VIP list of handles) and on the message (sentiment, actionability). Every given condition
  must hold. They are matched once, when the interaction is routed; the names of those that
  matched are its ``priority_reasons``.
- **waiting time**: ``waited_minutes`` alone (no other condition). It adds its points once the
  customer has waited that long, so a waiting interaction climbs as time passes; the router
  applies it at each pass in its query (``store.routing``), from ``waiting_since``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


@dataclass(frozen=True)
class PriorityRule:
    """Add ``points`` to interactions matching every given condition."""

    id: int
    position: int
    name: str
    points: int
    min_followers: int | None = None
    verified: bool | None = None
    sentiment: str | None = None
    actionability: str | None = None
    waited_minutes: int | None = None
    handles: tuple[str, ...] = ()
    """A VIP list: the customer's X handle is one of these (without @, any case)."""

    @property
    def on_wait(self) -> bool:
        """A waiting-time rule (applied as the wait grows, not at routing)."""
        return self.waited_minutes is not None

    def matches(self, facts: PriorityFacts) -> bool:
        """Whether a who-and-what rule holds for ``facts`` (a waiting-time rule never does
        here: see ``waited``)."""
        if self.on_wait:
            return False
        handles = {h.lower() for h in self.handles}
        return (
            (self.min_followers is None or facts.followers_count >= self.min_followers)
            and (self.verified is None or facts.verified == self.verified)
            and (self.sentiment is None or facts.sentiment == self.sentiment)
            and (self.actionability is None or facts.actionability == self.actionability)
            and (not handles or facts.username.lower() in handles)
        )

    def waited(self, since: datetime | None, now: datetime) -> bool:
        """Whether a waiting-time rule holds: the customer has waited at least its minutes."""
        return (
            self.waited_minutes is not None
            and since is not None
            and now - since >= timedelta(minutes=self.waited_minutes)
        )

    @property
    def label(self) -> str:
        """The rule as a reason: its name and its points."""
        return f"{self.name} ({self.points:+d})"


@dataclass(frozen=True)
class PriorityFacts:
    """What the who-and-what rules look at."""

    username: str
    followers_count: int = 0
    verified: bool = False
    sentiment: str = "undeclared"
    actionability: str = "undeclared"


def priority_of(rules: Iterable[PriorityRule], facts: PriorityFacts) -> tuple[int, tuple[str, ...]]:
    """The points of the who-and-what rules ``facts`` match, and the rules' labels (by
    position)."""
    matched = [r for r in rules if r.matches(facts)]
    return sum(r.points for r in matched), tuple(r.label for r in matched)


def priority_now(
    rules: Sequence[PriorityRule],
    priority: int,
    reasons: Sequence[str],
    waiting_since: datetime | None,
    now: datetime,
) -> tuple[int, tuple[str, ...]]:
    """An interaction's priority at ``now``: what it got when routed plus the waiting-time
    rules its wait meets, with every reason (what the router orders by, and what a supervisor
    is shown)."""
    waits = [r for r in rules if r.waited(waiting_since, now)]
    return priority + sum(r.points for r in waits), (*reasons, *(r.label for r in waits))


class WaitLevel(str, Enum):
    """A wait against the service-level threshold: within half of it, within it, past it."""

    FRESH = "fresh"
    NEAR = "near"
    LATE = "late"


def wait_level(waited: timedelta, threshold: timedelta) -> WaitLevel:
    """How a wait stands against the service-level threshold."""
    if waited >= threshold:
        return WaitLevel.LATE
    if waited >= threshold / 2:
        return WaitLevel.NEAR
    return WaitLevel.FRESH


def wait_words(waited: timedelta) -> str:
    """A wait as a person says it: ``45 s``, ``12 min``, ``3 h 05 min``, ``2 d 4 h``."""
    seconds = max(0, int(waited.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"

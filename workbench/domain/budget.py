"""X's rate limits as a budget: when the next request to an endpoint may go out, and how to say
it ("X allows 15 DMs per 15 minutes; goes out in about 4 min").

The limits are data (``workbench/data/x_limits.json``, read by ``workbench.x_rules``): one table
that the sandbox enforces and the workbench paces itself by. ``LimitTable.from_dict(parsed)``
types it; ``Budget`` is one window of one endpoint for one account, given the last
``x-rate-limit-*`` headers seen and the sends made since.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.domain.errors import WorkbenchError

SCOPES = ("app", "user")


class LimitTableError(WorkbenchError):
    """The limit table (``x_limits.json``) breaks one of its rules; names the entry and rule."""


@dataclass(frozen=True)
class Window:
    """``limit`` requests per ``seconds``, counted per app or per user (the brand account)."""

    limit: int
    seconds: float
    scope: str = "user"

    @property
    def span(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    @property
    def daily(self) -> bool:
        """A 24-hour window (X reports it in ``x-{app,user}-limit-24hour-*`` headers)."""
        return self.seconds >= 86_400


@dataclass(frozen=True)
class EndpointLimits:
    """An endpoint's windows (``"POST /2/tweets"``) and the noun for what it counts."""

    endpoint: str
    noun: str
    windows: tuple[Window, ...]
    source: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def of(self, scope: str) -> tuple[Window, ...]:
        return tuple(w for w in self.windows if w.scope == scope)

    def shortest(self, scope: str) -> Window | None:
        """The window X reports in ``x-rate-limit-*`` for this scope (the 15-minute one)."""
        mine = self.of(scope)
        return min(mine, key=lambda w: w.seconds) if mine else None


def _windows(where: str, raw: Mapping[str, Any]) -> tuple[Window, ...]:
    out: list[Window] = []
    for scope in SCOPES:
        for i, w in enumerate(raw.get(scope, ())):
            limit, seconds = w.get("limit"), w.get("seconds")
            if not isinstance(limit, int) or limit < 1:
                raise LimitTableError(f"{where}.{scope}[{i}].limit: a whole number >= 1")
            if not isinstance(seconds, int | float) or seconds <= 0:
                raise LimitTableError(f"{where}.{scope}[{i}].seconds: a number > 0")
            out.append(Window(limit, float(seconds), scope))
    return tuple(out)


@dataclass(frozen=True)
class LimitTable:
    """Every endpoint's limits; ``default`` answers for an endpoint the table does not name."""

    endpoints: Mapping[str, EndpointLimits]
    default: tuple[Window, ...]
    read_on: str

    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> LimitTable:
        endpoints: dict[str, EndpointLimits] = {}
        for key, raw in table["endpoints"].items():
            method, _, path = key.partition(" ")
            if method not in {"GET", "POST", "PUT", "DELETE"} or not path.startswith("/2/"):
                raise LimitTableError(f"endpoints.{key}: 'METHOD /2/path', e.g. 'POST /2/tweets'")
            windows = _windows(f"endpoints.{key}", raw)
            if not windows:
                raise LimitTableError(f"endpoints.{key}: at least one app or user window")
            extra = {k: v for k, v in raw.items() if k not in {*SCOPES, "noun", "source"}}
            endpoints[key] = EndpointLimits(
                key, str(raw.get("noun", "requests")), windows, str(raw.get("source", "")), extra
            )
        default = _windows("default", table["default"])
        return cls(endpoints, default, str(table.get("read_on", "")))

    def entry(self, endpoint: str) -> EndpointLimits:
        found = self.endpoints.get(endpoint)
        return found or EndpointLimits(endpoint, "requests", self.default)


@dataclass(frozen=True)
class RateHeaders:
    """The ``x-rate-limit-*`` headers of one answer, and when they were seen."""

    remaining: int
    reset: datetime
    seen_at: datetime
    limit: int | None = None

    @classmethod
    def parse(
        cls, headers: Mapping[str, str], seen_at: datetime, prefix: str = "x-rate-limit"
    ) -> RateHeaders | None:
        """From an answer's headers (``prefix`` ``x-user-limit-24hour`` for the daily window);
        ``None`` when they are absent or not numbers."""
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            remaining = int(lowered[f"{prefix}-remaining"])
            reset = datetime.fromtimestamp(int(lowered[f"{prefix}-reset"]), UTC)
            raw_limit = lowered.get(f"{prefix}-limit")
            limit = int(raw_limit) if raw_limit is not None else None
        except (KeyError, ValueError):
            return None
        return cls(remaining, reset, seen_at, limit)


@dataclass(frozen=True)
class Budget:
    """One window of one endpoint for one account.

    ``last`` is the last ``x-rate-limit-*`` headers seen for it (``None``: none yet); ``sent``
    the times of the requests made in the window, including those made after ``last`` was seen
    (X's ``remaining`` already counts the earlier ones)."""

    window: Window
    noun: str = "requests"
    last: RateHeaders | None = None
    sent: Sequence[datetime] = ()

    @property
    def limit(self) -> int:
        return self.last.limit if self.last is not None and self.last.limit else self.window.limit

    def left(self, now: datetime) -> int:
        """Requests that may still go out before ``next_slot``'s wait begins."""
        if self.last is not None and now < self.last.reset:
            later = sum(1 for s in self.sent if s > self.last.seen_at)
            return max(0, self.last.remaining - later)
        return max(0, self.limit - len(self._recent(now)))

    def _recent(self, now: datetime) -> list[datetime]:
        """Sends that still count: in the last window, and after the known window's reset."""
        floor = now - self.window.span
        if self.last is not None and self.last.reset > floor:
            floor = self.last.reset - timedelta(microseconds=1)
        return sorted(s for s in self.sent if floor < s <= now)

    def next_slot(self, now: datetime) -> datetime:
        """When the next request may go out: ``now`` if the budget has room, else the reset of
        the window in force (known from the headers) or, without headers, when the oldest send
        in the last window leaves it."""
        if self.last is not None and now < self.last.reset:
            return now if self.left(now) > 0 else self.last.reset
        recent = self._recent(now)
        if len(recent) < self.limit:
            return now
        return max(now, recent[len(recent) - self.limit] + self.window.span)

    def rule(self) -> str:
        """``X allows 15 DMs per 15 minutes``."""
        return f"X allows {self.limit:,} {self.noun} per {say_span(self.window.seconds)}"

    def describe(self, now: datetime) -> str:
        """``X allows 15 DMs per 15 minutes; goes out in about 4 min`` (or ``goes out now``)."""
        return f"{self.rule()}; goes out {say_wait(self.next_slot(now) - now)}"


def binding(budgets: Iterable[Budget], now: datetime) -> Budget | None:
    """Of an endpoint's budgets (its 15-minute and 24-hour windows), the one that holds the
    next request back longest; ``None`` for no budgets."""
    chosen: Budget | None = None
    for budget in budgets:
        if chosen is None or budget.next_slot(now) > chosen.next_slot(now):
            chosen = budget
    return chosen


def say_span(seconds: float) -> str:
    """``15 minutes``, ``24 hours``, ``hour``, ``30 seconds``."""
    whole = round(seconds)
    for size, unit in ((3600, "hour"), (60, "minute"), (1, "second")):
        if whole % size == 0 and whole >= size:
            n = whole // size
            return unit if n == 1 else f"{n} {unit}s"
    return f"{seconds:g} seconds"


def say_wait(wait: timedelta) -> str:
    """``now``, ``in under a minute``, ``in about 4 min``, ``in about 2 h 5 min`` (rounded up:
    never sooner than it will be)."""
    seconds = wait.total_seconds()
    if seconds <= 0:
        return "now"
    if seconds < 60:
        return "in under a minute"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"in about {minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"in about {hours} h" + (f" {rest} min" if rest else "")

"""The rate budgets the workbench paces itself by: per brand account and endpoint, X's limit table
(``workbench/data/x_limits.json``) and the last ``x-rate-limit-*`` headers X sent.

The gateway tells ``RateBudgets.observe`` about every answer (``Gateway.budgets``); the outbox and
ingest ask ``next_slot`` before a call and hold it back until then, so they never provoke a 429.
``snapshot`` is the supervisor's read: used, left and resets-at per account and endpoint.

One refinement over the bare headers: X's ``x-rate-limit-reset`` is whole epoch seconds, rounded
up. A window ends no later than its length after the first answer seen in it, so the earlier of
the two is still never too early (and, with short windows, much closer to the truth).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.domain.budget import (
    Budget,
    EndpointLimits,
    LimitTable,
    RateHeaders,
    Window,
    binding,
)

WINDOW_SECONDS = 900.0
_DAILY_PREFIX = "x-user-limit-24hour"
_PRIMARY_PREFIX = "x-rate-limit"
_KEEP = timedelta(days=1, hours=1)  # sends older than the longest window are forgotten


def _now() -> datetime:
    return datetime.now(UTC)


_PATTERNS: dict[int, list[tuple[str, re.Pattern[str], str]]] = {}


def _patterns(table: LimitTable) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path regex, endpoint key), the literal-richest first (``/2/users/by`` before
    ``/2/users/:id``)."""
    found = _PATTERNS.get(id(table))
    if found is not None:
        return found
    out = []
    for key in table.endpoints:
        method, _, path = key.partition(" ")
        regex = "^" + re.sub(r":[A-Za-z_]+", "[^/]+", re.escape(path).replace(r"\:", ":")) + "$"
        out.append((method, re.compile(regex), key, path.count(":")))
    out.sort(key=lambda p: (p[3], -len(p[2])))
    _PATTERNS[id(table)] = [(m, r, k) for m, r, k, _ in out]
    return _PATTERNS[id(table)]


def endpoint_of(method: str, path: str, table: LimitTable | None = None) -> str:
    """The limit table's key for a request: ``GET /2/users/12/mentions`` ->
    ``GET /2/users/:id/mentions`` (the path itself when the table does not name it)."""
    table = table or _table()
    path = path.split("?", 1)[0].rstrip("/") or "/"
    for m, regex, key in _patterns(table):
        if m == method.upper() and regex.match(path):
            return key
    return f"{method.upper()} {path}"


def _table() -> LimitTable:
    from workbench.x_rules import limits

    return limits()


@dataclass
class _Seen:
    """What is known of one window of one endpoint for one account."""

    last: RateHeaders | None = None
    first_at: datetime | None = None  # the first answer seen carrying ``last.reset``


@dataclass
class _Account:
    timeline: str
    windows: dict[int, _Seen] = field(default_factory=dict)  # window index -> seen
    sent: list[datetime] = field(default_factory=list)


class RateBudgets:
    """Every (brand account, endpoint) budget this process knows, from the table and headers.

    ``window`` is the length of X's 15-minute window (the 24-hour ones stretch by the same
    factor): 900 against X, shorter against a sandbox started with ``window_seconds``.
    """

    def __init__(self, table: LimitTable | None = None, *, window: float = WINDOW_SECONDS) -> None:
        self.table = table or _table()
        self.window = float(window)
        self._lock = threading.Lock()
        self._accounts: dict[tuple[str, str], _Account] = {}

    def __repr__(self) -> str:
        return f"RateBudgets({len(self._accounts)} budgets, window={self.window:g}s)"

    # --- the windows ---------------------------------------------------------------------------

    def entry(self, endpoint: str) -> EndpointLimits:
        return self.table.entry(endpoint)

    def windows(self, endpoint: str) -> tuple[Window, ...]:
        """The endpoint's windows for one account (the per-user ones; the per-app ones when it
        has none), stretched to this registry's window length."""
        entry = self.entry(endpoint)
        mine = entry.of("user") or entry.of("app")
        factor = self.window / WINDOW_SECONDS
        return tuple(Window(w.limit, w.seconds * factor, w.scope) for w in mine)

    def min_interval(self, endpoint: str, timeline: str | None = None) -> float:
        """The shortest even spacing of calls the endpoint's windows allow (seconds), with the
        limits X last reported for ``timeline`` where known."""
        windows = self.windows(endpoint)
        seen: dict[int, _Seen] = {}
        if timeline is not None:
            with self._lock:
                account = self._accounts.get((timeline.lower(), endpoint))
                seen = dict(account.windows) if account is not None else {}
        spacing = 0.0
        for i, w in enumerate(windows):
            last = seen[i].last if i in seen else None
            limit = last.limit if last is not None and last.limit else w.limit
            spacing = max(spacing, w.seconds / limit)
        return spacing

    # --- learning ------------------------------------------------------------------------------

    def observe(
        self,
        timeline: str,
        endpoint: str,
        headers: Mapping[str, str] | None,
        at: datetime | None = None,
    ) -> None:
        """One request to ``endpoint`` as ``timeline`` was answered (with these headers)."""
        at = at or _now()
        windows = self.windows(endpoint)
        if not windows:
            return
        shortest = min(range(len(windows)), key=lambda i: windows[i].seconds)
        with self._lock:
            account = self._accounts.setdefault((timeline.lower(), endpoint), _Account(timeline))
            account.sent.append(at)
            if len(account.sent) > 64 and account.sent[0] < at - _KEEP:
                account.sent = [s for s in account.sent if s >= at - _KEEP]
            for i, window in enumerate(windows):
                prefix = (
                    _PRIMARY_PREFIX if i == shortest else _DAILY_PREFIX if window.daily else None
                )
                parsed = RateHeaders.parse(headers or {}, at, prefix) if prefix else None
                if parsed is None:
                    continue
                seen = account.windows.setdefault(i, _Seen())
                if seen.last is None or seen.last.reset != parsed.reset:
                    seen.first_at = at
                seen.last = parsed

    # --- asking --------------------------------------------------------------------------------

    def budgets(self, timeline: str, endpoint: str, now: datetime | None = None) -> list[Budget]:
        """The endpoint's budgets for ``timeline``, one per window."""
        now = now or _now()
        entry = self.entry(endpoint)
        with self._lock:
            account = self._accounts.get((timeline.lower(), endpoint)) or _Account(timeline)
            sent = tuple(account.sent)
            seen = dict(account.windows)
        out = []
        for i, window in enumerate(self.windows(endpoint)):
            known = seen.get(i)
            last = known.last if known is not None else None
            first_at = known.first_at if known is not None else None
            if last is not None and first_at is not None:
                bound = first_at + window.span
                if bound < last.reset:
                    last = RateHeaders(last.remaining, bound, last.seen_at, last.limit)
            out.append(Budget(window, entry.noun, last, sent))
        return out

    def binding(self, timeline: str, endpoint: str, now: datetime | None = None) -> Budget | None:
        """The budget that holds ``timeline``'s next call to ``endpoint`` back longest."""
        now = now or _now()
        return binding(self.budgets(timeline, endpoint, now), now)

    def next_slot(self, timeline: str, endpoint: str, now: datetime | None = None) -> datetime:
        """When ``timeline`` may next call ``endpoint`` (``now`` when the budget has room)."""
        now = now or _now()
        chosen = self.binding(timeline, endpoint, now)
        return chosen.next_slot(now) if chosen is not None else now

    def snapshot(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Each known budget, for the supervisor: account, endpoint, what it counts, the
        window's limit, used, left, when it resets (None: nothing used in it) and when the next
        call may go out, with X's rule as a sentence."""
        now = now or _now()
        with self._lock:
            keys = sorted((a.timeline, e) for (_, e), a in self._accounts.items())
        out = []
        for timeline, endpoint in keys:
            for budget in self.budgets(timeline, endpoint, now):
                left = budget.left(now)
                resets: datetime | None
                if budget.last is not None and now < budget.last.reset:
                    resets = budget.last.reset
                else:
                    recent = budget._recent(now)
                    resets = recent[0] + budget.window.span if recent else None
                out.append(
                    {
                        "timeline": timeline,
                        "endpoint": endpoint,
                        "noun": budget.noun,
                        "window_seconds": budget.window.seconds,
                        "limit": budget.limit,
                        "used": max(0, budget.limit - left),
                        "left": left,
                        "resets_at": resets,
                        "next_slot": budget.next_slot(now),
                        "rule": budget.rule(),
                    }
                )
        return out

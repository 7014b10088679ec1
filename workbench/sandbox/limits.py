"""Rate-limit windows like X's (per app and per user, 15 minutes and 24 hours), and injected
faults (failures, slow answers, broken items)."""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from workbench.domain.budget import EndpointLimits, LimitTable, Window

WINDOW_SECONDS = 900.0
"""X's short window; ``window`` in ``RateLimits`` stretches every window by the same factor."""


def _table() -> LimitTable:
    from workbench.x_rules import limits

    return limits()


class RateLimits:
    """Request counts in fixed windows like X's, per app and per user (the brand account).

    The limits are X's published table (``workbench/data/x_limits.json``, the one the workbench
    paces itself by): 15-minute and 24-hour windows. A user-context request counts against the
    endpoint's per-user windows, and against its per-app windows on endpoints that take user
    context only (writes, DMs: the app's total across its users); an app-only (Bearer) request
    counts against the per-app windows. ``scale`` multiplies every limit; ``window`` is the
    length of X's 15-minute window here (the 24-hour windows stretch by the same factor);
    ``overrides`` replace an endpoint's 15-minute limits.
    """

    def __init__(
        self,
        table: LimitTable | None = None,
        *,
        scale: float = 1.0,
        window: float = WINDOW_SECONDS,
    ) -> None:
        self.table = table or _table()
        self.scale = scale
        self.window = window
        self.overrides: dict[str, int] = {}
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str, int], list[float]] = {}

    @property
    def endpoints(self) -> list[str]:
        return list(self.table.endpoints)

    def configure(
        self,
        *,
        scale: float | None = None,
        window: float | None = None,
        limits: dict[str, int] | None = None,
    ) -> None:
        with self._lock:
            if scale is not None:
                if scale <= 0:
                    raise ValueError("scale: must be greater than 0")
                self.scale = scale
            if window is not None:
                if window <= 0:
                    raise ValueError("window_seconds: must be greater than 0")
                self.window = window
            if limits:
                unknown = sorted(set(limits) - set(self.table.endpoints))
                if unknown:
                    raise ValueError(f"limits: unknown endpoints {unknown}")
                bad = sorted(k for k, v in limits.items() if not isinstance(v, int) or v < 1)
                if bad:
                    raise ValueError(f"limits: a whole number >= 1 for {bad}")
                self.overrides.update(limits)
            self._windows.clear()

    def _limit(self, endpoint: str, window: Window, shortest: Window | None) -> int:
        base = window.limit
        if window is shortest and endpoint in self.overrides:
            base = self.overrides[endpoint]
        return max(1, int(base * self.scale))

    def _applied(self, entry: EndpointLimits, user: str | None, app_total: bool) -> list[_Slot]:
        slots: list[_Slot] = []
        scopes = [("user", user)] if user is not None else []
        if user is None or app_total:
            scopes.append(("app", "app"))
        for scope, who in scopes:
            windows = entry.of(scope)
            if not windows and scope == scopes[0][0]:
                windows = tuple(w for w in self.table.default if w.scope == scope)
            shortest = min(windows, key=lambda w: w.seconds) if windows else None
            for i, w in enumerate(windows):
                slots.append(
                    _Slot(
                        (who, entry.endpoint, i if scope == "user" else -1 - i),
                        scope,
                        self._limit(entry.endpoint, w, shortest),
                        w.seconds * self.window / WINDOW_SECONDS,
                        w.daily,
                        scope == scopes[0][0] and w is shortest,
                    )
                )
        return slots

    def limit_for(self, endpoint: str, scope: str = "user") -> int:
        """The endpoint's 15-minute limit for ``scope`` (the per-app one if it has no other)."""
        entry = self.table.entry(endpoint)
        shortest = entry.shortest(scope) or entry.shortest("app" if scope == "user" else "user")
        assert shortest is not None
        return self._limit(endpoint, shortest, shortest)

    def windows(self, endpoint: str) -> dict[str, list[dict[str, float]]]:
        """The endpoint's windows as enforced now (scaled), per scope."""
        entry = self.table.entry(endpoint)
        out: dict[str, list[dict[str, float]]] = {}
        for scope in ("app", "user"):
            shortest = entry.shortest(scope)
            for w in entry.of(scope):
                out.setdefault(scope, []).append(
                    {
                        "limit": self._limit(endpoint, w, shortest),
                        "seconds": w.seconds * self.window / WINDOW_SECONDS,
                    }
                )
        return out

    def take(
        self, user: str | None, endpoint: str, *, app_total: bool = False
    ) -> tuple[bool, dict[str, str]]:
        """Count one request by ``user`` (a user id; ``None``: app-only) unless a window is
        spent; return (allowed, X's rate-limit headers): ``x-rate-limit-*`` for the caller's
        15-minute window, ``x-app-limit-24hour-*`` and ``x-user-limit-24hour-*`` for the
        24-hour windows that apply."""
        slots = self._applied(self.table.entry(endpoint), user, app_total)
        now = time.time()
        with self._lock:
            states = []
            for slot in slots:
                state = self._windows.get(slot.key)
                if state is None or now >= state[0] + slot.seconds:
                    state = [now, 0.0]
                    self._windows[slot.key] = state
                states.append(state)
            allowed = all(state[1] < slot.limit for slot, state in zip(slots, states, strict=True))
            if allowed:
                for state in states:
                    state[1] += 1
            headers: dict[str, str] = {}
            for slot, state in zip(slots, states, strict=True):
                values = (
                    str(slot.limit),
                    str(max(0, slot.limit - int(state[1]))),
                    str(int(state[0] + slot.seconds) + 1),
                )
                if slot.primary:
                    headers.update(zip(_PRIMARY, values, strict=True))
                if slot.daily:
                    headers.update(zip(_DAILY[slot.scope], values, strict=True))
        return allowed, headers

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


_PRIMARY = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")
_DAILY = {
    scope: tuple(f"x-{scope}-limit-24hour-{part}" for part in ("limit", "remaining", "reset"))
    for scope in ("app", "user")
}


@dataclass(frozen=True, slots=True)
class _Slot:
    key: tuple[str, str, int]
    scope: str
    limit: int
    seconds: float
    daily: bool
    primary: bool


@dataclass
class Fault:
    """The next ``count`` calls matching ``method`` and ``path`` (a glob) fail or are slowed.

    ``status`` 0 means "answer normally"; ``after`` applies the call first and then fails (the
    answer is lost on the way back); ``corrupt`` breaks the first item of the answer;
    ``probability`` makes the fault hit only that share of matching calls; count -1 = forever;
    ``skip`` lets that many matching calls through first.
    """

    path: str
    status: int = 503
    count: int = 1
    delay_ms: int = 0
    method: str = "*"
    probability: float = 1.0
    after: bool = False
    corrupt: bool = False
    skip: int = 0
    id: int = 0

    @classmethod
    def from_json(cls, body: dict[str, Any], fault_id: int) -> Fault:
        allowed = set(cls.__dataclass_fields__) - {"id"}
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise ValueError(f"unknown fault fields {unknown}; allowed: {sorted(allowed)}")
        if not isinstance(body.get("path"), str) or not body["path"].startswith("/"):
            raise ValueError("path: a request path or glob starting with /, e.g. /2/tweets")
        fault = cls(**body, id=fault_id)
        if fault.status and not 400 <= fault.status <= 599:
            raise ValueError("status: 0 (no failure) or an HTTP error status 400-599")
        if not 0 < fault.probability <= 1:
            raise ValueError("probability: greater than 0, at most 1")
        if fault.count == 0 or fault.count < -1:
            raise ValueError("count: a positive number of calls, or -1 for every call")
        if fault.delay_ms < 0 or fault.skip < 0:
            raise ValueError("delay_ms, skip: must not be negative")
        return fault

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(path, self.path)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class Faults:
    """The armed faults, consumed in the order they were added; seeded for reproducible runs."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next = 1
        self._random = random.Random(seed)

    def add(self, body: dict[str, Any]) -> Fault:
        with self._lock:
            fault = Fault.from_json(body, self._next)
            self._next += 1
            self._faults.append(fault)
            return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.as_dict() for f in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        if not self._faults:
            return None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                if fault.probability < 1 and self._random.random() >= fault.probability:
                    continue
                if fault.count > 0:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                return fault
        return None

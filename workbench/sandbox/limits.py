"""Rate-limit windows like X's, and injected faults (failures, slow answers, broken items)."""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

WINDOW_SECONDS = 900.0

# Requests per 15-minute window per user (OAuth 1.0a user context), from X's published tables.
X_LIMITS: dict[str, int] = {
    "GET /2/users/me": 75,
    "GET /2/users/:id": 900,
    "GET /2/users/by/username/:username": 900,
    "GET /2/users": 900,
    "GET /2/users/by": 900,
    "GET /2/users/:id/mentions": 180,
    "GET /2/users/:id/followers": 15,
    "GET /2/tweets/search/recent": 300,
    # the filtered stream (per app; Pro access)
    "GET /2/tweets/search/stream": 50,
    "GET /2/tweets/search/stream/rules": 450,
    "POST /2/tweets/search/stream/rules": 100,
    "GET /2/tweets/:id": 900,
    "POST /2/tweets": 100,
    "DELETE /2/tweets/:id": 50,
    "POST /2/users/:id/retweets": 50,
    "POST /2/users/:id/likes": 50,
    "POST /2/users/:id/following": 50,
    "DELETE /2/users/:source_user_id/following/:target_user_id": 50,
    "POST /2/dm_conversations/with/:participant_id/messages": 200,
    "GET /2/dm_events": 300,
    "GET /2/dm_conversations/with/:participant_id/dm_events": 300,
}


@dataclass
class RateLimits:
    """Per-(account, endpoint) request counts in fixed windows; ``scale`` multiplies X's limits."""

    limits: dict[str, int] = field(default_factory=lambda: dict(X_LIMITS))
    window: float = WINDOW_SECONDS
    scale: float = 1.0
    default: int = 900

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], list[float]] = {}

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
                unknown = sorted(set(limits) - set(self.limits))
                if unknown:
                    raise ValueError(f"limits: unknown endpoints {unknown}")
                self.limits.update(limits)
            self._windows.clear()

    def limit_for(self, endpoint: str) -> int:
        return max(1, int(self.limits.get(endpoint, self.default) * self.scale))

    def take(self, who: str, endpoint: str) -> tuple[bool, int, int, int]:
        """Count one request; return (allowed, limit, remaining, reset as Unix seconds)."""
        limit = self.limit_for(endpoint)
        now = time.time()
        with self._lock:
            window = self._windows.get((who, endpoint))
            if window is None or now >= window[0] + self.window:
                window = [now, 0.0]
                self._windows[(who, endpoint)] = window
            reset = int(window[0] + self.window) + 1
            if window[1] >= limit:
                return False, limit, 0, reset
            window[1] += 1
            return True, limit, limit - int(window[1]), reset

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


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

"""The cost meter: the recorder the gateway reports each X call to.

It prices each call with the tariff of the brand's plan (``WORKBENCH_X_PLAN``; the prices of
``workbench/data/x_prices.json``, 0 off pay-per-use) and holds it until the use case that made
it writes it: ingest in each page's transaction (one statement for the page's calls), the outbox
after each round, anyone else with ``flush()``. It also knows the day's spend for the daily
budget (``WORKBENCH_DAILY_BUDGET``), without a store read per question.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from workbench.domain.cost import ApiCall, DailyBudget, Quote, Tariff
from workbench.domain.said import Said
from workbench.store import Store, Transaction
from workbench.text import has_url

log = logging.getLogger(__name__)

SPENT_MAX_AGE = 30.0
"""Seconds the day's spend read from the store is trusted (other processes' calls show after)."""
FLUSH_AT = 500
"""Calls held at most before the meter writes them itself."""


def _now() -> datetime:
    return datetime.now(UTC)


def midnight(now: datetime) -> datetime:
    """The start of ``now``'s UTC day."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def send_quote(tariff: Tariff, action: str, text: str) -> Quote:
    """What sending ``text`` as ``action`` (reply, dm, quote, post) will cost, from the text
    alone (no store read: the composer asks on each keystroke)."""
    return tariff.send(action, has_url=bool(text) and has_url(text))


class CostMeter:
    """Prices the calls a gateway reports (``meter(call)``) and writes them to ``store``."""

    def __init__(
        self,
        store: Store,
        tariff: Tariff,
        budget: DailyBudget | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.tariff = tariff
        self.budget = budget or DailyBudget(0)
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: list[ApiCall] = []
        self._day: date | None = None
        self._read_at = -float("inf")
        self._spent = 0  # micro-dollars of the day: read from the store, plus written since

    @classmethod
    def from_settings(cls, store: Store, settings: Any = None) -> CostMeter:
        from workbench.config import Settings
        from workbench.x_rules import tariff

        settings = settings or Settings.from_env()
        return cls(
            store,
            tariff(settings.x_plan),
            DailyBudget.of_usd(float(settings["WORKBENCH_DAILY_BUDGET"])),
        )

    @classmethod
    def attach(cls, store: Store, gateway: Any, settings: Any = None) -> CostMeter | None:
        """The meter recording ``gateway``'s calls into ``store``: the one it has, else a new
        one from the settings (None for a gateway that reports no calls)."""
        if gateway is None or not hasattr(gateway, "recorder"):
            return None
        found = gateway.recorder
        if isinstance(found, CostMeter) and found.store.url == store.url:
            return found
        meter = cls.from_settings(store, settings)
        gateway.recorder = meter
        return meter

    def __repr__(self) -> str:
        return f"CostMeter({self.store!r}, plan={self.tariff.plan!r}, held={len(self._pending)})"

    # --- recording ------------------------------------------------------------------------------

    def __call__(self, call: ApiCall) -> None:
        """One call the gateway made: priced, held until written. A read that returned
        nothing costs nothing and is not kept (an idle poll would otherwise add a row every few
        seconds); the rate budgets count it still."""
        if call.resources <= 0:
            return
        priced = replace(
            call, micros=self.tariff.cost(call.kind, call.resources), plan=self.tariff.plan
        )
        with self._lock:
            self._pending.append(priced)
            full = len(self._pending) >= FLUSH_AT
        if full:
            try:
                self.flush()
            except Exception as exc:  # kept for the next write; the call itself went through
                log.warning("costs: could not write X calls yet: %s", exc)

    def drain(self) -> list[ApiCall]:
        """The calls held (taken: the caller writes them, or hands them back with ``keep``);
        a stream's deliveries of a kind to a timeline are merged into one row."""
        with self._lock:
            calls, self._pending = self._pending, []
        return _merged(calls)

    def keep(self, calls: Sequence[ApiCall]) -> None:
        """Hold ``calls`` again (their write was rolled back)."""
        if calls:
            with self._lock:
                self._pending[:0] = calls

    def write(self, conn: Transaction, calls: Sequence[ApiCall]) -> None:
        """Write drained ``calls`` in ``conn``'s transaction (``written`` once it commits)."""
        self.store.api_calls.add(conn, calls)

    def written(self, calls: Sequence[ApiCall]) -> None:
        """``calls`` were committed: count them in the day's spend."""
        day = midnight(_now()).date()
        with self._lock:
            if self._day == day:
                self._spent += sum(c.micros for c in calls if c.at.date() == day)

    def flush(self) -> int:
        """Write the calls held, in a transaction of their own; how many."""
        calls = self.drain()
        if not calls:
            return 0
        try:
            self.store.api_calls.record(calls)
        except BaseException:
            self.keep(calls)
            raise
        self.written(calls)
        return len(calls)

    # --- the day's spend ------------------------------------------------------------------------

    def spent_today(self, now: datetime | None = None) -> int:
        """Micro-dollars spent since UTC midnight: the store's sum (read again at most every
        ``SPENT_MAX_AGE`` seconds), what this process wrote since, and what it holds."""
        now = now or _now()
        start = midnight(now)
        with self._lock:
            fresh = self._day == start.date() and self._clock() - self._read_at < SPENT_MAX_AGE
            held = sum(c.micros for c in self._pending if c.at >= start)
            if fresh:
                return self._spent + held
        spent = self.store.api_calls.spent_since(start)
        with self._lock:
            self._day, self._read_at, self._spent = start.date(), self._clock(), spent
            held = sum(c.micros for c in self._pending if c.at >= start)
        return spent + held

    def budget_warning(self, now: datetime | None = None) -> str | None:
        """``today's X budget of $5.00 is spent: $5.12 so far``, or None."""
        said = self.budget_said(now)
        return None if said is None else str(said)

    def budget_said(self, now: datetime | None = None) -> Said | None:
        """``budget_warning`` for a person (``i18n.tell`` says it in their language)."""
        if not self.budget.set:
            return None
        return self.budget.warning_said(self.spent_today(now))


def _merged(calls: list[ApiCall]) -> list[ApiCall]:
    """Streamed deliveries merged per (timeline, endpoint, kind, interaction): one row with
    their count and cost, at the last one's time; other calls as they are."""
    if not any(c.kind.streamed for c in calls):
        return calls
    out: list[ApiCall] = []
    merged: dict[tuple[str, str, str, str | None], int] = {}
    for call in calls:
        if not call.kind.streamed:
            out.append(call)
            continue
        key = (call.timeline, call.endpoint, call.kind.value, call.interaction_id)
        at = merged.get(key)
        if at is None:
            merged[key] = len(out)
            out.append(call)
        else:
            was = out[at]
            out[at] = replace(
                was,
                at=max(was.at, call.at),
                resources=was.resources + call.resources,
                micros=was.micros + call.micros,
            )
    return out

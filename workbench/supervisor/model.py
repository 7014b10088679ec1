"""The dashboard's model: the live ledger, the agents' events, the filters, and the figures
the view draws. It owns the store's ledger and change feed; views observe ``snapshot``.

A refresh reads only what changed (``LiveLedger.refresh()`` and the events appended since the
last one seen); changing a filter recomputes from the frames in memory, reading nothing.

Which rows each figure counts: the time window (by arrival) and the queue, timeline, channel
and agent filters apply to volume, response and handle times, service level, dispositions,
sentiment, the negative share and the per-agent table; ``handled`` counts the interactions done
in the window (by when they were done); figures about *now* (in queue, oldest wait, queue depth
over the window, handled today, agents needed) apply the queue, timeline, channel and agent
filters to every interaction, whenever it arrived, since an interaction that arrived before the
window may still be waiting in it. Spend (today, this month, per kind) and
cost per handled interaction count the recorded X calls (``LiveLedger.spend``) under the
timeline filter only: a call belongs to a brand account, not to a queue, channel or agent.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import astuple, dataclass, field, fields, replace
from typing import Any
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd

from workbench.analytics import LiveLedger
from workbench.analytics import metrics as m
from workbench.analytics._frame import as_utc
from workbench.analytics.live import SAVE_ROWS, SPEND_COLUMNS
from workbench.analytics.saved import beside
from workbench.domain import Channel
from workbench.domain.said import Said
from workbench.errors import ValidationError
from workbench.routing.priorities import NextOffer, next_offers
from workbench.store import Store
from workbench.supervisor.actions import SupervisorActions
from workbench.workspace._observable import Observable

WINDOWS = ("last hour", "today", "last 7 days", "range")
"""The time windows a supervisor can pick; ``range`` uses ``Filters.start`` and ``end``."""
DIMENSIONS = ("queue", "timeline", "channel", "agent")
URL_WINDOWS = {"1h": "last hour", "today": "today", "7d": "last 7 days"}
"""The windows a page's URL names (``?window=1h``), besides ``WINDOWS`` themselves."""
DRILL_COLUMNS = [
    "interaction_id",
    "contact",
    "contact_name",
    "text",
    "channel",
    "queue",
    "state",
    "agent",
    "arrived_at",
    "first_reply_at",
    "done_at",
    "disposition",
]


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: a time window and, for each dimension, one value or all."""

    window: str = "today"
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    queue: str | None = None
    timeline: str | None = None
    channel: str | None = None
    agent: str | None = None

    def bounds(self, now: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The window's [start, end) in UTC."""
        if self.window == "last hour":
            return now - pd.Timedelta(hours=1), now
        if self.window == "today":
            return now.normalize(), now
        if self.window == "last 7 days":
            return now - pd.Timedelta(days=7), now
        if self.start is None or self.end is None:
            raise ValidationError("range", "a chosen range needs a start and an end")
        return as_utc(self.start), as_utc(self.end)


def interval_for(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """The chart interval for a window: about 12 to 48 bars."""
    span = (end - start).total_seconds()
    for freq, most in (("5min", 4 * 3600), ("15min", 12 * 3600), ("1h", 2 * 86400)):
        if span <= most:
            return freq
    return "6h" if span <= 14 * 86400 else "1D"


def filters_from_query(query: str | Mapping[str, str]) -> dict[str, Any]:
    """The filters a page's URL parameters ask for (``queue=billing&window=1h``), as
    ``DashboardModel.set_filters`` takes them: ``window`` (``1h``, ``today`` or ``7d``, or one of
    ``WINDOWS``; ``from`` and ``to``, UTC, for a range of one's own) and one ``queue``,
    ``timeline``, ``channel`` or ``agent``. A parameter it does not know, a window it does not
    know, or a range without both ends is refused, naming it (Voila's own ``template`` and
    ``theme`` aside)."""
    given = dict(parse_qsl(query.lstrip("?"))) if isinstance(query, str) else dict(query)
    unknown = sorted(set(given) - {"window", "from", "to", "template", "theme", *DIMENSIONS})
    if unknown:
        raise ValidationError(
            unknown[0],
            "not a parameter of this page",
            Said(
                "The page's address names {name}, which the page does not know: it takes "
                "window, from, to, queue, timeline, channel and agent.",
                name=unknown[0],
            ),
        )
    out: dict[str, Any] = {n: given[n] for n in DIMENSIONS if given.get(n)}
    window = given.get("window", "").strip()
    if "from" in given or "to" in given:
        if window not in ("", "range"):
            raise ValidationError(
                "window",
                "from and to choose a range: leave window out",
                Said("from= and to= choose a range: leave window= out."),
            )
        try:
            out.update(window="range", start=as_utc(given["from"]), end=as_utc(given["to"]))
        except (KeyError, ValueError):
            raise ValidationError(
                "from",
                "a range needs from and to, as 2026-03-02T08:00",
                Said("A range needs from= and to=, as 2026-03-02T08:00."),
            ) from None
        if out["end"] <= out["start"]:
            raise ValidationError(
                "to",
                "the range must end after it starts",
                Said("The range must end after it starts."),
            )
    elif window:
        chosen = URL_WINDOWS.get(window.lower(), window.lower())
        if chosen not in WINDOWS or chosen == "range":
            raise ValidationError(
                "window",
                f"one of {', '.join(URL_WINDOWS)} is required, got {window!r}",
                Said(
                    "window= takes 1h, today or 7d (from= and to= choose a range), not {window}.",
                    window=window,
                ),
            )
        out["window"] = chosen
    return out


@dataclass(frozen=True)
class Snapshot:
    """Everything the view draws, computed at ``now`` under ``filters``."""

    now: pd.Timestamp
    filters: Filters
    start: pd.Timestamp
    end: pd.Timestamp
    freq: str
    rows: pd.DataFrame
    """The ledger rows in the window under the filters."""
    metrics: dict[str, m.Metric]
    kpis: dict[str, Any]
    times: pd.DataFrame
    """Per interval: median and p90 first response and handle time (seconds)."""
    options: dict[str, list[str]] = field(default_factory=dict)


Source = Store | Callable[[], pd.DataFrame]
"""What a dashboard model reads: a store (live, with supervisor actions), or any function
returning a ledger frame (read-only)."""


class DashboardModel(Observable):
    """The supervisor dashboard's model over ``store`` (or, for a read-only dashboard, any
    function returning a ledger frame); ``supervisor`` names who acts."""

    OBSERVABLE = ("snapshot",)

    def __init__(
        self,
        source: Source,
        supervisor: str = "supervisor",
        *,
        clock: Callable[[], pd.Timestamp] | None = None,
    ) -> None:
        super().__init__()
        self._clock = clock or (lambda: pd.Timestamp.now(tz="UTC"))
        self._lock = threading.RLock()
        self.store: Store | None = source if isinstance(source, Store) else None
        if self.store is not None:
            # A large SQLite store's ledger is kept beside it, so the dashboard opens again at
            # once (a small one loads in about a second and keeps no copy).
            self.live = LiveLedger(self.store, saved=beside(self.store), save_from=SAVE_ROWS)
            self._source: Callable[[], pd.DataFrame] = self.live.refresh
            self.actions: SupervisorActions | None = SupervisorActions(supervisor, self.store)
        else:
            self._source = source  # type: ignore[assignment]
            self.actions = None
        self._feed: Any = None
        self._event_rows: list[tuple[Any, ...]] = []
        self._last_event = 0
        self.events = m.events_frame([])
        self.frame = self._source() if self.store is None else self.live.frame
        self._read_events()
        self.dispositions = self._read_dispositions()
        """Disposition code -> label (English, as the desk's data says it: views translate)."""
        self.queue_labels: dict[str, str] = {}
        """Queue name -> label (the store's queues; English: views translate)."""
        self.filters = Filters()
        self.plan_note = _plan_note()
        """Why X calls cost what they do (the plan in force, the prices' date)."""
        self._snapshot: Snapshot | None = None
        self._next = self._read_next_offers()
        self.recompute()

    # --- reading ------------------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        assert self._snapshot is not None
        return self._snapshot

    def wake(self, timeout: float, halt: threading.Event) -> bool:
        """The store's change feed (``ChangeFeed.wait``), opened on first use: True as soon as
        something is written, False after ``timeout``."""
        if self.store is None:
            halt.wait(timeout)
            return False
        if self._feed is None:
            self._feed = self.store.changes()
        return bool(self._feed.wait(timeout, halt))

    def refresh(self) -> Snapshot:
        """Apply what changed in the store since the last refresh and recompute."""
        with self._lock:
            self.frame = self._source()
            self._read_events()
            self._next = self._read_next_offers()
            self.dispositions = self._read_dispositions()
            return self.recompute()

    def _read_dispositions(self) -> dict[str, str]:
        """The store's disposition codes and labels, over the shipped ones (a store without
        its reference data still names the codes the desk sets)."""
        known = dict(_shipped_dispositions())
        if self.store is not None:
            known.update({d.code: d.label for d in self.store.reads.dispositions()})
        return known

    def _read_events(self) -> None:
        if self.store is None:
            return
        fresh = self.store.supervision.events_after(self._last_event)
        if not fresh:
            return
        self._last_event = fresh[-1][0]
        rows = [
            (e.at, e.interaction_id, e.agent, getattr(e.action, "value", e.action), e.details)
            for _, e in fresh
            if e.agent is not None
        ]
        if rows:
            more = pd.DataFrame.from_records(
                rows, columns=["at", "interaction_id", "agent", "action", "details"]
            )
            more["at"] = pd.to_datetime(more["at"], utc=True)
            self.events = (
                more if self.events.empty else pd.concat([self.events, more], ignore_index=True)
            )

    def set_filters(self, refresh: bool = False, **changes: Any) -> Snapshot:
        """Change some filters (``window``, ``start``, ``end``, ``queue``, ``timeline``,
        ``channel``, ``agent``; None or "" for all) and recompute from memory; with
        ``refresh``, apply what changed in the store first (one recompute for both)."""
        if "window" in changes and changes["window"] not in WINDOWS:
            raise ValidationError("window", f"one of {', '.join(WINDOWS)} is required")
        for name in DIMENSIONS:
            if name in changes and not changes[name]:
                changes[name] = None
        for name in ("start", "end"):
            if changes.get(name) is not None:
                changes[name] = as_utc(changes[name])
        with self._lock:
            self.filters = replace(self.filters, **changes)
            if refresh:
                return self.refresh()
            if "queue" in changes:  # the only filter the queue's order depends on
                self._next = self._read_next_offers()
            return self.recompute()

    # --- figures -------------------------------------------------------------------------------

    def _dimension_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        keep = np.ones(len(frame), dtype=bool)
        for name in DIMENSIONS:
            value = getattr(self.filters, name)
            if value is not None and name in frame:
                keep &= (frame[name].astype(object) == value).to_numpy()
        return frame[keep] if not keep.all() else frame

    def recompute(self) -> Snapshot:
        """The figures of the current frame under the current filters (no store read)."""
        with self._lock:
            now = self._clock()
            start, end = self.filters.bounds(now)
            freq = interval_for(start, end)
            every = self._dimension_rows(self.frame)
            rows = m.between(every, start, end)
            events = self._agent_events(start)
            queue = m.queue_now(every, now)
            metrics = {
                "volume": m.volume(rows, freq, "channel"),
                "queue_now": queue,
                "queue_over_time": m.queue_over_time(every, freq, start=start, end=min(end, now)),
                "first_response": m.first_response(rows),
                "handle_time": m.handle_time(rows),
                "service_level": m.service_level(rows, now=now, freq=freq),
                "dispositions": m.dispositions(rows, self.dispositions),
                "sentiment": m.shares(rows, "sentiment", freq),
                "staffing": m.staffing(
                    every,
                    events if self.store is not None else None,
                    now,
                    waiting=queue["depth"],
                ),
                "agents": self._agents(rows, events, now, start),
            }
            calls = self._calls()
            metrics["spend"] = m.spend(calls, now)
            metrics["cost_per_handled"] = m.cost_per_handled(every, calls, start, end)
            midnight = now.normalize()
            done = every["done_at"] if len(every) else pd.Series(dtype="datetime64[us, UTC]")
            handled_today = int(((done >= midnight) & (done <= now)).sum())
            handled = int(((done >= start) & (done < end) & (done <= now)).sum())
            sl = metrics["service_level"]
            staffing = metrics["staffing"]
            kpis = {
                "in_queue": metrics["queue_now"]["depth"],
                "oldest_wait_seconds": metrics["queue_now"]["oldest_wait_seconds"],
                "service_level": sl["service_level"],
                "goal": sl["goal"],
                "threshold": sl["threshold"],
                "handled_today": handled_today,
                "handled": handled,
                "negative_share": metrics["sentiment"]["negative"],
                "agents_needed": staffing["needed"],
                "logged_in": staffing["logged_in"],
                "arrivals_per_hour": staffing["arrivals_per_hour"],
                "handle_seconds": staffing["handle_seconds"],
                "ready": staffing["ready"],
                "capacity": staffing["capacity"],
                "served_per_hour": staffing["served_per_hour"],
                "clear_seconds": staffing["clear_seconds"],
                "spend_today": metrics["spend"]["today"],
                "spend_month": metrics["spend"]["month"],
                "cost_per_handled": metrics["cost_per_handled"]["cost_per_handled"],
                "plan_note": self.plan_note,
            }
            snap = Snapshot(
                now=now,
                filters=self.filters,
                start=start,
                end=end,
                freq=freq,
                rows=rows,
                metrics=metrics,
                kpis=kpis,
                times=_times(rows, freq, start, end),
                options=self._options(),
            )
            self._snapshot = None  # always notify: the figures are new even when equal
            self._set("snapshot", snap)
            return snap

    def _agents(
        self, rows: pd.DataFrame, events: pd.DataFrame, now: pd.Timestamp, start: pd.Timestamp
    ) -> m.Metric:
        """The per-agent table of ``rows``; under a queue, timeline or channel filter only the
        agents with rows under it (the events alone would add every logged-in agent back)."""
        table = m.agent_table(rows, events if self.store is not None else None, now, start=start)
        filtered = any(
            getattr(self.filters, n) is not None for n in ("queue", "timeline", "channel")
        )
        if not filtered or table.table is None:
            return table
        agents = set(rows["agent"].dropna().astype(str)) if "agent" in rows else set()
        kept = table.table[table.table.index.astype(str).isin(agents)]
        return m.Metric({**table.figures, "agents": len(kept)}, kept, table.excluded)

    def _calls(self) -> pd.DataFrame:
        """The recorded X calls' spend (per day, timeline, kind) under the timeline filter."""
        if self.store is None:
            return pd.DataFrame(columns=SPEND_COLUMNS)
        spend = self.live.spend
        timeline = self.filters.timeline
        if timeline is not None and len(spend):
            spend = spend[(spend["timeline"].astype(object) == timeline).to_numpy()]
        return spend

    def _agent_events(self, start: pd.Timestamp) -> pd.DataFrame:
        events = self.events
        agent = self.filters.agent
        if agent is not None and len(events):
            events = events[(events["agent"] == agent).to_numpy()]
        return events

    def _options(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name in DIMENSIONS:
            if name in self.frame:
                values = self.frame[name].dropna().astype(str).unique().tolist()
                out[name] = sorted(v for v in values if v)
            else:
                out[name] = []
        if len(self.events):
            out["agent"] = sorted(set(out["agent"]) | set(self.events["agent"].dropna()))
        out["channel"] = sorted(set(out["channel"]) | {c.value for c in Channel})
        if self.store is not None:
            from workbench.routing.queues import queues

            known = queues(self.store)
            self.queue_labels = {q.name: q.label or q.name for q in known}
            out["queues_known"] = [q.name for q in known]
            out["queue"] = sorted(set(out["queue"]) | set(out["queues_known"]))
        return out

    # --- the queue in offer order -------------------------------------------------------------

    def next_offers(self) -> pd.DataFrame:
        """The interactions waiting in a queue (the queue filter's, or all) in the order the
        router offers them, with each one's priority and the rules behind it, as of the last
        refresh or queue filter change (empty for a read-only dashboard)."""
        return self._next

    def _read_next_offers(self, limit: int = 20) -> pd.DataFrame:
        columns = [f.name for f in fields(NextOffer)]
        if self.store is None:
            return pd.DataFrame(columns=columns)
        found = next_offers(self.store, self.filters.queue, limit)
        return pd.DataFrame([astuple(o) for o in found], columns=columns)

    # --- drill-down ----------------------------------------------------------------------------

    def interactions(
        self,
        *,
        channel: str | None = None,
        interval: object | None = None,
        disposition: str | None = None,
        agent: str | None = None,
        sentiment: str | None = None,
        limit: int = 200,
    ) -> pd.DataFrame:
        """The interactions behind a figure: those in the window under the filters, of this
        ``channel``, arriving in this ``interval`` (its start, of the chart's length), with this
        ``disposition``, ``agent`` or ``sentiment``; newest first, at most ``limit``."""
        snap = self.snapshot
        rows = snap.rows
        keep = np.ones(len(rows), dtype=bool)
        for name, value in (
            ("channel", channel),
            ("disposition", disposition),
            ("agent", agent),
            ("sentiment", sentiment),
        ):
            if value is not None:
                keep &= (rows[name].astype(object) == value).to_numpy()
        if interval is not None:
            lo = as_utc(interval)
            hi = lo + pd.Timedelta(snap.freq)
            arr = rows["arrived_at"]
            keep &= ((arr >= lo) & (arr < hi)).to_numpy()
        if disposition is not None:
            keep &= rows["done_at"].notna().to_numpy()
        picked = rows[keep]
        picked = picked.sort_values("arrived_at", ascending=False, kind="stable").head(limit)
        return picked[[c for c in DRILL_COLUMNS if c in picked]].reset_index(drop=True)

    def close(self) -> None:
        if self._feed is not None:
            self._feed.close()
            self._feed = None


def _times(rows: pd.DataFrame, freq: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Median and 90th percentile of first response and handle time per arrival interval."""
    grid = pd.date_range(start.floor(freq), end, freq=freq)
    out = pd.DataFrame(index=grid)
    out.index.name = "at"
    if rows.empty:
        for c in ("fr_median", "fr_p90", "ht_median", "ht_p90"):
            out[c] = np.nan
        return out
    slot = rows["arrived_at"].dt.floor(freq)
    inbound = (rows["channel"].astype(object) != m.OUTBOUND).to_numpy()
    for prefix, column in (("fr", "first_response_seconds"), ("ht", "handle_seconds")):
        values = rows[column].astype("float64")
        ok = values.notna().to_numpy() & (values >= 0).to_numpy()
        if prefix == "fr":
            ok &= inbound
        g = values[ok].groupby(slot[ok].to_numpy())
        out[f"{prefix}_median"] = g.median().reindex(grid).to_numpy()
        out[f"{prefix}_p90"] = g.quantile(0.9).reindex(grid).to_numpy()
    return out


@functools.cache
def _shipped_dispositions() -> dict[str, str]:
    """The dispositions the package ships (``data/dispositions.json``): code -> label."""
    from workbench.reference import load_reference

    return {d["code"]: d["label"] for d in load_reference().dispositions}


def _plan_note() -> str:
    """The tariff's note for the plan of the settings (``WORKBENCH_X_PLAN``)."""
    from workbench.config import Settings
    from workbench.x_rules import tariff

    return tariff(Settings.from_env().x_plan).note

"""Supervisor metrics: plain functions of a ledger DataFrame (and, for agents, of the events).

Each function's docstring holds its definition; ``docs/metrics.md`` gathers them on one page.
Every metric returns a ``Metric``: its figures, an optional table behind them, and what it left
out and why (``excluded``: reason -> rows), so a supervisor can see what a figure does not count.
None of them crashes or divides by zero on an empty ledger: a figure with nothing to measure is
None. They accept object or categorical columns, and work with or without ``timeline``.

The ledger's columns are those of ``workbench.analytics.ledger``; times are timezone-aware UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.analytics._frame import (
    NAT,
    MetricError,
    View,
    as_utc,
    crosstab,
    nanos,
    share,
    view,
)
from workbench.domain import Action, Actionability, Event, Sentiment
from workbench.domain.agent import LOGGED_IN

__all__ = [
    "Metric",
    "MetricError",
    "agent_table",
    "agents_needed",
    "agreement",
    "between",
    "cost_per_handled",
    "dispositions",
    "every_metric",
    "events_frame",
    "first_response",
    "handle_time",
    "occupancy",
    "queue_now",
    "queue_over_time",
    "rates",
    "service_level",
    "shares",
    "spend",
    "staffing",
    "volume",
]

OUTBOUND = "outbound"
WAITING = ("queued", "offered")
HOLDING = "accepted"
_SKEW = "clock skew"
_NS = 1_000_000_000


@dataclass(frozen=True)
class Metric:
    """A metric's answer: named figures, the table behind them, and what it left out.

    ``excluded`` maps a reason ("no arrival time", "reply before arrival (clock skew)", ...)
    to the number of rows left out for it; reasons with no rows are not listed.
    """

    figures: dict[str, Any]
    table: pd.DataFrame | None = None
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def value(self) -> Any:
        """The headline figure (the first one)."""
        return next(iter(self.figures.values()), None)

    def __getitem__(self, name: str) -> Any:
        return self.figures[name]


def _excluded(**reasons: int) -> dict[str, int]:
    return {k: int(v) for k, v in reasons.items() if v}


def _reasons(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    return {k: int(v) for k, v in pairs if v}


def _now(now: object | None) -> pd.Timestamp:
    return as_utc(now) if now is not None else pd.Timestamp.now(tz="UTC")


def _stats(values: np.ndarray) -> dict[str, float | int | None]:
    """Count, mean, median and 90th percentile (linear interpolation) of ``values``."""
    if len(values) == 0:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    median, p90 = np.percentile(values, [50, 90])
    return {
        "count": len(values),
        "mean": float(values.mean()),
        "median": float(median),
        "p90": float(p90),
    }


def _groups(keys: np.ndarray, values: np.ndarray, k: int) -> list[np.ndarray]:
    """``values`` split by key code 0..k-1 (one stable sort: a 16-bit one is numpy's radix
    sort, linear in the rows)."""
    order = np.argsort(keys.astype("int16") if k < 2**15 else keys, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(keys, minlength=k))])
    ranked = values[order]
    return [ranked[bounds[i] : bounds[i + 1]] for i in range(k)]


def _group_stats(keys: np.ndarray, values: np.ndarray, k: int) -> pd.DataFrame:
    """``_stats`` of ``values`` per key code 0..k-1."""
    rows = [_stats(group) for group in _groups(keys, values, k)]
    return pd.DataFrame(rows, columns=["count", "mean", "median", "p90"])


def _group_medians(keys: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    return np.array([np.median(g) if len(g) else np.nan for g in _groups(keys, values, k)])


def _stats_by(v: View, by: str | None, values: np.ndarray, keep: np.ndarray) -> pd.DataFrame | None:
    if by is None:
        return None
    keys, names = v.labelled(by)
    table = _group_stats(keys[keep], values[keep], len(names))
    table.index = pd.Index(names, name=by)
    table = table[table["count"] > 0]
    return table.astype(
        {"count": "int64", "mean": "float64", "median": "float64", "p90": "float64"}
    )


def _inbound(v: View) -> np.ndarray:
    return ~v.isin("channel", [OUTBOUND])


def _held(v: View) -> np.ndarray:
    """Handle time per row, in seconds: the ledger's ``handle_seconds`` (the time held, from
    acceptance to done summed over the openings), else done minus the first acceptance."""
    if "handle_seconds" not in v.frame.columns:
        return v.seconds("done_at", "accepted_at")
    return v._memo(  # noqa: SLF001 - the view's cache, as its own conversions use it
        ("held",), lambda: pd.to_numeric(v.frame["handle_seconds"]).to_numpy(dtype="float64")
    )


def events_frame(events: Iterable[Event]) -> pd.DataFrame:
    """The events (``Store.events()``) as a DataFrame: ``at`` (UTC), ``interaction_id``,
    ``agent``, ``action`` (the string value) and ``details``, in log order."""
    rows = [
        (
            e.at,
            e.interaction_id,
            e.agent,
            e.action.value if isinstance(e.action, Action) else e.action,
            e.details,
        )
        for e in events
    ]
    frame = pd.DataFrame.from_records(
        rows, columns=["at", "interaction_id", "agent", "action", "details"]
    )
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def between(
    ledger: pd.DataFrame, start: object | None = None, end: object | None = None
) -> pd.DataFrame:
    """The rows that arrived in ``[start, end)`` (either bound optional); rows without an
    arrival time are dropped when a bound is given."""
    keep = pd.Series(True, index=ledger.index)
    if start is not None:
        keep &= ledger["arrived_at"] >= as_utc(start)
    if end is not None:
        keep &= ledger["arrived_at"] < as_utc(end)
    return ledger[keep.to_numpy()]


def volume(ledger: pd.DataFrame | View, freq: str = "1h", by: str | None = "channel") -> Metric:
    """Volume: interactions arrived per interval, split by ``by`` (channel, queue, timeline...).

    Counts every row with an arrival time in the interval of length ``freq`` (a fixed pandas
    offset such as ``"15min"``, ``"1h"``, ``"1D"``) that contains it; intervals start on the
    hour (UTC) and run from the first arrival's to the last one's, empty ones included (0).
    Rows whose ``by`` value is missing, or every row when the ledger has no ``by`` column (a
    ledger without ``timeline``), count under ``"unknown"``: the columns always add up to the
    rows counted. Left out: rows with no arrival time.
    Figures: ``total`` (rows counted). Table: one row per interval, one column per value.
    """
    v = view(ledger)
    arr = v.t("arrived_at")
    has = arr != NAT
    full, starts = v.slot_index("arrived_at", freq)
    index = full[has]
    if by is None:
        keys, names = np.zeros(int(has.sum()), dtype="int64"), ["total"]
    else:
        found, names = v.labelled(by)
        keys = found[has]
    counts = crosstab(index, keys, len(starts), len(names))
    table = pd.DataFrame(counts, index=starts, columns=pd.Index(names, name=by))
    return Metric(
        {"total": int(has.sum())}, table, _excluded(**{"no arrival time": int((~has).sum())})
    )


def queue_now(ledger: pd.DataFrame | View, now: object | None = None) -> Metric:
    """Queue depth and oldest wait now.

    Depth: interactions waiting for an agent now (state ``queued`` or ``offered``, offered but
    not accepted). Oldest wait: ``now`` minus the earliest arrival among them, in seconds (it
    counts from arrival, also for an interaction transferred back to a queue). Figures:
    ``depth``, ``oldest_wait_seconds``; table: the same per queue. Left out of the oldest
    wait (still counted in the depth): waiting rows with no arrival time, and rows that
    arrived after ``now`` (clock skew).
    """
    v = view(ledger)
    now_ts = _now(now)
    waiting = v.isin("state", WAITING)
    arr = v.t("arrived_at")[waiting]
    missing = arr == NAT
    future = ~missing & (arr > now_ts.value)
    timed = ~missing & ~future
    wait = np.where(timed, (now_ts.value - arr) / _NS, np.nan)
    queues, names = v.labelled("queue")
    frame = pd.DataFrame({"queue": queues[waiting], "wait": wait})
    g = frame.groupby("queue")["wait"]
    table = pd.DataFrame({"depth": g.size(), "oldest_wait_seconds": g.max()})
    table.index = pd.Index([names[i] for i in table.index], name="queue")
    oldest = float(np.nanmax(wait)) if timed.any() else None
    return Metric(
        {"depth": int(waiting.sum()), "oldest_wait_seconds": oldest},
        table,
        _excluded(
            **{
                "no arrival time (not in the oldest wait)": int(missing.sum()),
                f"arrived after now ({_SKEW}; not in the oldest wait)": int(future.sum()),
            }
        ),
    )


def queue_over_time(
    ledger: pd.DataFrame | View,
    freq: str = "15min",
    start: object | None = None,
    end: object | None = None,
) -> Metric:
    """Queue depth and oldest wait over time, sampled at each ``freq`` step from ``start``
    (default: the first arrival, floored to ``freq``) to ``end`` (default: the last time in
    the ledger).

    At time t an interaction is waiting if it arrived at or before t and was neither accepted
    (first acceptance) nor done by t. Depth: how many wait; oldest wait: t minus the earliest
    arrival among them (seconds, NaN when none wait). Waits after a transfer back to a queue
    are not seen (the ledger keeps the first acceptance). Left out: rows with no arrival time,
    and rows accepted or done before they arrived (clock skew).
    Figures: ``depth`` (at the last sample); table: ``depth`` and ``oldest_wait_seconds`` per
    sample time.
    """
    v = view(ledger)
    arr = v.t("arrived_at")
    acc, done = v.t("accepted_at"), v.t("done_at")
    big = np.iinfo("int64").max
    leave = np.minimum(np.where(acc == NAT, big, acc), np.where(done == NAT, big, done))
    has = arr != NAT
    skew = has & (leave < arr)
    ok = has & ~skew
    excluded = _excluded(
        **{
            "no arrival time": int((~has).sum()),
            f"accepted or done before arrival ({_SKEW})": int(skew.sum()),
        }
    )
    empty = pd.DataFrame(
        {"depth": pd.Series(dtype="int64"), "oldest_wait_seconds": pd.Series(dtype="float64")}
    )
    if start is None and not ok.any():
        return Metric({"depth": None}, empty, excluded)
    first = as_utc(start) if start is not None else pd.Timestamp(int(arr[ok].min()), tz="UTC")
    if end is not None:
        last = as_utc(end)
    else:
        times = np.concatenate([arr[ok], acc[ok & (acc != NAT)], done[ok & (done != NAT)]])
        last = pd.Timestamp(int(times.max()), tz="UTC") if len(times) else first
    grid_index = pd.date_range(first.floor(freq), last, freq=freq)
    if len(grid_index) == 0:
        return Metric({"depth": None}, empty, excluded)
    grid = grid_index.asi8 if grid_index.unit == "ns" else nanos(pd.Series(grid_index))
    a, lv = arr[ok], leave[ok]
    if len(a) and not (a[1:] >= a[:-1]).all():  # the ledger is usually in arrival order
        in_order = np.argsort(a, kind="stable")
        a, lv = a[in_order], lv[in_order]
    arrived_by = np.searchsorted(a, grid, side="right")
    left_by = np.searchsorted(np.sort(lv), grid, side="right")
    depth = arrived_by - left_by
    # The oldest waiting row at t is the first (by arrival) whose leave time is after t:
    # the running maximum of leave times finds it by binary search.
    running = np.maximum.accumulate(lv) if len(lv) else lv
    first_open = np.searchsorted(running, grid, side="right")
    waits = first_open < arrived_by
    oldest = np.full(len(grid), np.nan)
    if len(a):
        idx = np.minimum(first_open, len(a) - 1)
        oldest = np.where(waits, (grid - a[idx]) / _NS, np.nan)
    table = pd.DataFrame({"depth": depth, "oldest_wait_seconds": oldest}, index=grid_index)
    table.index.name = "at"
    return Metric({"depth": int(depth[-1])}, table, excluded)


def first_response(ledger: pd.DataFrame | View, by: str | None = None) -> Metric:
    """First response time: seconds from arrival to the first reply, DM or quote that X
    accepted (the ledger's ``first_reply_at``: a send still queued or refused is no response).

    Figures over the answered inbound interactions: ``median`` and ``p90`` (90th percentile,
    linear interpolation between ranks), ``mean``, ``count``; table per ``by`` value if given.
    Left out: outbound interactions (the brand spoke first), rows not answered yet, rows
    with no arrival time, and replies stamped before the arrival (clock skew).
    """
    v = view(ledger)
    inbound = _inbound(v)
    fr = v.seconds("first_reply_at", "arrived_at")
    no_arrival = inbound & ~v.has("arrived_at")
    unanswered = inbound & ~no_arrival & ~v.has("first_reply_at")
    skew = inbound & (fr < 0)
    keep = inbound & (fr >= 0)
    stats = _stats(fr[keep])
    return Metric(
        {
            "median": stats["median"],
            "p90": stats["p90"],
            "mean": stats["mean"],
            "count": stats["count"],
        },
        _stats_by(v, by, fr, keep),
        _excluded(
            **{
                "outbound (the brand spoke first)": int((~inbound).sum()),
                "not answered yet": int(unanswered.sum()),
                "no arrival time": int(no_arrival.sum()),
                f"reply before arrival ({_SKEW})": int(skew.sum()),
            }
        ),
    )


def _setting(name: str) -> float:
    from workbench.config import Settings

    return float(Settings.from_env()[name])


def service_level(
    ledger: pd.DataFrame | View,
    threshold: float | None = None,
    goal: float | None = None,
    now: object | None = None,
    freq: str | None = None,
) -> Metric:
    """Service level: the share of inbound interactions answered within ``threshold`` seconds
    of arrival (default ``WORKBENCH_SL_THRESHOLD``, 900), against ``goal`` (default
    ``WORKBENCH_SL_GOAL``, 0.8).

    Met: first reply at most ``threshold`` after arrival. Missed: first reply later, or no
    reply yet and more than ``threshold`` has passed by ``now`` (still unanswered past the
    threshold counts as a miss). Service level = met / (met + missed), None when both are 0.
    Figures: ``service_level``, ``met``, ``missed``, ``unanswered_missed`` (the misses with no
    reply yet), ``goal``, ``threshold``, ``meets_goal``; with ``freq``, a table per arrival
    interval (met, missed, service_level). Left out: outbound interactions, rows with no
    arrival time, replies before arrival and arrivals after ``now`` (clock skew), unanswered
    rows not yet past the threshold (not due yet), and rows done without any reply (no answer
    was given, so no speed of answer to measure).
    """
    v = view(ledger)
    threshold = _setting("WORKBENCH_SL_THRESHOLD") if threshold is None else float(threshold)
    goal = _setting("WORKBENCH_SL_GOAL") if goal is None else float(goal)
    now_ts = _now(now)
    inbound = _inbound(v)
    arr = v.t("arrived_at")
    fr = v.seconds("first_reply_at", "arrived_at")
    answered = ~np.isnan(fr)
    has_arrival = arr != NAT
    done = v.has("done_at")
    age = np.where(has_arrival, (now_ts.value - arr) / _NS, np.nan)
    base = inbound & has_arrival
    met = base & answered & (fr >= 0) & (fr <= threshold)
    late = base & answered & (fr > threshold)
    open_ = base & ~answered & ~done
    unanswered_missed = open_ & (age > threshold)
    missed = late | unanswered_missed
    figures: dict[str, Any] = {
        "service_level": share(met.sum(), met.sum() + missed.sum()),
        "met": int(met.sum()),
        "missed": int(missed.sum()),
        "unanswered_missed": int(unanswered_missed.sum()),
        "goal": goal,
        "threshold": threshold,
    }
    sl = figures["service_level"]
    figures["meets_goal"] = None if sl is None else bool(sl >= goal)
    table = None
    if freq is not None:
        counted = met | missed
        full, starts = v.slot_index("arrived_at", freq)
        index = full[counted]
        both = crosstab(index, met[counted].astype("int64"), len(starts), 2)
        table = pd.DataFrame({"met": both[:, 1], "missed": both[:, 0]}, index=starts)
        total = table["met"] + table["missed"]
        table["service_level"] = table["met"] / total.where(total > 0)
    return Metric(
        figures,
        table,
        _excluded(
            **{
                "outbound (the brand spoke first)": int((~inbound).sum()),
                "no arrival time": int((inbound & ~has_arrival).sum()),
                f"reply before arrival ({_SKEW})": int((base & answered & (fr < 0)).sum()),
                f"arrived after now ({_SKEW})": int((open_ & (age < 0)).sum()),
                "not due yet (unanswered, within the threshold)": int(
                    (open_ & (age >= 0) & (age <= threshold)).sum()
                ),
                "done without a reply": int((base & ~answered & done).sum()),
            }
        ),
    )


def handle_time(ledger: pd.DataFrame | View, by: str | None = None) -> Metric:
    """Handle time: the seconds an interaction was held, over done interactions.

    Held: from acceptance to done in each opening, summed over the openings (a reopened
    interaction counts the time before Done and the time after its reopen, never the hours it
    sat done between); the ledger's ``handle_seconds``. Figures: ``median``, ``p90`` (linear
    interpolation), ``mean``, ``count``; table per ``by`` value if given. Left out:
    interactions not done yet, done with no acceptance time, and done before accepted (clock
    skew).
    """
    v = view(ledger)
    hs = _held(v)
    done = v.has("done_at")
    accepted = v.has("accepted_at")
    keep = done & accepted & (hs >= 0)
    stats = _stats(hs[keep])
    return Metric(
        {
            "median": stats["median"],
            "p90": stats["p90"],
            "mean": stats["mean"],
            "count": stats["count"],
        },
        _stats_by(v, by, hs, keep),
        _excluded(
            **{
                "not done yet": int((~done).sum()),
                "done with no acceptance time": int((done & ~accepted).sum()),
                f"done before accepted ({_SKEW})": int((done & accepted & (hs < 0)).sum()),
            }
        ),
    )


def rates(ledger: pd.DataFrame | View) -> Metric:
    """Transfer, conference, reject and offer time-out rates.

    ``transfer_rate``: accepted interactions transferred at least once / accepted
    interactions; ``conference_rate``: accepted interactions with a conference / accepted
    interactions; ``reject_rate``: rejections / offers made; ``timeout_rate``: time-outs /
    offers made. Offers made = the router's offers plus transfers (a transfer hands the
    interaction to an agent or a queue without an offer event). Time-outs are the ledger's
    ``timeouts``: offers not accepted in time plus interactions requeued when their agent's
    heartbeat stopped. A rate with a zero denominator is None. Left out: counts a ledger
    lacks (reported as "no <column> column", the rate is None).
    """
    v = view(ledger)
    accepted = v.has("accepted_at")
    n_acc = int(accepted.sum())
    cols = {c: v.count(c) for c in ("transfers", "conferences", "offers", "rejections", "timeouts")}
    missing = _reasons((f"no {c} column", v.n) for c, got in cols.items() if got is None)

    def per_accepted(c: str) -> float | None:
        got = cols[c]
        return None if got is None else share(((got > 0) & accepted).sum(), n_acc)

    offers, transfers = cols["offers"], cols["transfers"]
    offered = (
        None if offers is None else offers.sum() + (0 if transfers is None else transfers.sum())
    )

    def per_offer(c: str) -> float | None:
        got = cols[c]
        return None if got is None or offered is None else share(got.sum(), offered)

    return Metric(
        {
            "transfer_rate": per_accepted("transfers"),
            "conference_rate": per_accepted("conferences"),
            "reject_rate": per_offer("rejections"),
            "timeout_rate": per_offer("timeouts"),
            "accepted": n_acc,
            "offers_made": None if offered is None else int(offered),
        },
        None,
        missing,
    )


def _known_dispositions() -> dict[str, str]:
    from workbench.reference import load_reference

    return {d["code"]: d["label"] for d in load_reference().dispositions}


def dispositions(ledger: pd.DataFrame | View, known: Mapping[str, str] | None = None) -> Metric:
    """Dispositions: how done interactions ended, by code.

    Counts done interactions per disposition code among the ``known`` codes (code -> label;
    default: the shipped ``data/dispositions.json``); table: ``count``, ``share`` (of the
    counted rows) and ``label`` per code, most frequent first. Left out: interactions not done
    yet, done without a disposition, and codes that are not known (each reason names them).
    """
    v = view(ledger)
    known = dict(_known_dispositions() if known is None else known)
    done = v.has("done_at")
    found, names = v.codes("disposition")
    blank_codes = [i for i, n in enumerate(names) if n == ""]
    blank = (found < 0) | np.isin(found, blank_codes)
    counted = np.bincount(found[done & ~blank], minlength=len(names))
    by_code = pd.Series(counted, index=names, dtype="int64")
    by_code = by_code[by_code > 0].sort_values(ascending=False, kind="stable")
    unknown = by_code[~by_code.index.isin(list(known))]
    counts = by_code[by_code.index.isin(list(known))]
    total = int(counts.sum())
    table = pd.DataFrame(
        {
            "count": counts,
            "share": counts / total if total else counts.astype("float64"),
            "label": [known[c] for c in counts.index],
        }
    )
    table.index.name = "disposition"
    excluded = _excluded(
        **{
            "not done yet": int((~done).sum()),
            "done without a disposition": int((done & blank).sum()),
        }
    )
    if len(unknown):
        listed = ", ".join(sorted(map(str, unknown.index)))
        excluded[f"unknown disposition code ({listed})"] = int(unknown.sum())
    return Metric({"counted": total}, table, excluded)


_VALUES = {
    "sentiment": [s.value for s in Sentiment],
    "actionability": [a.value for a in Actionability],
}


def shares(
    ledger: pd.DataFrame | View, column: str = "sentiment", freq: str | None = None
) -> Metric:
    """Sentiment or actionability shares, and their trend.

    The share of each value of ``column`` (``sentiment``: positive, negative, neutral,
    undeclared; ``actionability``: actionable, not_actionable, undeclared) among inbound
    interactions, after agents' corrections (the ledger holds the corrected value). Figures:
    one share per value (None on an empty ledger); table: with ``freq``, the shares per
    arrival interval (the trend; NaN for an interval with nothing counted), else the counts
    and shares overall. Left out: outbound interactions, rows with no value, values outside
    the vocabulary, and (for the trend) rows with no arrival time.
    """
    v = view(ledger)
    values = _VALUES.get(column)
    if values is None:
        raise MetricError("column", f"one of {', '.join(_VALUES)} is required, got {column!r}")
    inbound = _inbound(v)
    found, names = v.codes(column)
    # the column's codes as positions in the vocabulary (-1 outside it)
    remap = np.array([values.index(n) if n in values else -1 for n in names] + [-1])
    position = remap[found]  # a missing value (-1) picks the trailing -1
    blank = found < 0
    keep = inbound & (position >= 0)
    counts = np.bincount(position[keep], minlength=len(values))
    total = int(counts.sum())
    figures: dict[str, Any] = {v: share(counts[i], total) for i, v in enumerate(values)}
    excluded = _excluded(
        **{
            "outbound (the brand spoke first)": int((~inbound).sum()),
            f"no {column}": int((inbound & blank).sum()),
            f"{column} outside the vocabulary": int((inbound & ~blank & (position < 0)).sum()),
        }
    )
    if freq is None:
        table = pd.DataFrame(
            {"count": counts, "share": counts / total if total else np.full(len(values), np.nan)},
            index=pd.Index(values, name=column),
        )
    else:
        arr = v.t("arrived_at")
        timed = keep & (arr != NAT)
        excluded.update(
            _excluded(**{"no arrival time (not in the trend)": int((keep & ~timed).sum())})
        )
        full, starts = v.slot_index("arrived_at", freq)
        index = full[timed]
        grid = crosstab(index, position[timed], len(starts), len(values)).astype("float64")
        sums = grid.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            grid = np.where(sums > 0, grid / np.where(sums > 0, sums, 1), np.nan)
        table = pd.DataFrame(grid, index=starts, columns=pd.Index(values, name=column))
    return Metric(figures, table, excluded)


def _agent_rows(events: pd.DataFrame, actions: tuple[str, ...]) -> np.ndarray:
    """Positions, in time order, of the agent-level events (no interaction) with ``actions``."""
    mask = (
        events["interaction_id"].isna().to_numpy()
        & events["agent"].notna().to_numpy()
        & np.isin(events["action"].to_numpy(dtype=object), actions)
    )
    rows = np.flatnonzero(mask)
    return rows[np.argsort(nanos(events["at"])[rows], kind="stable")]


def occupancy(
    events: pd.DataFrame,
    start: object | None = None,
    end: object | None = None,
) -> Metric:
    """Occupancy per agent: time holding at least one interaction / time logged in, in
    ``[start, end]`` (default: from the first to the last event).

    ``events`` is the event log as a DataFrame (``events_frame(store.events())``). An agent
    holds an interaction from its ``accepted`` event by that agent until the interaction's
    next ``transferred``, ``requeued``, ``done`` or ``closed`` event (or ``end`` when none
    came); several at once count once (capacity > 1), conference parties do not hold. An agent
    counts as logged in from their first event (registration, a state change or handling) to
    ``end``: the log has no log-out event. Table per agent: ``logged_in_seconds``,
    ``holding_seconds``, ``occupancy``; figure ``occupancy``: all holding over all logged-in
    time. Left out: events with no time or agent, holds ending before they began (clock
    skew), and agents with no logged-in time in the window (occupancy None).
    """
    empty = pd.DataFrame(
        {
            "logged_in_seconds": pd.Series(dtype="float64"),
            "holding_seconds": pd.Series(dtype="float64"),
            "occupancy": pd.Series(dtype="float64"),
        }
    )
    empty.index.name = "agent"
    ev = events[events["at"].notna().to_numpy() & events["agent"].notna().to_numpy()]
    excluded = _excluded(**{"events with no time or agent": len(events) - len(ev)})
    if ev.empty and (start is None or end is None):
        return Metric({"occupancy": None}, empty, excluded)
    at = nanos(ev["at"])
    lo = as_utc(start).value if start is not None else int(at.min())
    hi = as_utc(end).value if end is not None else int(at.max())
    agent, agents = pd.factorize(ev["agent"].to_numpy(dtype=object))
    first = np.full(len(agents), np.iinfo("int64").max)
    np.minimum.at(first, agent, at)
    login = np.maximum(first, lo)
    logged = pd.Series(
        np.maximum(hi - login, 0) / _NS, index=pd.Index(agents, name="agent"), dtype="float64"
    )

    action = ev["action"].to_numpy(dtype=object)
    ends = (Action.TRANSFERRED.value, Action.REQUEUED.value, Action.DONE.value, Action.CLOSED.value)
    life = np.isin(action, (Action.ACCEPTED.value, *ends)) & ev["interaction_id"].notna().to_numpy()
    iid, _ = pd.factorize(ev["interaction_id"].to_numpy(dtype=object)[life])
    order = np.lexsort((np.arange(len(iid)), at[life], iid))
    s_iid, s_at = iid[order], at[life][order]
    s_action, s_agent = action[life][order], agent[life][order]
    same_next = np.append(s_iid[1:] == s_iid[:-1], False)
    next_at = np.append(s_at[1:], hi)
    accepted = s_action == Action.ACCEPTED.value
    h_start = s_at[accepted]
    h_end = np.where(same_next[accepted], next_at[accepted], hi)
    h_agent = s_agent[accepted]
    skew = h_end < h_start
    excluded.update(_excluded(**{f"hold ending before it began ({_SKEW})": int(skew.sum())}))
    h_start, h_end, h_agent = h_start[~skew], h_end[~skew], h_agent[~skew]
    # clip each hold to its agent's logged-in part of the window
    h_start = np.maximum(h_start, login[h_agent])
    h_end = np.minimum(h_end, hi)
    real = h_end > h_start
    h_start, h_end, h_agent = h_start[real], h_end[real], h_agent[real]
    by_agent = np.lexsort((h_start, h_agent))
    h_start, h_end, h_agent = h_start[by_agent], h_end[by_agent], h_agent[by_agent]
    # union of each agent's holds: the part of each one past the latest end before it
    low = np.iinfo("int64").min
    running = pd.Series(h_end).groupby(h_agent).cummax().to_numpy()
    before = np.append(low, running[:-1]) if len(running) else running
    before = np.where(np.append(True, h_agent[1:] != h_agent[:-1])[: len(h_agent)], low, before)
    covered = np.maximum(h_end - np.maximum(h_start, before), 0) / _NS
    holding = pd.Series(
        np.bincount(h_agent, weights=covered, minlength=len(agents)), index=logged.index
    )
    table = pd.DataFrame(
        {
            "logged_in_seconds": logged,
            "holding_seconds": holding,
            "occupancy": (holding / logged.where(logged > 0)).astype("float64"),
        }
    )
    table.index.name = "agent"
    none = int((logged <= 0).sum())
    excluded.update(_excluded(**{"agents with no time logged in (occupancy None)": none}))
    total_logged = float(logged.sum())
    return Metric({"occupancy": share(holding.sum(), total_logged)}, table, excluded)


OFFLINE = "offline"
"""An agent's state in the agents table after they signed out (or the router signed them out
when their heartbeat stopped), until they sign in again."""


def _agent_status(events: pd.DataFrame) -> pd.DataFrame:
    """Each agent's ``state`` and ``reason`` after their last agent event: registered,
    ``not_ready`` ("logged in"); a state change, its state and reason; signed out,
    ``offline`` (and why)."""
    kinds = (
        Action.AGENT_STATE.value,
        Action.AGENT_REGISTERED.value,
        Action.AGENT_SIGNED_OUT.value,
    )
    rows = _agent_rows(events, kinds)
    agents = events["agent"].to_numpy(dtype=object)[rows]
    actions = events["action"].to_numpy(dtype=object)[rows]
    details = events["details"].to_numpy(dtype=object)[rows]
    status: dict[str, tuple[str, str]] = {}
    for agent, action, detail in zip(agents, actions, details, strict=True):
        said = detail if isinstance(detail, dict) else {}
        if action == Action.AGENT_STATE.value:
            status[agent] = (str(said.get("state") or "not_ready"), str(said.get("reason") or ""))
        elif action == Action.AGENT_SIGNED_OUT.value:
            status[agent] = (OFFLINE, str(said.get("why") or ""))
        else:
            status[agent] = ("not_ready", LOGGED_IN)
    return pd.DataFrame.from_dict(status, orient="index", columns=["state", "reason"], dtype=object)


def _agent_states(events: pd.DataFrame) -> pd.Series:
    """Each agent's state after their last agent event (``_agent_status``)."""
    return _agent_status(events)["state"]


def agent_table(
    ledger: pd.DataFrame | View,
    events: pd.DataFrame | None = None,
    now: object | None = None,
    start: object | None = None,
    occupancy_result: Metric | None = None,
) -> Metric:
    """Per agent: state now, handled, open, median handle and first response time, occupancy,
    rejections, time-outs and agreement with the classifier.

    ``state`` and ``reason``: after the agent's last state event (registered: ``not_ready``,
    "logged in"; signed out: ``offline``, and why; set Not Ready by the router: "missed 2
    offers in a row"); ``handled``:
    done interactions they closed; ``open``: interactions they hold now (state ``accepted``);
    ``offered``: offers waiting for them; ``median_handle_seconds`` (time held, as in
    ``handle_time``) and ``median_first_response_seconds``: over the interactions they own
    (the last owner; a reply before a transfer is credited to the last owner); ``occupancy``
    as in ``occupancy(events, start, now)`` (or ``occupancy_result`` when already computed);
    ``rejections`` and ``timeouts``: the offers they rejected or let time out (from the
    events, so each is credited to the agent it was offered to; requeues after a lost
    heartbeat count as time-outs); ``agreement``: as in ``agreement``. Left out: rows with no
    agent; without ``events``, the state, occupancy, rejections and time-outs (None).
    """
    v = view(ledger)
    now_ts = _now(now)
    found, names = v.codes("agent")
    has = found >= 0
    k = len(names)
    keys = np.where(has, found, k)  # rows with no agent count in a last bucket, dropped below

    def per_agent(mask: np.ndarray) -> np.ndarray:
        return np.bincount(keys[mask], minlength=k + 1)[:k]

    done = v.has("done_at")
    hs = _held(v)
    fr = v.seconds("first_reply_at", "arrived_at")
    table = pd.DataFrame(
        {
            "handled": per_agent(done),
            "open": per_agent(v.isin("state", [HOLDING])),
            "offered": per_agent(v.isin("state", ["offered"])),
        },
        index=pd.Index(names, name="agent"),
    )
    good_hs = has & done & (hs >= 0)
    good_fr = has & _inbound(v) & (fr >= 0)
    table["median_handle_seconds"] = _group_medians(keys[good_hs], hs[good_hs], k)
    table["median_first_response_seconds"] = _group_medians(keys[good_fr], fr[good_fr], k)
    corrections = v.count("corrections")
    if corrections is not None:
        agreed = per_agent(done & (corrections == 0))
        table["agreement"] = agreed / table["handled"].where(table["handled"] > 0)
    table = table[per_agent(has) > 0]
    excluded = _excluded(**{"no agent": int((~has).sum())})
    if events is None:
        for column in ("state", "reason", "occupancy", "rejections", "timeouts"):
            table[column] = None
        excluded["no events given: state, occupancy, rejections, time-outs"] = len(table)
    else:
        status = _agent_status(events)
        occ = (occupancy_result or occupancy(events, start=start, end=now_ts)).table
        assert occ is not None  # occupancy always has its table
        every = table.index.union(status.index).union(occ.index)
        table = table.reindex(every)
        for column in ("handled", "open", "offered"):
            table[column] = table[column].fillna(0).astype("int64")
        table["state"] = status["state"].reindex(every)
        table["reason"] = status["reason"].reindex(every)
        table["occupancy"] = occ["occupancy"].reindex(every)
        inter = events["interaction_id"].notna().to_numpy() & events["agent"].notna().to_numpy()
        act = events["action"].to_numpy(dtype=object)[inter]
        who = pd.Series(events["agent"].to_numpy(dtype=object)[inter])
        table["rejections"] = (
            who[act == Action.REJECTED.value].value_counts().reindex(every, fill_value=0)
        ).astype("int64")
        timed_out = np.isin(act, [Action.OFFER_TIMED_OUT.value, Action.REQUEUED.value])
        table["timeouts"] = (
            who[timed_out].value_counts().reindex(every, fill_value=0).astype("int64")
        )
        table.index.name = "agent"
    return Metric({"agents": len(table)}, table, excluded)


def agreement(ledger: pd.DataFrame | View, by: str | None = "agent") -> Metric:
    """Agreement of agents with the classifier: the share of done interactions whose sentiment
    and actionability the agent left as classified (no ``corrected`` event).

    Figures: ``agreement``, ``done``, ``corrected`` (done interactions with a correction);
    table per ``by`` value (default: the agent who closed them). Left out: interactions not
    done yet, and every row when the ledger has no ``corrections`` column.
    """
    v = view(ledger)
    done = v.has("done_at")
    corrections = v.count("corrections")
    if corrections is None:
        return Metric(
            {"agreement": None, "done": int(done.sum()), "corrected": None},
            None,
            _excluded(**{"no corrections column": v.n}),
        )
    corrected = done & (corrections > 0)
    n_done = int(done.sum())
    table = None
    if by is not None:
        keys, names = v.labelled(by)
        n = np.bincount(keys[done], minlength=len(names))
        c = np.bincount(keys[corrected], minlength=len(names))
        table = pd.DataFrame({"done": n, "corrected": c}, index=pd.Index(names, name=by))
        table = table[table["done"] > 0]
        table["agreement"] = 1 - table["corrected"] / table["done"]
    return Metric(
        {
            "agreement": None if not n_done else 1 - corrected.sum() / n_done,
            "done": n_done,
            "corrected": int(corrected.sum()),
        },
        table,
        _excluded(**{"not done yet": int((~done).sum())}),
    )


def agents_needed(
    arrivals_per_hour: float,
    handle_seconds: float,
    target_seconds: float,
    goal: float,
    capacity: int = 1,
) -> int:
    """The fewest agents whose service level reaches ``goal``, by Erlang C.

    Erlang C (M/M/N: Poisson arrivals, exponential handle times, nobody abandons) with
    traffic A = arrivals_per_hour * handle_seconds / 3600 erlangs and N servers gives the
    probability to wait P(N, A) and the service level SL = 1 - P(N, A) * exp(-(N - A) *
    target_seconds / handle_seconds). Each agent takes ``capacity`` interactions at once,
    counted as ``capacity`` servers: the answer is ceil(N / capacity) for the fewest N with
    SL >= goal. No arrivals: 0 agents; no handle time: 1 agent (someone must answer).

    Erlang C (the waiting probability and service level of N servers) comes from pyworkforce's
    ``ErlangC``, a workforce-management library whose queuing module is small and tested and
    which installs beside this venv's numpy and pandas without changing them; the search for
    the fewest N is ours (see the comment in the code). Raises ``MetricError`` for a
    negative rate or time, a goal outside (0, 1] or a capacity below 1.
    """
    for name, v in (
        ("arrivals_per_hour", arrivals_per_hour),
        ("handle_seconds", handle_seconds),
        ("target_seconds", target_seconds),
    ):
        if not isinstance(v, int | float) or math.isnan(v) or v < 0 or math.isinf(v):
            raise MetricError(name, f"a finite number of 0 or more is required, got {v!r}")
    if not isinstance(goal, int | float) or not 0 < goal <= 1:
        raise MetricError("goal", f"a share greater than 0 and at most 1 is required, got {goal!r}")
    if not isinstance(capacity, int) or capacity < 1:
        raise MetricError("capacity", f"a whole number of 1 or more is required, got {capacity!r}")
    if arrivals_per_hour == 0:
        return 0
    if handle_seconds == 0:
        return 1
    from pyworkforce.queuing import ErlangC

    erlang = ErlangC(
        transactions=float(arrivals_per_hour),
        aht=float(handle_seconds),
        asa=float(target_seconds) or 1.0,  # pyworkforce refuses 0; SL(0) is computed below
        interval=3600,
    )
    # The search is ours: ErlangC.required_positions starts at round(A + 1), which skips the
    # fewest stable count floor(A) + 1 when A's fraction is .5 or more (A = 0.5 gives 2, where
    # 1 agent may do). Below N = floor(A) + 1 the queue grows without bound (SL undefined).
    servers = math.floor(erlang.intensity) + 1
    while _erlang_service_level(erlang, servers, target_seconds) < goal:
        servers += 1
    return math.ceil(servers / capacity)


def _erlang_service_level(erlang: Any, servers: int, target_seconds: float) -> float:
    if target_seconds > 0:
        return float(erlang.service_level(servers))
    return 1.0 - float(erlang.waiting_probability(servers))  # answered at once


def staffing(
    ledger: pd.DataFrame | View,
    events: pd.DataFrame | None = None,
    now: object | None = None,
    window_seconds: float = 3600.0,
    threshold: float | None = None,
    goal: float | None = None,
    capacity: int | None = None,
    waiting: int | None = None,
) -> Metric:
    """Staffing: agents needed to meet the service-level goal, beside agents logged in, and how
    long the agents in Ready take to clear the queue.

    ``agents_needed`` of the arrival rate over the last ``window_seconds`` before ``now``
    (inbound arrivals, per hour), the mean time held (``handle_time``) of those done in it
    (of all done ones when none were), the service-level ``threshold`` and ``goal`` (settings
    by default) and ``capacity`` (default: the agents' registered capacity, the median over
    agents, else 1). Figures: ``needed`` (None when there is no handle time to use),
    ``logged_in`` (agents signed in: with a state, and not signed out since; the router signs
    out an agent whose heartbeat stopped), ``ready`` (agents in Ready),
    ``arrivals_per_hour``, ``handle_seconds``, ``capacity``, ``waiting`` (``queue_now``'s depth
    at ``now`` unless given), ``served_per_hour`` (what the ready agents answer in an hour:
    ready * capacity * 3600 / handle time) and ``clear_seconds``: the waiting divided by what
    the ready agents answer beyond the arrivals, 0 with nobody waiting, ``inf`` when they answer
    no more than arrives (the queue does not shrink), None without a handle time or without
    ``events``. Erlang C's ``needed`` is for the arrivals, not for this backlog. Left out: rows
    with no arrival time, handle times below zero (clock skew), and without ``events`` the
    agent counts.
    """
    v = view(ledger)
    now_ts = _now(now)
    threshold = _setting("WORKBENCH_SL_THRESHOLD") if threshold is None else float(threshold)
    goal = _setting("WORKBENCH_SL_GOAL") if goal is None else float(goal)
    lo = now_ts.value - int(window_seconds * _NS)
    arr = v.t("arrived_at")
    recent = _inbound(v) & (arr != NAT) & (arr > lo) & (arr <= now_ts.value)
    rate = recent.sum() * 3600.0 / window_seconds if window_seconds > 0 else 0.0
    hs = _held(v)
    done = v.t("done_at")
    valid = ~np.isnan(hs) & (hs >= 0)
    in_window = valid & (done > lo) & (done <= now_ts.value)
    pool = hs[in_window] if in_window.any() else hs[valid]
    handle = float(pool.mean()) if len(pool) else None
    excluded = _excluded(
        **{
            "no arrival time": int((arr == NAT).sum()),
            f"done before accepted ({_SKEW})": int((~np.isnan(hs) & (hs < 0)).sum()),
        }
    )
    logged_in = ready = None
    if events is not None:
        states = _agent_states(events)
        logged_in, ready = int((states != OFFLINE).sum()), int((states == "ready").sum())
        if capacity is None:
            rows = _agent_rows(events, (Action.AGENT_REGISTERED.value,))
            latest = dict(
                zip(
                    events["agent"].to_numpy(dtype=object)[rows],
                    events["details"].to_numpy(dtype=object)[rows],
                    strict=True,
                )
            )
            caps = [int((d or {}).get("capacity") or 1) for d in latest.values()]
            capacity = max(1, int(np.median(caps))) if caps else None
    else:
        excluded["no events given: agents logged in and ready"] = 1
    capacity = capacity or 1
    needed = (
        None if handle is None else agents_needed(float(rate), handle, threshold, goal, capacity)
    )
    if handle is None:
        excluded["no done interaction with a handle time (needed None)"] = 1
    if waiting is None:
        waiting = int(queue_now(v, now_ts)["depth"])
    served: float | None = None
    if handle is not None and ready is not None:
        slots = ready * capacity
        served = slots * 3600.0 / handle if handle > 0 else (math.inf if slots else 0.0)
    clear: float | None
    if waiting == 0:
        clear = 0.0
    elif served is None:
        clear = None
    else:
        drain = served - float(rate)
        clear = waiting * 3600.0 / drain if drain > 0 else math.inf
    return Metric(
        {
            "needed": needed,
            "logged_in": logged_in,
            "ready": ready,
            "arrivals_per_hour": float(rate),
            "handle_seconds": handle,
            "capacity": capacity,
            "threshold": threshold,
            "goal": goal,
            "waiting": waiting,
            "served_per_hour": served,
            "clear_seconds": clear,
        },
        None,
        excluded,
    )


_SPEND_KEYS = ("timeline", "kind")


def _calls(calls: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """The calls' times (UTC) and costs (USD, missing as 0)."""
    if not len(calls):
        return pd.Series(dtype="datetime64[us, UTC]"), np.zeros(0)
    at = pd.to_datetime(calls["at"], utc=True)
    cost = pd.to_numeric(calls["cost"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    return at, cost


def spend(calls: pd.DataFrame, now: object | None = None) -> Metric:
    """Spend on X calls: what the recorded calls cost today and this month, per brand account
    (timeline) and kind.

    ``calls`` has one row per recorded X call, or per day, timeline and kind
    (``LiveLedger.spend``), with ``at``, ``timeline``, ``kind`` and ``cost`` (USD: X's
    pay-per-use prices of ``workbench/data/x_prices.json``, 0 on the other plans); ``calls``
    (requests per row, default 1) is counted when present. Today runs from UTC midnight to
    ``now``, this month from the 1st (UTC) to ``now``; later rows are left out (clock skew).
    Figures: ``today``, ``month`` (USD), ``calls_today``, ``calls_month``. Table: one row per
    (timeline, kind) with spend this month, ``today`` and ``month`` (USD) and ``calls_today``,
    ``calls_month``; dearest first.
    """
    now_ts = _now(now)
    midnight = now_ts.normalize()
    month_start = midnight.replace(day=1)
    at, cost = _calls(calls)
    n = (
        pd.to_numeric(calls["calls"]).to_numpy(dtype=np.int64)
        if "calls" in calls
        else np.ones(len(calls), dtype=np.int64)
    )
    later = (at > now_ts).to_numpy() if len(calls) else np.zeros(0, dtype=bool)
    month = (at >= month_start).to_numpy() & ~later if len(calls) else later
    today = (at >= midnight).to_numpy() & ~later if len(calls) else later
    columns = ["today", "month", "calls_today", "calls_month"]
    if month.any():
        rows = calls[month]
        frame = pd.DataFrame(
            {
                key: (rows[key].astype(object).fillna("unknown") if key in rows else "unknown")
                for key in _SPEND_KEYS
            }
        )
        frame["today"] = np.where(today[month], cost[month], 0.0)
        frame["month"] = cost[month]
        frame["calls_today"] = np.where(today[month], n[month], 0)
        frame["calls_month"] = n[month]
        table = frame.groupby(list(_SPEND_KEYS), sort=True)[columns].sum()
        table = table.sort_values("month", ascending=False, kind="stable")
    else:
        index = pd.MultiIndex.from_arrays([[], []], names=list(_SPEND_KEYS))
        table = pd.DataFrame({c: [] for c in columns}, index=index)
    return Metric(
        {
            "today": float(cost[today].sum()),
            "month": float(cost[month].sum()),
            "calls_today": int(n[today].sum()),
            "calls_month": int(n[month].sum()),
        },
        table,
        _excluded(**{"after now (clock skew)": int(later.sum())}),
    )


def cost_per_handled(
    ledger: pd.DataFrame | View,
    calls: pd.DataFrame,
    start: object | None = None,
    end: object | None = None,
) -> Metric:
    """Cost per handled interaction: what the X calls of ``[start, end)`` cost, over the
    interactions marked done in it.

    Every recorded call counts (reads, streamed deliveries and sends alike: polling the
    mentions serves every interaction), ``calls`` as for ``spend``. Handled: rows whose
    ``done_at`` is in the window (either bound optional). ``direct`` is the mean ``api_cost``
    (the calls made for that very interaction: its sends and lookups) of the handled rows.
    Figures: ``cost_per_handled`` (USD, None when nothing was handled), ``spend`` (USD),
    ``handled``, ``direct`` (USD or None). Table: the same per brand account (timeline).
    """
    v = view(ledger)
    frame = v.frame
    at, cost = _calls(calls)
    keep = np.ones(len(calls), dtype=bool)
    if start is not None and len(calls):
        keep &= (at >= as_utc(start)).to_numpy()
    if end is not None and len(calls):
        keep &= (at < as_utc(end)).to_numpy()
    done = frame["done_at"] if len(frame) else pd.Series(dtype="datetime64[us, UTC]")
    handled = done.notna().to_numpy().copy()
    if start is not None:
        handled &= (done >= as_utc(start)).fillna(False).to_numpy()
    if end is not None:
        handled &= (done < as_utc(end)).fillna(False).to_numpy()
    direct = (
        pd.to_numeric(frame["api_cost"]).to_numpy(dtype=float)[handled]
        if "api_cost" in frame
        else np.zeros(int(handled.sum()))
    )
    total = float(cost[keep].sum())
    count = int(handled.sum())
    timelines = (
        frame["timeline"].astype(object).fillna("unknown").to_numpy()[handled]
        if "timeline" in frame
        else np.full(count, "unknown", dtype=object)
    )
    spent_by = (
        pd.Series(cost[keep], index=calls["timeline"].astype(object).fillna("unknown")[keep])
        .groupby(level=0)
        .sum()
        if len(calls)
        else pd.Series(dtype=float)
    )
    handled_by = pd.Series(1, index=timelines).groupby(level=0).sum() if count else pd.Series()
    names = sorted(set(map(str, spent_by.index)) | set(map(str, handled_by.index)))
    table = pd.DataFrame(
        {
            "spend": [float(spent_by.get(n, 0.0)) for n in names],
            "handled": [int(handled_by.get(n, 0)) for n in names],
        },
        index=pd.Index(names, name="timeline"),
    )
    table["cost_per_handled"] = [
        s / h if h else None for s, h in zip(table["spend"], table["handled"], strict=True)
    ]
    return Metric(
        {
            "cost_per_handled": total / count if count else None,
            "spend": total,
            "handled": count,
            "direct": float(direct.mean()) if count else None,
        },
        table,
    )


def every_metric(
    ledger: pd.DataFrame | View,
    events: pd.DataFrame | None = None,
    now: object | None = None,
    freq: str = "1h",
) -> dict[str, Metric]:
    """Every metric of this module on one ledger (what the dashboard draws), by name; the
    ledger's columns are read once for all of them."""
    now_ts = _now(now)
    ledger = view(ledger)
    out = {
        "volume_by_channel": volume(ledger, freq, "channel"),
        "volume_by_queue": volume(ledger, freq, "queue"),
        "volume_by_timeline": volume(ledger, freq, "timeline"),
        "queue_now": queue_now(ledger, now_ts),
        "queue_over_time": queue_over_time(ledger, freq, end=now_ts),
        "first_response": first_response(ledger),
        "service_level": service_level(ledger, now=now_ts, freq=freq),
        "handle_time": handle_time(ledger),
        "rates": rates(ledger),
        "dispositions": dispositions(ledger),
        "sentiment": shares(ledger, "sentiment", freq),
        "actionability": shares(ledger, "actionability", freq),
        "agreement": agreement(ledger),
        "staffing": staffing(ledger, events, now_ts),
    }
    occ = None
    if events is not None:
        out["occupancy"] = occ = occupancy(events, end=now_ts)
    out["agents"] = agent_table(ledger, events, now_ts, occupancy_result=occ)
    return out

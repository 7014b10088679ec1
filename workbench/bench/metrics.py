"""Supervisor metrics: every metric the dashboard draws vs a bare pandas volume-per-hour groupby.

The ledger is built in memory (no store): one million interactions over 60 days with the
ledger's dtypes (categoricals for channel, queue, state, agent, disposition, sentiment,
actionability, timeline), and the events of the last day for the agent metrics.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from workbench.bench import Result, benchmark

FULL = 1_000_000
DAYS = 60
AGENTS = [f"agent{i:02d}" for i in range(30)]
NAME = "dashboard: every metric on a 1M-row ledger"


def synthetic_ledger(n: int, now: pd.Timestamp, seed: int = 7) -> pd.DataFrame:
    """``n`` interactions arrived over the ``DAYS`` days before ``now``, most of them done."""
    rng = np.random.default_rng(seed)
    span = DAYS * 86_400
    arrived = now - pd.to_timedelta(np.sort(rng.integers(0, span, n))[::-1], unit="s")
    state = rng.choice(["queued", "offered", "accepted", "done"], n, p=[0.01, 0.01, 0.03, 0.95])
    recent = (now - arrived) < pd.Timedelta(hours=2)
    state = np.where(recent | (state != "done"), state, "done")
    started = np.isin(state, ["accepted", "done"])
    done = state == "done"
    offered = arrived + pd.to_timedelta(rng.integers(1, 300, n), unit="s")
    accepted = offered + pd.to_timedelta(rng.integers(2, 60, n), unit="s")
    replied = accepted + pd.to_timedelta(rng.exponential(240, n).astype("int64"), unit="s")
    finished = replied + pd.to_timedelta(rng.exponential(420, n).astype("int64"), unit="s")

    def cat(values: object, categories: list[str]) -> pd.Categorical:
        return pd.Categorical(values, categories=categories)

    codes = ["resolved", "answered_question", "escalated", "refund_issued", "thanked", "spam"]
    frame = pd.DataFrame(
        {
            "interaction_id": np.char.mod("%032x", np.arange(n)),
            "tweet_id": np.char.mod("%d", 10**17 + np.arange(n)),
            "channel": cat(
                rng.choice(["mention", "dm", "outbound"], n, p=[0.6, 0.35, 0.05]),
                ["mention", "dm", "outbound"],
            ),
            "contact": rng.choice([f"user{i}" for i in range(5000)], n),
            "agent": cat(np.where(np.isin(state, ["queued"]), None, rng.choice(AGENTS, n)), AGENTS),  # type: ignore[call-overload]
            "queue": cat(rng.choice(["mentions", "dms", "vip"], n), ["mentions", "dms", "vip"]),
            "state": cat(state, ["queued", "offered", "accepted", "done"]),
            "arrived_at": arrived,
            "offered_at": pd.Series(offered).where(state != "queued"),
            "accepted_at": pd.Series(accepted).where(started),
            "first_reply_at": pd.Series(replied).where(started),
            "done_at": pd.Series(finished).where(done),
            "disposition": cat(np.where(done, rng.choice(codes, n), None), codes),  # type: ignore[call-overload]
            "note": "",
            "sentiment": cat(
                rng.choice(["positive", "negative", "neutral", "undeclared"], n),
                ["positive", "negative", "neutral", "undeclared"],
            ),
            "actionability": cat(
                rng.choice(["actionable", "not_actionable", "undeclared"], n),
                ["actionable", "not_actionable", "undeclared"],
            ),
            "replies": np.where(started, rng.integers(1, 4, n), 0),
            "transfers": rng.binomial(1, 0.05, n),
            "offers": np.where(state == "queued", 0, 1 + rng.binomial(1, 0.1, n)),
            "rejections": rng.binomial(1, 0.05, n),
            "timeouts": rng.binomial(1, 0.03, n),
            "conferences": rng.binomial(1, 0.02, n),
            "consultations": rng.binomial(1, 0.02, n),
            "corrections": rng.binomial(1, 0.1, n),
            "timeline": cat(
                rng.choice(["AcmeSupport", "AcmeHelp", "AcmeDeals"], n, p=[0.7, 0.2, 0.1]),
                ["AcmeSupport", "AcmeHelp", "AcmeDeals"],
            ),
        }
    )
    frame["handle_seconds"] = (frame["done_at"] - frame["accepted_at"]).dt.total_seconds()
    frame["first_response_seconds"] = (
        frame["first_reply_at"] - frame["arrived_at"]
    ).dt.total_seconds()
    return frame


def synthetic_events(ledger: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Agent events (registered, Ready) and the last day's accept/done events of ``ledger``."""
    day = ledger[ledger["arrived_at"] >= now - pd.Timedelta(days=1)]
    start = now - pd.Timedelta(days=DAYS)
    parts = [
        pd.DataFrame(
            {
                "at": [start] * len(AGENTS) * 2,
                "interaction_id": None,
                "agent": AGENTS * 2,
                "action": ["agent_registered"] * len(AGENTS) + ["agent_state"] * len(AGENTS),
                "details": [{"capacity": 2}] * len(AGENTS)
                + [{"state": "ready", "previous": "not_ready", "reason": ""}] * len(AGENTS),
            }
        )
    ]
    for column, action in (("accepted_at", "accepted"), ("done_at", "done")):
        rows = day[day[column].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "at": rows[column].to_numpy(),
                    "interaction_id": rows["interaction_id"].to_numpy(),
                    "agent": rows["agent"].astype(object).to_numpy(),
                    "action": action,
                    "details": [{}] * len(rows),
                }
            )
        )
    events = pd.concat(parts, ignore_index=True).sort_values("at", kind="stable")
    events["at"] = pd.to_datetime(events["at"], utc=True)
    return events.reset_index(drop=True)


def _best(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


@benchmark(NAME)
def every_metric_1m(scale: float) -> Result:
    from workbench.analytics.metrics import agents_needed, every_metric

    n = max(1_000, int(FULL * scale))
    now = pd.Timestamp("2026-03-02 12:00", tz="UTC")
    ledger = synthetic_ledger(n, now)
    events = synthetic_events(ledger, now)
    agents_needed(10, 300, 60, 0.8)  # imports pyworkforce once, outside the timing

    def ours() -> None:
        every_metric(ledger, events, now, "1h")

    def bare() -> None:
        slots = ledger["arrived_at"].dt.floor("1h")
        ledger.groupby([slots, "channel"], observed=True).size().unstack(fill_value=0)

    ours()
    name = NAME if n == FULL else f"dashboard: every metric on a {n:,}-row ledger"
    return Result(name, _best(ours), _best(bare), "s")

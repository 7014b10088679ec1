"""A ledger DataFrame with the columns of DESIGN.md, made for tests of what reads ledgers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.analytics import COLUMNS


def sample_ledger(n: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arrived = pd.Timestamp("2026-03-02 08:00", tz="UTC") + pd.to_timedelta(
        np.sort(rng.integers(0, 8 * 3600, n)), unit="s"
    )
    state = rng.choice(["queued", "offered", "accepted", "done"], n, p=[0.1, 0.05, 0.15, 0.7])
    wait = pd.to_timedelta(rng.integers(5, 600, n), unit="s")
    reply = pd.to_timedelta(rng.integers(30, 1800, n), unit="s")
    handle = pd.to_timedelta(rng.integers(60, 3600, n), unit="s")
    started = np.isin(state, ["accepted", "done"])
    done = state == "done"
    frame = pd.DataFrame(
        {
            "interaction_id": [f"{i:032x}" for i in range(n)],
            "tweet_id": [str(10**17 + i) for i in range(n)],
            "channel": rng.choice(["mention", "dm"], n, p=[0.7, 0.3]),
            "contact": rng.choice(["dana_rivera", "techjoe", "<script>x</script>"], n),
            "agent": np.where(state == "queued", None, rng.choice(["ann", "bob"], n)),
            "queue": rng.choice(["mentions", "dms", "vip"], n),
            "state": state,
            "arrived_at": arrived,
            "offered_at": arrived + wait,
            "accepted_at": (arrived + wait).where(started),
            "first_reply_at": (arrived + wait + reply).where(started),
            "done_at": (arrived + wait + handle).where(done),
            "disposition": np.where(done, rng.choice(["resolved", "spam", "thanked"], n), None),
            "note": "",
            "sentiment": rng.choice(["positive", "negative", "neutral", "undeclared"], n),
            "actionability": rng.choice(["actionable", "not_actionable", "undeclared"], n),
            "replies": np.where(started, rng.integers(1, 4, n), 0),
            "transfers": rng.integers(0, 2, n),
        }
    )
    frame["handle_seconds"] = (frame["done_at"] - frame["accepted_at"]).dt.total_seconds()
    frame["first_response_seconds"] = (
        frame["first_reply_at"] - frame["arrived_at"]
    ).dt.total_seconds()
    frame["timeline"] = np.where(frame["channel"] == "mention", "brand", "")
    frame["contact_name"] = frame["contact"].str.title()
    frame["text"] = [f"message {i} from <b>{c}</b>" for i, c in enumerate(frame["contact"])]
    frame["tweet_url"] = (
        "https://x.com/" + frame["contact"] + "/status/" + frame["tweet_id"]
    ).where(frame["channel"] == "mention")
    return frame[COLUMNS]

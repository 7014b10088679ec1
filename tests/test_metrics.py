"""Supervisor metrics on hand-computed ledgers, edge ledgers, random ledgers and a real store."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.analytics import ledger as build_ledger
from workbench.analytics import metrics as m
from workbench.analytics.ledger import COLUMNS, EXTRA
from workbench.domain import Action, Channel, Contact, Event, Interaction
from workbench.store import Change

T0 = pd.Timestamp("2026-03-02 09:00", tz="UTC")
NOW = T0 + pd.Timedelta(seconds=4000)
TIMES = ["arrived_at", "offered_at", "accepted_at", "first_reply_at", "done_at"]
CATEGORICAL = ["channel", "queue", "state", "agent", "disposition", "sentiment", "actionability"]


def t(seconds: float | None) -> pd.Timestamp | None:
    return None if seconds is None else T0 + pd.Timedelta(seconds=seconds)


def row(iid: str, **kw: object) -> dict[str, object]:
    """One ledger row; times given as seconds after T0."""
    out: dict[str, object] = {c: None for c in COLUMNS + EXTRA}
    out.update(interaction_id=iid, tweet_id=None, contact="dana", note="", replies=0)
    out.update({c: 0 for c in ("transfers", *EXTRA)})
    out.update({"channel": "mention", "queue": "mentions", "state": "queued"})
    out.update({"sentiment": "neutral", "actionability": "actionable"})
    for key, value in kw.items():
        out[key] = t(value) if key in TIMES else value  # type: ignore[arg-type]
    return out


def frame(rows: list[dict[str, object]], categorical: bool = False, timeline: bool = False):
    out = pd.DataFrame(rows, columns=COLUMNS + EXTRA)
    for column in TIMES:
        out[column] = pd.to_datetime(out[column], utc=True)
    out["handle_seconds"] = (out["done_at"] - out["accepted_at"]).dt.total_seconds()
    out["first_response_seconds"] = (out["first_reply_at"] - out["arrived_at"]).dt.total_seconds()
    if timeline:
        out["timeline"] = ["AcmeSupport" if i % 2 == 0 else "AcmeHelp" for i in range(len(out))]
    if categorical:
        for column in CATEGORICAL + (["timeline"] if timeline else []):
            out[column] = out[column].astype("category")
    return out


def desk() -> list[dict[str, object]]:
    """Five interactions worked by hand (seconds after 09:00; now is 4000 s = 10:06:40)."""
    return [
        row("a", channel="mention", agent="ann", state="done", arrived_at=0, offered_at=10,
            accepted_at=30, first_reply_at=60, done_at=330, disposition="resolved",
            sentiment="negative", offers=1),
        row("b", channel="dm", queue="dms", agent="bob", state="done", arrived_at=600,
            offered_at=610, accepted_at=620, first_reply_at=1800, done_at=2400,
            disposition="spam", transfers=1, offers=2, rejections=1, conferences=1,
            corrections=1, actionability="not_actionable"),
        row("c", arrived_at=3000, sentiment="positive", offers=1, timeouts=1),
        row("d", queue="vip", agent="ann", state="accepted", arrived_at=3700, offered_at=3710,
            accepted_at=3720, first_reply_at=3780, sentiment="negative", offers=1),
        row("e", channel="outbound", agent="ann", state="done", arrived_at=3800,
            accepted_at=3800, done_at=3900, disposition="thanked", sentiment="undeclared"),
    ]  # fmt: skip


def desk_events() -> pd.DataFrame:
    def ev(seconds, action, agent, iid=None, **details):
        return Event(action, iid, agent, t(seconds).to_pydatetime(), details)

    return m.events_frame(
        [
            ev(-600, "agent_registered", "ann", capacity=2, queues=None),
            ev(0, "agent_state", "ann", state="ready", previous="not_ready", reason=""),
            ev(30, "accepted", "ann", "a"),
            ev(330, "done", "ann", "a"),
            ev(500, "agent_registered", "bob", capacity=1, queues=None),
            ev(500, "agent_state", "bob", state="ready", previous="not_ready", reason=""),
            ev(605, "rejected", "ann", "b"),
            ev(620, "accepted", "bob", "b"),
            ev(2400, "done", "bob", "b"),
            ev(3000, "agent_state", "bob", state="not_ready", previous="ready", reason="break"),
            ev(3100, "offer_timed_out", "ann", "c"),
            ev(3720, "accepted", "ann", "d"),
            ev(3800, "accepted", "ann", "e"),
            ev(3900, "done", "ann", "e"),
        ]
    )


dtypes = pytest.mark.parametrize(
    ("categorical", "timeline"), [(False, False), (True, False), (False, True), (True, True)]
)


@dtypes
def test_volume_per_interval_by_channel_queue_and_timeline(categorical, timeline):
    ledger = frame(desk(), categorical, timeline)
    by_channel = m.volume(ledger, "1h", "channel")
    assert by_channel["total"] == 5 and by_channel.excluded == {}
    table = by_channel.table
    assert table.loc[t(0), "mention"] == 2 and table.loc[t(0), "dm"] == 1
    assert table.loc[t(3600), "mention"] == 1 and table.loc[t(3600), "outbound"] == 1
    assert table.loc[t(3600), "dm"] == 0
    assert m.volume(ledger, "1h", "queue").table.loc[t(0)].to_dict() == {
        "dms": 1, "mentions": 2, "vip": 0
    }  # fmt: skip
    by_timeline = m.volume(ledger, "1h", "timeline").table
    if timeline:
        assert by_timeline.loc[t(0)].to_dict() == {"AcmeHelp": 1, "AcmeSupport": 2}
    else:  # no timeline column: all rows counted under "unknown"
        assert by_timeline["unknown"].tolist() == [3, 2]
    assert m.volume(ledger, "1D", None).table["total"].tolist() == [5]


@dtypes
def test_queue_now_and_over_time(categorical, timeline):
    ledger = frame(desk(), categorical, timeline)
    now = m.queue_now(ledger, NOW)
    assert (now["depth"], now["oldest_wait_seconds"]) == (1, 1000.0)
    assert now.table.loc["mentions", "depth"] == 1
    over = m.queue_over_time(ledger, "1h", end=NOW)
    # 09:00: "a" waits (arrived 0 s, accepted 30 s); 10:00: "c" waits since 09:50
    assert over.table["depth"].tolist() == [1, 1]
    assert over.table["oldest_wait_seconds"].tolist() == [0.0, 600.0]
    fine = m.queue_over_time(ledger, "10min", end=t(1200)).table
    assert fine["depth"].tolist() == [1, 1, 0]  # 09:00 a, 09:10 b (accepted 620 s), 09:20 none
    assert fine["oldest_wait_seconds"].iloc[:2].tolist() == [0.0, 0.0]
    assert math.isnan(fine["oldest_wait_seconds"].iloc[2])


@dtypes
def test_first_response_median_and_90th_percentile(categorical, timeline):
    result = m.first_response(frame(desk(), categorical, timeline), by="channel")
    # answered inbound: 60, 80, 1200 s; p90 = 80 + 0.8 * (1200 - 80)
    assert (result["median"], result["p90"], result["count"]) == (80.0, 976.0, 3)
    assert result["mean"] == pytest.approx(1340 / 3)
    assert result.excluded == {"outbound (the brand spoke first)": 1, "not answered yet": 1}
    assert result.table.loc["dm", "median"] == 1200.0
    assert result.table.loc["mention", "median"] == 70.0


@dtypes
def test_service_level_counts_the_unanswered_past_the_threshold_as_misses(categorical, timeline):
    ledger = frame(desk(), categorical, timeline)
    result = m.service_level(ledger, threshold=900, goal=0.8, now=NOW, freq="1h")
    # met: a (60 s), d (80 s); missed: b (1200 s), c (unanswered for 1000 s)
    assert result["service_level"] == 0.5
    assert (result["met"], result["missed"], result["unanswered_missed"]) == (2, 2, 1)
    assert result["meets_goal"] is False
    assert result.excluded == {"outbound (the brand spoke first)": 1}
    assert result.table["service_level"].tolist() == [pytest.approx(1 / 3), 1.0]
    earlier = m.service_level(ledger, threshold=900, goal=0.6, now=t(3500))
    assert earlier["service_level"] == pytest.approx(2 / 3) and earlier["meets_goal"] is True
    assert earlier.excluded["not due yet (unanswered, within the threshold)"] == 1


def test_service_level_defaults_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("WORKBENCH_SL_THRESHOLD", "60")
    monkeypatch.setenv("WORKBENCH_SL_GOAL", "0.5")
    result = m.service_level(frame(desk()), now=NOW)
    assert (result["threshold"], result["goal"]) == (60.0, 0.5)
    assert (result["met"], result["missed"]) == (1, 3)  # only "a" (60 s) is within a minute
    monkeypatch.delenv("WORKBENCH_SL_THRESHOLD")
    monkeypatch.delenv("WORKBENCH_SL_GOAL")
    assert (m.service_level(frame(desk()), now=NOW)["threshold"]) == 900.0


@dtypes
def test_handle_time(categorical, timeline):
    result = m.handle_time(frame(desk(), categorical, timeline), by="agent")
    # done: a 300 s, b 1780 s, e 100 s
    assert (result["median"], result["p90"], result["count"]) == (300.0, 1484.0, 3)
    assert result["mean"] == pytest.approx(2180 / 3)
    assert result.excluded == {"not done yet": 2}
    assert result.table.loc["ann", "median"] == 200.0


@dtypes
def test_transfer_conference_reject_and_timeout_rates(categorical, timeline):
    result = m.rates(frame(desk(), categorical, timeline))
    assert result["accepted"] == 4 and result["offers_made"] == 6  # 5 offers + 1 transfer
    assert (result["transfer_rate"], result["conference_rate"]) == (0.25, 0.25)
    assert result["reject_rate"] == pytest.approx(1 / 6)
    assert result["timeout_rate"] == pytest.approx(1 / 6)
    assert result.excluded == {}


@dtypes
def test_dispositions(categorical, timeline):
    result = m.dispositions(frame(desk(), categorical, timeline))
    assert result["counted"] == 3
    assert result.table["count"].to_dict() == {"resolved": 1, "spam": 1, "thanked": 1}
    assert result.table.loc["spam", "label"] == "Spam or abuse"
    assert result.table["share"].sum() == pytest.approx(1.0)
    assert result.excluded == {"not done yet": 2}


@dtypes
def test_sentiment_and_actionability_shares_and_trend(categorical, timeline):
    ledger = frame(desk(), categorical, timeline)
    sentiment = m.shares(ledger, "sentiment")
    assert sentiment.figures == {
        "positive": 0.25, "negative": 0.5, "neutral": 0.25, "undeclared": 0.0
    }  # fmt: skip
    assert sentiment.excluded == {"outbound (the brand spoke first)": 1}
    trend = m.shares(ledger, "sentiment", "1h").table
    assert trend.loc[t(0), "negative"] == pytest.approx(1 / 3)
    assert trend.loc[t(3600)].to_dict() == {
        "positive": 0.0, "negative": 1.0, "neutral": 0.0, "undeclared": 0.0
    }  # fmt: skip
    action = m.shares(ledger, "actionability")
    assert (action["actionable"], action["not_actionable"]) == (0.75, 0.25)
    with pytest.raises(m.MetricError, match="column: one of sentiment, actionability"):
        m.shares(ledger, "queue")


@dtypes
def test_agreement_with_the_classifier(categorical, timeline):
    result = m.agreement(frame(desk(), categorical, timeline))
    assert result["agreement"] == pytest.approx(2 / 3)
    assert (result["done"], result["corrected"]) == (3, 1)
    assert result.table["agreement"].to_dict() == {"ann": 1.0, "bob": 0.0}


def test_occupancy_from_the_agent_events():
    result = m.occupancy(desk_events(), start=T0, end=NOW)
    table = result.table
    # ann: logged in 09:00-now (4000 s); holds a 30-330 and d 3720-now (e inside it): 580 s
    assert table.loc["ann", "logged_in_seconds"] == 4000.0
    assert table.loc["ann", "holding_seconds"] == 580.0
    assert table.loc["ann", "occupancy"] == 580 / 4000
    # bob: logged in from 500 s (3500 s); holds b 620-2400
    assert table.loc["bob", "occupancy"] == 1780 / 3500
    assert result["occupancy"] == pytest.approx(2360 / 7500)
    assert result.excluded == {}


def test_a_transfer_ends_the_hold():
    def ev(seconds, action, agent, iid=None, **details):
        return Event(action, iid, agent, t(seconds).to_pydatetime(), details)

    events = m.events_frame(
        [
            ev(0, "agent_registered", "ann"),
            ev(0, "agent_registered", "cy"),
            ev(100, "accepted", "ann", "f"),
            ev(200, "transferred", "ann", "f", to_agent="cy"),
            ev(250, "accepted", "cy", "f"),
            ev(400, "done", "cy", "f"),
        ]
    )
    table = m.occupancy(events, start=T0, end=t(1000)).table
    assert table["holding_seconds"].to_dict() == {"ann": 100.0, "cy": 150.0}


@dtypes
def test_agent_table(categorical, timeline):
    ledger = frame(desk(), categorical, timeline)
    table = m.agent_table(ledger, desk_events(), NOW, start=T0).table
    ann, bob = table.loc["ann"], table.loc["bob"]
    assert (ann["state"], bob["state"]) == ("ready", "not_ready")
    assert (ann["handled"], ann["open"], bob["handled"], bob["open"]) == (2, 1, 1, 0)
    assert (ann["median_handle_seconds"], bob["median_handle_seconds"]) == (200.0, 1780.0)
    # ann's inbound answers: a 60 s, d 80 s (e is outbound)
    assert ann["median_first_response_seconds"] == 70.0
    assert (ann["rejections"], ann["timeouts"], bob["rejections"]) == (1, 1, 0)
    assert ann["occupancy"] == 580 / 4000
    assert (ann["agreement"], bob["agreement"]) == (1.0, 0.0)
    bare = m.agent_table(ledger, None, NOW)
    assert bare.table.loc["ann", "state"] is None
    assert "no events given: state, occupancy, rejections, time-outs" in bare.excluded


def test_staffing_uses_the_last_hour():
    result = m.staffing(frame(desk()), desk_events(), NOW, threshold=900, goal=0.8)
    # arrivals in the hour before now: b, c, d (e is outbound); done in it: b 1780 s, e 100 s
    assert result["arrivals_per_hour"] == 3.0 and result["handle_seconds"] == 940.0
    assert result["capacity"] == 1  # the median of ann's 2 and bob's 1, whole
    # A = 3 * 940 / 3600 erlangs: SL(1) = 0.363, SL(2) = 0.931 (worked by hand)
    assert result["needed"] == 2
    assert (result["logged_in"], result["ready"]) == (2, 1)


def test_staffing_says_how_long_the_ready_agents_take_to_clear_the_queue():
    ledger, events = frame(desk()), desk_events()
    result = m.staffing(ledger, events, NOW, threshold=900, goal=0.8)
    assert result["waiting"] == m.queue_now(ledger, NOW)["depth"] == 1
    # 1 agent in Ready, 1 at a time, 940 s a handle: 3600 / 940 = 3.83 an hour, 3 arrive:
    # the one waiting is answered in 3600 / 0.83 s (worked by hand)
    assert result["served_per_hour"] == pytest.approx(3600 / 940)
    assert result["clear_seconds"] == pytest.approx(3600 / (3600 / 940 - 3))
    bigger = m.staffing(ledger, events, NOW, threshold=900, goal=0.8, waiting=10)
    assert bigger["clear_seconds"] == pytest.approx(10 * result["clear_seconds"])
    away = Event("agent_state", None, "ann", t(3950).to_pydatetime(), {"state": "not_ready"})
    gone = pd.concat([events, m.events_frame([away])], ignore_index=True)
    nobody = m.staffing(ledger, gone, NOW, threshold=900, goal=0.8)
    assert (nobody["ready"], nobody["served_per_hour"]) == (0, 0.0)
    assert nobody["clear_seconds"] == math.inf  # no more answered than arrive: it does not shrink
    assert m.staffing(ledger, events, NOW, waiting=0)["clear_seconds"] == 0.0
    assert m.staffing(ledger, None, NOW)["clear_seconds"] is None  # no agent states


def test_agents_needed_by_hand():
    # M/M/1 with A = 0.5: SL(60 s) = 1 - 0.5 * exp(-0.5) = 0.697; with 2 agents P(wait) = 0.1
    assert m.agents_needed(30, 60, 60, 0.6) == 1
    assert m.agents_needed(30, 60, 60, 0.7) == 2
    assert m.agents_needed(30, 60, 0, 0.9) == 2  # SL(0) = 1 - P(wait) = 0.9 with 2 agents
    assert m.agents_needed(30, 60, 0, 0.91) == 3
    assert m.agents_needed(0, 60, 60, 0.8) == 0  # no arrivals
    assert m.agents_needed(30, 0, 60, 0.8) == 1  # no handle time: someone still answers
    assert m.agents_needed(186, 60, 30, 0.9, capacity=2) == 3  # 6 servers, 2 per agent


@pytest.mark.parametrize(
    ("field", "args"),
    [
        ("arrivals_per_hour", (-1, 60, 60, 0.8)),
        ("handle_seconds", (10, float("nan"), 60, 0.8)),
        ("target_seconds", (10, 60, -5, 0.8)),
        ("goal", (10, 60, 60, 0)),
        ("goal", (10, 60, 60, 1.5)),
    ],
)
def test_agents_needed_names_the_broken_rule(field, args):
    with pytest.raises(m.MetricError, match=f"^{field}: "):
        m.agents_needed(*args)
    with pytest.raises(m.MetricError, match="^capacity: "):
        m.agents_needed(10, 60, 60, 0.8, capacity=0)


# Avaya Communication Manager, Basic Call Management System (BCMS) Operations, 07-300061,
# Issue 5.0, May 2005, "Average service time engineering tables" (pp. 107-112): the
# busy-hour calls N agents carry so that 90 percent of calls are answered before the delay,
# here the 60-second average service time table, delays 30, 40 and 45 seconds.
BCMS_60_SECONDS = [
    (5, 30, 186), (5, 40, 197), (5, 45, 202),
    (6, 30, 238), (6, 40, 251), (6, 45, 257),
]  # fmt: skip


@pytest.mark.parametrize(("agents", "delay", "calls"), BCMS_60_SECONDS)
def test_erlang_c_matches_a_published_table(agents, delay, calls):
    # The table prints whole calls per hour: one call less is carried by the same agents,
    # one call more needs another agent.
    assert m.agents_needed(calls - 1, 60, delay, 0.9) == agents
    assert m.agents_needed(calls + 1, 60, delay, 0.9) == agents + 1


# --- edge ledgers: every metric says what it left out, none crashes or divides by zero


@pytest.mark.parametrize("categorical", [False, True])
def test_every_metric_on_an_empty_ledger(categorical):
    empty = frame([], categorical)
    events = m.events_frame([])
    result = m.every_metric(empty, events, NOW)
    assert result["volume_by_channel"]["total"] == 0
    assert result["queue_now"].figures == {"depth": 0, "oldest_wait_seconds": None}
    assert result["first_response"]["median"] is None
    assert result["service_level"]["service_level"] is None
    assert result["service_level"]["meets_goal"] is None
    assert result["handle_time"]["p90"] is None
    assert result["rates"]["transfer_rate"] is None and result["rates"]["reject_rate"] is None
    assert result["dispositions"]["counted"] == 0
    assert result["sentiment"]["negative"] is None
    assert result["agreement"]["agreement"] is None
    assert result["agents"].table.empty
    assert result["occupancy"]["occupancy"] is None
    staffing = result["staffing"]
    assert (staffing["needed"], staffing["logged_in"], staffing["arrivals_per_hour"]) == (
        None,
        0,
        0.0,
    )
    assert m.every_metric(empty, None, NOW)["staffing"]["logged_in"] is None


def test_missing_timestamps_are_left_out_and_said():
    rows = [
        row("x", arrived_at=None, state="queued"),
        row("y", arrived_at=None, agent="ann", state="done", accepted_at=10, first_reply_at=20,
            done_at=None, disposition="resolved"),
        row("z", arrived_at=0, agent="ann", state="done", accepted_at=None, done_at=50,
            disposition="resolved"),
    ]  # fmt: skip
    ledger = frame(rows)
    assert m.volume(ledger).excluded == {"no arrival time": 2}
    assert m.volume(ledger)["total"] == 1
    assert m.queue_now(ledger, NOW).excluded == {"no arrival time (not in the oldest wait)": 1}
    assert m.queue_now(ledger, NOW)["depth"] == 1
    assert m.queue_over_time(ledger, end=NOW).excluded == {"no arrival time": 2}
    assert m.first_response(ledger).excluded == {"no arrival time": 2, "not answered yet": 1}
    sl = m.service_level(ledger, 900, 0.8, NOW)
    assert sl.excluded == {"no arrival time": 2, "done without a reply": 1}
    assert sl["service_level"] is None
    assert m.handle_time(ledger).excluded == {
        "not done yet": 2, "done with no acceptance time": 1
    }  # fmt: skip
    assert m.dispositions(ledger).excluded == {"not done yet": 2}


def test_a_reply_before_arrival_is_clock_skew():
    rows = [
        row("s", arrived_at=100, agent="ann", state="done", accepted_at=50, first_reply_at=40,
            done_at=20, disposition="resolved"),
        row("ok", arrived_at=0, agent="ann", state="done", accepted_at=10, first_reply_at=30,
            done_at=100, disposition="resolved"),
    ]  # fmt: skip
    ledger = frame(rows)
    assert m.first_response(ledger).excluded == {"reply before arrival (clock skew)": 1}
    assert m.first_response(ledger)["median"] == 30.0
    assert m.service_level(ledger, 900, 0.8, NOW).excluded == {
        "reply before arrival (clock skew)": 1
    }
    assert m.handle_time(ledger).excluded == {"done before accepted (clock skew)": 1}
    assert m.queue_over_time(ledger, end=NOW).excluded == {
        "accepted or done before arrival (clock skew)": 1
    }
    future = frame([row("f", arrived_at=5000)])
    assert m.queue_now(future, NOW).excluded == {
        "arrived after now (clock skew; not in the oldest wait)": 1
    }
    assert m.service_level(future, 900, 0.8, NOW).excluded == {"arrived after now (clock skew)": 1}


@pytest.mark.parametrize("categorical", [False, True])
def test_unknown_dispositions_are_named(categorical):
    rows = [
        row("a", state="done", arrived_at=0, accepted_at=1, done_at=2, disposition="resolved"),
        row("b", state="done", arrived_at=0, accepted_at=1, done_at=2, disposition="lost"),
        row("c", state="done", arrived_at=0, accepted_at=1, done_at=2, disposition="lost"),
        row("d", state="done", arrived_at=0, accepted_at=1, done_at=2, disposition=None),
    ]
    result = m.dispositions(frame(rows, categorical))
    assert result["counted"] == 1 and result.table["share"].tolist() == [1.0]
    assert result.excluded == {
        "done without a disposition": 1,
        "unknown disposition code (lost)": 2,
    }
    custom = m.dispositions(frame(rows, categorical), known={"lost": "Lost"})
    assert custom.table["count"].to_dict() == {"lost": 2}


def test_zero_agents():
    ledger = frame([row("q", arrived_at=3900)])
    no_events = m.events_frame([])
    table = m.agent_table(ledger, no_events, NOW)
    assert table.table.empty and table.excluded == {"no agent": 1}
    staffing = m.staffing(ledger, no_events, NOW, threshold=900, goal=0.8)
    assert (staffing["logged_in"], staffing["ready"], staffing["needed"]) == (0, 0, None)
    assert "no done interaction with a handle time (needed None)" in staffing.excluded
    occ = m.occupancy(no_events, start=T0, end=NOW)
    assert occ["occupancy"] is None and occ.table.empty


def test_a_ledger_without_the_extra_counts():
    ledger = frame(desk()).drop(columns=EXTRA)
    result = m.rates(ledger)
    assert result["reject_rate"] is None and result["transfer_rate"] == 0.25
    assert result.excluded["no offers column"] == 5
    assert m.agreement(ledger).excluded == {"no corrections column": 5}


# --- properties over random ledgers


@st.composite
def ledgers(draw):
    n = draw(st.integers(0, 40))
    rows = []
    for i in range(n):
        arrived = draw(st.one_of(st.none(), st.integers(0, 20_000)))
        reply = draw(st.one_of(st.none(), st.integers(-100, 5_000)))
        accept = draw(st.one_of(st.none(), st.integers(0, 3_000)))
        done = draw(st.one_of(st.none(), st.integers(0, 6_000)))
        base = arrived or 0
        rows.append(
            row(
                str(i),
                channel=draw(st.sampled_from(["mention", "dm", "outbound"])),
                queue=draw(st.sampled_from(["mentions", "dms", None])),
                state=draw(st.sampled_from(["queued", "offered", "accepted", "done"])),
                agent=draw(st.sampled_from(["ann", "bob", None])),
                arrived_at=arrived,
                accepted_at=None if accept is None else base + accept,
                first_reply_at=None if reply is None else base + reply,
                done_at=None if done is None else base + done,
                disposition=draw(st.sampled_from(["resolved", "odd", None])),
                sentiment=draw(st.sampled_from(["negative", "positive", None])),
            )
        )
    return frame(rows, draw(st.booleans()), draw(st.booleans()))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(), st.sampled_from(["channel", "queue", "timeline", None]), st.sampled_from(
    ["15min", "1h", "1D"]))  # fmt: skip
def test_volume_sums_equal_row_counts(ledger, by, freq):
    result = m.volume(ledger, freq, by)
    counted = int(ledger["arrived_at"].notna().sum())
    assert result["total"] == counted == int(result.table.to_numpy().sum())
    assert result["total"] + sum(result.excluded.values()) == len(ledger)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_percentiles_lie_within_the_range(ledger):
    for result, values in (
        (m.first_response(ledger), ledger["first_response_seconds"]),
        (m.handle_time(ledger), ledger["handle_seconds"]),
    ):
        if result["count"] == 0:
            assert result["median"] is None and result["p90"] is None
            continue
        kept = values[values >= 0]
        assert kept.min() <= result["median"] <= result["p90"] <= kept.max()
    sl = m.service_level(ledger, 900, 0.8, NOW)
    assert sl["service_level"] is None or 0 <= sl["service_level"] <= 1
    counted = sl["met"] + sl["missed"] + sum(sl.excluded.values())
    assert counted == len(ledger)
    over = m.queue_over_time(ledger, "30min", end=NOW)
    assert (over.table["depth"] >= 0).all()
    for metric in m.every_metric(ledger, None, NOW).values():
        assert all(v >= 0 for v in metric.excluded.values())


# --- on the ledger of a real store


def test_every_metric_on_the_ledger_of_a_real_store(store):
    from workbench.routing.agents import register_agent, set_agent_state

    start = datetime.now(UTC) - timedelta(minutes=30)
    store.upsert_contact(Contact("7", "dana", "Dana"))
    register_agent(store, "ann", capacity=1)
    set_agent_state(store, "ann", "ready")
    ids = []
    for i, channel in enumerate((Channel.MENTION, Channel.DM, Channel.MENTION)):
        source = {"dm_event_id" if channel == Channel.DM else "tweet_id": str(3000 + i)}
        it = Interaction(uuid.uuid4().hex, channel, "7", **source, arrived_at=start)
        store.add_interaction(it)
        ids.append(it.id)

    def step(iid, seconds, fn):
        def use(it, _conn):
            ev = fn(it)
            at = start + timedelta(seconds=seconds)
            return Change([Event(ev.action, ev.interaction_id, ev.agent, at, ev.details)])

        store.apply(iid, use)

    for seconds, fn in (
        (10, lambda it: it.offer("ann")),
        (20, lambda it: it.accept("ann")),
        (78, lambda it: it.act("ann", "reply")),
        (90, lambda it: it.set_disposition("ann", "resolved")),
        (200, lambda it: it.done("ann")),
    ):
        step(ids[0], seconds, fn)
    # X accepted the reply 2 s after Ann sent it (what the outbox records): the first response
    store.append_event(Event(Action.ANSWERED, ids[0], None, start + timedelta(seconds=80)))
    step(ids[1], 30, lambda it: it.offer("ann"))
    step(ids[1], 35, lambda it: it.reject("ann"))

    ledger = build_ledger(store=store)
    events = m.events_frame(store.events())
    now = pd.Timestamp.now(tz="UTC")
    result = m.every_metric(ledger, events, now)
    assert result["volume_by_channel"]["total"] == 3
    assert result["first_response"]["median"] == 80.0
    assert result["handle_time"]["median"] == 180.0
    assert result["queue_now"]["depth"] == 2
    assert result["service_level"].figures["met"] == 1
    assert result["service_level"].figures["missed"] == 2  # waiting for 30 minutes > 15
    assert result["rates"]["reject_rate"] == 0.5
    assert result["dispositions"].table["count"].to_dict() == {"resolved": 1}
    agents = result["agents"].table
    assert agents.loc["ann", "state"] == "ready"
    assert (agents.loc["ann", "handled"], agents.loc["ann", "rejections"]) == (1, 1)
    assert 0 < agents.loc["ann", "occupancy"] < 1
    assert result["staffing"]["logged_in"] == 1 and result["staffing"]["needed"] >= 1
    assert np.isfinite(result["occupancy"]["occupancy"])


def test_the_definitions_page_is_current_and_linked():
    from tests.conftest import ROOT
    from workbench.analytics._doc import ORDER, page

    assert (ROOT / "docs" / "metrics.md").read_text() == page(), (
        "regenerate: python -m workbench.analytics._doc > docs/metrics.md"
    )
    assert set(m.__all__) - {"Metric", "MetricError"} == set(ORDER)
    assert "(docs/metrics.md)" in (ROOT / "README.md").read_text()


def test_the_bench_runs_at_a_small_scale():
    from workbench.bench import Result, registry
    from workbench.bench.metrics import NAME, synthetic_ledger

    ledger = synthetic_ledger(500, pd.Timestamp("2026-03-02 12:00", tz="UTC"))
    for column in ("channel", "queue", "state", "agent", "disposition", "timeline"):
        assert isinstance(ledger[column].dtype, pd.CategoricalDtype), column
    result = registry()[NAME](0.001)
    assert isinstance(result, Result) and result.name.endswith("1,000-row ledger")
    assert result.ours > 0 and result.baseline > 0


@pytest.mark.parametrize(
    ("name", "raw", "fragment"),
    [
        ("WORKBENCH_SL_THRESHOLD", "soon", "number of seconds"),
        ("WORKBENCH_SL_THRESHOLD", "0", "greater than 0"),
        ("WORKBENCH_SL_GOAL", "most", "share from 0 to 1"),
        ("WORKBENCH_SL_GOAL", "80", "at most 1"),
    ],
)
def test_service_level_settings_name_the_rule(name, raw, fragment):
    from workbench.config import Settings
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match=f"^{name}: .*{fragment}"):
        Settings.from_env({name: raw})
    assert Settings.from_env({})["WORKBENCH_SL_GOAL"] == 0.8

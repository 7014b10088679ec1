"""Fault tests: thousands of inbound tweets and DMs and outbound actions through a sandbox that
answers 10% of calls with 429, 503 (some after the call took effect) or slowly; then the same
with the ingest and outbox processes killed (SIGKILL) midway and restarted.

Every inbound item must become exactly one interaction, and every outbound action must appear
exactly once in ``/sandbox/activity``. ``WORKBENCH_FAULT_SCALE=1`` runs the full 10,000 inbound
and 2,000 outbound; the default pushes a fifth of that through (2,000 and 400).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from workbench.intake import Ingest
from workbench.outbox import Outbox
from workbench.store import Store
from workbench.store import schema as t

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control

pytest_plugins = ["tests.xapi_fixtures"]

SCALE = float(os.environ.get("WORKBENCH_FAULT_SCALE", "0.2"))
INBOUND = max(500, int(10_000 * SCALE))
OUTBOUND = max(100, int(2_000 * SCALE))
BRANDS = ("AcmeSupport", "AcmeDeals")
KIND = {"reply": "reply", "post": "tweet", "quote": "quote", "dm": "dm", "like": "like"}
KIND |= {"retweet": "retweet", "follow": "follow"}


def arm_faults(control: Control, share: float = 0.10) -> None:
    """``share`` of all X API calls fail or are slowed: 429, 503 before or after the effect."""
    each = share / 4
    control.fault(path="/2/*", status=429, count=-1, probability=each)
    control.fault(path="/2/*", status=503, count=-1, probability=each)
    control.fault(path="/2/*", status=503, count=-1, probability=each / (1 - each), after=True)
    control.fault(path="/2/*", status=0, count=-1, probability=each, delay_ms=120)


class Traffic:
    """Customers, their tweets and DMs, and the brand's answers, built as the test goes."""

    def __init__(self, control: Control, seed: int = 1) -> None:
        self.control = control
        self.random = random.Random(seed)
        people = [
            {
                "username": f"cust{i}",
                "followers_count": self.random.randint(0, 5000),
                "follows_brand": i % 3 == 0,
                "dm_open": i % 5 == 0,
            }
            for i in range(300)
        ]
        self.users = control.users(people)
        self.reachable = [u for u in self.users if u["follows_brand"] or u["dm_open"]]
        self.tweets: list[str] = []
        self.inbound: set[tuple[str, str]] = set()  # (channel, source id)
        self.pushed = 0
        self.plan: list[tuple[str, str, dict[str, Any]]] = []
        self._used: set[tuple[str, str]] = set()

    def push(self, n: int) -> None:
        tweets, dms = [], []
        for _ in range(n):
            self.pushed += 1
            who = self.random.choice(self.users)["username"]
            roll = self.random.random()
            if roll < 0.2:
                dms.append(
                    {
                        "author": who,
                        "text": f"dm {self.pushed} 📦",
                        "to": self.random.choice(BRANDS),
                    }
                )
                continue
            # A tweet on both timelines is still one interaction.
            both = "@AcmeSupport @AcmeDeals"
            mention = both if roll < 0.3 else "@" + self.random.choice(BRANDS)
            body: dict[str, Any] = {"author": who, "text": f"{mention} tweet {self.pushed} 😡"}
            if self.tweets and roll > 0.9:
                body["in_reply_to_tweet_id"] = self.random.choice(self.tweets)
            if roll > 0.97:
                body["text"] += " https://acmeshop.co/o/" + str(self.pushed)
            tweets.append(body)
        for made in self.control.tweets(tweets) if tweets else []:
            self.tweets.append(made["id"])
            self.inbound.add(("mention", made["id"]))
        for made in self.control.dms(dms) if dms else []:
            self.inbound.add(("dm", made["id"]))

    def answers(self, n: int) -> list[tuple[str, str, dict[str, Any]]]:
        """``n`` outbound actions on what arrived so far; likes/retweets/follows on new targets."""
        out = []
        while len(out) < n:
            action = self.random.choices(
                ["reply", "dm", "post", "quote", "like", "retweet", "follow"],
                [45, 18, 10, 5, 9, 9, 4],
            )[0]
            timeline = BRANDS[0] if self.random.random() < 0.8 else BRANDS[1]
            number = len(self.plan) + len(out)
            tweet = self.random.choice(self.tweets)
            if action == "reply":
                payload = {"text": f"@cust sorry! ticket {number}", "in_reply_to_tweet_id": tweet}
            elif action == "quote":
                payload = {"text": f"Thanks for this, {number}", "quote_tweet_id": tweet}
            elif action == "post":
                payload = {"text": f"Service update {number} https://status.acmeshop.co"}
            elif action == "dm":
                target = self.random.choice(self.reachable)
                payload = {"participant_id": target["id"], "text": f"Hi! case {number}"}
                timeline = BRANDS[0]  # the follows and open DMs are AcmeSupport's
            elif action == "follow":
                target = self.random.choice(self.users)
                if (timeline, target["id"]) in self._used:
                    continue
                self._used.add((timeline, target["id"]))
                payload = {"target_user_id": target["id"]}
            else:
                if (timeline + action, tweet) in self._used:
                    continue
                self._used.add((timeline + action, tweet))
                payload = {"tweet_id": tweet}
            out.append((action, timeline, payload))
        self.plan.extend(out)
        return out


def expected_activity(plan: list[tuple[str, str, dict[str, Any]]]) -> Counter[tuple[Any, ...]]:
    def target(payload: dict[str, Any]) -> str | None:
        for name in ("in_reply_to_tweet_id", "quote_tweet_id", "participant_id", "tweet_id"):
            if name in payload:
                return payload[name]
        return payload.get("target_user_id")

    return Counter((KIND[a], tl, target(p), p.get("text")) for a, tl, p in plan)


def observed_activity(control: Control) -> Counter[tuple[Any, ...]]:
    return Counter((a["kind"], a["account"], a["target"], a["text"]) for a in control.activity())


def stored_sources(store: Store) -> list[tuple[str, str]]:
    """Every inbound message stored, as (channel, source id): each is the first line of the
    interaction it opened or a line joined to the conversation it continues."""
    tr = t.transcript.c
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(tr.action, tr.tweet_id).where(tr.kind == "inbound", tr.tweet_id.is_not(None))
        ).all()
    return [("dm" if action == "dm" else "mention", str(source)) for action, source in rows]


def pending(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(t.outbox).where(t.outbox.c.state == "pending")
            ).scalar()
            or 0
        )


def progress(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        sent = conn.execute(
            select(func.count()).select_from(t.outbox).where(t.outbox.c.state == "sent")
        ).scalar()
        stored = conn.execute(select(func.count()).select_from(t.interactions)).scalar()
    return {"ingest": int(stored or 0), "outbox": int(sent or 0)}


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def check(store: Store, control: Control, traffic: Traffic) -> None:
    sources = stored_sources(store)
    assert len(sources) == len(set(sources)), "an item was stored twice"
    assert set(sources) == traffic.inbound
    with store.engine.connect() as conn:
        states = dict(
            conn.execute(select(t.outbox.c.state, func.count()).group_by(t.outbox.c.state)).all()
        )
    assert states == {"sent": len(traffic.plan)}, states
    assert observed_activity(control) == expected_activity(traffic.plan)


@pytest.mark.slow
def test_thousands_in_and_out_through_ten_percent_faults(db_url, running_sandbox, control):
    traffic = Traffic(control)
    arm_faults(control)
    store = Store(db_url)
    from workbench.config import Settings
    from workbench.xapi import Gateway

    gateway = Gateway.from_settings(Settings.from_env({"WORKBENCH_X_API_URL": running_sandbox.url}))
    stop = threading.Event()
    ingest = Ingest(store, gateway, classify=None, skip_retweets=True)
    outbox = Outbox(store, gateway, backoff=0.05)
    loops = [
        threading.Thread(target=ingest.run_forever, args=(stop,), kwargs={"interval": 0.1}),
        threading.Thread(target=outbox.run_forever, args=(stop,), kwargs={"idle": 0.05}),
    ]
    for loop in loops:
        loop.start()
    try:
        batches = 10
        for _ in range(batches):
            traffic.push(INBOUND // batches)
            for action, timeline, payload in traffic.answers(OUTBOUND // batches):
                outbox.enqueue(action, timeline, payload)
            time.sleep(0.1)
        wait_for(
            lambda: len(stored_sources(store)) >= len(traffic.inbound) and pending(store) == 0,
            timeout=240,
            what=f"{len(traffic.inbound)} interactions and an empty outbox",
        )
    finally:
        stop.set()
        for loop in loops:
            loop.join(timeout=60)
    control.clear_faults()
    ingest.run_once()  # nothing new may appear on a last, clean pass
    check(store, control, traffic)
    gateway.close()
    store.close()


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", "ingest", "--quiet", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_killed_ingest_and_outbox_processes_resume_without_loss_or_repeat(
    db_url, running_sandbox, control
):
    traffic = Traffic(control, seed=2)
    arm_faults(control)
    store = Store(db_url)
    Store(db_url).close()  # migrated before the children start
    env = {
        **os.environ,
        "WORKBENCH_DB_URL": db_url,
        "WORKBENCH_X_API_URL": running_sandbox.url,
        "WORKBENCH_BRAND": "AcmeSupport",
    }
    ingest_args = ["--follow", "--no-outbox", "--interval", "0.1"]
    outbox_args = ["--outbox", "--lease", "3"]
    procs = {"ingest": _spawn(ingest_args, env), "outbox": _spawn(outbox_args, env)}
    enqueue = Outbox(store, gateway=None)
    kills = Counter[str]()
    try:
        batches = 8
        for round_ in range(batches):
            before = progress(store)  # this round's work is what each process must start on
            traffic.push(INBOUND // batches)
            for action, timeline, payload in traffic.answers(OUTBOUND // batches):
                enqueue.enqueue(action, timeline, payload)
            time.sleep(0.3)
            if round_ in (1, 3, 5):
                victim = "ingest" if round_ != 3 else "outbox"
                for name in (victim,) if round_ != 5 else ("ingest", "outbox"):
                    # Kill it once it works on this round, not while it starts.
                    wait_for(
                        lambda n=name, b=before[name]: progress(store)[n] > b,
                        timeout=60,
                        what=f"the {name} process to make progress",
                    )
                    procs[name].send_signal(signal.SIGKILL)
                    procs[name].wait(timeout=10)
                    kills[name] += 1
                    procs[name] = _spawn(ingest_args if name == "ingest" else outbox_args, env)
        wait_for(
            lambda: len(set(stored_sources(store))) >= len(traffic.inbound) and pending(store) == 0,
            timeout=300,
            what=f"{len(traffic.inbound)} interactions and an empty outbox",
        )
    finally:
        for proc in procs.values():
            proc.terminate()
        for name, proc in procs.items():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            assert proc.stderr is not None
            errors = proc.stderr.read()
            assert "Traceback" not in errors, f"{name}:\n{errors[-3000:]}"
    assert kills == {"ingest": 2, "outbox": 2}
    control.clear_faults()
    check(store, control, traffic)
    store.close()

"""Three agents in three processes handle sandbox traffic over one store, end to end.

Customers tweet and DM the sandbox; ingest turns that into interactions; each agent process runs
a ``Workspace`` (its ``poll()`` also routes) and rejects, ignores (the offer times out) or
accepts offers, then works each interaction through the script its text names: replies of every
kind, transfers to an agent or a queue, conferences, consultations, a call and an e-mail,
corrections, dispositions, done. The main process runs ingest and the outbox worker.

Afterwards: every interaction was held by one agent at a time, every outbound action reached the
sandbox exactly once, and the ledger agrees with what the agents did.

300 tweets and DMs per database (under a minute each on two cores); WORKBENCH_SCENARIO_TWEETS
sets another count.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import queue
import random
import time
import traceback
from collections import Counter, defaultdict
from typing import Any

import pytest
import requests
from sqlalchemy import select, update

from workbench.config import Settings
from workbench.domain import State, TransitionError
from workbench.routing import agents
from workbench.store import Store
from workbench.store import schema as t

TWEETS = int(os.environ.get("WORKBENCH_SCENARIO_TWEETS", "300"))
AGENTS = ("ann", "bob", "cy")
OFFER_TIMEOUT = 1.5
BRAND = "AcmeSupport"
# Scripts for mentions (m0-m7) and DMs (d0-d1); the marker in the customer's text picks one.
MENTION_SCRIPTS = 8
DM_SCRIPTS = 2


def _h(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16)


# --- the agent process ----------------------------------------------------------------------


class Desk:
    """One agent's behaviour: answers offers and works each interaction through its script."""

    def __init__(self, name: str, db_url: str, x_api_url: str, mail_dir: str) -> None:
        from workbench.workspace import Workspace

        # X refuses a second identical reply to one tweet: an agent who gets an interaction back
        # after a transfer says something new.
        self.replies = itertools.count(1)
        settings = Settings.from_env(
            {},
            WORKBENCH_DB_URL=db_url,
            WORKBENCH_X_API_URL=x_api_url,
            WORKBENCH_OFFER_TIMEOUT=str(OFFER_TIMEOUT),
            WORKBENCH_X_PLAN="enterprise",  # the sandbox's plan: likes, follows, quotes
        )
        self.name = name
        self.ws = Workspace(name, settings=settings, capacity=2, send=False, mail_dir=mail_dir)
        self.log: list[dict[str, Any]] = []  # what succeeded
        self.refused: list[dict[str, Any]] = []  # refusals the scenario expects now and then
        self.errors: list[str] = []
        self.seen_offers: Counter[str] = Counter()
        self.steps: dict[str, list[str]] = {}
        self.conferenced: set[str] = set()
        self.done = 0
        self.break_until = 0.0

    def record(self, iid: str, action: str, **details: Any) -> None:
        self.log.append({"iid": iid, "agent": self.name, "action": action, **details})

    def attempt(self, iid: str, action: str, call: Any, **details: Any) -> bool:
        try:
            call()
        except TransitionError as exc:
            self.refused.append({"iid": iid, "agent": self.name, "action": action, "why": str(exc)})
            return False
        self.record(iid, action, **details)
        return True

    def others(self) -> list[str]:
        return [a for a in AGENTS if a != self.name]

    def script(self, iid: str) -> list[str]:
        it = self.ws.interaction(iid)
        marker = next((w for w in it.subject.split() if w.startswith("#s")), "#s0")
        kind = marker[2:]
        transferred = any(e.action == "transferred" for e in self.ws.store.events(iid))
        steps = {
            "m0": ["dm", "reply_sr", "like", "retweet"],
            "m1": ["reply", "quote", "follow", "unfollow"],
            "m2": ["reply", "transfer_agent"] if not transferred else ["reply"],
            "m3": ["transfer_queue"] if not transferred else ["reply", "like"],
            "m4": ["conference", "reply", "await_conference"],
            "m5": ["consult_voice", "consult_chat", "correct", "reply"],
            "m6": ["call", "email", "reply"],
            "m7": ["reply_first", "like_first", "quote"],
            "d0": ["dm"],
            "d1": ["dm_sr", "correct", "dm"],
        }[kind]
        return [*steps, "disposition", "done"]

    def step(self, iid: str) -> None:
        ws = self.ws
        if iid not in self.steps:
            self.steps[iid] = self.script(iid)
        if not self.steps[iid]:
            return
        action = self.steps[iid][0]
        it = ws.interaction(iid)
        ok = True
        if action == "reply":
            ok = self.attempt(
                iid,
                "reply",
                lambda: ws.reply(iid, f"On it ({self.name}, {iid[-8:]}, {next(self.replies)})"),
            )
        elif action == "reply_sr":
            text = ws.insert_standard_response(iid, "greeting")
            ok = self.attempt(iid, "reply", lambda: ws.reply(iid, f"{text[:200]} {iid[-8:]}"))
        elif action == "reply_first":
            ok = self.attempt(
                iid, "reply", lambda: ws.reply(iid, f"About this one ({iid[-8:]})", it.tweet_id)
            )
        elif action == "like":
            ok = self.attempt(iid, "like", lambda: ws.like(iid))
        elif action == "like_first":
            ok = self.attempt(iid, "like", lambda: ws.like(iid, tweet_id=it.tweet_id))
        elif action == "retweet":
            ok = self.attempt(iid, "retweet", lambda: ws.retweet(iid))
        elif action == "quote":
            ok = self.attempt(iid, "quote", lambda: ws.quote(iid, f"Quoting a fan, {iid[-8:]}"))
        elif action in {"follow", "unfollow"}:
            ok = self.attempt(iid, action, lambda: getattr(ws, action)(iid))
        elif action in {"dm", "dm_sr"}:
            text = ws.insert_standard_response(iid, "move_to_dm") if action == "dm_sr" else "Hi!"
            self.attempt(iid, "dm", lambda: ws.dm(iid, text))  # refused: no DM to this contact
        elif action == "transfer_agent":
            for other in self.others():
                if self.attempt(iid, "transfer", lambda o=other: ws.transfer(iid, to_agent=o)):
                    self.steps.pop(iid)
                    return
            # nobody ready with room: carry on here
        elif action == "transfer_queue":
            if self.attempt(iid, "transfer", lambda: ws.transfer(iid, to_queue="vip")):
                self.steps.pop(iid)
                return
        elif action == "conference":
            for other in self.others():
                if self.attempt(iid, "conference", lambda o=other: ws.conference(iid, o)):
                    break
        elif action == "await_conference":
            if it.parties:
                return  # wait for the colleague to reply and leave
        elif action in {"consult_voice", "consult_chat"}:
            channel = action.split("_")[1]
            other = self.others()[_h(iid) % 2]
            ok = self.attempt(
                iid,
                "consult",
                lambda: ws.consult(iid, other, channel, "thoughts?"),
                channel=channel,
            )
        elif action == "correct":
            ok = self.attempt(iid, "correct", lambda: ws.correct(iid, sentiment="negative"))
        elif action == "call":
            ok = self.attempt(iid, "call", lambda: ws.call(iid, "no_answer"))
        elif action == "email":
            ok = self.attempt(iid, "email", lambda: ws.email(iid, "Your order", "It ships."))
        elif action == "disposition":
            code = ["resolved", "answered_question", "thanked", "escalated"][_h(iid) % 4]
            ok = self.attempt(
                iid, "disposition", lambda: ws.set_disposition(iid, code, "ok"), code=code
            )
        elif action == "done":
            ok = self.attempt(iid, "done", lambda: ws.done(iid))
            if ok:
                self.done += 1
                if self.done % 10 == 0:  # a short break now and then
                    ws.not_ready("break")
                    self.break_until = time.monotonic() + 0.5
        if not ok:
            raise AssertionError(f"{self.name}: {action} on {iid} refused: {self.refused[-1]}")
        self.steps[iid].pop(0)

    def answer(self, iid: str) -> None:
        self.seen_offers[iid] += 1
        roll = _h(iid, self.name, self.seen_offers[iid]) % 100
        if roll < 12:
            self.attempt(iid, "reject", lambda: self.ws.reject(iid))
        elif roll < 20 and self.seen_offers[iid] == 1:
            self.record(iid, "ignore")  # let it time out
        else:
            self.attempt(iid, "accept", lambda: self.ws.accept(iid))

    def party(self, iid: str) -> None:
        if iid in self.conferenced:
            return
        self.conferenced.add(iid)
        self.attempt(
            iid, "reply", lambda: self.ws.reply(iid, f"{self.name} joining to help ({iid[-8:]})")
        )
        self.attempt(iid, "leave_conference", lambda: self.ws.leave_conference(iid))

    def run(self, stop: Any) -> None:
        ws = self.ws
        ws.ready()
        # Colleagues start in processes of their own: transfers, conferences and consults
        # need them signed in, so begin once every one of them is.
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            known = {a.name for a in agents(ws.store)}
            if known >= set(AGENTS):
                break
            time.sleep(0.1)
        self.attempt("", "post", lambda: ws.post_tweet(BRAND, f"Hello from {self.name}"))
        ignored: set[tuple[str, int]] = set()  # offers (interaction, version) left to time out
        while not stop.is_set():
            if self.break_until and time.monotonic() > self.break_until:
                ws.ready()
                self.break_until = 0.0
            ws.poll()
            for offer in ws.offers:
                if (offer.id, offer.version) in ignored:
                    continue
                self.answer(offer.id)
                if self.log and self.log[-1]["action"] == "ignore":
                    ignored.add((offer.id, offer.version))
            for it in ws.interactions:
                try:
                    if it.agent == self.name:
                        self.step(it.id)
                    else:
                        self.party(it.id)
                except TransitionError as exc:  # moved on meanwhile (e.g. done by the owner)
                    self.refused.append(
                        {"iid": it.id, "agent": self.name, "action": "step", "why": str(exc)}
                    )
            time.sleep(0.02)


def agent_main(name: str, db_url: str, x_api_url: str, mail_dir: str, stop: Any, out: Any):
    desk = None
    try:
        desk = Desk(name, db_url, x_api_url, mail_dir)
        desk.run(stop)
    except Exception:
        if desk is None:
            out.put({"agent": name, "log": [], "refused": [], "errors": [traceback.format_exc()]})
            return
        desk.errors.append(traceback.format_exc())
    finally:
        if desk is not None:
            out.put(
                {"agent": name, "log": desk.log, "refused": desk.refused, "errors": desk.errors}
            )
            desk.ws.close()


# --- the main process -------------------------------------------------------------------------


def _customers(url: str) -> dict[str, list[str]]:
    """Sandbox users by role; ``solo`` users tweet once (follow/unfollow stay exact)."""
    roles: dict[str, list[str]] = defaultdict(list)
    people = []
    for i in range(6):
        people.append(("fans", {"username": f"fan{i}", "follows_brand": True}))
    for i in range(3):
        people.append(("quiet", {"username": f"quiet{i}", "follows_brand": False}))
    for i in range(2):
        people.append(("callers", {"username": f"caller{i}", "follows_brand": True}))
    people.append(("stars", {"username": "star0", "followers_count": 150_000}))
    for role, body in people:
        body = {"name": body["username"].title(), "tweet_count": 10, **body}
        requests.post(f"{url}/sandbox/users", json=body, timeout=10).raise_for_status()
        roles[role].append(body["username"])
    return roles


def _traffic(url: str, n: int, roles: dict[str, list[str]]) -> None:
    rng = random.Random(11)
    tweets, dms = [], []
    for k in range(n):
        if k % 7 == 6:
            author = rng.choice(roles["fans"] + roles["quiet"])
            dms.append({"author": author, "text": f"Need help with my account #sd{k % 2} ({k})"})
            continue
        script = k % MENTION_SCRIPTS
        if script == 1:
            author = f"solo{k}"
            requests.post(
                f"{url}/sandbox/users", json={"username": author, "name": author}, timeout=10
            ).raise_for_status()
        elif script == 6:
            author = rng.choice(roles["callers"])
        else:
            author = rng.choice(roles["fans"] + roles["quiet"] + roles["stars"])
        tweets.append({"author": author, "text": f"@{BRAND} my order {k} is late #sm{script}"})
    for batch, path in ((tweets, "tweets"), (dms, "dms")):
        for i in range(0, len(batch), 50):
            answer = requests.post(f"{url}/sandbox/{path}", json=batch[i : i + 50], timeout=30)
            answer.raise_for_status()


def _contact_records(store: Store, roles: dict[str, list[str]]) -> None:
    """The CRM side: callers have a phone and an e-mail on their contact record."""
    with store.transaction() as conn:
        for name in roles["callers"]:
            conn.execute(
                update(t.contacts)
                .where(t.contacts.c.username == name)
                .values(phone="+1 555 0100", email=f"{name}@example.com")
            )


def _all_done(store: Store) -> tuple[int, int]:
    i = t.interactions
    with store.engine.connect() as conn:
        states = Counter(conn.execute(select(i.c.state)).scalars())
    return sum(states.values()), states.get(State.DONE.value, 0)


@pytest.fixture
def sandbox():
    from workbench.sandbox import start

    # X's real windows (100 tweets per 15 minutes...) would make this an hour; the outbox's and
    # ingest's rate-limit handling have tests of their own.
    running = start(rate_limit_scale=1000, plan="enterprise")
    yield running
    running.stop()


@pytest.mark.slow
def test_three_agents_in_three_processes(db_url, sandbox, tmp_path):
    from workbench.analytics import ledger
    from workbench.intake import Ingest
    from workbench.outbox import Outbox
    from workbench.xapi.gateway import Gateway

    # Scripts are named "#sm<k>"/"#sd<k>" in the text; Desk reads "#s" + kind.
    store = Store(db_url)
    store.load_reference_data()
    settings = Settings.from_env({}, WORKBENCH_DB_URL=db_url, WORKBENCH_X_API_URL=sandbox.url)
    gateway = Gateway.from_settings(settings)
    ingest = Ingest(store, gateway, classify=False, max_rate_limit_wait=5)
    outbox = Outbox(store, gateway, backoff=0.05)
    roles = _customers(sandbox.url)
    _traffic(sandbox.url, TWEETS, roles)
    first = ingest.run_once()
    _contact_records(store, roles)
    opened, _ = _all_done(store)
    # A customer's DM while their mention is open joins it: one conversation, not two.
    assert opened + first.follow_ups == TWEETS and first.follow_ups > 0

    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    out = ctx.Queue()
    procs = [
        ctx.Process(
            target=agent_main,
            args=(name, db_url, sandbox.url, str(tmp_path / "mail"), stop, out),
            daemon=True,
        )
        for name in AGENTS
    ]
    for p in procs:
        p.start()
    deadline = time.monotonic() + 120 + opened
    results: list[dict[str, Any]] = []
    try:
        while time.monotonic() < deadline:
            outbox.run_once()
            ingest.run_once()
            total, done = _all_done(store)
            if total >= opened + len(AGENTS) and done == total:
                break
            if not all(p.is_alive() for p in procs):
                break
            time.sleep(0.3)
    finally:
        stop.set()
        for _ in procs:
            try:
                results.append(out.get(timeout=60))
            except queue.Empty:
                break
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    errors = [e for r in results for e in r["errors"]]
    assert errors == [], "\n".join(errors)
    assert len(results) == len(AGENTS)
    total, done = _all_done(store)
    assert (total, done) == (opened + len(AGENTS), total), "not every interaction was finished"

    # Send what is left, then compare the outbox with what the sandbox saw.
    for _ in range(50):
        if not outbox.run_once().claimed and outbox.counts()["pending"] == 0:
            break
    with store.engine.connect() as conn:
        failed = conn.execute(select(t.outbox).where(t.outbox.c.state == "failed")).all()
    assert [(r.action, r.payload, r.last_error) for r in failed] == []
    assert outbox.counts() == {"pending": 0, "sent": outbox.counts()["sent"], "failed": 0}

    log = [entry for r in results for entry in r["log"]]
    happened = Counter(e["action"] for e in log)
    every = {
        "accept",
        "reject",
        "ignore",
        "transfer",
        "conference",
        "leave_conference",
        "consult",
        "call",
        "email",
        "reply",
        "dm",
        "like",
        "retweet",
        "quote",
        "follow",
        "unfollow",
        "post",
        "correct",
        "disposition",
        "done",
    }
    assert every <= set(happened), f"never happened: {every - set(happened)}"
    refused = Counter(r["why"].split("(", 1)[-1][:40] for res in results for r in res["refused"])
    print(f"\n{TWEETS} tweets: {dict(happened)}\nrefused: {dict(refused)}")
    _check_one_holder_at_a_time(store)
    _check_outbound_reached_x_once(store, sandbox.url, log)
    _check_ledger(ledger(store=store), log)
    store.close()


# --- the checks -------------------------------------------------------------------------------


def _check_one_holder_at_a_time(store: Store) -> None:
    """Replay each interaction's events: offers only when free, accept only by the one offered,
    actions only by the holder or a conference party."""
    holder: dict[str, tuple[str, str] | None] = {}
    parties: dict[str, set[str]] = defaultdict(set)
    accepted_by: dict[str, list[str]] = defaultdict(list)
    acting = {
        "reply",
        "dm",
        "retweet",
        "quote",
        "like",
        "follow",
        "unfollow",
        "call",
        "email",
        "consulted",
        "conference_joined",
        "corrected",
        "disposition_set",
        "standard_response",
    }
    for e in store.events():
        iid = e.interaction_id
        if iid is None:
            continue
        now = holder.get(iid)
        if e.action == "post" and now is None:  # a post is its poster's from the start
            holder[iid] = now = (e.agent, "accepted")
        if e.action == "offered":
            assert now is None, f"{iid}: offered to {e.agent} while {now} held it"
            holder[iid] = (e.agent, "offered")
        elif e.action == "accepted":
            assert now == (e.agent, "offered"), f"{iid}: {e.agent} accepted; holder {now}"
            holder[iid] = (e.agent, "accepted")
            accepted_by[iid].append(e.agent)
        elif e.action in {"rejected", "offer_timed_out", "requeued"}:
            assert now is not None and now[0] == e.agent and now[1] == "offered", (iid, e, now)
            holder[iid] = None
        elif e.action == "transferred":
            assert now == (e.agent, "accepted"), (iid, e, now)
            holder[iid] = None
            parties[iid].clear()
        elif e.action == "conference_left":
            parties[iid].discard(e.agent)
        elif e.action == "done":
            assert now == (e.agent, "accepted"), (iid, e, now)
            holder[iid] = (e.agent, "done")
        elif e.action in acting and e.agent is not None:
            owner = now[0] if now and now[1] == "accepted" else None
            assert e.agent == owner or e.agent in parties[iid], (
                f"{iid}: {e.agent} did {e.action} while {owner} held it"
            )
        if e.action == "conference_joined":
            parties[iid].add(e.details["party"])
    assert all(h is not None and h[1] == "done" for h in holder.values())


def _expected_activity(row: Any) -> tuple[str, str | None]:
    p = row.payload
    return {
        "reply": ("reply", p.get("in_reply_to_tweet_id")),
        "quote": ("quote", p.get("quote_tweet_id")),
        "post": ("tweet", None),
        "dm": ("dm", p.get("participant_id")),
        "like": ("like", p.get("tweet_id")),
        "retweet": ("retweet", p.get("tweet_id")),
        "follow": ("follow", p.get("target_user_id")),
        "unfollow": ("unfollow", p.get("target_user_id")),
    }[row.action]


def _check_outbound_reached_x_once(store: Store, url: str, log: list[dict[str, Any]]) -> None:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.outbox).order_by(t.outbox.c.id)).all()
    outbound = {"reply", "dm", "retweet", "quote", "like", "follow", "unfollow", "post"}
    logged = Counter(e["action"] for e in log if e["action"] in outbound)
    assert Counter(r.action for r in rows) == logged
    activity = requests.get(f"{url}/sandbox/activity", timeout=10).json()["data"]
    seen = Counter((a["kind"], str(a["target"]) if a["target"] else None) for a in activity)
    wanted = Counter(_expected_activity(r) for r in rows)
    assert seen == wanted
    posted = {str(r.result["id"]) for r in rows if r.action in {"reply", "quote", "post"}}
    shown = {str(a["result_id"]) for a in activity if a["kind"] in {"reply", "quote", "tweet"}}
    assert posted == shown


def _check_ledger(frame: Any, log: list[dict[str, Any]]) -> None:
    by_iid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in log:
        if entry["iid"]:
            by_iid[entry["iid"]].append(entry)
    assert set(frame["state"]) == {"done"}
    rows = frame.set_index("interaction_id")
    mentions = rows[rows["channel"] != "outbound"]
    assert len(rows[rows["channel"] == "outbound"]) == len(AGENTS)
    for iid, row in mentions.iterrows():
        entries = by_iid[iid]
        count = Counter(e["action"] for e in entries)
        finisher = [e["agent"] for e in entries if e["action"] == "done"]
        assert finisher == [row["agent"]], (iid, finisher, row["agent"])
        disposition = [e["code"] for e in entries if e["action"] == "disposition"][-1]
        assert row["disposition"] == disposition
        assert row["replies"] == count["reply"] + count["dm"] + count["quote"], iid
        assert row["transfers"] == count["transfer"], iid
        assert row["rejections"] == count["reject"], iid
        assert row["conferences"] == count["conference"], iid
        assert row["consultations"] == count["consult"], iid
        assert row["timeouts"] >= count["ignore"], iid
        assert row["offers"] == count["accept"] + count["reject"] + row["timeouts"], iid
        assert row["arrived_at"] <= row["offered_at"] <= row["accepted_at"] <= row["done_at"]
        assert row["handle_seconds"] >= 0
        if row["replies"]:
            assert row["first_reply_at"] >= row["accepted_at"]
            assert row["first_response_seconds"] > 0
        if count["correct"]:
            assert row["sentiment"] == "negative"

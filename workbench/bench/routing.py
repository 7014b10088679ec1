"""Routing: offer latency from a sandbox tweet to a ready workspace, and router throughput.

- offer latency: a customer tweets at the sandbox; ingest (filtered stream plus polls), the
  router and the agent's live loop run with their defaults; the time until the offer reaches
  the workspace's observer (median). Baseline: a bare tweepy ``StreamingClient`` receiving the
  same tweet. A second row runs ingest and poll back to back, against a bare tweepy fetch.
- router throughput: 50 simulated agents take 10,000 interactions from queued to done (routing
  passes offer, each agent accepts and finishes in its own transactions). Baseline: bare
  SQLAlchemy updates of the same rows in the same transactions, without checks or events (the
  offer marks the row routed, as the router does, so both sides keep the same indexes).
  On SQLite, and on PostgreSQL when WORKBENCH_TEST_PG_URL names a server.
"""

from __future__ import annotations

import inspect
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from workbench.bench import Result, benchmark
from workbench.domain import Action, Channel, Contact, Event, Interaction, State

AGENTS = 50
INTERACTIONS = 10_000


# --- stores -------------------------------------------------------------------------------------


@contextmanager
def _sqlite_urls() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'ours.db'}", f"sqlite:///{Path(tmp) / 'bare.db'}"


@contextmanager
def _postgres_urls(server: str) -> Iterator[tuple[str, str]]:
    import psycopg

    base = server.rpartition("/")[0]
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    names = [f"wb_bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    driver = (
        base
        if base.startswith("postgresql+psycopg")
        else base.replace("postgresql://", "postgresql+psycopg://", 1)
    )
    try:
        yield f"{driver}/{names[0]}", f"{driver}/{names[1]}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fill(store: object, n: int) -> None:
    from workbench.store import Store

    assert isinstance(store, Store)
    store.load_reference_data()
    store.upsert_contact(Contact("9001", "bench_crowd"))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = []
    for i in range(n):
        at = start + timedelta(milliseconds=i)
        it = Interaction(
            uuid.uuid4().hex, Channel.MENTION, "9001", tweet_id=str(10**15 + i), arrived_at=at
        )
        batch.append((it, [Event(Action.ARRIVED, it.id, at=at, details={"channel": "mention"})]))
    for i in range(0, n, 5_000):
        store.add_interactions(batch[i : i + 5_000])


# --- throughput ---------------------------------------------------------------------------------


def _accept_and_finish(store: Any, interaction_id: str, agent: str) -> None:
    """What a simulated agent does with an offer: accept it, then finish it."""
    store.apply(interaction_id, lambda it, _: it.accept(agent))
    store.apply(interaction_id, lambda it, _: it.done(agent, require_disposition=False))


def _ours(url: str, n: int) -> float:
    from workbench.routing import Router, register_agent, set_agent_state
    from workbench.store import Store

    store = Store(url)
    _fill(store, n)
    names = [f"agent{i:02d}" for i in range(AGENTS)]
    for name in names:
        register_agent(store, name, capacity=1)
        set_agent_state(store, name, "ready")
    router = Router(store, offer_timeout=3600, heartbeat_stale=3600, batch=500)
    t0 = time.perf_counter()
    finished = 0
    while finished < n:
        router.run_once()
        for it in store.interactions(state=State.OFFERED):
            _accept_and_finish(store, it.id, str(it.agent))
            finished += 1
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed


def _bare(url: str, n: int) -> float:
    from workbench.store import Store
    from workbench.store import schema as t

    store = Store(url)
    _fill(store, n)
    names = [f"agent{i:02d}" for i in range(AGENTS)]
    i = t.interactions
    engine = store.engine
    t0 = time.perf_counter()
    finished = 0
    while finished < n:
        with engine.begin() as conn:
            ids = (
                conn.execute(
                    select(i.c.id)
                    .where(i.c.state == "queued")
                    .order_by(i.c.arrived_at)
                    .limit(AGENTS)
                )
                .scalars()
                .all()
            )
            now = datetime.now(UTC)  # routed as it is offered, as the router marks it
            for iid, name in zip(ids, names, strict=False):
                conn.execute(
                    update(i)
                    .where(i.c.id == iid)
                    .values(state="offered", agent=name, routed_at=now)
                )
        for iid in ids:
            with engine.begin() as conn:
                conn.execute(update(i).where(i.c.id == iid).values(state="accepted"))
            with engine.begin() as conn:
                conn.execute(update(i).where(i.c.id == iid).values(state="done"))
            finished += 1
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed


def _throughput(database: str, urls: tuple[str, str], scale: float) -> Result:
    n = max(AGENTS * 4, int(INTERACTIONS * scale))
    ours = _ours(urls[0], n)
    bare = _bare(urls[1], n)
    return Result(
        f"routing: {n:,} interactions through {AGENTS} agents, queued to done ({database})",
        ours,
        bare,
        "s",
    )


@benchmark("routing: router throughput (sqlite)")
def router_throughput_sqlite(scale: float) -> Result:
    with _sqlite_urls() as urls:
        return _throughput("sqlite", urls, scale)


if os.environ.get("WORKBENCH_TEST_PG_URL"):

    @benchmark("routing: router throughput (postgresql)")
    def router_throughput_postgresql(scale: float) -> Result:
        with _postgres_urls(os.environ["WORKBENCH_TEST_PG_URL"]) as urls:
            return _throughput("postgresql", urls, scale)


# --- offer latency ------------------------------------------------------------------------------

LATENCY_TWEETS = 12
CUSTOMER = "bench_customer"


@contextmanager
def _desk(interval_driven: bool, url: str) -> Iterator[tuple[object, object, object, object]]:
    """A sandbox, the store at ``url``, ingest, and one ready workspace; yields
    (sandbox, ingest, workspace, tweepy client of the brand)."""
    import requests

    from workbench.config import Settings
    from workbench.intake import Ingest
    from workbench.sandbox import start
    from workbench.store import Store
    from workbench.workspace import Workspace
    from workbench.xapi.gateway import Gateway

    sandbox = start()
    stop = threading.Event()
    threads: list[threading.Thread] = []
    store = Store(url)
    store.load_reference_data()
    settings = Settings.from_env({}, WORKBENCH_DB_URL=store.url, WORKBENCH_X_API_URL=sandbox.url)
    requests.post(
        f"{sandbox.url}/sandbox/users",
        json={"username": CUSTOMER, "name": "Bench Customer", "followers_count": 10},
        timeout=10,
    ).raise_for_status()
    gateway = Gateway.from_settings(settings)
    ingest = Ingest(store, gateway, classify=False)
    ingest.run_once()  # catch up: start from now
    ws = Workspace("bench_agent", store=store, settings=settings, send=False)
    ws.ready()
    try:
        if interval_driven:
            threads.append(threading.Thread(target=ingest.run_forever, args=(stop,)))
            threads[-1].start()
            ws.start()
        yield sandbox, ingest, ws, gateway.client()
    finally:
        stop.set()
        ws.close()
        for thread in threads:
            thread.join(timeout=60)
        store.close()
        sandbox.stop()


def _tweet(url: str, n: int) -> str:
    import requests

    answer = requests.post(
        f"{url}/sandbox/tweets",
        json={"author": CUSTOMER, "text": f"@AcmeSupport my order {n} has not arrived"},
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["id"])


def _finish(ws: object, interaction_id: str) -> None:
    from workbench.workspace import Workspace

    assert isinstance(ws, Workspace)
    ws.accept(interaction_id)
    ws.set_disposition(interaction_id, "resolved")
    ws.done(interaction_id)


def _bare_fetch(client: object, brand_id: str, since: str | None) -> float:
    t0 = time.perf_counter()
    answer = client.get_users_mentions(brand_id, since_id=since, user_auth=True)  # type: ignore[attr-defined]
    answer.json()  # the gateway's client answers with the response; decoded as requests would
    return time.perf_counter() - t0


class _BareStream:
    """tweepy's StreamingClient alone, noting when each tweet arrives (the baseline)."""

    def __init__(self, url: str) -> None:
        import tweepy

        from workbench.xapi.gateway import SANDBOX_BEARER, X_ORIGIN, RewriteAdapter

        self.seen: dict[str, float] = {}
        self.connected = threading.Event()
        outer = self

        class Client(tweepy.StreamingClient):
            def on_connect(self) -> None:
                outer.connected.set()

            def on_tweet(self, tweet: Any) -> None:
                outer.seen.setdefault(str(tweet.id), time.perf_counter())

        self.client = Client(SANDBOX_BEARER)
        self.client.session.trust_env = False
        adapter = RewriteAdapter(url, 30)
        self.client.session.mount(X_ORIGIN, adapter)
        self.thread = self.client.filter(threaded=True)
        if not self.connected.wait(15):
            raise RuntimeError("bench: the bare stream did not connect")

    def close(self) -> None:
        self.client.disconnect()


def _latency(interval_driven: bool, scale: float, url: str) -> tuple[float, float, int]:
    n = max(1, round(LATENCY_TWEETS * scale))
    ours: list[float] = []
    bare: list[float] = []
    with _desk(interval_driven, url) as (sandbox, ingest, ws, client):
        brand_id = ingest.gateway.user_id()  # type: ignore[attr-defined]
        arrived = threading.Event()
        seen: dict[str, float] = {}

        def on_offers(change: object) -> None:
            for it in change.new:  # type: ignore[attr-defined]
                seen.setdefault(it.tweet_id, time.perf_counter())
            arrived.set()

        ws.observe(on_offers, "offers")  # type: ignore[attr-defined]
        previous: str | None = None
        bare_stream = None
        if interval_driven:
            deadline = time.monotonic() + 30
            while ingest.stream is None or not ingest.stream.connected.is_set():  # type: ignore[attr-defined]
                if time.monotonic() > deadline:
                    raise RuntimeError("bench: ingest's stream did not connect within 30 s")
                time.sleep(0.05)
            bare_stream = _BareStream(sandbox.url)  # type: ignore[attr-defined]
        # Tweets arrive at random moments of the ingest's polling cycle, not just after a pass.
        from workbench.intake import Ingest

        cycle = float(inspect.signature(Ingest.run_forever).parameters["interval"].default)
        rng = random.Random(7)
        try:
            for k in range(n):
                if interval_driven:
                    time.sleep(rng.uniform(0, cycle))
                arrived.clear()
                t0 = time.perf_counter()
                tweet_id = _tweet(sandbox.url, k)  # type: ignore[attr-defined]
                if not interval_driven:
                    ingest.run_once()  # type: ignore[attr-defined]
                    ws.poll()  # type: ignore[attr-defined]
                deadline = time.monotonic() + 120
                while tweet_id not in seen and time.monotonic() < deadline:
                    arrived.wait(0.05)
                if tweet_id not in seen:
                    raise RuntimeError(f"tweet {tweet_id} reached no workspace within 120 s")
                ours.append(seen[tweet_id] - t0)
                if bare_stream is not None:
                    while tweet_id not in bare_stream.seen and time.monotonic() < deadline:
                        time.sleep(0.005)
                    bare.append(bare_stream.seen[tweet_id] - t0)
                else:
                    bare.append(_bare_fetch(client, brand_id, previous))
                previous = tweet_id
                offer = next(o for o in ws.offers if o.tweet_id == tweet_id)  # type: ignore[attr-defined]
                _finish(ws, offer.id)
        finally:
            if bare_stream is not None:
                bare_stream.close()
    return statistics.median(ours), statistics.median(bare), n


def _offer_latency(database: str, url: str, scale: float) -> Result:
    ours, bare, n = _latency(True, scale, url)
    return Result(
        f"routing: sandbox tweet to offer in a ready workspace, defaults, {database} "
        f"(median of {n}); bare: tweepy StreamingClient gets it",
        ours,
        bare,
        "s",
    )


@benchmark("routing: offer latency at default settings (sqlite)")
def offer_latency_default(scale: float) -> Result:
    with _sqlite_urls() as urls:
        return _offer_latency("sqlite", urls[0], scale)


if os.environ.get("WORKBENCH_TEST_PG_URL"):

    @benchmark("routing: offer latency at default settings (postgresql)")
    def offer_latency_postgresql(scale: float) -> Result:
        with _postgres_urls(os.environ["WORKBENCH_TEST_PG_URL"]) as urls:
            return _offer_latency("postgresql", urls[0], scale)


@benchmark("routing: offer latency without polling waits")
def offer_latency_pipeline(scale: float) -> Result:
    with _sqlite_urls() as urls:
        ours, bare, n = _latency(False, scale, urls[0])
    return Result(
        f"routing: sandbox tweet to offer, ingest and poll run at once (median of {n})",
        ours,
        bare,
        "s",
    )

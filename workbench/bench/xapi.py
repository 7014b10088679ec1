"""X API adapter: ingest and the outbox against a bare tweepy loop doing the same calls.

Both sides talk to the same sandbox, run as its own process (``workbench sandbox``) as X would be,
with rate limits raised so that only the work is measured. Each side runs ``TRIALS`` times,
interleaved, and the best time counts (the machine may be busy with other work).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench.bench import Result, benchmark

PAGE = 100
TRIALS = 3


@contextmanager
def _sandbox() -> Iterator[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench",
            "sandbox",
            "--empty",
            "--port",
            "0",
            "--rate-limit-scale",
            "100000",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "WORKBENCH_BRAND": "AcmeSupport"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("X API sandbox at "):
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        yield line.removeprefix("X API sandbox at ")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _best(*sides: Callable[[int], float], trials: int | None = None) -> list[float]:
    """The best time of each side over ``trials`` interleaved runs (``side(trial)``)."""
    best = [float("inf")] * len(sides)
    for trial in range(TRIALS if trials is None else trials):
        for i, side in enumerate(sides):
            best[i] = min(best[i], side(trial))
    return best


def _bare_client(url: str, brand_id: str) -> Any:
    """tweepy as anyone would use it, reaching the sandbox through the same adapter."""
    import tweepy

    from workbench.xapi.gateway import RewriteAdapter

    client = tweepy.Client(
        consumer_key="ck",
        consumer_secret="cs",
        access_token=f"{brand_id}-bench",
        access_token_secret="ts",
    )
    client.session.trust_env = False
    client.session.mount("https://api.twitter.com", RewriteAdapter(url, timeout=60))
    client.get_me()  # an open connection, as the gateway's
    return client


def _gateway(url: str) -> Any:
    from workbench.config import Settings
    from workbench.xapi.gateway import Gateway

    gateway = Gateway.from_settings(Settings.from_env({"WORKBENCH_X_API_URL": url}))
    gateway.me()
    return gateway


def _load_mentions(url: str, n: int) -> str:
    """``n`` customer tweets mentioning the brand, from up to 2,000 customers; the brand's id."""
    import requests

    s = requests.Session()
    s.trust_env = False
    people = min(2_000, max(10, n // 25))
    s.post(
        f"{url}/sandbox/users",
        json=[
            {"username": f"c{i}", "followers_count": i * 7, "follows_brand": i % 3 == 0}
            for i in range(people)
        ],
    ).raise_for_status()
    for start in range(0, n, 2_000):
        batch = [
            {
                "author": f"c{i % people}",
                "text": f"@AcmeSupport order {i} is late 😡 acmeshop.co/o/{i}",
            }
            for i in range(start, min(n, start + 2_000))
        ]
        s.post(f"{url}/sandbox/tweets", json=batch).raise_for_status()
    return str(s.get(f"{url}/sandbox/accounts").json()[0]["id"])


def _store(tmp: str, name: str) -> Any:
    from workbench.store import Store

    return Store(f"sqlite:///{Path(tmp) / name}")


def _ingest(n: int, classify: bool) -> tuple[float, float]:
    from workbench.intake import Ingest
    from workbench.xapi.gateway import TWEET_FIELDS, USER_FIELDS

    with _sandbox() as url, tempfile.TemporaryDirectory() as tmp:
        brand_id = _load_mentions(url, n)

        def bare(_trial: int) -> float:
            client = _bare_client(url, brand_id)
            t0 = time.perf_counter()
            token, seen = None, 0
            while True:
                page = client.get_users_mentions(
                    brand_id,
                    max_results=PAGE,
                    pagination_token=token,
                    expansions=["author_id"],
                    tweet_fields=TWEET_FIELDS,
                    user_fields=USER_FIELDS,
                    user_auth=True,
                )
                seen += len(page.data or [])
                token = page.meta.get("next_token")
                if not token:
                    break
            took = time.perf_counter() - t0
            assert seen == n, (seen, n)
            return took

        def ours(trial: int) -> float:
            store = _store(tmp, f"ingest-{classify}-{trial}.db")
            gateway = _gateway(url)
            ingest = Ingest(store, gateway, classify=classify, skip_retweets=True, page_size=PAGE)
            ingest.brands()
            t0 = time.perf_counter()
            report = ingest.mentions("AcmeSupport")
            took = time.perf_counter() - t0
            assert report.interactions == n, report
            gateway.close()
            store.close()
            return took

        mine, theirs = _best(ours, bare, trials=None if not classify else min(2, TRIALS))
    return mine, theirs


@benchmark("xapi: ingest 50k mentions in pages of 100 vs bare tweepy paging")
def ingest_mentions(scale: float) -> Result:
    n = max(2_000, int(50_000 * scale))
    ours, bare = _ingest(n, classify=False)
    return Result(
        f"xapi: ingest {n:,} mentions, stored (no classifier) vs bare tweepy", ours, bare, "s"
    )


@benchmark("xapi: ingest 50k mentions with the classifier vs bare tweepy paging")
def ingest_mentions_classified(scale: float) -> Result:
    n = max(2_000, int(50_000 * scale))
    ours, bare = _ingest(n, classify=True)
    return Result(
        f"xapi: ingest {n:,} mentions, stored and classified vs bare tweepy", ours, bare, "s"
    )


@benchmark("xapi: outbox 5k replies vs bare tweepy create_tweet")
def outbox_replies(scale: float) -> Result:
    from workbench.outbox import Outbox

    n = max(500, int(5_000 * scale))
    with _sandbox() as url, tempfile.TemporaryDirectory() as tmp:
        brand_id = _load_mentions(url, 200)
        client = _bare_client(url, brand_id)
        mentions = client.get_users_mentions(brand_id, max_results=100, user_auth=True)
        targets = [str(p.id) for p in mentions.data]

        def bare(trial: int) -> float:
            client = _bare_client(url, brand_id)
            t0 = time.perf_counter()
            for i in range(n):
                client.create_tweet(
                    text=f"@c{i % 50} bare reply {trial}-{i}",
                    in_reply_to_tweet_id=targets[i % len(targets)],
                )
            return time.perf_counter() - t0

        def ours(trial: int) -> float:
            store = _store(tmp, f"outbox-{trial}.db")
            gateway = _gateway(url)
            outbox = Outbox(store, gateway, batch=100)
            t0 = time.perf_counter()
            # Written inside the callers' transactions (an agent's action is one), then sent.
            for start in range(0, n, 100):
                with store.transaction() as conn:
                    for i in range(start, min(n, start + 100)):
                        outbox.enqueue(
                            "reply",
                            "AcmeSupport",
                            {
                                "text": f"@c{i % 50} our reply {trial}-{i}",
                                "in_reply_to_tweet_id": targets[i % len(targets)],
                            },
                            conn=conn,
                        )
            while outbox.run_once().claimed:
                pass
            took = time.perf_counter() - t0
            counts = outbox.counts()
            assert counts["sent"] == n and counts["pending"] == 0, counts
            gateway.close()
            store.close()
            return took

        mine, theirs = _best(ours, bare)
    return Result(
        f"xapi: outbox {n:,} replies written, sent, marked vs bare tweepy", mine, theirs, "s"
    )


PACED_WINDOW = 10.0  # X's 15-minute window, shortened; the limits themselves are X's


@benchmark("outbox: burst of 300 replies by 10 agents within X's limits")
def outbox_paced_burst(scale: float) -> Result:
    """300 replies queued at once by 10 agents (threads) for one brand account, sent by one
    outbox worker against a sandbox enforcing X's 100 posts per window: no 429 may be
    provoked, each reply goes out once, and the drain (first send to last) is compared with the
    schedule X's limit allows: one window per 100 after the first, plus the time the first 100
    took to send unthrottled (the last window's hundred take as long)."""
    import math
    import threading
    from datetime import datetime

    import requests

    from workbench.outbox import Outbox
    from workbench.sandbox.server import start
    from workbench.xapi.budgets import RateBudgets

    n, agents, limit = 300, 10, 100
    running = start(brands=("AcmeSupport",), window_seconds=PACED_WINDOW, plan="enterprise")
    statuses: list[int] = []
    try:
        s = requests.Session()
        s.trust_env = False
        s.post(f"{running.url}/sandbox/users", json=[{"username": f"c{i}"} for i in range(30)])
        tweets = s.post(
            f"{running.url}/sandbox/tweets",
            json=[{"author": f"c{i}", "text": f"@AcmeSupport help {i}"} for i in range(30)],
        ).json()
        with tempfile.TemporaryDirectory() as tmp:
            store = _store(tmp, "paced.db")
            gateway = _gateway(running.url)
            gateway.budgets = RateBudgets(window=PACED_WINDOW)
            gateway.client().session.hooks["response"].append(
                lambda r, *a, **k: statuses.append(r.status_code)
            )
            outbox = Outbox(store, gateway, batch=100)
            stop = threading.Event()
            worker = threading.Thread(target=outbox.run_forever, args=(stop,), daemon=True)
            worker.start()

            def agent(a: int) -> None:
                for i in range(a, n, agents):
                    with store.transaction() as conn:  # one agent's action is one transaction
                        outbox.enqueue(
                            "reply",
                            "AcmeSupport",
                            {
                                "text": f"@c{i % 30} reply {i}",
                                "in_reply_to_tweet_id": tweets[i % 30]["id"],
                            },
                            interaction_id=f"it-{i}",
                            conn=conn,
                        )

            threads = [threading.Thread(target=agent, args=(a,)) for a in range(agents)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            deadline = time.monotonic() + 4 * PACED_WINDOW * math.ceil(n / limit)
            while outbox.counts()["sent"] < n and time.monotonic() < deadline:
                time.sleep(0.05)
            stop.set()
            worker.join(30)

            marked = outbox.counts()["sent"]
            gateway.close()
            store.close()
        replies = [
            a
            for a in s.get(f"{running.url}/sandbox/activity").json()["data"]
            if a["kind"] == "reply"
        ]
    finally:
        running.stop()
    texts = sorted(a["text"] for a in replies)
    if marked != n or texts != sorted(f"@c{i % 30} reply {i}" for i in range(n)):
        raise AssertionError(f"{marked} marked sent, {len(replies)} replies at X (of {n})")
    sent_at = sorted(datetime.fromisoformat(a["at"].replace("Z", "+00:00")) for a in replies)
    provoked = statuses.count(429)
    if provoked:
        raise AssertionError(f"{provoked} 429s provoked")
    first_batch = (sent_at[limit - 1] - sent_at[0]).total_seconds()
    schedule = (math.ceil(n / limit) - 1) * PACED_WINDOW + first_batch
    drain = (sent_at[-1] - sent_at[0]).total_seconds()
    return Result(
        f"outbox: {n} replies by {agents} agents within X's limits ({limit} posts per "
        f"{PACED_WINDOW:g} s window): 0 429s, {n} sent once; drain vs X's schedule",
        drain,
        schedule,
        "s",
    )


# --- DM offer latency through the activity stream ----------------------------------------------

DM_LATENCY_MESSAGES = 12


class _BareActivity:
    """X's SDK xdk alone reading the activity stream (requests when xdk is not installed),
    noting when each DM event id arrives: the baseline."""

    def __init__(self, url: str) -> None:
        import threading

        from workbench.xapi.gateway import SANDBOX_BEARER

        self.seen: dict[str, float] = {}
        self.client = "requests"
        self._stop = threading.Event()
        try:
            import xdk
            from xdk.streaming import StreamConfig

            sdk = xdk.Client(base_url=url, bearer_token=SANDBOX_BEARER)
            sdk.session.trust_env = False
            # No reconnecting: the stream ends only when the sandbox stops, after the run.
            once = StreamConfig(max_retries=0)
            lines = (
                item.model_dump(mode="json") for item in sdk.stream.activity(stream_config=once)
            )
            self.client = "xdk"
        except ImportError:
            import requests

            session = requests.Session()
            session.trust_env = False
            answer = session.get(
                f"{url}/2/activity/stream",
                headers={"Authorization": f"Bearer {SANDBOX_BEARER}"},
                stream=True,
                timeout=(10, 60),
            )
            lines = (json.loads(raw) for raw in answer.iter_lines(chunk_size=512) if raw.strip())
        self.thread = threading.Thread(target=self._read, args=(lines,), daemon=True)
        self.thread.start()

    def _read(self, lines: Iterator[dict[str, Any]]) -> None:
        try:
            for line in lines:
                payload = (line.get("data") or {}).get("payload") or {}
                for event in payload.get("direct_message_events") or []:
                    self.seen.setdefault(str(event.get("id")), time.perf_counter())
                if self._stop.is_set():
                    return
        except Exception:
            if not self._stop.is_set():
                raise  # the stream failed during the run

    def stop(self) -> None:
        """Call before the sandbox stops: the end of the stream is then not a failure."""
        self._stop.set()


@benchmark("xapi: DM offer latency through the activity stream vs bare client")
def dm_offer_latency(scale: float) -> Result:
    """A customer's DM (``POST /sandbox/dms``) until its offer reaches a ready Workspace's
    observer, ingest following the activity stream at its defaults (median); baseline: bare
    xdk (or requests) reading the same stream and receiving the same event."""
    import statistics
    import threading

    import requests

    from workbench.config import Settings
    from workbench.intake import Ingest
    from workbench.sandbox import start
    from workbench.workspace import Workspace
    from workbench.xapi.gateway import Gateway
    from workbench.xapi.oauth2 import SANDBOX_REDIRECT_URI, App

    n = max(3, round(DM_LATENCY_MESSAGES * scale))
    sandbox = start()
    ours: list[float] = []
    bare: list[float] = []
    stop = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        store = _store(tmp, "dm-latency.db")
        store.load_reference_data()
        settings = Settings.from_env(
            {}, WORKBENCH_DB_URL=store.url, WORKBENCH_X_API_URL=sandbox.url
        )
        s = requests.Session()
        s.trust_env = False
        s.post(
            f"{sandbox.url}/sandbox/users",
            json=[{"username": f"dm_customer{k}", "dm_open": True} for k in range(n)],
            timeout=10,
        ).raise_for_status()
        app = App.from_settings(settings)
        flow = app.start(SANDBOX_REDIRECT_URI)
        tokens = app.whoami(app.finish(flow, app.consent(flow)))
        app.close()
        store.tokens.save(
            tokens.username,
            tokens.user_id,
            tokens.access_token,
            tokens.refresh_token,
            tokens.expires_at,
            tokens.scopes,
        )
        gateway = Gateway.from_settings(settings)
        ingest = Ingest(store, gateway, classify=False)
        ingest.run_once()
        ws = Workspace("bench_agent", store=store, settings=settings, send=False)
        ws.ready()
        runner = threading.Thread(target=ingest.run_forever, args=(stop,), daemon=True)
        runner.start()
        ws.start()
        seen: dict[str, float] = {}
        arrived = threading.Event()

        def on_offers(change: Any) -> None:
            for it in change.new:
                if it.dm_event_id:
                    seen.setdefault(it.dm_event_id, time.perf_counter())
            arrived.set()

        ws.observe(on_offers, "offers")
        baseline = None
        try:
            deadline = time.monotonic() + 30
            while ingest.activity is None or not ingest.activity.connected.is_set():
                if time.monotonic() > deadline:
                    raise RuntimeError("bench: ingest's activity stream did not connect in 30 s")
                time.sleep(0.05)
            baseline = _BareActivity(sandbox.url)
            time.sleep(0.5)
            for k in range(n):
                arrived.clear()
                t0 = time.perf_counter()
                answer = s.post(
                    f"{sandbox.url}/sandbox/dms",
                    json={"author": f"dm_customer{k}", "text": f"my order {k} never came"},
                    timeout=10,
                )
                answer.raise_for_status()
                dm_id = str(answer.json()["id"])
                deadline = time.monotonic() + 60
                while dm_id not in seen and time.monotonic() < deadline:
                    arrived.wait(0.05)
                if dm_id not in seen:
                    raise RuntimeError(f"DM {dm_id} reached no workspace within 60 s")
                while dm_id not in baseline.seen and time.monotonic() < deadline:
                    time.sleep(0.002)
                ours.append(seen[dm_id] - t0)
                bare.append(baseline.seen[dm_id] - t0)
                offer = next(o for o in ws.offers if o.dm_event_id == dm_id)
                ws.accept(offer.id)
                ws.set_disposition(offer.id, "resolved")
                ws.done(offer.id)
        finally:
            stop.set()
            ws.close()
            runner.join(timeout=30)
            if baseline is not None:
                baseline.stop()
            sandbox.stop()
            gateway.close()
            store.close()
    client = baseline.client if baseline is not None else "xdk"
    return Result(
        f"xapi: customer DM to offer in a ready workspace through the activity stream "
        f"(median of {n}); bare: {client} receives the same dm.received",
        statistics.median(ours),
        statistics.median(bare),
        "s",
    )

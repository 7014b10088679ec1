"""The ledger at a desk's size: a store of 1,000,000 interactions with their events.

- refresh: the live ledger (``LiveLedger.refresh``) after 100 new events (20 arrivals, 40
  offers, 20 acceptances, 20 replies), what the dashboard does on each refresh; baseline: the
  full rebuild (``ledger()``) of the same store, what it did before.
- memory: ``memory_usage(deep=True)`` of the 1M-row frame; baseline: the same frame with the
  plain dtypes (object strings, int64 counts).
- first load: ``LiveLedger(store)`` from SQLite and from PostgreSQL (when
  ``WORKBENCH_TEST_PG_URL`` names a server); baseline: bare pandas ``read_sql_query`` of the
  interaction rows with their contact (no events).
- saved copy: ``LiveLedger(store, saved=path)`` from the copy a live ledger wrote, 100 events
  behind the store (it reads the copy, then applies them); the same baseline.

The store is filled once per run and dialect in bulk (the store's bulk insert on SQLite, COPY
on PostgreSQL; the 20 new interactions of the refresh through ``add_interactions``): done
interactions have arrived, offered, accepted, reply and done events, the open ones fewer; each
has its first inbound message in the transcript. ``scale`` shrinks it (at least 2,000).
``WORKBENCH_BENCH_CACHE`` names a folder to keep the filled SQLite file in between runs.
"""

from __future__ import annotations

import atexit
import json
import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from workbench.bench import Result, benchmark
from workbench.domain import (
    Actionability,
    Channel,
    Contact,
    Event,
    Interaction,
    Sentiment,
    State,
)

FULL = 1_000_000
BATCH = 20_000
AGENTS = [f"agent{k:02d}" for k in range(40)]
PHRASES = [
    "my order still has not arrived and the tracking page says nothing since monday",
    "the app keeps logging me out every time I open it, tried reinstalling twice",
    "thanks for sorting out the refund so quickly, great service from your team",
    "why was I charged twice for the same subscription this month?",
    "is the store on main street open on sunday? can't find the hours anywhere",
    "package arrived damaged, box crushed and one item missing, what now",
    "love the new update, the dark mode is exactly what I wanted",
    "been on hold for forty minutes, can someone just reply here please",
]
_STORES: dict[tuple[str, int], Any] = {}
_CLEANUP = ExitStack()
atexit.register(_CLEANUP.close)


def _size(scale: float) -> int:
    return max(2_000, int(FULL * scale))


def _contacts(n: int) -> int:
    return n // 20 + 1


def _label(n: int) -> str:
    return "1M" if n == FULL else f"{n:,}"


def _interaction(
    i: int, start: datetime, rng: random.Random, contacts: int
) -> tuple[Interaction, list[Event]]:
    at = start + timedelta(seconds=i * 2.6)
    mention = rng.random() < 0.7
    roll = rng.random()
    state = (
        State.DONE
        if roll < 0.85
        else State.ACCEPTED
        if roll < 0.9
        else State.OFFERED
        if roll < 0.93
        else State.QUEUED
    )
    agent = None if state is State.QUEUED else rng.choice(AGENTS)
    text = f"@brand {rng.choice(PHRASES)} #{i}"
    it = Interaction(
        uuid.uuid4().hex,
        Channel.MENTION if mention else Channel.DM,
        f"c{rng.randrange(contacts)}",
        tweet_id=str(10**17 + i) if mention else None,
        dm_event_id=None if mention else str(2 * 10**17 + i),
        queue=rng.choice(["mentions", "mentions", "vip"]) if mention else "dms",
        timeline="brand" if mention else "",
        subject=text,
        arrived_at=at,
        state=state,
        agent=agent,
        sentiment=rng.choice(list(Sentiment)),
        actionability=rng.choice(list(Actionability)),
        disposition=rng.choice(["resolved", "thanked", "spam", "refund"])
        if state is State.DONE
        else None,
    )
    events = [Event("arrived", it.id, at=at, details={"channel": it.channel.value})]
    if state is not State.QUEUED:
        events.append(Event("offered", it.id, agent, at + timedelta(seconds=30)))
    if state in (State.ACCEPTED, State.DONE):
        events.append(Event("accepted", it.id, agent, at + timedelta(seconds=45)))
        replied = at + timedelta(seconds=rng.randint(60, 1800))
        events.append(Event("reply", it.id, agent, replied))
        events.append(Event("answered", it.id, None, replied + timedelta(seconds=1)))
    if state is State.DONE:
        events.append(Event("done", it.id, agent, at + timedelta(seconds=rng.randint(1900, 4000))))
    return it, events


def interaction_row(
    keys: tuple[str, ...],
    iid: str,
    at: datetime,
    mention: bool,
    source: str,
    text: str,
    rng: random.Random,
    contacts: int,
    state: str,
    agent: str | None,
    sentiments: list[str],
    actionabilities: list[str],
    disposition: Callable[[], str | None],
) -> tuple[Any, ...]:
    """A bench interaction's row (its ``keys``: ``INTERACTION_KEYS``); its contact, queue,
    sentiment and actionability drawn from ``rng`` in that order, then ``disposition()``."""
    values: dict[str, Any] = {
        "id": iid,
        "channel": "mention" if mention else "dm",
        "tweet_id": source if mention else None,
        "dm_event_id": None if mention else source,
        "post_key": None,
        "timeline": "brand" if mention else "",
        "contact_id": f"c{rng.randrange(contacts)}",
        "queue": rng.choice(["mentions", "mentions", "vip"]) if mention else "dms",
        "subject": text,
        "state": state,
        "agent": agent,
        "parties": [],
        "consultations": [],
        "sentiment": rng.choice(sentiments),
        "actionability": rng.choice(actionabilities),
        "disposition": disposition(),
        "note": "",
        "preferred_agent": None,
        "previous_id": None,
        "pending_until": None,
        "arrived_at": at,
        "version": 0,
    }
    # By name, so a column the store adds fails here (KeyError) instead of shifting the row.
    return tuple(values[k] for k in keys)


def _rows(
    i: int, iid: str, start: datetime, rng: random.Random, contacts: int, keys: tuple[str, ...]
) -> tuple[Any, ...]:
    """One interaction's row (its ``keys``: ``INTERACTION_KEYS``), its events (``EVENT_KEYS``)
    and its first transcript line (``TRANSCRIPT_KEYS``), made directly as tuples (a million)."""
    at = start + timedelta(seconds=i * 2.6)
    mention = rng.random() < 0.7
    roll = rng.random()
    state = (
        "done"
        if roll < 0.85
        else "accepted"
        if roll < 0.9
        else "offered"
        if roll < 0.93
        else "queued"
    )
    agent = None if state == "queued" else rng.choice(AGENTS)
    text = f"@brand {rng.choice(PHRASES)} #{i}"
    source = str((10**17 if mention else 2 * 10**17) + i)
    row = interaction_row(
        keys,
        iid,
        at,
        mention,
        source,
        text,
        rng,
        contacts,
        state,
        agent,
        _SENTIMENTS,
        _ACTIONABILITY,
        lambda: rng.choice(["resolved", "thanked", "spam", "refund"]) if state == "done" else None,
    )
    events: list[tuple[Any, ...]] = [(at, iid, None, "arrived", {})]
    if state != "queued":
        events.append((at + timedelta(seconds=30), iid, agent, "offered", {}))
    if state in ("accepted", "done"):
        events.append((at + timedelta(seconds=45), iid, agent, "accepted", {}))
        replied = at + timedelta(seconds=rng.randint(60, 1800))
        events.append((replied, iid, agent, "reply", {}))
        events.append((replied + timedelta(seconds=1), iid, None, "answered", {}))
    if state == "done":
        events.append((at + timedelta(seconds=rng.randint(1900, 4000)), iid, agent, "done", {}))
    line: tuple[Any, ...] = (
        iid,
        at,
        "inbound",
        "customer",
        text,
        "message",
        source if mention else None,
        {},
    )
    return row, events, line


_SENTIMENTS = [s.value for s in Sentiment]
_ACTIONABILITY = [a.value for a in Actionability]


def _writer(store: Any) -> Any:
    """Bulk rows into a table: the store's own bulk insert on SQLite, COPY on PostgreSQL."""
    from workbench.store._bulk import insert_rows

    if store.dialect == "sqlite":

        def write(table: Any, keys: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
            with store.transaction() as conn:
                insert_rows(conn, table, keys, rows)

        return write

    def copy(table: Any, keys: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        raw = store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            sql = f"COPY {table.name} ({', '.join(keys)}) FROM STDIN"
            with cursor.copy(sql) as out:
                for r in rows:
                    out.write_row([json.dumps(v) if isinstance(v, list | dict) else v for v in r])
            raw.commit()
        finally:
            raw.close()

    return copy


def _fill(store: Any, n: int) -> None:
    from workbench.store import new_ids
    from workbench.store import schema as t
    from workbench.store._rows import EVENT_KEYS, INTERACTION_KEYS, TRANSCRIPT_KEYS, contact_row

    store.load_reference_data()
    write = _writer(store)
    now = datetime.now(UTC)
    people = [
        contact_row(Contact(f"c{k}", f"user{k}", f"Customer {k}"), now) for k in range(_contacts(n))
    ]
    write(t.contacts, tuple(people[0]), [tuple(p.values()) for p in people])
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for first in range(0, n, BATCH):
        count = min(first + BATCH, n) - first
        made = [
            _rows(first + k, iid, start, rng, _contacts(n), INTERACTION_KEYS)
            for k, iid in enumerate(new_ids(count))
        ]
        write(t.interactions, INTERACTION_KEYS, [m[0] for m in made])
        write(t.events, EVENT_KEYS, [e for m in made for e in m[1]])
        write(t.transcript, TRANSCRIPT_KEYS, [m[2] for m in made])


def _store(dialect: str, n: int) -> Any:
    """A filled store of ``n`` interactions on ``dialect``, built once per run."""
    from workbench.store import Store

    found = _STORES.get((dialect, n))
    if found is not None:
        return found
    if dialect == "sqlite":
        folder = tempfile.mkdtemp(prefix="wb-bench-ledger-")
        _CLEANUP.callback(shutil.rmtree, folder, True)
        path = Path(folder) / "ledger.db"
        cache = os.environ.get("WORKBENCH_BENCH_CACHE")
        if cache:  # a folder keeping the filled file between runs (each run works on a copy)
            from workbench.store import head_revision

            kept = Path(cache) / f"ledger-{n}-{head_revision()}.db"
            if not kept.exists():
                kept.parent.mkdir(parents=True, exist_ok=True)
                filling = Store(f"sqlite:///{kept.with_suffix('.part')}")
                _fill(filling, n)
                filling.close()
                kept.with_suffix(".part").rename(kept)
            shutil.copyfile(kept, path)
            os.sync()  # the copy on disk before any timing: measure reads, not its writeback
            store = Store(f"sqlite:///{path}")
            _CLEANUP.callback(store.close)
            _STORES[(dialect, n)] = store
            return store
        url = f"sqlite:///{path}"
    else:
        from workbench.bench.routing import _postgres_urls

        url, _ = _CLEANUP.enter_context(_postgres_urls(os.environ["WORKBENCH_TEST_PG_URL"]))
    store = Store(url)
    _CLEANUP.callback(store.close)
    _fill(store, n)
    _STORES[(dialect, n)] = store
    return store


_LOADS: dict[tuple[str, int], tuple[Any, float]] = {}


def _load(dialect: str, n: int) -> tuple[Any, float]:
    """The live ledger of the ``_store`` and how long its first load took (loaded once)."""
    from workbench.analytics import LiveLedger

    found = _LOADS.get((dialect, n))
    if found is None:
        store = _store(dialect, n)
        t0 = time.perf_counter()
        live = LiveLedger(store)
        found = _LOADS[(dialect, n)] = (live, time.perf_counter() - t0)
    return found


def _bare_read(store: Any) -> float:
    import pandas as pd
    from sqlalchemy import select

    from workbench.store import schema as t

    i, c = t.interactions, t.contacts
    query = select(i, c.c.username, c.c.name).select_from(i.join(c, c.c.id == i.c.contact_id))
    t0 = time.perf_counter()
    with store.engine.connect() as conn:
        pd.read_sql_query(query, conn)
    return time.perf_counter() - t0


def _hundred_events(store: Any, frame: Any, first: int = FULL * 3) -> int:
    """Append 100 events: 20 arrivals (numbered from ``first``), 40 offers, 20 acceptances
    and 20 replies."""
    from workbench.store import Change

    rng = random.Random(11)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    batch = [_interaction(first + k, start, rng, 1) for k in range(20)]
    for it, events in batch:
        it.state, it.agent, it.disposition = State.QUEUED, None, None
        del events[1:]
    store.add_interactions(batch)
    queued = frame.loc[frame["state"] == "queued", "interaction_id"].tail(40).tolist()
    written = 20

    def step(fn: Any) -> Any:
        return lambda it, _conn: Change([fn(it)])

    for k, iid in enumerate(queued):
        agent = AGENTS[k % len(AGENTS)]
        store.apply(iid, step(lambda it, a=agent: it.offer(a)))
        written += 1
    for iid in queued[:20]:
        store.apply(iid, step(lambda it: it.accept(it.agent)))
        store.apply(iid, step(lambda it: it.act(it.agent, "reply")))
        written += 2
    return written


@benchmark("ledger: memory of 1M rows")
def memory(scale: float) -> Result:
    from workbench.analytics.ledger import CATEGORICAL, COUNTED, TEXT

    n = _size(scale)
    live, _ = _load("sqlite", n)
    frame = live.frame
    ours = frame.memory_usage(deep=True).sum() / 1e6
    plain = frame.astype(
        {**{c: object for c in (*CATEGORICAL, *TEXT)}, **{c: "int64" for c in COUNTED}}
    )
    baseline = plain.memory_usage(deep=True).sum() / 1e6
    return Result(f"ledger: memory of {_label(n)} rows", ours, baseline, "MB")


def _first_load(dialect: str, scale: float) -> Result:
    n = _size(scale)
    _, ours = _load(dialect, n)
    baseline = _bare_read(_store(dialect, n))
    name = "SQLite" if dialect == "sqlite" else "PostgreSQL"
    return Result(f"ledger: first load of {_label(n)} interactions ({name})", ours, baseline, "s")


@benchmark("ledger: first load of 1M interactions (SQLite)")
def first_load_sqlite(scale: float) -> Result:
    return _first_load("sqlite", scale)


if os.environ.get("WORKBENCH_TEST_PG_URL"):

    @benchmark("ledger: first load of 1M interactions (PostgreSQL)")
    def first_load_postgres(scale: float) -> Result:
        return _first_load("postgresql", scale)


@benchmark("ledger: load of 1M interactions from its saved copy (SQLite)")
def saved_load(scale: float) -> Result:
    from workbench.analytics import LiveLedger

    n = _size(scale)
    store = _store("sqlite", n)
    live, _ = _load("sqlite", n)
    folder = tempfile.mkdtemp(prefix="wb-bench-saved-")
    _CLEANUP.callback(shutil.rmtree, folder, True)
    live.saved = Path(folder) / "ledger.db.ledger.parquet"
    live.save(wait=True)
    written = _hundred_events(store, live.refresh(), first=FULL * 4)  # then caught up
    t0 = time.perf_counter()
    again = LiveLedger(store, saved=live.saved)
    ours = time.perf_counter() - t0
    assert again.restored and again.applied == written, (again.restored, again.applied)
    assert len(again.frame) == len(live.refresh())
    baseline = _bare_read(store)
    return Result(
        f"ledger: load of {_label(n)} interactions from its saved copy, {written} events behind"
        " (SQLite)",
        ours,
        baseline,
        "s",
    )


@benchmark("dashboard: refresh after 100 new events, 1M interactions")
def refresh(scale: float) -> Result:
    from workbench.analytics import ledger

    n = _size(scale)
    store = _store("sqlite", n)
    live, _ = _load("sqlite", n)
    written = _hundred_events(store, live.frame)
    t0 = time.perf_counter()
    frame = live.refresh()
    ours = time.perf_counter() - t0
    assert live.applied == written, (live.applied, written)
    t0 = time.perf_counter()
    rebuilt = ledger(store=store)
    baseline = time.perf_counter() - t0
    assert len(rebuilt) == len(frame)
    return Result(
        f"dashboard: refresh after {written} new events, {_label(n)} interactions",
        ours,
        baseline,
        "s",
    )

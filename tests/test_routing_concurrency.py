"""Several processes route, accept, reject and finish over one store: no interaction is ever
offered to two agents at once and no agent gets more than their capacity."""

from __future__ import annotations

import multiprocessing
import random
import time
import uuid

from sqlalchemy import func, select

from workbench.domain import Channel, Contact, Interaction, State
from workbench.routing import Router, register_agent, set_agent_state
from workbench.store import Store
from workbench.store import schema as t

PROCESSES = 4
AGENTS = [f"agent{i}" for i in range(8)]
CAPACITY = 2
INTERACTIONS = 160
# Event actions that take an interaction off an agent (back to the queue or finished).
RELEASE = {"rejected", "offer_timed_out", "requeued", "done"}


def _work(url: str, index: int, seed: int, deadline: float) -> list[str]:
    """One process: routing passes, and its agents answer their offers."""
    store = Store(url, migrate=False)
    router = Router(store, offer_timeout=30, heartbeat_stale=3600, batch=50)
    rng = random.Random(seed)
    mine = AGENTS[index::PROCESSES]
    problems: list[str] = []
    i = t.interactions
    try:
        while time.monotonic() < deadline:
            router.run_once()
            with store.engine.connect() as conn:
                loads = conn.execute(
                    select(i.c.agent, func.count())
                    .where(i.c.state.in_(["offered", "accepted"]))
                    .group_by(i.c.agent)
                ).all()
                left = conn.execute(
                    select(func.count()).select_from(i).where(i.c.state != "done")
                ).scalar_one()
            problems += [f"{a} holds {n}" for a, n in loads if n > CAPACITY]
            if left == 0:
                break
            for name in mine:
                for it in store.interactions(agent=name):
                    try:
                        if it.state is State.OFFERED:
                            if rng.random() < 0.25:
                                store.apply(it.id, lambda x, _, n=name: x.reject(n))
                            else:
                                store.apply(it.id, lambda x, _, n=name: x.accept(n))
                        elif it.state is State.ACCEPTED:
                            store.apply(it.id, lambda x, _, n=name: x.done(n, False))
                    except Exception as exc:  # another process moved it first: fine
                        if "cannot" not in str(exc) and "changed by someone" not in str(exc):
                            problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        store.close()
    return problems


def test_many_processes_never_double_offer(db_url):
    store = Store(db_url)
    store.load_reference_data()
    store.upsert_contact(Contact("77", "crowd"))
    for n in range(INTERACTIONS):
        store.add_interaction(
            Interaction(uuid.uuid4().hex, Channel.MENTION, "77", tweet_id=str(10**12 + n))
        )
    for name in AGENTS:
        register_agent(store, name, capacity=CAPACITY)
        set_agent_state(store, name, "ready")

    deadline = time.monotonic() + 120
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(PROCESSES) as pool:
        results = pool.starmap(_work, [(db_url, k, k, deadline) for k in range(PROCESSES)])
    problems = [p for r in results for p in r]
    assert problems == []

    assert {it.state for it in store.interactions()} == {State.DONE}
    holder: dict[str, str | None] = {}
    for e in store.events():
        if e.interaction_id is None:
            continue
        if e.action == "offered":
            assert holder.get(e.interaction_id) is None, (
                f"{e.interaction_id} offered to {e.agent} while {holder[e.interaction_id]} held it"
            )
            holder[e.interaction_id] = e.agent
        elif e.action == "accepted":
            assert holder.get(e.interaction_id) == e.agent
        elif e.action in RELEASE:
            assert holder.get(e.interaction_id) == e.agent
            holder[e.interaction_id] = None
    assert len(holder) == INTERACTIONS
    store.close()

"""Store writes: interactions with their events through the store vs bare SQLAlchemy."""

from __future__ import annotations

import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from workbench.bench import Result, benchmark
from workbench.domain import Channel, Contact, Event, Interaction

BATCH = 5_000


def _batch(n: int, contact_id: str) -> list[tuple[Interaction, list[Event]]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        at = start + timedelta(seconds=i)
        it = Interaction(
            id=uuid.uuid4().hex,
            channel=Channel.MENTION,
            contact_id=contact_id,
            tweet_id=str(10**15 + i),
            arrived_at=at,
            subject=f"tweet {i}",
        )
        out.append((it, [Event("arrived", it.id, at=at, details={"channel": "mention"})]))
    return out


@benchmark("store: insert 100k interactions with events")
def insert_interactions(scale: float) -> Result:
    from workbench.store import Store
    from workbench.store import schema as t
    from workbench.store._rows import event_row, interaction_row

    n = max(BATCH, int(100_000 * scale))
    batch = _batch(n, "42")
    with tempfile.TemporaryDirectory() as tmp:
        ours_store = Store(f"sqlite:///{Path(tmp) / 'ours.db'}")
        bare_store = Store(f"sqlite:///{Path(tmp) / 'bare.db'}")
        for s in (ours_store, bare_store):
            s.upsert_contact(Contact(id="42", username="bench"))
        # The baseline gets its rows ready-made: it measures SQLAlchemy executemany alone.
        rows = [interaction_row(it) for it, _ in batch]
        event_rows = [event_row(e) for _, evs in batch for e in evs]

        t0 = time.perf_counter()
        for i in range(0, n, BATCH):
            ours_store.add_interactions(batch[i : i + BATCH])
        ours = time.perf_counter() - t0

        t0 = time.perf_counter()
        for i in range(0, n, BATCH):
            with bare_store.engine.begin() as conn:
                conn.execute(insert(t.interactions), rows[i : i + BATCH])
                conn.execute(insert(t.events), event_rows[i : i + BATCH])
        bare = time.perf_counter() - t0
        ours_store.close()
        bare_store.close()
    return Result(f"store: insert {n:,} interactions with events", ours, bare, "s")

"""Faults on the X Activity API stream, as for the filtered stream: the stream drops, the
connection is refused with a 429, the sandbox restarts. Each time every DM sent meanwhile is
stored, and none twice (the backfill and the catch-up poll overlap on purpose)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from tests.test_activity import authorise, following, wait_for
from workbench.intake import Ingest
from workbench.xapi import Gateway

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control

pytest_plugins = ["tests.xapi_fixtures"]


def _desk(sqlite_url: str, sandbox: str) -> tuple[Any, Ingest]:
    from tests.xapi_fixtures import settings_for
    from workbench.store import Store

    store = Store(sqlite_url)
    authorise(store, sandbox)
    gateway = Gateway.from_settings(settings_for(sandbox), timeout=10.0)
    return store, Ingest(store, gateway, classify=None)


def stored_dms(store: Any) -> list[str]:
    """The DM event id of every inbound transcript line (a DM opens an interaction or joins
    the customer's open one)."""
    return [
        line.tweet_id
        for it in store.interactions()
        for line in store.transcript(it.id)
        if line.action == "dm" and line.tweet_id
    ]


def _once_each(store: Any, sent: list[str]) -> None:
    assert wait_for(lambda: set(sent) <= set(stored_dms(store)), 20), sorted(
        set(sent) - set(stored_dms(store))
    )
    doubled = [i for i, n in Counter(stored_dms(store)).items() if n > 1]
    assert not doubled, doubled


def test_a_dropped_stream_loses_and_doubles_no_dm(sqlite_url: str, running_sandbox, control):
    store, ingest = _desk(sqlite_url, running_sandbox.url)
    control.user("dana", dm_open=True)
    sent: list[str] = []
    with following(ingest):
        assert ingest.activity is not None
        connects = ingest.activity.connects
        sent += [control.dm("dana", f"before {k}")["id"] for k in range(3)]
        control._post("/sandbox/streams/drop", {})
        sent += [control.dm("dana", f"during {k}")["id"] for k in range(3)]
        assert wait_for(lambda: ingest.activity.connects > connects)  # type: ignore[union-attr]
        sent += [control.dm("dana", f"after {k}")["id"] for k in range(3)]
        _once_each(store, sent)
    store.close()


def test_a_429_on_connect_is_waited_out_and_no_dm_is_lost(
    sqlite_url: str, running_sandbox, control: Control
):
    store, ingest = _desk(sqlite_url, running_sandbox.url)
    control.user("dana", dm_open=True)
    control.fault(path="/2/activity/stream", status=429, count=2)
    early = control.dm("dana", "sent while the stream is refused")["id"]
    with following(ingest):
        later = control.dm("dana", "sent once connected")["id"]
        _once_each(store, [early, later])
    assert not [
        f for f in control.session.get(f"{running_sandbox.url}/sandbox/faults").json()["data"]
    ]
    store.close()


def test_a_sandbox_restart_loses_and_doubles_no_dm(sqlite_url: str, running_sandbox, control):
    store, ingest = _desk(sqlite_url, running_sandbox.url)
    dana = control.user("dana", dm_open=True)
    brand = running_sandbox.world.default_brand.id
    sent: list[str] = []
    with following(ingest):
        sent += [control.dm("dana", f"before {k}")["id"] for k in range(2)]
        _once_each(store, sent)
        writer_done = threading.Event()

        def write_while_down() -> None:
            # the world goes on while the API does not answer (X's servers restart, not X)
            for k in range(3):
                time.sleep(0.1)
                sent.append(str(running_sandbox.world.send_dm(dana["id"], brand, f"down {k}").id))
            writer_done.set()

        writer = threading.Thread(target=write_while_down)
        writer.start()
        running_sandbox.restart(down=0.5)
        writer.join(10)
        assert writer_done.is_set()
        sent += [control.dm("dana", f"after {k}")["id"] for k in range(2)]
        _once_each(store, sent)
    store.close()

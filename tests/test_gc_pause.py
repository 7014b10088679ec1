"""The cyclic collector is paused while ingest walks a timeline, and left as it was found."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from workbench import _gc
from workbench.intake import Ingest
from workbench.xapi import Unavailable

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control
    from workbench.xapi import Gateway

pytest_plugins = ["tests.xapi_fixtures"]


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_nested_and_concurrent_pauses_share_one():
    entered, leave = threading.Barrier(2), threading.Event()

    def other() -> None:
        with _gc.paused():
            entered.wait()
            leave.wait()

    thread = threading.Thread(target=other)
    thread.start()
    with _gc.paused():
        entered.wait()
        with _gc.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block ended, the outer goes on
    assert not gc.isenabled()  # the other thread's walk goes on
    leave.set()
    thread.join()
    assert gc.isenabled()


def test_a_process_that_disabled_the_collector_keeps_it_disabled():
    gc.disable()
    with _gc.paused():
        pass
    assert not gc.isenabled()


def test_ingest_walks_pause_the_collector_and_resume_it_after_a_failure(
    store, gateway: Gateway, control: Control
):
    control.tweets([{"author": "dana", "text": f"@AcmeSupport {i}"} for i in range(15)])
    control.user("marta", dm_open=True)
    control.dm("marta", "order 12 never came")
    during: list[bool] = []
    gateway.client().session.hooks["response"].append(
        lambda r, *a, **k: during.append(gc.isenabled())
    )
    ingest = Ingest(store, gateway, classify=None, page_size=10)
    assert ingest.mentions("AcmeSupport").interactions == 15
    assert ingest.direct_messages("AcmeSupport").interactions == 1
    assert len(during) >= 3 and not any(during) and gc.isenabled()
    control.fault(path="/2/users/*/mentions", status=503)
    with pytest.raises(Unavailable):
        ingest.mentions("AcmeSupport")
    assert gc.isenabled()

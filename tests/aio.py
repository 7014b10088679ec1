"""Running a widget's live loop in a test: an event loop of its own, in a thread of its own
(the browser tests leave one running in the main thread)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def run_in_own_loop(scenario: Callable[[], Awaitable[T]], timeout: float = 60.0) -> T:
    """``asyncio.run(scenario())`` in a new thread; its result, or its exception re-raised."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(asyncio.run(scenario()))  # type: ignore[arg-type]
        except BaseException as exc:
            failure.append(exc)

    runner = threading.Thread(target=run)
    runner.start()
    runner.join(timeout)
    if failure:
        raise failure[0]
    assert outcome, f"the scenario did not end within {timeout:g} s"
    return outcome[0]


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the loop run until ``condition()`` holds or ``timeout`` passes."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)

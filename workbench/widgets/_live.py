"""Run a view's refresh in the kernel's event loop: every few seconds, and at once when the
store says something happened (the wait for that runs in a worker thread; the refresh, and so
every widget change, stays on the kernel's loop)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable

MIN_GAP = 0.05  # after a change: let the rest of a burst land, then refresh once


class LiveLoop:
    """Calls ``tick`` every ``interval`` seconds while started, or as soon as
    ``wake(timeout, halt)`` (a ``ChangeFeed.wait``) returns True; errors are shown, not raised."""

    def __init__(
        self,
        tick: Callable[[], None],
        interval: float,
        on_error: Callable[[str], None],
        wake: Callable[[float, threading.Event], bool] | None = None,
        min_gap: float = MIN_GAP,
    ):
        self.tick = tick
        self.interval = interval
        self.on_error = on_error
        self.wake = wake
        self.min_gap = min_gap
        self._halt = threading.Event()  # ends a wait in progress when the loop stops
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = asyncio.get_event_loop()
        self._halt = threading.Event()
        self._task = loop.create_task(self._run())

    def stop(self) -> None:
        self._halt.set()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self.wake is None:
                await asyncio.sleep(self.interval)
            else:
                try:
                    woke = await loop.run_in_executor(None, self.wake, self.interval, self._halt)
                except Exception:  # the feed lost the store: fall back to the interval
                    woke = False
                    await asyncio.sleep(self.interval)
                if woke:
                    await asyncio.sleep(self.min_gap)
            try:
                self.tick()
            except Exception as exc:  # a live view keeps going and says what went wrong
                with contextlib.suppress(Exception):
                    self.on_error(f"{type(exc).__name__}: {exc}")

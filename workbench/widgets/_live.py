"""Run a view's refresh every few seconds in the kernel's event loop (no threads)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class LiveLoop:
    """Calls ``tick`` every ``interval`` seconds while started; errors are shown, not raised."""

    def __init__(self, tick: Callable[[], None], interval: float, on_error: Callable[[str], None]):
        self.tick = tick
        self.interval = interval
        self.on_error = on_error
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
        self._task = loop.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.tick()
            except Exception as exc:  # a live view keeps going and says what went wrong
                with contextlib.suppress(Exception):
                    self.on_error(f"{type(exc).__name__}: {exc}")

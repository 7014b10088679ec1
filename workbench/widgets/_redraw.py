"""A view's redraw when its model says it changed, always on the kernel's event loop.

A model may notify from its own thread (a workspace's live loop); widgets must change on the
kernel's loop. ``Redraw`` is the observer a view hands its model: called on the loop's thread
(a button, a cell) or when no loop runs (a script, a test), it draws at once; called from
another thread, it posts the draw to the loop, and several changes in a row draw once.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Redraw:
    """Calls ``draw()`` for each change it is told of (``redraw(change)``); errors go to
    ``on_error`` as one line, so a broken redraw never stops the model."""

    def __init__(self, draw: Callable[[], None], on_error: Callable[[str], None]) -> None:
        self._draw = draw
        self._on_error = on_error
        self._loop = _kernel_loop()  # the loop of the kernel that builds the view
        self._pending = False
        self._lock = threading.Lock()
        self.closed = False

    def __call__(self, _change: object = None) -> None:
        loop = self._loop
        if loop is None or not loop.is_running() or _kernel_loop() is loop:
            self._run()
            return
        with self._lock:
            if self._pending:
                return
            self._pending = True
        loop.call_soon_threadsafe(self._posted)

    def _posted(self) -> None:
        with self._lock:
            self._pending = False
        self._run()

    def _run(self) -> None:
        if self.closed:
            return
        try:
            self._draw()
        except Exception as exc:  # a live view keeps going and says what went wrong
            with contextlib.suppress(Exception):
                self._on_error(f"{type(exc).__name__}: {exc}")

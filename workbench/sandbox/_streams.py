"""What X's two streaming endpoints share in the sandbox (the filtered stream and the Activity
API stream): open connections, each a queue fed from the world's thread, written out as lines
with a keep-alive ``\\r\\n`` while nothing comes."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

from workbench.sandbox.world import Problem

T = TypeVar("T")


class Connection(Generic[T]):
    """One open stream: what waits to be written to it (None ends it)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[T | None] = asyncio.Queue()

    def push(self, item: T | None) -> None:
        with contextlib.suppress(RuntimeError):  # the server's loop has closed
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)


class Streams(Generic[T]):
    """The open connections of one streaming endpoint (``_lock`` guards them)."""

    def __init__(self, max_connections: int) -> None:
        self.max_connections = max_connections
        self._lock = threading.Lock()
        self._connections: set[Connection[T]] = set()

    def _open(self) -> Connection[T]:
        """A new connection, counted (call with ``_lock`` held, so that what is queued on it
        comes before any delivery); X's 429 TooManyConnections past ``max_connections``."""
        if len(self._connections) >= self.max_connections:
            raise Problem(
                429,
                "ConnectionException",
                "This stream is currently at the maximum allowed connection limit.",
                "https://api.twitter.com/2/problems/streaming-connection",
                connection_issue="TooManyConnections",
            )
        connection: Connection[T] = Connection(asyncio.get_running_loop())
        self._connections.add(connection)
        return connection

    def disconnect(self, connection: Connection[T]) -> None:
        with self._lock:
            self._connections.discard(connection)

    @property
    def connections(self) -> int:
        return len(self._connections)

    def close_all(self) -> None:
        """End every open stream (the sandbox is stopping, or a fault drops them)."""
        with self._lock:
            for connection in self._connections:
                connection.push(None)

    async def _lines(
        self, connection: Connection[T], line_of: Callable[[T], bytes | None], keep_alive: float
    ) -> AsyncIterator[bytes]:
        """The stream's bytes: a keep-alive at once (the client knows it is connected), then
        ``line_of(item)`` of each item on its own line (None: nothing to write), a keep-alive
        every ``keep_alive`` seconds of silence; the connection is dropped when it ends."""
        try:
            yield b"\r\n"
            while True:
                try:
                    item = await asyncio.wait_for(connection.queue.get(), keep_alive)
                except TimeoutError:
                    yield b"\r\n"
                    continue
                if item is None:
                    return
                line = line_of(item)
                if line is not None:
                    yield line + b"\r\n"
        finally:
            self.disconnect(connection)

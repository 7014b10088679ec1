"""Knowing at once that the store changed, without reading it again and again: what live views
wait on between polls.

Every change to an interaction appends to ``events`` (arrival, offer, accept, reply, ...), so a
new event is the signal. On PostgreSQL a transaction that appended events sends
``NOTIFY workbench_events`` as it commits (``install_notify`` hooks the engine) and a
``ChangeFeed`` LISTENs for it. On SQLite the feed asks the file for ``PRAGMA data_version``
(it moves when another connection commits) every ``SQLITE_TICK`` seconds, and only then for the
newest event id, so heartbeats and other writes wake nobody.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHANNEL = "workbench_events"
SQLITE_TICK = 0.02
_SLICE = 0.25  # how often a PostgreSQL wait looks at its stop event


def install_notify(engine: Engine) -> None:
    """On PostgreSQL: each transaction that inserted into ``events`` NOTIFYs ``CHANNEL``."""

    @event.listens_for(engine, "before_cursor_execute")
    def mark(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "INSERT INTO events" in statement:  # also a save feeding it from a CTE (WITH ...)
            conn.info["workbench_events"] = True

    @event.listens_for(engine, "commit")
    def notify(conn: Any) -> None:
        if conn.info.pop("workbench_events", False):
            # On the driver's connection, inside the transaction: sent when it commits.
            conn.connection.dbapi_connection.execute(f"NOTIFY {CHANNEL}")

    @event.listens_for(engine, "rollback")
    def forget(conn: Any) -> None:
        conn.info.pop("workbench_events", None)


class ChangeFeed:
    """``wait(timeout)`` returns True as soon as an event is appended to the store (by any
    process), or False after ``timeout`` seconds; the first call compares with the moment the
    feed was opened."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self._lock = threading.Lock()
        self._conn: Any = None
        if self.dialect == "sqlite":
            self._path = parsed.database or ":memory:"
            self._version: int | None = None
            self._newest: int | None = None
        else:
            self._dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self._open()

    def __repr__(self) -> str:
        return f"ChangeFeed({self.dialect})"

    # --- connection ---------------------------------------------------------------------------

    def _open(self) -> None:
        try:
            if self.dialect == "sqlite":
                self._conn = sqlite3.connect(
                    self._path, timeout=5, check_same_thread=False, isolation_level=None
                )
                self._version = self._data_version()
                self._newest = self._newest_event()
            else:
                import psycopg

                self._conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=5)
                self._conn.execute(f"LISTEN {CHANNEL}")
        except Exception as exc:  # the store is away: wait() sleeps, the caller's poll says why
            log.debug("change feed: cannot open: %s", exc)
            self._conn = None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                finally:
                    self._conn = None

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- waiting ------------------------------------------------------------------------------

    def wait(self, timeout: float, stop: threading.Event | None = None) -> bool:
        """Block until an event is appended (True), ``timeout`` passes or ``stop`` is set
        (False)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            if self._conn is None:
                self._open()
            if self._conn is None:
                (stop or threading.Event()).wait(timeout)
                return False
            try:
                if self.dialect == "sqlite":
                    return self._wait_sqlite(deadline, stop)
                return self._wait_postgresql(deadline, stop)
            except Exception as exc:  # lost the database: reopen on the next wait
                log.debug("change feed: %s", exc)
                try:
                    self._conn.close()
                finally:
                    self._conn = None
                return True  # the caller's poll meets the failure and reports it

    def _data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _newest_event(self) -> int | None:
        try:
            row = self._conn.execute("SELECT max(id) FROM events").fetchone()
        except sqlite3.OperationalError:  # no schema yet
            return None
        return None if row is None else row[0]

    def _wait_sqlite(self, deadline: float, stop: threading.Event | None) -> bool:
        while True:
            version = self._data_version()
            if version != self._version:
                self._version = version
                newest = self._newest_event()
                if newest != self._newest:
                    self._newest = newest
                    return True
            left = deadline - time.monotonic()
            if left <= 0 or (stop is not None and stop.is_set()):
                return False
            if stop is not None:
                stop.wait(min(SQLITE_TICK, left))
            else:
                time.sleep(min(SQLITE_TICK, left))

    def _wait_postgresql(self, deadline: float, stop: threading.Event | None) -> bool:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or (stop is not None and stop.is_set()):
                return False
            got = False
            for _ in self._conn.notifies(timeout=min(_SLICE, left), stop_after=1):
                got = True
            if got:
                for _ in self._conn.notifies(timeout=0.0):  # the ones queued behind it
                    pass
                return True

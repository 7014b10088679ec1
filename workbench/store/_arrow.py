"""Bulk reads into Apache Arrow columns.

The ledger of a large store is millions of values. On PostgreSQL, ADBC (the Arrow project's
database connectivity; libpq's COPY in binary) fills Arrow columns directly, with no Python
object per value. On SQLite, Python's own driver reads a chunk of rows at a time and pyarrow
turns each column of the chunk into an Arrow array in C; a whole large store (``HELPER_ROWS``
interactions or more, ``snapshot(store, whole=True)``) is read instead by a process of its own
with ADBC's SQLite driver (``workbench.store._sqlite_reader``: that driver bundles its own copy
of SQLite, and two copies of SQLite in one process break each other's file locks, which
SQLite's documentation warns corrupts databases), which answers ahead of the caller while the
caller converts the last answer. Either way the columns reach pandas without per-value
conversions, and ``snapshot`` reads every query in one read-only transaction, so they all see
the same state of the store.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from workbench.store.store import Store

NAT = np.iinfo(np.int64).min
"""A missing time among int64 microseconds (as pandas' ``asi8`` gives NaT)."""

_CHUNK = 100_000
"""Rows of a SQLite result converted at a time (memory stays bounded by a chunk's objects)."""
HELPER_ROWS = 100_000
"""From how many interactions a whole SQLite store is read by the reader process (below, the
process's start, about a third of a second, costs more than it saves)."""


class Reader:
    """Queries (SQLAlchemy statements) run in one snapshot, answered as Arrow tables."""

    def __init__(self, store: Store, cursor: Any) -> None:
        self._dialect = store.engine.dialect
        self._sqlite = store.dialect == "sqlite"
        self._cursor = cursor
        self._reading: threading.Thread | None = None
        self._read: dict[str, pa.Table | BaseException] = {}
        self._finished = False
        self._ready = threading.Condition()

    def sql(self, query: Any) -> str:
        # Literal values (ids, numbers, times already in UTC): the two drivers have different
        # placeholder styles, and SQLAlchemy renders literals quoted for the dialect.
        return str(query.compile(dialect=self._dialect, compile_kwargs={"literal_binds": True}))

    def ahead(self, queries: Sequence[Any]) -> None:
        """The queries ``table`` will be asked next, for a reader that can answer ahead: on
        PostgreSQL a thread runs them in order on the snapshot's cursor (ADBC reads without
        the GIL) while the caller converts the answers before."""
        if self._sqlite or self._reading is not None:
            return  # Python's sqlite3 makes its objects under the GIL: nothing to overlap
        sqls = [self.sql(q) for q in queries]
        self._finished = False

        def read() -> None:
            try:
                for sql in sqls:
                    try:
                        found: pa.Table | BaseException = self._run(sql)
                    except BaseException as exc:  # raised where the caller asks for it
                        found = exc
                    with self._ready:
                        self._read[sql] = found
                        self._ready.notify_all()
                    if isinstance(found, BaseException):
                        return
            finally:
                with self._ready:
                    self._finished = True
                    self._ready.notify_all()

        self._reading = threading.Thread(target=read, name="ledger-read-ahead", daemon=True)
        self._reading.start()

    def close(self) -> None:
        """Wait for the queries read ahead (before the snapshot's cursor closes)."""
        if self._reading is not None:
            self._reading.join()
            self._reading = None

    def table(self, query: Any) -> pa.Table:
        sql = self.sql(query)
        if self._reading is not None:
            with self._ready:
                self._ready.wait_for(lambda: sql in self._read or self._finished)
                found = self._read.pop(sql, None)
            if isinstance(found, BaseException):
                raise found
            if found is not None:
                return found
            self.close()  # not one read ahead: after them, on the cursor alone
        return self._run(sql)

    def _run(self, sql: str) -> pa.Table:
        self._cursor.execute(sql)
        if not self._sqlite:
            return self._cursor.fetch_arrow_table()
        names = [d[0] for d in self._cursor.description]
        parts: list[pa.Table] = []
        while rows := self._cursor.fetchmany(_CHUNK):
            columns = zip(*rows, strict=True)
            parts.append(pa.table([pa.array(c) for c in columns], names=names))
        if not parts:
            return pa.table([pa.array([], pa.null()) for _ in names], names=names)
        return pa.concat_tables(parts, promote_options="permissive")


class HelperReader(Reader):
    """A ``Reader`` whose queries the reader process answers (``_sqlite_reader``), all in one
    snapshot; queries announced by ``ahead`` are answered while the caller works."""

    def __init__(self, store: Store, process: subprocess.Popen[str]) -> None:
        super().__init__(store, None)
        self._process = process
        self._sent: list[str] = []
        self._answered = 0
        self._answers: dict[int, pa.Table] = {}

    def _send(self, sql: str) -> int:
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(sql) + "\n")
            self._process.stdin.flush()
        except OSError as exc:  # it has ended
            raise HelperError(f"the SQLite reader process took no query: {exc}") from exc
        self._sent.append(sql)
        return len(self._sent) - 1

    def ahead(self, queries: Sequence[Any]) -> None:
        for query in queries:
            self._send(self.sql(query))

    def table(self, query: Any) -> pa.Table:
        sql = self.sql(query)
        # its answer already read (while another was awaited), or on its way, or a new query
        waiting = [k for k in sorted(self._answers) if self._sent[k] == sql]
        waiting += [k for k in range(self._answered, len(self._sent)) if self._sent[k] == sql]
        k = waiting[0] if waiting else self._send(sql)
        while k not in self._answers:
            assert self._process.stdout is not None
            line = self._process.stdout.readline()
            if not line:
                raise HelperError("the SQLite reader process ended without answering")
            answer = json.loads(line)
            if "error" in answer:
                raise HelperError(f"the SQLite reader process: {answer['error']}")
            with pa.memory_map(answer["file"]) as source:
                self._answers[self._answered] = pa.ipc.open_file(source).read_all()
            Path(answer["file"]).unlink()  # the mapping keeps the pages until the table goes
            self._answered += 1
        return self._answers.pop(k)


class HelperError(RuntimeError):
    """The reader process could not answer (the caller can read in-process instead)."""


def _helper(store: Store) -> AbstractContextManager[HelperReader] | None:
    """The reader process for a whole read of ``store``, when it pays and can run: a SQLite
    file of ``HELPER_ROWS`` interactions or more, with ADBC's SQLite driver installed."""
    database = store.engine.url.database
    if store.dialect != "sqlite" or not database or database == ":memory:":
        return None
    try:
        import adbc_driver_sqlite  # noqa: F401  (only that it is installed)
    except ImportError:
        return None
    from sqlalchemy import text

    with store.read() as conn:
        rows = conn.execute(text("SELECT coalesce(max(rowid), 0) FROM interactions")).scalar()
    if int(rows or 0) < HELPER_ROWS:
        return None
    return _helped(store, database)


def _answers_folder(database: str) -> str | None:
    """Where the reader process writes its answers: shared memory when it has room for about
    as much as the store's file (containers often give it 64 MB), else the temporary folder."""
    shm = "/dev/shm"
    try:
        room = os.statvfs(shm)
        free = room.f_bavail * room.f_frsize
        size = os.path.getsize(database)
    except OSError:
        return None
    return shm if free > size else None


@contextmanager
def _helped(store: Store, database: str) -> Iterator[HelperReader]:
    folder = tempfile.mkdtemp(prefix="workbench-read-", dir=_answers_folder(database))
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.store._sqlite_reader", database, folder],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield HelperReader(store, process)
    finally:
        assert process.stdin is not None
        with suppress(OSError):  # it may have ended already
            process.stdin.close()
        # It ends at the end of its input, freeing what it read: reaped in the background.
        threading.Thread(target=_reap, args=(process, folder), daemon=True).start()


def _reap(process: subprocess.Popen[str], folder: str) -> None:
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()
    shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a large result is read and converted. Each chunk
    is 100,000 row tuples, and the collector, run every 700 allocations of tracked objects and
    over the whole heap as it grows, spent about a quarter of a large load walking objects that
    hold no cycle (they are dropped once their chunk is converted)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def driver_snapshot(store: Store) -> Iterator[Any]:
    """A cursor of the store's own driver (sqlite3, psycopg) in a read-only transaction that
    sees one state of the store (on SQLite a deferred transaction, which takes no write lock;
    on PostgreSQL REPEATABLE READ)."""
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if store.dialect == "postgresql":
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        else:
            cursor.execute("BEGIN")  # deferred: a snapshot without the write lock
        try:
            yield cursor
        finally:
            cursor.close()
            raw.rollback()
    finally:
        raw.close()


@contextmanager
def snapshot(store: Store, whole: bool = False) -> Iterator[Reader]:
    """A ``Reader`` in one read-only snapshot of the store (as ``driver_snapshot``): on SQLite
    through the store's driver, or for a ``whole`` read of a large store the reader process;
    on PostgreSQL through ADBC. The cycle collector is paused while it is open
    (``collector_paused``)."""
    helper = _helper(store) if whole else None
    if helper is not None:
        with collector_paused(), helper as helped:
            yield helped
        return
    if store.dialect == "sqlite":
        with collector_paused(), driver_snapshot(store) as cursor:
            yield Reader(store, cursor)
        return
    import adbc_driver_postgresql.dbapi as driver

    uri = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = driver.connect(uri)
    try:
        cursor = connection.cursor()
        reader = Reader(store, cursor)
        try:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield reader
        finally:
            reader.close()
            cursor.close()
            connection.rollback()
    finally:
        connection.close()


# --- Arrow columns to numpy and pandas ------------------------------------------------------


def column(table: pa.Table, name: str) -> pa.Array:
    """One column as a single Arrow array."""
    found = table.column(name)
    if isinstance(found, pa.ChunkedArray):
        return found.chunk(0) if found.num_chunks == 1 else found.combine_chunks()
    return found


def micros(values: pa.Array) -> np.ndarray:
    """Times as int64 microseconds since the epoch (UTC), missing as ``NAT``: from SQLite's
    text (SQLAlchemy writes UTC as ``YYYY-MM-DD HH:MM:SS.ffffff``) or PostgreSQL's
    timestamptz."""
    if pa.types.is_null(values.type) or pa.types.is_integer(values.type):
        values = values.cast(pa.string())  # a column with no value at all
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.timestamp("us"))
    stamps = values.cast(pa.timestamp("us", tz=getattr(values.type, "tz", None)))
    return np.asarray(pc.fill_null(stamps.cast(pa.int64()), NAT).to_numpy(zero_copy_only=False))


def times(values: np.ndarray) -> pd.Series:
    """int64 microseconds (``NAT`` for missing) as a UTC time column."""
    return pd.Series(pd.DatetimeIndex(values.view("datetime64[us]")).tz_localize("UTC"))


def strings(values: pa.Array) -> pd.Series:
    """A text column (missing as NaN) as pandas ``str``."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())
    return pd.Series(pd.array(values, dtype="str"))


def integers(values: pa.Array, dtype: Any = np.int64) -> np.ndarray:
    """An integer column, missing as 0."""
    if pa.types.is_null(values.type):
        return np.zeros(len(values), dtype=dtype)
    return np.asarray(pc.fill_null(values.cast(pa.int64()), 0).to_numpy(), dtype=dtype)


def codes(values: pa.Array) -> tuple[np.ndarray, list[str]]:
    """A text column as integer codes into its distinct values (missing: -1)."""
    encoded = pc.dictionary_encode(values.cast(pa.string()))
    found = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(), dtype=np.int64)
    return found, [str(v) for v in encoded.dictionary.to_pylist()]


def flags(values: pa.Array) -> np.ndarray:
    """A boolean Arrow array as numpy, missing as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def positions(keys: pa.Array, among: pa.Array) -> np.ndarray:
    """Where each of ``keys`` is in ``among`` (distinct values), -1 where it is not."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    found = pc.index_in(keys.cast(pa.string()), value_set=among.cast(pa.string()))
    return np.asarray(pc.fill_null(found, -1).to_numpy(), dtype=np.int64)

"""What reports read: the ledger's rows of a range a batch at a time, the brand's first reply in
words, and the transcript lines of many interactions.

An export walks the range in the ledger's order (arrival, then id) and reads each batch of
interactions with the ledger's five scans restricted to the batch (``LedgerReads``), in one
read-only snapshot: a large SQLite store through the reader process (ADBC, in a process of its
own, answering the next batch while this one is written), PostgreSQL through ADBC. Memory is
bounded by a few batches whatever the range. The walk of the ids (a separate read of the same
store) and the snapshot may differ by what is written while an export runs: a row written
since the snapshot began is left out, never half read.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import String, bindparam, column, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import TextClause

from workbench.domain import ANSWER_ACTIONS, EntryKind
from workbench.store import _arrow
from workbench.store import schema as t

if TYPE_CHECKING:
    from workbench.store.store import Store

TRANSCRIPT_COLUMNS = ["interaction_id", "at", "author", "kind", "action", "text", "deleted"]
"""The columns of an export's transcript; ``deleted`` says the author deleted the line's post
(its ``text`` is then empty)."""
BATCH = 15_000
"""Interactions read at a time by an export (a batch's frame is a few tens of MB at most)."""
_CHUNK = 5_000
_i, _tr = t.interactions, t.transcript
_LINES = (
    select(
        *(_tr.c[c] for c in TRANSCRIPT_COLUMNS[:-1]),
        _tr.c.deleted_at.is_not(None).label("deleted"),
    )
    .where(_tr.c.interaction_id.in_(bindparam("ids", expanding=True)))
    .order_by(_tr.c.interaction_id, _tr.c.at, _tr.c.id)
)

_REPLIES = (
    select(_tr.c.interaction_id, _tr.c.text)
    .where(
        _tr.c.interaction_id.in_(bindparam("ids", expanding=True)),
        _tr.c.kind == EntryKind.OUTBOUND.value,
        _tr.c.action.in_([a.value for a in ANSWER_ACTIONS]),
    )
    .order_by(_tr.c.interaction_id, _tr.c.at, _tr.c.id)
)


class _Verbatim(TextClause):
    """SQL text compiled as it is: a batch's ids (a megabyte of JSON) are not scanned for
    bound parameters each time a statement holding them is compiled, as ``text()`` is."""

    inherit_cache = False

    def __init__(self, sql: str) -> None:
        super().__init__("")
        self.text = sql


@compiles(_Verbatim)
def _verbatim(element: _Verbatim, compiler: Any, **kw: Any) -> str:
    return element.text


_RANGES = 64
"""Runs of consecutive rowids a batch is named by at most (beyond: its rowids listed)."""


def _id_set(ids: Sequence[str], rowids: Sequence[int] | None = None) -> Any:
    """A query of a batch's interaction ids, written once as SQL text (SQLAlchemy's rendering
    of a literal, or of ``text()``, scans it each of the dozen times a batch's statements are
    compiled). On SQLite the batch is named by its rowids, as runs (``rowid BETWEEN a AND
    b``: interactions are stored about in arrival order, so a batch is a run or a few), a few
    hundred bytes instead of a megabyte of ids to compile, send and parse; else by its ids,
    one JSON text the database unpacks. (A rowid holds while the export's reads are open:
    VACUUM, which may renumber them, waits for them.)"""
    if rowids is None:
        quoted = json.dumps(list(ids)).replace("'", "''")
        sql = f"SELECT jsonb_array_elements_text('{quoted}'::jsonb) AS value"
        return _Verbatim(sql).columns(column("value", String))
    ordered = np.sort(np.asarray(rowids, dtype=np.int64))
    breaks = np.flatnonzero(np.diff(ordered) != 1)
    firsts = ordered[np.r_[0, breaks + 1]]
    lasts = ordered[np.r_[breaks, len(ordered) - 1]]
    if len(firsts) <= _RANGES:
        where = " OR ".join(
            f"rowid BETWEEN {a} AND {b}" for a, b in zip(firsts, lasts, strict=True)
        )
    else:
        where = f"rowid IN (SELECT value FROM json_each('{json.dumps(ordered.tolist())}'))"
    sql = f"SELECT id AS value FROM interactions WHERE {where}"
    return _Verbatim(sql).columns(column("value", String))


def _replies_query(ids: Any) -> Any:
    """The brand's answer lines (reply, DM, quote) of ``ids``, in no order."""
    return select(_tr.c.interaction_id, _tr.c.at, _tr.c.id, _tr.c.text).where(
        _tr.c.interaction_id.in_(ids),
        _tr.c.kind == EntryKind.OUTBOUND.value,
        _tr.c.action.in_([a.value for a in ANSWER_ACTIONS]),
    )


def missing_sqlite_file(url: str) -> str | None:
    """The file a SQLite ``url`` names when it is not there (None: it is, or the URL is not
    a SQLite file's): opening it would make an empty store, and a folder for it."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # the store says what is wrong with it
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    path = Path(parsed.database).expanduser()
    return None if path.is_file() else str(path)


class Reports:
    """Reads for exports, in batches so that a large range never builds one huge answer."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- the ledger's rows of a range -------------------------------------------------------

    def _range(self, query: Any, start: datetime | None, end: datetime | None, where: Any) -> Any:
        if start is not None:
            query = query.where(_i.c.arrived_at >= start)
        if end is not None:
            query = query.where(_i.c.arrived_at < end)
        for name, value in (where or {}).items():
            query = query.where(_i.c[name] == value)
        return query

    def count(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        where: Mapping[str, str] | None = None,
    ) -> int:
        """How many interactions arrived in ``[start, end)`` with columns equal to ``where``."""
        query = self._range(select(func.count()).select_from(_i), start, end, where)
        with self.store.read() as conn:
            return int(conn.execute(query).scalar() or 0)

    def _ids(
        self,
        start: datetime | None,
        end: datetime | None,
        where: Mapping[str, str] | None,
        size: int,
    ) -> Iterator[tuple[list[str], list[int] | None]]:
        """The ids of the range in the ledger's order, ``size`` at a time, with their rowids
        on SQLite (a streamed cursor: the ids of the whole range are never held)."""
        sqlite = self.store.dialect != "postgresql"
        order = _i.c.id if sqlite else _i.c.id.collate("C")
        picked = [_i.c.id, literal_column("interactions.rowid")] if sqlite else [_i.c.id]
        query = self._range(select(*picked), start, end, where)
        query = query.order_by(_i.c.arrived_at, order)
        with self.store.read() as conn:
            result = conn.execution_options(yield_per=size).execute(query)
            for part in result.partitions(size):
                ids = [str(r[0]) for r in part]
                yield ids, ([int(r[1]) for r in part] if sqlite else None)

    def batches(
        self,
        stats: Mapping[str, tuple[str, Sequence[str]]],
        start: datetime | None = None,
        end: datetime | None = None,
        where: Mapping[str, str] | None = None,
        size: int = BATCH,
    ) -> Iterator[pd.DataFrame]:
        """The interactions of the range as ``store.ledger.interactions(ids, stats)`` frames
        of at most ``size`` rows in the ledger's order, each with ``first_reply_text`` (the
        brand's first reply, DM or quote in words). A thread reads the next batch while the
        caller works on this one; closing the iterator early stops it."""
        found: queue.Queue[pd.DataFrame | BaseException | None] = queue.Queue(maxsize=1)
        stop = threading.Event()

        def put(item: pd.DataFrame | BaseException | None) -> bool:
            while not stop.is_set():
                try:
                    found.put(item, timeout=0.2)
                    return True
                except queue.Full:
                    continue
            return False

        def read() -> None:
            try:
                with _arrow.snapshot(self.store, whole=True) as reader:
                    # Each batch's scans are announced before the batch before is read, so a
                    # reader process answers them while this thread works on that one.
                    last: tuple[Any, Any] | None = None
                    for ids, rowids in self._ids(start, end, where, size):
                        batch = self._announce(reader, ids, rowids, stats)
                        if last is not None and not put(self._batch(reader, *last, stats)):
                            return
                        last = batch
                    if last is not None and not put(self._batch(reader, *last, stats)):
                        return
            except BaseException as exc:  # raised where the caller takes the batch
                put(exc)
                return
            put(None)

        reading = threading.Thread(target=read, name="report-read", daemon=True)
        reading.start()
        try:
            while True:
                item = found.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            reading.join()

    def _announce(
        self,
        reader: _arrow.Reader,
        ids: list[str],
        rowids: list[int] | None,
        stats: Mapping[str, tuple[str, Sequence[str]]],
    ) -> tuple[Any, Any]:
        """Send a batch's scans ahead: (its id set, its replies' query)."""
        batch = _id_set(ids, rowids)
        replies_q = _replies_query(batch)
        self.store.ledger.announce_read(reader, batch, stats)
        reader.ahead([replies_q])
        return batch, replies_q

    def _batch(
        self,
        reader: _arrow.Reader,
        batch: Any,
        replies_q: Any,
        stats: Mapping[str, tuple[str, Sequence[str]]],
    ) -> pd.DataFrame:
        """A batch announced before, read."""
        frame = self.store.ledger.read_with(reader, batch, stats, announced=True)
        replies = reader.table(replies_q)
        frame["first_reply_text"] = _first_of(replies, frame["interaction_id"])
        return frame

    # --- transcripts and replies of given interactions --------------------------------------

    def transcript(self, interaction_ids: list[str]) -> pd.DataFrame:
        """Every transcript line of these interactions (in the order given, each one's lines
        by time), with the columns of ``TRANSCRIPT_COLUMNS``; ``at`` is tz-aware UTC."""
        parts = []
        with self.store.read() as conn:
            for start in range(0, len(interaction_ids), _CHUNK):
                chunk = interaction_ids[start : start + _CHUNK]
                rows = conn.execute(_LINES, {"ids": chunk}).all()
                parts.append(pd.DataFrame.from_records(rows, columns=TRANSCRIPT_COLUMNS))
        if not parts:
            frame = pd.DataFrame(columns=TRANSCRIPT_COLUMNS)
        else:
            frame = pd.concat(parts, ignore_index=True)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        frame["deleted"] = frame["deleted"].astype(bool)
        order = pd.Series(np.arange(len(interaction_ids)), index=interaction_ids)
        rank = order.reindex(frame["interaction_id"]).to_numpy()
        frame = frame.iloc[np.lexsort((np.arange(len(frame)), rank))].reset_index(drop=True)
        return frame

    def first_replies(self, interaction_ids: list[str]) -> dict[str, str]:
        """The brand's first reply in words (the first outbound reply, DM or quote line) of each
        of these interactions that has one: interaction id -> its text."""
        found: dict[str, str] = {}
        with self.store.read() as conn:
            for start in range(0, len(interaction_ids), _CHUNK):
                chunk = interaction_ids[start : start + _CHUNK]
                for iid, text in conn.execute(_REPLIES, {"ids": chunk}):
                    found.setdefault(iid, text)
        return found


def _first_of(lines: pa.Table, ids: pd.Series) -> pd.Series:
    """Each of ``ids``' first line of ``lines`` (by time, then line id) in words, else NaN."""
    out = pd.Series(pd.array([None] * len(ids), dtype="str"), index=ids.index)
    if lines.num_rows == 0:
        return out
    keys = pa.table(
        {
            "owner": _arrow.column(lines, "interaction_id").cast(pa.string()),
            "at": _arrow.micros(_arrow.column(lines, "at")),
            "id": _arrow.integers(_arrow.column(lines, "id")),
        }
    )
    order = pc.sort_indices(
        keys, sort_keys=[("owner", "ascending"), ("at", "ascending"), ("id", "ascending")]
    )
    owners = _arrow.column(keys, "owner").take(order)
    first = np.ones(len(owners), dtype=bool)
    if len(owners) > 1:
        first[1:] = _arrow.flags(pc.not_equal(owners[1:], owners[:-1]))
    picked = np.asarray(order.to_numpy())[first]
    text = _arrow.column(lines, "text").cast(pa.string()).take(pa.array(picked))
    at = _arrow.positions(owners.filter(pa.array(first)), pa.array(ids, pa.string()))
    values = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    out.iloc[at[at >= 0]] = values[at >= 0]
    return out

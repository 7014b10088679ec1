"""The ledger's reads: interactions with their contact and first message, the event log's
statistics per interaction, what each one's X calls cost, and the events and X calls appended
after a given id (``Store.ledger``).

A load is five plain scans in one read-only transaction (a consistent snapshot, which on SQLite
takes no write lock): the interactions, their contacts, the customers' transcript lines,
the X calls' costs, and the events the statistics count. They arrive as Arrow columns
(``store._arrow``) and are joined, sorted and counted there and in numpy (``event_stats``), with
no per-row Python; the database does no grouping, window or sort for it. Frames have typed
columns: strings as pandas ``str``, times as ``datetime64[us, UTC]``, counts as ``int32``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import BigInteger, case, cast, func, literal, or_, select
from sqlalchemy.sql import Select

from workbench.domain import Action
from workbench.store import _arrow
from workbench.store import schema as t

if TYPE_CHECKING:
    from workbench.store.store import Store

log = logging.getLogger(__name__)

_i, _c, _e, _tr, _a = t.interactions, t.contacts, t.events, t.transcript, t.api_calls

TWEET_ID = _i.c.tweet_id
"""Where the interaction's tweet id is read from (the one place: a separate column may take
its place)."""

_CHUNK = 100_000
TIME = "datetime64[us, UTC]"

# The columns of ``interactions()``, each with its kind (how its values are converted).
INTERACTION_COLUMNS: dict[str, str] = {
    "interaction_id": "str",
    "contact_id": "str",
    "tweet_id": "str",
    "channel": "str",
    "timeline": "str",
    "contact": "str",
    "contact_name": "str",
    "agent": "str",
    "queue": "str",
    "state": "str",
    "arrived_at": "time",
    "disposition": "str",
    "note": "str",
    "sentiment": "str",
    "actionability": "str",
    "text": "str",
    "previous_id": "str",
    "deleted": "bool",
    "api_cost": "int",
}
"""``api_cost``: the micro-dollars of the X calls recorded as serving the interaction."""
EVENT_COLUMNS: dict[str, str] = {
    "id": "int",
    "interaction_id": "str",
    "action": "str",
    "at": "time",
}
CALL_COLUMNS: dict[str, str] = {
    "id": "int",
    "at": "time",
    "timeline": "str",
    "kind": "str",
    "resources": "int",
    "cost": "int",
    "interaction_id": "str",
}
"""The columns of ``calls_after``: one row per recorded X call, ``cost`` in micro-dollars."""


Ids = Sequence[str] | Select[Any]
"""Which interactions a read is of: their ids, or a query that gives them (``store.reports``
passes a batch of an export as one JSON text the database unpacks, which renders in a
fraction of the time of as many literals)."""


class Snapshot(NamedTuple):
    """What ``LedgerReads.snapshot`` reads in one snapshot of the store."""

    interactions: pd.DataFrame
    last_event: int
    events_seen: np.ndarray
    """The ids among the last ``recent`` event ids up to ``last_event`` that are in the log."""
    last_call: int
    calls_seen: np.ndarray
    calls: pd.DataFrame
    """The X calls recorded since ``calls_since`` (``CALL_COLUMNS``)."""


class LedgerReads:
    """What the ledger reads from the store (``store.ledger``)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # --- statements -------------------------------------------------------------------------

    def _stamp(self, column: Any) -> Any:
        """A timestamp as the driver hands it over fastest: SQLite's text as is, PostgreSQL's
        as integer microseconds since the epoch."""
        if self._store.dialect == "postgresql":
            return cast(func.extract("epoch", column) * 1_000_000, BigInteger)
        return column

    def _ordered_id(self) -> Any:
        """The interaction id ordered byte by byte (as Python compares strings) everywhere."""
        if self._store.dialect == "postgresql":
            return _i.c.id.collate("C")
        return _i.c.id

    def _rows_query(self, ids: Ids | None) -> Select[Any]:
        """The interactions (in no order: the reader sorts)."""
        query = select(
            _i.c.id.label("interaction_id"),
            _i.c.contact_id,
            TWEET_ID.label("tweet_id"),
            _i.c.channel,
            _i.c.timeline,
            _i.c.agent,
            _i.c.queue,
            _i.c.state,
            _i.c.arrived_at,
            _i.c.disposition,
            _i.c.note,
            _i.c.sentiment,
            _i.c.actionability,
            _i.c.subject,
            _i.c.previous_id,
        )
        return query if ids is None else query.where(_i.c.id.in_(ids))

    def _contacts_query(self, ids: Ids | None) -> Select[Any]:
        """The contacts of those interactions (all, for all). Read apart from the rows and
        matched by Arrow: a join looks each row's contact up in the contacts' index, which on
        SQLite costs more than reading both tables."""
        query = select(_c.c.id, _c.c.username, _c.c.name)
        if ids is None:
            return query
        return query.where(_c.c.id.in_(select(_i.c.contact_id).where(_i.c.id.in_(ids))))

    def _lines_query(self, ids: Ids | None) -> Select[Any]:
        """The customers' lines (inbound) of the transcript: the first of each is its text."""
        query = select(
            _tr.c.interaction_id,
            _tr.c.at,
            _tr.c.id,
            _tr.c.text,
            case((_tr.c.deleted_at.is_not(None), literal(1)), else_=literal(0)).label("deleted"),
        ).where(_tr.c.kind == "inbound")
        return query if ids is None else query.where(_tr.c.interaction_id.in_(ids))

    def _costs_query(self, ids: Ids | None) -> Select[Any]:
        query = select(_a.c.interaction_id, func.sum(_a.c.cost).label("cost")).where(
            _a.c.interaction_id.is_not(None)
        )
        if ids is not None:
            query = query.where(_a.c.interaction_id.in_(ids))
        return query.group_by(_a.c.interaction_id)

    def _actions_query(self, ids: Ids | None, actions: Sequence[str]) -> Select[Any]:
        """The events of these actions (what ``stats`` counts or times), in no order."""
        query = select(_e.c.interaction_id, _e.c.action, _e.c.at).where(
            _e.c.interaction_id.is_not(None), _e.c.action.in_(list(actions))
        )
        return query if ids is None else query.where(_e.c.interaction_id.in_(ids))

    def _queries(
        self, ids: Ids | None, stats: Mapping[str, tuple[str, Sequence[str]]]
    ) -> list[Select[Any]]:
        """The five scans of a read (rows, contacts, first lines, costs, and the events when
        ``stats`` asks for some), in the order ``_read`` takes their answers."""
        wanted = sorted({a for _, actions in stats.values() for a in actions})
        out = [
            self._rows_query(ids),
            self._contacts_query(ids),
            self._lines_query(ids),
            self._costs_query(ids),
        ]
        return out + ([self._actions_query(ids, wanted)] if stats else [])

    def _read(
        self,
        reader: _arrow.Reader,
        ids: Ids | None,
        stats: Mapping[str, tuple[str, Sequence[str]]],
        announce: bool = True,
    ) -> pd.DataFrame:
        """``interactions(ids, stats)`` read through ``reader``: five plain scans (rows,
        contacts, first lines, costs, events), joined and counted here by Arrow and numpy
        (``announce``: tell the reader the scans first, unless ``announce_read`` did)."""
        queries = self._queries(ids, stats)
        rows_q, people_q, lines_q, costs_q = queries[:4]
        events_q = queries[4] if stats else None
        if announce:
            reader.ahead(queries)
        rows = reader.table(rows_q)
        arrived = _arrow.micros(_arrow.column(rows, "arrived_at"))
        rows = rows.set_column(rows.schema.get_field_index("arrived_at"), "arrived_at", [arrived])
        order = pc.sort_indices(
            rows, sort_keys=[("arrived_at", "ascending"), ("interaction_id", "ascending")]
        )
        rows = rows.take(order)
        iid = _arrow.column(rows, "interaction_id").cast(pa.string())
        n = len(iid)
        people = reader.table(people_q)
        whose = pa.array(
            _arrow.positions(_arrow.column(rows, "contact_id"), _arrow.column(people, "id"))
        )
        whose = pc.if_else(pc.less(whose, 0), pa.scalar(None, pa.int64()), whose)
        for name, field in (("contact", "username"), ("contact_name", "name")):
            found = _arrow.column(people, field).cast(pa.string()).take(whose)
            rows = rows.append_column(name, found)
        out: dict[str, Any] = {
            name: _arrow.strings(_arrow.column(rows, name))
            for name, kind in INTERACTION_COLUMNS.items()
            if kind == "str" and name not in ("text", "interaction_id")
        }
        out["interaction_id"] = _arrow.strings(iid)
        out["arrived_at"] = _arrow.times(_arrow.column(rows, "arrived_at").to_numpy())
        text, deleted = self._first_lines(reader.table(lines_q), iid, rows)
        out["text"], out["deleted"] = _arrow.strings(text), deleted
        costs = reader.table(costs_q)
        api_cost = np.zeros(n, dtype=np.int64)
        at = _arrow.positions(_arrow.column(costs, "interaction_id"), iid)
        api_cost[at[at >= 0]] = _arrow.integers(_arrow.column(costs, "cost"))[at >= 0]
        out["api_cost"] = api_cost
        frame = pd.DataFrame({name: out[name] for name in INTERACTION_COLUMNS})
        if stats:
            events = reader.table(events_q)
            found = event_stats(
                _arrow.positions(_arrow.column(events, "interaction_id"), iid),
                _arrow.codes(_arrow.column(events, "action")),
                _arrow.micros(_arrow.column(events, "at")),
                n,
                stats,
            )
            for name, (how, _) in stats.items():
                frame[name] = found[name] if how in ("count", "held") else _arrow.times(found[name])
        return frame

    @staticmethod
    def _first_lines(lines: pa.Table, iid: pa.Array, rows: pa.Table) -> tuple[pa.Array, Any]:
        """Each interaction's text (its first inbound line by time then line id, else its
        subject) and whether that line's post was deleted."""
        n = len(iid)
        subject = _arrow.column(rows, "subject").cast(pa.string())
        deleted = np.zeros(n, dtype=bool)
        if lines.num_rows == 0:
            return subject, deleted
        stamps = _arrow.micros(_arrow.column(lines, "at"))
        lines = lines.set_column(lines.schema.get_field_index("at"), "at", [pa.array(stamps)])
        order = pc.sort_indices(
            lines,
            sort_keys=[("interaction_id", "ascending"), ("at", "ascending"), ("id", "ascending")],
        )
        # Only the owners are put in that order; the text and flag of each first line are
        # taken from where it is (a text column in order would be copied whole for nothing).
        owner = _arrow.column(lines, "interaction_id").cast(pa.string()).take(order)
        first = np.ones(len(owner), dtype=bool)
        if len(owner) > 1:
            first[1:] = _arrow.flags(pc.not_equal(owner[1:], owner[:-1]))
        picked = np.flatnonzero(first)
        line = np.asarray(order.to_numpy())[picked]
        at = _arrow.positions(owner.take(picked), iid)
        text = _arrow.column(lines, "text").cast(pa.string()).take(pa.array(line))
        usable = (at >= 0) & _arrow.flags(pc.is_valid(text))
        source = np.arange(n, dtype=np.int64)  # the subject, unless a first line replaces it
        source[at[usable]] = n + np.flatnonzero(usable)
        flags = _arrow.integers(_arrow.column(lines, "deleted")).astype(bool)[line]
        deleted[at[at >= 0]] = flags[at >= 0]
        return pa.concat_arrays([subject, text]).take(pa.array(source)), deleted

    # --- reading ----------------------------------------------------------------------------

    def _execute(self, cursor: Any, query: Any) -> None:
        compiled = query.compile(
            dialect=self._store.engine.dialect, compile_kwargs={"render_postcompile": True}
        )
        params = compiled.params
        if compiled.positiontup is not None:
            cursor.execute(str(compiled), [params[k] for k in compiled.positiontup])
        else:
            cursor.execute(str(compiled), params)

    def _frame(self, cursor: Any, query: Any, kinds: Mapping[str, str]) -> pd.DataFrame:
        """Run ``query`` and convert its rows, a chunk at a time, into typed columns."""
        self._execute(cursor, query)
        names = list(kinds)
        parts: dict[str, list[Any]] = {name: [] for name in names}
        while True:
            rows = cursor.fetchmany(_CHUNK)
            if not rows:
                break
            for name, values in zip(names, zip(*rows, strict=True), strict=True):
                parts[name].append(self._convert(values, kinds[name]))
        return pd.DataFrame(
            {
                name: pd.concat(chunks, ignore_index=True)
                if chunks
                else self._convert((), kinds[name])
                for name, chunks in parts.items()
            }
        )

    def _convert(self, values: Sequence[Any], kind: str) -> pd.Series:
        if kind == "str":
            return pd.Series(pd.array(values, dtype="str"))
        if kind == "bool":
            return pd.Series(np.array([bool(v) for v in values], dtype=bool))
        if kind == "int":
            return pd.Series(np.array([v or 0 for v in values], dtype=np.int64))
        if kind == "count":
            return pd.Series(np.array([v or 0 for v in values], dtype=np.int32))
        if kind == "float":
            return pd.Series(np.array([np.nan if v is None else v for v in values], dtype=float))
        if kind == "time":
            if self._store.dialect == "postgresql":
                missing = np.array([v is None for v in values], dtype=bool)
                micros = np.array([0 if v is None else v for v in values], dtype=np.int64)
                stamps = micros.astype("datetime64[us]")
                stamps[missing] = np.datetime64("NaT")
                return pd.Series(pd.DatetimeIndex(stamps).tz_localize("UTC")).astype(TIME)
            return pd.Series(
                pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601", utc=True)
            ).astype(TIME)
        raise ValueError(f"unknown column kind {kind!r}")

    def interactions(
        self,
        ids: Sequence[str] | None = None,
        stats: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    ) -> pd.DataFrame:
        """Interactions (all, or those of ``ids``) oldest first (arrival, then id byte by byte),
        with the columns of ``INTERACTION_COLUMNS``: ``contact`` and ``contact_name`` are the
        contact's username and display name; ``text`` is the first inbound transcript line
        (first by time, then by line id), else the interaction's subject; ``deleted`` says
        its author deleted that line's post (its text is then empty).

        ``stats`` adds one column per entry, computed from the event log: ``name: ("count",
        actions)`` counts the interaction's events of those actions, ``("first", actions)`` and
        ``("last", actions)`` give the earliest and latest time of one, ``("held", actions)``
        the seconds it was held (``event_stats``).
        """
        stats = dict(stats or {})
        if ids is not None and not ids:
            return self._frame_of_nothing(_kinds(stats))
        with _arrow.snapshot(self._store) as reader:
            return self._read(reader, ids, stats)

    def announce_read(
        self, reader: _arrow.Reader, ids: Ids, stats: Mapping[str, tuple[str, Sequence[str]]]
    ) -> None:
        """Tell ``reader`` the scans ``read_with(reader, ids, stats, announced=True)`` will
        take, so that a reader process answers them while the caller works on a batch
        before."""
        reader.ahead(self._queries(ids, dict(stats)))

    def read_with(
        self,
        reader: _arrow.Reader,
        ids: Ids,
        stats: Mapping[str, tuple[str, Sequence[str]]],
        announced: bool = False,
    ) -> pd.DataFrame:
        """``interactions(ids, stats)`` read through ``reader``, a snapshot already open: how
        an export reads a range batch after batch in one snapshot (``store.reports``)."""
        return self._read(reader, ids, dict(stats), announce=not announced)

    def _frame_of_nothing(self, kinds: Mapping[str, str]) -> pd.DataFrame:
        return pd.DataFrame({k: self._convert((), kind) for k, kind in kinds.items()})

    def snapshot(
        self,
        stats: Mapping[str, tuple[str, Sequence[str]]],
        recent: int = 10_000,
        calls_since: datetime | None = None,
    ) -> Snapshot:
        """In one snapshot: ``interactions(stats=stats)``, the newest event id and X call id,
        the ids of the ``recent`` ids up to each that are in their table (so that a caller can
        tell which ids were still being written: on PostgreSQL a transaction may commit an id
        lower than one committed before it), and the X calls recorded since ``calls_since``
        (None: no calls, and no call ids: a plain rebuild does not follow them)."""
        try:
            return self._snapshot(stats, recent, calls_since, whole=True)
        except _arrow.HelperError as exc:  # the reader process failed: read here instead
            log.warning("ledger: %s; reading in this process", exc)
            return self._snapshot(stats, recent, calls_since, whole=False)

    def _snapshot(
        self,
        stats: Mapping[str, tuple[str, Sequence[str]]],
        recent: int,
        calls_since: datetime | None,
        whole: bool,
    ) -> Snapshot:
        with _arrow.snapshot(self._store, whole=whole) as reader:
            last, seen = self._newest(reader, _e.c.id, recent)
            last_call, calls_seen = 0, np.array([], dtype=np.int64)
            if calls_since is not None:
                last_call, calls_seen = self._newest(reader, _a.c.id, recent)
            frame = self._read(reader, None, dict(stats))
            if calls_since is None:
                calls = self._frame_of_nothing(CALL_COLUMNS)
            else:
                since = calls_since.astimezone(UTC)  # rendered as a literal: in UTC, as stored
                query = self._calls_query(_a.c.at >= since, raw=True).where(_a.c.id <= last_call)
                calls = _arrow_frame(reader.table(query), CALL_COLUMNS)
        return Snapshot(frame, last, seen, last_call, calls_seen, calls)

    def _newest(self, reader: _arrow.Reader, column: Any, recent: int) -> tuple[int, np.ndarray]:
        newest = reader.table(select(func.coalesce(func.max(column), 0).label("last")))
        last = int(_arrow.integers(_arrow.column(newest, "last"))[0])
        present = reader.table(select(column.label("id")).where(column > last - recent))
        return last, _arrow.integers(_arrow.column(present, "id"))

    def _calls_query(self, where: Any, raw: bool = False) -> Select[Any]:
        """The X calls matching ``where`` in id order (``raw``: times as the column holds them,
        for the Arrow reader; else as ``_stamp`` hands them to the Python driver)."""
        return (
            select(
                _a.c.id,
                _a.c.at if raw else self._stamp(_a.c.at),
                _a.c.timeline,
                _a.c.kind,
                _a.c.resources,
                _a.c.cost,
                _a.c.interaction_id,
            )
            .where(where)
            .order_by(_a.c.id)
        )

    def changes_after(
        self,
        event_after: int,
        call_after: int,
        events_also: Sequence[int] = (),
        calls_also: Sequence[int] = (),
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """In one snapshot: ``events_after(event_after, events_also)`` and the X calls with an
        id greater than ``call_after`` (and those of ``calls_also``), in id order
        (``CALL_COLUMNS``)."""
        where = _a.c.id > call_after
        if calls_also:
            where = or_(where, _a.c.id.in_(list(calls_also)))
        with _arrow.driver_snapshot(self._store) as cursor:
            events = self._frame(
                cursor, self._events_query(event_after, events_also), EVENT_COLUMNS
            )
            calls = self._frame(cursor, self._calls_query(where), CALL_COLUMNS)
        return events, calls

    def events_after(self, after: int, also: Sequence[int] = ()) -> pd.DataFrame:
        """The events with an id greater than ``after`` (and those of the ids in ``also``), in
        the log's id order, with the columns of ``EVENT_COLUMNS`` (``interaction_id`` missing
        for an agent's own events)."""
        with _arrow.driver_snapshot(self._store) as cursor:
            return self._frame(cursor, self._events_query(after, also), EVENT_COLUMNS)

    def _events_query(self, after: int, also: Sequence[int]) -> Select[Any]:
        where = _e.c.id > after
        if also:
            where = or_(where, _e.c.id.in_(list(also)))
        return (
            select(_e.c.id, _e.c.interaction_id, _e.c.action, self._stamp(_e.c.at))
            .where(where)
            .order_by(_e.c.id)
        )

    def last_event_id(self) -> int:
        """The newest event's id (0 for an empty log)."""
        with _arrow.driver_snapshot(self._store) as cursor:
            self._execute(cursor, select(func.coalesce(func.max(_e.c.id), 0)))
            return int(cursor.fetchone()[0])

    def event_mark(self, event_id: int) -> tuple[datetime | None, int, int]:
        """When the event ``event_id`` happened (None if the log has no such event), with the
        newest event id and the newest X call id: how a copy of the ledger saved up to that
        event tells it belongs to this store and how far behind it is."""
        stamp = select(self._stamp(_e.c.at)).where(_e.c.id == event_id).scalar_subquery()
        query = select(
            stamp.label("at"),
            select(func.coalesce(func.max(_e.c.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(_a.c.id), 0)).scalar_subquery(),
        )
        with _arrow.driver_snapshot(self._store) as cursor:
            frame = self._frame(cursor, query, {"at": "time", "events": "int", "calls": "int"})
        at = frame["at"].iloc[0]
        found = None if pd.isna(at) else at.to_pydatetime()
        return found, int(frame["events"].iloc[0]), int(frame["calls"].iloc[0])

    def ids_between(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        where: Mapping[str, str] | None = None,
    ) -> list[str]:
        """The ids of the interactions that arrived in ``[start, end)`` whose columns equal
        ``where`` (``{"queue": "vip"}``), in the ledger's order (arrival, then id): what an
        export walks through a chunk at a time."""
        query = select(_i.c.id)
        if start is not None:
            query = query.where(_i.c.arrived_at >= start)
        if end is not None:
            query = query.where(_i.c.arrived_at < end)
        for column, value in (where or {}).items():
            query = query.where(_i.c[column] == value)
        with self._store.read() as conn:
            return list(conn.execute(query.order_by(_i.c.arrived_at, self._ordered_id())).scalars())

    def values(self, column: str) -> list[str]:
        """The distinct values of an interaction column (queue, agent, timeline, channel)
        present in the store, sorted: what a filter may name."""
        query = select(_i.c[column]).where(_i.c[column].is_not(None)).distinct()
        with self._store.read() as conn:
            return sorted(str(v) for v in conn.execute(query).scalars())


def _kinds(stats: Mapping[str, tuple[str, Sequence[str]]]) -> dict[str, str]:
    """The columns of ``interactions(stats=stats)`` with their kinds."""
    kinds = dict(INTERACTION_COLUMNS)
    for name, (how, _) in stats.items():
        kinds[name] = {"count": "count", "held": "float"}.get(how, "time")
    return kinds


def _arrow_frame(table: pa.Table, kinds: Mapping[str, str]) -> pd.DataFrame:
    """An Arrow table's columns (in ``kinds`` order, as named there) converted by kind."""
    out: dict[str, Any] = {}
    for name, kind, values in zip(kinds, kinds.values(), table.columns, strict=True):
        array = values.combine_chunks()
        if kind == "str":
            out[name] = _arrow.strings(array)
        elif kind == "time":
            out[name] = _arrow.times(_arrow.micros(array))
        elif kind == "bool":
            out[name] = _arrow.integers(array).astype(bool)
        else:
            out[name] = _arrow.integers(array, np.int32 if kind == "count" else np.int64)
    return pd.DataFrame(out)


def event_stats(
    owners: np.ndarray,
    actions: tuple[np.ndarray, Sequence[str]],
    stamps: np.ndarray,
    n: int,
    stats: Mapping[str, tuple[str, Sequence[str]]],
) -> dict[str, np.ndarray]:
    """``stats`` of events for ``n`` interactions: each event's interaction (its position, -1
    for none of them), action (codes into names) and time (int64 microseconds). Counts come
    back as int32, first and last times as int64 microseconds (``_arrow.NAT`` where none),
    held times as float seconds (NaN where none: ``held``). The one place the ledger's
    counts and times are worked out: for a full load and for a live refresh alike."""
    codes, names = actions
    mine = owners >= 0
    owners, codes, stamps = owners[mine], np.asarray(codes)[mine], stamps[mine]
    out: dict[str, np.ndarray] = {}
    for name, (how, wanted) in stats.items():
        hit = np.isin(codes, [k for k, a in enumerate(names) if a in set(wanted)])
        where = owners[hit]
        if how == "count":
            out[name] = np.bincount(where, minlength=n).astype(np.int32)
        elif how in ("first", "last"):
            values = stamps[hit]
            if how == "first":
                found = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
                np.minimum.at(found, where, values)
                found[found == np.iinfo(np.int64).max] = _arrow.NAT
            else:
                found = np.full(n, _arrow.NAT, dtype=np.int64)
                np.maximum.at(found, where, values)
            out[name] = found
        elif how == "held":
            kinds = np.array([_HOLD.get(a, -1) for a in names], dtype=np.int64)
            kind = kinds[codes[hit]] if len(names) else np.zeros(0, dtype=np.int64)
            out[name] = held(where, kind, stamps[hit], n)
        else:
            raise ValueError(f"stats[{name!r}]: 'count', 'first', 'last' or 'held', got {how!r}")
    return out


_START, _END, _OPENING = 0, 1, 2
_HOLD = {
    Action.ACCEPTED.value: _START,
    **{a.value: _END for a in Action if a.stamp == "done_at"},
    Action.REOPENED.value: _OPENING,
}
"""What each event means to a hold: an acceptance starts one, a done or close ends it, a
reopen starts the next opening."""


def held(owners: np.ndarray, kinds: np.ndarray, stamps: np.ndarray, n: int) -> np.ndarray:
    """Seconds each of ``n`` interactions was held: in each opening (from its arrival, then
    from each ``reopened``), from its first acceptance to its last done or close, summed over
    the openings that have both; NaN where none has. The hours an interaction sat done before
    a reopen are not handle time. Events at the same instant are taken acceptance, then done,
    then reopen."""
    out = np.zeros(n, dtype=np.float64)
    seen = np.zeros(n, dtype=bool)
    keep = kinds >= 0
    owners, kinds, stamps = owners[keep], kinds[keep], stamps[keep]
    if len(owners):
        order = np.lexsort((kinds, stamps, owners))
        owners, kinds, stamps = owners[order], kinds[order], stamps[order]
        fresh = np.ones(len(owners), dtype=bool)
        fresh[1:] = (owners[1:] != owners[:-1]) | (kinds[1:] == _OPENING)
        opening = np.cumsum(fresh) - 1  # one number per (interaction, opening)
        m = int(opening[-1]) + 1
        big = np.iinfo(np.int64).max
        start = np.full(m, big, dtype=np.int64)
        end = np.full(m, _arrow.NAT, dtype=np.int64)
        starts, ends = kinds == _START, kinds == _END
        np.minimum.at(start, opening[starts], stamps[starts])
        np.maximum.at(end, opening[ends], stamps[ends])
        whose = np.zeros(m, dtype=np.int64)
        whose[opening] = owners
        both = (start != big) & (end != _arrow.NAT)
        np.add.at(out, whose[both], (end[both] - start[both]) / 1e6)
        seen[whose[both]] = True
    out[~seen] = np.nan
    return out

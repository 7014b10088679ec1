"""Bulk inserts: many rows in one statement, converted column by column (the hot paths)."""

from __future__ import annotations

import functools
import sqlite3
from collections import namedtuple
from collections.abc import Callable
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Executable,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from workbench.store import schema as t
from workbench.store._json import dumps

# Timestamps already converted for the driver, per dialect: a bulk insert stores each item's
# time in several tables (interaction, arrival event, transcript line).
_STAMPS_CONVERTED: dict[str, dict[datetime, Any]] = {}


def _processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The column type's bind processor; empty JSON lists and objects skip the encoder, and a
    timestamp seen lately is converted once."""
    # The dialect's own processor (as SQLAlchemy runs it): on SQLite it writes a timestamp as
    # SQLAlchemy's one text form, so text order is time order in every table.
    process = type_._cached_bind_processor(dialect)
    if process is None:
        return None
    if isinstance(type_, t.UTCDateTime):
        seen = _STAMPS_CONVERTED.setdefault(dialect.name, {})

        def stamp(value: Any) -> Any:
            found = seen.get(value)
            if found is None:
                if len(seen) >= 20_000:
                    seen.clear()
                found = process(value)  # a naive time raises: never kept
                seen[value] = found
            return found

        return stamp
    if not isinstance(type_, JSON):
        return process
    empty_list, empty_dict = process([]), process({})
    # A list or an object is what SQLAlchemy's processor would hand to the engine's serializer
    # (no string conversion follows on SQLite): handed to it straight.
    direct = dialect.name == "sqlite" and dialect._json_serializer is dumps

    def fast(value: Any) -> Any:
        kind = type(value)
        if kind is dict or kind is list:
            if not value:
                return empty_list if kind is list else empty_dict
            if direct:
                return dumps(value)
        return process(value)

    return fast


_Compiled = tuple[str, tuple[int, ...] | None, list[tuple[int, Callable[[Any], Any]]]]
_COMPILED: dict[tuple[str, str, tuple[str, ...]], _Compiled] = {}


def _compile_insert(dialect: Any, table: Table, keys: tuple[str, ...]) -> _Compiled:
    """The INSERT's SQL; where each of its parameters is among ``keys`` (None: in order); the
    conversion of each parameter that its column's type converts (as SQLAlchemy would)."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    order = list(compiled.positiontup or ())
    where = tuple(keys.index(c) for c in order)
    convert = [
        (i, p) for i, p in enumerate(_processor(table.c[c].type, dialect) for c in order) if p
    ]
    return str(compiled), (None if where == tuple(range(len(keys))) else where), convert


def insert_rows(
    conn: Connection, table: Table, keys: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """``INSERT`` many rows, each a tuple of values for ``keys``. On SQLite straight through the
    driver, many rows to a statement (``_values_sql``), the values converted column by column so
    that only the conversions run in Python; elsewhere through SQLAlchemy's batched inserts."""
    if not rows:
        return
    dialect = conn.dialect
    if dialect.name != "sqlite":
        conn.execute(insert(table), [dict(zip(keys, r, strict=True)) for r in rows])
        return
    found = _COMPILED.get((dialect.name, table.name, keys))
    if found is None:
        found = _COMPILED[(dialect.name, table.name, keys)] = _compile_insert(dialect, table, keys)
    sql, where, convert = found
    columns = list(zip(*rows, strict=True))
    if where is not None:
        columns = [columns[i] for i in where]
    for i, process in convert:
        columns[i] = tuple(map(process, columns[i]))
    values = list(zip(*columns, strict=True))
    per = max(1, _variables(conn) // len(keys))
    for start in range(0, len(values), per):
        chunk = values[start : start + per]
        on_driver(conn, _values_sql(sql, len(chunk)), tuple(chain.from_iterable(chunk)))


def on_driver(
    conn: Connection, sql: str, args: Any, *, many: bool = False
) -> tuple[list[Any], int]:
    """Run ``sql`` with ``args`` (``many``: a sequence of them) straight through SQLite's
    driver, in the transaction SQLAlchemy began on ``conn`` (no engine event listens to
    SQLite's statements): the rows it gave and its row count. A driver error is raised as
    SQLAlchemy raises it. For the hot paths, where SQLAlchemy's execution cost more than the
    statement's work."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if many:
            cursor.executemany(sql, args)
        else:
            cursor.execute(sql, args)
        return cursor.fetchall(), int(cursor.rowcount)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, args, exc, sqlite3.Error) from exc
    finally:
        cursor.close()


_variable_limit = 0


def _variables(conn: Connection) -> int:
    """How many parameters one statement may bind on this SQLite build (at most 32,766; the
    same for every connection of the process, so asked once)."""
    global _variable_limit
    if not _variable_limit:
        raw = conn.connection.dbapi_connection
        limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if raw is not None else 999
        _variable_limit = min(32_766, limit)
    return _variable_limit


@functools.lru_cache(maxsize=256)
def _values_sql(sql: str, rows: int) -> str:
    """``sql`` (an ``INSERT ... VALUES (?, ...)`` of one row) for ``rows`` rows.

    Why not executemany: the sqlite3 module steps each row of an executemany on its own,
    releasing the GIL around every step; with another thread busy (ingest's read-ahead of the
    next pages) each row then waits up to the interpreter's switch interval to get it back, which
    made a page's inserts four times slower. One statement of many rows is one step."""
    head, _, one = sql.rpartition(" VALUES ")
    return f"{head} VALUES {', '.join([one] * rows)}"


def insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``INSERT`` many rows given as dicts of the same keys (see ``_insert_rows``)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    keys = tuple(rows[0])
    insert_rows(conn, table, keys, [tuple(r[k] for k in keys) for r in rows])


class PerDialect:
    """A statement that differs between the dialects (``among``), built once for each."""

    def __init__(self, build: Callable[[str], Executable]) -> None:
        self._build = build
        self._built: dict[str, Executable] = {}

    def __call__(self, conn: Connection) -> Executable:
        name = conn.dialect.name
        found = self._built.get(name)
        if found is None:
            found = self._built[name] = self._build(name)
        return found


def among(column: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """``column IN`` the texts of the JSON array bound to ``name`` (``json_list``).

    Why not an expanding ``IN (:ids)``: SQLAlchemy renders and binds each of its values anew on
    every execution, which cost more than the query's work for the few hundred ids of each of
    ingest's pages. One JSON parameter is bound once, and the database unpacks it."""
    param = bindparam(name, type_=Text)
    if dialect == "postgresql":
        return column.in_(select(func.jsonb_array_elements_text(cast(param, JSONB))))
    return column.in_(select(literal_column("value")).select_from(func.json_each(param)))


def json_list(values: Any) -> str:
    """The value to bind for ``among``'s parameter."""
    return dumps(list(values))


class _Prepared:
    """A select compiled for SQLite once: its SQL, its parameters (name, constant value, bind
    conversion) in order, the conversion of each result column, and the row type."""

    __slots__ = ("convert", "params", "row", "sql", "statement")

    def __init__(self, statement: Executable, dialect: Any) -> None:
        if not isinstance(statement, Select):
            raise TypeError(f"fetch: a select is needed, got {type(statement).__name__}")
        compiled = statement.compile(dialect=dialect)
        self.statement = statement  # keeps the id the cache is keyed by alive
        self.sql = str(compiled)
        self.params: list[tuple[str, Any, Callable[[Any], Any] | None]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            if bind.expanding:  # bound anew on each run by SQLAlchemy: use ``among``
                raise TypeError(f"fetch: the expanding parameter {name!r} is not supported")
            self.params.append((name, bind.value, bind.type._cached_bind_processor(dialect)))
        columns = list(statement.selected_columns)
        self.convert = [
            (k, p)
            for k, c in enumerate(columns)
            if (p := c.type._cached_result_processor(dialect, None)) is not None
        ]
        self.row: Any = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]  # noqa: PYI024


_PREPARED: dict[int, _Prepared] = {}


def fetch(conn: Connection, statement: Executable, params: dict[str, Any]) -> list[Any]:
    """The rows of ``statement`` (built once, at module level) with ``params``, each with its
    columns as attributes, as ``conn.execute(statement, params)`` would give them.

    On SQLite straight through the driver, the results converted as SQLAlchemy converts them:
    its execution path (context, cache lookup, result object) cost more than the query for the
    single-row reads every action and routing pass makes."""
    if conn.dialect.name != "sqlite":
        return list(conn.execute(statement, params))
    prepared = _PREPARED.get(id(statement))
    if prepared is None or prepared.statement is not statement:
        prepared = _PREPARED[id(statement)] = _Prepared(statement, conn.dialect)
    args = []
    for name, constant, process in prepared.params:
        value = params.get(name, constant)
        args.append(process(value) if process is not None else value)
    found = on_driver(conn, prepared.sql, args)[0]
    make, convert = prepared.row._make, prepared.convert
    if not convert:
        return [make(r) for r in found]
    rows = []
    for r in found:
        values = list(r)
        for k, process in convert:
            values[k] = process(values[k])
        rows.append(make(values))
    return rows

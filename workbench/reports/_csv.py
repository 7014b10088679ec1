"""CSV for two audiences, written by pyarrow's CSV writer a batch of rows at a time.

Each batch of ledger rows becomes an Arrow table column by column with vectorised passes (no
Python per cell): texts and categories as text (every text value is quoted: ids are text to
whatever reads the file), times as ISO 8601 in UTC with the offset, numbers and booleans as
they are. ``excel`` (the default) is safe to open in a spreadsheet: a cell it would run as a
formula gets a quote in front (``_cells.neutralize_array``), and so does an id it would read as
a number (``_cells.as_text``: Excel keeps 15 digits of a 19-digit tweet id). ``data`` writes
every value as it is, for pandas, BI tools and databases (times to the microsecond); it is not
safe to open in a spreadsheet. Rows end with CRLF (RFC 4180).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from workbench.reports._cells import as_text, neutralize_array

AUDIENCES = ("excel", "data")
"""Who reads a CSV: a spreadsheet (``excel``, formula-safe) or a program (``data``)."""
ID_COLUMNS = frozenset({"tweet_id", "contact", "author"})
"""Columns a spreadsheet must not read as numbers: X's ids (digits only, longer than the 15
digits Excel keeps) and usernames (``007`` is a username, not 7). The interactions' own ids
carry hex letters where a spreadsheet would look for digits (the UUIDv7 time prefix of
2026-2041 is ``01a``-``01f``)."""
TEXT = pa.large_string()
_DAY_SECONDS = 86_400
_MAX_DAYS = 200_000
"""Days between a batch's first and last time written through a table of days (beyond, a
slower path: such a span is bad data, not a report)."""


@functools.cache
def _clock(fraction: bool) -> pa.Array:
    """The 86,400 times of day as written after the date: ``T09:30:00`` and, without
    ``fraction``, the offset (``+0000``) already on."""
    seconds = np.arange(_DAY_SECONDS)
    text = [
        f"T{h:02d}:{m:02d}:{s:02d}" + ("" if fraction else "+0000")
        for h, m, s in zip(seconds // 3600, seconds // 60 % 60, seconds % 60, strict=True)
    ]
    return pa.array(text, TEXT)


def iso_utc(values: pa.Array, fraction: bool = False) -> pa.Array:
    """UTC times as ISO 8601 text with the offset: ``2026-03-02T09:30:00+0000`` (with
    ``fraction``, ``2026-03-02T09:30:00.123456+0000``). Dates come from a table of the days the
    batch spans and times of day from a table of 86,400, so a column costs a few vectorised
    passes, not a formatting call per value."""
    micros = pc.cast(values.cast(pa.timestamp("us", tz="UTC")), pa.int64())
    if micros.null_count == len(micros):
        return pa.nulls(len(values), TEXT)
    seconds = pc.divide(micros, 1_000_000)  # integer division: times after 1970 are positive
    days = pc.divide(seconds, _DAY_SECONDS)
    first, last = pc.min_max(days).values()
    first_day, last_day = first.as_py(), last.as_py()
    if last_day - first_day > _MAX_DAYS:
        fmt = "%Y-%m-%dT%H:%M:%S" + (".%f" if fraction else "") + "%z"
        return pc.strftime(values.cast(pa.timestamp("us", tz="UTC")), format=fmt).cast(TEXT)
    span = np.arange(first_day, last_day + 1).astype("datetime64[D]")
    day_names = pa.array(np.datetime_as_string(span).tolist(), TEXT)
    date = pc.take(day_names, pc.subtract(days, first_day))
    clock = pc.take(_clock(fraction), pc.subtract(seconds, pc.multiply(days, _DAY_SECONDS)))
    empty = pa.scalar("", TEXT)
    if not fraction:
        return pc.binary_join_element_wise(date, clock, empty)
    micro = pc.subtract(micros, pc.multiply(seconds, 1_000_000))
    digits = pc.utf8_lpad(pc.cast(micro, TEXT), width=6, padding="0")
    dot, offset = pa.scalar(".", TEXT), pa.scalar("+0000", TEXT)
    return pc.binary_join_element_wise(date, clock, dot, digits, offset, empty)


def _kind(dtype: Any) -> str:
    """How a pandas column is written: ``time``, ``bool``, ``int``, ``float`` or ``text``."""
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "time"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    return "text"


_TYPES = {"time": TEXT, "bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "text": TEXT}


def _text(values: pa.Array) -> pa.Array:
    """A text, category or object column as plain Arrow text (a category decoded)."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_null(values.type):
        return pa.nulls(len(values), TEXT)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = pc.cast(values, pa.string())
    return values.cast(TEXT)


def csv_table(frame: pd.DataFrame, audience: str = "excel") -> pa.Table:
    """The Arrow table a batch of ``frame`` is written as (columns as ``_kind`` says)."""
    excel = audience == "excel"
    columns: dict[str, pa.Array] = {}
    for name in frame.columns:
        series = frame[name]
        kind = _kind(series.dtype)
        if kind == "time":
            stamps = series.dt.tz_convert("UTC") if series.dt.tz is not None else series
            values = pa.array(stamps, pa.timestamp("us", tz="UTC"))
            columns[str(name)] = iso_utc(values, fraction=not excel)
        elif kind == "text":
            if isinstance(series.dtype, pd.CategoricalDtype):
                categories = _text(pa.array(series.cat.categories.to_numpy(dtype=object)))
                if excel:
                    categories = neutralize_array(categories)
                    if name in ID_COLUMNS:
                        categories = as_text(categories)
                codes = pa.array(series.cat.codes.to_numpy(), mask=series.isna().to_numpy())
                columns[str(name)] = pc.take(categories, codes)
            else:
                values = _text(pa.array(series, from_pandas=True))
                if excel:
                    values = neutralize_array(values)
                    if name in ID_COLUMNS:
                        values = as_text(values)
                columns[str(name)] = values
        else:
            columns[str(name)] = pa.array(series, _TYPES[kind], from_pandas=True)
    return pa.table(columns)


class CsvFile:
    """A CSV file written a batch at a time with pyarrow's writer (header with the first)."""

    def __init__(self, path: Path, audience: str = "excel") -> None:
        self.path = path
        self.audience = audience
        self._writer: pacsv.CSVWriter | None = None
        self._schema: pa.Schema | None = None

    def write(self, frame: pd.DataFrame) -> None:
        table = csv_table(frame, self.audience)
        if self._writer is None:
            self._schema = pa.schema(
                [pa.field(f.name, _TYPES[_kind(frame[f.name].dtype)]) for f in table.schema]
            )
            options = pacsv.WriteOptions(eol="\r\n", batch_size=4096)
            self._writer = pacsv.CSVWriter(str(self.path), self._schema, write_options=options)
        assert self._schema is not None
        if len(table):
            self._writer.write_table(table.cast(self._schema))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

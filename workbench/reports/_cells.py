"""Cells that are safe to open: text a spreadsheet would run as a formula is neutralised.

Tweets and display names are written by anyone. A CSV cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is run as a formula by Excel, LibreOffice and Google Sheets
(CSV injection). OWASP's advice, followed here: put a single quote in front of such a cell,
unless it is a plain number (``-2`` or ``+3.5`` stay numbers), so that the text is still
readable and nothing runs. No library does this for a pandas frame, hence these few lines;
exports do it on whole Arrow columns (``neutralize_array``), a few vectorised passes each.

The same quote keeps an id a spreadsheet would read as a number (a tweet id of 19 digits,
which Excel rounds to 15) as text: ``as_text``.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes for the start of a formula (OWASP, CSV injection)."""
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralize(value: object) -> object:
    """``value`` with a quote in front when a spreadsheet would run it; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


def _neutralize_series(series: pd.Series) -> pd.Series:
    """``neutralize`` on every text of ``series``, vectorised (one pass of pandas' string
    methods instead of a Python call per cell); values that are not text are left alone."""
    text = series.str  # on an object column, what is not text gives NA here
    number = text.fullmatch(_NUMBER.pattern).fillna(False).astype(bool)
    risky = text[:1].isin(FORMULA_STARTS).fillna(False).astype(bool) & ~number
    if not risky.any():
        return series
    out = series.copy()
    out[risky] = "'" + series[risky]
    return out


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns (object, string or categorical) are neutralised;
    numbers, times and booleans are left alone."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            categories = series.cat.categories
            if categories.dtype == object or pd.api.types.is_string_dtype(categories.dtype):
                safe = [neutralize(c) for c in categories]
                if len(set(safe)) < len(safe):  # "=x" and "'=x" both there: plain text then
                    out[column] = series.astype(object).map(neutralize, na_action="ignore")
                elif safe != list(categories):
                    out[column] = series.cat.rename_categories(safe)
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = _neutralize_series(series)
    return out


_STARTS = pa.array(list(FORMULA_STARTS))


def _quoted(values: pa.Array, where: pa.Array) -> pa.Array:
    """``values`` with a quote in front where ``where`` is true (nulls stay null)."""
    quote = pa.scalar("'", values.type)
    return pc.if_else(
        where, pc.binary_join_element_wise(quote, values, pa.scalar("", values.type)), values
    )


def neutralize_array(values: pa.Array) -> pa.Array:
    """``neutralize`` on a whole Arrow text column: the first character of every value, then
    the number test on the few that start like a formula."""
    if len(values) == 0 or values.null_count == len(values):
        return values
    risky = pc.fill_null(pc.is_in(pc.utf8_slice_codeunits(values, 0, 1), value_set=_STARTS), False)
    if not pc.any(risky).as_py():
        return values
    number = pc.fill_null(pc.match_substring_regex(values, _NUMBER.pattern), False)
    return _quoted(values, pc.and_(risky, pc.invert(number)))


def as_text(values: pa.Array) -> pa.Array:
    """An id column a spreadsheet keeps as written: a value it would read as a number gets a
    quote in front (Excel rounds a 19-digit tweet id to 15 digits and drops the rest)."""
    if len(values) == 0 or values.null_count == len(values):
        return values
    number = pc.fill_null(pc.match_substring_regex(values, _NUMBER.pattern), False)
    return _quoted(values, number) if pc.any(number).as_py() else values

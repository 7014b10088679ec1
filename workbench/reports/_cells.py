"""Cells that are safe to open: text a spreadsheet would run as a formula is neutralised.

Tweets and display names are written by anyone. A CSV cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is run as a formula by Excel, LibreOffice and Google Sheets
(CSV injection). OWASP's advice, followed here: put a single quote in front of such a cell,
unless it is a plain number (``-2`` or ``+3.5`` stay numbers), so that the text is still
readable and nothing runs. No library does this for a pandas frame, hence these few lines.
"""

from __future__ import annotations

import re

import pandas as pd

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

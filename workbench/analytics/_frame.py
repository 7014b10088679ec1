"""Column helpers for the metrics: the same answer whether a column is object or categorical,
and fast on a million rows (integer codes and numpy, no per-row Python, no frame copies)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.domain import WorkbenchError

UNKNOWN = "unknown"
"""The label of rows whose grouping value is missing (or of every row when the column is
absent, as ``timeline`` may be)."""

NAT = np.iinfo("int64").min
"""How ``nanos`` spells a missing time."""

NS = 1_000_000_000
MAX_SLOTS = 1_000_000
"""At most this many intervals in a table over time (a finer ``freq`` is refused)."""


class MetricError(WorkbenchError, ValueError):
    """A metric's argument breaks its rule (names the argument and the rule)."""

    def __init__(self, field: str, rule: str) -> None:
        self.field, self.rule = field, rule
        super().__init__(f"{field}: {rule}")


def nanos(series: pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch, missing ones as ``NAT``."""
    return series.to_numpy(dtype="datetime64[ns]").view("int64")


def as_utc(when: object) -> pd.Timestamp:
    """A timezone-aware UTC timestamp (naive ones are taken as UTC)."""
    ts = pd.Timestamp(when)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def share(part: float, whole: float) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    return float(part) / float(whole) if whole else None


def codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[str]]:
    """``column`` as integer codes into a list of names, missing values as -1 (all -1 when
    the frame has no such column)."""
    if column not in frame.columns:
        return np.full(len(frame), -1, dtype="int64"), []
    values = frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype("int64"), [str(c) for c in values.cat.categories]
    found, names = pd.factorize(values, use_na_sentinel=True)
    return found.astype("int64"), [str(n) for n in names]


def labelled(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[str]]:
    """Like ``codes`` but with missing values given their own name, ``UNKNOWN``: codes from 0
    for every row, so a count by them never drops a row."""
    return _labelled(*codes(frame, column))


def _labelled(found: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    if (found < 0).any():
        if UNKNOWN in names:
            found = np.where(found < 0, names.index(UNKNOWN), found)
        else:
            found = np.where(found < 0, len(names), found)
            names = [*names, UNKNOWN]
    return found, names


def step_nanos(freq: str) -> int:
    """The length of a fixed interval such as ``"15min"``, ``"1h"`` or ``"1D"``, in ns."""
    from pandas.tseries.frequencies import to_offset

    try:
        step = int(to_offset(freq).nanos)
    except ValueError:
        raise MetricError(
            "freq", f"a fixed interval such as 15min, 1h or 1D is required, got {freq!r}"
        ) from None
    if step <= 0:
        raise MetricError("freq", f"a positive interval is required, got {freq!r}")
    return step


def slots(arr: np.ndarray, freq: str) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Each time of ``arr`` (ns, none missing) as the index of its ``freq`` interval, and the
    intervals' starts from the first to the last (floored like ``Series.dt.floor``)."""
    step = step_nanos(freq)
    if len(arr) == 0:
        return np.zeros(0, dtype="int64"), pd.DatetimeIndex([], tz="UTC", name="interval")
    floor = arr - arr % step
    first = int(floor.min())
    index = (floor - first) // step
    count = int(index.max()) + 1
    if count > MAX_SLOTS:
        raise MetricError("freq", f"{freq!r} gives {count:,} intervals here; at most {MAX_SLOTS:,}")
    starts = pd.DatetimeIndex(
        (first + np.arange(count, dtype="int64") * step).view("datetime64[ns]")
    ).tz_localize("UTC")
    starts.name = "interval"
    return index, starts


def crosstab(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> np.ndarray:
    """Counts of each (row, column) pair of codes as an ``n_rows`` x ``n_cols`` array."""
    flat = np.bincount(rows * n_cols + cols, minlength=n_rows * n_cols)
    return flat.reshape(n_rows, n_cols)


class View:
    """A ledger read once: each column's times, codes and masks computed on first use and
    kept, so the metrics run together (``every_metric``) convert each column once. Metrics
    take a DataFrame or a ``View`` of one; nothing here changes the frame."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)
        self._cache: dict[tuple[object, ...], object] = {}

    def _memo(self, key: tuple[object, ...], make: object) -> Any:
        if key not in self._cache:
            self._cache[key] = make()  # type: ignore[operator]
        return self._cache[key]

    def t(self, column: str) -> np.ndarray:
        """``nanos`` of a time column."""
        return self._memo(("t", column), lambda: nanos(self.frame[column]))

    def has(self, column: str) -> np.ndarray:
        """Rows where a time column is set."""
        return self._memo(("has", column), lambda: self.t(column) != NAT)

    def seconds(self, later: str, earlier: str) -> np.ndarray:
        """``later - earlier`` in seconds, NaN where either is missing."""

        def make() -> np.ndarray:
            a, b = self.t(later), self.t(earlier)
            out = (a - b).astype("float64") / NS
            out[~(self.has(later) & self.has(earlier))] = np.nan
            return out

        return self._memo(("seconds", later, earlier), make)

    def slot_index(self, column: str, freq: str) -> tuple[np.ndarray, pd.DatetimeIndex]:
        """``slots`` of a time column for every row (-1 where the time is missing)."""

        def make() -> tuple[np.ndarray, pd.DatetimeIndex]:
            has = self.has(column)
            index, starts = slots(self.t(column)[has], freq)
            full = np.full(self.n, -1, dtype="int64")
            full[has] = index
            return full, starts

        return self._memo(("slots", column, freq), make)

    def codes(self, column: str) -> tuple[np.ndarray, list[str]]:
        return self._memo(("codes", column), lambda: codes(self.frame, column))

    def labelled(self, column: str) -> tuple[np.ndarray, list[str]]:
        return self._memo(("labelled", column), lambda: _labelled(*self.codes(column)))

    def isin(self, column: str, values: tuple[str, ...] | list[str]) -> np.ndarray:
        """Rows whose ``column`` is one of ``values`` (False where missing or absent)."""

        def make() -> np.ndarray:
            found, names = self.codes(column)
            lookup = np.zeros(len(names) + 1, dtype=bool)  # the last entry answers code -1
            lookup[[i for i, n in enumerate(names) if n in set(values)]] = True
            return lookup[found]

        return self._memo(("isin", column, tuple(values)), make)

    def count(self, column: str) -> np.ndarray | None:
        """An integer count column (0 where missing), None when the ledger has none."""
        if column not in self.frame.columns:
            return None
        return self._memo(
            ("count", column), lambda: self.frame[column].fillna(0).to_numpy(dtype="int64")
        )


def view(ledger: pd.DataFrame | View) -> View:
    return ledger if isinstance(ledger, View) else View(ledger)

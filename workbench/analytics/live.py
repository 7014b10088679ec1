"""A ledger kept up to date from the events appended since it last looked.

``LiveLedger(store)`` loads the ledger once and remembers the newest event id it included;
``refresh()`` reads only the events after it (the event log's id order), re-reads the rows of
the interactions they touch, adds their counts and first/last times to the rows it has, and
appends the new interactions. Its cost grows with what changed, not with the store's age. The
store's change feed (``store.changes()``) can wake a caller; ``refresh()`` itself just reads.

The frame after a refresh equals a full rebuild (``ledger(store=...)``) of the same store. Two
things to know:

- On PostgreSQL an event id is drawn when the event is written, so a transaction may commit an
  id lower than one already read. The ids skipped are kept as gaps and asked for again on each
  refresh for ``GAP_SECONDS`` (a rolled-back transaction leaves a gap forever).
- A contact's new username or display name (ingest refreshes contacts without an event) shows
  on each of their interactions when that interaction next changes; ``reload()`` renews all.

A refreshed frame is a new DataFrame: columns that did not change are shared with the previous
one, changed columns are copied, so a frame handed out earlier never changes under its reader.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from workbench.analytics.ledger import (
    CATEGORICAL,
    COUNTED,
    FIRST,
    LAST,
    STATS,
    TIME,
    load,
    shape,
    with_seconds,
)
from workbench.store import Store

GAP_SECONDS = 60.0
"""How long an event id skipped over is asked for again (PostgreSQL; see the module's note)."""
RECENT = 10_000
"""How many of the newest event ids the first load looks at for ids still being written."""
_MAX_GAPS = 10_000
_MAX_CHUNKS = 32


class LiveLedger:
    """The ledger of ``store``, refreshed incrementally (``refresh()``)."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._gaps: dict[int, float] = {}
        self.frame = pd.DataFrame()
        self.last_event_id = 0
        self.applied = 0
        """How many events the last ``refresh()`` applied."""
        self.reload()

    def reload(self) -> pd.DataFrame:
        """Load the whole ledger again (as at start)."""
        with self._lock:
            frame, last, seen = load(self.store)
            self.frame, self.last_event_id = frame, last
            self._gaps = {}
            self._note_gaps(seen, max(last - RECENT, 0), last)
            return frame

    def __call__(self) -> pd.DataFrame:
        """``refresh()``: a live ledger is a ledger source (``SupervisorDashboardView``)."""
        return self.refresh()

    def refresh(self) -> pd.DataFrame:
        """Apply the events appended since the last refresh; return the current frame."""
        with self._lock:
            now = self._clock()
            self._gaps = {i: t for i, t in self._gaps.items() if now - t < GAP_SECONDS}
            events = self.store.ledger.events_after(self.last_event_id, sorted(self._gaps))
            self.applied = len(events)
            if events.empty:
                return self.frame
            ids = events["id"].to_numpy()
            for found in ids[ids <= self.last_event_id]:
                self._gaps.pop(int(found), None)
            high = int(ids.max())
            self._note_gaps(ids, self.last_event_id, high)
            self.last_event_id = max(self.last_event_id, high)
            self.frame = self._apply(events)
            return self.frame

    def _note_gaps(self, present: np.ndarray, low: int, high: int) -> None:
        """Remember the ids in ``(low, high]`` that are not in ``present``."""
        if high <= low:
            return
        missing = np.setdiff1d(np.arange(low + 1, high + 1, dtype=np.int64), present)
        now = self._clock()
        for gap in missing[-_MAX_GAPS:]:
            self._gaps[int(gap)] = now
        if len(self._gaps) > _MAX_GAPS:
            for gap in sorted(self._gaps)[: len(self._gaps) - _MAX_GAPS]:
                del self._gaps[gap]

    # --- applying events --------------------------------------------------------------------

    def _apply(self, events: pd.DataFrame) -> pd.DataFrame:
        events = events[events["interaction_id"].notna()]
        if events.empty:
            return self.frame
        touched = [str(i) for i in pd.unique(events["interaction_id"])]
        read = self.store.ledger.interactions(touched)
        if read.empty:
            return self.frame
        for column in STATS:  # filled below from the frame and the events
            read[column] = 0 if column in COUNTED else pd.Series(pd.NaT, read.index, TIME)
        rows = shape(read)
        frame = self.frame
        pos = self._positions(rows)
        known = pos >= 0
        at = pos[known]
        delta = _stats(events, rows["interaction_id"])
        for column in COUNTED:
            base = np.zeros(len(rows), dtype=np.int32)
            base[known] = frame[column].to_numpy()[at]
            rows[column] = (base + delta[column]).astype(np.int32)
        for column in (*FIRST, *LAST):
            base = np.full(len(rows), _NAT, dtype=np.int64)
            base[known] = frame[column].array.asi8[at]
            new = delta[column]
            pick = np.minimum if column in FIRST else np.maximum
            both = np.where(base == _NAT, new, np.where(new == _NAT, base, pick(base, new)))
            rows[column] = _times(both)
        with_seconds(rows)
        rows = rows[frame.columns]
        return _write(frame, at, rows[known], rows[~known])

    def _positions(self, rows: pd.DataFrame) -> np.ndarray:
        """Where each of ``rows`` is in the frame, -1 if it is not: found by arrival time (the
        frame is in arrival order; an interaction's arrival time never changes), then id."""
        frame = self.frame
        keys = frame["arrived_at"].array.asi8
        ids = frame["interaction_id"].array
        wanted = rows["arrived_at"].array.asi8
        lows = np.searchsorted(keys, wanted, "left")
        highs = np.searchsorted(keys, wanted, "right")
        out = np.full(len(rows), -1, dtype=np.int64)
        for k, (iid, lo, hi) in enumerate(zip(rows["interaction_id"], lows, highs, strict=True)):
            if hi - lo == 1:
                if ids[lo] == iid:
                    out[k] = lo
            elif hi > lo:
                found = np.flatnonzero(np.asarray(ids[lo:hi], dtype=object) == iid)
                if len(found):
                    out[k] = lo + int(found[0])
        return out


_NAT = np.iinfo(np.int64).min
"""A missing time among int64 microseconds (as ``asi8`` gives NaT)."""


def _times(micros: np.ndarray) -> pd.arrays.DatetimeArray:
    """int64 microseconds since the epoch (``_NAT`` for missing) as UTC times."""
    return pd.DatetimeIndex(micros.view("datetime64[us]")).tz_localize("UTC").array


def _stats(events: pd.DataFrame, ids: pd.Series) -> dict[str, np.ndarray]:
    """``STATS`` of these events for the interactions ``ids`` (aligned with them): what the
    store computes for a load, here from the few events of a refresh."""
    codes = pd.Index(ids).get_indexer(events["interaction_id"])
    mine = codes >= 0
    codes = codes[mine]
    actions = events["action"].to_numpy(dtype=object)[mine]
    stamps = events["at"].array.asi8[mine]
    out: dict[str, np.ndarray] = {}
    for name, (how, wanted) in STATS.items():
        hit = np.isin(actions, list(wanted))
        if how == "count":
            out[name] = np.bincount(codes[hit], minlength=len(ids)).astype(np.int32)
        elif how == "first":
            first = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(first, codes[hit], stamps[hit])
            first[first == np.iinfo(np.int64).max] = _NAT
            out[name] = first
        else:
            last = np.full(len(ids), _NAT, dtype=np.int64)
            np.maximum.at(last, codes[hit], stamps[hit])
            out[name] = last
    return out


# --- writing rows into a frame -------------------------------------------------------------


def _write(
    frame: pd.DataFrame, pos: np.ndarray, changed: pd.DataFrame, new: pd.DataFrame
) -> pd.DataFrame:
    """A new frame: ``frame`` with the rows at ``pos`` replaced by ``changed`` and ``new``
    appended, in ledger order; unchanged columns are shared with ``frame``."""
    columns = {}
    for name in frame.columns:
        column = frame[name]
        fresh = changed[name].reset_index(drop=True)
        same = _same(column, pos, fresh)
        if same and new.empty:
            columns[name] = column
        elif name in CATEGORICAL:
            columns[name] = _put_categorical(column, pos, fresh, new[name], same)
        else:
            columns[name] = _put(column, pos, fresh, new[name], same)
    out = pd.DataFrame(columns)
    if not new.empty and len(frame) and _before(new.iloc[0], frame.iloc[-1]):
        out = out.sort_values(["arrived_at", "interaction_id"], kind="stable")
        out = out.reset_index(drop=True)
    return out


def _same(column: pd.Series, pos: np.ndarray, values: pd.Series) -> bool:
    """Whether the column holds ``values`` at ``pos`` (missing equal to missing)."""
    return all(
        x == y or (pd.isna(x) and pd.isna(y))
        for x, y in zip(column.array.take(pos), values.array, strict=True)
    )


def _before(row: pd.Series, last: pd.Series) -> bool:
    return bool(
        (row["arrived_at"], row["interaction_id"]) < (last["arrived_at"], last["interaction_id"])
    )


def _put(
    column: pd.Series, pos: np.ndarray, values: pd.Series, tail: pd.Series, same: bool
) -> pd.Series:
    out = column
    if not same:
        out = column.copy()
        out.iloc[pos] = values.astype(column.dtype).array
    if len(tail):
        out = pd.concat([out, tail.astype(column.dtype)], ignore_index=True)
    return _compact(out)


def _compact(column: pd.Series) -> pd.Series:
    """Join a text column's pieces once appends have split it into many."""
    chunked = getattr(column.array, "_pa_array", None)
    if chunked is None or chunked.num_chunks <= _MAX_CHUNKS:
        return column
    return pd.Series(pd.array(chunked.combine_chunks(), dtype=column.dtype), name=column.name)


def _put_categorical(
    column: pd.Series, pos: np.ndarray, values: pd.Series, tail: pd.Series, same: bool
) -> pd.Series:
    """Write into a categorical column, keeping its categories the values present, sorted."""
    categories = column.cat.categories
    known = set(categories)
    incoming = {str(v) for v in (*values.array, *tail.array) if not pd.isna(v)}
    extra = sorted(incoming - known)
    codes = column.cat.codes.to_numpy().astype(np.int32)
    if extra:
        wider = pd.Index(sorted([*map(str, categories), *extra]), dtype="str")
        codes = _recode(codes, wider.get_indexer(categories))
        categories = wider
    if not same:
        codes[pos] = categories.get_indexer(values.astype(object))
    if len(tail):
        codes = np.concatenate([codes, categories.get_indexer(tail.astype(object))])
    used = np.bincount(codes[codes >= 0], minlength=len(categories)) > 0
    if not used.all():
        mapping = np.cumsum(used) - 1
        codes = _recode(codes, mapping)
        categories = categories[used]
    return pd.Series(
        pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories)), name=column.name
    )


def _recode(codes: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """Codes through ``mapping`` (old code -> new code); missing (-1) stays missing."""
    if not len(mapping):
        return codes.copy()
    return np.where(codes < 0, -1, mapping[np.maximum(codes, 0)]).astype(np.int32)

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
        delta = _stats(events).reindex(rows["interaction_id"])
        delta.index = rows.index
        old = pd.DataFrame(index=rows.index)
        known = pos >= 0
        for column in STATS:
            if column in COUNTED:
                values = np.zeros(len(rows), dtype=np.int32)
                values[known] = frame[column].to_numpy()[pos[known]]
            else:
                values = pd.array([pd.NaT] * len(rows), dtype=frame[column].dtype)
                values[known] = frame[column].array[pos[known]]
            old[column] = values
        for column in COUNTED:
            rows[column] = (old[column] + delta[column].fillna(0)).astype("int32")
        for column in FIRST:
            rows[column] = _earliest(old[column], delta[column])
        for column in LAST:
            rows[column] = _latest(old[column], delta[column])
        with_seconds(rows)
        rows = rows[frame.columns]
        return _write(frame, pos[known], rows[known], rows[~known])

    def _positions(self, rows: pd.DataFrame) -> np.ndarray:
        """Where each of ``rows`` is in the frame (by arrival time then id), -1 if it is not."""
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
        lost = out < 0
        if lost.any() and len(frame) and (wanted[lost] <= keys[-1]).any():
            # Not where its arrival puts it (its arrival time changed?): look everywhere.
            where = pd.Series(np.arange(len(frame)), index=frame["interaction_id"].to_numpy())
            for k in np.flatnonzero(lost):
                hit = where.get(rows["interaction_id"].iloc[k])
                if hit is not None:
                    out[k] = int(np.asarray(hit).ravel()[0])
        return out


def _stats(events: pd.DataFrame) -> pd.DataFrame:
    """``STATS`` of these events, per interaction (as the store computes them for a load)."""
    index = pd.Index(pd.unique(events["interaction_id"]), dtype="str")
    out = pd.DataFrame(index=index)
    for name, (how, actions) in STATS.items():
        hit = events[events["action"].isin(actions)]
        grouped = hit.groupby("interaction_id")["at"]
        if how == "count":
            out[name] = grouped.size().reindex(index, fill_value=0).astype("int32")
        elif how == "first":
            out[name] = grouped.min().reindex(index)
        else:
            out[name] = grouped.max().reindex(index)
    return out


def _earliest(a: pd.Series, b: pd.Series) -> pd.Series:
    b = b.astype(a.dtype)
    return a.where(b.isna() | (a.notna() & (a <= b)), b)


def _latest(a: pd.Series, b: pd.Series) -> pd.Series:
    b = b.astype(a.dtype)
    return a.where(b.isna() | (a.notna() & (a >= b)), b)


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
        same = _same(column.iloc[pos], fresh)
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


def _same(a: pd.Series, b: pd.Series) -> bool:
    """Whether the two hold the same values (missing equal to missing), whatever their dtypes."""
    return pd.Series(a.to_numpy(dtype=object)).equals(pd.Series(b.to_numpy(dtype=object)))


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
    incoming = pd.concat([values.astype(object), tail.astype(object)]).dropna().unique()
    extra = [str(v) for v in incoming if v not in categories]
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

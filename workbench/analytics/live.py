"""A ledger kept up to date from the events appended since it last looked.

``LiveLedger(store)`` loads the ledger once and remembers the newest event id it included;
``refresh()`` reads only the events after it (the event log's id order), re-reads the rows of
the interactions they touch, adds their counts and first/last times to the rows it has, and
appends the new interactions. Its cost grows with what changed, not with the store's age. The
store's change feed (``store.changes()``) can wake a caller; ``refresh()`` itself just reads.

X calls are followed the same way, by the id of the last ``api_calls`` row seen: a refresh reads
the calls recorded since (in the same snapshot as the events), re-reads ``api_cost`` (the sum of
its calls) for the interactions they served, and adds them to ``spend``: what the calls cost per
UTC day, brand account (timeline) and kind, from the start of the month the ledger was loaded in.

The frame after a refresh equals a full rebuild (``ledger(store=...)``) of the same store. Two
things to know:

- On PostgreSQL an event (or call) id is drawn when the row is written, so a transaction may
  commit an id lower than one already read. The ids skipped are kept as gaps and asked for again
  on each refresh for ``GAP_SECONDS`` (a rolled-back transaction leaves a gap forever).
- A contact's new username or display name (ingest refreshes contacts without an event) shows
  on each of their interactions when that interaction next changes; ``reload()`` renews all.

A refreshed frame is a new DataFrame: columns that did not change are shared with the previous
one, changed columns are copied, so a frame handed out earlier never changes under its reader.

With ``saved`` (a path; ``saved.beside(store)`` is the usual one) the ledger keeps a copy of
itself on disk (``workbench.analytics.saved``): written in the background after a full load and
at most every ``SAVE_SECONDS`` while refreshing, and read at start instead of the store's whole
history when it belongs to this store and is at most ``CATCH_UP`` events behind.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.analytics.ledger import (
    CATEGORICAL,
    COUNTED,
    FIRST,
    HELD,
    LAST,
    STATS,
    TIME,
    load,
    shape,
    with_seconds,
)
from workbench.analytics.saved import Saved, SpendKey, read, write
from workbench.domain.cost import MICROS
from workbench.store import Store
from workbench.store.ledger import event_stats

log = logging.getLogger(__name__)

SPEND_COLUMNS = ["at", "timeline", "kind", "calls", "resources", "cost"]
"""``spend``: per UTC day (``at``, its midnight), timeline and kind, the calls recorded, the
resources they read or wrote, and their cost in USD."""

GAP_SECONDS = 60.0
"""How long an event id skipped over is asked for again (PostgreSQL; see the module's note)."""
RECENT = 10_000
"""How many of the newest event ids the first load looks at for ids still being written."""
SAVE_SECONDS = 300.0
"""How often at most a ledger with a ``saved`` path writes its copy while refreshing."""
SAVE_ROWS = 50_000
"""The fewest rows a dashboard's ledger keeps a copy of (a smaller one loads in about a second)."""
CATCH_UP = 100_000
"""How many events (or a tenth of the rows, if more) a saved copy may be behind the store."""
_MAX_GAPS = 10_000
_MAX_CHUNKS = 32


class LiveLedger:
    """The ledger of ``store``, refreshed incrementally (``refresh()``)."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.monotonic,
        calls_since: pd.Timestamp | None = None,
        saved: Path | None = None,
        save_from: int = 0,
    ) -> None:
        self.store = store
        self.saved = saved
        """Where the ledger keeps its copy (None: it keeps none)."""
        self.save_from = save_from
        """The fewest rows it writes a copy of (the dashboard's: ``SAVE_ROWS``)."""
        self.restored = False
        """Whether the ledger started from its saved copy (then caught up with the store)."""
        self.calls_since = calls_since
        """``spend`` counts the calls from then on (None: from the start of the UTC month of
        each load)."""
        self._since = pd.Timestamp.now(tz="UTC")
        self._clock = clock
        self._lock = threading.Lock()
        self._gaps: dict[int, float] = {}
        self._call_gaps: dict[int, float] = {}
        self.frame = pd.DataFrame()
        self.last_event_id = 0
        self.last_call_id = 0
        self.applied = 0
        """How many events the last ``refresh()`` applied."""
        self.calls_applied = 0
        """How many X calls the last ``refresh()`` applied."""
        self._spend: dict[SpendKey, np.ndarray] = {}
        self.spend = _spend_frame({})
        """What the X calls cost per UTC day, timeline and kind (``SPEND_COLUMNS``)."""
        self._saved_at = -math.inf
        self._saving: threading.Thread | None = None
        if saved is None or not self._restore(saved):
            self.reload()

    def reload(self) -> pd.DataFrame:
        """Load the whole ledger again (as at start)."""
        with self._lock:
            since = self._months_start()
            self._since = since
            snap = load(self.store, calls_since=since.to_pydatetime())
            self.frame, self.last_event_id = snap.interactions, snap.last_event
            self.last_call_id = snap.last_call
            self._gaps, self._call_gaps = {}, {}
            last = snap.last_event
            _note_gaps(self._gaps, snap.events_seen, max(last - RECENT, 0), last, self._clock())
            last = snap.last_call
            _note_gaps(self._call_gaps, snap.calls_seen, max(last - RECENT, 0), last, self._clock())
            self._spend = {}
            self._add_spend(snap.calls)
            self._save()
            return self.frame

    def __call__(self) -> pd.DataFrame:
        """``refresh()``: a live ledger is a ledger source (``SupervisorDashboardView``)."""
        return self.refresh()

    def refresh(self) -> pd.DataFrame:
        """Apply the events appended since the last refresh; return the current frame."""
        with self._lock:
            now = self._clock()
            self._gaps = {i: t for i, t in self._gaps.items() if now - t < GAP_SECONDS}
            self._call_gaps = {i: t for i, t in self._call_gaps.items() if now - t < GAP_SECONDS}
            events, calls = self.store.ledger.changes_after(
                self.last_event_id, self.last_call_id, sorted(self._gaps), sorted(self._call_gaps)
            )
            self.applied, self.calls_applied = len(events), len(calls)
            if events.empty and calls.empty:
                return self.frame
            self.last_event_id = _advance(self._gaps, events, self.last_event_id, now)
            self.last_call_id = _advance(self._call_gaps, calls, self.last_call_id, now)
            self.frame = self._apply(events, calls)
            self._add_spend(calls)
            if now - self._saved_at >= SAVE_SECONDS:
                self._save()
            return self.frame

    # --- the saved copy ---------------------------------------------------------------------

    def _months_start(self) -> pd.Timestamp:
        """Since when ``spend`` counts: ``calls_since``, else the start of this UTC month."""
        if self.calls_since is not None:
            return self.calls_since
        return pd.Timestamp.now(tz="UTC").normalize().replace(day=1)

    def _restore(self, path: Path) -> bool:
        """Start from the copy at ``path`` and catch up; False (nothing changed) if there is
        none that belongs to this store, or it is too far behind."""
        expected = shape(self.store.ledger.interactions([], STATS))
        copy = read(path, expected)
        if copy is None or copy.last_event <= 0:
            return False
        at, newest, newest_call = self.store.ledger.event_mark(copy.last_event)
        if at is None or pd.Timestamp(at) != pd.Timestamp(copy.event_at):
            return False  # another store's copy (or this one's log was replaced)
        if newest_call < copy.last_call:
            return False
        if newest - copy.last_event > max(CATCH_UP, len(copy.frame) // 10):
            return False
        since = self._months_start()
        if since != copy.since and (since < copy.since or since != since.normalize()):
            return False  # its spend began later, or cannot be cut at ``since``
        with self._lock:
            now = self._clock()
            self._since = since
            self.frame = copy.frame
            self.last_event_id, self.last_call_id = copy.last_event, copy.last_call
            self._gaps = dict.fromkeys(copy.gaps, now)
            self._call_gaps = dict.fromkeys(copy.call_gaps, now)
            self._spend = {k: v for k, v in copy.spend.items() if k[0] >= since}
            self.spend = _spend_frame(self._spend)
            self._saved_at = now
        self.restored = True
        self.refresh()
        return True

    def _save(self) -> None:
        """Write the copy in the background (one write at a time; called under the lock). The
        frame handed to the writer is never changed afterwards (see the module's note)."""
        if self.saved is None or self.last_event_id <= 0 or len(self.frame) < self.save_from:
            return
        if self._saving is not None and self._saving.is_alive():
            return
        self._saved_at = self._clock()
        path, last = self.saved, self.last_event_id
        state = (
            self.frame,
            last,
            self.last_call_id,
            sorted(self._gaps),
            sorted(self._call_gaps),
            self._since,
            dict(self._spend),
        )

        def run() -> None:
            at, _, _ = self.store.ledger.event_mark(last)
            if at is None:
                return
            frame, _, call, gaps, call_gaps, since, spend = state
            try:
                write(path, Saved(frame, last, at, call, gaps, call_gaps, since, spend))
            except OSError as exc:  # a full disk or a read-only folder: the ledger goes on
                log.warning("ledger: could not save its copy to %s (%s)", path, exc)

        self._saving = threading.Thread(target=run, name="ledger-save", daemon=True)
        self._saving.start()

    def save(self, wait: bool = False) -> None:
        """Write the copy to ``saved`` now (in the background unless ``wait``)."""
        with self._lock:
            self._save()
        if wait:
            self.wait_saved()

    def wait_saved(self, timeout: float | None = None) -> None:
        """Wait for a copy being written to be on disk."""
        saving = self._saving
        if saving is not None:
            saving.join(timeout)

    def _add_spend(self, calls: pd.DataFrame) -> None:
        """Add ``calls`` (``CALL_COLUMNS``) to ``spend``."""
        calls = calls[(calls["at"] >= self._since).to_numpy()]
        if calls.empty:
            return
        days = calls["at"].dt.floor("D")
        grouped = (
            pd.DataFrame(
                {
                    "at": days,
                    "timeline": calls["timeline"].astype(object),
                    "kind": calls["kind"].astype(object),
                    "calls": 1,
                    "resources": calls["resources"].to_numpy(dtype=np.int64),
                    "micros": calls["cost"].to_numpy(dtype=np.int64),
                }
            )
            .groupby(["at", "timeline", "kind"], sort=False)
            .sum()
        )
        for key, values in zip(grouped.index, grouped.to_numpy(dtype=np.int64), strict=True):
            have = self._spend.get(key)
            self._spend[key] = values if have is None else have + values
        self.spend = _spend_frame(self._spend)

    # --- applying events --------------------------------------------------------------------

    def _apply(self, events: pd.DataFrame, calls: pd.DataFrame) -> pd.DataFrame:
        events = events[events["interaction_id"].notna()]
        served = calls["interaction_id"].dropna()
        if events.empty and served.empty:
            return self.frame
        # The rows read again carry their interactions' whole ``api_cost``, as a rebuild sums it.
        touched = [str(i) for i in pd.unique(pd.concat([events["interaction_id"], served]))]
        # The time held sums over openings, so it is read whole for the rows read again.
        read = self.store.ledger.interactions(touched, {k: STATS[k] for k in HELD})
        if read.empty:
            return self.frame
        for column in STATS:  # filled below from the frame and the events
            if column not in HELD:
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


def _note_gaps(
    gaps: dict[int, float], present: np.ndarray, low: int, high: int, now: float
) -> None:
    """Remember the ids in ``(low, high]`` that are not in ``present``."""
    if high <= low:
        return
    missing = np.setdiff1d(np.arange(low + 1, high + 1, dtype=np.int64), present)
    for gap in missing[-_MAX_GAPS:]:
        gaps[int(gap)] = now
    if len(gaps) > _MAX_GAPS:
        for gap in sorted(gaps)[: len(gaps) - _MAX_GAPS]:
            del gaps[gap]


def _advance(gaps: dict[int, float], rows: pd.DataFrame, last: int, now: float) -> int:
    """The newest id after ``rows`` (read after ``last``, and the gaps asked for again): the
    gaps they fill are forgotten, those they leave remembered."""
    if rows.empty:
        return last
    ids = rows["id"].to_numpy()
    for found in ids[ids <= last]:
        gaps.pop(int(found), None)
    high = int(ids.max())
    _note_gaps(gaps, ids, last, high, now)
    return max(last, high)


def _spend_frame(spend: dict[SpendKey, np.ndarray]) -> pd.DataFrame:
    """``spend`` (key -> calls, resources, micro-dollars) as a frame of ``SPEND_COLUMNS``."""
    keys = sorted(spend, key=lambda k: (k[0], k[1], k[2]))
    values = np.array([spend[k] for k in keys], dtype=np.int64).reshape(-1, 3)
    return pd.DataFrame(
        {
            "at": pd.Series([k[0] for k in keys], dtype=TIME),
            "timeline": pd.Series([k[1] for k in keys], dtype="str"),
            "kind": pd.Series([k[2] for k in keys], dtype="str"),
            "calls": values[:, 0],
            "resources": values[:, 1],
            "cost": values[:, 2] / MICROS,
        },
        columns=SPEND_COLUMNS,
    )


_NAT = np.iinfo(np.int64).min
"""A missing time among int64 microseconds (as ``asi8`` gives NaT)."""


def _times(micros: np.ndarray) -> pd.arrays.DatetimeArray:
    """int64 microseconds since the epoch (``_NAT`` for missing) as UTC times."""
    return pd.DatetimeIndex(micros.view("datetime64[us]")).tz_localize("UTC").array


def _stats(events: pd.DataFrame, ids: pd.Series) -> dict[str, np.ndarray]:
    """``STATS`` of these events for the interactions ``ids`` (aligned with them), worked out
    as the store's load does (``event_stats``), from the few events of a refresh."""
    return event_stats(
        pd.Index(ids).get_indexer(events["interaction_id"]),
        _factorized(events["action"]),
        events["at"].array.asi8,
        len(ids),
        STATS,
    )


def _factorized(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, names = pd.factorize(values)
    return np.asarray(codes, dtype=np.int64), [str(n) for n in names]


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
    out = pd.DataFrame(columns, copy=False)  # no consolidation: that would copy every column
    if not new.empty and len(frame) and _before(new, frame):
        out = out.sort_values(["arrived_at", "interaction_id"], kind="stable")
        out = out.reset_index(drop=True)
    return out


def _same(column: pd.Series, pos: np.ndarray, values: pd.Series) -> bool:
    """Whether the column holds ``values`` at ``pos`` (missing equal to missing)."""
    return all(
        x == y or (pd.isna(x) and pd.isna(y))
        for x, y in zip(_take(column, pos), values.array, strict=True)
    )


def _take(column: pd.Series, pos: np.ndarray) -> list[object]:
    """The column's values at ``pos``. A text column is a chunked Arrow array (appends add
    chunks) and Arrow's take joins the chunks first, which copies the whole column: here each
    position is read from its own chunk instead."""
    chunked = getattr(column.array, "_pa_array", None)
    if chunked is None or chunked.num_chunks <= 1:
        return list(column.array.take(pos))
    ends = np.cumsum([len(c) for c in chunked.chunks])
    which = np.searchsorted(ends, pos, side="right")
    starts = ends - np.array([len(c) for c in chunked.chunks])
    out: list[object] = []
    for k, p in zip(which, pos, strict=True):
        value = chunked.chunk(int(k))[int(p - starts[k])].as_py()
        out.append(np.nan if value is None else value)
    return out


def _before(new: pd.DataFrame, frame: pd.DataFrame) -> bool:
    """Whether the first new row sorts before the frame's last (read column by column: a row
    of a million-row frame across all its columns costs as much as a column)."""
    first = (new["arrived_at"].iloc[0], new["interaction_id"].iloc[0])
    return bool(first < (frame["arrived_at"].iloc[-1], frame["interaction_id"].iloc[-1]))


def _put(
    column: pd.Series, pos: np.ndarray, values: pd.Series, tail: pd.Series, same: bool
) -> pd.Series:
    if isinstance(column.array, pd.arrays.DatetimeArray) or isinstance(column.dtype, np.dtype):
        return _put_array(column, pos, values, tail, same)
    out = column
    if not same:
        out = column.copy()
        out.iloc[pos] = values.astype(column.dtype).array
    if len(tail):
        out = pd.concat([out, tail.astype(column.dtype)], ignore_index=True)
    return _compact(out)


def _raw(values: pd.Series, dtype: object) -> np.ndarray:
    """A numeric or time column's numpy values (times as ``datetime64[us]``) in ``dtype``."""
    array = values.astype(dtype).array
    if isinstance(array, pd.arrays.DatetimeArray):
        return array._ndarray
    return np.asarray(array)


def _put_array(
    column: pd.Series, pos: np.ndarray, values: pd.Series, tail: pd.Series, same: bool
) -> pd.Series:
    """``_put`` for a numpy-backed column (counts, seconds, flags, times): one new array,
    written once, instead of a copy and then a concatenation."""
    base = _raw(column, column.dtype)
    n = len(base)
    out = np.empty(n + len(tail), dtype=base.dtype)
    out[:n] = base
    if not same:
        out[pos] = _raw(values, column.dtype)
    if len(tail):
        out[n:] = _raw(tail, column.dtype)
    if isinstance(column.array, pd.arrays.DatetimeArray):
        times = pd.arrays.DatetimeArray._simple_new(out, dtype=column.dtype)
        return pd.Series(times, name=column.name, copy=False)
    return pd.Series(out, name=column.name, copy=False)


def _compact(column: pd.Series) -> pd.Series:
    """Join a text column's pieces once appends have split it into many."""
    chunked = getattr(column.array, "_pa_array", None)
    if chunked is None or chunked.num_chunks <= _MAX_CHUNKS:
        return column
    return pd.Series(pd.array(chunked.combine_chunks(), dtype=column.dtype), name=column.name)


def _put_categorical(
    column: pd.Series, pos: np.ndarray, values: pd.Series, tail: pd.Series, same: bool
) -> pd.Series:
    """Write into a categorical column, keeping its categories the values present, sorted.

    The work grows with the rows written, not with the categories (contacts are tens of
    thousands): new categories are found by hash lookup, and only the categories of the
    overwritten values can fall out of use."""
    categories = column.cat.categories
    dtype = column.dtype
    incoming = pd.Index(pd.concat([values, tail]).dropna().astype(str).unique(), dtype="str")
    extra = incoming[categories.get_indexer(incoming) < 0]
    old = column.cat.codes.to_numpy()
    codes = np.empty(len(old) + len(tail), dtype=np.int32)  # written once, appends included
    codes[: len(old)] = old
    replaced = codes[pos] if not same else codes[:0]
    if len(extra):
        wider = categories.append(extra).sort_values()
        codes[: len(old)] = _recode(codes[: len(old)], wider.get_indexer(categories))
        replaced = _recode(replaced, wider.get_indexer(categories))
        categories, dtype = wider, pd.CategoricalDtype(wider)
    if not same:
        codes[pos] = categories.get_indexer(values.astype(object))
    if len(tail):
        codes[len(old) :] = categories.get_indexer(tail.astype(object))
    candidates = np.unique(replaced[replaced >= 0])
    gone = candidates[:0]
    if len(candidates):  # one pass over the codes, with a lookup table (kind="table")
        still = codes[np.isin(codes, candidates, kind="table")]
        gone = np.setdiff1d(candidates, still)
    if len(gone):
        used = np.ones(len(categories), dtype=bool)
        used[gone] = False
        codes = _recode(codes, np.cumsum(used) - 1)
        categories = categories[used]
        dtype = pd.CategoricalDtype(categories)
    written = pd.Categorical.from_codes(codes, dtype=dtype, validate=False)  # codes made here
    return pd.Series(written, name=column.name, copy=False)


def _recode(codes: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """Codes through ``mapping`` (old code -> new code); missing (-1) stays missing."""
    if not len(mapping):
        return codes.copy()
    return np.where(codes < 0, -1, mapping[np.maximum(codes, 0)]).astype(np.int32)

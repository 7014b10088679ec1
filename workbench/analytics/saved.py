"""A live ledger's copy on disk, so that the next dashboard opened on the store starts from it.

A first load reads every interaction, transcript line and event of the store: on SQLite, Python's
driver hands each value over as a Python object, about 30 million of them for a million
interactions, and that is most of the half minute it takes. A saved copy holds the ledger's
frame (Parquet) with what the live ledger needs to go on from it: the newest event and X call
ids it includes, the time of that event, the ids still awaited (gaps), and the X calls' spend
since its start. ``LiveLedger(store, saved=path)`` reads the copy, checks it belongs to this
store and is not too far behind, then applies the events appended since, as any refresh does;
otherwise (no copy, another store's, an older format, a damaged file) it loads the store whole
and saves a new copy. A copy is only ever read as data (Parquet), never executed.

There is no library for this: it is the live ledger's own state.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from workbench.store import Store

FORMAT = 2
"""The layout and meaning of a saved copy's columns; a copy of another is not read (raise it
when a column's definition changes). A copy written under another schema revision of the
store is not read either."""
SUFFIX = ".ledger.parquet"
_KEY = b"workbench.ledger"

SpendKey = tuple[pd.Timestamp, str, str]
"""A ``spend`` entry's key: the UTC day (its midnight), the timeline and the kind of call."""


class Saved(NamedTuple):
    """What a live ledger needs to go on from where it was."""

    frame: pd.DataFrame
    last_event: int
    event_at: datetime
    """When the event ``last_event`` happened: the store's log must have it at that time."""
    last_call: int
    gaps: list[int]
    call_gaps: list[int]
    since: pd.Timestamp
    """``spend`` counts the X calls from then on."""
    spend: dict[SpendKey, np.ndarray]


def beside(store: Store) -> Path | None:
    """Where the copy of a SQLite store's ledger goes: beside its file (``shop.db`` →
    ``shop.db.ledger.parquet``); None for an in-memory store or PostgreSQL (whose first load
    streams Arrow columns and needs no copy)."""
    database = store.engine.url.database
    if store.dialect != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a URI filename: no plain path to put a file beside
        return None
    path = Path(database)
    return path.with_name(path.name + SUFFIX)


def dtypes(frame: pd.DataFrame) -> list[list[str]]:
    """The columns and their types (categories aside), which a copy must have."""
    return [
        [str(name), "category" if isinstance(dtype, pd.CategoricalDtype) else str(dtype)]
        for name, dtype in frame.dtypes.items()
    ]


def write(path: Path, saved: Saved) -> None:
    """Write ``saved`` to ``path``, whole or not at all (a temporary file renamed over it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from workbench.store import head_revision

    meta = {
        "format": FORMAT,
        "revision": head_revision(),
        "columns": dtypes(saved.frame),
        "last_event": saved.last_event,
        "event_at": saved.event_at.isoformat(),
        "last_call": saved.last_call,
        "gaps": saved.gaps,
        "call_gaps": saved.call_gaps,
        "since": saved.since.isoformat(),
        "spend": [
            [key[0].isoformat(), key[1], key[2], *(int(v) for v in values)]
            for key, values in saved.spend.items()
        ],
    }
    table = pa.Table.from_pandas(saved.frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), _KEY: json.dumps(meta).encode()}
    )
    fd, part = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    os.close(fd)
    try:
        pq.write_table(table, part, compression="zstd")
        os.replace(part, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(part)
        raise


def read(path: Path, expected: pd.DataFrame) -> Saved | None:
    """The copy at ``path`` if there is one of this layout whose columns are those of
    ``expected`` (an empty ledger); None otherwise (absent, damaged, another layout)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from workbench.store import head_revision

    try:
        meta = json.loads(pq.read_schema(path).metadata[_KEY])
        if meta.get("format") != FORMAT or meta.get("revision") != head_revision():
            return None
        if meta.get("columns") != dtypes(expected):
            return None
        frame = pq.read_table(path).to_pandas()
        for name, dtype in frame.dtypes.items():  # Parquet keeps no type for no categories
            if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.dtype != "str":
                cats = pd.Index(dtype.categories, dtype="str")
                frame[name] = frame[name].cat.rename_categories(cats)
        if dtypes(frame) != dtypes(expected):
            return None
        spend = {
            (pd.Timestamp(at), str(timeline), str(kind)): np.array(values, dtype=np.int64)
            for at, timeline, kind, *values in meta["spend"]
        }
        return Saved(
            frame,
            int(meta["last_event"]),
            datetime.fromisoformat(meta["event_at"]),
            int(meta["last_call"]),
            [int(g) for g in meta["gaps"]],
            [int(g) for g in meta["call_gaps"]],
            pd.Timestamp(meta["since"]),
            spend,
        )
    except (OSError, KeyError, TypeError, ValueError, pa.ArrowException):
        return None

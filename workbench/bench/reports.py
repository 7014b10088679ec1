"""Exports: our CSV and Parquet writers against pandas' own ``to_csv`` and ``to_parquet`` of the
same frame, and the peak memory of the streamed CSV export against the ledger's size.

The ledger is synthetic (``bench.metrics.synthetic_ledger``, with a customer's message and a
display name per row, as the store's ledger has), so the rows measure the writers, not the
store's reads; the streamed export is fed one chunk at a time, as ``analytics.ledger.chunks``
feeds it from the store.
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.bench import Result, benchmark
from workbench.bench.metrics import synthetic_ledger

FULL = 1_000_000
CHUNK = 5_000
NOW = pd.Timestamp("2026-03-02 12:00", tz="UTC")
PHRASES = [
    "my order is late",
    '=HYPERLINK("http://x")',
    "thanks for the quick help!",
    "app crashes on login since the update",
    "where is my refund? #fail",
]


def _ledger(n: int, seed: int = 7) -> pd.DataFrame:
    frame = synthetic_ledger(n, NOW, seed)
    rng = np.random.default_rng(seed)
    frame["contact_name"] = pd.Categorical(frame["contact"].astype(str).str.title())
    frame["text"] = pd.Series(rng.choice(PHRASES, n)).to_numpy(dtype=object)
    frame["tweet_url"] = "https://x.com/" + frame["contact"].astype(str) + "/status/1"
    return frame


def _best(fn: Callable[[], object], repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _size(scale: float) -> int:
    return max(2_000, int(FULL * scale))


def _name(what: str, n: int) -> str:
    return f"report: {'1M' if n == FULL else f'{n:,}'} ledger rows to {what}"


@benchmark("report: 1M ledger rows to Parquet")
def parquet_1m(scale: float) -> Result:
    from workbench.reports.export import Report, write

    n = _size(scale)
    frame = _ledger(n)
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        ours = _best(lambda: write(Report(frame), "parquet", Path(tmp) / "ours.parquet"))
        bare = _best(lambda: frame.to_parquet(Path(tmp) / "bare.parquet", index=False))
    return Result(_name("Parquet", n), ours, bare, "s")


@benchmark("report: 1M ledger rows to CSV")
def csv_1m(scale: float) -> Result:
    """Ours neutralises formulas and writes times as ISO text with their offset; pandas writes
    the frame as it is."""
    from workbench.reports.export import Report, write

    n = _size(scale)
    frame = _ledger(n)
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        ours = _best(lambda: write(Report(frame), "csv", Path(tmp) / "ours.csv"))
        bare = _best(lambda: frame.to_csv(Path(tmp) / "bare.csv", index=False))
    return Result(_name("CSV", n), ours, bare, "s")


@benchmark("report: peak memory of the streamed CSV export")
def csv_stream_memory(scale: float) -> Result:
    """Peak memory (tracemalloc, which numpy reports to) while streaming the rows a chunk at a
    time, against the in-memory size of the whole ledger: goal under a third."""
    from workbench.reports.export import write_csv_stream

    n = _size(scale)
    whole = float(_ledger(n).memory_usage(deep=True).sum()) / 2**20

    def chunks() -> Iterator[pd.DataFrame]:
        for k in range(0, n, CHUNK):
            yield _ledger(min(CHUNK, n - k), seed=k)

    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        tracemalloc.start()
        try:
            write_csv_stream(chunks(), n, Path(tmp) / "stream.csv", progress=False)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    label = "1M" if n == FULL else f"{n:,}"
    return Result(
        f"report: peak memory of the streamed CSV export, {label} rows", peak, whole, "MB"
    )

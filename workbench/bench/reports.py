"""Exports against the writer a data engineer would use, in one run.

- CSV: ``write(Report(frame), "csv")`` (formula-safe for a spreadsheet, times as ISO text in UTC
  with the offset, every batch streamed) against pyarrow's ``write_csv`` of the same table (the
  frame as Arrow, written as it is). Goal: at most 1.5.
- Excel: ``write(Report(frame), "xlsx")`` (the data sheet streamed in constant memory, plus the
  summary sheets and their charts) against bare XlsxWriter in constant-memory mode writing the
  same cells (the frame's values as text, numbers, times and booleans, row after row). Goal:
  at most 1.3.
- Parquet: ours (a row group per batch) against pandas' ``to_parquet`` of the frame.
- A year of a busy brand: ``workbench report --format csv`` of a SQLite store of 3,650,000
  interactions (10,000 a day with their events and transcripts), in a process of its own, its
  time against the 60 s goal and the peak memory of its processes (the reader process
  included; proportional set sizes, so a library both map counts once) against the 300 MB
  goal. ``scale`` shrinks the store (the name says the size run);
  ``WORKBENCH_BENCH_CACHE`` names a folder that keeps the filled store between runs.

The frames are synthetic (``bench.metrics.synthetic_ledger``, with a customer's message, a
display name and the ledger's further columns), so the rows measure the writers.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.bench import Result, benchmark
from workbench.bench.ledger import AGENTS, interaction_row
from workbench.bench.metrics import synthetic_ledger

FULL = 1_000_000
YEAR = 3_650_000
NOW = pd.Timestamp("2026-03-02 12:00", tz="UTC")
PHRASES = [
    "@AcmeSupport my order is late",
    '=HYPERLINK("http://x")',
    "thanks for the quick help!",
    "app crashes on login since the update",
    "where is my refund? #fail",
]


def _ledger(n: int, seed: int = 7) -> pd.DataFrame:
    frame = synthetic_ledger(n, NOW, seed)
    rng = np.random.default_rng(seed)
    frame["contact_name"] = pd.Categorical(frame["contact"].astype(str).str.title())
    frame["text"] = pd.array(rng.choice(PHRASES, n), dtype="str")
    frame["tweet_url"] = "https://x.com/" + frame["contact"].astype(str) + "/status/1"
    frame["reopens"] = np.zeros(n, dtype=np.int32)
    frame["previous_id"] = pd.array([None] * n, dtype="str")
    frame["deleted"] = np.zeros(n, dtype=bool)
    frame["api_cost"] = np.zeros(n)
    return frame


def _best(fn: Callable[[], object], repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _size(scale: float, full: int = FULL) -> int:
    return max(2_000, int(full * scale))


def _name(what: str, n: int) -> str:
    return f"report: {'1M' if n == FULL else f'{n:,}'} ledger rows to {what}"


@benchmark("report: 1M ledger rows to CSV")
def csv_1m(scale: float) -> Result:
    """Ours neutralises formulas and writes times as ISO text with their offset; pyarrow's
    writer writes the same table as it is."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from workbench.reports.export import Report, write

    n = _size(scale)
    frame = _ledger(n)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        ours = _best(lambda: write(Report(frame), "csv", Path(tmp) / "ours.csv", force=True))
        bare = _best(lambda: pacsv.write_csv(table, str(Path(tmp) / "bare.csv")))
    return Result(_name("CSV (pyarrow write_csv of the same table)", n), ours, bare, "s")


def _bare_xlsx(frame: pd.DataFrame, path: Path) -> float:
    """Bare XlsxWriter in constant-memory mode writing the frame's cells row after row (the
    values made Python objects first, outside the timing), as a person would write it."""
    import xlsxwriter

    columns = []
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            local = series.dt.tz_convert("UTC").dt.tz_localize(None)
            values = [None if pd.isna(v) else v.to_pydatetime() for v in local]
            columns.append(("time", values))
        elif pd.api.types.is_bool_dtype(series.dtype):
            columns.append(("bool", series.tolist()))
        elif pd.api.types.is_numeric_dtype(series.dtype):
            columns.append(("number", [None if pd.isna(v) else v for v in series.tolist()]))
        else:
            values = series.astype(object).where(series.notna(), None).tolist()
            columns.append(("text", [v or None for v in values]))
    t0 = time.perf_counter()
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("interactions")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for col, name in enumerate(frame.columns):
        sheet.write_string(0, col, str(name))
    for r in range(len(frame)):
        row = r + 1
        for col, (kind, values) in enumerate(columns):
            value = values[r]
            if value is None:
                continue
            if kind == "text":
                sheet.write_string(row, col, value)
            elif kind == "number":
                sheet.write_number(row, col, value)
            elif kind == "time":
                sheet.write_datetime(row, col, value, when)
            else:
                sheet.write_boolean(row, col, value)
    book.close()
    return time.perf_counter() - t0


@benchmark("report: 1M ledger rows to Excel")
def xlsx_1m(scale: float) -> Result:
    """Ours writes the data sheet streamed in constant memory (with the queue and disposition
    labels) and the summary sheets; the baseline writes the same data cells alone."""
    from workbench.reports.export import Report, write

    n = _size(scale)
    frame = _ledger(n)
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        t0 = time.perf_counter()
        write(Report(frame), "xlsx", Path(tmp) / "ours.xlsx", force=True)
        ours = time.perf_counter() - t0
        bare = _bare_xlsx(frame, Path(tmp) / "bare.xlsx")
    return Result(_name("Excel (bare XlsxWriter, constant memory)", n), ours, bare, "s")


@benchmark("report: 1M ledger rows to Parquet")
def parquet_1m(scale: float) -> Result:
    from workbench.reports.export import Report, write

    n = _size(scale)
    frame = _ledger(n)
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        ours = _best(
            lambda: write(Report(frame), "parquet", Path(tmp) / "ours.parquet", force=True)
        )
        bare = _best(lambda: frame.to_parquet(Path(tmp) / "bare.parquet", index=False))
    return Result(_name("Parquet (pandas to_parquet)", n), ours, bare, "s")


# --- a year of a busy brand, from the store ---------------------------------------------------

_BATCH = 20_000


def _year_rows(
    i: int, iid: str, at: datetime, rng: random.Random, contacts: int, keys: tuple[str, ...]
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """One handled interaction as a desk leaves it: its row, its events (arrived, routed,
    offered, accepted, reply, answered, disposition, done) and its transcript (the customer's
    message, the agent's reply)."""
    mention = rng.random() < 0.7
    agent = rng.choice(AGENTS)
    source = str((1_796_000_000_000_000_000 if mention else 2 * 10**17) + i)
    text = f"@brand {rng.choice(PHRASES)} #{i}"
    code = rng.choice(["resolved", "answered_question", "thanked", "spam", "refund_issued"])
    row = interaction_row(
        keys,
        iid,
        at,
        mention,
        source,
        text,
        rng,
        contacts,
        "done",
        agent,
        ["positive", "negative", "neutral", "undeclared"],
        ["actionable", "not_actionable", "undeclared"],
        lambda: code,
    )
    seconds = [0, 1, 30, 45, rng.randint(60, 900)]
    replied = at + timedelta(seconds=seconds[-1])
    events: list[tuple[Any, ...]] = [
        (at, iid, None, "arrived", {}),
        (at + timedelta(seconds=1), iid, None, "routed", {}),
        (at + timedelta(seconds=30), iid, agent, "offered", {}),
        (at + timedelta(seconds=45), iid, agent, "accepted", {}),
        (replied, iid, agent, "reply", {}),
        (replied + timedelta(seconds=1), iid, None, "answered", {}),
        (replied + timedelta(seconds=20), iid, agent, "disposition_set", {"code": code}),
        (replied + timedelta(seconds=30), iid, agent, "done", {}),
    ]
    lines: list[tuple[Any, ...]] = [
        (iid, at, "inbound", "customer", text, "mention" if mention else "dm", source, {}),
        (iid, replied, "outbound", agent, "Sorry about that, we are on it", "reply", None, {}),
    ]
    return row, events, lines


def _fill_year(url: str, n: int) -> None:
    """``n`` handled interactions over a year, in bulk (the store's own bulk insert)."""
    from workbench.domain import Contact
    from workbench.store import Store, new_ids
    from workbench.store import schema as t
    from workbench.store._bulk import insert_rows
    from workbench.store._rows import EVENT_KEYS, INTERACTION_KEYS, TRANSCRIPT_KEYS, contact_row

    store = Store(url)
    try:
        store.load_reference_data()
        contacts = n // 20 + 1
        now = datetime.now(UTC)
        people = [
            contact_row(Contact(f"c{k}", f"user{k}", f"Customer {k}"), now) for k in range(contacts)
        ]
        with store.transaction() as conn:
            insert_rows(conn, t.contacts, tuple(people[0]), [tuple(p.values()) for p in people])
        rng = random.Random(7)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        step = 365 * 86_400 / n
        for first in range(0, n, _BATCH):
            count = min(first + _BATCH, n) - first
            made = [
                _year_rows(
                    first + k,
                    iid,
                    start + timedelta(seconds=(first + k) * step),
                    rng,
                    contacts,
                    INTERACTION_KEYS,
                )
                for k, iid in enumerate(new_ids(count))
            ]
            with store.transaction() as conn:
                insert_rows(conn, t.interactions, INTERACTION_KEYS, [m[0] for m in made])
                insert_rows(conn, t.events, EVENT_KEYS, [e for m in made for e in m[1]])
                insert_rows(conn, t.transcript, TRANSCRIPT_KEYS, [x for m in made for x in m[2]])
    finally:
        store.close()


def _year_store(n: int, folder: Path) -> Path:
    """A SQLite file of ``n`` interactions over a year (kept in ``WORKBENCH_BENCH_CACHE``)."""
    from workbench.store import head_revision

    cache = os.environ.get("WORKBENCH_BENCH_CACHE")
    keep = Path(cache) if cache else folder
    keep.mkdir(parents=True, exist_ok=True)
    path = keep / f"year-{n}-{head_revision()}.db"
    if not path.exists():
        part = path.with_suffix(".part")
        for stale in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
            stale.unlink(missing_ok=True)
        _fill_year(f"sqlite:///{part}", n)
        part.rename(path)
    return path


def _tree_rss(pid: int) -> int:
    """Memory (bytes) of process ``pid`` and its descendants: their proportional set sizes
    (Linux's /proc ``smaps_rollup``: a page shared by the two, pyarrow's library for one,
    counts half in each, so the sum is what they take together)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as status:
                for line in status:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
            with open(f"/proc/{p}/task/{p}/children") as children:
                todo += [int(c) for c in children.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


_YEAR_RUNS: dict[int, tuple[float, float]] = {}


def _year_run(scale: float) -> tuple[int, float, float]:
    """(size, seconds, peak MB) of ``workbench report --format csv`` of the year's store."""
    n = _size(scale, YEAR)
    if n in _YEAR_RUNS:
        return n, *_YEAR_RUNS[n]
    with tempfile.TemporaryDirectory(prefix="wb-bench-year-") as tmp:
        store = _year_store(n, Path(tmp))
        out = Path(tmp) / "year.csv"
        command = [
            sys.executable, "-m", "workbench", "report", "--db-url", f"sqlite:///{store}",
            "--format", "csv", "--output", str(out), "--quiet",
        ]  # fmt: skip
        peak = 0
        t0 = time.perf_counter()
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        stop = threading.Event()

        def watch() -> None:
            nonlocal peak
            while not stop.wait(0.05):
                peak = max(peak, _tree_rss(process.pid))

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, err = process.communicate()
        seconds = time.perf_counter() - t0
        stop.set()
        watcher.join()
        if process.returncode != 0:
            raise RuntimeError(f"workbench report failed: {err.strip()[-500:]}")
        rows = sum(1 for _ in out.open("rb")) - 1
        if rows != n:
            raise RuntimeError(f"{rows} rows written, {n} expected")
    _YEAR_RUNS[n] = (seconds, peak / 2**20)
    return n, seconds, peak / 2**20


def _year_label(n: int) -> str:
    size = "3.65M" if n == YEAR else f"{n:,}"
    return f"report: a year of a busy brand ({size} interactions) to CSV from the store"


@benchmark("report: a year of a busy brand (3.65M interactions) to CSV from the store")
def year_seconds(scale: float) -> Result:
    n, seconds, _ = _year_run(scale)
    return Result(f"{_year_label(n)} (baseline: the 60 s goal)", seconds, 60.0, "s")


@benchmark("report: peak memory of a year of a busy brand to CSV from the store")
def year_memory(scale: float) -> Result:
    n, _, peak = _year_run(scale)
    return Result(
        f"{_year_label(n)}, peak memory with its reader (baseline: the 300 MB goal)",
        peak,
        300.0,
        "MB",
    )

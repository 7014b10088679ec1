"""The reader process of a large SQLite store: queries answered as Arrow files, read with ADBC.

Python's sqlite3 makes a Python object of every value it reads, which is most of the time a
first load of a million interactions takes. ADBC's SQLite driver fills Arrow columns in C, about
four times faster, but it bundles its own copy of SQLite, and two copies of SQLite in one
process break each other's POSIX file locks (SQLite's "how to corrupt" page, 2.2). So it runs
here, in a process of its own, which to SQLite is one more reader like any other.

Run as ``python -m workbench.store._sqlite_reader DATABASE FOLDER``. It reads one query per
line on stdin (a JSON string), runs them all in one read transaction (one snapshot of the
store), writes each answer as an Arrow IPC file in FOLDER and prints one JSON line per query,
``{"file": path}`` or ``{"error": message}``, in order. It stops at the end of its input. A
thread takes the queries off its input as they come, so a caller sending the next ones (an
export announcing its next batch, a megabyte of SQL) never waits for the one running.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

#: ADBC infers each column's type from the first batch of rows; a batch as large as any answer
#: means it sees every value (a column empty at first and text later would fail otherwise;
#: the driver takes at most about a billion).
BATCH_ROWS = 1_000_000_000


def main(database: str, folder: str) -> int:
    import adbc_driver_sqlite.dbapi as driver
    import pyarrow as pa

    # autocommit off: ADBC begins a transaction, and SQLite fixes its snapshot at the first read
    connection = driver.connect(Path(database).resolve().as_uri(), autocommit=False)
    cursor = connection.cursor()
    cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
    cursor.execute("PRAGMA query_only = 1")
    out = sys.stdout
    for n, line in enumerate(_lines_ahead()):
        try:
            cursor.execute(json.loads(line))
            table = cursor.fetch_arrow_table()
            path = Path(folder) / f"{n}.arrow"
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
                w.write_table(table)
            answer = {"file": str(path)}
        except Exception as exc:  # told to the caller, which reads in-process instead
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()
    cursor.close()
    connection.rollback()
    connection.close()
    return 0


def _lines_ahead() -> Iterator[str]:
    """The lines of the input, read by a thread as soon as they are written."""
    lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def read() -> None:
        try:
            for line in sys.stdin:
                lines.put(line)
        finally:
            lines.put(None)

    threading.Thread(target=read, name="queries", daemon=True).start()
    while (line := lines.get()) is not None:
        yield line


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

"""The text of the store's JSON columns, written by msgspec's encoder.

Ingest writes two JSON values per message (its arrival event's details, its transcript line's);
``json.dumps`` spent more time on them than SQLite spent storing the rows. msgspec writes the
same JSON (compact, and UTF-8 as it is rather than ``\\u`` escapes) about ten times faster, and
reads back with any JSON reader. Every engine of the store serializes with it (``engine``).
"""

from __future__ import annotations

from typing import Any

import msgspec

_encode = msgspec.json.Encoder().encode


def dumps(value: Any) -> str:
    """``value`` as JSON text."""
    return _encode(value).decode()

"""The text of the store's JSON columns, written by msgspec's encoder.

Ingest writes two JSON values per message (its arrival event's details, its transcript line's);
``json.dumps`` spent more time on them than SQLite spent storing the rows. msgspec writes the
same JSON (compact, and UTF-8 as it is rather than ``\\u`` escapes) about ten times faster, and
reads back with any JSON reader. Every engine of the store serializes with it (``engine``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec


def _as_json(value: Any) -> Any:
    """What ``json.dumps`` would write for a value msgspec leaves to its caller: subclasses of
    the JSON types (an e-mail header is a ``str``), as their base type."""
    for base in (str, int, float):
        if isinstance(value, base):
            return base(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list | tuple):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_encode = msgspec.json.Encoder(enc_hook=_as_json).encode


def dumps(value: Any) -> str:
    """``value`` as JSON text."""
    return _encode(value).decode()

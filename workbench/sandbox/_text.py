"""Tweet text as X treats it: weighted length, t.co wrapping of URLs, @mention entities."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from workbench.text import extract_mentions_with_indices, weighted_length

MAX_WEIGHTED = 280
TCO_LENGTH = 23
_TCO_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def too_long(text: str) -> bool:
    """Whether X refuses ``text`` for its length (over 280 weighted characters)."""
    # Every character weighs at most 2 and every URL (which needs a dot) 23: under that bound
    # the text surely fits, and the full count (about 1 ms a tweet) is skipped.
    if len(text) * 2 + text.count(".") * TCO_LENGTH <= MAX_WEIGHTED:
        return False
    try:
        return weighted_length(text) > MAX_WEIGHTED
    except ValueError:  # text too absurd to scan for links is surely too long
        return True


def tco_code(n: int) -> str:
    """A 10-character t.co path for counter ``n`` (stable, distinct)."""
    n = (n * 0x9E3779B97F4A7C15 + 0x5BD1E995) % (62**10)
    out = []
    for _ in range(10):
        n, r = divmod(n, 62)
        out.append(_TCO_ALPHABET[r])
    return "".join(out)


def _display(expanded: str) -> str:
    shown = re.sub(r"^https?://(www\.)?", "", expanded)
    # As X shows it: no scheme, no www., cut after 35 characters ("host/path-…").
    return shown if len(shown) <= 35 else shown[:35] + "…"


def wrap_urls(text: str, next_code: Callable[[], str]) -> tuple[str, list[dict[str, Any]]]:
    """Replace each URL with a t.co link as X does; return the new text and ``entities.urls``."""
    from twitter_text import extract_urls_with_indices

    if "." not in text:
        return text, []
    found = extract_urls_with_indices(text)
    if not found:
        return text, []
    pieces: list[str] = []
    urls: list[dict[str, Any]] = []
    last = 0
    length = 0
    for item in found:
        start, end = item["indices"]
        pieces.append(text[last:start])
        length += start - last
        original = item["url"]
        expanded = original if re.match(r"^https?://", original, re.I) else "http://" + original
        tco = f"https://t.co/{next_code()}"
        urls.append(
            {
                "start": length,
                "end": length + len(tco),
                "url": tco,
                "expanded_url": expanded,
                "display_url": _display(expanded),
            }
        )
        pieces.append(tco)
        length += len(tco)
        last = end
    pieces.append(text[last:])
    return "".join(pieces), urls


def mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, username) of each @mention, in code points as X v2 counts them."""
    if "@" not in text and "＠" not in text:
        return []
    return [(m.start, m.end, m.text) for m in extract_mentions_with_indices(text)]

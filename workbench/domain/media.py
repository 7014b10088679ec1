"""A picture, video or GIF a customer attached to a tweet or DM, as X describes it.

X names each by a media key (``3_<id>`` photo, ``7_<id>`` video, ``16_<id>`` animated GIF) and
may leave out any other field; the transcript keeps them as plain dicts (``as_dict``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

KEY_PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}
"""X's media types and the prefix of their media keys."""
KINDS = tuple(KEY_PREFIX)
_KIND_OF_PREFIX = {prefix: kind for kind, prefix in KEY_PREFIX.items()}


def kind_of_key(key: str) -> str:
    """The media type a key's prefix names (``3_...`` photo), ``"unknown"`` for another."""
    return _KIND_OF_PREFIX.get(key.partition("_")[0], "unknown")


def media_key(kind: str, media_id: str) -> str:
    """X's media key of a medium of ``kind`` (``photo`` -> ``3_<id>``)."""
    return f"{KEY_PREFIX.get(kind, KEY_PREFIX['photo'])}_{media_id}"


@dataclass(frozen=True)
class Media:
    """One attached medium. ``url`` is a photo's image, ``preview_url`` a video's or GIF's
    still; either may be missing (X omits what it does not have)."""

    key: str
    kind: str
    url: str | None = None
    preview_url: str | None = None
    alt_text: str | None = None
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None

    @property
    def image_url(self) -> str | None:
        """The still to show: the photo itself, else the video's or GIF's preview."""
        return self.url if self.kind == "photo" else self.preview_url or self.url

    def as_dict(self) -> dict[str, Any]:
        """The fields X gave, as a plain dict (what a transcript line's details hold)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, raw: Any) -> Media | None:
        """A medium from ``as_dict``'s form (or None when ``raw`` is not one): stored details
        come back through here, so odd values are dropped, not trusted."""
        if not isinstance(raw, Mapping) or not isinstance(raw.get("key"), str):
            return None
        key = raw["key"]
        kind = raw.get("kind")

        def text(name: str) -> str | None:
            value = raw.get(name)
            return value if isinstance(value, str) else None

        def number(name: str) -> int | None:
            value = raw.get(name)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        return cls(
            key=key,
            kind=kind if isinstance(kind, str) and kind in KINDS else kind_of_key(key),
            url=text("url"),
            preview_url=text("preview_url"),
            alt_text=text("alt_text"),
            width=number("width"),
            height=number("height"),
            duration_ms=number("duration_ms"),
        )

"""An inbound or outbound message: a tweet or a direct message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from workbench.domain.media import Media


class Channel(str, Enum):
    """Where an interaction came from."""

    MENTION = "mention"
    DM = "dm"
    OUTBOUND = "outbound"


def expand_links(text: str, urls: Mapping[str, str]) -> str:
    """``text`` with each t.co link replaced by the URL it stands for (``urls``: t.co link to
    expanded URL, as X's ``entities.urls`` give them)."""
    for short, expanded in urls.items():
        text = text.replace(str(short), str(expanded))
    return text


@dataclass(frozen=True)
class Tweet:
    """A tweet or DM as the workbench keeps it (ids are X's decimal strings)."""

    id: str
    author_id: str
    text: str
    created_at: datetime
    channel: Channel = Channel.MENTION
    conversation_id: str | None = None
    in_reply_to_tweet_id: str | None = None
    urls: dict[str, str] = field(default_factory=dict)
    """t.co link -> expanded URL, from the tweet's ``entities.urls``."""
    media: tuple[Media, ...] = ()
    """The photos, videos and GIFs attached (``attachments.media_keys`` and ``includes.media``)."""

    def __post_init__(self) -> None:
        if not self.id or not str(self.id).isdigit():
            raise ValueError(f"Tweet.id: must be X's decimal id string, got {self.id!r}")
        if self.created_at.tzinfo is None:
            raise ValueError("Tweet.created_at: must be timezone-aware (UTC)")

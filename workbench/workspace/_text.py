"""Tweet text rules the workspace needs: ``workbench.text`` when present, else a minimal stand-in
(twitter-text's weighted length, and the contact's @mention put in front of a reply)."""

from __future__ import annotations

from collections.abc import Iterable

try:
    from workbench.text import MAX_WEIGHTED_LENGTH, is_valid_tweet, reply_text, weighted_length
except ModuleNotFoundError as exc:  # pragma: no cover - only in a build without workbench.text
    if exc.name != "workbench.text":
        raise
    import twitter_text

    MAX_WEIGHTED_LENGTH = 280

    def weighted_length(text: str) -> int:
        return int(twitter_text.parse_tweet(text).weightedLength)

    def is_valid_tweet(text: str) -> bool:
        return bool(twitter_text.parse_tweet(text).valid)

    def reply_text(
        body: str,
        contact_username: str,
        participants: Iterable[str] = (),
        brand_username: str | None = None,
    ) -> str:
        if body.lower().startswith(f"@{contact_username.lower()}"):
            return body
        return f"@{contact_username} {body}"


__all__ = ["MAX_WEIGHTED_LENGTH", "is_valid_tweet", "reply_text", "weighted_length"]

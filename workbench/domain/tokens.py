"""A brand account's OAuth 2.0 user-context tokens (what ``workbench auth`` stores and ingest
refreshes): secret, so never in a repr, a log line or an error message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

REFRESH_MARGIN = timedelta(minutes=2)
"""Tokens this close to expiring are refreshed before use."""


@dataclass(frozen=True)
class Tokens:
    """A brand account's OAuth 2.0 user-context tokens. ``username``: who consented (X's
    answer to ``users/me``); read from the store, the brand account they are kept for, in
    lower case."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scopes: tuple[str, ...]
    user_id: str = ""
    username: str = ""

    def __repr__(self) -> str:
        return (
            f"Tokens(user={self.username or self.user_id!r}, scopes={list(self.scopes)}, "
            f"expires_at={self.expires_at.isoformat()}, access_token='***', "
            f"refresh_token={'***' if self.refresh_token else None})"
        )

    __str__ = __repr__

    def expiring(self, now: datetime | None = None) -> bool:
        """Whether the access token has expired or will within ``REFRESH_MARGIN``."""
        return (now or datetime.now(UTC)) >= self.expires_at - REFRESH_MARGIN

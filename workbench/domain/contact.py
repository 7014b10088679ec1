"""The customer on the other side of an interaction."""

from __future__ import annotations

import re
from dataclasses import dataclass

USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
"""An X username (without the @): 1 to 15 ASCII letters, digits or underscores."""


def is_username(text: object) -> bool:
    """Whether ``text`` is an X username (without the @)."""
    return isinstance(text, str) and USERNAME.fullmatch(text) is not None


@dataclass(frozen=True)
class Contact:
    """An X user as the workbench knows them, with the contact record's phone and e-mail."""

    id: str
    username: str
    name: str = ""
    followers_count: int = 0
    statuses_count: int = 0
    follows_brand: bool = False
    dm_open: bool = False
    phone: str | None = None
    email: str | None = None
    verified: bool = False
    """X's verified badge."""

    def __post_init__(self) -> None:
        if not self.username:
            raise ValueError("Contact.username: must not be empty")
        if self.followers_count < 0 or self.statuses_count < 0:
            raise ValueError("Contact counts: must not be negative")

    @property
    def can_receive_dm(self) -> bool:
        """X lets the brand DM a follower, or anyone whose DMs are open."""
        return self.follows_brand or self.dm_open

    @property
    def profile_url(self) -> str:
        return f"https://x.com/{self.username}"

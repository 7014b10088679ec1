"""The X API adapter: the tweepy gateway, the ingest poller and the durable outbox."""

from __future__ import annotations

from workbench.xapi.errors import (
    AuthError,
    BadRequest,
    Forbidden,
    MalformedItem,
    NotFound,
    RateLimited,
    Unavailable,
    XApiError,
)
from workbench.xapi.gateway import Credentials, Gateway
from workbench.xapi.models import DirectMessage, DmSent, Malformed, Page, Post, Sent

__all__ = [
    "AuthError",
    "BadRequest",
    "Credentials",
    "DirectMessage",
    "DmSent",
    "Forbidden",
    "Gateway",
    "Malformed",
    "MalformedItem",
    "NotFound",
    "Page",
    "Post",
    "RateLimited",
    "Sent",
    "Unavailable",
    "XApiError",
]

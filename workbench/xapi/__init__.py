"""The X API adapter: the tweepy gateway, the filtered stream, X's models and errors.

The use cases that drive it live in ``workbench.intake`` (ingest) and ``workbench.outbox``.

Names are imported on first use, so ``workbench --help`` does not load tweepy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    **dict.fromkeys(
        (
            "AuthError",
            "BadRequest",
            "Forbidden",
            "MalformedItem",
            "NotFound",
            "RateLimited",
            "Unavailable",
            "XApiError",
        ),
        "errors",
    ),
    **dict.fromkeys(("Credentials", "Gateway"), "gateway"),
    **dict.fromkeys(("DirectMessage", "DmSent", "Malformed", "Page", "Post", "Sent"), "models"),
}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench.xapi' has no attribute {name!r}")
    return getattr(importlib.import_module(f"workbench.xapi.{module}"), name)

"""What the workspace needs from the world outside the store, as typed Protocols.

A ``Workspace`` is handed an outbox (and, for the default outbox, a gateway) through these
ports; anything with these methods will do: the durable outbox and the X gateway in
production, a recording stand-in in a test or a script. ``workbench.workspace._defaults``
builds today's outbox when none is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from workbench.store import Transaction

if TYPE_CHECKING:
    from workbench.xapi.models import DirectMessage, DmSent, Page, Post, Sent


class OutboxPort(Protocol):
    """Where the workspace writes what goes to X, and what sends it."""

    def enqueue(
        self,
        action: str,
        timeline: str,
        payload: Mapping[str, str],
        *,
        interaction_id: str | None,
        conn: Transaction,
    ) -> str:
        """Write ``action`` (reply, dm, like, ... with its payload, done as ``timeline``) in
        ``conn``'s transaction, so it is kept exactly when the action's event is; return the
        entry's idempotency key."""
        ...

    def run_once(self) -> object:
        """Send what waits (one round). Errors a user can meet (X unreachable, credentials
        missing) are ``WorkbenchError``s: the workspace logs them and goes on."""
        ...


class GatewayPort(Protocol):
    """The X calls the default outbox sends through (``workbench.xapi.gateway.Gateway``)."""

    def post(
        self,
        timeline: str | None,
        text: str,
        *,
        in_reply_to: str | None = None,
        quote_tweet_id: str | None = None,
    ) -> Sent:
        """Tweet ``text`` as ``timeline``: a reply, a quote or a new tweet."""
        ...

    def send_dm(self, timeline: str | None, participant_id: str, text: str) -> DmSent: ...

    def retweet(self, timeline: str | None, tweet_id: str) -> str | None: ...

    def like(self, timeline: str | None, tweet_id: str) -> bool: ...

    def follow(self, timeline: str | None, user_id: str) -> bool: ...

    def unfollow(self, timeline: str | None, user_id: str) -> bool: ...

    def delete(self, timeline: str | None, tweet_id: str) -> bool: ...

    def user_id(self, timeline: str | None = None) -> str:
        """The brand account's X user id (to find its own messages in a DM conversation)."""
        ...

    def search_recent(
        self,
        query: str,
        *,
        timeline: str | None = None,
        start_time: datetime | None = None,
        next_token: str | None = None,
    ) -> Page[Post]:
        """Recent tweets matching ``query`` (to find a tweet an earlier attempt did post)."""
        ...

    def dm_events(
        self,
        timeline: str | None = None,
        *,
        pagination_token: str | None = None,
        participant_id: str | None = None,
    ) -> Page[DirectMessage]:
        """The brand's DM events with a participant (to find a DM an earlier attempt sent)."""
        ...

"""Real-time DMs: ingest follows X's Activity API for the brand accounts that consented.

Each brand account with OAuth 2.0 tokens in the store (``workbench auth``) is subscribed, with
its own token, to ``dm.received``, ``dm.sent`` and ``post.delete``; the app's stream
(``GET /2/activity/stream``, Bearer token) is read with a 5-minute backfill on every
(re)connection. A DM is stored the moment it arrives, through the same code path as a polled
one (``Ingest.store_direct_messages``: idempotent on the DM event id, so the backfill and the
backstop poll never double one); a deleted post goes to ``Ingest.on_post_deleted``. After each
(re)connection ingest polls ``GET /2/dm_events`` once, for what happened while disconnected
beyond the backfill; otherwise that poll runs only as a backstop (``DM_BACKSTOP``: at most 15
per 15 minutes, X's limit for the brand account).

An access token about to expire (or refused with a 401) is refreshed and stored again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workbench.domain.cost import PriceKind
from workbench.domain.tokens import Tokens
from workbench.xapi.activity import (
    BACKFILL_MINUTES,
    DESK_EVENTS,
    DM_EVENTS,
    TAG_PREFIX,
    ActivityClient,
    ActivityEvent,
    deleted_posts,
    direct_messages,
)
from workbench.xapi.errors import AuthError, BadRequest, Forbidden, RateLimited, XApiError
from workbench.xapi.models import ItemError, Malformed
from workbench.xapi.oauth2 import App

if TYPE_CHECKING:
    from workbench.intake.ingest import Ingest

log = logging.getLogger(__name__)

DM_BACKSTOP = 60.0
"""With the activity stream connected, DM events are polled at most this often (s): 15 per
15 minutes, X's per-user limit of ``GET /2/dm_events``."""


class BrandTokens:
    """The brand accounts' OAuth 2.0 tokens in the store, refreshed when they expire."""

    def __init__(self, store: Any, app: App | None) -> None:
        self.store = store
        self.app = app
        self._lock = threading.Lock()

    def timelines(self) -> list[str]:
        return [row.username for row in self.store.tokens.all()]

    def access_token(self, timeline: str, *, refresh: bool = False) -> str:
        """A usable access token of ``timeline`` (refreshed first when about to expire, or when
        ``refresh``: X refused the last one)."""
        with self._lock:
            tokens: Tokens | None = self.store.tokens.get(timeline)
            if tokens is None:
                raise AuthError(
                    f"tokens({timeline})",
                    f"no OAuth 2.0 tokens for {timeline}: run `workbench auth`",
                )
            if refresh or tokens.expiring():
                if self.app is None:
                    raise AuthError(f"tokens({timeline})", "no OAuth 2.0 app to refresh with")
                user_id = tokens.user_id
                tokens = self.app.refresh(tokens)
                self.store.tokens.save(
                    timeline,
                    user_id,
                    tokens.access_token,
                    tokens.refresh_token,
                    tokens.expires_at,
                    tokens.scopes,
                )
                log.info("activity: refreshed the OAuth 2.0 token of %s", timeline)
            return tokens.access_token


class ActivityFollower:
    """Ingest's reader of the Activity API: subscriptions, the stream, reconnections."""

    def __init__(
        self,
        ingest: Ingest,
        tokens: BrandTokens,
        *,
        client: ActivityClient | None = None,
        backfill_minutes: int = BACKFILL_MINUTES,
        on_connect: Callable[[], None] | None = None,
    ) -> None:
        self.ingest = ingest
        self.tokens = tokens
        gateway = ingest.gateway
        self.client = client or ActivityClient(gateway.base_url, gateway.bearer_token)
        self.backfill_minutes = backfill_minutes
        self.on_connect = on_connect
        self.subscribed: set[str] = set()
        """The timelines whose events the stream delivers."""
        self.events = 0
        self.connects = 0

    @property
    def connected(self) -> threading.Event:
        return self.client.connected

    def streaming(self, timeline: str) -> bool:
        """Whether ``timeline``'s DMs arrive through the stream now."""
        return self.connected.is_set() and timeline.lower() in self.subscribed

    # --- subscriptions ------------------------------------------------------------------------

    def ensure_subscriptions(self) -> set[str]:
        """Subscribe each consenting brand account to ``DESK_EVENTS`` where not yet; the
        timelines now subscribed. A timeline whose token X refuses (after a refresh) is left
        to polling."""
        brands = self.ingest.brands()
        ids = {name.lower(): uid for uid, name in brands.items()}
        have = {(s.event_type, s.user_id) for s in self.client.subscriptions()}
        done: set[str] = set()
        for timeline in self.tokens.timelines():
            uid = ids.get(timeline)
            if uid is None:
                continue  # tokens of an account this gateway does not serve
            try:
                for event_type in DESK_EVENTS:
                    if (event_type, uid) not in have:
                        self._subscribe(timeline, event_type, uid)
            except (AuthError, Forbidden) as exc:
                log.warning(
                    "activity: %s is not subscribed (%s); its DMs are polled", timeline, exc
                )
                continue
            done.add(timeline)
        self.subscribed = done
        return done

    def _subscribe(self, timeline: str, event_type: str, user_id: str) -> None:
        tag = f"{TAG_PREFIX}{timeline}"
        try:
            token = self.tokens.access_token(timeline)
            self.client.subscribe(event_type, user_id, user_token=token, tag=tag)
        except AuthError:  # expired or revoked early: refresh once
            token = self.tokens.access_token(timeline, refresh=True)
            self.client.subscribe(event_type, user_id, user_token=token, tag=tag)
        log.info("activity: %s subscribed to %s", timeline, event_type)

    # --- the stream -------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Follow the stream until ``stop`` is set, reconnecting with back-off (X's reset time
        after a 429); returns, logging why, when X refuses it for good."""

        def watch() -> None:
            stop.wait()
            self.client.close_stream()

        watcher = threading.Thread(target=watch, name="activity-stop", daemon=True)
        watcher.start()
        failures = 0
        try:
            while not stop.is_set():
                wait = 0.0
                try:
                    if not self.ensure_subscriptions():
                        log.warning("activity: no brand account subscribed; DMs are polled")
                        return
                    self.connects += 1
                    self.client.stream(
                        self._event,
                        backfill_minutes=self.backfill_minutes,
                        on_malformed=self._malformed,
                        on_connected=self._connected,
                    )
                    failures = 0
                except RateLimited as exc:
                    failures += 1
                    reset = (exc.reset_time or 0) - datetime.now(UTC).timestamp()
                    wait = max(reset + 0.5, min(0.5 * 2**failures, 60.0))
                    log.info("activity: %s; connecting again in %.1f s", exc, wait)
                except (BadRequest, Forbidden) as exc:
                    log.warning("activity: the stream is refused (%s); DMs are polled", exc)
                    return
                except XApiError as exc:
                    failures += 1
                    wait = min(0.5 * 2**failures, 60.0)
                    if not stop.is_set():
                        log.warning("activity: %s; connecting again in %.1f s", exc, wait)
                except Exception as exc:  # anything else: say so, connect again
                    failures += 1
                    wait = min(0.5 * 2**failures, 60.0)
                    log.warning("activity: %s: %s", type(exc).__name__, exc)
                self.ingest._dms_missed.set()  # what the backfill may not cover: poll once
                stop.wait(min(wait, 15 * 60.0) if wait else 0.05)
        finally:
            self.subscribed = set()
            self.client.close()

    def _connected(self) -> None:
        log.info("activity: stream connected to %s", self.client.base_url)
        # what happened between the last poll and this (re)connection, past the backfill
        self.ingest._dms_missed.set()
        if self.on_connect is not None:
            self.on_connect()

    def _timeline(self, event: ActivityEvent) -> str | None:
        return self.ingest.brands().get(event.user_id)

    def _event(self, event: ActivityEvent) -> None:
        self.events += 1
        timeline = self._timeline(event)
        if timeline is None:
            return  # another program of the app subscribed to this account
        try:
            if event.event_type in DM_EVENTS:
                dms = direct_messages(event)
                if (
                    event.event_type == "dm.received"
                ):  # X bills each delivered, as the stream's posts
                    self.ingest.gateway.report(
                        timeline, "GET /2/activity/stream", len(dms), PriceKind.STREAM_DM
                    )
                self.ingest.store_direct_messages(timeline, dms)
            elif event.event_type == "post.delete":
                self.ingest.on_post_deleted(deleted_posts(event), datetime.now(UTC))
        except ItemError as exc:
            self._malformed(
                Malformed(
                    exc.item_id, f"activity {event.event_type}: {exc.rule}", dict(event.payload)
                )
            )
        except Exception as exc:  # the store failed for a moment: the poll fetches it again
            log.warning("activity: %s: %s; left to the poll", type(exc).__name__, exc)
            self.ingest._dms_missed.set()

    def _malformed(self, item: Malformed) -> None:
        self.ingest.quarantine_one(item)

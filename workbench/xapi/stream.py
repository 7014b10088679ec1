"""X's filtered stream of posts mentioning the brand accounts, through tweepy's
``StreamingClient``: what ingest uses to store a mention the moment it is posted instead of
at its next poll.

The stream is app-wide and needs the app's Bearer token (``X_BEARER_TOKEN``; the sandbox has
its own). Each brand account gets one rule, ``@<timeline>``, tagged ``workbench @<timeline>``;
rules that other programs of the same app set are left alone. tweepy reconnects with X's
back-off after network errors and 429s; a refusal (400, 401, 403) ends ``run`` with the
workbench's error, so that the caller keeps polling instead.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

import tweepy

from workbench.domain.cost import PriceKind
from workbench.xapi import models
from workbench.xapi.errors import AuthError, BadRequest, Forbidden, XApiError
from workbench.xapi.gateway import (
    MEDIA_FIELDS,
    TWEET_EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
    X_ORIGIN,
    RewriteAdapter,
    is_real_x,
)
from workbench.xapi.models import Malformed, Post

log = logging.getLogger(__name__)

TAG_PREFIX = "workbench @"
# tweepy waits 21 s for a line; X sends a keep-alive every 20 s.
READ_TIMEOUT = 21.0


def rule_for(timeline: str) -> tuple[str, str]:
    """(value, tag) of the rule that streams the mentions of ``timeline``."""
    return f"@{timeline}", f"{TAG_PREFIX}{timeline}"


class _Client(tweepy.StreamingClient):
    """tweepy's streaming client, its session sent to the gateway's base URL, its callbacks
    handed to the ``MentionStream`` that owns it."""

    def __init__(self, owner: MentionStream, bearer_token: str) -> None:
        super().__init__(bearer_token, return_type=dict, wait_on_rate_limit=False)
        self.owner = owner
        self.response: Any = None
        gateway = owner.gateway
        adapter = RewriteAdapter(gateway.base_url, gateway.timeout)
        self.session.trust_env = False
        self.session.mount(X_ORIGIN, adapter)
        if not is_real_x(gateway.base_url):
            self.session.mount(gateway.base_url, adapter)
        self.session.hooks["response"].append(self._keep_response)

    def _keep_response(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.response = response
        return response

    def on_connect(self) -> None:
        self.owner._connected()

    def on_data(self, raw_data: bytes) -> None:
        self.owner._line(raw_data)

    def on_request_error(self, status_code: int) -> None:
        self.owner._refused(status_code, self.response)

    def on_connection_error(self) -> None:
        if self.running:  # else: close_now() cut the read on purpose
            log.warning("stream: the connection broke; tweepy connects again")

    def on_exception(self, exception: Exception) -> None:
        self.owner.error = exception
        log.error("stream: %s: %s", type(exception).__name__, exception)

    def close_now(self) -> None:
        """Disconnect, and unblock the read in progress (tweepy only checks between lines)."""
        self.disconnect()
        try:
            sock = self.response.raw.connection.sock
            sock.shutdown(socket.SHUT_RDWR)
        except (AttributeError, OSError):
            pass


class MentionStream:
    """Posts mentioning the gateway's timelines, as X posts them.

    ``on_post(timeline, post)`` is called for each (on the stream's thread), ``on_malformed``
    for a line that does not parse, ``on_connect()`` after each (re)connection: what was
    posted while disconnected is the caller's to fetch (ingest polls the mentions timeline).
    """

    def __init__(
        self,
        gateway: Any,
        on_post: Callable[[str, Post], None],
        *,
        on_connect: Callable[[], None] | None = None,
        on_malformed: Callable[[Malformed], None] | None = None,
    ) -> None:
        self.gateway = gateway
        self.on_post = on_post
        self.on_connect = on_connect
        self.on_malformed = on_malformed
        self.error: Exception | None = None
        self.connected = threading.Event()
        self._client: _Client | None = None
        self._tags: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"MentionStream({self.gateway.base_url!r}, timelines={self.gateway.timelines})"

    # --- rules ------------------------------------------------------------------------------

    def _bearer(self) -> str:
        token = self.gateway.bearer_token
        if not token:
            raise AuthError(
                "filtered stream",
                "the filtered stream needs the app's Bearer token: set X_BEARER_TOKEN",
            )
        return str(token)

    def _rules_client(self) -> _Client:
        return _Client(self, self._bearer())

    def ensure_rules(self) -> dict[str, str]:
        """Add the rule of each timeline that lacks one; returns tag -> timeline."""
        client = self._rules_client()
        with self.gateway._edge("get_rules"):
            answer = client.get_rules()
        have = {r.get("value") for r in answer.get("data") or [] if isinstance(r, Mapping)}
        wanted = [rule_for(name) for name in self.gateway.timelines]
        missing = [tweepy.StreamRule(value, tag) for value, tag in wanted if value not in have]
        if missing:
            with self.gateway._edge("add_rules"):
                added = client.add_rules(missing)
            refused = [e for e in added.get("errors") or [] if e.get("title") != "DuplicateRule"]
            if refused:
                first = refused[0]
                raise BadRequest(
                    "add_rules",
                    f"rule {first.get('value')!r} refused: "
                    f"{first.get('detail') or first.get('title')}",
                    400,
                )
        names = self.gateway.timelines
        self._tags = {tag: name for (_, tag), name in zip(wanted, names, strict=True)}
        return dict(self._tags)

    # --- the connection ---------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None) -> None:
        """Stream until ``stop`` is set or ``close()`` is called; raises the workbench's error
        when X refuses the stream for good (no Bearer token, no access to it, bad rules)."""
        self.ensure_rules()
        self.error = None
        client = _Client(self, self._bearer())
        self._client = client
        watcher = None
        if stop is not None:

            def watch() -> None:
                stop.wait()
                client.close_now()

            watcher = threading.Thread(target=watch, name="stream-stop", daemon=True)
            watcher.start()
        try:
            client.filter(
                expansions=TWEET_EXPANSIONS,
                tweet_fields=TWEET_FIELDS,
                media_fields=MEDIA_FIELDS,
                user_fields=USER_FIELDS,
            )
        finally:
            self.connected.clear()
            self._client = None
        if isinstance(self.error, XApiError):
            raise self.error

    def close(self) -> None:
        client = self._client
        if client is not None:
            client.close_now()

    def _connected(self) -> None:
        self.connected.set()
        log.info("stream: connected to %s", self.gateway.base_url)
        if self.on_connect is not None:
            self.on_connect()

    def _refused(self, status: int, response: Any) -> None:
        detail = ""
        try:
            body = response.json()
            detail = str(body.get("detail") or body.get("title") or "")
        except (AttributeError, ValueError):
            pass
        self.connected.clear()
        if status in (400, 401, 403, 404):
            kind = {400: BadRequest, 401: AuthError, 403: Forbidden}.get(status, XApiError)
            self.error = kind("filtered stream", detail or f"X answered {status}", status)
            assert self._client is not None
            self._client.disconnect()
        else:
            log.warning("stream: X answered %s (%s); tweepy retries with back-off", status, detail)

    def _line(self, raw: bytes) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            text = raw[:2000].decode("utf-8", "replace")
            self._malformed(None, "stream: a line that is not JSON", {"raw": text})
            return
        if not isinstance(data, dict) or "data" not in data:
            if isinstance(data, dict) and data.get("errors"):
                log.warning("stream: X says %s", data["errors"])
            return
        self._delivered(data)
        users = models.users_by_id(data.get("includes"))
        item = data["data"]
        try:
            post = models.post(item, users, models.media_by_key(data.get("includes")))
        except (models.ItemError, ValueError, TypeError) as exc:
            item_id = item.get("id") if isinstance(item, dict) else None
            kept = item if isinstance(item, dict) else {"raw": item}
            self._malformed(item_id, f"stream: {exc}", kept)
            return
        timelines = [
            self._tags[m["tag"]]
            for m in data.get("matching_rules") or []
            if isinstance(m, dict) and m.get("tag") in self._tags
        ]
        for timeline in dict.fromkeys(timelines):
            self.on_post(timeline, post)

    def _delivered(self, data: Mapping[str, Any]) -> None:
        """Tell the gateway's recorder of one post delivered (X bills each, parsed or not), as
        the first brand account whose rule it matched."""
        report = getattr(self.gateway, "report", None)
        if report is None:
            return
        tags = [m.get("tag") for m in data.get("matching_rules") or [] if isinstance(m, dict)]
        timeline = next((self._tags[t] for t in tags if t in self._tags), None)
        report(timeline, "GET /2/tweets/search/stream", 1, PriceKind.STREAM_POST)

    def _malformed(self, item_id: str | None, reason: str, raw: dict[str, Any]) -> None:
        if self.on_malformed is not None:
            self.on_malformed(Malformed(item_id, reason, raw))
        else:
            log.warning("%s", reason)

"""X's Activity API (XAA): subscriptions and the activity stream, a small typed client on
requests.

Why not xdk (X's SDK, which can be pointed at any base URL): its ``stream.activity()`` checks
each line against its generated models and drops, with a debug log line only, every line that
fails them; its user model wants ``public_metrics.post_count`` (OpenAPI 2.167) where X's v2
user objects carry ``tweet_count``, so events would be lost unseen. It also writes the
Authorization header onto its shared session on every call (app-only and user-context calls
race), cannot close a stream from another thread, and refreshes tokens through
requests-oauthlib, which refuses a plain-http token URL (the sandbox). tweepy has no Activity
API. Here each line that does not parse is handed over as ``Malformed``; 429s carry X's reset.

Subscriptions to private events (DMs, mentions) are made with the brand account's OAuth 2.0
user-context token; the stream, listing and deleting take the app's Bearer token.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from workbench.domain import Contact, Media
from workbench.domain.media import media_key
from workbench.xapi import models
from workbench.xapi.errors import (
    AuthError,
    BadRequest,
    Forbidden,
    NotFound,
    RateLimited,
    Unavailable,
    XApiError,
)
from workbench.xapi.models import DirectMessage, ItemError, Malformed

log = logging.getLogger(__name__)

DM_EVENTS = ("dm.received", "dm.sent")
DESK_EVENTS = (*DM_EVENTS, "post.delete")
"""What ingest subscribes each brand account to."""
TAG_PREFIX = "workbench "
READ_TIMEOUT = 30.0
"""No byte for this long (X sends a keep-alive every 20 s): the connection is dead."""
BACKFILL_MINUTES = 5


@dataclass(frozen=True)
class Subscription:
    id: str
    event_type: str
    user_id: str
    tag: str | None = None
    direction: str | None = None


@dataclass(frozen=True)
class ActivityEvent:
    """One delivery of the stream."""

    event_type: str
    event_uuid: str
    user_id: str
    """The subscription filter's user: the brand account the event is for."""
    tag: str | None
    payload: Mapping[str, Any]
    includes: Mapping[str, Any] = field(default_factory=dict)


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _subscription(raw: Any) -> Subscription:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("subscription_id"), str):
        raise ItemError(None, "subscription_id is missing")
    flt = _obj(raw.get("filter"))
    return Subscription(
        raw["subscription_id"],
        str(raw.get("event_type") or ""),
        str(flt.get("user_id") or ""),
        raw.get("tag"),
        flt.get("direction"),
    )


def _dm_media(data: Mapping[str, Any]) -> tuple[Media, ...]:
    """The medium of a DM event's ``message_data.attachment`` (X's v1.1 media entity:
    ``media_url_https``, ``type``, ``ext_alt_text``, ``video_info.duration_millis``); a video's
    or GIF's ``media_url_https`` is its still. Nothing when it is missing or not media."""
    attachment = _obj(data.get("attachment"))
    raw = _obj(attachment.get("media"))
    if attachment.get("type") != "media" or not raw:
        return ()
    media_id = raw.get("id_str") or raw.get("id")
    kind = str(raw.get("type") or "photo")
    if not str(media_id or "").isdigit():
        return ()
    url = models.text_field(raw, "media_url_https")
    large = _obj(_obj(raw.get("sizes")).get("large"))
    return (
        Media(
            key=media_key(kind, str(media_id)),
            kind=kind,
            url=url if kind == "photo" else None,
            preview_url=None if kind == "photo" else url,
            alt_text=models.text_field(raw, "ext_alt_text"),
            width=models.int_field(large, "w"),
            height=models.int_field(large, "h"),
            duration_ms=models.int_field(_obj(raw.get("video_info")), "duration_millis"),
        ),
    )


def direct_messages(event: ActivityEvent) -> list[DirectMessage]:
    """The DMs of a ``dm.received``/``dm.sent`` payload, each with its sender as the brand
    account sees them (``users`` map); raises ItemError naming what is missing."""
    payload = event.payload
    raw_users = _obj(payload.get("users"))
    users: dict[str, Contact] = {}
    for uid, wrapped in raw_users.items():
        data = wrapped.get("data") if isinstance(wrapped, Mapping) else None
        if isinstance(data, Mapping):
            try:
                users[str(uid)] = models.contact(data)
            except (ItemError, ValueError, TypeError):
                continue
    events = payload.get("direct_message_events")
    if not isinstance(events, list) or not events:
        raise ItemError(event.event_uuid, "payload.direct_message_events is missing")
    out = []
    for raw in events:
        if not isinstance(raw, Mapping) or raw.get("type", "message_create") != "message_create":
            continue
        eid = raw.get("id")
        if not isinstance(eid, str) or not eid.isdigit():
            raise ItemError(str(eid) if eid else None, "id is missing or not a decimal string")
        create = raw.get("message_create")
        if not isinstance(create, Mapping):
            raise ItemError(eid, "message_create is missing")
        sender = create.get("sender_id")
        target = _obj(create.get("target"))
        recipient = target.get("recipient_id")
        if not isinstance(sender, str) or not isinstance(recipient, str):
            raise ItemError(eid, "message_create.sender_id or target.recipient_id is missing")
        data = _obj(create.get("message_data"))
        text = data.get("text")
        if not isinstance(text, str):
            raise ItemError(eid, "message_create.message_data.text is missing")
        ms = raw.get("created_timestamp")
        try:
            at = datetime.fromtimestamp(int(str(ms)) / 1000, UTC)
        except (TypeError, ValueError):
            raise ItemError(eid, "created_timestamp: epoch milliseconds as a string") from None
        entities = _obj(data.get("entities"))
        a, b = sorted((sender, recipient), key=int)
        out.append(
            DirectMessage(
                id=eid,
                sender_id=sender,
                text=text,
                created_at=at,
                conversation_id=f"{a}-{b}",
                urls=models._urls({"urls": entities.get("urls") or []}),
                sender=users.get(sender),
                media=_dm_media(data),
            )
        )
    return out


def deleted_posts(event: ActivityEvent) -> list[str]:
    """The id of the post a ``post.delete`` payload names."""
    pid = event.payload.get("id")
    if not isinstance(pid, str) or not pid.isdigit():
        raise ItemError(event.event_uuid, "payload.id: the deleted post's id")
    return [pid]


class ActivityClient:
    """The Activity API at ``base_url``: the app's Bearer token, and a user-context token per
    brand account for subscriptions to its private events."""

    def __init__(self, base_url: str, bearer_token: str | None, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._bearer = bearer_token
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self._response: requests.Response | None = None
        self._lock = threading.Lock()
        self.connected = threading.Event()

    def __repr__(self) -> str:
        return f"ActivityClient({self.base_url!r})"

    def close(self) -> None:
        self.close_stream()
        self.session.close()

    # --- calls --------------------------------------------------------------------------------

    def _app(self) -> dict[str, str]:
        if not self._bearer:
            raise AuthError(
                "activity", "the Activity API stream needs the app's Bearer token: X_BEARER_TOKEN"
            )
        return {"Authorization": f"Bearer {self._bearer}"}

    @contextmanager
    def _edge(self, call: str) -> Iterator[None]:
        try:
            yield
        except requests.Timeout:
            raise Unavailable(call, f"no answer from {self.base_url}", timed_out=True) from None
        except requests.ConnectionError:
            raise Unavailable(call, f"cannot reach {self.base_url}") from None

    def _call(
        self,
        method: str,
        path: str,
        call: str,
        headers: dict[str, str],
        **kwargs: Any,
    ) -> dict[str, Any]:
        with self._edge(call):
            answer = self.session.request(
                method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        _raise_for(call, answer)
        try:
            body = answer.json()
        except ValueError:
            raise Unavailable(call, f"{self.base_url} answered with something not JSON") from None
        return body if isinstance(body, dict) else {}

    def subscribe(
        self,
        event_type: str,
        user_id: str,
        *,
        user_token: str | None = None,
        tag: str | None = None,
    ) -> Subscription:
        """Subscribe to ``event_type`` for ``user_id`` (with its OAuth 2.0 token when given,
        else the app's Bearer token: public events only)."""
        headers = {"Authorization": f"Bearer {user_token}"} if user_token else self._app()
        body: dict[str, Any] = {"event_type": event_type, "filter": {"user_id": user_id}}
        if tag:
            body["tag"] = tag
        answer = self._call(
            "POST", "/2/activity/subscriptions", f"subscribe({event_type})", headers, json=body
        )
        return _subscription((answer.get("data") or {}).get("subscription"))

    def subscriptions(self) -> list[Subscription]:
        """Every subscription of the app (all pages)."""
        out: list[Subscription] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"max_results": 1000}
            if token:
                params["pagination_token"] = token
            answer = self._call(
                "GET", "/2/activity/subscriptions", "subscriptions", self._app(), params=params
            )
            out.extend(_subscription(s) for s in answer.get("data") or [])
            token = (answer.get("meta") or {}).get("next_token")
            if not token:
                return out

    def retag(self, subscription_id: str, tag: str) -> Subscription:
        answer = self._call(
            "PUT",
            f"/2/activity/subscriptions/{subscription_id}",
            f"update_subscription({subscription_id})",
            self._app(),
            json={"tag": tag},
        )
        return _subscription((answer.get("data") or {}).get("subscription"))

    def unsubscribe(self, subscription_id: str) -> bool:
        answer = self._call(
            "DELETE",
            f"/2/activity/subscriptions/{subscription_id}",
            f"delete_subscription({subscription_id})",
            self._app(),
        )
        return bool((answer.get("data") or {}).get("deleted"))

    # --- the stream -----------------------------------------------------------------------

    def stream(
        self,
        on_event: Callable[[ActivityEvent], None],
        *,
        backfill_minutes: int = BACKFILL_MINUTES,
        on_malformed: Callable[[Malformed], None] | None = None,
        on_connected: Callable[[], None] | None = None,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        """Read ``GET /2/activity/stream`` until it ends (X or ``close_stream`` closes it), calling
        ``on_event`` for each delivery; raises the workbench's error when the connection is
        refused (a 429 with X's reset time) or breaks."""
        call = "activity stream"
        params = {"backfill_minutes": backfill_minutes} if backfill_minutes else {}
        with self._edge(call):
            answer = self.session.get(
                f"{self.base_url}/2/activity/stream",
                headers=self._app(),
                params=params,
                stream=True,
                timeout=(self.timeout, read_timeout),
            )
        if not answer.ok:
            answer.close()
            _raise_for(call, answer)
        with self._lock:
            self._response = answer
        self.connected.set()
        try:
            if on_connected is not None:
                on_connected()
            with self._edge(call):
                try:
                    for line in answer.iter_lines(chunk_size=512):
                        if line.strip():
                            self._line(line, on_event, on_malformed)
                except requests.exceptions.ChunkedEncodingError:
                    raise Unavailable(call, "the stream broke off") from None
        finally:
            self.connected.clear()
            with self._lock:
                self._response = None
            answer.close()

    def close_stream(self) -> None:
        """End the stream being read, from any thread (the read in progress returns)."""
        with self._lock:
            response = self._response
        if response is None:
            return
        try:
            sock = response.raw.connection.sock
            sock.shutdown(socket.SHUT_RDWR)
        except (AttributeError, OSError):
            pass

    @staticmethod
    def _line(
        raw: bytes,
        on_event: Callable[[ActivityEvent], None],
        on_malformed: Callable[[Malformed], None] | None,
    ) -> None:
        def bad(reason: str, kept: Mapping[str, Any], item_id: str | None = None) -> None:
            if on_malformed is not None:
                on_malformed(Malformed(item_id, f"activity stream: {reason}", kept))
            else:
                log.warning("activity stream: %s", reason)

        try:
            body = json.loads(raw)
        except ValueError:
            bad("a line that is not JSON", {"raw": raw[:2000].decode("utf-8", "replace")})
            return
        if not isinstance(body, dict):
            bad("a line that is not an object", {"raw": body})
            return
        if "data" not in body:
            if body.get("errors"):
                log.warning("activity stream: X says %s", body["errors"])
            return
        data = body["data"]
        flt = data.get("filter") if isinstance(data, dict) else None
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("event_type"), str)
            or not isinstance(flt, dict)
            or not isinstance(data.get("payload"), dict)
        ):
            bad("an event without event_type, filter or payload", body)
            return
        includes = data.get("includes")
        on_event(
            ActivityEvent(
                data["event_type"],
                str(data.get("event_uuid") or ""),
                str(flt.get("user_id") or ""),
                data.get("tag"),
                data["payload"],
                includes if isinstance(includes, dict) else {},
            )
        )


def _raise_for(call: str, answer: requests.Response) -> None:
    """The workbench's error for a failed answer (the problem's detail, never a token)."""
    if answer.ok:
        return
    status = answer.status_code
    detail = ""
    try:
        body = answer.json()
        detail = str(body.get("detail") or body.get("title") or "")
    except (ValueError, AttributeError):
        pass
    detail = detail[:300] or f"X answered {status}"
    if status == 429:
        reset = answer.headers.get("x-rate-limit-reset")
        when = float(reset) if reset and reset.isdigit() else time.time() + 60
        raise RateLimited(call, when)
    kinds: dict[int, type[XApiError]] = {
        400: BadRequest,
        401: AuthError,
        403: Forbidden,
        404: NotFound,
        409: BadRequest,
    }
    if status >= 500:
        raise Unavailable(call, detail, status)
    raise kinds.get(status, XApiError)(call, detail, status)

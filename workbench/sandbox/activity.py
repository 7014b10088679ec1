"""X's Activity API (XAA): the app's subscriptions and the events pushed to its open streams.

What the world does becomes an event for every subscription that asks for it: a DM
(``dm.received`` for its recipient, ``dm.sent`` for its sender), a post mentioning someone
(``post.mention.create``), a deleted post (``post.delete``, for its author), a follow or an
unfollow (``follow.follow``/``follow.unfollow``, for the follower, outbound, and the followed,
inbound). The stream is newline-delimited JSON, one ``{"data": {"event_type", "event_uuid",
"filter", "tag", "payload"}}`` per delivery, with a keep-alive ``\\r\\n`` while nothing happens
(``KEEP_ALIVE`` s here), at most ``MAX_CONNECTIONS`` connections per app (X's two), and
``backfill_minutes`` (0-5) replaying what was delivered in the last minutes.

DM payloads follow the shape in ``x-api-2026.md`` (OpenAPI 2.167 does not describe them yet):
``direct_message_events`` (``message_create`` events, ``created_timestamp`` in epoch ms) and a
``users`` map from user id to ``{"data": user}``, the users as the subscribed account sees them.
A DM's picture, video or GIF rides in ``message_data.attachment`` (``{"type": "media", "media":
{...}}``, one at most), the v1.1 media entity X's DM event objects carry (X's message-create
object docs: ``media_url_https``, ``type``, ``ext_alt_text``, ``video_info.duration_millis``).
"""

from __future__ import annotations

import itertools
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.sandbox import _render as render
from workbench.sandbox._streams import Connection, Streams
from workbench.sandbox.world import DmEvent, Medium, Post, Problem, World, invalid, iso

KEEP_ALIVE = 10.0
MAX_CONNECTIONS = 2
MAX_SUBSCRIPTIONS = {True: 1_500, False: 75_000}
"""Subscriptions an app may hold: self-serve plans (True), Enterprise (False)."""
BACKFILL = timedelta(minutes=5)
EVENT_TYPES = frozenset(
    {
        "dm.received",
        "dm.sent",
        "dm.read",
        "dm.indicate_typing",
        "post.create",
        "post.delete",
        "post.mention.create",
        "post.reply.create",
        "post.quote.create",
        "post.repost.create",
        "like.create",
        "follow.follow",
        "follow.unfollow",
        "profile.update.bio",
        "profile.update.profile_picture",
        "profile.update.banner_picture",
        "profile.update.screenname",
        "profile.update.geo",
        "profile.update.url",
        "profile.update.verified_badge",
        "profile.update.affiliate_badge",
        "profile.update.handle",
        "news.new",
    }
)
"""The event types X's description lists that the sandbox accepts (chat, spaces, broadcasts,
mutes and blocks it does not know)."""
PRIVATE = ("dm.", "post.mention.", "post.reply.", "post.quote.", "post.repost.", "like.")
"""Event types that need the account's OAuth 2.0 user-context consent."""
DIRECTIONAL = ("follow.",)
USER_FIELDS = frozenset(
    {
        "created_at",
        "description",
        "public_metrics",
        "verified",
        "connection_status",
        "receives_your_dm",
    }
)
POST_FIELDS = frozenset(
    {
        "author_id",
        "created_at",
        "conversation_id",
        "in_reply_to_user_id",
        "referenced_tweets",
        "entities",
        "lang",
    }
)


def user_2167(user: dict[str, Any]) -> dict[str, Any]:
    """A user object in OpenAPI 2.167's words (``public_metrics.post_count``, not
    ``tweet_count``), as the Activity API describes it."""
    metrics = user.get("public_metrics")
    if isinstance(metrics, dict) and "tweet_count" in metrics:
        metrics = dict(metrics)
        metrics["post_count"] = metrics.pop("tweet_count")
        user = {**user, "public_metrics": metrics}
    return user


def post_2167(post: dict[str, Any]) -> dict[str, Any]:
    """A post object in OpenAPI 2.167's words (``edit_history_post_ids``,
    ``referenced_posts``)."""
    out = dict(post)
    if "edit_history_tweet_ids" in out:
        out["edit_history_post_ids"] = out.pop("edit_history_tweet_ids")
    if "referenced_tweets" in out:
        out["referenced_posts"] = out.pop("referenced_tweets")
    return out


def is_private(event_type: str) -> bool:
    return event_type.startswith(PRIVATE)


def scope_for(event_type: str) -> str:
    """The OAuth 2.0 scope a user-context subscription to ``event_type`` needs (X's rule)."""
    if event_type.startswith(("dm.", "chat.")):
        return "dm.read"
    if event_type.startswith("like."):
        return "like.read"
    return "tweet.read"


@dataclass(frozen=True)
class Subscription:
    id: str
    event_type: str
    user_id: str
    direction: str | None
    tag: str | None
    webhook_id: str | None
    created_at: datetime
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "subscription_id": self.id,
            "event_type": self.event_type,
            "filter": {"user_id": self.user_id},
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }
        if self.direction:
            out["filter"]["direction"] = self.direction
        if self.tag is not None:
            out["tag"] = self.tag
        if self.webhook_id is not None:
            out["webhook_id"] = self.webhook_id
        return out


_Connection = Connection[bytes]


class ActivityHub(Streams[bytes]):
    """The app's subscriptions, its open streams, and what was delivered lately (backfill)."""

    def __init__(self, world: World, max_connections: int = MAX_CONNECTIONS) -> None:
        super().__init__(max_connections)
        self.world = world
        self.self_serve = True
        self._subscriptions: dict[str, Subscription] = {}
        self._ids = itertools.count(1_950_000_000_000_000_001)
        self._uuids = itertools.count(int(time.time() * 1000) << 22)
        self._delivered: deque[tuple[datetime, bytes]] = deque()
        world.add_listener(self._posted)
        world.add_event_listener(self._happened)

    # --- subscriptions ------------------------------------------------------------------------

    def subscribe(
        self,
        event_type: str,
        user_id: str,
        *,
        direction: str | None = None,
        tag: str | None = None,
        webhook_id: str | None = None,
    ) -> Subscription:
        if event_type not in EVENT_TYPES:
            raise invalid(
                "event_type", event_type, f"event_type: {event_type!r} is not an event type"
            )
        if direction is not None and not event_type.startswith(DIRECTIONAL):
            raise invalid("filter.direction", direction, f"direction: not for {event_type}")
        now = datetime.now(UTC)
        with self._lock:
            for existing in self._subscriptions.values():
                if (existing.event_type, existing.user_id, existing.direction) == (
                    event_type,
                    user_id,
                    direction,
                ):
                    raise Problem(
                        409,
                        "Conflict",
                        f"A subscription for {event_type} on user {user_id} exists already "
                        f"({existing.id}).",
                        "https://api.twitter.com/2/problems/duplicate-subscription",
                    )
            cap = MAX_SUBSCRIPTIONS[self.self_serve]
            if len(self._subscriptions) >= cap:
                raise Problem(
                    429,
                    "Too Many Subscriptions",
                    f"This app holds {cap} subscriptions, the most its access level allows.",
                    "https://api.twitter.com/2/problems/usage-capped",
                )
            sub = Subscription(
                str(next(self._ids)), event_type, user_id, direction, tag, webhook_id, now, now
            )
            self._subscriptions[sub.id] = sub
        return sub

    def subscriptions(self) -> list[Subscription]:
        with self._lock:
            return list(self._subscriptions.values())

    def subscription(self, subscription_id: str) -> Subscription:
        with self._lock:
            found = self._subscriptions.get(subscription_id)
        if found is None:
            raise Problem(
                404,
                "Not Found Error",
                f"Could not find subscription with subscription_id: [{subscription_id}].",
                "https://api.twitter.com/2/problems/resource-not-found",
                parameter="subscription_id",
                value=subscription_id,
                resource_id=subscription_id,
                resource_type="subscription",
            )
        return found

    def update(self, subscription_id: str, changes: Mapping[str, Any]) -> Subscription:
        sub = self.subscription(subscription_id)
        with self._lock:
            sub = replace(
                sub,
                tag=changes.get("tag", sub.tag),
                webhook_id=changes.get("webhook_id", sub.webhook_id),
                updated_at=datetime.now(UTC),
            )
            self._subscriptions[sub.id] = sub
        return sub

    def delete(self, subscription_id: str) -> bool:
        self.subscription(subscription_id)
        with self._lock:
            return self._subscriptions.pop(subscription_id, None) is not None

    @property
    def count(self) -> int:
        return len(self._subscriptions)

    # --- events -------------------------------------------------------------------------------

    def _matching(self, event_type: str, user_id: str, direction: str | None) -> list[Subscription]:
        return [
            s
            for s in self._subscriptions.values()
            if s.event_type == event_type
            and s.user_id == user_id
            and (s.direction is None or direction is None or s.direction == direction)
        ]

    def _deliver(
        self,
        event_type: str,
        user_id: str,
        payload: Any,
        *,
        direction: str | None = None,
        includes: dict[str, Any] | None = None,
    ) -> None:
        """Queue one line per matching subscription (the caller holds the world's lock)."""
        with self._lock:
            matching = self._matching(event_type, user_id, direction)
            if not matching:
                return
            now = datetime.now(UTC)
            for sub in matching:
                data: dict[str, Any] = {
                    "event_type": event_type,
                    "event_uuid": str(next(self._uuids)),
                    "filter": {"user_id": sub.user_id},
                    "payload": payload(sub) if callable(payload) else payload,
                }
                if sub.direction:
                    data["filter"]["direction"] = sub.direction
                if sub.tag is not None:
                    data["tag"] = sub.tag
                if includes:
                    data["includes"] = includes
                line = json.dumps({"data": data}, ensure_ascii=False, separators=(",", ":"))
                raw = line.encode("utf-8")
                self._delivered.append((now, raw))
                for connection in self._connections:
                    connection.push(raw)
            while self._delivered and self._delivered[0][0] < now - BACKFILL:
                self._delivered.popleft()

    def _posted(self, post: Post) -> None:
        """A new post: ``post.mention.create`` for each account it mentions."""
        if not self._subscriptions:
            return
        mentioned = dict.fromkeys(m["id"] for m in post.mentions if m.get("id"))
        mentioned.pop(post.author_id, None)
        if not mentioned:
            return
        payload = post_2167(render.tweet_json(post, POST_FIELDS))
        author = self.world.users[post.author_id]
        for uid in mentioned:
            viewer = self.world.users.get(uid)
            includes = {
                "users": [user_2167(render.user_json(self.world, author, USER_FIELDS, viewer))]
            }
            self._deliver("post.mention.create", uid, payload, includes=includes)

    def _happened(self, kind: str, what: Any) -> None:
        if not self._subscriptions:
            return
        if kind == "dm":
            assert isinstance(what, DmEvent)
            self._deliver(
                "dm.received", what.recipient_id, self._dm_payload(what, what.recipient_id)
            )
            self._deliver("dm.sent", what.sender_id, self._dm_payload(what, what.sender_id))
        elif kind == "delete":
            assert isinstance(what, Post)
            self._deliver(
                "post.delete", what.author_id, {"id": str(what.id), "author_id": what.author_id}
            )
        elif kind in ("follow", "unfollow"):
            follower, followee = what
            users = self.world.users
            payload = {
                "source": render.user_json(self.world, users[follower], frozenset(), None),
                "target": render.user_json(self.world, users[followee], frozenset(), None),
            }
            event_type = f"follow.{kind}"
            self._deliver(event_type, follower, payload, direction="outbound")
            self._deliver(event_type, followee, payload, direction="inbound")

    def _dm_payload(self, event: DmEvent, viewer_id: str) -> dict[str, Any]:
        """X's DM event payload: the message and both parties, as ``viewer_id`` sees them."""
        world = self.world
        viewer = world.users.get(viewer_id)
        entities: dict[str, Any] = {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}
        for u in event.urls:
            entities["urls"].append(
                {
                    "url": u["url"],
                    "expanded_url": u.get("expanded_url", u["url"]),
                    "display_url": u.get("display_url", u["url"]),
                    "indices": [u.get("start", 0), u.get("end", 0)],
                }
            )
        for m in event.mentions:
            if m.get("id"):
                entities["user_mentions"].append(
                    {
                        "screen_name": m["username"],
                        "id_str": m["id"],
                        "indices": [m.get("start", 0), m.get("end", 0)],
                    }
                )
        users = {
            uid: {"data": user_2167(render.user_json(world, world.users[uid], USER_FIELDS, viewer))}
            for uid in dict.fromkeys((event.sender_id, event.recipient_id))
        }
        message_data: dict[str, Any] = {"text": event.text, "entities": entities}
        if event.media_keys and event.media_keys[0] in world.media:
            message_data["attachment"] = {
                "type": "media",
                "media": self._media_entity(world.media[event.media_keys[0]]),
            }
        return {
            "direct_message_events": [
                {
                    "type": "message_create",
                    "id": str(event.id),
                    "created_timestamp": str(int(event.created_at.timestamp() * 1000)),
                    "message_create": {
                        "sender_id": event.sender_id,
                        "target": {"recipient_id": event.recipient_id},
                        "message_data": message_data,
                    },
                }
            ],
            "users": users,
        }

    def _media_entity(self, medium: Medium) -> dict[str, Any]:
        """A DM's medium as X's v1.1 media entity (the form DM event objects carry)."""
        url = render.media_url(self.world, medium)
        out: dict[str, Any] = {
            "id": int(medium.id),
            "id_str": medium.id,
            "media_url": url,
            "media_url_https": url,
            "type": medium.type,
            "sizes": {"large": {"w": medium.width, "h": medium.height, "resize": "fit"}},
        }
        if medium.alt_text:
            out["ext_alt_text"] = medium.alt_text
        if medium.duration_ms is not None:
            out["video_info"] = {"duration_millis": medium.duration_ms}
        return out

    # --- streams ------------------------------------------------------------------------------

    def connect(
        self,
        backfill_minutes: int = 0,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
    ) -> _Connection:
        """A new stream, with what was delivered since ``start_time`` or in the last
        ``backfill_minutes`` queued first; X's 429 TooManyConnections past the limit."""
        with self._lock:
            connection = self._open()
            since = None
            if backfill_minutes:
                since = datetime.now(UTC) - timedelta(minutes=backfill_minutes)
            if start_time is not None:
                since = max(since, start_time) if since else start_time
            if since is not None:
                for at, line in self._delivered:
                    if at >= since and (end_time is None or at < end_time):
                        connection.queue.put_nowait(line)
        return connection

    def forget(self) -> None:
        """Forget what was delivered (the world was reset); subscriptions stay, as rules do."""
        with self._lock:
            self._delivered.clear()

    def lines(
        self, connection: _Connection, keep_alive: float = KEEP_ALIVE
    ) -> AsyncIterator[bytes]:
        """The stream's bytes: a keep-alive at once, then each delivery on its own line."""
        return self._lines(connection, lambda line: line, keep_alive)

"""What the gateway returns: small frozen dataclasses over the domain's Tweet and Contact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from workbench.domain import Channel, Contact, Media, Tweet, expand_links
from workbench.domain.media import kind_of_key

T = TypeVar("T")


class ItemError(ValueError):
    """An item of an answer lacks what the workbench needs; ``rule`` says what."""

    def __init__(self, item_id: str | None, rule: str) -> None:
        self.item_id = item_id
        self.rule = rule
        super().__init__(f"item {item_id or '?'}: {rule}")


@dataclass(frozen=True)
class Malformed:
    """An item the gateway could not read, kept with its reason so it can be quarantined."""

    item_id: str | None
    reason: str
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a timeline, newest first, and the token for the next (older) page."""

    items: tuple[T, ...]
    next_token: str | None = None
    newest_id: str | None = None
    oldest_id: str | None = None
    result_count: int = 0
    malformed: tuple[Malformed, ...] = ()

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Post:
    """A tweet as X served it: the domain Tweet plus what ingest needs to route and skip."""

    tweet: Tweet
    kind: str = "tweet"  # tweet, reply, quote, retweet
    referenced: tuple[tuple[str, str], ...] = ()
    mentions: tuple[str, ...] = ()
    in_reply_to_user_id: str | None = None
    lang: str | None = None
    author: Contact | None = None

    @property
    def id(self) -> str:
        return self.tweet.id

    @property
    def author_id(self) -> str:
        return self.tweet.author_id

    @property
    def text(self) -> str:
        return self.tweet.text

    @property
    def created_at(self) -> datetime:
        return self.tweet.created_at

    def _ref(self, kind: str) -> str | None:
        return next((i for k, i in self.referenced if k == kind), None)

    @property
    def is_retweet(self) -> bool:
        return self.kind == "retweet"

    @property
    def retweeted_id(self) -> str | None:
        return self._ref("retweeted")

    @property
    def quoted_id(self) -> str | None:
        return self._ref("quoted")

    @property
    def replied_to_id(self) -> str | None:
        return self._ref("replied_to")

    def expanded_text(self) -> str:
        """The text with each t.co link replaced by the URL it stands for."""
        return expand_links(self.tweet.text, self.tweet.urls)


@dataclass(frozen=True)
class DirectMessage:
    """One DM event (MessageCreate) with its sender."""

    id: str
    sender_id: str
    text: str
    created_at: datetime
    conversation_id: str
    urls: dict[str, str] = field(default_factory=dict)
    sender: Contact | None = None
    media: tuple[Media, ...] = ()

    def participant_other_than(self, user_id: str) -> str | None:
        """The other party of a one-to-one conversation (``"<low>-<high>"``)."""
        a, _, b = self.conversation_id.partition("-")
        if not b:
            return None
        return b if a == user_id else a if b == user_id else None

    def as_tweet(self) -> Tweet:
        return Tweet(
            id=self.id,
            author_id=self.sender_id,
            text=self.text,
            created_at=self.created_at,
            channel=Channel.DM,
            conversation_id=self.conversation_id,
            urls=dict(self.urls),
            media=self.media,
        )


RESOURCE_NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
"""The ``type`` of X's errors entry for something that does not exist (a deleted post)."""


@dataclass(frozen=True)
class Lookup:
    """A lookup of many posts (``GET /2/tweets?ids=``): those X served, and the ids X said do
    not exist (resource-not-found: deleted). An id X said nothing of is in neither."""

    posts: tuple[Post, ...] = ()
    gone: tuple[str, ...] = ()
    malformed: tuple[Malformed, ...] = ()


def gone_tweets(errors: Any, asked: Sequence[str]) -> tuple[str, ...]:
    """The ids among ``asked`` that an answer's ``errors`` say are not found (type
    ``RESOURCE_NOT_FOUND``, resource ``tweet``); other errors (not authorised, say) are not
    deletions."""
    wanted = set(asked)
    out: list[str] = []
    for e in errors if isinstance(errors, list) else []:
        if not isinstance(e, dict) or e.get("type") != RESOURCE_NOT_FOUND:
            continue
        if e.get("resource_type", "tweet") != "tweet":
            continue
        tid = str(e.get("resource_id") or e.get("value") or "")
        if tid in wanted and tid not in out:
            out.append(tid)
    return tuple(out)


@dataclass(frozen=True)
class Sent:
    """A tweet the brand created: its id and text as X stored it (URLs wrapped)."""

    id: str
    text: str


@dataclass(frozen=True)
class DmSent:
    event_id: str
    conversation_id: str


# --- parsing X's JSON ------------------------------------------------------------------------


def parse_time(value: Any, item_id: str | None, name: str = "created_at") -> datetime:
    if not isinstance(value, str):
        raise ItemError(item_id, f"{name} is missing")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ItemError(item_id, f"{name} {value[:40]!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise ItemError(item_id, f"{name} {value[:40]!r} has no time zone")
    return at


def _urls(entities: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for u in (entities or {}).get("urls", []) if isinstance(entities, dict) else []:
        if isinstance(u, dict) and u.get("url"):
            out[u["url"]] = u.get("expanded_url") or u["url"]
    return out


def contact(user: Mapping[str, Any]) -> Contact:
    """A Contact from X's user object (``connection_status``/``receives_your_dm`` relative to the
    brand account that asked)."""
    uid = user.get("id")
    if not isinstance(uid, str) or not uid.isdigit():
        raise ItemError(str(uid) if uid else None, "user id is missing or not a decimal string")
    metrics = user.get("public_metrics") or {}
    status = user.get("connection_status") or []
    return Contact(
        id=uid,
        username=str(user.get("username") or ""),
        name=str(user.get("name") or ""),
        followers_count=int(metrics.get("followers_count") or 0),
        # ``post_count`` in OpenAPI 2.167 (the Activity API's payloads)
        statuses_count=int(metrics.get("tweet_count") or metrics.get("post_count") or 0),
        follows_brand="followed_by" in status,
        dm_open=bool(user.get("receives_your_dm", False)),
        verified=bool(user.get("verified", False)),
    )


def users_by_id(includes: Any) -> dict[str, Contact]:
    out: dict[str, Contact] = {}
    for u in (includes or {}).get("users", []) if isinstance(includes, dict) else []:
        try:
            c = contact(u)
        except (ItemError, ValueError, TypeError):
            continue
        out[c.id] = c
    return out


def text_field(raw: Mapping[str, Any], name: str) -> str | None:
    """``raw[name]`` when it is a non-empty string, else None."""
    value = raw.get(name)
    return value if isinstance(value, str) and value else None


def int_field(raw: Mapping[str, Any], name: str) -> int | None:
    """``raw[name]`` when it is an integer (not a bool), else None."""
    value = raw.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def media(raw: Mapping[str, Any]) -> Media | None:
    """A Media from X's Media object (Photo, Video, AnimatedGif); None without a media key.
    Any other field may be missing, as X omits what it does not have."""
    key = raw.get("media_key") if isinstance(raw, Mapping) else None
    if not isinstance(key, str) or not key:
        return None
    kind = text_field(raw, "type") or kind_of_key(key)
    return Media(
        key=key,
        kind=kind,
        url=text_field(raw, "url"),
        preview_url=text_field(raw, "preview_image_url"),
        alt_text=text_field(raw, "alt_text"),
        width=int_field(raw, "width"),
        height=int_field(raw, "height"),
        duration_ms=int_field(raw, "duration_ms"),
    )


def media_by_key(includes: Any) -> dict[str, Media]:
    """``includes.media`` by media key (objects without one are left out)."""
    out: dict[str, Media] = {}
    raws = includes.get("media") if isinstance(includes, Mapping) else None
    for raw in raws if isinstance(raws, list) else []:
        found = media(raw) if isinstance(raw, Mapping) else None
        if found is not None:
            out[found.key] = found
    return out


def attached(item: Mapping[str, Any], included: Mapping[str, Media] | None) -> tuple[Media, ...]:
    """The media an item's ``attachments.media_keys`` name, from ``includes.media``; a key
    with no include is kept with its kind (from the key's prefix) and nothing else."""
    raw = item.get("attachments")
    keys = raw.get("media_keys") if isinstance(raw, Mapping) else None
    out = []
    for key in keys if isinstance(keys, list) else []:
        if isinstance(key, str) and key:
            out.append((included or {}).get(key) or Media(key, kind_of_key(key)))
    return tuple(out)


def post(
    item: Mapping[str, Any],
    users: Mapping[str, Contact] | None = None,
    included_media: Mapping[str, Media] | None = None,
) -> Post:
    """A Post from X's tweet object (its media from ``included_media``, ``media_by_key`` of
    the answer's includes); raises ItemError naming what is missing."""
    if not isinstance(item, Mapping):
        raise ItemError(None, "not a JSON object")
    tid = item.get("id")
    if not isinstance(tid, str) or not tid.isdigit():
        raise ItemError(str(tid) if tid else None, "id is missing or not a decimal string")
    author_id = item.get("author_id")
    if not isinstance(author_id, str) or not author_id.isdigit():
        raise ItemError(tid, "author_id is missing")
    text = item.get("text")
    if not isinstance(text, str):
        raise ItemError(tid, "text is missing")
    created_at = parse_time(item.get("created_at"), tid)
    referenced = tuple(
        (str(r.get("type")), str(r.get("id")))
        for r in item.get("referenced_tweets") or item.get("referenced_posts") or []
        if isinstance(r, dict) and r.get("id")
    )
    kinds = {k for k, _ in referenced}
    kind = (
        "retweet"
        if "retweeted" in kinds
        else "quote"
        if "quoted" in kinds
        else "reply"
        if "replied_to" in kinds
        else "tweet"
    )
    raw_entities = item.get("entities")
    entities: dict[str, Any] = raw_entities if isinstance(raw_entities, dict) else {}
    reply_to = next((i for k, i in referenced if k == "replied_to"), None)
    tweet = Tweet(
        id=tid,
        author_id=author_id,
        text=text,
        created_at=created_at,
        channel=Channel.MENTION,
        conversation_id=item.get("conversation_id"),
        in_reply_to_tweet_id=reply_to,
        urls=_urls(entities),
        media=attached(item, included_media),
    )
    return Post(
        tweet=tweet,
        kind=kind,
        referenced=referenced,
        mentions=tuple(
            str(m.get("username")) for m in entities.get("mentions", []) if isinstance(m, dict)
        ),
        in_reply_to_user_id=item.get("in_reply_to_user_id"),
        lang=item.get("lang"),
        author=(users or {}).get(author_id),
    )


def direct_message(
    item: Mapping[str, Any],
    users: Mapping[str, Contact] | None = None,
    included_media: Mapping[str, Media] | None = None,
) -> DirectMessage:
    if not isinstance(item, Mapping):
        raise ItemError(None, "not a JSON object")
    eid = item.get("id")
    if not isinstance(eid, str) or not eid.isdigit():
        raise ItemError(str(eid) if eid else None, "id is missing or not a decimal string")
    sender = item.get("sender_id")
    if not isinstance(sender, str) or not sender.isdigit():
        raise ItemError(eid, "sender_id is missing")
    text = item.get("text")
    if not isinstance(text, str):
        raise ItemError(eid, "text is missing")
    conversation = item.get("dm_conversation_id")
    if not isinstance(conversation, str) or not conversation:
        raise ItemError(eid, "dm_conversation_id is missing")
    return DirectMessage(
        id=eid,
        sender_id=sender,
        text=text,
        created_at=parse_time(item.get("created_at"), eid),
        conversation_id=conversation,
        urls=_urls({"urls": item.get("urls") or []}),
        sender=(users or {}).get(sender),
        media=attached(item, included_media),
    )

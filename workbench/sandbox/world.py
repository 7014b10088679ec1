"""The sandbox's world: users, tweets, DMs, follows and what the brand accounts did, in memory.

Every method takes the world's lock, so the HTTP app, the live traffic thread and a notebook may
use one world at once. Ids are snowflakes (time-ordered, like X's), so ``since_id`` works.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.domain.media import KEY_PREFIX, media_key
from workbench.sandbox import _text

TWEPOCH_MS = 1288834974657
DM_MAX_CHARS = 10_000
SEARCH_WINDOW = timedelta(days=7)
MEDIA_PER_TWEET = 4
MEDIA_PER_DM = 1
ALT_TEXT_MAX_CHARS = 1_000
BRAND_IDS = ("1476312418095484928", "1476312418095484929", "1476312418095484930")


class Problem(Exception):
    """An answer of X's problem+json form, raised by the world and rendered by the app."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        type: str = "about:blank",
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.body: dict[str, Any] = {"title": title, "detail": detail, "type": type, **extra}
        if type == "about:blank":
            self.body["status"] = status


def invalid(parameter: str, value: Any, message: str) -> Problem:
    """X's 400 invalid-request problem, naming the parameter and the rule."""
    return Problem(
        400,
        "Invalid Request",
        "One or more parameters to your request was invalid.",
        "https://api.twitter.com/2/problems/invalid-request",
        errors=[{"parameters": {parameter: [str(value)]}, "message": message}],
    )


def not_found(resource: str, parameter: str, value: str, detail: str) -> Problem:
    return Problem(
        404,
        "Not Found Error",
        detail,
        "https://api.twitter.com/2/problems/resource-not-found",
        parameter=parameter,
        value=value,
        resource_id=value,
        resource_type=resource,
    )


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail)


def iso(at: datetime) -> str:
    """X's timestamp form: ``2026-01-06T18:40:40.000Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def encode_token(position: int, kind: str = "p") -> str:
    """An opaque pagination token (16+ base32 characters) naming where the next page starts;
    ``kind`` "n": where the page of newer items before it starts (X's ``previous_token``)."""
    return base64.b32encode(f"{kind}{position:019d}".encode()).decode().rstrip("=").lower()


def decode_token(token: str, parameter: str = "pagination_token") -> int:
    return _decode_token(token, parameter, "p")[1]


def _decode_token(token: str, parameter: str, kinds: str) -> tuple[str, int]:
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8)).decode()
        if not raw or raw[0] not in kinds:
            raise ValueError
        return raw[0], int(raw[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid(
            parameter, token, f"The `{parameter}` query parameter value [{token}] is not valid"
        ) from None


@dataclass(slots=True)
class User:
    id: str
    username: str
    name: str
    created_at: datetime
    followers_count: int = 0
    following_count: int = 0
    tweet_count: int = 0
    listed_count: int = 0
    description: str = ""
    location: str = ""
    dm_open: bool = False
    """Accepts DMs from anyone (X's "allow message requests from everyone")."""
    verified: bool = False
    protected: bool = False
    phone: str | None = None
    email: str | None = None
    brand: bool = False


@dataclass(frozen=True, slots=True)
class Medium:
    """A photo, video or GIF a user attached: what X keeps of it (its URLs are the server's)."""

    key: str
    type: str
    alt_text: str | None = None
    width: int = 240
    height: int = 180
    duration_ms: int | None = None

    @property
    def id(self) -> str:
        return self.key.partition("_")[2]


@dataclass(slots=True)
class Post:
    id: int
    author_id: str
    text: str
    created_at: datetime
    conversation_id: int
    source_text: str = ""
    in_reply_to_user_id: str | None = None
    referenced: tuple[tuple[str, int], ...] = ()
    urls: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    lang: str = "en"
    deleted: bool = False
    reply_count: int = 0
    retweet_count: int = 0
    like_count: int = 0
    quote_count: int = 0
    media_keys: tuple[str, ...] = ()

    def ref(self, kind: str) -> int | None:
        for k, i in self.referenced:
            if k == kind:
                return i
        return None


@dataclass(slots=True)
class DmEvent:
    id: int
    sender_id: str
    recipient_id: str
    text: str
    created_at: datetime
    urls: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    media_keys: tuple[str, ...] = ()

    @property
    def conversation_id(self) -> str:
        a, b = sorted((self.sender_id, self.recipient_id), key=int)
        return f"{a}-{b}"


@dataclass(frozen=True)
class Activity:
    """One thing a brand account did: the control API's ``/sandbox/activity`` lists them."""

    id: int
    at: datetime
    account: str
    account_id: str
    kind: str  # tweet, reply, quote, dm, like, retweet, follow, unfollow, delete
    target: str | None
    text: str | None
    result_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": iso(self.at),
            "account": self.account,
            "account_id": self.account_id,
            "kind": self.kind,
            "target": self.target,
            "text": self.text,
            "result_id": self.result_id,
        }


@dataclass
class Page:
    """One page of a timeline: items newest first, the token of the next (older) page, and for
    DM events the token of the previous one (newer items), as X gives them."""

    items: list[Any]
    next_token: str | None
    previous_token: str | None = None


def _page(ids: list[int], limit: int, lower: int, upper: int) -> tuple[list[int], int | None]:
    """Ids in (lower, upper) newest first, at most ``limit``; and the next page's upper bound."""
    hi = bisect.bisect_left(ids, upper)
    lo = bisect.bisect_right(ids, lower)
    start = max(lo, hi - limit)
    chosen = ids[start:hi][::-1]
    return chosen, (ids[start] if start > lo else None)


class World:
    """All the sandbox's state. ``brands[0]`` is the default brand account."""

    def __init__(self, brands: Iterable[str] = ("AcmeSupport", "AcmeDeals")) -> None:
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Post], None]] = []
        self._event_listeners: list[Callable[[str, Any], None]] = []
        self._brand_names = tuple(brands)
        self.base_url = "http://127.0.0.1"
        """Where the server answers (set once it listens): media URLs point there."""
        if not self._brand_names:
            raise ValueError("World: at least one brand account is needed")
        self.reset()

    # --- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything but the brand accounts."""
        with self._lock:
            self.users: dict[str, User] = {}
            self._by_username: dict[str, str] = {}
            self.tweets: dict[int, Post] = {}
            self._all_tweets: list[int] = []
            self._by_author: dict[str, list[int]] = {}
            self._mentions: dict[str, list[int]] = {}
            self.dms: dict[int, DmEvent] = {}
            self._dm_by_user: dict[str, list[int]] = {}
            self._dm_by_conversation: dict[str, list[int]] = {}
            self._dm_pairs: set[tuple[str, str]] = set()  # (sender, recipient) that ever wrote
            self._followers: dict[str, dict[str, int]] = {}  # followee -> follower -> order
            self._likes: set[tuple[str, int]] = set()
            self._retweets: dict[tuple[str, int], int] = {}
            self._recent_text: dict[tuple[str, str, int | None], int] = {}
            self._activity: list[Activity] = []
            self.media: dict[str, Medium] = {}
            self._media_seq = itertools.count(1)
            self._last_id = 0
            self._follow_seq = itertools.count(1)
            self._tco = itertools.count(1)
            self._user_seq = itertools.count(1)
            self.brands: list[User] = []
            start = datetime(2021, 12, 30, 9, 0, tzinfo=UTC)
            for name, uid in zip(self._brand_names, BRAND_IDS, strict=False):
                self.brands.append(
                    self.add_user(
                        name,
                        name=name.replace("Acme", "Acme "),
                        id=uid,
                        followers_count=48_210,
                        following_count=312,
                        tweet_count=0,
                        dm_open=True,
                        verified=True,
                        created_at=start,
                        description=f"Official {name} account. We're here to help.",
                        brand=True,
                    )
                )

    @property
    def default_brand(self) -> User:
        return self.brands[0]

    def brand_for_token(self, token: str) -> User:
        """The brand account a token acts as: its ``<user_id>-`` prefix, else the default."""
        prefix = token.partition("-")[0]
        with self._lock:
            for brand in self.brands:
                if prefix in (brand.id, brand.username) or prefix.lower() == brand.username.lower():
                    return brand
        return self.default_brand

    # --- ids ------------------------------------------------------------------------------

    def _next_id(self, at: datetime | None = None) -> int:
        ms = int((at.timestamp() if at else time.time()) * 1000)
        candidate = (ms - TWEPOCH_MS) << 22
        self._last_id = max(self._last_id + 1, candidate)
        return self._last_id

    def _new_media(self, wanted: Sequence[Any] | None, most: int, where: str) -> tuple[str, ...]:
        """Media keys for what a user attaches (``[{"type", "alt_text"?}]``, checked as X
        checks an upload: its type, how many, the alt text's length)."""
        if not wanted:
            return ()
        if not isinstance(wanted, list | tuple):
            raise invalid("media", wanted, "media: a list of {type, alt_text} objects")
        if len(wanted) > most:
            raise invalid("media", len(wanted), f"media: at most {most} per {where}, as X allows")
        made = []
        for i, item in enumerate(wanted):
            name = f"media[{i}]"
            if not isinstance(item, dict) or set(item) - {"type", "alt_text", "duration_ms"}:
                raise invalid(name, item, f"{name}: an object with type, alt_text, duration_ms")
            kind = item.get("type")
            if kind not in KEY_PREFIX:
                raise invalid(f"{name}.type", kind, f"{name}.type: one of {', '.join(KEY_PREFIX)}")
            alt = item.get("alt_text")
            if alt is not None and (not isinstance(alt, str) or len(alt) > ALT_TEXT_MAX_CHARS):
                raise invalid(
                    f"{name}.alt_text",
                    str(alt)[:20],
                    f"{name}.alt_text: a string of at most {ALT_TEXT_MAX_CHARS:,} characters",
                )
            duration = item.get("duration_ms", 12_000 if kind == "video" else None)
            if kind == "video" and (not isinstance(duration, int) or duration <= 0):
                raise invalid(f"{name}.duration_ms", duration, f"{name}.duration_ms: above 0")
            media_id = 1_900_000_000_000_000_000 + next(self._media_seq)
            key = media_key(kind, str(media_id))
            self.media[key] = Medium(
                key, kind, alt or None, duration_ms=duration if kind == "video" else None
            )
            made.append(key)
        return tuple(made)

    def _next_tco(self) -> str:
        return _text.tco_code(next(self._tco))

    # --- users ----------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        name: str = "",
        *,
        id: str | None = None,
        followers_count: int = 0,
        following_count: int | None = None,
        tweet_count: int = 0,
        listed_count: int = 0,
        follows_brand: bool | Iterable[str] = False,
        dm_open: bool = False,
        phone: str | None = None,
        email: str | None = None,
        description: str = "",
        location: str = "",
        verified: bool = False,
        created_at: datetime | None = None,
        brand: bool = False,
    ) -> User:
        """Create a user, or update the one with this username (counts, follows, DMs, contact)."""
        if not username or len(username) > 15 or not username.replace("_", "").isalnum():
            raise invalid("username", username, "username: 1 to 15 letters, digits or _")
        if followers_count < 0 or tweet_count < 0:
            raise invalid("followers_count", followers_count, "counts must not be negative")
        with self._lock:
            existing = self._by_username.get(username.lower())
            if existing is not None:
                user = self.users[existing]
                user.name = name or user.name
                user.followers_count, user.tweet_count = followers_count, tweet_count
                user.dm_open = dm_open
                user.phone, user.email = phone or user.phone, email or user.email
            else:
                uid = id or str(10_000_000 + next(self._user_seq) * 7919)
                if uid in self.users or not uid.isdigit():
                    raise invalid("id", uid, "id: a new decimal user id")
                user = User(
                    id=uid,
                    username=username,
                    name=name or username,
                    created_at=created_at or datetime.now(UTC) - timedelta(days=900),
                    followers_count=followers_count,
                    following_count=following_count
                    if following_count is not None
                    else min(5000, followers_count // 2 + 40),
                    tweet_count=tweet_count,
                    listed_count=listed_count,
                    description=description,
                    location=location,
                    dm_open=dm_open,
                    verified=verified,
                    phone=phone,
                    email=email,
                    brand=brand,
                )
                self.users[uid] = user
                self._by_username[username.lower()] = uid
            if follows_brand:
                names = (
                    [self.default_brand.username] if follows_brand is True else list(follows_brand)
                )
                for name_ in names:
                    target = self.user_by_username(name_)
                    self._follow(user.id, target.id)
            return user

    def user(self, user_id: str, parameter: str = "id") -> User:
        with self._lock:
            found = self.users.get(str(user_id))
        if found is None:
            raise not_found(
                "user",
                parameter,
                str(user_id),
                f"Could not find user with {parameter}: [{user_id}].",
            )
        return found

    def user_by_username(self, username: str) -> User:
        with self._lock:
            uid = self._by_username.get(username.lstrip("@").lower())
        if uid is None:
            raise not_found(
                "user", "username", username, f"Could not find user with username: [{username}]."
            )
        return self.users[uid]

    def follows(self, follower_id: str, followee_id: str) -> bool:
        with self._lock:
            return follower_id in self._followers.get(followee_id, {})

    def can_dm(self, sender_id: str, recipient_id: str) -> bool:
        """X lets you DM someone who follows you, who accepts messages from everyone, or who
        wrote to you first (the conversation is open)."""
        with self._lock:
            recipient = self.users[recipient_id]
            if recipient.dm_open or self.follows(recipient_id, sender_id):
                return True
            return (recipient_id, sender_id) in self._dm_pairs

    def _follow(self, follower_id: str, followee_id: str) -> bool:
        followers = self._followers.setdefault(followee_id, {})
        if follower_id in followers:
            return False
        followers[follower_id] = next(self._follow_seq)
        followee = self.users[followee_id]
        followee.followers_count += 1
        self.users[follower_id].following_count += 1
        self._emit("follow", (follower_id, followee_id))
        return True

    def _unfollow(self, follower_id: str, followee_id: str) -> bool:
        followers = self._followers.get(followee_id, {})
        if follower_id not in followers:
            return False
        del followers[follower_id]
        self.users[followee_id].followers_count = max(
            0, self.users[followee_id].followers_count - 1
        )
        follower = self.users[follower_id]
        follower.following_count = max(0, follower.following_count - 1)
        self._emit("unfollow", (follower_id, followee_id))
        return True

    def followers(self, user_id: str, limit: int, token: str | None) -> Page:
        """Followers, most recent first."""
        with self._lock:
            self.user(user_id)
            ordered = sorted(
                self._followers.get(user_id, {}).items(), key=lambda kv: kv[1], reverse=True
            )
            start = decode_token(token) if token else 0
            chosen = ordered[start : start + limit]
            more = start + limit < len(ordered)
            return Page(
                [self.users[uid] for uid, _ in chosen],
                encode_token(start + limit) if more else None,
            )

    # --- tweets ---------------------------------------------------------------------------

    def tweet(self, tweet_id: int | str, parameter: str = "id") -> Post:
        with self._lock:
            post = self.tweets.get(int(tweet_id))
        if post is None or post.deleted:
            raise not_found(
                "tweet",
                parameter,
                str(tweet_id),
                f"Could not find tweet with {parameter}: [{tweet_id}].",
            )
        return post

    def summoned(self, tweet_id: int | str, account_id: str) -> bool:
        """Whether the post's author summoned the account (X's rule for replies on self-serve
        plans): the post mentions it, quotes one of its posts, or answers one (a reply carries
        the @mention of the account it answers); the account's own posts need no summons.
        A post that is gone counts as summoned (the reply fails for that reason instead)."""
        with self._lock:
            post = self.tweets.get(int(tweet_id))
            if post is None or post.deleted or post.author_id == account_id:
                return True
            if post.in_reply_to_user_id == account_id:
                return True
            if any(m.get("id") == account_id for m in post.mentions):
                return True
            quoted = post.ref("quoted")
            return quoted is not None and (
                quoted in self.tweets and self.tweets[quoted].author_id == account_id
            )

    def _record(self, account: User, kind: str, target: Any, text: str | None, result: Any) -> None:
        self._activity.append(
            Activity(
                id=len(self._activity) + 1,
                at=datetime.now(UTC),
                account=account.username,
                account_id=account.id,
                kind=kind,
                target=None if target is None else str(target),
                text=text,
                result_id=None if result is None else str(result),
            )
        )

    def post(
        self,
        author_id: str,
        text: str,
        *,
        in_reply_to: int | str | None = None,
        quote_of: int | str | None = None,
        created_at: datetime | None = None,
        lang: str = "en",
        record: bool = True,
        media: Sequence[Any] | None = None,
    ) -> Post:
        """A new tweet by ``author_id``; X's rules for text, reply and quote targets apply.
        ``media``: what the author attaches (``[{"type": "photo", "alt_text": ...}]``)."""
        if text is None or not str(text).strip():
            raise invalid("text", text or "", "text: a tweet needs 1 to 280 weighted characters")
        if _text.too_long(text):
            raise forbidden(
                "Your Tweet text is too long. For more information on how X determines text "
                "length see https://github.com/twitter/twitter-text."
            )
        with self._lock:
            author = self.user(author_id)
            parent = (
                self.tweet(in_reply_to, "reply.in_reply_to_tweet_id")
                if in_reply_to is not None
                else None
            )
            quoted = self.tweet(quote_of, "quote_tweet_id") if quote_of is not None else None
            dup_key = (author_id, text, parent.id if parent else None)
            if author.brand and dup_key in self._recent_text:
                raise forbidden("You are not allowed to create a Tweet with duplicate content.")
            media_keys = self._new_media(media, MEDIA_PER_TWEET, "tweet")
            pid = self._next_id(created_at)
            wrapped, urls = _text.wrap_urls(text, self._next_tco)
            referenced: list[tuple[str, int]] = []
            if parent is not None:
                referenced.append(("replied_to", parent.id))
                parent.reply_count += 1
            if quoted is not None:
                referenced.append(("quoted", quoted.id))
                quoted.quote_count += 1
            post = Post(
                id=pid,
                author_id=author_id,
                text=wrapped,
                source_text=text,
                created_at=created_at or datetime.now(UTC),
                conversation_id=parent.conversation_id if parent else pid,
                in_reply_to_user_id=parent.author_id if parent else None,
                referenced=tuple(referenced),
                urls=urls,
                mentions=self._mention_entities(wrapped),
                lang=lang,
                media_keys=media_keys,
            )
            self._store(post)
            if author.brand:
                self._recent_text[dup_key] = pid
                if record:
                    kind = "reply" if parent else "quote" if quoted else "tweet"
                    target = parent.id if parent else quoted.id if quoted else None
                    self._record(author, kind, target, text, pid)
            return post

    def _mention_entities(self, text: str) -> list[dict[str, Any]]:
        out = []
        for start, end, username in _text.mentions(text):
            entity: dict[str, Any] = {"start": start, "end": end, "username": username}
            uid = self._by_username.get(username.lower())
            if uid is not None:
                entity["id"] = uid
                entity["username"] = self.users[uid].username
            out.append(entity)
        return out

    def add_listener(self, listener: Callable[[Post], None]) -> None:
        """Call ``listener(post)`` for each new post, as it is stored (holding the world's lock:
        it must return at once)."""
        with self._lock:
            self._listeners.append(listener)

    def add_event_listener(self, listener: Callable[[str, Any], None]) -> None:
        """Call ``listener(kind, what)`` for each DM sent (``"dm"``, the ``DmEvent``), tweet
        deleted (``"delete"``, the ``Post``), follow and unfollow (``"follow"``/``"unfollow"``,
        ``(follower_id, followee_id)``), holding the world's lock: it must return at once."""
        with self._lock:
            self._event_listeners.append(listener)

    def _emit(self, kind: str, what: Any) -> None:
        for listener in self._event_listeners:
            listener(kind, what)

    def _store(self, post: Post) -> None:
        self.tweets[post.id] = post
        _append_sorted(self._all_tweets, post.id)
        _append_sorted(self._by_author.setdefault(post.author_id, []), post.id)
        self.users[post.author_id].tweet_count += 1
        seen: set[str] = set()
        for m in post.mentions:
            uid = m.get("id")
            if uid and uid not in seen:
                seen.add(uid)
                _append_sorted(self._mentions.setdefault(uid, []), post.id)
        for listener in self._listeners:
            listener(post)

    def retweet(
        self,
        user_id: str,
        tweet_id: int | str,
        *,
        created_at: datetime | None = None,
        record: bool = True,
    ) -> Post:
        """Retweet ``tweet_id`` (once: retweeting again changes nothing, as on X)."""
        with self._lock:
            user = self.user(user_id)
            original = self.tweet(tweet_id, "tweet_id")
            existing = self._retweets.get((user_id, original.id))
            if existing is not None:
                return self.tweets[existing]
            author = self.users[original.author_id]
            prefix = f"RT @{author.username}: "
            text, shift = prefix + original.text, len(prefix)
            pid = self._next_id(created_at)
            post = Post(
                id=pid,
                author_id=user_id,
                text=text,
                source_text=text,
                created_at=created_at or datetime.now(UTC),
                conversation_id=pid,
                referenced=(("retweeted", original.id),),
                urls=[
                    {**u, "start": u["start"] + shift, "end": u["end"] + shift}
                    for u in original.urls
                ],
                mentions=self._mention_entities(text),
                lang=original.lang,
            )
            original.retweet_count += 1
            self._retweets[(user_id, original.id)] = pid
            self._store(post)
            if user.brand and record:
                self._record(user, "retweet", original.id, None, pid)
            return post

    def like(self, user_id: str, tweet_id: int | str) -> bool:
        with self._lock:
            user = self.user(user_id)
            post = self.tweet(tweet_id, "tweet_id")
            if (user_id, post.id) in self._likes:
                return True
            self._likes.add((user_id, post.id))
            post.like_count += 1
            if user.brand:
                self._record(user, "like", post.id, None, None)
            return True

    def follow(self, follower_id: str, target_id: str) -> bool:
        with self._lock:
            follower = self.user(follower_id)
            self.user(target_id, "target_user_id")
            if follower_id == target_id:
                raise invalid("target_user_id", target_id, "You cannot follow yourself.")
            if self._follow(follower_id, target_id) and follower.brand:
                self._record(follower, "follow", target_id, None, None)
            return True

    def unfollow(self, follower_id: str, target_id: str) -> bool:
        with self._lock:
            follower = self.user(follower_id, "source_user_id")
            self.user(target_id, "target_user_id")
            if self._unfollow(follower_id, target_id) and follower.brand:
                self._record(follower, "unfollow", target_id, None, None)
            return False

    def delete_tweet(self, user_id: str, tweet_id: int | str) -> bool:
        with self._lock:
            user = self.user(user_id)
            post = self.tweet(tweet_id)
            if post.author_id != user_id:
                raise forbidden("You are not authorized to delete this Tweet.")
            post.deleted = True
            for index in (self._all_tweets, self._by_author.get(post.author_id, [])):
                _remove_sorted(index, post.id)
            for m in post.mentions:
                if m.get("id"):
                    _remove_sorted(self._mentions.get(m["id"], []), post.id)
            self._recent_text = {k: v for k, v in self._recent_text.items() if v != post.id}
            if user.brand:
                self._record(user, "delete", post.id, None, None)
            self._emit("delete", post)
            return True

    # --- timelines ------------------------------------------------------------------------

    def mentions(
        self,
        user_id: str,
        *,
        limit: int = 10,
        since_id: int | None = None,
        until_id: int | None = None,
        token: str | None = None,
    ) -> Page:
        with self._lock:
            self.user(user_id)
            ids = self._mentions.get(user_id, [])
            upper = until_id if until_id is not None else 1 << 63
            if token:
                upper = min(upper, decode_token(token))
            chosen, next_upper = _page(ids, limit, since_id or 0, upper)
            return Page(
                [self.tweets[i] for i in chosen],
                encode_token(next_upper) if next_upper is not None else None,
            )

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        since_id: int | None = None,
        until_id: int | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        token: str | None = None,
    ) -> Page:
        """Recent search (7 days) over a subset of X's operators: words, "phrases", from:, to:,
        @user, in_reply_to_tweet_id:, conversation_id:, is:retweet/reply/quote (and -is:)."""
        terms = _parse_query(query)
        with self._lock:
            candidates = self._candidates(terms)
            upper = until_id if until_id is not None else 1 << 63
            if token:
                upper = min(upper, decode_token(token, "next_token"))
            oldest = datetime.now(UTC) - SEARCH_WINDOW
            if start_time is not None and start_time > oldest:
                oldest = start_time
            hi = bisect.bisect_left(candidates, upper)
            lower = since_id or 0
            out: list[Post] = []
            i = hi - 1
            while i >= 0 and candidates[i] > lower:
                post = self.tweets[candidates[i]]
                if post.created_at < oldest:
                    break
                if (
                    not post.deleted
                    and (end_time is None or post.created_at < end_time)
                    and all(t(self, post) for t in terms)
                ):
                    out.append(post)
                    if len(out) == limit:
                        break
                i -= 1
            more = len(out) == limit and i > 0
            return Page(out, encode_token(out[-1].id) if more else None)

    def _candidates(self, terms: list[_Term]) -> list[int]:
        for term in terms:
            if term.op == "from" and not term.negate:
                uid = self._by_username.get(term.value.lower())
                return self._by_author.get(uid, []) if uid else []
            if term.op == "mention" and not term.negate:
                uid = self._by_username.get(term.value.lower())
                return self._mentions.get(uid, []) if uid else []
        return self._all_tweets

    # --- direct messages ------------------------------------------------------------------

    def send_dm(
        self,
        sender_id: str,
        recipient_id: str,
        text: str,
        *,
        created_at: datetime | None = None,
        record: bool = True,
        media: Sequence[Any] | None = None,
    ) -> DmEvent:
        if text is None or not str(text).strip():
            raise invalid("text", text or "", "text: a message needs at least 1 character")
        if len(text) > DM_MAX_CHARS:
            raise invalid("text", text[:20] + "…", f"text: at most {DM_MAX_CHARS} characters")
        with self._lock:
            sender = self.user(sender_id)
            self.user(recipient_id, "participant_id")
            if sender_id == recipient_id:
                raise invalid(
                    "participant_id", recipient_id, "You cannot send a message to yourself."
                )
            if not self.can_dm(sender_id, recipient_id):
                raise forbidden("You cannot send messages to users who are not following you.")
            media_keys = self._new_media(media, MEDIA_PER_DM, "DM")
            wrapped, urls = _text.wrap_urls(text, self._next_tco)
            event = DmEvent(
                id=self._next_id(created_at),
                sender_id=sender_id,
                recipient_id=recipient_id,
                text=wrapped,
                created_at=created_at or datetime.now(UTC),
                urls=urls,
                mentions=self._mention_entities(wrapped),
                media_keys=media_keys,
            )
            self.dms[event.id] = event
            self._dm_pairs.add((sender_id, recipient_id))
            for uid in {sender_id, recipient_id}:
                _append_sorted(self._dm_by_user.setdefault(uid, []), event.id)
            _append_sorted(self._dm_by_conversation.setdefault(event.conversation_id, []), event.id)
            if sender.brand and record:
                self._record(sender, "dm", recipient_id, text, event.id)
            self._emit("dm", event)
            return event

    def dm_events(
        self,
        user_id: str,
        *,
        limit: int = 100,
        token: str | None = None,
        participant_id: str | None = None,
    ) -> Page:
        """DM events the user took part in, newest first (one conversation with participant_id)."""
        with self._lock:
            if participant_id is not None:
                self.user(participant_id, "participant_id")
                a, b = sorted((user_id, participant_id), key=int)
                ids = self._dm_by_conversation.get(f"{a}-{b}", [])
            else:
                ids = self._dm_by_user.get(user_id, [])
            kind, bound = (
                _decode_token(token, "pagination_token", "pn") if token else ("p", 1 << 63)
            )
            if kind == "n":  # a previous_token: the `limit` events just after ``bound``
                lo = bisect.bisect_right(ids, bound)
                chosen = ids[lo : lo + limit][::-1]
                older = chosen[-1] if chosen and ids[0] < chosen[-1] else None
            else:
                chosen, older = _page(ids, limit, 0, bound)
            # X gives a page of DM events the token of the newer events too, even the first page
            return Page(
                [self.dms[i] for i in chosen],
                encode_token(older) if older is not None else None,
                encode_token(chosen[0], "n") if chosen else None,
            )

    # --- what the brand did -----------------------------------------------------------------

    def activity(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [a.as_dict() for a in self._activity[since:]]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "users": len(self.users),
                "tweets": len(self._all_tweets),
                "dms": len(self.dms),
                "activity": len(self._activity),
            }

    def run(self, fn: Callable[[World], Any]) -> Any:
        """Run ``fn(world)`` holding the lock (a batch of changes nobody sees half-done)."""
        with self._lock:
            return fn(self)


def _append_sorted(ids: list[int], value: int) -> None:
    if not ids or ids[-1] < value:
        ids.append(value)
    else:
        bisect.insort(ids, value)


def _remove_sorted(ids: list[int], value: int) -> None:
    i = bisect.bisect_left(ids, value)
    if i < len(ids) and ids[i] == value:
        del ids[i]


@dataclass(frozen=True)
class _Term:
    op: str
    value: str
    negate: bool = False

    def __call__(self, world: World, post: Post) -> bool:
        return self.matches(world, post) != self.negate

    def matches(self, world: World, post: Post) -> bool:
        if self.op == "from":
            return world.users[post.author_id].username.lower() == self.value.lower()
        if self.op == "to":
            uid = post.in_reply_to_user_id
            return uid is not None and world.users[uid].username.lower() == self.value.lower()
        if self.op == "mention":
            return any(m["username"].lower() == self.value.lower() for m in post.mentions)
        if self.op == "in_reply_to_tweet_id":
            return post.ref("replied_to") == int(self.value)
        if self.op == "conversation_id":
            return post.conversation_id == int(self.value)
        if self.op == "is":
            kind = {"retweet": "retweeted", "reply": "replied_to", "quote": "quoted"}[self.value]
            return post.ref(kind) is not None
        return self.value.lower() in post.text.lower()


def _tokens(query: str) -> Iterator[str]:
    i, n = 0, len(query)
    while i < n:
        if query[i].isspace():
            i += 1
            continue
        start = i
        if query[i] == '"' or query[i : i + 2] == '-"':
            i = query.find('"', i + (2 if query[i] == "-" else 1))
            i = n if i < 0 else i + 1
        else:
            while i < n and not query[i].isspace():
                i += 1
        yield query[start:i]


def _parse_query(query: str) -> list[_Term]:
    if not query or not query.strip() or len(query) > 512:
        raise invalid("query", query, "query: 1 to 512 characters")
    terms = []
    for raw in _tokens(query):
        negate = raw.startswith("-")
        word = raw[1:] if negate else raw
        if word.startswith('"'):
            terms.append(_Term("word", word.strip('"'), negate))
            continue
        if word.upper() == "OR" or word.startswith("("):
            raise invalid("query", query, "query: OR and groups are not supported by the sandbox")
        op, sep, value = word.partition(":")
        if sep and op in {"from", "to", "in_reply_to_tweet_id", "conversation_id", "is"}:
            if op in {"in_reply_to_tweet_id", "conversation_id"} and not value.isdigit():
                raise invalid("query", query, f"query: {op}: takes a tweet id")
            if op == "is" and value not in {"retweet", "reply", "quote"}:
                raise invalid("query", query, "query: is: takes retweet, reply or quote")
            terms.append(_Term(op, value.lstrip("@"), negate))
        elif word.startswith("@") and len(word) > 1:
            terms.append(_Term("mention", word[1:], negate))
        else:
            terms.append(_Term("word", word, negate))
    return terms

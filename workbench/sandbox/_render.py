"""X API v2 JSON for the world's objects: default fields plus the ones asked for, and includes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench.sandbox.world import DmEvent, Medium, Post, User, World, invalid, iso

TWEET_FIELDS = frozenset(
    [
        "article",
        "attachments",
        "author_id",
        "card_uri",
        "community_id",
        "context_annotations",
        "conversation_id",
        "created_at",
        "display_text_range",
        "edit_controls",
        "edit_history_tweet_ids",
        "entities",
        "geo",
        "id",
        "in_reply_to_user_id",
        "lang",
        "media_metadata",
        "non_public_metrics",
        "note_tweet",
        "organic_metrics",
        "possibly_sensitive",
        "promoted_metrics",
        "public_metrics",
        "referenced_tweets",
        "reply_settings",
        "scopes",
        "source",
        "suggested_source_links",
        "suggested_source_links_with_counts",
        "text",
        "withheld",
    ]
)
USER_FIELDS = frozenset(
    [
        "affiliation",
        "confirmed_email",
        "connection_status",
        "created_at",
        "description",
        "entities",
        "id",
        "is_identity_verified",
        "location",
        "most_recent_tweet_id",
        "name",
        "parody",
        "pinned_tweet_id",
        "profile_banner_url",
        "profile_image_url",
        "protected",
        "public_metrics",
        "receives_your_dm",
        "subscription",
        "subscription_type",
        "url",
        "username",
        "verified",
        "verified_followers_count",
        "verified_type",
        "withheld",
    ]
)
DM_FIELDS = frozenset(
    [
        "attachments",
        "created_at",
        "dm_conversation_id",
        "entities",
        "event_type",
        "id",
        "participant_ids",
        "referenced_tweets",
        "sender_id",
        "text",
    ]
)
TWEET_EXPANSIONS = frozenset(
    [
        "article.cover_media",
        "article.media_entities",
        "attachments.media_keys",
        "attachments.media_source_tweet",
        "attachments.poll_ids",
        "author_id",
        "edit_history_tweet_ids",
        "entities.mentions.username",
        "geo.place_id",
        "in_reply_to_user_id",
        "entities.note.mentions.username",
        "referenced_tweets.id",
        "referenced_tweets.id.attachments.media_keys",
        "referenced_tweets.id.author_id",
    ]
)
DM_EXPANSIONS = frozenset(
    ["attachments.media_keys", "participant_ids", "referenced_tweets.id", "sender_id"]
)
MEDIA_FIELDS = frozenset(
    [
        "alt_text",
        "duration_ms",
        "height",
        "media_key",
        "non_public_metrics",
        "organic_metrics",
        "preview_image_url",
        "promoted_metrics",
        "public_metrics",
        "type",
        "url",
        "variants",
        "width",
    ]
)
USER_EXPANSIONS = frozenset(["affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id"])


def parse_list(params: Any, name: str, allowed: frozenset[str]) -> frozenset[str]:
    """A comma-separated list parameter (``tweet.fields=a,b``), each value checked."""
    raw = params.get(name)
    if raw is None:
        return frozenset()
    values = [v for part in params.getlist(name) for v in part.split(",")]
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise invalid(
            name,
            ",".join(bad) or raw,
            f"The `{name}` query parameter value [{(bad or [raw])[0]}] is not one of "
            f"[{','.join(sorted(allowed))}]",
        )
    return frozenset(values)


def user_json(
    world: World, user: User, fields: frozenset[str], viewer: User | None
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": user.id, "name": user.name, "username": user.username}
    if not fields:
        return out
    if "created_at" in fields:
        out["created_at"] = iso(user.created_at)
    if "description" in fields:
        out["description"] = user.description
    if "location" in fields and user.location:
        out["location"] = user.location
    if "protected" in fields:
        out["protected"] = user.protected
    if "verified" in fields:
        out["verified"] = user.verified
    if "profile_image_url" in fields:
        out["profile_image_url"] = (
            f"https://pbs.twimg.com/profile_images/{user.id}/avatar_normal.jpg"
        )
    if "public_metrics" in fields:
        out["public_metrics"] = {
            "followers_count": user.followers_count,
            "following_count": user.following_count,
            "tweet_count": user.tweet_count,
            "listed_count": user.listed_count,
            "like_count": 0,
        }
    if viewer is not None and viewer.id != user.id:
        if "connection_status" in fields:
            status = []
            if world.follows(user.id, viewer.id):
                status.append("followed_by")
            if world.follows(viewer.id, user.id):
                status.append("following")
            out["connection_status"] = status
        if "receives_your_dm" in fields:
            out["receives_your_dm"] = world.can_dm(viewer.id, user.id)
    return out


def media_url(world: World, medium: Medium, suffix: str = "png") -> str:
    """Where the sandbox serves a medium (X: ``pbs.twimg.com``, ``video.twimg.com``): its own
    ``/sandbox/media/<key>.png``, a generated picture."""
    return f"{world.base_url}/sandbox/media/{medium.key}.{suffix}"


def media_json(world: World, medium: Medium, fields: frozenset[str]) -> dict[str, Any]:
    """X's Media object (Photo, Video or AnimatedGif): ``media_key`` and ``type`` always, the
    rest as asked in ``media.fields``."""
    out: dict[str, Any] = {"media_key": medium.key, "type": medium.type}
    if "width" in fields:
        out["width"] = medium.width
    if "height" in fields:
        out["height"] = medium.height
    if medium.type == "photo":
        if "url" in fields:
            out["url"] = media_url(world, medium)
        if "alt_text" in fields and medium.alt_text:
            out["alt_text"] = medium.alt_text
        return out
    if "preview_image_url" in fields:
        out["preview_image_url"] = media_url(world, medium)
    if "duration_ms" in fields and medium.duration_ms is not None:
        out["duration_ms"] = medium.duration_ms
    if "variants" in fields:
        out["variants"] = [
            {
                "bit_rate": 632000,
                "content_type": "video/mp4",
                "url": media_url(world, medium, "mp4"),
            }
        ]
    return out


def _media_includes(
    world: World, keys: Iterable[str], fields: frozenset[str]
) -> list[dict[str, Any]]:
    unique = dict.fromkeys(k for k in keys if k in world.media)
    return [media_json(world, world.media[k], fields) for k in unique]


def tweet_json(post: Post, fields: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(post.id),
        "text": post.text,
        "edit_history_tweet_ids": [str(post.id)],
    }
    if not fields:
        return out
    if "author_id" in fields:
        out["author_id"] = post.author_id
    if "created_at" in fields:
        out["created_at"] = iso(post.created_at)
    if "conversation_id" in fields:
        out["conversation_id"] = str(post.conversation_id)
    if "in_reply_to_user_id" in fields and post.in_reply_to_user_id:
        out["in_reply_to_user_id"] = post.in_reply_to_user_id
    if "referenced_tweets" in fields and post.referenced:
        out["referenced_tweets"] = [{"type": k, "id": str(i)} for k, i in post.referenced]
    if "attachments" in fields and post.media_keys:
        out["attachments"] = {"media_keys": list(post.media_keys)}
    if "entities" in fields and (post.urls or post.mentions):
        entities: dict[str, Any] = {}
        if post.urls:
            entities["urls"] = post.urls
        if post.mentions:
            entities["mentions"] = post.mentions
        out["entities"] = entities
    if "lang" in fields:
        out["lang"] = post.lang
    if "public_metrics" in fields:
        out["public_metrics"] = {
            "retweet_count": post.retweet_count,
            "reply_count": post.reply_count,
            "like_count": post.like_count,
            "quote_count": post.quote_count,
            "bookmark_count": 0,
            "impression_count": 0,
        }
    if "possibly_sensitive" in fields:
        out["possibly_sensitive"] = False
    if "reply_settings" in fields:
        out["reply_settings"] = "everyone"
    if "source" in fields:
        out["source"] = "Workbench sandbox"
    return out


def dm_json(event: DmEvent, fields: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(event.id), "event_type": "MessageCreate", "text": event.text}
    if "sender_id" in fields:
        out["sender_id"] = event.sender_id
    if "created_at" in fields:
        out["created_at"] = iso(event.created_at)
    if "dm_conversation_id" in fields:
        out["dm_conversation_id"] = event.conversation_id
    if "attachments" in fields and event.media_keys:
        out["attachments"] = {"media_keys": list(event.media_keys)}
    if "entities" in fields:
        if event.urls:
            out["urls"] = event.urls
        if event.mentions:
            out["mentions"] = event.mentions
    return out


def _users(
    world: World, ids: Iterable[str], fields: frozenset[str], viewer: User | None
) -> list[dict[str, Any]]:
    seen: dict[str, None] = {}
    for uid in ids:
        if uid and uid in world.users:
            seen.setdefault(uid)
    return [user_json(world, world.users[uid], fields, viewer) for uid in seen]


def tweets_answer(
    world: World,
    posts: list[Post],
    params: Any,
    viewer: User | None,
    meta: dict[str, Any] | None = None,
    single: bool = False,
) -> dict[str, Any]:
    """``{"data": ..., "includes": ..., "meta": ...}`` for tweets, as X builds it."""
    fields = parse_list(params, "tweet.fields", TWEET_FIELDS)
    user_fields = parse_list(params, "user.fields", USER_FIELDS)
    expansions = parse_list(params, "expansions", TWEET_EXPANSIONS)
    media_fields = parse_list(params, "media.fields", MEDIA_FIELDS)
    answer: dict[str, Any] = {}
    if posts:
        data = [tweet_json(p, fields) for p in posts]
        answer["data"] = data[0] if single else data
    includes: dict[str, Any] = {}
    if posts and expansions:
        user_ids: list[str] = []
        referenced: list[Post] = []
        if "referenced_tweets.id" in expansions or "referenced_tweets.id.author_id" in expansions:
            for p in posts:
                for _, rid in p.referenced:
                    ref = world.tweets.get(rid)
                    if ref is not None and not ref.deleted:
                        referenced.append(ref)
        for p in posts:
            if "author_id" in expansions:
                user_ids.append(p.author_id)
            if "in_reply_to_user_id" in expansions and p.in_reply_to_user_id:
                user_ids.append(p.in_reply_to_user_id)
            if "entities.mentions.username" in expansions:
                user_ids.extend(m["id"] for m in p.mentions if "id" in m)
        if "referenced_tweets.id.author_id" in expansions:
            user_ids.extend(r.author_id for r in referenced)
        users = _users(world, user_ids, user_fields, viewer)
        if users:
            includes["users"] = users
        if referenced and "referenced_tweets.id" in expansions:
            unique = {r.id: r for r in referenced}
            includes["tweets"] = [tweet_json(r, fields) for r in unique.values()]
        if "attachments.media_keys" in expansions:
            media = _media_includes(world, (k for p in posts for k in p.media_keys), media_fields)
            if media:
                includes["media"] = media
    if includes:
        answer["includes"] = includes
    if meta is not None:
        answer["meta"] = meta
    return answer


def timeline_meta(posts: list[Post], next_token: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"result_count": len(posts)}
    if posts:
        meta["newest_id"] = str(posts[0].id)
        meta["oldest_id"] = str(posts[-1].id)
    if next_token:
        meta["next_token"] = next_token
    return meta


def dm_answer(
    world: World,
    events: list[DmEvent],
    params: Any,
    viewer: User | None,
    next_token: str | None,
    previous_token: str | None = None,
) -> dict[str, Any]:
    fields = parse_list(params, "dm_event.fields", DM_FIELDS)
    user_fields = parse_list(params, "user.fields", USER_FIELDS)
    expansions = parse_list(params, "expansions", DM_EXPANSIONS)
    media_fields = parse_list(params, "media.fields", MEDIA_FIELDS)
    parse_list(params, "tweet.fields", TWEET_FIELDS)
    answer: dict[str, Any] = {}
    if events:
        answer["data"] = [dm_json(e, fields) for e in events]
        includes: dict[str, Any] = {}
        ids: list[str] = []
        if "sender_id" in expansions:
            ids.extend(e.sender_id for e in events)
        if "participant_ids" in expansions:
            ids.extend(uid for e in events for uid in (e.sender_id, e.recipient_id))
        users = _users(world, ids, user_fields, viewer)
        if users:
            includes["users"] = users
        if "attachments.media_keys" in expansions:
            media = _media_includes(world, (k for e in events for k in e.media_keys), media_fields)
            if media:
                includes["media"] = media
        if includes:
            answer["includes"] = includes
    meta: dict[str, Any] = {"result_count": len(events)}
    if next_token:
        meta["next_token"] = next_token
    if previous_token:
        meta["previous_token"] = previous_token
    answer["meta"] = meta
    return answer


def users_answer(
    world: World,
    users: list[User],
    params: Any,
    viewer: User | None,
    errors: list[dict[str, Any]] | None = None,
    meta: dict[str, Any] | None = None,
    single: bool = False,
) -> dict[str, Any]:
    fields = parse_list(params, "user.fields", USER_FIELDS)
    parse_list(params, "expansions", USER_EXPANSIONS)
    parse_list(params, "tweet.fields", TWEET_FIELDS)
    answer: dict[str, Any] = {}
    if users:
        data = [user_json(world, u, fields, viewer) for u in users]
        answer["data"] = data[0] if single else data
    if errors:
        answer["errors"] = errors
    if meta is not None:
        answer["meta"] = meta
    return answer

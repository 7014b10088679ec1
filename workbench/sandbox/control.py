"""The sandbox's control API (``/sandbox/...``): make customers act, read what the brand did,
inject faults, tune rate limits, change the access plan, reset. Bodies may be one object or a
list of them (bulk)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.sandbox.world import Problem, User, World, iso

_USER_FIELDS = {
    "username",
    "name",
    "id",
    "followers_count",
    "following_count",
    "tweet_count",
    "listed_count",
    "follows_brand",
    "dm_open",
    "phone",
    "email",
    "description",
    "location",
    "verified",
}


def _answer(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False).encode(), status, media_type="application/json"
    )


def _bad(detail: str, status: int = 400) -> Response:
    body = {"title": "Invalid Request", "detail": detail, "type": "about:blank", "status": status}
    return Response(json.dumps(body).encode(), status, media_type="application/problem+json")


def control(
    fn: Callable[[Request, Any], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await fn(request, request.app.state.sandbox)
        except Problem as exc:
            return Response(
                json.dumps(exc.body).encode(), exc.status, media_type="application/problem+json"
            )
        except (ValueError, TypeError, KeyError) as exc:
            return _bad(f"{request.url.path}: {exc}")

    endpoint.__name__ = fn.__name__
    return endpoint


async def _items(request: Request) -> tuple[list[dict[str, Any]], bool]:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise ValueError("the body must be JSON: an object or a list of objects") from None
    many = isinstance(body, list)
    items = body if many else [body]
    if not items or not all(isinstance(i, dict) for i in items):
        raise ValueError("the body must be an object or a list of objects")
    return items, many


def user_record(world: World, user: User) -> dict[str, Any]:
    """A user as the control API shows it (with the record's phone and e-mail)."""
    brand = world.default_brand
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "followers_count": user.followers_count,
        "following_count": user.following_count,
        "tweet_count": user.tweet_count,
        "follows_brand": world.follows(user.id, brand.id),
        "follows": [b.username for b in world.brands if world.follows(user.id, b.id)],
        "dm_open": user.dm_open,
        "phone": user.phone,
        "email": user.email,
        "brand": user.brand,
    }


def _add_user(world: World, body: dict[str, Any]) -> User:
    unknown = sorted(set(body) - _USER_FIELDS)
    if unknown:
        raise ValueError(f"unknown user fields {unknown}; allowed: {sorted(_USER_FIELDS)}")
    if not isinstance(body.get("username"), str):
        raise ValueError("username: required, 1 to 15 letters, digits or _")
    args = dict(body)
    username = args.pop("username")
    for name in ("followers_count", "following_count", "tweet_count", "listed_count"):
        if name in args and (not isinstance(args[name], int) or args[name] < 0):
            raise ValueError(f"{name}: a whole number, not negative")
    return world.add_user(username, **args)


def _author(world: World, username: Any) -> User:
    if not isinstance(username, str) or not username:
        raise ValueError("author: required, the username of a customer")
    try:
        return world.user_by_username(username)
    except Problem:
        return world.add_user(username.lstrip("@"))


@control
async def add_users(request: Request, sb: Any) -> Response:
    items, many = await _items(request)
    users = [user_record(sb.world, _add_user(sb.world, i)) for i in items]
    return _answer(users if many else users[0], 201)


@control
async def get_users(request: Request, sb: Any) -> Response:
    username = request.query_params.get("username")
    if username:
        return _answer(user_record(sb.world, sb.world.user_by_username(username)))
    return _answer([user_record(sb.world, u) for u in list(sb.world.users.values())])


@control
async def accounts(request: Request, sb: Any) -> Response:
    return _answer(
        [
            {"id": b.id, "username": b.username, "default": i == 0}
            for i, b in enumerate(sb.world.brands)
        ]
    )


def _tweet(world: World, body: dict[str, Any]) -> dict[str, Any]:
    allowed = {
        "author",
        "text",
        "in_reply_to_tweet_id",
        "quote_tweet_id",
        "retweet_of",
        "lang",
        "media",
    }
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ValueError(f"unknown tweet fields {unknown}; allowed: {sorted(allowed)}")
    author = _author(world, body.get("author"))
    if body.get("retweet_of") is not None:
        post = world.retweet(author.id, body["retweet_of"])
    else:
        post = world.post(
            author.id,
            body.get("text") or "",
            in_reply_to=body.get("in_reply_to_tweet_id"),
            quote_of=body.get("quote_tweet_id"),
            lang=body.get("lang") or "en",
            media=body.get("media"),
        )
    return {
        "id": str(post.id),
        "text": post.text,
        "author_id": post.author_id,
        "created_at": iso(post.created_at),
        "media_keys": list(post.media_keys),
    }


@control
async def add_tweets(request: Request, sb: Any) -> Response:
    items, many = await _items(request)
    made = sb.world.run(lambda w: [_tweet(w, i) for i in items])
    return _answer(made if many else made[0], 201)


@control
async def delete_tweet(request: Request, sb: Any) -> Response:
    """Its author deletes the tweet (any user's: customers have no token to call X's
    ``DELETE /2/tweets/:id`` with); lookups then answer resource-not-found, as X does, and the
    Activity API delivers ``post.delete``."""
    tweet_id = request.path_params["id"]
    if not tweet_id.isdigit():
        raise ValueError("id: a tweet id, decimal digits")

    def delete(world: World) -> Any:
        post = world.tweet(tweet_id)
        world.delete_tweet(post.author_id, tweet_id)
        return post

    post = sb.world.run(delete)
    return _answer({"id": str(post.id), "author_id": post.author_id, "deleted": True})


def _dm(world: World, body: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(body) - {"author", "text", "to", "media"})
    if unknown:
        raise ValueError(f"unknown DM fields {unknown}; allowed: author, text, to, media")
    author = _author(world, body.get("author"))
    to = world.user_by_username(body["to"]) if body.get("to") else world.default_brand
    event = world.send_dm(author.id, to.id, body.get("text") or "", media=body.get("media"))
    return {
        "id": str(event.id),
        "text": event.text,
        "sender_id": event.sender_id,
        "dm_conversation_id": event.conversation_id,
        "created_at": iso(event.created_at),
        "media_keys": list(event.media_keys),
    }


@control
async def add_dms(request: Request, sb: Any) -> Response:
    items, many = await _items(request)
    made = sb.world.run(lambda w: [_dm(w, i) for i in items])
    return _answer(made if many else made[0], 201)


async def media(request: Request) -> Response:
    """``GET /sandbox/media/<media_key>.png``: the picture of a medium (a photo, or a video's or
    GIF's still), as X's media hosts serve them: no authentication, cached for a long time."""
    from workbench.sandbox._png import picture

    key, _, suffix = request.path_params["name"].rpartition(".")
    world: World = request.app.state.sandbox.world
    if suffix != "png" or key not in world.media:
        return _bad(f"/sandbox/media: no medium {request.path_params['name']!r}", 404)
    return Response(
        picture(key),
        200,
        {"cache-control": "public, max-age=604800", "x-content-type-options": "nosniff"},
        media_type="image/png",
    )


@control
async def follows(request: Request, sb: Any) -> Response:
    """``{"follower": username, "followee": username, "follow": true|false}``: a customer
    follows (or unfollows) an account: X's follow.follow / follow.unfollow follow."""
    items, many = await _items(request)
    made = []
    for body in items:
        unknown = sorted(set(body) - {"follower", "followee", "follow"})
        if unknown:
            raise ValueError(f"unknown fields {unknown}; allowed: follower, followee, follow")
        follower = _author(sb.world, body.get("follower"))
        followee = (
            sb.world.user_by_username(body["followee"])
            if body.get("followee")
            else sb.world.default_brand
        )
        if body.get("follow", True):
            sb.world.follow(follower.id, followee.id)
        else:
            sb.world.unfollow(follower.id, followee.id)
        made.append(user_record(sb.world, follower))
    return _answer(made if many else made[0], 201)


@control
async def oauth(request: Request, sb: Any) -> Response:
    """The sandbox's OAuth 2.0 server: ``{"lifetime": seconds}`` sets how long new access
    tokens live; ``{"expire": true}`` makes every access token issued so far expired."""
    expired = 0
    if request.method == "POST":
        items, _ = await _items(request)
        body = items[0]
        unknown = sorted(set(body) - {"lifetime", "expire"})
        if unknown:
            raise ValueError(f"unknown fields {unknown}; allowed: lifetime, expire")
        if "lifetime" in body:
            if not isinstance(body["lifetime"], int | float) or body["lifetime"] <= 0:
                raise ValueError("lifetime: seconds, greater than 0")
            sb.oauth.lifetime = float(body["lifetime"])
        if body.get("expire"):
            expired = sb.oauth.expire_all()
    return _answer({"lifetime": sb.oauth.lifetime, "expired": expired})


@control
async def drop_streams(request: Request, sb: Any) -> Response:
    """End every open stream (filtered and activity) at once, as a network drop would."""
    counts = {"filtered": sb.streams.connections, "activity": sb.activity.connections}
    sb.streams.close_all()
    sb.activity.close_all()
    return _answer({"dropped": counts})


@control
async def activity(request: Request, sb: Any) -> Response:
    since = int(request.query_params.get("since", "0"))
    return _answer({"data": sb.world.activity(since)})


@control
async def faults(request: Request, sb: Any) -> Response:
    if request.method == "GET":
        return _answer({"data": sb.faults.list()})
    if request.method == "DELETE":
        sb.faults.clear()
        return _answer({"data": []})
    items, many = await _items(request)
    made = [sb.faults.add(i).as_dict() for i in items]
    return _answer(made if many else made[0], 201)


@control
async def rate_limits(request: Request, sb: Any) -> Response:
    if request.method == "POST":
        items, _ = await _items(request)
        body = items[0]
        unknown = sorted(set(body) - {"scale", "window_seconds", "limits"})
        if unknown:
            raise ValueError(f"unknown fields {unknown}; allowed: scale, window_seconds, limits")
        sb.limits.configure(
            scale=body.get("scale"), window=body.get("window_seconds"), limits=body.get("limits")
        )
    return _answer(
        {
            "scale": sb.limits.scale,
            "window_seconds": sb.limits.window,
            "limits": {k: sb.limits.limit_for(k) for k in sb.limits.endpoints},
            "windows": {k: sb.limits.windows(k) for k in sb.limits.endpoints},
        }
    )


def plan_record(plan: Any) -> dict[str, Any]:
    return {
        "plan": plan.name,
        "label": plan.label,
        "self_serve": plan.self_serve,
        "allows": sorted(c.value for c in plan.allowed),
        "refuses": [
            {
                "capability": r.capability.value,
                "rule": r.rule,
                "since": r.date.isoformat(),
                "reason": r.reason,
            }
            for r in plan.refuses()
        ],
    }


@control
async def plan(request: Request, sb: Any) -> Response:
    """The access plan the sandbox enforces; POST ``{"plan": "basic"}`` changes it."""
    if request.method == "POST":
        from workbench.domain.plan import PlanTableError
        from workbench.sandbox.app import resolve_plan

        items, _ = await _items(request)
        unknown = sorted(set(items[0]) - {"plan"})
        if unknown or not isinstance(items[0].get("plan"), str):
            raise ValueError("plan: one of pay-per-use, basic, pro, enterprise")
        try:
            sb.plan = resolve_plan(items[0]["plan"])
        except PlanTableError as exc:
            raise ValueError(str(exc)) from None
    return _answer(plan_record(sb.plan))


@control
async def reset(request: Request, sb: Any) -> Response:
    raw = await request.body()
    body = json.loads(raw) if raw.strip() else {}
    sb.reset(seed=body.get("seed"))
    return _answer({"ok": True, **sb.world.counts()})


@control
async def health(request: Request, sb: Any) -> Response:
    return _answer({"ok": True, "requests": sb.requests, "plan": sb.plan.name, **sb.world.counts()})


CONTROL_ROUTES = [
    Route("/sandbox/users", add_users, methods=["POST"]),
    Route("/sandbox/users", get_users, methods=["GET"]),
    Route("/sandbox/accounts", accounts, methods=["GET"]),
    Route("/sandbox/tweets", add_tweets, methods=["POST"]),
    Route("/sandbox/tweets/{id}", delete_tweet, methods=["DELETE"]),
    Route("/sandbox/dms", add_dms, methods=["POST"]),
    Route("/sandbox/media/{name}", media, methods=["GET"]),
    Route("/sandbox/follows", follows, methods=["POST"]),
    Route("/sandbox/oauth", oauth, methods=["GET", "POST"]),
    Route("/sandbox/streams/drop", drop_streams, methods=["POST"]),
    Route("/sandbox/activity", activity, methods=["GET"]),
    Route("/sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route("/sandbox/rate-limits", rate_limits, methods=["GET", "POST"]),
    Route("/sandbox/plan", plan, methods=["GET", "POST"]),
    Route("/sandbox/reset", reset, methods=["POST"]),
    Route("/sandbox/health", health, methods=["GET"]),
]

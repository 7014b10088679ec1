"""The sandbox's HTTP face: X API v2 paths (auth, rate limits, problem+json) and the control API."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from workbench.domain.plan import Capability, Plan, Refusal
from workbench.sandbox import _render as render
from workbench.sandbox.activity import EVENT_TYPES, ActivityHub, is_private, scope_for
from workbench.sandbox.limits import Fault, Faults, RateLimits
from workbench.sandbox.oauth import Grant, OAuthServer
from workbench.sandbox.stream import KEEP_ALIVE, StreamHub, rules_meta
from workbench.sandbox.world import Problem, User, World, decode_token, encode_token, invalid

PROBLEM_JSON = "application/problem+json"
JSON = "application/json; charset=utf-8"
"""What X's answers say they are (every v2 answer recorded in tweepy's cassettes: see
tests/x_recorded_answers.json); Starlette names a charset for text/* types only."""
_TITLES = {
    400: "Invalid Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found Error",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_OAUTH_TOKEN = re.compile(r'oauth_token="([^"]*)"')
_ID = re.compile(r"^[0-9]{1,19}$")


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(body), status, headers, media_type=JSON)


def _problem(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(problem.body), problem.status, headers, media_type=PROBLEM_JSON)


def status_problem(status: int) -> Problem:
    title = _TITLES.get(status, "Error")
    return Problem(status, title, title)


class Auth:
    """Who is calling: the brand account an OAuth 1.0a token, an OAuth 2.0 user-context token
    (``grant``: its scopes) or the app's Bearer token acts as."""

    def __init__(self, account: User, user_context: bool, grant: Grant | None = None) -> None:
        self.account = account
        self.user_context = user_context
        self.grant = grant

    @property
    def access_level(self) -> str:
        """X's ``x-access-level`` header: ``read`` for the app's Bearer token,
        ``read-write-directmessages`` for an OAuth 1.0a token of an app allowed everything (as
        the recorded ones were); for an OAuth 2.0 token, what its scopes allow."""
        if self.grant is not None:
            scopes = self.grant.scopes
            level = "read-write" if any(s.endswith(".write") for s in scopes) else "read"
            return level + ("-directmessages" if {"dm.read", "dm.write"} & scopes else "")
        return "read-write-directmessages" if self.user_context else "read"


def authenticate(request: Request, sb: Sandbox) -> Auth:
    world = sb.world
    header = request.headers.get("authorization", "")
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "oauth":
        match = _OAUTH_TOKEN.search(rest)
        if (
            match
            and match.group(1)
            and "oauth_signature=" in rest
            and "oauth_consumer_key=" in rest
        ):
            return Auth(world.brand_for_token(match.group(1)), True)
    elif scheme.lower() == "bearer" and rest.strip() and rest.strip() != "None":
        grant = sb.oauth.grant_for(rest.strip())
        if grant is not None:
            if grant.expires_at < time.time():
                raise Problem(401, "Unauthorized", "Unauthorized")
            return Auth(world.user(grant.user_id), True, grant)
        return Auth(world.brand_for_token(rest.strip()), False)
    raise Problem(401, "Unauthorized", "Unauthorized")


Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]
"""A handler's answer: status and body, and the headers of its own (``location``)."""
Handler = Callable[[Request, "Sandbox", Auth], Awaitable[Answer | Response]]
_APP_ONLY = Problem(
    403,
    "Unsupported Authentication",
    "Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  Supported "
    "authentication types are [OAuth 2.0 Application-Only].",
    "https://api.twitter.com/2/problems/unsupported-authentication",
)


def plan_problem(refusal: Refusal) -> Problem:
    """X's answer to a call the app's access plan does not allow: 403, client-forbidden."""
    return Problem(
        403,
        "Client Forbidden",
        f"{refusal.reason}. X, {refusal.date.isoformat()}: {refusal.wording} This app is on "
        f"the {refusal.plan} plan.",
        "https://api.twitter.com/2/problems/client-forbidden",
        reason="client-not-enrolled",
        registration_url="https://developer.x.com/en/portal/products",
        required_enrollment="Enterprise",
    )


class Sandbox:
    """The world with its rate limits, faults and access plan; the app's state."""

    def __init__(
        self,
        world: World,
        limits: RateLimits | None = None,
        faults: Faults | None = None,
        seed: int | None = None,
        plan: Plan | str | None = None,
    ) -> None:
        self.world = world
        self.limits = limits or RateLimits()
        self.faults = faults or Faults(seed or 0)
        self.plan = resolve_plan(plan)
        self.requests = 0
        self.player: Any = None
        self.streams = StreamHub(world)
        self.activity = ActivityHub(world)
        self.oauth = OAuthServer(world)
        self.keep_alive = KEEP_ALIVE
        if seed is not None:
            self.seed(seed)

    def seed(self, seed: int) -> None:
        """Play a seeded history of customer traffic into the world."""
        from workbench.sandbox.seed import seed_world

        self.player = seed_world(self.world, seed)

    def reset(self, seed: int | None = None) -> None:
        """Back to the brand accounts alone (then a seeded history, if ``seed`` is given)."""
        self.world.reset()
        self.activity.forget()
        self.faults.clear()
        self.limits.reset()
        self.player = None
        if seed is not None:
            self.seed(seed)

    def live_player(self) -> Any:
        """The player live traffic goes on with (a fresh crowd when nothing was seeded)."""
        if self.player is None:
            from workbench.sandbox.seed import Player
            from workbench.traffic import Traffic

            self.player = Player(self.world, Traffic(0, [b.username for b in self.world.brands]))
        return self.player


def resolve_plan(plan: Plan | str | None) -> Plan:
    """A ``Plan`` from its name; ``None``: the ``WORKBENCH_X_PLAN`` setting (pay-per-use)."""
    from workbench import x_rules

    if isinstance(plan, Plan):
        return plan
    if plan is None:
        import os

        from workbench.config import SETTINGS

        # this setting alone: a sandbox starts whatever else the environment holds
        plan = next(s for s in SETTINGS if s.name == "WORKBENCH_X_PLAN").read(os.environ)
    return x_rules.plan(str(plan))


def refuse_unless_allowed(sb: Sandbox, capability: Capability, *, summoned: bool = True) -> None:
    refusal = sb.plan.allows(capability, summoned=summoned)
    if refusal is not None:
        raise plan_problem(refusal)


def _corrupt(body: Any) -> Any:
    """Break the first item of an answer the way a bad upstream would: no author, no date."""
    data = body.get("data") if isinstance(body, dict) else None
    item = data[0] if isinstance(data, list) and data else data if isinstance(data, dict) else None
    if item is not None:
        item.pop("author_id", None)
        item.pop("sender_id", None)
        if "created_at" in item:
            item["created_at"] = "yesterday-ish"
    return body


def api(
    key: str,
    *,
    user_context: bool = False,
    app_only: bool = False,
    capability: Capability | None = None,
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap an X API handler: auth, rate limit, faults, problem+json, x-rate-limit headers, and
    the access plan (``capability``: what the call does, refused with X's 403 when the plan
    does not allow it).

    A handler answers ``(status, body)`` or ``(status, body, headers)``, or a ``Response`` of
    its own (a stream). Every answer after authentication carries X's ``x-access-level``."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            sb: Sandbox = request.app.state.sandbox
            sb.requests += 1
            who: str | None
            try:
                auth = authenticate(request, sb)
                who = auth.account.id if auth.user_context else None
            except Problem as exc:
                auth, who = None, "anonymous"
                failure: Problem | None = exc
            else:
                failure = None
            # on user-context endpoints the per-app windows count all the app's requests
            allowed, headers = sb.limits.take(who, key, app_total=user_context and auth is not None)
            if failure is not None or auth is None:
                return _problem(failure or status_problem(401), headers)
            headers["x-access-level"] = auth.access_level
            if not allowed:
                return _problem(status_problem(429), headers)
            fault: Fault | None = sb.faults.take(request.method, request.url.path)
            if fault is not None:
                if fault.delay_ms:
                    await asyncio.sleep(fault.delay_ms / 1000)
                if fault.status and not fault.after:
                    return _problem(status_problem(fault.status), _fault_headers(fault, headers))
            if user_context and not auth.user_context:
                return _problem(
                    Problem(
                        403,
                        "Unsupported Authentication",
                        "Authenticating with OAuth 2.0 Application-Only is forbidden for this "
                        "endpoint.  Supported authentication types are [OAuth 1.0a User Context, "
                        "OAuth 2.0 User Context].",
                        "https://api.twitter.com/2/problems/unsupported-authentication",
                    ),
                    headers,
                )
            if app_only and auth.user_context:
                return _problem(_APP_ONLY, headers)
            try:
                if capability is not None:
                    refuse_unless_allowed(sb, capability)
                answer = await handler(request, sb, auth)
            except Problem as exc:
                return _problem(exc, headers)
            if isinstance(answer, Response):
                answer.headers.update(headers)
                return answer
            status, body = answer[0], answer[1]
            if fault is not None:
                if fault.status and fault.after:
                    return _problem(status_problem(fault.status), _fault_headers(fault, headers))
                if fault.corrupt:
                    body = _corrupt(body)
            if len(answer) == 3:
                headers = {**headers, **answer[2]}
            return _json(body, status, headers)

        endpoint.__name__ = handler.__name__
        return endpoint

    return wrap


def _fault_headers(fault: Fault, headers: dict[str, str]) -> dict[str, str]:
    if fault.status != 429:
        return headers
    return {
        **headers,
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(int(time.time()) + 1),
    }


# --- parameters --------------------------------------------------------------------------------


def _int(params: Any, name: str, lo: int, hi: int, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        raise invalid(
            name, raw, f"The `{name}` query parameter value [{raw}] is not between {lo} and {hi}"
        )
    return value


def _id(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    if not _ID.match(value):
        raise invalid(name, value, f"The `{name}` query parameter value [{value}] is not valid")
    return int(value)


def _path_id(request: Request, name: str) -> str:
    value = request.path_params[name]
    if not _ID.match(value):
        raise invalid(name, value, f"The `{name}` path parameter value [{value}] is not valid")
    return str(value)


def _time(params: Any, name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(
            name, raw, f"The `{name}` query parameter value [{raw}] is not a date-time"
        ) from None


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise invalid("body", raw[:40].decode("utf-8", "replace"), "the body must be a JSON object")
    return body


def _self(request: Request, auth: Auth, name: str = "id") -> str:
    uid = _path_id(request, name)
    if uid != auth.account.id:
        raise Problem(403, "Forbidden", "You are not permitted to perform this action.")
    return uid


def _lookup_errors(exc: Problem) -> dict[str, Any]:
    """X answers a lookup of something missing with 200 and an ``errors`` list."""
    body = dict(exc.body)
    body.pop("status", None)
    return body


# --- X API v2 handlers -------------------------------------------------------------------------


@api("GET /2/users/me", user_context=True, capability=Capability.LOOKUP)
async def users_me(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    return 200, render.users_answer(
        sb.world, [auth.account], request.query_params, auth.account, single=True
    )


@api("GET /2/users/:id", capability=Capability.LOOKUP)
async def user_by_id(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    uid = _path_id(request, "id")
    try:
        user = sb.world.user(uid)
    except Problem as exc:
        return 200, render.users_answer(
            sb.world, [], request.query_params, auth.account, errors=[_lookup_errors(exc)]
        )
    return 200, render.users_answer(
        sb.world, [user], request.query_params, auth.account, single=True
    )


@api("GET /2/users/by/username/:username", capability=Capability.LOOKUP)
async def user_by_username(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    username = request.path_params["username"]
    if not re.match(r"^[A-Za-z0-9_]{1,15}$", username):
        raise invalid(
            "username", username, f"The `username` path parameter value [{username}] is not valid"
        )
    try:
        user = sb.world.user_by_username(username)
    except Problem as exc:
        return 200, render.users_answer(
            sb.world, [], request.query_params, auth.account, errors=[_lookup_errors(exc)]
        )
    return 200, render.users_answer(
        sb.world, [user], request.query_params, auth.account, single=True
    )


def _many(request: Request, name: str, pattern: str) -> list[str]:
    raw = request.query_params.get(name)
    values = [v for v in (raw or "").split(",") if v]
    if not values or len(values) > 100 or not all(re.match(pattern, v) for v in values):
        raise invalid(name, raw or "", f"`{name}`: 1 to 100 comma-separated values")
    return values


@api("GET /2/users", capability=Capability.LOOKUP)
async def users_by_ids(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    users, errors = [], []
    for uid in _many(request, "ids", r"^[0-9]{1,19}$"):
        try:
            users.append(sb.world.user(uid, "ids"))
        except Problem as exc:
            errors.append(_lookup_errors(exc))
    return 200, render.users_answer(sb.world, users, request.query_params, auth.account, errors)


@api("GET /2/users/by", capability=Capability.LOOKUP)
async def users_by_usernames(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    users, errors = [], []
    for name in _many(request, "usernames", r"^[A-Za-z0-9_]{1,15}$"):
        try:
            users.append(sb.world.user_by_username(name))
        except Problem as exc:
            body = _lookup_errors(exc)
            body["parameter"] = "usernames"
            errors.append(body)
    return 200, render.users_answer(sb.world, users, request.query_params, auth.account, errors)


@api("GET /2/users/:id/mentions", capability=Capability.MENTIONS_READ)
async def mentions(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    q = request.query_params
    uid = _path_id(request, "id")
    limit = _int(q, "max_results", 5, 100, 10)
    page = sb.world.mentions(
        uid,
        limit=limit,
        since_id=_id(q.get("since_id"), "since_id"),
        until_id=_id(q.get("until_id"), "until_id"),
        token=q.get("pagination_token"),
    )
    start, end = _time(q, "start_time"), _time(q, "end_time")
    items = [
        p
        for p in page.items
        if (start is None or p.created_at >= start) and (end is None or p.created_at < end)
    ]
    return 200, render.tweets_answer(
        sb.world, items, q, auth.account, render.timeline_meta(items, page.next_token)
    )


@api("GET /2/tweets/search/recent", capability=Capability.SEARCH)
async def search_recent(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    q = request.query_params
    query = q.get("query")
    if not query:
        raise invalid("query", "", "The `query` query parameter can not be empty")
    page = sb.world.search(
        query,
        limit=_int(q, "max_results", 10, 100, 10),
        since_id=_id(q.get("since_id"), "since_id"),
        until_id=_id(q.get("until_id"), "until_id"),
        start_time=_time(q, "start_time"),
        end_time=_time(q, "end_time"),
        token=q.get("next_token") or q.get("pagination_token"),
    )
    return 200, render.tweets_answer(
        sb.world, page.items, q, auth.account, render.timeline_meta(page.items, page.next_token)
    )


@api("GET /2/tweets/:id", capability=Capability.LOOKUP)
async def tweet_by_id(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    tid = _path_id(request, "id")
    try:
        post = sb.world.tweet(tid)
    except Problem as exc:
        return 200, {"errors": [_lookup_errors(exc)]}
    return 200, render.tweets_answer(
        sb.world, [post], request.query_params, auth.account, single=True
    )


@api("GET /2/tweets", capability=Capability.LOOKUP)
async def tweets_by_ids(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    posts, errors = [], []
    for tid in _many(request, "ids", r"^[0-9]{1,19}$"):
        try:
            posts.append(sb.world.tweet(tid, "ids"))
        except Problem as exc:  # deleted or never there: X's resource-not-found entry
            errors.append(_lookup_errors(exc))
    answer = render.tweets_answer(sb.world, posts, request.query_params, auth.account)
    if errors:
        answer["errors"] = errors
    return 200, answer


@api("POST /2/tweets", user_context=True)
async def create_tweet(request: Request, sb: Sandbox, auth: Auth) -> Answer:
    body = await _body(request)
    unsupported = sorted(set(body) & {"media", "poll", "card_uri", "geo", "edit_options"})
    if unsupported:
        raise invalid(unsupported[0], "", f"`{unsupported[0]}` is not supported by the sandbox")
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise invalid("text", text, "text: must be a string")
    reply = body.get("reply") or {}
    if not isinstance(reply, dict):
        raise invalid("reply", reply, "reply: must be an object")
    reply_to = reply.get("in_reply_to_tweet_id")
    quote = body.get("quote_tweet_id")
    for name, value in (("reply.in_reply_to_tweet_id", reply_to), ("quote_tweet_id", quote)):
        if value is not None and not (isinstance(value, str) and _ID.match(value)):
            raise invalid(name, value, f"{name}: a tweet id string")
    if quote is not None:
        refuse_unless_allowed(sb, Capability.QUOTE)
    elif reply_to is None:
        refuse_unless_allowed(sb, Capability.POST)
    if reply_to is not None and sb.plan.allows(Capability.REPLY, summoned=False) is not None:
        refuse_unless_allowed(
            sb, Capability.REPLY, summoned=sb.world.summoned(reply_to, auth.account.id)
        )
    try:
        post = sb.world.post(auth.account.id, text or "", in_reply_to=reply_to, quote_of=quote)
    except Problem as exc:
        if exc.status == 404:
            raise Problem(
                403,
                "Forbidden",
                "You attempted to reply to a Tweet that is deleted or not visible to you."
                if reply_to is not None
                else "You attempted to quote a Tweet that is deleted or not visible to you.",
            ) from None
        raise
    return (
        201,
        {"data": {"id": str(post.id), "text": post.text, "edit_history_tweet_ids": [str(post.id)]}},
        {"location": f"{sb.world.base_url}/2/tweets/{post.id}"},
    )


@api("DELETE /2/tweets/:id", user_context=True, capability=Capability.DELETE)
async def delete_tweet(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    sb.world.delete_tweet(auth.account.id, _path_id(request, "id"))
    return 200, {"data": {"deleted": True}}


def _body_id(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not _ID.match(value):
        raise invalid(name, value, f"{name}: required, an id string")
    return value


@api("POST /2/users/:id/retweets", user_context=True, capability=Capability.RETWEET)
async def retweet(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    uid = _self(request, auth)
    post = sb.world.retweet(uid, _body_id(await _body(request), "tweet_id"))
    return 200, {"data": {"id": str(post.id), "retweeted": True}}


@api("POST /2/users/:id/likes", user_context=True, capability=Capability.LIKE)
async def like(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    uid = _self(request, auth)
    sb.world.like(uid, _body_id(await _body(request), "tweet_id"))
    return 200, {"data": {"liked": True}}


@api("POST /2/users/:id/following", user_context=True, capability=Capability.FOLLOW)
async def follow(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    uid = _self(request, auth)
    sb.world.follow(uid, _body_id(await _body(request), "target_user_id"))
    return 200, {"data": {"following": True, "pending_follow": False}}


@api(
    "DELETE /2/users/:source_user_id/following/:target_user_id",
    user_context=True,
    capability=Capability.UNFOLLOW,
)
async def unfollow(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    uid = _self(request, auth, "source_user_id")
    sb.world.unfollow(uid, _path_id(request, "target_user_id"))
    return 200, {"data": {"following": False}}


@api("GET /2/users/:id/followers", capability=Capability.LOOKUP)
async def followers(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    q = request.query_params
    page = sb.world.followers(
        _path_id(request, "id"), _int(q, "max_results", 1, 1000, 100), q.get("pagination_token")
    )
    meta: dict[str, Any] = {"result_count": len(page.items)}
    if page.next_token:
        meta["next_token"] = page.next_token
    return 200, render.users_answer(sb.world, page.items, q, auth.account, meta=meta)


@api(
    "POST /2/dm_conversations/with/:participant_id/messages",
    user_context=True,
    capability=Capability.DM,
)
async def send_dm(request: Request, sb: Sandbox, auth: Auth) -> Answer:
    pid = _path_id(request, "participant_id")
    body = await _body(request)
    if "attachments" in body:
        raise invalid("attachments", "", "`attachments` is not supported by the sandbox")
    text = body.get("text")
    if not isinstance(text, str):
        raise invalid("text", text, "text: required, a string of at least 1 character")
    event = sb.world.send_dm(auth.account.id, pid, text)
    return (
        201,
        {"data": {"dm_conversation_id": event.conversation_id, "dm_event_id": str(event.id)}},
        # X's form, quotes and all (tests/x_recorded_answers.json)
        {"location": f'{sb.world.base_url}/2/dm_events/"{event.id}"'},
    )


def _event_types(request: Request) -> None:
    raw = request.query_params.get("event_types")
    if raw is not None:
        bad = [
            v
            for v in raw.split(",")
            if v not in {"MessageCreate", "ParticipantsJoin", "ParticipantsLeave"}
        ]
        if bad:
            raise invalid(
                "event_types",
                raw,
                f"The `event_types` query parameter value [{bad[0]}] is not valid",
            )


@api("GET /2/dm_events", user_context=True, capability=Capability.DM_READ)
async def dm_events(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    q = request.query_params
    _event_types(request)
    page = sb.world.dm_events(
        auth.account.id, limit=_int(q, "max_results", 1, 100, 100), token=q.get("pagination_token")
    )
    return 200, render.dm_answer(
        sb.world, page.items, q, auth.account, page.next_token, page.previous_token
    )


@api(
    "GET /2/dm_conversations/with/:participant_id/dm_events",
    user_context=True,
    capability=Capability.DM_READ,
)
async def dm_events_with(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    q = request.query_params
    _event_types(request)
    page = sb.world.dm_events(
        auth.account.id,
        limit=_int(q, "max_results", 1, 100, 100),
        token=q.get("pagination_token"),
        participant_id=_path_id(request, "participant_id"),
    )
    return 200, render.dm_answer(
        sb.world, page.items, q, auth.account, page.next_token, page.previous_token
    )


# --- the filtered stream ------------------------------------------------------------------------


@api("GET /2/tweets/search/stream/rules", app_only=True, capability=Capability.FILTERED_STREAM)
async def stream_rules(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    ids = _many(request, "ids", r"^[0-9]{1,19}$") if request.query_params.get("ids") else []
    found = sb.streams.rules(ids)
    answer: dict[str, Any] = {"meta": rules_meta(result_count=len(found))}
    if found:
        answer["data"] = [r.as_dict() for r in found]
    return 200, answer


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value not in {"true", "false"}:
        raise invalid(name, value, f"{name}: true or false")
    return value == "true"


@api("POST /2/tweets/search/stream/rules", app_only=True, capability=Capability.FILTERED_STREAM)
async def change_stream_rules(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    dry_run = _flag(request, "dry_run")
    if _flag(request, "delete_all"):
        return 200, {"meta": rules_meta(summary=sb.streams.delete_all())}
    body = await _body(request)
    if ("add" in body) == ("delete" in body):
        raise invalid("body", sorted(body), "the body holds either `add` or `delete`")
    answer: dict[str, Any]
    if "add" in body:
        wanted = body["add"]
        if not isinstance(wanted, list) or not wanted:
            raise invalid("add", wanted, "add: a non-empty list of {value, tag} rules")
        created, errors, summary = sb.streams.add(wanted, dry_run)
        answer = {"meta": rules_meta(summary=summary)}
        if created:
            answer["data"] = [r.as_dict() for r in created]
    else:
        doomed = body["delete"]
        ids = doomed.get("ids") or [] if isinstance(doomed, dict) else None
        values = doomed.get("values") or [] if isinstance(doomed, dict) else None
        if not isinstance(ids, list) or not isinstance(values, list) or not (ids or values):
            raise invalid("delete", doomed, "delete: {ids: [...]} or {values: [...]}")
        errors, summary = sb.streams.delete(
            [str(i) for i in ids], [str(v) for v in values], dry_run
        )
        answer = {"meta": rules_meta(summary=summary)}
    if errors:
        answer["errors"] = errors
    return 200, answer


@api("GET /2/tweets/search/stream", app_only=True, capability=Capability.FILTERED_STREAM)
async def filtered_stream(request: Request, sb: Sandbox, auth: Auth) -> Response:
    q = request.query_params
    backfill = _int(q, "backfill_minutes", 0, 5, 0)
    render.parse_list(q, "tweet.fields", render.TWEET_FIELDS)  # refuse bad fields before streaming
    render.parse_list(q, "user.fields", render.USER_FIELDS)
    render.parse_list(q, "expansions", render.TWEET_EXPANSIONS)
    render.parse_list(q, "media.fields", render.MEDIA_FIELDS)
    connection = sb.streams.connect(backfill)

    def line(post: Any, matches: list[dict[str, str]]) -> bytes:
        answer = render.tweets_answer(sb.world, [post], q, None, single=True)
        answer["matching_rules"] = matches
        return _dumps(answer)

    return StreamingResponse(
        sb.streams.lines(connection, line, sb.keep_alive), media_type="application/json"
    )


# --- the X Activity API -------------------------------------------------------------------------

_SUBSCRIPTION_FIELDS = {"event_type", "filter", "tag", "webhook_id"}
_FILTER_FIELDS = {"user_id", "direction", "keyword"}


def _tag_and_webhook(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "tag" in body:
        tag = body["tag"]
        if not isinstance(tag, str) or not 1 <= len(tag) <= 200:
            raise invalid("tag", tag, "tag: a string of 1 to 200 characters")
        out["tag"] = tag
    if "webhook_id" in body:
        webhook = body["webhook_id"]
        if not isinstance(webhook, str) or not _ID.match(webhook):
            raise invalid("webhook_id", webhook, "webhook_id: an id string")
        out["webhook_id"] = webhook
    return out


@api("POST /2/activity/subscriptions")
async def create_subscription(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    body = await _body(request)
    unknown = sorted(set(body) - _SUBSCRIPTION_FIELDS)
    if unknown:
        raise invalid(unknown[0], "", f"{unknown[0]}: not a field of a subscription")
    event_type = body.get("event_type")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        raise invalid("event_type", event_type, "event_type: required, e.g. dm.received")
    wanted = body.get("filter")
    if not isinstance(wanted, dict):
        raise invalid("filter", wanted, "filter: required, an object with user_id")
    unknown = sorted(set(wanted) - _FILTER_FIELDS)
    if unknown:
        raise invalid(f"filter.{unknown[0]}", "", f"filter.{unknown[0]}: not a filter field")
    user_id = wanted.get("user_id")
    if not isinstance(user_id, str) or not _ID.match(user_id):
        raise invalid("filter.user_id", user_id, "filter.user_id: required, a user id string")
    if "keyword" in wanted:
        raise invalid("filter.keyword", wanted["keyword"], "filter.keyword: not supported here")
    direction = wanted.get("direction")
    if direction is not None and direction not in ("inbound", "outbound"):
        raise invalid("filter.direction", direction, "filter.direction: inbound or outbound")
    extra = _tag_and_webhook(body)
    sb.world.user(user_id, "filter.user_id")
    if is_private(event_type):
        if auth.grant is None:
            raise Problem(
                403,
                "Forbidden",
                f"A subscription to {event_type} (a private event) needs the account's OAuth 2.0 "
                "user-context token; this request used another kind of authentication.",
                "https://api.twitter.com/2/problems/unsupported-authentication",
            )
        if auth.grant.user_id != user_id:
            raise Problem(
                403,
                "Forbidden",
                f"filter.user_id: {event_type} can be subscribed to only for the authenticated "
                "user.",
            )
        scope = scope_for(event_type)
        if scope not in auth.grant.scopes:
            raise Problem(
                403,
                "Forbidden",
                f"The OAuth 2.0 token lacks the {scope} scope that {event_type} needs.",
                "https://api.twitter.com/2/problems/oauth2-scope",
            )
    sb.activity.self_serve = sb.plan.self_serve
    sub = sb.activity.subscribe(event_type, user_id, direction=direction, **extra)
    return 200, {"data": {"subscription": sub.as_dict()}}


@api("GET /2/activity/subscriptions")
async def list_subscriptions(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    q = request.query_params
    limit = _int(q, "max_results", 1, 1000, 100)
    token = q.get("pagination_token")
    start = decode_token(token) if token else 0
    everything = sb.activity.subscriptions()
    page = everything[start : start + limit]
    answer: dict[str, Any] = {"meta": {"result_count": len(page)}}
    if page:
        answer["data"] = [s.as_dict() for s in page]
    if start + limit < len(everything):
        answer["meta"]["next_token"] = encode_token(start + limit)
    return 200, answer


@api("PUT /2/activity/subscriptions/:subscription_id", app_only=True)
async def update_subscription(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    sid = _path_id(request, "subscription_id")
    body = await _body(request)
    unknown = sorted(set(body) - {"tag", "webhook_id"})
    if unknown:
        raise invalid(unknown[0], "", f"{unknown[0]}: only tag and webhook_id can change")
    sub = sb.activity.update(sid, _tag_and_webhook(body))
    return 200, {"data": {"subscription": sub.as_dict(), "total_subscriptions": sb.activity.count}}


@api("DELETE /2/activity/subscriptions/:subscription_id", app_only=True)
async def delete_subscription(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    return 200, {"data": {"deleted": sb.activity.delete(_path_id(request, "subscription_id"))}}


@api("DELETE /2/activity/subscriptions", app_only=True)
async def delete_subscriptions(request: Request, sb: Sandbox, auth: Auth) -> tuple[int, Any]:
    deleted, errors = [], []
    for sid in _many(request, "ids", r"^[0-9]{1,19}$"):
        try:
            deleted.append({"subscription_id": sid, "deleted": sb.activity.delete(sid)})
        except Problem as exc:
            errors.append(
                {"subscription_id": sid, "reason": "not-found", "message": exc.body["detail"]}
            )
    answer: dict[str, Any] = {"meta": {"total_subscriptions": sb.activity.count}}
    if deleted:
        answer["data"] = deleted
    if errors:
        answer["errors"] = errors
    return 200, answer


@api("GET /2/activity/stream", app_only=True)
async def activity_stream(request: Request, sb: Sandbox, auth: Auth) -> Response:
    q = request.query_params
    backfill = _int(q, "backfill_minutes", 0, 5, 0)
    connection = sb.activity.connect(backfill, _time(q, "start_time"), _time(q, "end_time"))
    return StreamingResponse(
        sb.activity.lines(connection, sb.keep_alive), media_type="application/json"
    )


async def not_found_route(request: Request) -> Response:
    return _problem(
        Problem(404, "Not Found Error", f"No route for {request.method} {request.url.path}."),
        {
            "x-rate-limit-limit": "0",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int(time.time()) + 900),
        },
    )


ROUTES = [
    Route("/2/users/me", users_me, methods=["GET"]),
    Route("/2/users/by/username/{username}", user_by_username, methods=["GET"]),
    Route("/2/users/by", users_by_usernames, methods=["GET"]),
    Route("/2/users", users_by_ids, methods=["GET"]),
    Route("/2/users/{id}/mentions", mentions, methods=["GET"]),
    Route("/2/users/{id}/followers", followers, methods=["GET"]),
    Route("/2/users/{id}/retweets", retweet, methods=["POST"]),
    Route("/2/users/{id}/likes", like, methods=["POST"]),
    Route("/2/users/{id}/following", follow, methods=["POST"]),
    Route("/2/users/{source_user_id}/following/{target_user_id}", unfollow, methods=["DELETE"]),
    Route("/2/users/{id}", user_by_id, methods=["GET"]),
    Route("/2/tweets/search/recent", search_recent, methods=["GET"]),
    Route("/2/tweets/search/stream", filtered_stream, methods=["GET"]),
    Route("/2/tweets/search/stream/rules", stream_rules, methods=["GET"]),
    Route("/2/tweets/search/stream/rules", change_stream_rules, methods=["POST"]),
    Route("/2/tweets", tweets_by_ids, methods=["GET"]),
    Route("/2/tweets", create_tweet, methods=["POST"]),
    Route("/2/tweets/{id}", tweet_by_id, methods=["GET"]),
    Route("/2/tweets/{id}", delete_tweet, methods=["DELETE"]),
    Route("/2/dm_conversations/with/{participant_id}/messages", send_dm, methods=["POST"]),
    Route("/2/dm_conversations/with/{participant_id}/dm_events", dm_events_with, methods=["GET"]),
    Route("/2/dm_events", dm_events, methods=["GET"]),
    Route("/2/activity/subscriptions", create_subscription, methods=["POST"]),
    Route("/2/activity/subscriptions", list_subscriptions, methods=["GET"]),
    Route("/2/activity/subscriptions", delete_subscriptions, methods=["DELETE"]),
    Route("/2/activity/subscriptions/{subscription_id}", update_subscription, methods=["PUT"]),
    Route("/2/activity/subscriptions/{subscription_id}", delete_subscription, methods=["DELETE"]),
    Route("/2/activity/stream", activity_stream, methods=["GET"]),
]


def create_app(sandbox: Sandbox) -> Starlette:
    """The ASGI app serving ``sandbox``: X API v2 paths and the ``/sandbox`` control API."""
    from workbench.sandbox.control import CONTROL_ROUTES
    from workbench.sandbox.oauth import OAUTH_ROUTES

    app = Starlette(routes=[*ROUTES, *OAUTH_ROUTES, *CONTROL_ROUTES])
    app.state.sandbox = sandbox

    async def fallback(request: Request, exc: Exception) -> Response:
        return await not_found_route(request)

    app.add_exception_handler(404, fallback)
    app.add_exception_handler(405, fallback)
    return app

"""The one gateway to the X API v2: tweepy's ``Client``, pointed at X or at the sandbox.

tweepy hard-codes ``https://api.twitter.com``; a requests transport adapter mounted on each
client's session rewrites that prefix to ``WORKBENCH_X_API_URL``. tweepy's errors become the
workbench's (``workbench.xapi.errors``) here, once. Several brand accounts ("timelines") may be
configured, each with its own credentials; a call that acts names the timeline it acts as.

Every call X answered is reported to ``recorder`` (a ``CallRecorder`` the use case gives: the
gateway knows nothing of where calls are kept) as an ``ApiCall``: the brand account, the endpoint,
what X bills it as and how many units (resources returned by a read, 1 for a write), and the
interaction the caller said it serves (``with gateway.serving(interaction_id): ...``).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import msgspec
import requests
import tweepy
from requests.adapters import HTTPAdapter

from workbench.domain import Contact
from workbench.domain.cost import ApiCall, PriceKind, send_kind
from workbench.errors import ConfigError
from workbench.text import has_url
from workbench.xapi import models
from workbench.xapi.budgets import RateBudgets, endpoint_of
from workbench.xapi.errors import (
    AuthError,
    BadRequest,
    Forbidden,
    NotFound,
    RateLimited,
    Unavailable,
    XApiError,
)
from workbench.xapi.models import (
    DirectMessage,
    DmSent,
    ItemError,
    Lookup,
    Malformed,
    Page,
    Post,
    Sent,
)

X_ORIGIN = "https://api.twitter.com"
X_HOSTS = ("https://api.twitter.com", "https://api.x.com")
TWEET_FIELDS = [
    "attachments",
    "created_at",
    "author_id",
    "conversation_id",
    "referenced_tweets",
    "entities",
    "in_reply_to_user_id",
    "lang",
]
USER_FIELDS = [
    "public_metrics",
    "connection_status",
    "receives_your_dm",
    "verified",
    "created_at",
    "description",
]
DM_FIELDS = [
    "attachments",
    "created_at",
    "sender_id",
    "dm_conversation_id",
    "entities",
    "referenced_tweets",
]
MEDIA_FIELDS = [
    "media_key",
    "type",
    "url",
    "preview_image_url",
    "alt_text",
    "width",
    "height",
    "duration_ms",
]
"""What the views show of an attached photo, video or GIF (``includes.media``)."""
TWEET_EXPANSIONS = ["author_id", "attachments.media_keys"]
DM_EXPANSIONS = ["sender_id", "attachments.media_keys"]
SANDBOX_CONSUMER_KEY = "workbench-sandbox-consumer"
SANDBOX_CONSUMER_SECRET = "workbench-sandbox-consumer-secret"
SANDBOX_BEARER = "workbench-sandbox-bearer"
SANDBOX_TOKEN_SECRET = "workbench-sandbox-token-secret"

R = TypeVar("R")
log = logging.getLogger(__name__)


class CallRecorder(Protocol):
    """Told of each X call the gateway made (on the caller's thread; it must be quick)."""

    def __call__(self, call: ApiCall) -> None: ...


@dataclass(frozen=True)
class Credentials:
    """OAuth 1.0a user credentials of one brand account (and an optional app Bearer token)."""

    consumer_key: str | None = None
    consumer_secret: str | None = None
    access_token: str | None = None
    access_token_secret: str | None = None
    bearer_token: str | None = None

    def __repr__(self) -> str:
        shown = {k: ("***" if getattr(self, k) else None) for k in self.__dataclass_fields__}
        return f"Credentials({shown})"

    __str__ = __repr__

    @property
    def user_context(self) -> bool:
        return bool(
            self.consumer_key
            and self.consumer_secret
            and self.access_token
            and self.access_token_secret
        )

    @property
    def user_id(self) -> str | None:
        """X's access tokens start with their account's user id: ``<user_id>-...``."""
        if not self.access_token:
            return None
        prefix = self.access_token.partition("-")[0]
        return prefix if prefix.isdigit() else None


class RewriteAdapter(HTTPAdapter):
    """Sends what tweepy addresses to ``https://api.twitter.com`` to ``base_url`` instead,
    with a default timeout (tweepy sets none)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(pool_connections=4, pool_maxsize=16, max_retries=0)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if request.url and request.url.startswith(X_ORIGIN) and self.base_url != X_ORIGIN:
            request.url = self.base_url + request.url[len(X_ORIGIN) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def _parse_items(
    call: str,
    raws: Sequence[Any],
    parse: Callable[[Any, Mapping[str, Any]], R],
    users: Mapping[str, Any],
) -> tuple[list[R], list[Malformed]]:
    """Parse a page's items; the ones that do not parse are kept aside with the reason."""
    items: list[R] = []
    malformed: list[Malformed] = []
    for raw in raws:
        try:
            items.append(parse(raw, users))
        except (ItemError, ValueError, TypeError) as exc:
            item_id = raw.get("id") if isinstance(raw, dict) else None
            kept = raw if isinstance(raw, dict) else {"raw": raw}
            malformed.append(Malformed(item_id, f"{call}: {exc}", kept))
    return items, malformed


def _more_timelines(settings: Any) -> dict[str, Credentials]:
    """Other brand accounts and their credentials, from ``WORKBENCH_TIMELINES_FILE``.

    The file is JSON: ``{"AcmeDeals": {"consumer_key": ..., "consumer_secret": ...,
    "access_token": ..., "access_token_secret": ...}, ...}``.
    """
    path = settings["WORKBENCH_TIMELINES_FILE"]
    if not path:
        return {}
    name = "WORKBENCH_TIMELINES_FILE"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(name, f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(name, f"{path} is not valid JSON (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ConfigError(name, f"{path} must hold an object of username -> credentials")
    fields = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    out = {}
    for username, creds in data.items():
        if not isinstance(creds, dict) or not all(isinstance(creds.get(f), str) for f in fields):
            raise ConfigError(name, f"{username}: needs {', '.join(fields)} as strings")
        out[str(username).lstrip("@")] = Credentials(
            consumer_key=creds["consumer_key"],
            consumer_secret=creds["consumer_secret"],
            access_token=creds["access_token"],
            access_token_secret=creds["access_token_secret"],
            bearer_token=creds.get("bearer_token"),
        )
    return out


def is_real_x(url: str) -> bool:
    return url.rstrip("/").lower() in X_HOSTS


# X's answers decoded with msgspec rather than the json module requests uses: a page of 100
# posts with their users decodes in about half the time, and ingest reads hundreds of them.
_ANSWER = msgspec.json.Decoder(dict[str, Any])


def _answer(response: requests.Response) -> dict[str, Any]:
    """X's JSON object in ``response`` (an answer that is not one raises ``msgspec.DecodeError``,
    which ``Gateway._edge`` maps to ``Unavailable``)."""
    return _ANSWER.decode(response.content)


def _detail(exc: tweepy.HTTPException) -> str:
    messages = [m for m in exc.api_messages if isinstance(m, str)]
    return "; ".join(messages)[:300] or "no detail given"


class Gateway:
    """Typed calls to the X API v2 for the configured timelines (brand accounts).

    ``timelines`` maps each brand username to its credentials; the first is the default. A
    timeline's user id comes from its access token (``<user_id>-...``) or, failing that, from
    one lookup by username.
    """

    def __init__(
        self,
        base_url: str,
        timelines: Mapping[str, Credentials],
        *,
        timeout: float = 30.0,
        hooks: Sequence[Callable[..., Any]] = (),
        budgets: RateBudgets | None = None,
        recorder: CallRecorder | None = None,
    ) -> None:
        if not timelines:
            raise ConfigError("WORKBENCH_BRAND", "no timeline (brand account) is configured")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._credentials = dict(timelines)
        self._hooks = list(hooks)
        self.budgets = budgets or RateBudgets()
        """Every answer's ``x-rate-limit-*`` headers, per brand account and endpoint."""
        self.recorder: CallRecorder | None = recorder
        """Told of every call X answered (None: calls are not recorded)."""
        self._serving = threading.local()
        self._clients: dict[str, tweepy.Client] = {}
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()
        for name, creds in self._credentials.items():
            if creds.user_id:
                self._ids[name] = creds.user_id

    def __repr__(self) -> str:
        return f"Gateway({self.base_url!r}, timelines={self.timelines})"

    # --- construction from the settings ---------------------------------------------------

    @classmethod
    def from_settings(
        cls,
        settings: Any = None,
        *,
        timeout: float = 30.0,
        hooks: Sequence[Callable[..., Any]] = (),
    ) -> Gateway:
        """The gateway the settings describe.

        With credentials (``X_CONSUMER_KEY``, ``X_CONSUMER_SECRET``, ``X_ACCESS_TOKEN``,
        ``X_ACCESS_TOKEN_SECRET``) they act as ``WORKBENCH_BRAND``. With none, and a URL that is
        not X's, the sandbox's default credentials are used for each of its brand accounts.
        """
        from workbench.config import Settings

        settings = settings or Settings.from_env()
        url = settings.x_api_url
        names = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
        given = {n: settings[n] for n in names}
        bearer = settings["X_BEARER_TOKEN"]
        if any(given.values()):
            missing = [n for n, v in given.items() if not v]
            if missing:
                raise ConfigError(
                    missing[0], f"OAuth 1.0a needs all of {', '.join(names)}; {missing[0]} is unset"
                )
            creds = Credentials(
                given["X_CONSUMER_KEY"],
                given["X_CONSUMER_SECRET"],
                given["X_ACCESS_TOKEN"],
                given["X_ACCESS_TOKEN_SECRET"],
                bearer_token=bearer,
            )
            timelines = {settings.brand: creds, **_more_timelines(settings)}
            return cls(url, timelines, timeout=timeout, hooks=hooks)
        if is_real_x(url):
            raise ConfigError(
                "X_ACCESS_TOKEN",
                f"talking to {url} needs credentials: set {', '.join(names)} "
                "(or point WORKBENCH_X_API_URL at `workbench sandbox`)",
            )
        accounts = sandbox_accounts(url, timeout=min(timeout, 10.0))
        if not accounts:
            accounts = [(settings.brand, None)]
        brand = settings.brand.lower()
        accounts.sort(key=lambda a: a[0].lower() != brand)  # WORKBENCH_BRAND first
        timelines = {
            name: Credentials(
                SANDBOX_CONSUMER_KEY,
                SANDBOX_CONSUMER_SECRET,
                f"{uid or name}-workbench-sandbox",
                SANDBOX_TOKEN_SECRET,
                bearer_token=bearer or SANDBOX_BEARER,
            )
            for name, uid in accounts
        }
        return cls(url, timelines, timeout=timeout, hooks=hooks)

    # --- timelines and clients ------------------------------------------------------------

    @property
    def timelines(self) -> list[str]:
        """The brand accounts this gateway can act as; the first is the default."""
        return list(self._credentials)

    @property
    def default_timeline(self) -> str:
        return next(iter(self._credentials))

    def _timeline(self, timeline: str | None) -> str:
        if timeline is None:
            return self.default_timeline
        for name in self._credentials:
            if name.lower() == timeline.lower().lstrip("@"):
                return name
        raise ConfigError(
            "WORKBENCH_BRAND", f"no credentials for timeline {timeline!r}; have {self.timelines}"
        )

    def client(self, timeline: str | None = None) -> tweepy.Client:
        """The tweepy client acting as ``timeline`` (its session rewritten to the base URL)."""
        name = self._timeline(timeline)
        with self._lock:
            found = self._clients.get(name)
            if found is None:
                c = self._credentials[name]
                found = tweepy.Client(
                    bearer_token=c.bearer_token,
                    consumer_key=c.consumer_key,
                    consumer_secret=c.consumer_secret,
                    access_token=c.access_token,
                    access_token_secret=c.access_token_secret,
                    return_type=requests.Response,  # decoded by _answer
                    wait_on_rate_limit=False,
                )
                found.session.trust_env = False
                adapter = RewriteAdapter(self.base_url, self.timeout)
                found.session.mount(X_ORIGIN, adapter)
                if not is_real_x(self.base_url):
                    found.session.mount(self.base_url, adapter)
                found.session.hooks["response"].append(self._budget_hook(name))
                for hook in self._hooks:
                    found.session.hooks["response"].append(hook)
                self._clients[name] = found
            return found

    def _budget_hook(self, name: str) -> Callable[..., Any]:
        """A response hook telling ``budgets`` of each answer to a request made as ``name``."""

        def observe(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            request = response.request
            if request is None or not request.url or not request.method:
                return
            endpoint = endpoint_of(request.method, urlsplit(request.url).path)
            self.budgets.observe(name, endpoint, response.headers)

        return observe

    @property
    def bearer_token(self) -> str | None:
        """The app's Bearer token (the default timeline's), for app-only calls: the stream."""
        return self._credentials[self.default_timeline].bearer_token

    def _user_auth(self, name: str) -> bool:
        return self._credentials[name].user_context

    def user_id(self, timeline: str | None = None) -> str:
        """The timeline's X user id (from its token, else looked up once by username)."""
        name = self._timeline(timeline)
        if name not in self._ids:
            uid = self.user(username=name, timeline=name).id
            creds = self._credentials[name]
            token = creds.access_token or ""
            if token and not creds.user_id and token.startswith(f"{name}-"):
                # A sandbox token named by username: give it X's "<user_id>-" form, which
                # tweepy reads the acting user's id from.
                self._credentials[name] = Credentials(
                    creds.consumer_key,
                    creds.consumer_secret,
                    f"{uid}-{token.partition('-')[2]}",
                    creds.access_token_secret,
                    creds.bearer_token,
                )
                with self._lock:
                    self._clients.pop(name, None)
            self._ids[name] = uid
        return self._ids[name]

    def username_of(self, user_id: str) -> str | None:
        """The timeline whose account has ``user_id``, if any is configured."""
        for name in self._credentials:
            if self._ids.get(name) == user_id:
                return name
        return None

    def brand_ids(self) -> dict[str, str]:
        """user id -> timeline name, for every configured timeline."""
        return {self.user_id(n): n for n in self._credentials}

    # --- recording calls ---------------------------------------------------------------------

    @contextmanager
    def serving(self, interaction_id: str | None) -> Iterator[None]:
        """The calls made in this block (on this thread) serve ``interaction_id``."""
        before = getattr(self._serving, "interaction_id", None)
        self._serving.interaction_id = interaction_id
        try:
            yield
        finally:
            self._serving.interaction_id = before

    def report(
        self,
        timeline: str | None,
        endpoint: str,
        resources: int = 1,
        kind: PriceKind | None = None,
    ) -> None:
        """Tell the recorder of one call X answered (or of ``resources`` events a stream
        delivered): ``kind`` defaults to what the price table bills ``endpoint`` as."""
        recorder = self.recorder
        if recorder is None:
            return
        try:
            if kind is None:
                from workbench.x_rules import prices

                kind = prices().read_kind(endpoint)
            name = self._timeline(timeline) if timeline is not None else self.default_timeline
            served = getattr(self._serving, "interaction_id", None)
            at = datetime.now(UTC)
            recorder(ApiCall(at, name, endpoint, kind, int(resources), 0, "", served))
        except Exception as exc:  # the call went through: its record must not undo it
            log.warning("gateway: could not record %s: %s: %s", endpoint, type(exc).__name__, exc)

    # --- the error edge ---------------------------------------------------------------------

    @contextmanager
    def _edge(self, call: str) -> Iterator[None]:
        try:
            yield
        except tweepy.TooManyRequests as exc:
            raise RateLimited(call, exc.reset_time) from None
        except tweepy.Unauthorized:
            raise AuthError(
                call,
                "the credentials were refused; check X_CONSUMER_KEY, X_CONSUMER_SECRET, "
                "X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET (or X_BEARER_TOKEN)",
                401,
            ) from None
        except tweepy.Forbidden as exc:
            raise Forbidden(call, _detail(exc), 403) from None
        except tweepy.NotFound as exc:
            raise NotFound(call, _detail(exc), 404) from None
        except tweepy.BadRequest as exc:
            raise BadRequest(call, _detail(exc), 400) from None
        except tweepy.TwitterServerError as exc:
            status = exc.response.status_code
            raise Unavailable(call, f"X answered {status}: {_detail(exc)}", status) from None
        except tweepy.HTTPException as exc:
            status = exc.response.status_code
            raise XApiError(call, _detail(exc), status) from None
        except requests.Timeout:
            raise Unavailable(
                call, f"no answer from {self.base_url} within {self.timeout:g}s", timed_out=True
            ) from None
        except requests.ConnectionError:
            raise Unavailable(
                call, f"cannot reach {self.base_url} (is the sandbox or the network up?)"
            ) from None
        except (requests.JSONDecodeError, msgspec.DecodeError):
            raise Unavailable(
                call, f"{self.base_url} answered with something that is not JSON"
            ) from None
        except TypeError as exc:  # tweepy: a credential it needs is missing
            raise AuthError(call, f"missing credentials: {exc}") from None

    def _call(
        self, call: str, name: str, user_auth: bool, fn: Callable[..., requests.Response]
    ) -> dict[str, Any]:
        """``fn(client)`` as timeline ``name``, its failures mapped by ``_edge``; X's answer."""
        with self._edge(call):
            return _answer(fn(self.client(name), user_auth=user_auth))

    def _get(
        self, call: str, timeline: str | None, fn: Callable[..., requests.Response]
    ) -> dict[str, Any]:
        name = self._timeline(timeline)
        return self._call(call, name, self._user_auth(name), fn)

    @staticmethod
    def _not_found(call: str, answer: Mapping[str, Any]) -> NotFound:
        errors = answer.get("errors") or [{}]
        first = errors[0] if isinstance(errors[0], dict) else {}
        return NotFound(call, str(first.get("detail") or "not found"))

    # --- users ----------------------------------------------------------------------------

    def me(self, timeline: str | None = None) -> Contact:
        answer = self._get(
            "get_me", timeline, lambda c, **kw: c.get_me(user_fields=USER_FIELDS, **kw)
        )
        self.report(timeline, "GET /2/users/me")
        return models.contact(answer["data"])

    def user(
        self, *, id: str | None = None, username: str | None = None, timeline: str | None = None
    ) -> Contact:
        """One user, with ``follows_brand``/``dm_open`` as seen from ``timeline``."""
        if (id is None) == (username is None):
            raise ValueError("user(): give exactly one of id or username")
        call = f"get_user({'id=' + str(id) if id else 'username=' + str(username)})"
        answer = self._get(
            call,
            timeline,
            lambda c, **kw: c.get_user(id=id, username=username, user_fields=USER_FIELDS, **kw),
        )
        if "data" not in answer:
            raise self._not_found(call, answer)
        self.report(timeline, "GET /2/users/:id" if id else "GET /2/users/by/username/:username")
        return models.contact(answer["data"])

    def users(
        self,
        *,
        ids: Sequence[str] | None = None,
        usernames: Sequence[str] | None = None,
        timeline: str | None = None,
    ) -> list[Contact]:
        """Several users in one call (up to 100); missing ones are left out."""
        answer = self._get(
            "get_users",
            timeline,
            lambda c, **kw: c.get_users(
                ids=list(ids) if ids else None,
                usernames=list(usernames) if usernames else None,
                user_fields=USER_FIELDS,
                **kw,
            ),
        )
        found = answer.get("data") or []
        self.report(timeline, "GET /2/users" if ids else "GET /2/users/by", len(found))
        return [models.contact(u) for u in found]

    def followers(
        self,
        timeline: str | None = None,
        *,
        max_results: int = 100,
        pagination_token: str | None = None,
    ) -> Page[Contact]:
        uid = self.user_id(timeline)
        answer = self._get(
            "get_users_followers",
            timeline,
            lambda c, **kw: c.get_users_followers(
                uid,
                max_results=max_results,
                pagination_token=pagination_token,
                user_fields=USER_FIELDS,
                **kw,
            ),
        )
        meta = answer.get("meta") or {}
        self.report(timeline, "GET /2/users/:id/followers", len(answer.get("data") or []))
        return Page(
            tuple(models.contact(u) for u in answer.get("data") or []),
            next_token=meta.get("next_token"),
            result_count=int(meta.get("result_count") or 0),
        )

    # --- reading tweets -------------------------------------------------------------------

    def _posts(self, call: str, answer: Mapping[str, Any]) -> Page[Post]:
        users = models.users_by_id(answer.get("includes"))
        media = models.media_by_key(answer.get("includes"))
        items, malformed = _parse_items(
            call, answer.get("data") or [], lambda raw, u: models.post(raw, u, media), users
        )
        meta = answer.get("meta") or {}
        return Page(
            tuple(items),
            next_token=meta.get("next_token"),
            newest_id=meta.get("newest_id"),
            oldest_id=meta.get("oldest_id"),
            result_count=int(meta.get("result_count") or 0),
            malformed=tuple(malformed),
        )

    def mentions(
        self,
        timeline: str | None = None,
        *,
        since_id: str | None = None,
        until_id: str | None = None,
        max_results: int = 100,
        pagination_token: str | None = None,
    ) -> Page[Post]:
        """Tweets mentioning the timeline's account, newest first, with their authors."""
        uid = self.user_id(timeline)
        call = f"get_users_mentions({self._timeline(timeline)})"
        answer = self._get(
            call,
            timeline,
            lambda c, **kw: c.get_users_mentions(
                uid,
                since_id=since_id,
                until_id=until_id,
                max_results=max_results,
                pagination_token=pagination_token,
                expansions=TWEET_EXPANSIONS,
                tweet_fields=TWEET_FIELDS,
                media_fields=MEDIA_FIELDS,
                user_fields=USER_FIELDS,
                **kw,
            ),
        )
        self.report(timeline, "GET /2/users/:id/mentions", len(answer.get("data") or []))
        return self._posts(call, answer)

    def search_recent(
        self,
        query: str,
        *,
        timeline: str | None = None,
        since_id: str | None = None,
        start_time: datetime | None = None,
        max_results: int = 100,
        next_token: str | None = None,
    ) -> Page[Post]:
        answer = self._get(
            "search_recent_tweets",
            timeline,
            lambda c, **kw: c.search_recent_tweets(
                query,
                since_id=since_id,
                start_time=start_time,
                max_results=max_results,
                next_token=next_token,
                expansions=TWEET_EXPANSIONS,
                tweet_fields=TWEET_FIELDS,
                media_fields=MEDIA_FIELDS,
                user_fields=USER_FIELDS,
                **kw,
            ),
        )
        self.report(timeline, "GET /2/tweets/search/recent", len(answer.get("data") or []))
        return self._posts("search_recent_tweets", answer)

    def tweet(self, tweet_id: str, timeline: str | None = None) -> Post:
        call = f"get_tweet({tweet_id})"
        answer = self._get(
            call,
            timeline,
            lambda c, **kw: c.get_tweet(
                tweet_id,
                expansions=TWEET_EXPANSIONS,
                tweet_fields=TWEET_FIELDS,
                media_fields=MEDIA_FIELDS,
                user_fields=USER_FIELDS,
                **kw,
            ),
        )
        if "data" not in answer:
            raise self._not_found(call, answer)
        self.report(timeline, "GET /2/tweets/:id")
        users = models.users_by_id(answer.get("includes"))
        try:
            return models.post(answer["data"], users, models.media_by_key(answer.get("includes")))
        except ItemError as exc:
            from workbench.xapi.errors import MalformedItem

            raise MalformedItem(call, exc.item_id, exc.rule) from None

    def tweets(self, ids: Sequence[str], timeline: str | None = None) -> Lookup:
        """Up to 100 posts in one call (``GET /2/tweets``): those X serves, and the ids X says
        do not exist (deleted by their author)."""
        wanted = [str(i) for i in ids]
        if not 1 <= len(wanted) <= 100:
            raise ValueError(f"tweets(): ids: 1 to 100 tweet ids, got {len(wanted)}")
        call = f"get_tweets({len(wanted)} ids)"
        answer = self._get(
            call,
            timeline,
            lambda c, **kw: c.get_tweets(
                wanted,
                expansions=TWEET_EXPANSIONS,
                tweet_fields=TWEET_FIELDS,
                media_fields=MEDIA_FIELDS,
                user_fields=USER_FIELDS,
                **kw,
            ),
        )
        self.report(timeline, "GET /2/tweets", len(answer.get("data") or []))
        page = self._posts(call, answer)
        return Lookup(page.items, models.gone_tweets(answer.get("errors"), wanted), page.malformed)

    # --- acting as a timeline ---------------------------------------------------------------

    def _act(
        self, call: str, timeline: str | None, fn: Callable[..., requests.Response]
    ) -> dict[str, Any]:
        name = self._timeline(timeline)
        if not self._user_auth(name):
            raise AuthError(call, f"acting as {name} needs OAuth 1.0a user credentials")
        return self._call(call, name, True, fn)

    def post(
        self,
        timeline: str | None,
        text: str,
        *,
        in_reply_to: str | None = None,
        quote_tweet_id: str | None = None,
    ) -> Sent:
        """Tweet ``text`` as ``timeline`` (a reply when ``in_reply_to``, a quote when quoting)."""
        what = "reply" if in_reply_to else "quote" if quote_tweet_id else "tweet"
        answer = self._act(
            f"create_tweet({what})",
            timeline,
            lambda c, **kw: c.create_tweet(
                text=text, in_reply_to_tweet_id=in_reply_to, quote_tweet_id=quote_tweet_id, **kw
            ),
        )
        data = answer.get("data") or {}
        action = "post" if what == "tweet" else what
        self.report(timeline, "POST /2/tweets", 1, send_kind(action, has_url=has_url(text)))
        return Sent(str(data.get("id")), str(data.get("text", text)))

    def delete(self, timeline: str | None, tweet_id: str) -> bool:
        answer = self._act(
            f"delete_tweet({tweet_id})", timeline, lambda c, **kw: c.delete_tweet(tweet_id, **kw)
        )
        self.report(timeline, "DELETE /2/tweets/:id")
        return bool((answer.get("data") or {}).get("deleted"))

    def retweet(self, timeline: str | None, tweet_id: str) -> str | None:
        """Retweet as ``timeline``; the retweet's id when X gives it."""
        self.user_id(timeline)
        answer = self._act(
            f"retweet({tweet_id})", timeline, lambda c, **kw: c.retweet(tweet_id, **kw)
        )
        self.report(timeline, "POST /2/users/:id/retweets")
        data = answer.get("data") or {}
        return str(data["id"]) if data.get("id") else None

    def like(self, timeline: str | None, tweet_id: str) -> bool:
        self.user_id(timeline)
        answer = self._act(f"like({tweet_id})", timeline, lambda c, **kw: c.like(tweet_id, **kw))
        self.report(timeline, "POST /2/users/:id/likes")
        return bool((answer.get("data") or {}).get("liked"))

    def follow(self, timeline: str | None, user_id: str) -> bool:
        self.user_id(timeline)
        answer = self._act(
            f"follow_user({user_id})", timeline, lambda c, **kw: c.follow_user(user_id, **kw)
        )
        self.report(timeline, "POST /2/users/:id/following")
        return bool((answer.get("data") or {}).get("following"))

    def unfollow(self, timeline: str | None, user_id: str) -> bool:
        self.user_id(timeline)
        answer = self._act(
            f"unfollow_user({user_id})", timeline, lambda c, **kw: c.unfollow_user(user_id, **kw)
        )
        self.report(timeline, "DELETE /2/users/:source_user_id/following/:target_user_id")
        return not (answer.get("data") or {}).get("following", False)

    # --- direct messages --------------------------------------------------------------------

    def send_dm(self, timeline: str | None, participant_id: str, text: str) -> DmSent:
        answer = self._act(
            f"create_direct_message(to {participant_id})",
            timeline,
            lambda c, **kw: c.create_direct_message(participant_id=participant_id, text=text, **kw),
        )
        self.report(timeline, "POST /2/dm_conversations/with/:participant_id/messages")
        data = answer.get("data") or {}
        return DmSent(str(data.get("dm_event_id")), str(data.get("dm_conversation_id")))

    def dm_events(
        self,
        timeline: str | None = None,
        *,
        max_results: int = 100,
        pagination_token: str | None = None,
        participant_id: str | None = None,
    ) -> Page[DirectMessage]:
        """DM events of the timeline's account (one conversation with ``participant_id``)."""
        call = f"get_direct_message_events({self._timeline(timeline)})"
        answer = self._act(
            call,
            timeline,
            lambda c, **kw: c.get_direct_message_events(
                participant_id=participant_id,
                max_results=max_results,
                pagination_token=pagination_token,
                event_types=["MessageCreate"],
                dm_event_fields=DM_FIELDS,
                expansions=DM_EXPANSIONS,
                media_fields=MEDIA_FIELDS,
                user_fields=USER_FIELDS,
                **kw,
            ),
        )
        self.report(
            timeline,
            "GET /2/dm_conversations/with/:participant_id/dm_events"
            if participant_id
            else "GET /2/dm_events",
            len(answer.get("data") or []),
        )
        users = models.users_by_id(answer.get("includes"))
        media = models.media_by_key(answer.get("includes"))
        events = [
            raw
            for raw in answer.get("data") or []
            if not isinstance(raw, dict)
            or raw.get("event_type", "MessageCreate") == "MessageCreate"
        ]
        items, malformed = _parse_items(
            call, events, lambda raw, u: models.direct_message(raw, u, media), users
        )
        meta = answer.get("meta") or {}
        return Page(
            tuple(items),
            next_token=meta.get("next_token"),
            result_count=int(meta.get("result_count") or 0),
            malformed=tuple(malformed),
        )

    def close(self) -> None:
        for c in self._clients.values():
            c.session.close()
        self._clients.clear()


def sandbox_accounts(url: str, timeout: float = 10.0) -> list[tuple[str, str | None]]:
    """The sandbox's brand accounts (username, user id), or [] when ``url`` is not a sandbox."""
    session = requests.Session()
    session.trust_env = False
    try:
        answer = session.get(f"{url.rstrip('/')}/sandbox/accounts", timeout=timeout)
        if answer.status_code != 200:
            return []
        return [(a["username"], a["id"]) for a in answer.json()]
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return []
    finally:
        session.close()

"""X's OAuth 2.0 authorization-code flow with PKCE, and token refresh: a small typed client on
requests (see ``workbench.xapi.activity`` for why not xdk's).

``App.start`` makes the authorization URL (an S256 challenge, a random state); the brand
consents at X (a browser) or the sandbox (at once); ``App.finish`` takes the URL X redirected
to, checks its state and exchanges the code for ``Tokens``; ``App.refresh`` trades the refresh
token for new ones (X rotates refresh tokens: the old one stops working). Tokens never appear
in a repr, a log line or an error message.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from workbench.domain.tokens import Tokens
from workbench.xapi.errors import AuthError, BadRequest, Unavailable
from workbench.xapi.gateway import is_real_x

X_AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
SCOPES = ("tweet.read", "users.read", "dm.read", "offline.access")
"""What the desk's subscriptions need: ``dm.read`` for DM events, ``tweet.read`` for posts,
``users.read`` to learn who consented, ``offline.access`` for a refresh token."""
SANDBOX_CLIENT_ID = "workbench-sandbox-client"
SANDBOX_CLIENT_SECRET = "workbench-sandbox-client-secret"
SANDBOX_REDIRECT_URI = "http://127.0.0.1:8976/oauth/callback"


@dataclass(frozen=True)
class Authorization:
    """One authorization in progress: the URL to open, and what checks the answer."""

    url: str
    state: str
    verifier: str
    redirect_uri: str

    def __repr__(self) -> str:
        return f"Authorization(url={self.url!r}, redirect_uri={self.redirect_uri!r})"


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class App:
    """The app's OAuth 2.0 client (``X_CLIENT_ID``, ``X_CLIENT_SECRET``) at ``base_url``."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        authorize_url: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.authorize_url = authorize_url or (
            X_AUTHORIZE_URL if is_real_x(self.base_url) else f"{self.base_url}/i/oauth2/authorize"
        )
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False

    def __repr__(self) -> str:
        return f"App({self.base_url!r}, client_id={self.client_id!r})"

    @classmethod
    def from_settings(cls, settings: Any, base_url: str | None = None) -> App:
        """The app the settings name, at ``base_url`` (default ``WORKBENCH_X_API_URL``);
        against the sandbox, the sandbox's own app by default."""
        url = base_url or settings.x_api_url
        client_id = settings["X_CLIENT_ID"]
        secret = settings["X_CLIENT_SECRET"]
        if not client_id:
            if is_real_x(url):
                from workbench.errors import ConfigError

                raise ConfigError(
                    "X_CLIENT_ID",
                    "OAuth 2.0 needs the app's client id (X developer portal, the app's "
                    "'Keys and tokens'); set X_CLIENT_ID, and X_CLIENT_SECRET for a "
                    "confidential client",
                )
            client_id, secret = SANDBOX_CLIENT_ID, secret or SANDBOX_CLIENT_SECRET
        return cls(url, client_id, secret)

    def close(self) -> None:
        self.session.close()

    # --- the flow ---------------------------------------------------------------------------

    def start(
        self,
        redirect_uri: str,
        scopes: Sequence[str] = SCOPES,
        *,
        login_hint: str | None = None,
    ) -> Authorization:
        verifier = secrets.token_urlsafe(64)[:128]
        state = secrets.token_urlsafe(24)
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": challenge_of(verifier),
            "code_challenge_method": "S256",
        }
        if login_hint:
            query["login_hint"] = login_hint
        return Authorization(
            f"{self.authorize_url}?{urlencode(query)}", state, verifier, redirect_uri
        )

    def consent(self, authorization: Authorization) -> str:
        """Follow the authorization URL without a browser (the sandbox consents at once):
        the URL it redirected to."""
        try:
            answer = self.session.get(
                authorization.url, allow_redirects=False, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise Unavailable(
                "oauth2 authorize", f"cannot reach {self.authorize_url}: {type(exc).__name__}"
            ) from None
        location = answer.headers.get("location")
        if answer.status_code not in (301, 302, 303, 307) or not location:
            raise BadRequest(
                "oauth2 authorize",
                f"{self.authorize_url} answered {answer.status_code} without a redirect",
                answer.status_code,
            )
        return location

    def finish(self, authorization: Authorization, redirected_to: str) -> Tokens:
        """Check the redirect's state and exchange its code for tokens."""
        query = parse_qs(urlsplit(redirected_to.strip()).query)
        if query.get("error"):
            why = (query.get("error_description") or query["error"])[0]
            raise AuthError("oauth2 authorize", f"consent refused: {why}")
        if query.get("state", [""])[0] != authorization.state:
            raise AuthError("oauth2 authorize", "state: the redirect's state is not this flow's")
        code = query.get("code", [""])[0]
        if not code:
            raise BadRequest("oauth2 authorize", "code: the redirect URL carries no code")
        return self._token(
            "authorization_code",
            code=code,
            redirect_uri=authorization.redirect_uri,
            code_verifier=authorization.verifier,
        )

    def refresh(self, tokens: Tokens) -> Tokens:
        """New tokens for ``tokens`` (which then stop working)."""
        if not tokens.refresh_token:
            raise AuthError(
                "oauth2 refresh",
                "no refresh token (the consent lacked offline.access): run `workbench auth`",
            )
        fresh = self._token("refresh_token", refresh_token=tokens.refresh_token)
        return Tokens(
            fresh.access_token,
            fresh.refresh_token or tokens.refresh_token,
            fresh.expires_at,
            fresh.scopes or tokens.scopes,
            tokens.user_id,
            tokens.username,
        )

    def whoami(self, tokens: Tokens) -> Tokens:
        """``tokens`` with the id and username of the account that consented."""
        try:
            answer = self.session.get(
                f"{self.base_url}/2/users/me",
                headers={"Authorization": f"Bearer {tokens.access_token}"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise Unavailable("get_me", f"cannot reach {self.base_url}: {exc}") from None
        if answer.status_code != 200:
            raise AuthError("get_me", f"X answered {answer.status_code}", answer.status_code)
        data = answer.json().get("data") or {}
        return Tokens(
            tokens.access_token,
            tokens.refresh_token,
            tokens.expires_at,
            tokens.scopes,
            str(data.get("id") or ""),
            str(data.get("username") or ""),
        )

    def _token(self, grant_type: str, **fields: str) -> Tokens:
        call = f"oauth2 token ({grant_type})"
        form = {"grant_type": grant_type, **fields}
        auth = None
        if self._secret:
            auth = (self.client_id, self._secret)
        else:
            form["client_id"] = self.client_id
        try:
            answer = self.session.post(
                f"{self.base_url}/2/oauth2/token", data=form, auth=auth, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise Unavailable(call, f"cannot reach {self.base_url}: {type(exc).__name__}") from None
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.status_code != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            why = body.get("error_description") if isinstance(body, dict) else None
            kind = AuthError if answer.status_code in (400, 401) else Unavailable
            raise kind(call, f"{error or 'refused'}: {why or 'no detail'}", answer.status_code)
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise AuthError(call, "access_token: missing from X's answer")
        expires_in = body.get("expires_in")
        seconds = float(expires_in) if isinstance(expires_in, int | float | str) else 7200.0
        return Tokens(
            access,
            body.get("refresh_token") if isinstance(body.get("refresh_token"), str) else None,
            datetime.now(UTC) + timedelta(seconds=seconds),
            tuple(str(body.get("scope") or "").split()),
        )

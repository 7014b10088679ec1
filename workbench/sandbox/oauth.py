"""X's OAuth 2.0 authorization-code flow with PKCE, as the sandbox plays it.

``GET /i/oauth2/authorize`` checks the request (client, redirect URI, scopes, an S256
``code_challenge``, ``state``) and, the sandbox being the brand's own, consents at once for the
default brand account (or the one ``login_hint`` names) and redirects to ``redirect_uri`` with
``code`` and ``state``; ``POST`` of the same form with ``decision=deny`` refuses instead
(``error=access_denied``). ``POST /2/oauth2/token`` exchanges a code (with its
``code_verifier``) or a refresh token (``offline.access``; each refresh token works once, as
X rotates them) for an access token that expires after ``lifetime`` seconds (X's two hours).
Confidential clients authenticate with HTTP Basic, public ones send ``client_id``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from workbench.sandbox.world import User, World

SANDBOX_CLIENT_ID = "workbench-sandbox-client"
SANDBOX_CLIENT_SECRET = "workbench-sandbox-client-secret"
LIFETIME = 7200
CODE_LIFETIME = 30
SCOPES = frozenset(
    {
        "tweet.read",
        "tweet.write",
        "users.read",
        "follows.read",
        "follows.write",
        "like.read",
        "like.write",
        "dm.read",
        "dm.write",
        "offline.access",
    }
)


@dataclass
class Grant:
    """What an access token (or refresh token, or code) stands for."""

    user_id: str
    scopes: frozenset[str]
    client_id: str
    expires_at: float
    redirect_uri: str = ""
    challenge: str = ""
    refresh: str | None = None


@dataclass
class OAuthServer:
    """The sandbox's authorization server: codes, access tokens and refresh tokens issued."""

    world: World
    lifetime: float = LIFETIME
    clients: dict[str, str | None] = field(
        default_factory=lambda: {SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET}
    )
    _codes: dict[str, Grant] = field(default_factory=dict)
    _access: dict[str, Grant] = field(default_factory=dict)
    _refresh: dict[str, Grant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def grant_for(self, access_token: str) -> Grant | None:
        """The grant of an access token the sandbox issued (None: not one of its tokens)."""
        with self._lock:
            return self._access.get(access_token)

    def expire_all(self) -> int:
        """Make every access token issued so far expired (refresh tokens still work)."""
        with self._lock:
            for grant in self._access.values():
                grant.expires_at = 0.0
            return len(self._access)

    def _issue(self, grant: Grant) -> dict[str, Any]:
        access = f"{grant.user_id}-oauth2-{secrets.token_urlsafe(24)}"
        answer: dict[str, Any] = {
            "token_type": "bearer",
            "expires_in": int(self.lifetime),
            "access_token": access,
            "scope": " ".join(sorted(grant.scopes)),
        }
        issued = Grant(grant.user_id, grant.scopes, grant.client_id, time.time() + self.lifetime)
        if "offline.access" in grant.scopes:
            refresh = secrets.token_urlsafe(32)
            issued.refresh = refresh
            self._refresh[refresh] = issued
            answer["refresh_token"] = refresh
        self._access[access] = issued
        return answer

    # --- the two endpoints ----------------------------------------------------------------

    def authorize(self, params: Any, decision: str = "allow") -> Response:
        client_id = params.get("client_id") or ""
        redirect_uri = params.get("redirect_uri") or ""
        if client_id not in self.clients:
            return _page(400, f"client_id: {client_id!r} is not an app of this sandbox")
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return _page(400, "redirect_uri: an absolute http(s) URL is required")

        def back(**query: str) -> Response:
            sep = "&" if parts.query else "?"
            return RedirectResponse(f"{redirect_uri}{sep}{urlencode(query)}", status_code=302)

        state = params.get("state") or ""
        if params.get("response_type") != "code":
            return back(error="unsupported_response_type", state=state)
        scopes = frozenset((params.get("scope") or "").split())
        unknown = sorted(scopes - SCOPES)
        if not scopes or unknown:
            return back(
                error="invalid_scope",
                error_description=f"scope: unknown {unknown}" if unknown else "scope: required",
                state=state,
            )
        challenge = params.get("code_challenge") or ""
        if params.get("code_challenge_method") != "S256" or len(challenge) < 43:
            return back(
                error="invalid_request",
                error_description="code_challenge: an S256 challenge (code_challenge_method=S256)",
                state=state,
            )
        if not state:
            return back(error="invalid_request", error_description="state: required")
        account = self._account(params.get("login_hint"))
        if account is None:
            return back(error="access_denied", error_description="login_hint: no such brand")
        if decision != "allow":
            return back(error="access_denied", state=state)
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = Grant(
                account.id,
                scopes,
                client_id,
                time.time() + CODE_LIFETIME,
                redirect_uri=redirect_uri,
                challenge=challenge,
            )
        return back(state=state, code=code)

    def _account(self, hint: str | None) -> User | None:
        if not hint:
            return self.world.default_brand
        for brand in self.world.brands:
            if brand.username.lower() == hint.lstrip("@").lower():
                return brand
        return None

    def token(self, form: Any, authorization: str) -> Response:
        client_id, secret = _basic(authorization)
        client_id = client_id or form.get("client_id") or ""
        if client_id not in self.clients:
            return _error(401, "invalid_client", "client_id: not an app of this sandbox")
        wanted = self.clients[client_id]
        if wanted is not None and secret is not None and not secrets.compare_digest(secret, wanted):
            return _error(401, "invalid_client", "the client secret does not match")
        grant_type = form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                code = form.get("code") or ""
                grant = self._codes.pop(code, None)
                if grant is None or grant.expires_at < time.time() or grant.client_id != client_id:
                    return _error(400, "invalid_grant", "code: unknown, used or expired")
                if form.get("redirect_uri") != grant.redirect_uri:
                    return _error(400, "invalid_grant", "redirect_uri: not the one authorized")
                verifier = form.get("code_verifier") or ""
                if not 43 <= len(verifier) <= 128 or challenge_of(verifier) != grant.challenge:
                    return _error(
                        400, "invalid_grant", "code_verifier: does not match the challenge"
                    )
                return JSONResponse(self._issue(grant))
            if grant_type == "refresh_token":
                grant = self._refresh.pop(form.get("refresh_token") or "", None)
                if grant is None or grant.client_id != client_id:
                    return _error(400, "invalid_grant", "refresh_token: unknown or used")
                return JSONResponse(self._issue(grant))
        return _error(
            400, "unsupported_grant_type", "grant_type: authorization_code or refresh_token"
        )


def challenge_of(verifier: str) -> str:
    """PKCE's S256: base64url(sha256(verifier)), unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _basic(header: str) -> tuple[str | None, str | None]:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None, None
    return user, password


def _error(status: int, error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _page(status: int, text: str) -> Response:
    return Response(f"<!doctype html><p>{text}</p>", status, media_type="text/html")


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the last value of each name)."""
    raw = (await request.body()).decode("utf-8", "replace")
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


async def authorize(request: Request) -> Response:
    server: OAuthServer = request.app.state.sandbox.oauth
    if request.method == "POST":
        form = await _form(request)
        return server.authorize(form, form.get("decision") or "allow")
    return server.authorize(request.query_params)


async def token(request: Request) -> Response:
    server: OAuthServer = request.app.state.sandbox.oauth
    return server.token(await _form(request), request.headers.get("authorization", ""))


OAUTH_ROUTES = [
    Route("/i/oauth2/authorize", authorize, methods=["GET", "POST"]),
    Route("/2/oauth2/token", token, methods=["POST"]),
]

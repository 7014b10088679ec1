"""``workbench auth``: the brand accounts' OAuth 2.0 consent (authorization code with PKCE),
once, for the X Activity API's private events (DMs). The tokens go into the store (secret:
never shown); ingest refreshes them.

Against the sandbox (the default X API URL of the demo) the consent needs no browser: the
sandbox consents at once and the redirect is followed here, for every brand account. Against
X the authorization URL is printed; open it, consent as the brand account, and paste back the
URL the browser was sent to (``X_REDIRECT_URI``; nothing needs to answer there).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

HELP = "give the brand accounts' OAuth 2.0 consent for real-time DMs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeline",
        action="append",
        metavar="USERNAME",
        help="the brand account to authorise (repeatable; default: every configured one on the "
        "sandbox, WORKBENCH_BRAND on X)",
    )
    parser.add_argument(
        "--status",
        action="store_true",
        help="list the accounts that have tokens, their scopes and expiry (never the tokens)",
    )
    parser.add_argument(
        "--forget", action="store_true", help="delete the stored tokens of --timeline accounts"
    )
    parser.add_argument(
        "--scope",
        action="append",
        metavar="SCOPE",
        help="an OAuth 2.0 scope to ask for (repeatable; default: tweet.read users.read dm.read "
        "offline.access)",
    )


def _status(store: object) -> list[str]:
    now = datetime.now(UTC)
    rows = store.tokens.all()  # type: ignore[attr-defined]
    if not rows:
        return ["auth: no brand account has OAuth 2.0 tokens; run `workbench auth`"]
    return [
        f"auth: {r.username} (user {r.user_id}): {' '.join(r.scopes)}; access token "
        f"{'expired' if r.expires_at <= now else 'valid'} until {r.expires_at.isoformat()}"
        f"{', refresh token kept' if r.refresh_token else ', no refresh token'}"
        for r in rows
    ]


def run(args: argparse.Namespace) -> int:
    from workbench.config import Settings
    from workbench.errors import UsageError
    from workbench.store import Store
    from workbench.xapi.gateway import is_real_x, sandbox_accounts
    from workbench.xapi.oauth2 import SCOPES, App

    settings = Settings.from_env()
    store = Store(settings.db_url)
    try:
        if args.status:
            print("\n".join(_status(store)))
            return 0
        if args.forget:
            if not args.timeline:
                raise UsageError("--forget", "needs --timeline USERNAME")
            for name in args.timeline:
                gone = store.tokens.delete(name.lstrip("@"))
                print(f"auth: {name}: {'tokens deleted' if gone else 'had no tokens'}")
            return 0
        url = settings.x_api_url
        real = is_real_x(url)
        if args.timeline:
            timelines = [t.lstrip("@") for t in args.timeline]
        elif real:
            timelines = [settings.brand]
        else:
            timelines = [name for name, _ in sandbox_accounts(url)] or [settings.brand]
        app = App.from_settings(settings)
        scopes = tuple(args.scope or SCOPES)
        redirect = str(settings["X_REDIRECT_URI"])
        try:
            for timeline in timelines:
                flow = app.start(redirect, scopes, login_hint=timeline)
                if real:
                    print(f"Open this URL, sign in as @{timeline} and allow the app:\n{flow.url}")
                    back = input("Paste the URL your browser was sent to: ")
                else:
                    back = app.consent(flow)
                tokens = app.whoami(app.finish(flow, back))
                if tokens.username and tokens.username.lower() != timeline.lower():
                    print(
                        f"workbench auth: consent was given as @{tokens.username}, not "
                        f"@{timeline}; nothing stored",
                        file=sys.stderr,
                    )
                    return 1
                store.tokens.save(
                    timeline,
                    tokens.user_id,
                    tokens.access_token,
                    tokens.refresh_token,
                    tokens.expires_at,
                    tokens.scopes,
                )
                print(
                    f"auth: {timeline} (user {tokens.user_id}) consented to "
                    f"{' '.join(tokens.scopes)}; tokens stored in {store!r}, the access token "
                    f"valid until {tokens.expires_at.isoformat()} (ingest refreshes it)"
                )
        finally:
            app.close()
        return 0
    finally:
        store.close()

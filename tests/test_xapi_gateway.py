"""The gateway: tweepy against the sandbox, typed answers, and tweepy's errors mapped once."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest
import tweepy

from workbench.config import Settings
from workbench.errors import ConfigError, WorkbenchError
from workbench.sandbox.world import BRAND_IDS
from workbench.xapi import (
    AuthError,
    BadRequest,
    Credentials,
    Forbidden,
    Gateway,
    NotFound,
    RateLimited,
    Unavailable,
)

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control

pytest_plugins = ["tests.xapi_fixtures"]

SUPPORT, DEALS = BRAND_IDS[0], BRAND_IDS[1]


def settings_for(url: str, **env: str) -> Settings:
    return Settings.from_env({"WORKBENCH_X_API_URL": url, "WORKBENCH_BRAND": "AcmeSupport", **env})


def test_no_credentials_means_the_sandbox_accounts(sandbox):
    g = Gateway.from_settings(settings_for(sandbox))
    assert g.timelines == ["AcmeSupport", "AcmeDeals"]
    assert g.brand_ids() == {SUPPORT: "AcmeSupport", DEALS: "AcmeDeals"}
    deals_first = Gateway.from_settings(settings_for(sandbox, WORKBENCH_BRAND="AcmeDeals"))
    assert deals_first.default_timeline == "AcmeDeals"
    assert deals_first.me().username == "AcmeDeals"


def test_real_x_without_credentials_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="X_ACCESS_TOKEN") as info:
        Gateway.from_settings(settings_for("https://api.twitter.com"))
    assert "X_CONSUMER_KEY" in str(info.value)
    with pytest.raises(ConfigError, match="X_ACCESS_TOKEN_SECRET is unset"):
        Gateway.from_settings(
            settings_for(
                "https://api.twitter.com",
                X_CONSUMER_KEY="k",
                X_CONSUMER_SECRET="s",
                X_ACCESS_TOKEN="1-t",
            )
        )


def test_configured_credentials_act_as_the_brand_and_stay_secret(sandbox):
    env = {
        "X_CONSUMER_KEY": "ck-s3cret",
        "X_CONSUMER_SECRET": "cs-s3cret",
        "X_ACCESS_TOKEN": f"{DEALS}-at-s3cret",
        "X_ACCESS_TOKEN_SECRET": "ats-s3cret",
    }
    g = Gateway.from_settings(settings_for(sandbox, WORKBENCH_BRAND="AcmeDeals", **env))
    assert g.timelines == ["AcmeDeals"] and g.user_id() == DEALS
    assert g.me().username == "AcmeDeals"
    assert "s3cret" not in repr(g) + repr(g._credentials)


def test_tweepy_is_pointed_at_the_sandbox_by_the_adapter(gateway: Gateway, sandbox):
    client = gateway.client()
    assert isinstance(client, tweepy.Client) and client.session.trust_env is False
    answer = client.get_me(user_auth=True)
    assert answer.json()["data"]["username"] == "AcmeSupport"


def test_typed_reads(gateway: Gateway, control: Control):
    control.user("dana", name="Dana", followers_count=812, tweet_count=99, follows_brand=True)
    control.user("marta", dm_open=True)
    first = control.tweet("dana", "@AcmeSupport my kettle broke https://acmeshop.co/o/1 😡")
    reply = control.tweet("marta", "@AcmeSupport same here", in_reply_to_tweet_id=first["id"])
    page = gateway.mentions(max_results=5)
    assert [p.id for p in page] == [reply["id"], first["id"]]
    newest, oldest = page.items
    assert newest.kind == "reply" and newest.replied_to_id == first["id"]
    assert newest.tweet.conversation_id == first["id"]
    assert oldest.author is not None and oldest.author.username == "dana"
    assert (oldest.author.followers_count, oldest.author.statuses_count) == (812, 100)
    assert oldest.author.follows_brand is True and oldest.author.dm_open is True
    assert newest.author is not None and newest.author.follows_brand is False
    assert newest.author.dm_open is True
    ((short, expanded),) = oldest.tweet.urls.items()
    assert short.startswith("https://t.co/") and expanded == "https://acmeshop.co/o/1"
    assert oldest.expanded_text().endswith("https://acmeshop.co/o/1 😡")
    assert page.newest_id == reply["id"] and page.next_token is None
    assert gateway.tweet(first["id"]).text == oldest.text
    assert gateway.user(username="dana").id == oldest.author_id
    assert [u.username for u in gateway.users(usernames=["dana", "marta", "ghost"])] == [
        "dana",
        "marta",
    ]
    found = gateway.search_recent("kettle", max_results=10)
    assert [p.id for p in found] == [first["id"]]


def test_acting_on_each_timeline(gateway: Gateway, control: Control):
    dana = control.user("dana", follows_brand=True)
    tweet = control.tweet("dana", "@AcmeSupport hello")
    sent = gateway.post(
        "AcmeSupport", "@dana hi! https://acmeshop.co/help", in_reply_to=tweet["id"]
    )
    assert sent.text.startswith("@dana hi! https://t.co/")
    quote = gateway.post("AcmeDeals", "Our customers say hello", quote_tweet_id=tweet["id"])
    assert gateway.retweet("AcmeDeals", tweet["id"])
    assert gateway.like("AcmeSupport", tweet["id"]) is True
    assert gateway.follow("AcmeSupport", dana["id"]) is True
    assert gateway.unfollow("AcmeSupport", dana["id"]) is True
    dm = gateway.send_dm("AcmeSupport", dana["id"], "We sent a replacement")
    assert dm.conversation_id == f"{dana['id']}-{SUPPORT}"
    assert gateway.delete("AcmeDeals", quote.id) is True
    followers = gateway.followers("AcmeSupport", max_results=10)
    assert [c.username for c in followers] == ["dana"]
    events = gateway.dm_events("AcmeSupport")
    assert [e.id for e in events] == [dm.event_id] and events.items[0].sender_id == SUPPORT
    assert events.items[0].participant_other_than(SUPPORT) == dana["id"]
    kinds = [(a["account"], a["kind"]) for a in control.activity()]
    assert kinds == [
        ("AcmeSupport", "reply"),
        ("AcmeDeals", "quote"),
        ("AcmeDeals", "retweet"),
        ("AcmeSupport", "like"),
        ("AcmeSupport", "follow"),
        ("AcmeSupport", "unfollow"),
        ("AcmeSupport", "dm"),
        ("AcmeDeals", "delete"),
    ]


def test_refusals_name_the_call_and_the_rule(gateway: Gateway, control: Control):
    closed = control.user("closed")
    with pytest.raises(NotFound, match=r"get_tweet\(123\).*Could not find tweet"):
        gateway.tweet("123")
    with pytest.raises(NotFound, match=r"username=ghost"):
        gateway.user(username="ghost")
    with pytest.raises(
        Forbidden, match=r"create_tweet\(tweet\) \(HTTP 403\): Your Tweet text is too long"
    ):
        gateway.post(None, "x" * 281)
    with pytest.raises(BadRequest, match=r"create_tweet.*text"):
        gateway.post(None, "")
    with pytest.raises(Forbidden, match="cannot send messages"):
        gateway.send_dm(None, closed["id"], "hello")
    with pytest.raises(ConfigError, match="no credentials for timeline 'Nobody'"):
        gateway.post("Nobody", "hi")
    with pytest.raises(Forbidden, match="deleted or not visible"):
        gateway.post(None, "hi", in_reply_to="999")


def test_transport_failures(gateway: Gateway, control: Control, running_sandbox):
    control.fault(path="/2/users/me", status=401)
    with pytest.raises(AuthError) as auth:
        gateway.me()
    assert "get_me (HTTP 401)" in str(auth.value) and "X_ACCESS_TOKEN" in str(auth.value)
    assert "workbench-sandbox" not in str(auth.value)  # names settings, never their values
    control.fault(path="/2/users/me", status=429)
    with pytest.raises(RateLimited) as limited:
        gateway.me()
    assert limited.value.reset_time is not None and limited.value.retryable
    control.fault(path="/2/users/me", status=503)
    with pytest.raises(Unavailable, match="X answered 503") as down:
        gateway.me()
    assert down.value.status == 503
    control.fault(path="/2/users/me", status=0, delay_ms=800)
    slow = Gateway.from_settings(settings_for(running_sandbox.url), timeout=0.3)
    with pytest.raises(Unavailable, match="within 0.3s"):
        slow.me()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    nowhere = Gateway(
        f"http://127.0.0.1:{port}", {"AcmeSupport": Credentials("k", "s", "1-t", "ts")}
    )
    with pytest.raises(Unavailable, match="cannot reach") as unreachable:
        nowhere.me()
    assert isinstance(unreachable.value, WorkbenchError)


@pytest.mark.parametrize("body", [b"<html>captive portal</html>", b"", b"[1, 2]"])
def test_an_answer_that_is_not_a_json_object_is_unavailable(body: bytes):
    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        portal = Gateway(url, {"AcmeSupport": Credentials("k", "s", "1-t", "ts")})
        with pytest.raises(Unavailable, match="get_me: .*answered with something that is not JSON"):
            portal.me()
    finally:
        server.shutdown()
        server.server_close()


def test_a_malformed_item_is_reported_not_raised(gateway: Gateway, control: Control):
    control.tweet("dana", "@AcmeSupport one")
    control.tweet("dana", "@AcmeSupport two")
    control.fault(path="/2/users/*/mentions", status=0, corrupt=True)
    page = gateway.mentions()
    assert len(page.items) == 1 and len(page.malformed) == 1
    bad = page.malformed[0]
    assert "get_users_mentions(AcmeSupport)" in bad.reason and "author_id is missing" in bad.reason
    assert bad.raw["text"] == "@AcmeSupport two"


def test_media_are_parsed_and_partial_ones_tolerated(gateway: Gateway, control: Control):
    from workbench.domain import Media
    from workbench.xapi import models

    made = control.tweet(
        "dana", "@AcmeSupport see", media=[{"type": "photo", "alt_text": "<b>hi</b>"}]
    )
    (post,) = gateway.mentions().items
    assert post.tweet.media == (
        Media(
            made["media_keys"][0],
            "photo",
            url=f"{gateway.base_url}/sandbox/media/{made['media_keys'][0]}.png",
            alt_text="<b>hi</b>",
            width=240,
            height=180,
        ),
    )
    # X leaves fields out; a key may have no include; an include may lack its key
    item = {
        "id": "5",
        "author_id": "7",
        "text": "x",
        "created_at": "2026-01-06T18:40:40.000Z",
        "attachments": {"media_keys": ["3_1", "7_2", "16_3", 4]},
    }
    includes = {
        "media": [
            {"media_key": "3_1", "type": "photo", "width": "wide", "url": 9},
            {"type": "video"},
            "junk",
            {"media_key": "16_3", "type": "animated_gif", "preview_image_url": "https://p/x"},
        ]
    }
    parsed = models.post(item, {}, models.media_by_key(includes))
    assert parsed.tweet.media == (
        Media("3_1", "photo"),
        Media("7_2", "video"),
        Media("16_3", "animated_gif", preview_url="https://p/x"),
    )
    assert models.post({**item, "attachments": "odd"}).tweet.media == ()

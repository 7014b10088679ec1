"""The sandbox answers like X: paths, fields, status codes, problem+json, limits and its control
API. Requests go over HTTP to a real server (uvicorn in a thread)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
import requests

from workbench.sandbox.server import start
from workbench.sandbox.world import BRAND_IDS
from workbench.xapi.gateway import SANDBOX_BEARER

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control

pytest_plugins = ["tests.xapi_fixtures"]

SUPPORT, DEALS = BRAND_IDS[0], BRAND_IDS[1]


def oauth(token: str = f"{SUPPORT}-abc") -> dict[str, str]:
    return {
        "Authorization": f'OAuth oauth_consumer_key="k", oauth_nonce="n", '
        f'oauth_signature="s", oauth_token="{token}", oauth_version="1.0"'
    }


BEARER = {"Authorization": "Bearer app-token"}


def get(url: str, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return requests.get(url + path, headers=BEARER if headers is None else headers, params=params)


def post(url: str, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return requests.post(url + path, json=body, headers=headers or oauth())


def rate_headers(answer: requests.Response) -> tuple[int, int, int]:
    h = answer.headers
    return (
        int(h["x-rate-limit-limit"]),
        int(h["x-rate-limit-remaining"]),
        int(h["x-rate-limit-reset"]),
    )


def test_auth_is_required_and_401_is_problem_json(sandbox):
    answer = get(sandbox, "/2/users/me", headers={})
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json() == {
        "title": "Unauthorized",
        "detail": "Unauthorized",
        "type": "about:blank",
        "status": 401,
    }
    rate_headers(answer)  # on every answer, errors too
    broken = get(sandbox, "/2/users/me", headers={"Authorization": 'OAuth oauth_token=""'})
    assert broken.status_code == 401


def test_token_prefix_names_the_brand_account(sandbox):
    me = get(sandbox, "/2/users/me", headers=oauth()).json()["data"]
    assert me["username"] == "AcmeSupport" and me["id"] == SUPPORT
    deals = get(sandbox, "/2/users/me", headers=oauth(f"{DEALS}-xyz")).json()["data"]
    assert deals["username"] == "AcmeDeals"
    anyone = get(sandbox, "/2/users/me", headers=oauth("12345-whatever")).json()["data"]
    assert anyone["username"] == "AcmeSupport"


def test_app_only_bearer_cannot_act(sandbox):
    answer = post(sandbox, "/2/tweets", {"text": "hi"}, headers=BEARER)
    assert answer.status_code == 403
    assert answer.json()["type"].endswith("/unsupported-authentication")


def test_user_lookup_fields_and_connection_status(sandbox, control: Control):
    control.user("dana", name="Dana", followers_count=812, tweet_count=10234, follows_brand=True)
    control.user("marta", followers_count=143, dm_open=True)
    control.user("lucia", followers_count=54)
    fields = "public_metrics,connection_status,receives_your_dm"
    dana = get(sandbox, "/2/users/by/username/dana", oauth(), **{"user.fields": fields}).json()
    assert dana["data"]["public_metrics"]["followers_count"] == 812
    assert dana["data"]["public_metrics"]["tweet_count"] == 10234
    assert dana["data"]["connection_status"] == ["followed_by"]
    assert dana["data"]["receives_your_dm"] is True
    by_id = get(sandbox, f"/2/users/{dana['data']['id']}", oauth(), **{"user.fields": fields})
    assert by_id.json()["data"]["username"] == "dana"
    many = get(
        sandbox, "/2/users/by", oauth(), usernames="marta,lucia,ghost", **{"user.fields": fields}
    )
    body = many.json()
    assert [u["receives_your_dm"] for u in body["data"]] == [True, False]
    assert body["errors"][0]["detail"] == "Could not find user with usernames: [ghost]." or (
        "ghost" in body["errors"][0]["detail"]
    )
    # Seen from AcmeDeals, dana (who follows AcmeSupport only) is not a follower.
    seen = get(sandbox, "/2/users/by/username/dana", oauth(f"{DEALS}-t"), **{"user.fields": fields})
    assert seen.json()["data"]["connection_status"] == []


def test_unknown_ids_and_usernames(sandbox):
    answer = get(sandbox, "/2/users/by/username/nobody")
    assert answer.status_code == 200  # X reports a missing resource in ``errors``
    error = answer.json()["errors"][0]
    assert error["type"].endswith("/resource-not-found") and error["resource_type"] == "user"
    tweet = get(sandbox, "/2/tweets/123").json()["errors"][0]
    assert tweet["detail"] == "Could not find tweet with id: [123]."
    bad = get(sandbox, "/2/tweets/not-a-number")
    assert bad.status_code == 400 and bad.json()["type"].endswith("/invalid-request")
    route = get(sandbox, "/2/nothing/here")
    assert route.status_code == 404 and route.headers["content-type"].startswith(
        "application/problem+json"
    )
    rate_headers(route)


def test_mentions_paging_since_and_until(sandbox, control: Control):
    control.user("dana")
    made = control.tweets(
        [{"author": "dana", "text": f"@AcmeSupport number {i}"} for i in range(23)]
    )
    ids = [m["id"] for m in made]
    control.tweet("dana", "not for the brand")
    params = {
        "max_results": 10,
        "expansions": "author_id",
        "tweet.fields": "created_at,author_id,conversation_id,entities",
        "user.fields": "public_metrics",
    }
    first = get(sandbox, f"/2/users/{SUPPORT}/mentions", oauth(), **params).json()
    assert [t["id"] for t in first["data"]] == ids[::-1][:10]
    assert first["meta"]["newest_id"] == ids[-1] and first["meta"]["result_count"] == 10
    assert first["includes"]["users"][0]["username"] == "dana"
    second = get(
        sandbox,
        f"/2/users/{SUPPORT}/mentions",
        oauth(),
        pagination_token=first["meta"]["next_token"],
        **params,
    ).json()
    assert [t["id"] for t in second["data"]] == ids[::-1][10:20]
    since = get(sandbox, f"/2/users/{SUPPORT}/mentions", oauth(), since_id=ids[19], **params).json()
    assert [t["id"] for t in since["data"]] == ids[20:][::-1]
    assert "next_token" not in since["meta"]
    until = get(sandbox, f"/2/users/{SUPPORT}/mentions", oauth(), until_id=ids[3], **params).json()
    assert [t["id"] for t in until["data"]] == ids[:3][::-1]
    none = get(sandbox, f"/2/users/{SUPPORT}/mentions", oauth(), since_id=ids[-1]).json()
    assert none == {"meta": {"result_count": 0}}
    small = get(sandbox, f"/2/users/{SUPPORT}/mentions", oauth(), max_results=3)
    assert small.status_code == 400
    assert "max_results" in small.json()["errors"][0]["parameters"]


def test_urls_become_tco_links_with_entities(sandbox, control: Control):
    made = control.tweet("dana", "@AcmeSupport broken again, see acmeshop.co/help/returns?x=1 😡")
    answer = get(sandbox, f"/2/tweets/{made['id']}", **{"tweet.fields": "entities"}).json()
    data = answer["data"]
    (url,) = data["entities"]["urls"]
    assert url["url"].startswith("https://t.co/") and len(url["url"]) == 23
    assert data["text"][url["start"] : url["end"]] == url["url"]
    assert url["expanded_url"] == "http://acmeshop.co/help/returns?x=1"
    assert url["display_url"] == "acmeshop.co/help/returns?x=1"
    (mention,) = data["entities"]["mentions"]
    assert mention["username"] == "AcmeSupport" and mention["id"] == SUPPORT
    assert data["text"][mention["start"] : mention["end"]] == "@AcmeSupport"


def test_create_tweet_rules(sandbox, control: Control):
    parent = control.tweet("dana", "@AcmeSupport help")
    ok = post(
        sandbox,
        "/2/tweets",
        {"text": "@dana on it!", "reply": {"in_reply_to_tweet_id": parent["id"]}},
    )
    assert ok.status_code == 201 and ok.json()["data"]["text"] == "@dana on it!"
    again = post(
        sandbox,
        "/2/tweets",
        {"text": "@dana on it!", "reply": {"in_reply_to_tweet_id": parent["id"]}},
    )
    assert again.status_code == 403 and "duplicate" in again.json()["detail"]
    long = post(sandbox, "/2/tweets", {"text": "é" * 281})
    assert long.status_code == 403 and "too long" in long.json()["detail"]
    emoji = post(sandbox, "/2/tweets", {"text": "😀" * 141})  # emoji weigh 2: 282
    assert emoji.status_code == 403
    fits = post(sandbox, "/2/tweets", {"text": "😀" * 140})
    assert fits.status_code == 201
    links = post(sandbox, "/2/tweets", {"text": "x" * 250 + " https://example.com/" + "a" * 80})
    assert links.status_code == 201  # a URL weighs 23 whatever its length
    empty = post(sandbox, "/2/tweets", {"text": "  "})
    assert empty.status_code == 400 and empty.json()["errors"][0]["parameters"] == {"text": ["  "]}
    ghost = post(sandbox, "/2/tweets", {"text": "hi", "reply": {"in_reply_to_tweet_id": "42"}})
    assert ghost.status_code == 403 and "deleted or not visible" in ghost.json()["detail"]
    quote = post(sandbox, "/2/tweets", {"text": "Look at this", "quote_tweet_id": parent["id"]})
    assert quote.status_code == 201
    gone = requests.delete(f"{sandbox}/2/tweets/{quote.json()['data']['id']}", headers=oauth())
    assert gone.json() == {"data": {"deleted": True}}
    kinds = [a["kind"] for a in control.activity()]
    assert kinds == ["reply", "tweet", "tweet", "quote", "delete"]


def test_likes_retweets_follows_are_idempotent_and_recorded(sandbox, control: Control):
    dana = control.user("dana")
    tweet = control.tweet("dana", "@AcmeSupport thanks!")
    for _ in range(2):
        assert post(sandbox, f"/2/users/{SUPPORT}/likes", {"tweet_id": tweet["id"]}).json() == {
            "data": {"liked": True}
        }
        rt = post(sandbox, f"/2/users/{SUPPORT}/retweets", {"tweet_id": tweet["id"]}).json()
        assert rt["data"]["retweeted"] is True
        follow = post(sandbox, f"/2/users/{SUPPORT}/following", {"target_user_id": dana["id"]})
        assert follow.json()["data"]["following"] is True
    unfollow = requests.delete(
        f"{sandbox}/2/users/{SUPPORT}/following/{dana['id']}", headers=oauth()
    )
    assert unfollow.json() == {"data": {"following": False}}
    other = post(sandbox, f"/2/users/{DEALS}/likes", {"tweet_id": tweet["id"]})
    assert other.status_code == 403  # acting for an account the token is not
    activity = control.activity()
    assert [(a["kind"], a["account"]) for a in activity] == [
        ("like", "AcmeSupport"),
        ("retweet", "AcmeSupport"),
        ("follow", "AcmeSupport"),
        ("unfollow", "AcmeSupport"),
    ]
    assert [a["id"] for a in activity] == [1, 2, 3, 4]
    assert activity[0]["target"] == tweet["id"]


def test_dm_rules_and_events(sandbox, control: Control):
    control.user("follower", follows_brand=True)
    control.user("open", dm_open=True)
    closed = control.user("closed")
    control.user("writer")
    inbound = control.dm("writer", "Hi, my order never came https://acmeshop.co/o/1")
    for name in ("follower", "open", "writer"):
        uid = requests.get(f"{sandbox}/sandbox/users", params={"username": name}).json()["id"]
        sent = post(sandbox, f"/2/dm_conversations/with/{uid}/messages", {"text": f"Hello {name}"})
        assert sent.status_code == 201, sent.text
        data = sent.json()["data"]
        assert data["dm_conversation_id"] == "-".join(sorted([uid, SUPPORT], key=int))
    refused = post(sandbox, f"/2/dm_conversations/with/{closed['id']}/messages", {"text": "Hi"})
    assert refused.status_code == 403
    assert refused.json() == {
        "title": "Forbidden",
        "detail": "You cannot send messages to users who are not following you.",
        "type": "about:blank",
        "status": 403,
    }
    empty = post(sandbox, f"/2/dm_conversations/with/{closed['id']}/messages", {"text": ""})
    assert empty.status_code == 400
    events = get(
        sandbox,
        "/2/dm_events",
        oauth(),
        max_results=2,
        **{"dm_event.fields": "created_at,sender_id,dm_conversation_id,entities"},
        expansions="sender_id",
    ).json()
    assert [e["text"] for e in events["data"]] == ["Hello writer", "Hello open"]
    assert events["data"][0]["sender_id"] == SUPPORT and events["meta"]["next_token"]
    rest = get(
        sandbox,
        "/2/dm_events",
        oauth(),
        pagination_token=events["meta"]["next_token"],
        **{"dm_event.fields": "sender_id,entities"},
    ).json()
    oldest = rest["data"][-1]
    assert oldest["id"] == inbound["id"] and oldest["urls"][0]["expanded_url"].startswith(
        "https://"
    )
    assert get(sandbox, "/2/dm_events", headers=BEARER).status_code == 403


def test_search_recent_operators(sandbox, control: Control):
    a = control.tweet("dana", "@AcmeSupport my kettle is broken")
    control.tweet("marta", "@AcmeSupport kettle works fine")
    post(sandbox, "/2/tweets", {"text": "Sorry Dana!", "reply": {"in_reply_to_tweet_id": a["id"]}})
    post(sandbox, "/2/tweets", {"text": "Big kettle sale today"})

    def search(q: str) -> list[str]:
        answer = get(sandbox, "/2/tweets/search/recent", oauth(), query=q, max_results=10)
        assert answer.status_code == 200, answer.text
        return [t["text"] for t in answer.json().get("data", [])]

    assert search("kettle broken") == ["@AcmeSupport my kettle is broken"]
    assert search(f"from:AcmeSupport in_reply_to_tweet_id:{a['id']}") == ["Sorry Dana!"]
    assert search("from:AcmeSupport -is:reply") == ["Big kettle sale today"]
    assert search('"works fine"') == ["@AcmeSupport kettle works fine"]
    assert get(sandbox, "/2/tweets/search/recent", oauth(), query="a OR b").status_code == 400


def test_rate_limit_windows_and_429(sandbox, control: Control):
    control.rate_limits(limits={"GET /2/users/me": 3}, scale=1)
    seen = []
    for _ in range(4):
        answer = get(sandbox, "/2/users/me", oauth())
        seen.append((answer.status_code, rate_headers(answer)[1]))
    assert seen == [(200, 2), (200, 1), (200, 0), (429, 0)]
    limit, _, reset = rate_headers(answer)
    assert limit == 3 and reset > time.time() + 800
    assert answer.json()["title"] == "Too Many Requests"
    # Limits are per user: another brand account still has its window.
    assert get(sandbox, "/2/users/me", oauth(f"{DEALS}-t")).status_code == 200
    control.rate_limits(window_seconds=0.2)
    time.sleep(0.3)
    assert get(sandbox, "/2/users/me", oauth()).status_code == 200


def test_faults_fail_slow_lose_answers_and_break_items(sandbox, control: Control):
    control.user("dana")
    tweet = control.tweet("dana", "@AcmeSupport hello")
    control.fault(path="/2/users/*/mentions", status=503, count=2)
    assert get(sandbox, f"/2/users/{SUPPORT}/mentions").status_code == 503
    assert get(sandbox, f"/2/users/{SUPPORT}/mentions").status_code == 503
    assert get(sandbox, f"/2/users/{SUPPORT}/mentions").status_code == 200
    control.fault(path="/2/tweets", method="POST", status=429, count=1)
    limited = post(sandbox, "/2/tweets", {"text": "hi"})
    assert (
        limited.status_code == 429 and int(limited.headers["x-rate-limit-reset"]) <= time.time() + 2
    )
    control.fault(path="/2/tweets", method="POST", status=503, after=True)
    lost = post(sandbox, "/2/tweets", {"text": "did this go out?"})
    assert lost.status_code == 503
    assert control.activity()[-1]["text"] == "did this go out?"  # it did
    control.fault(path="/2/users/me", status=0, delay_ms=300)
    t0 = time.perf_counter()
    assert get(sandbox, "/2/users/me", oauth()).status_code == 200
    assert time.perf_counter() - t0 >= 0.3
    control.fault(path="/2/users/*/mentions", status=0, corrupt=True)
    broken = get(
        sandbox, f"/2/users/{SUPPORT}/mentions", **{"tweet.fields": "author_id,created_at"}
    )
    assert broken.json()["data"][0]["id"] == tweet["id"]
    assert "author_id" not in broken.json()["data"][0]
    bad = requests.post(f"{sandbox}/sandbox/faults", json={"path": "x", "status": 200})
    assert bad.status_code == 400 and "path" in bad.json()["detail"]


def test_probabilistic_faults_hit_about_their_share(sandbox, control: Control):
    control.fault(path="/2/users/me", status=503, count=-1, probability=0.2)
    codes = [get(sandbox, "/2/users/me", oauth()).status_code for _ in range(200)]
    assert 15 <= codes.count(503) <= 70


def test_control_api_users_bulk_and_reset(sandbox, control: Control):
    made = control.users([{"username": f"user{i}", "followers_count": i} for i in range(5)])
    assert [u["username"] for u in made] == [f"user{i}" for i in range(5)]
    record = control.user("dana", phone="+1 555 0100", email="d@example.com", follows_brand=True)
    assert record["phone"] == "+1 555 0100" and record["follows_brand"] is True
    bad = requests.post(f"{sandbox}/sandbox/users", json={"username": "x" * 16})
    assert bad.status_code == 400
    unknown = requests.post(f"{sandbox}/sandbox/users", json={"username": "ok", "nope": 1})
    assert unknown.status_code == 400 and "nope" in unknown.json()["detail"]
    accounts = requests.get(f"{sandbox}/sandbox/accounts").json()
    assert [(a["username"], a["default"]) for a in accounts] == [
        ("AcmeSupport", True),
        ("AcmeDeals", False),
    ]
    counts = control.reset()
    assert counts["users"] == 2 and counts["tweets"] == 0
    seeded = control.reset(seed=3)
    assert seeded["tweets"] > 50 and seeded["dms"] > 5


def test_seeded_sandbox_is_reproducible_and_live_traffic_flows():
    from workbench.sandbox import start

    def texts(seed: int) -> list[str]:
        with start(seed=seed, brands=("AcmeSupport", "AcmeDeals")) as running:
            world = running.world
            return [world.tweets[i].source_text for i in sorted(world.tweets)][:50]

    assert texts(5) == texts(5)
    assert texts(5) != texts(6)
    with start(traffic=600, brands=("AcmeSupport", "AcmeDeals")) as running:
        deadline = time.time() + 10
        while (
            time.time() < deadline and sum(running.world.counts()[k] for k in ("tweets", "dms")) < 5
        ):
            time.sleep(0.1)
        assert running.world.counts()["tweets"] + running.world.counts()["dms"] >= 5


def test_command_prints_one_line_once_it_answers():
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "sandbox", "--port", "0", "--empty"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("X API sandbox at http://127.0.0.1:")
        url = line.removeprefix("X API sandbox at ")
        assert requests.get(url + "/sandbox/health", timeout=5).json()["ok"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
    assert proc.stdout.read() == ""  # exactly one line


@pytest.mark.parametrize("argv", [["--traffic", "-1"], ["--rate-limit-scale", "0"]])
def test_command_refuses_bad_arguments(argv):
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "sandbox", "--empty", *argv],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "workbench sandbox" in done.stderr


MEDIA_Q = {
    "tweet.fields": "attachments,author_id",
    "expansions": "attachments.media_keys",
    "media.fields": "url,alt_text,preview_image_url,duration_ms,width,height",
}


def test_attached_media_come_back_as_x_returns_them(sandbox, control: Control):
    made = control.tweet(
        "dana",
        "@AcmeSupport look",
        media=[
            {"type": "photo", "alt_text": "A cracked screen"},
            {"type": "video", "duration_ms": 12_000},
            {"type": "animated_gif"},
        ],
    )
    photo, video, gif = made["media_keys"]
    assert photo.startswith("3_") and video.startswith("7_") and gif.startswith("16_")
    answer = get(sandbox, f"/2/tweets/{made['id']}", headers=oauth(), **MEDIA_Q).json()
    assert answer["data"]["attachments"] == {"media_keys": [photo, video, gif]}
    by_key = {m["media_key"]: m for m in answer["includes"]["media"]}
    assert by_key[photo] == {
        "media_key": photo,
        "type": "photo",
        "url": f"{sandbox}/sandbox/media/{photo}.png",
        "alt_text": "A cracked screen",
        "width": 240,
        "height": 180,
    }
    assert by_key[video]["preview_image_url"] == f"{sandbox}/sandbox/media/{video}.png"
    assert by_key[video]["duration_ms"] == 12_000 and "url" not in by_key[video]
    assert by_key[gif]["type"] == "animated_gif" and "duration_ms" not in by_key[gif]
    # only what is asked: no attachments without the field, no includes without the expansion
    bare = get(sandbox, f"/2/tweets/{made['id']}", headers=oauth()).json()
    assert "attachments" not in bare["data"] and "includes" not in bare
    keys_only = get(
        sandbox, f"/2/tweets/{made['id']}", headers=oauth(), expansions="attachments.media_keys"
    ).json()
    assert keys_only["includes"]["media"][0] == {"media_key": photo, "type": "photo"}
    picture = requests.get(by_key[photo]["url"])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert requests.get(f"{sandbox}/sandbox/media/3_1.png").status_code == 404


def test_dm_media_in_dm_events(sandbox, control: Control):
    control.user("dana", follows_brand=True)
    made = control.dm("dana", "the parcel", media=[{"type": "photo", "alt_text": "Wet box"}])
    answer = get(
        sandbox,
        "/2/dm_events",
        headers=oauth(),
        **{
            "dm_event.fields": "attachments,sender_id",
            "expansions": "attachments.media_keys",
            "media.fields": "url,alt_text",
        },
    ).json()
    assert answer["data"][0]["attachments"] == {"media_keys": made["media_keys"]}
    assert answer["includes"]["media"][0]["alt_text"] == "Wet box"


def test_an_unknown_media_field_is_refused_as_x_refuses_it(sandbox, control: Control):
    control.tweet("dana", "@AcmeSupport hi")
    for path in (f"/2/users/{SUPPORT}/mentions", "/2/dm_events"):
        answer = get(sandbox, path, headers=oauth(), **{"media.fields": "url,colour"})
        assert answer.status_code == 400
        body = answer.json()
        assert body["errors"][0]["parameters"] == {"media.fields": ["colour"]}
        assert "[colour] is not one of [alt_text," in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("path", "media", "rule"),
    [
        ("/sandbox/tweets", [{"type": "sticker"}], "media[0].type: one of photo, video"),
        ("/sandbox/tweets", [{"type": "photo"}] * 5, "media: at most 4 per tweet"),
        ("/sandbox/dms", [{"type": "photo"}] * 2, "media: at most 1 per DM"),
        (
            "/sandbox/tweets",
            [{"type": "photo"}, {"type": "photo", "alt_text": "x" * 1001}],
            "media[1].alt_text: a string of at most 1,000 characters",
        ),
        ("/sandbox/tweets", {"type": "photo"}, "media: a list of"),
    ],
)
def test_control_media_refusals_name_the_field_and_the_rule(sandbox, control, path, media, rule):
    control.user("dana", follows_brand=True)
    before = control.activity()
    answer = requests.post(sandbox + path, json={"author": "dana", "text": "hi", "media": media})
    assert answer.status_code == 400, answer.text
    assert rule in answer.json()["errors"][0]["message"]
    health = requests.get(sandbox + "/sandbox/health").json()
    assert (health["tweets"], health["dms"]) == (0, 0)
    assert control.activity() == before


def test_a_seeded_history_has_photos_with_alt_text():
    from workbench.sandbox.seed import SEEDED_PHOTOS, seed_world
    from workbench.sandbox.world import World

    world = World()
    seed_world(world, 5, with_reference=False)
    photos = [m for m in world.media.values() if m.type == "photo"]
    assert len(photos) >= 5 and {m.alt_text for m in photos} <= set(SEEDED_PHOTOS)
    assert all(k in world.media for p in world.tweets.values() for k in p.media_keys)


def test_stopping_ends_open_streams_and_refuses_a_client_that_reconnects(caplog):
    running = start()
    session = requests.Session()
    session.trust_env = False
    connected, tries = threading.Event(), []

    def follow() -> None:  # reconnects the moment its stream ends, as xdk does
        while len(tries) < 5:
            try:
                with session.get(
                    f"{running.url}/2/activity/stream",
                    headers={"Authorization": f"Bearer {SANDBOX_BEARER}"},
                    stream=True,
                    timeout=(2, 10),
                ) as answer:
                    tries.append(answer.status_code)
                    connected.set()
                    for _ in answer.iter_lines():
                        pass
            except requests.ConnectionError as exc:
                tries.append(type(exc).__name__)
                return

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    assert connected.wait(10)
    with caplog.at_level("ERROR", logger="uvicorn.error"):
        running.stop()
    thread.join(10)
    assert tries == [200, "ConnectionError"]
    assert not [r for r in caplog.records if "graceful shutdown" in r.getMessage()]

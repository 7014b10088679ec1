"""The sandbox enforces the X access plan it runs on, answering a refused call as X does (403,
client-forbidden problem+json), and X's current rate limits: per app and per user, 15-minute and
24-hour windows, with X's headers on every answer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest
import requests

from workbench import x_rules
from workbench.domain.budget import LimitTable
from workbench.domain.plan import Capability
from workbench.sandbox.limits import RateLimits
from workbench.sandbox.world import BRAND_IDS

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control

pytest_plugins = ["tests.xapi_fixtures"]

SUPPORT, DEALS = BRAND_IDS[0], BRAND_IDS[1]
SELF_SERVE = ("pay-per-use", "basic", "pro")
BEARER = {"Authorization": "Bearer app-token"}


def oauth(user: str = SUPPORT) -> dict[str, str]:
    return {
        "Authorization": f'OAuth oauth_consumer_key="k", oauth_nonce="n", '
        f'oauth_signature="s", oauth_token="{user}-abc", oauth_version="1.0"'
    }


def forbidden_body(capability: Capability, plan: str) -> dict[str, Any]:
    refusal = x_rules.plan(plan).allows(capability)
    assert refusal is not None
    return {
        "title": "Client Forbidden",
        "detail": f"{refusal.reason}. X, {refusal.date.isoformat()}: {refusal.wording} This app "
        f"is on the {plan} plan.",
        "type": "https://api.twitter.com/2/problems/client-forbidden",
        "reason": "client-not-enrolled",
        "registration_url": "https://developer.x.com/en/portal/products",
        "required_enrollment": "Enterprise",
    }


def _world(control: Control) -> dict[str, Any]:
    """A customer, posts that summon the brand in each of X's ways, and one that does not."""
    dana = control.user("dana", follows_brand=True, dm_open=True)
    brand_post = control.tweet("AcmeSupport", "Our spring sale starts today")
    return {
        "dana": dana,
        "mention": control.tweet("dana", "@AcmeSupport my order is late"),
        "quote": control.tweet("dana", "this sale!", quote_tweet_id=brand_post["id"]),
        "answer": control.tweet("dana", "thanks", in_reply_to_tweet_id=brand_post["id"]),
        "own": brand_post,
        "other_brand": control.tweet("dana", "@AcmeDeals any deals?"),
        "plain": control.tweet("dana", "my kettle broke again"),
    }


def _calls(sandbox: str, w: dict[str, Any]) -> dict[Capability, requests.Response]:
    """One call per write the plan rules name, as the brand AcmeSupport."""
    s = requests.Session()
    s.trust_env = False
    h = oauth()
    tweets = f"{sandbox}/2/tweets"
    users = f"{sandbox}/2/users/{SUPPORT}"
    dana = w["dana"]["id"]
    return {
        Capability.LIKE: s.post(f"{users}/likes", json={"tweet_id": w["plain"]["id"]}, headers=h),
        Capability.FOLLOW: s.post(f"{users}/following", json={"target_user_id": dana}, headers=h),
        Capability.UNFOLLOW: s.delete(f"{users}/following/{dana}", headers=h),
        Capability.QUOTE: s.post(
            tweets, json={"text": "look", "quote_tweet_id": w["mention"]["id"]}, headers=h
        ),
        Capability.REPLY_UNSUMMONED: s.post(
            tweets,
            json={"text": "@dana sorry", "reply": {"in_reply_to_tweet_id": w["plain"]["id"]}},
            headers=h,
        ),
        Capability.RETWEET: s.post(
            f"{users}/retweets", json={"tweet_id": w["mention"]["id"]}, headers=h
        ),
        Capability.POST: s.post(tweets, json={"text": "A plain post"}, headers=h),
        Capability.DM: s.post(
            f"{sandbox}/2/dm_conversations/with/{dana}/messages", json={"text": "hi"}, headers=h
        ),
        Capability.DM_READ: s.get(f"{sandbox}/2/dm_events", headers=h),
    }


REFUSED_ON_SELF_SERVE = {
    Capability.LIKE,
    Capability.FOLLOW,
    Capability.UNFOLLOW,
    Capability.QUOTE,
    Capability.REPLY_UNSUMMONED,
}


@pytest.mark.parametrize("plan", SELF_SERVE)
def test_self_serve_plans_refuse_likes_follows_quotes_and_unsummoned_replies(
    plan, sandbox, control: Control
):
    assert control.plan(plan)["plan"] == plan
    w = _world(control)
    before = len(control.activity())
    answers = _calls(sandbox, w)
    for capability, answer in answers.items():
        if capability in REFUSED_ON_SELF_SERVE:
            assert answer.status_code == 403, (capability, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json() == forbidden_body(capability, plan)
            assert "x-rate-limit-reset" in answer.headers
        else:
            assert answer.status_code in (200, 201), (capability, answer.text)
    done = [a["kind"] for a in control.activity()[before:]]
    assert done == ["retweet", "tweet", "dm"]  # nothing refused reached the world


def test_enterprise_allows_every_call(sandbox, control: Control):
    control.plan("enterprise")
    w = _world(control)
    answers = _calls(sandbox, w)
    assert {c: a.status_code for c, a in answers.items()} == {
        c: 201
        if c in {Capability.QUOTE, Capability.REPLY_UNSUMMONED, Capability.POST, Capability.DM}
        else 200
        for c in answers
    }


def test_replies_to_posts_that_summoned_the_brand_are_allowed_on_self_serve_plans(
    sandbox, control: Control
):
    control.plan("pay-per-use")
    w = _world(control)

    def reply(to: str, account: str = SUPPORT) -> requests.Response:
        return requests.post(
            f"{sandbox}/2/tweets",
            json={"text": f"@dana on it {to}", "reply": {"in_reply_to_tweet_id": w[to]["id"]}},
            headers=oauth(account),
        )

    for summoned in ("mention", "quote", "answer", "own"):
        assert reply(summoned).status_code == 201, summoned
    # a mention of the other brand account summons that one, not AcmeSupport
    refused = reply("other_brand")
    assert refused.status_code == 403
    assert refused.json() == forbidden_body(Capability.REPLY_UNSUMMONED, "pay-per-use")
    assert reply("other_brand", DEALS).status_code == 201
    gone = requests.post(
        f"{sandbox}/2/tweets",
        json={"text": "hello", "reply": {"in_reply_to_tweet_id": "9"}},
        headers=oauth(),
    )
    assert gone.status_code == 403
    assert gone.json()["detail"] == (
        "You attempted to reply to a Tweet that is deleted or not visible to you."
    )


def test_tweepy_sees_the_refusal_as_forbidden_with_xs_words(sandbox, control: Control):
    import tweepy

    from workbench.xapi.gateway import RewriteAdapter

    control.plan("basic")
    w = _world(control)
    client = tweepy.Client(
        consumer_key="ck",
        consumer_secret="cs",
        access_token=f"{SUPPORT}-t",
        access_token_secret="s",
    )
    client.session.trust_env = False
    client.session.mount("https://api.twitter.com", RewriteAdapter(sandbox, timeout=10))
    with pytest.raises(tweepy.Forbidden) as err:
        client.like(w["plain"]["id"])
    assert "X's self-serve plans no longer allow likes (since 2026-04-20)" in str(err.value)


def test_the_plan_is_shown_and_changed_through_the_control_api(sandbox, control: Control):
    shown = requests.get(f"{sandbox}/sandbox/plan").json()
    assert shown["plan"] == "enterprise" and shown["refuses"] == []
    basic = control.plan("basic")
    assert basic["self_serve"] is True
    refused = {c.value for c in REFUSED_ON_SELF_SERVE | {Capability.UNLIKE}}
    assert {r["capability"] for r in basic["refuses"]} == refused
    like = next(r for r in basic["refuses"] if r["capability"] == "like")
    assert like == {
        "capability": "like",
        "rule": "self-serve-engagement",
        "since": "2026-04-20",
        "reason": "X's self-serve plans no longer allow likes (since 2026-04-20)",
    }
    assert requests.get(f"{sandbox}/sandbox/health").json()["plan"] == "basic"
    bad = requests.post(f"{sandbox}/sandbox/plan", json={"plan": "free"})
    assert bad.status_code == 400 and "free" in bad.json()["detail"]


def test_start_enforces_the_setting_unless_given_a_plan(monkeypatch):
    from workbench.sandbox import start

    monkeypatch.delenv("WORKBENCH_X_PLAN", raising=False)
    with start(brands=("AcmeSupport",)) as running:
        assert running.sandbox.plan.name == "pay-per-use"
    monkeypatch.setenv("WORKBENCH_X_PLAN", "pro")
    with start(brands=("AcmeSupport",)) as running:
        assert running.sandbox.plan.name == "pro"
    with start(brands=("AcmeSupport",), plan="enterprise") as running:
        assert running.sandbox.plan.name == "enterprise"


def test_the_command_takes_a_plan():
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_X_PLAN"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "sandbox", "--empty", "--plan", "basic"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().removeprefix("X API sandbox at ")
        assert requests.get(url + "/sandbox/plan", timeout=5).json()["plan"] == "basic"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run(
        [sys.executable, "-m", "workbench", "sandbox", "--empty", "--plan", "free"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2 and "--plan" in bad.stderr


# --- rate limits ---------------------------------------------------------------------------


def _headers(answer: requests.Response, prefix: str = "x-rate-limit") -> tuple[int, int, int]:
    h = answer.headers
    return int(h[f"{prefix}-limit"]), int(h[f"{prefix}-remaining"]), int(h[f"{prefix}-reset"])


def test_dm_reads_are_15_per_15_minutes_per_brand_account(sandbox, control: Control):
    control.rate_limits(scale=1)
    seen = [
        (a.status_code, _headers(a)[:2])
        for a in (requests.get(f"{sandbox}/2/dm_events", headers=oauth()) for _ in range(16))
    ]
    assert seen[0] == (200, (15, 14)) and seen[14] == (200, (15, 0))
    assert seen[15] == (429, (15, 0))
    limited = requests.get(f"{sandbox}/2/dm_events", headers=oauth())
    assert _headers(limited)[2] > time.time() + 800
    assert requests.get(f"{sandbox}/2/dm_events", headers=oauth(DEALS)).status_code == 200


def test_dm_sends_carry_the_15_minute_and_both_24_hour_windows(sandbox, control: Control):
    control.rate_limits(scale=1)
    dana = control.user("dana", dm_open=True)
    url = f"{sandbox}/2/dm_conversations/with/{dana['id']}/messages"
    codes = []
    for i in range(16):
        answer = requests.post(url, json={"text": f"note {i}"}, headers=oauth())
        codes.append(answer.status_code)
    assert codes == [201] * 15 + [429]
    assert _headers(answer)[:2] == (15, 0)
    assert _headers(answer, "x-user-limit-24hour")[:2] == (1440, 1425)
    assert _headers(answer, "x-app-limit-24hour")[:2] == (1440, 1425)
    assert _headers(answer, "x-user-limit-24hour")[2] > time.time() + 86_000
    other = requests.post(url, json={"text": "from deals"}, headers=oauth(DEALS))
    assert other.status_code == 201
    assert _headers(other)[:2] == (15, 14)
    # the app's 24-hour total counts every brand account's sends
    assert _headers(other, "x-app-limit-24hour")[:2] == (1440, 1424)
    assert _headers(other, "x-user-limit-24hour")[:2] == (1440, 1439)


def test_posts_mentions_and_likes_follow_xs_table(sandbox, control: Control):
    control.rate_limits(scale=1)
    post = requests.post(f"{sandbox}/2/tweets", json={"text": "hello"}, headers=oauth())
    assert _headers(post)[:2] == (100, 99)
    assert _headers(post, "x-app-limit-24hour")[:2] == (10_000, 9_999)
    assert "x-user-limit-24hour-limit" not in post.headers
    as_user = requests.get(f"{sandbox}/2/users/{SUPPORT}/mentions", headers=oauth())
    as_app = requests.get(f"{sandbox}/2/users/{SUPPORT}/mentions", headers=BEARER)
    assert _headers(as_user)[:2] == (300, 299) and _headers(as_app)[:2] == (450, 449)
    assert "x-app-limit-24hour-limit" not in as_user.headers
    tweet = control.tweet("dana", "@AcmeSupport hi")
    like = requests.post(
        f"{sandbox}/2/users/{SUPPORT}/likes", json={"tweet_id": tweet["id"]}, headers=oauth()
    )
    assert _headers(like)[:2] == (50, 49)
    assert _headers(like, "x-user-limit-24hour")[:2] == (1000, 999)


def test_every_answer_carries_x_rate_limit_reset(sandbox, control: Control):
    """tweepy waits out a 429 until x-rate-limit-reset and retries forever without it."""
    control.plan("pay-per-use")
    answers = [
        requests.get(f"{sandbox}/2/users/me"),  # 401
        requests.get(f"{sandbox}/2/nowhere", headers=oauth()),  # 404 route
        requests.post(
            f"{sandbox}/2/users/{SUPPORT}/likes", json={"tweet_id": "1"}, headers=oauth()
        ),
        requests.get(f"{sandbox}/2/users/me", headers=BEARER),  # 403 app-only
    ]
    control.fault(path="/2/users/me", status=429)
    answers.append(requests.get(f"{sandbox}/2/users/me", headers=oauth()))
    assert [a.status_code for a in answers] == [401, 404, 403, 403, 429]
    for answer in answers:
        assert int(answer.headers["x-rate-limit-reset"]) >= int(time.time()), answer.text


def _w(limit: int, seconds: float) -> dict[str, float]:
    return {"limit": limit, "seconds": seconds}


def _table(**endpoints: Any) -> LimitTable:
    default = {"app": [{"limit": 900, "seconds": 900}], "user": [{"limit": 900, "seconds": 900}]}
    return LimitTable.from_dict({"default": default, "endpoints": endpoints})


def test_per_app_windows_count_app_only_calls_or_on_user_only_endpoints_every_call():
    table = _table(
        **{
            "GET /2/read": {"app": [_w(2, 900)], "user": [_w(1, 900)]},
            "POST /2/write": {"app": [_w(2, 86400)], "user": [_w(5, 900)]},
        }
    )
    limits = RateLimits(table)
    # reads: users and the app (Bearer) each have their own windows
    assert limits.take("u1", "GET /2/read")[0] and not limits.take("u1", "GET /2/read")[0]
    assert limits.take("u2", "GET /2/read")[0]
    assert limits.take(None, "GET /2/read")[0] and limits.take(None, "GET /2/read")[0]
    assert not limits.take(None, "GET /2/read")[0]
    # writes (user context only): the app's 24-hour total spans its users
    ok, headers = limits.take("u1", "POST /2/write", app_total=True)
    assert ok and headers["x-rate-limit-remaining"] == "4"
    assert headers["x-app-limit-24hour-remaining"] == "1"
    assert limits.take("u2", "POST /2/write", app_total=True)[0]
    refused, headers = limits.take("u3", "POST /2/write", app_total=True)
    assert not refused
    assert headers["x-rate-limit-remaining"] == "5"  # u3's own window is untouched
    assert headers["x-app-limit-24hour-remaining"] == "0"


def test_window_and_scale_stretch_every_window_alike():
    limits = RateLimits(
        _table(**{"POST /2/x": {"user": [_w(10, 900), _w(40, 86400)]}}), scale=0.5, window=9.0
    )
    assert limits.windows("POST /2/x") == {
        "user": [{"limit": 5, "seconds": 9.0}, {"limit": 20, "seconds": 864.0}]
    }
    limits.configure(limits={"POST /2/x": 3}, scale=1)
    assert limits.limit_for("POST /2/x") == 3
    assert limits.windows("POST /2/x")["user"][1]["limit"] == 40
    with pytest.raises(ValueError, match="unknown endpoints"):
        limits.configure(limits={"GET /2/nope": 3})

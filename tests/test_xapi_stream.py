"""X's filtered stream: the sandbox's rules and stream (auth, bad rules, connection cap), the
gateway's MentionStream, and ingest storing a mention the moment it is posted (on SQLite and
PostgreSQL), with the author as the brand sees them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
import requests

from workbench.intake import Ingest
from workbench.xapi import AuthError, Gateway
from workbench.xapi.gateway import SANDBOX_BEARER, Credentials
from workbench.xapi.stream import MentionStream, rule_for

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control

pytest_plugins = ["tests.xapi_fixtures"]

BEARER = {"Authorization": f"Bearer {SANDBOX_BEARER}"}


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


@contextmanager
def following(ingest: Ingest, interval: float) -> Iterator[None]:
    """``ingest.run_forever`` in a thread, from the moment its stream is connected and the
    poll after that connection is over, until the block ends."""
    stop = threading.Event()
    runner = threading.Thread(
        target=ingest.run_forever, args=(stop,), kwargs={"interval": interval}
    )
    runner.start()
    try:
        assert wait_for(lambda: ingest.stream is not None and ingest.stream.connected.is_set())
        time.sleep(0.5)
        yield
    finally:
        stop.set()
        runner.join(15)
    assert not runner.is_alive()


# --- the sandbox ----------------------------------------------------------------------------


def test_rules_and_stream_want_the_apps_bearer_token(sandbox: str):
    rules = f"{sandbox}/2/tweets/search/stream/rules"
    assert requests.get(rules, timeout=5).status_code == 401
    signed = requests.get(
        rules,
        headers={
            "Authorization": 'OAuth oauth_consumer_key="k", oauth_token="t", oauth_signature="s"'
        },
        timeout=5,
    )
    assert signed.status_code == 403
    assert "Application-Only" in signed.json()["detail"]
    answer = requests.get(rules, headers=BEARER, timeout=5)
    assert answer.status_code == 200 and answer.json()["meta"]["result_count"] == 0
    assert "x-rate-limit-reset" in answer.headers


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({}, "either `add` or `delete`"),
        ({"add": [], "delete": {"ids": ["1"]}}, "either `add` or `delete`"),
        ({"add": []}, "add: a non-empty list"),
        ({"delete": {}}, "delete: {ids"),
    ],
)
def test_a_malformed_rules_request_names_the_field(sandbox: str, body, rule):
    answer = requests.post(
        f"{sandbox}/2/tweets/search/stream/rules", json=body, headers=BEARER, timeout=5
    )
    assert answer.status_code == 400
    assert rule in answer.json()["errors"][0]["message"]


def test_bad_rules_are_refused_one_by_one_and_the_good_ones_kept(sandbox: str):
    url = f"{sandbox}/2/tweets/search/stream/rules"
    answer = requests.post(
        url,
        json={"add": [{"value": ""}, {"value": "x" * 1100}, {"value": "(a OR b"}, {"value": "ok"}]},
        headers=BEARER,
        timeout=5,
    ).json()
    assert answer["meta"]["summary"] == {"created": 1, "not_created": 3, "valid": 1, "invalid": 3}
    details = [e["detail"] for e in answer["errors"]]
    assert details[0].startswith("value: a rule needs")
    assert "at most 1024" in details[1]
    assert "OR and groups" in details[2]
    assert [r["value"] for r in requests.get(url, headers=BEARER, timeout=5).json()["data"]] == [
        "ok"
    ]
    gone = requests.post(
        url, json={"delete": {"values": ["ok", "nope"]}}, headers=BEARER, timeout=5
    ).json()
    assert gone["meta"]["summary"] == {"deleted": 1, "not_deleted": 1}
    assert gone["errors"][0]["value"] == "nope"


def test_past_the_connection_cap_the_stream_answers_429_too_many_connections(running_sandbox):
    running_sandbox.sandbox.streams.max_connections = 1
    url = f"{running_sandbox.url}/2/tweets/search/stream"
    with requests.get(url, headers=BEARER, stream=True, timeout=5) as first:
        assert first.status_code == 200
        lines = first.iter_lines()  # (kept: dropping it would close the connection)
        assert next(lines) == b""  # the keep-alive that opens every stream
        second = requests.get(url, headers=BEARER, timeout=5)
        assert second.status_code == 429
        assert second.json()["connection_issue"] == "TooManyConnections"
        assert "x-rate-limit-reset" in second.headers


def test_backfill_replays_the_last_minutes(running_sandbox, control: Control):
    control.user("dana")
    control.tweet("dana", "@AcmeSupport posted before anyone listened")
    requests.post(
        f"{running_sandbox.url}/2/tweets/search/stream/rules",
        json={"add": [{"value": "@AcmeSupport"}]},
        headers=BEARER,
        timeout=5,
    ).raise_for_status()
    with requests.get(
        f"{running_sandbox.url}/2/tweets/search/stream?backfill_minutes=2",
        headers=BEARER,
        stream=True,
        timeout=5,
    ) as answer:
        lines = answer.iter_lines()
        assert next(lines) == b""
        assert b"posted before anyone listened" in next(lines)


# --- the gateway ----------------------------------------------------------------------------


def test_rules_are_added_once_per_timeline_and_others_left_alone(sandbox: str, gateway: Gateway):
    url = f"{sandbox}/2/tweets/search/stream/rules"
    requests.post(url, json={"add": [{"value": "coffee"}]}, headers=BEARER, timeout=5)
    stream = MentionStream(gateway, lambda *_: None)
    assert stream.ensure_rules() == {
        rule_for("AcmeSupport")[1]: "AcmeSupport",
        rule_for("AcmeDeals")[1]: "AcmeDeals",
    }
    stream.ensure_rules()
    values = sorted(r["value"] for r in requests.get(url, headers=BEARER, timeout=5).json()["data"])
    assert values == ["@AcmeDeals", "@AcmeSupport", "coffee"]


def test_without_a_bearer_token_the_stream_says_which_setting_is_missing(sandbox: str):
    creds = Credentials("ck", "cs", "1-token", "ts", bearer_token=None)
    stream = MentionStream(Gateway(sandbox, {"AcmeSupport": creds}), lambda *_: None)
    with pytest.raises(AuthError, match="X_BEARER_TOKEN"):
        stream.run()


def test_a_refused_stream_ends_with_the_reason(sandbox: str, gateway: Gateway, control: Control):
    stream = MentionStream(gateway, lambda *_: None)
    stream.ensure_rules()
    control.fault(path="/2/tweets/search/stream", status=403)
    with pytest.raises(Exception, match="403|Forbidden"):
        stream.run(threading.Event())


def test_the_stream_hands_over_each_mention_with_its_timeline(gateway: Gateway, control: Control):
    got: list[tuple[str, str]] = []
    stream = MentionStream(gateway, lambda timeline, post: got.append((timeline, post.text)))
    stop = threading.Event()
    runner = threading.Thread(target=stream.run, args=(stop,))
    runner.start()
    try:
        assert stream.connected.wait(10)
        control.user("dana")
        control.tweet("dana", "@AcmeDeals any codes? <script>")
        control.tweet("dana", "@AcmeSupport @AcmeDeals both of you")
        control.tweet("dana", "nobody at all")
        assert wait_for(lambda: len(got) == 3), got
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive(), "stop did not end the stream promptly"
    assert got == [
        ("AcmeDeals", "@AcmeDeals any codes? <script>"),
        ("AcmeSupport", "@AcmeSupport @AcmeDeals both of you"),
        ("AcmeDeals", "@AcmeSupport @AcmeDeals both of you"),
    ]


# --- ingest ---------------------------------------------------------------------------------


def test_ingest_stores_a_streamed_mention_before_its_next_poll(store, gateway, control: Control):
    control.user("dana", followers_count=812, follows_brand=True, dm_open=True)
    ingest = Ingest(store, gateway, classify=None)
    stop, polled = threading.Event(), threading.Event()
    runner = threading.Thread(
        target=ingest.run_forever,
        args=(stop,),
        kwargs={"interval": 3600.0, "on_report": lambda _: polled.set()},
    )
    runner.start()
    try:
        assert polled.wait(10)  # the first poll is over; the next is an hour away
        assert wait_for(lambda: ingest.stream is not None and ingest.stream.connected.is_set())
        tweet = control.tweet(
            "dana",
            "@AcmeSupport my order never came",
            media=[{"type": "photo", "alt_text": "An empty doorstep"}],
        )
        assert wait_for(lambda: any(i.tweet_id == tweet["id"] for i in store.interactions()))
    finally:
        stop.set()
        runner.join(15)
    assert not runner.is_alive()
    it = next(i for i in store.interactions() if i.tweet_id == tweet["id"])
    assert (it.timeline, it.channel.value) == ("AcmeSupport", "mention")
    dana = store.contact(it.contact_id)
    # the stream is app-only; ingest asked as the brand who dana is to it
    assert (dana.followers_count, dana.follows_brand, dana.dm_open) == (812, True, True)
    assert ingest.streamed.interactions == 1
    (line,) = store.transcript(it.id)  # the photo came with the streamed post
    assert [(m["key"], m["kind"], m["alt_text"]) for m in line.details["media"]] == [
        (tweet["media_keys"][0], "photo", "An empty doorstep")
    ]
    again = ingest.run_once()  # the poll sees it too, and stores nothing twice
    assert again.interactions == 0
    assert [i.tweet_id for i in store.interactions()].count(tweet["id"]) == 1


def test_ingest_polls_on_when_the_stream_is_refused(store, sandbox: str, control: Control):
    from tests.xapi_fixtures import settings_for

    gateway = Gateway.from_settings(settings_for(sandbox), timeout=10.0)
    control.fault(path="/2/tweets/search/stream/rules", status=403)
    control.user("dana")
    ingest = Ingest(store, gateway, classify=None)
    stop = threading.Event()
    runner = threading.Thread(target=ingest.run_forever, args=(stop,), kwargs={"interval": 0.2})
    runner.start()
    try:
        tweet = control.tweet("dana", "@AcmeSupport anyone there?")
        assert wait_for(lambda: any(i.tweet_id == tweet["id"] for i in store.interactions()))
    finally:
        stop.set()
        runner.join(15)
    assert ingest.streamed.interactions == 0


def test_while_streaming_mentions_are_polled_only_as_a_backstop(store, sandbox: str):
    from tests.xapi_fixtures import settings_for

    paths: list[str] = []
    gateway = Gateway.from_settings(
        settings_for(sandbox), timeout=10.0, hooks=[lambda r, *a, **k: paths.append(r.url)]
    )
    ingest = Ingest(store, gateway, classify=None)
    with following(ingest, interval=0.05):
        paths.clear()
        time.sleep(1.0)
    mentions = [p for p in paths if "/mentions" in p]
    dms = [p for p in paths if "/dm_events" in p]
    assert len(dms) >= 10 and len(mentions) == 0, (len(dms), len(mentions))


def test_a_catch_up_poll_that_fails_is_tried_again_at_once(store, sandbox: str, control):
    """After a (re)connection the mentions poll fetches what the stream cannot have seen; if
    that poll fails, the next loop tries again instead of waiting for the backstop."""
    from tests.xapi_fixtures import settings_for

    answers: list[tuple[str, int]] = []
    gateway = Gateway.from_settings(
        settings_for(sandbox),
        timeout=10.0,
        hooks=[lambda r, *a, **k: answers.append((r.url, r.status_code))],
    )
    ingest = Ingest(store, gateway, classify=None)
    with following(ingest, interval=0.05):
        control.fault(path="/2/users/*/mentions", status=503, count=1)
        answers.clear()
        ingest._missed.set()  # as after a reconnection
        mentions = lambda: [s for u, s in answers if "/mentions" in u]  # noqa: E731
        assert wait_for(lambda: 503 in mentions())
        assert wait_for(lambda: mentions()[-1:] == [200] and len(mentions()) >= 3), mentions()

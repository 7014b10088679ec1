"""The outbox, on SQLite and PostgreSQL: written before sending, sent once, retried, never lost."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, update

from workbench.errors import ValidationError
from workbench.outbox import Outbox
from workbench.store import schema as t
from workbench.xapi import Credentials, Gateway

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control

pytest_plugins = ["tests.xapi_fixtures"]


def rows(store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(select(t.outbox).order_by(t.outbox.c.id)).all()


def drain(outbox: Outbox, rounds: int = 50) -> None:
    """Run the worker until nothing is pending (waiting out short backoffs)."""
    for _ in range(rounds):
        outbox.run_once()
        if outbox.counts()["pending"] == 0:
            return
        due = outbox.next_due()
        if due is not None:
            time.sleep(max(0.0, min(2.0, (due - datetime.now(UTC)).total_seconds())) + 0.01)
    raise AssertionError(f"still pending: {outbox.counts()}")


def test_enqueue_joins_the_callers_transaction_and_keys_are_idempotent(store, gateway):
    outbox = Outbox(store, gateway)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        outbox.enqueue("post", "AcmeSupport", {"text": "hi"}, key="k1", conn=conn)
        raise RuntimeError("the caller's use case failed")
    assert rows(store) == []
    with store.transaction() as conn:
        assert outbox.enqueue("post", "AcmeSupport", {"text": "hi"}, key="k1", conn=conn) == "k1"
    assert outbox.enqueue("post", "AcmeSupport", {"text": "hi"}, key="k1") == "k1"
    (row,) = rows(store)
    assert (row.state, row.attempts, row.payload) == ("pending", 0, {"text": "hi"})
    with pytest.raises(ValidationError, match="payload.in_reply_to_tweet_id"):
        outbox.enqueue("reply", "AcmeSupport", {"text": "hi"})
    with pytest.raises(ValidationError, match="payload.tweet_id: an X id"):
        outbox.enqueue("like", "AcmeSupport", {"tweet_id": "abc"})
    with pytest.raises(ValidationError, match="action: one of"):
        outbox.enqueue("shout", "AcmeSupport", {"text": "hi"})


def test_every_action_is_sent_once_with_its_result(store, gateway, control: Control):
    dana = control.user("dana", follows_brand=True)
    tweet = control.tweet("dana", "@AcmeSupport hello")
    mine = gateway.post("AcmeSupport", "To be deleted")
    start = len(control.activity())
    outbox = Outbox(store, gateway)
    plan = [
        ("reply", {"text": "@dana hi!", "in_reply_to_tweet_id": tweet["id"]}),
        ("quote", {"text": "Nice words", "quote_tweet_id": tweet["id"]}),
        ("post", {"text": "Our opening hours change today https://acmeshop.co/hours"}),
        ("dm", {"participant_id": dana["id"], "text": "Hi Dana"}),
        ("retweet", {"tweet_id": tweet["id"]}),
        ("like", {"tweet_id": tweet["id"]}),
        ("follow", {"target_user_id": dana["id"]}),
        ("unfollow", {"target_user_id": dana["id"]}),
        ("delete", {"tweet_id": mine.id}),
    ]
    keys = [outbox.enqueue(a, "AcmeSupport", p, interaction_id="it-1") for a, p in plan]
    report = outbox.run_once()
    assert (report.sent, report.failed) == (9, 0)
    assert outbox.run_once().claimed == 0
    kinds = [a["kind"] for a in control.activity()[start:]]
    assert kinds == [
        "reply",
        "quote",
        "tweet",
        "dm",
        "retweet",
        "like",
        "follow",
        "unfollow",
        "delete",
    ]
    results = {r.action: r.result for r in rows(store)}
    assert results["reply"]["id"].isdigit() and results["post"]["text"].endswith(")") is False
    assert results["dm"]["dm_conversation_id"] == f"{dana['id']}-{gateway.user_id()}"
    assert all(outbox.status(k)["state"] == "sent" for k in keys)
    heard = [e for e in store.events("it-1") if e.action in ("sent", "answered")]
    assert len(heard) == 9 and heard[0].details["key"] == keys[0]
    # The brand's words reaching the customer (reply, quote, DM) are "answered": replies.
    assert [e.details["action"] for e in heard if e.action == "answered"] == [
        "reply",
        "quote",
        "dm",
    ]


def test_429_waits_for_the_reset_and_5xx_backs_off(store, gateway, control: Control):
    control.fault(path="/2/tweets", method="POST", status=429)
    control.fault(path="/2/tweets", method="POST", status=503)
    outbox = Outbox(store, gateway, backoff=0.05)
    outbox.enqueue("post", "AcmeSupport", {"text": "one"})
    outbox.enqueue("post", "AcmeSupport", {"text": "two"})
    first = outbox.run_once()
    assert (first.retried, first.released, first.sent) == (1, 1, 0)  # the 429 holds the endpoint
    row = rows(store)[0]
    assert row.state == "pending" and "rate limit" in row.last_error
    assert row.next_attempt_at > datetime.now(UTC)
    drain(outbox)
    # After the reset "one" met the 503 and backed off while "two" went out.
    assert [a["text"] for a in control.activity()] == ["two", "one"]
    # attempts count the tries that may have reached X: the 429 gave its count back
    assert [r.attempts for r in rows(store)] == [2, 1]


def test_a_lost_answer_is_found_not_sent_again(store, gateway, control: Control):
    dana = control.user("dana", follows_brand=True)
    tweet = control.tweet("dana", "@AcmeSupport hello")
    control.fault(path="/2/tweets", method="POST", status=503, after=True, count=2)
    control.fault(path="/2/dm_conversations/*", method="POST", status=503, after=True)
    outbox = Outbox(store, gateway, backoff=0.01)
    outbox.enqueue(
        "reply", "AcmeSupport", {"text": "@dana sorted", "in_reply_to_tweet_id": tweet["id"]}
    )
    outbox.enqueue(
        "post", "AcmeSupport", {"text": "Shipping delays today, sorry https://acmeshop.co/s"}
    )
    outbox.enqueue("dm", "AcmeSupport", {"participant_id": dana["id"], "text": "Check your inbox"})
    outbox.enqueue("like", "AcmeSupport", {"tweet_id": tweet["id"]})
    control.fault(path="/2/users/*/likes", status=503, after=True)
    first = outbox.run_once()
    assert first.retried == 4
    drain(outbox)
    kinds = sorted(a["kind"] for a in control.activity())
    assert kinds == ["dm", "like", "reply", "tweet"]  # each once, though each answer was lost
    assert all(r.state == "sent" and r.attempts == 2 for r in rows(store))
    reply = next(r for r in rows(store) if r.action == "reply")
    assert reply.result["id"] == control.activity()[0]["result_id"]


def test_refusals_fail_the_row_with_the_reason(store, gateway, control: Control):
    closed = control.user("closed")
    outbox = Outbox(store, gateway)
    outbox.enqueue("post", "AcmeSupport", {"text": "x" * 281}, interaction_id="it-2")
    outbox.enqueue("dm", "AcmeSupport", {"participant_id": closed["id"], "text": "hi"})
    outbox.enqueue("like", "AcmeSupport", {"tweet_id": "42"})
    outbox.enqueue("post", "Nobody", {"text": "hi"})
    report = outbox.run_once()
    assert report.failed == 4
    reasons = [r.last_error for r in rows(store)]
    assert "create_tweet(tweet) (HTTP 403): Your Tweet text is too long" in reasons[0]
    assert "cannot send messages" in reasons[1]
    assert "like(42)" in reasons[2] and "Could not find tweet" in reasons[2]
    assert "no credentials for timeline 'Nobody'" in reasons[3]
    assert all(r.state == "failed" for r in rows(store))
    (event,) = [e for e in store.events("it-2") if e.action == "send_failed"]
    assert "too long" in event.details["reason"]


def test_nothing_is_lost_when_x_is_down_or_refuses_the_credentials(store, sandbox, control):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    creds = {"AcmeSupport": Credentials("k", "s", "1476312418095484928-t", "ts")}
    down = Outbox(store, Gateway(f"http://127.0.0.1:{port}", creds, timeout=2), backoff=0.01)
    for i in range(3):
        down.enqueue("post", "AcmeSupport", {"text": f"post {i}"})
    report = down.run_once()
    assert (report.retried, report.released) == (1, 2)  # stops at the first refused connection
    assert "cannot reach" in rows(store)[0].last_error
    assert [r.state for r in rows(store)] == ["pending"] * 3
    control.fault(path="/2/tweets", status=401)
    refused = Outbox(store, Gateway(sandbox, creds), auth_backoff=0.05)
    with store.transaction() as conn:
        conn.execute(update(t.outbox).values(next_attempt_at=datetime.now(UTC)))
    refused.run_once()
    assert "X_ACCESS_TOKEN" in rows(store)[0].last_error and rows(store)[0].state == "pending"
    drain(refused)
    assert [a["text"] for a in control.activity()] == ["post 0", "post 1", "post 2"]


def test_two_workers_never_send_the_same_row(store, gateway, control: Control):
    tweet = control.tweet("dana", "@AcmeSupport hi")
    first = Outbox(store, gateway, batch=5)
    for i in range(60):
        first.enqueue(
            "reply", "AcmeSupport", {"text": f"reply {i}", "in_reply_to_tweet_id": tweet["id"]}
        )
    second = Outbox(store, Gateway.from_settings(gateway_settings(gateway)), batch=5)
    stop = threading.Event()
    workers = [
        threading.Thread(target=w.run_forever, args=(stop,), kwargs={"idle": 0.02})
        for w in (first, second)
    ]
    for w in workers:
        w.start()
    deadline = time.time() + 60
    while first.counts()["sent"] < 60 and time.time() < deadline:
        time.sleep(0.05)
    stop.set()
    for w in workers:
        w.join()
    texts = [a["text"] for a in control.activity()]
    assert sorted(texts) == sorted(f"reply {i}" for i in range(60))
    assert all(r.attempts == 1 for r in rows(store))


def gateway_settings(gateway: Gateway):
    from workbench.config import Settings

    return Settings.from_env({"WORKBENCH_X_API_URL": gateway.base_url})


def test_a_worker_that_died_midway_is_taken_over_after_its_lease(store, gateway, control):
    dana = control.user("dana", follows_brand=True)
    tweet = control.tweet("dana", "@AcmeSupport hi")
    dead = Outbox(store, gateway, lease=0.3)
    dead.enqueue("reply", "AcmeSupport", {"text": "@dana one", "in_reply_to_tweet_id": tweet["id"]})
    dead.enqueue("dm", "AcmeSupport", {"participant_id": dana["id"], "text": "two"})
    dead.enqueue("post", "AcmeSupport", {"text": "three"})
    claimed = dead._claim(10)
    assert len(claimed) == 3
    # It sent the first two, then died before marking anything.
    dead._send(claimed[0])
    dead._send(claimed[1])
    alive = Outbox(store, gateway)
    assert alive.run_once().claimed == 0  # the lease still holds
    time.sleep(0.35)
    report = alive.run_once()
    assert (report.sent, report.found_already_sent) == (3, 2)
    assert sorted(a["kind"] for a in control.activity()) == ["dm", "reply", "tweet"]
    assert [r.attempts for r in rows(store)] == [2, 2, 2]


def test_rows_written_by_hand_like_the_workspace_does_are_sent(store, gateway, control):
    now = datetime.now(UTC)
    with store.transaction() as conn:
        conn.execute(
            t.outbox.insert(),
            {
                "key": "it-9:post:abc",
                "interaction_id": "it-9",
                "timeline": "AcmeDeals",
                "action": "post",
                "payload": {"text": "Deal of the day"},
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now - timedelta(seconds=1),
                "created_at": now,
            },
        )
    Outbox(store, gateway).run_once()
    assert control.activity()[0]["account"] == "AcmeDeals"

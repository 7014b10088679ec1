"""An answer is counted once per message X holds: a retry after X's refusal sends or fails on its
own, never "found" as an earlier reply of the same words (against the sandbox, a real server)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import requests
from sqlalchemy import select

from workbench.config import Settings
from workbench.outbox import Outbox
from workbench.store import schema as t

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control

pytest_plugins = ["tests.xapi_fixtures"]


def _rows(store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(select(t.outbox).order_by(t.outbox.c.id)).all()


def _answered(store, interaction_id: str) -> list:
    return [e for e in store.events(interaction_id) if e.action == "answered"]


def _brand_replies(control: Control) -> list[dict]:
    return [a for a in control.activity() if a["kind"] == "reply"]


def test_retry_after_duplicate_content_fails_on_its_own_and_counts_one_answer(
    db_url, sandbox, tmp_path
):
    """The agent sends the same words twice; X refuses the second as duplicate content; the
    agent presses Retry as the view suggests: X is asked again and refuses again, the row is
    never marked sent with the first reply's id, and the ledger counts one reply."""
    from workbench.analytics import ledger
    from workbench.intake import Ingest
    from workbench.store import Store
    from workbench.workspace import Workspace
    from workbench.xapi.gateway import Gateway

    control_session = requests.Session()
    control_session.trust_env = False
    control_session.post(
        f"{sandbox}/sandbox/users",
        json={"username": "kim_x", "name": "Kim", "follows_brand": True},
        timeout=10,
    ).raise_for_status()
    control_session.post(
        f"{sandbox}/sandbox/tweets",
        json={"author": "kim_x", "text": "@AcmeSupport where is my parcel?"},
        timeout=10,
    ).raise_for_status()
    store = Store(db_url)
    store.load_reference_data()
    env = {"WORKBENCH_DB_URL": db_url, "WORKBENCH_X_API_URL": sandbox}
    Ingest(store, Gateway.from_settings(Settings.from_env(env)), classify=False).run_once()
    settings = Settings.from_env({**env, "WORKBENCH_X_PLAN": "enterprise"})
    with Workspace("ann", settings=settings, send=True, mail_dir=tmp_path) as ann:
        ann.ready()
        (offer,) = ann.poll()
        ann.accept(offer.id)
        ann.reply(offer.id, "it ships today")
        ann.poll()
        ann.reply(offer.id, "it ships today")  # the same words again: X refuses them
        ann.poll()
        first, second = _rows(store)
        assert (first.state, second.state) == ("sent", "failed")
        assert "duplicate content" in second.last_error
        ann.retry_send(offer.id, second.key)  # what the view's Retry does
        ann.poll()
    first, second = _rows(store)
    assert second.state == "failed" and "duplicate content" in second.last_error
    assert second.x_id is None and second.x_id != first.x_id
    activity = control_session.get(f"{sandbox}/sandbox/activity", timeout=10).json()["data"]
    assert [a["text"] for a in activity if a["kind"] == "reply"] == ["@kim_x it ships today"]
    assert len(_answered(store, offer.id)) == 1
    row = ledger(store=store).set_index("interaction_id").loc[offer.id]
    assert row["replies"] == 1
    store.close()


def test_a_rate_limited_send_is_not_found_as_another_rows_reply(store, gateway, control: Control):
    """The same words queued twice for one tweet: the second meets a 429 first. Its next try
    is its first that could reach X, so it is sent and refused as X's duplicate, never marked
    sent with the first row's post."""
    tweet = control.tweet("dana", "@AcmeSupport hello")
    control.user("dana", follows_brand=True)
    outbox = Outbox(store, gateway, backoff=0.01)
    payload = {"text": "@dana thanks, sorted", "in_reply_to_tweet_id": tweet["id"]}
    outbox.enqueue("reply", "AcmeSupport", payload, interaction_id="it-1")
    assert outbox.run_once().sent == 1
    outbox.enqueue("reply", "AcmeSupport", payload, interaction_id="it-1")
    control.fault(path="/2/tweets", method="POST", status=429)
    assert outbox.run_once().retried == 1
    for _ in range(50):
        if outbox.counts()["pending"] == 0:
            break
        due = outbox.next_due()
        if due is not None:
            time.sleep(max(0.0, min(2.0, (due - datetime.now(UTC)).total_seconds())) + 0.01)
        outbox.run_once()
    first, second = _rows(store)
    assert first.state == "sent" and second.state == "failed"
    assert "duplicate content" in second.last_error and second.x_id is None
    assert second.attempts == 0  # both of its tries were refused by X: none could reach it
    assert len(_brand_replies(control)) == 1
    assert [e.details["key"] for e in _answered(store, "it-1")] == [first.key]


def test_a_lost_answer_is_still_found_after_a_timeout_and_a_duplicate(
    store, gateway, control: Control
):
    """Where the first try did reach X (its answer lost to a 503 after the post was made), the
    retry's duplicate refusal is that very post: found, marked sent with its id, one answer."""
    tweet = control.tweet("dana", "@AcmeSupport hello")
    outbox = Outbox(store, gateway, backoff=0.01)
    payload = {"text": "@dana on its way", "in_reply_to_tweet_id": tweet["id"]}
    control.fault(path="/2/tweets", method="POST", status=503, after=True)
    outbox.enqueue("reply", "AcmeSupport", payload, interaction_id="it-2")
    assert outbox.run_once().retried == 1
    for _ in range(50):
        if outbox.counts()["pending"] == 0:
            break
        time.sleep(0.05)
        outbox.run_once()
    (row,) = _rows(store)
    (posted,) = _brand_replies(control)
    assert row.state == "sent" and row.x_id == posted["result_id"]
    assert len(_answered(store, "it-2")) == 1

"""Ingest against the sandbox, on SQLite and PostgreSQL: each tweet or DM becomes one interaction,
the cursor is durable, malformed items are quarantined, the brand's own messages join
transcripts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from workbench.domain import Actionability, Channel, EntryKind, Sentiment
from workbench.intake import Ingest
from workbench.outbox import Outbox
from workbench.sandbox.world import BRAND_IDS
from workbench.store import schema as t
from workbench.xapi import Unavailable

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control
    from workbench.store import Store
    from workbench.xapi import Gateway

pytest_plugins = ["tests.xapi_fixtures"]

SUPPORT, DEALS = BRAND_IDS[0], BRAND_IDS[1]


def count(store: Store, table=t.interactions, **where: str) -> int:
    query = select(func.count()).select_from(table)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def test_mentions_and_dms_become_one_interaction_each(store, gateway: Gateway, control: Control):
    control.user("dana", name="Dana", followers_count=812, tweet_count=10, follows_brand=True)
    control.user("marta", followers_count=143, dm_open=True)
    both = control.tweet("dana", "@AcmeSupport @AcmeDeals is the sale on? https://acmeshop.co/d")
    control.tweet("marta", "@AcmeDeals any codes? 🤔")
    dm = control.dm("marta", "Hi, order 1234 never came")
    ingest = Ingest(store, gateway, classify=None)
    first = ingest.run_once()
    assert (first.interactions, first.duplicates) == (3, 1)  # ``both`` is on two timelines
    again = ingest.run_once()
    assert again.interactions == 0
    its = {i.tweet_id or i.dm_event_id: i for i in store.interactions()}
    assert set(its) == {both["id"], dm["id"], *(i for i in its if i not in (both["id"], dm["id"]))}
    assert len(its) == 3
    mention, message = its[both["id"]], its[dm["id"]]
    assert (mention.channel, mention.queue, mention.timeline) == (
        Channel.MENTION,
        "mentions",
        "AcmeSupport",
    )
    assert (message.channel, message.queue) == (Channel.DM, "dms")
    assert re.fullmatch(r"[0-9a-f]{32}", mention.id)
    assert mention.subject.endswith("https://acmeshop.co/d")  # the URL as the customer wrote it
    dana = store.contact(mention.contact_id)
    assert (dana.username, dana.followers_count, dana.statuses_count) == ("dana", 812, 11)
    assert dana.follows_brand is True and dana.dm_open is True
    marta = store.contact(message.contact_id)
    assert marta.follows_brand is False and marta.dm_open is True
    (line,) = store.transcript(mention.id)
    assert (line.kind, line.tweet_id, line.author) == (EntryKind.INBOUND, both["id"], "dana")
    assert line.text.startswith("@AcmeSupport @AcmeDeals is the sale on? https://t.co/")
    assert list(line.details["urls"].values()) == ["https://acmeshop.co/d"]
    assert [e.action for e in store.events(mention.id)] == ["arrived"]
    assert store.cursor(Ingest.cursor_name("mentions", "AcmeSupport")) == both["id"]
    assert store.cursor(Ingest.cursor_name("dms", "AcmeSupport")) == dm["id"]


def test_contact_counts_refresh_and_the_record_is_kept(store, gateway: Gateway, control: Control):
    store.upsert_contact(
        __import__("workbench.domain", fromlist=["Contact"]).Contact(
            "2244994945", "dana_rivera", phone="+1 415 555 0134"
        )
    )
    control.user("dana_rivera", id="2244994945", followers_count=900)
    control.tweet("dana_rivera", "@AcmeSupport hi")
    Ingest(store, gateway, classify=None).run_once()
    kept = store.contact("2244994945")
    assert kept.followers_count == 900 and kept.phone == "+1 415 555 0134"


def test_retweets_are_skipped_unless_configured_otherwise(store, gateway, control):
    original = control.tweet("dana", "@AcmeSupport you are great")
    control._post("/sandbox/tweets", {"author": "marta", "retweet_of": original["id"]})
    report = Ingest(store, gateway, classify=None, skip_retweets=True).run_once()
    assert (report.interactions, report.skipped_retweets) == (1, 1)
    control.reset()
    fresh = control.tweet("dana", "@AcmeSupport again")
    control._post("/sandbox/tweets", {"author": "marta", "retweet_of": fresh["id"]})
    store.set_cursor(Ingest.cursor_name("mentions", "AcmeSupport"), "1")
    keep = Ingest(store, gateway, classify=None, skip_retweets=False).run_once("AcmeSupport")
    assert keep.interactions == 2


def test_a_walk_interrupted_midway_resumes_where_it_stopped(store, gateway, control):
    control.tweets([{"author": "dana", "text": f"@AcmeSupport {i}"} for i in range(25)])
    control.fault(path="/2/users/*/mentions", status=503, skip=2)
    ingest = Ingest(store, gateway, classify=None, page_size=10)
    with pytest.raises(Unavailable, match=r"get_users_mentions\(AcmeSupport\).*503"):
        ingest.mentions("AcmeSupport")
    assert count(store) == 20  # two pages stored, each with its cursor
    assert store.cursor(Ingest.cursor_name("mentions", "AcmeSupport")) is None
    assert store.cursor(Ingest.cursor_name("mentions", "AcmeSupport") + ":run")
    control.tweets([{"author": "dana", "text": f"@AcmeSupport later {i}"} for i in range(3)])
    report = ingest.mentions("AcmeSupport")
    # the rest of the old walk, then a fresh one for what came since: caught up in one call
    assert report.pages == 2 and report.interactions == 5 + 3 and count(store) == 28
    assert not store.cursor(Ingest.cursor_name("mentions", "AcmeSupport") + ":run")
    assert ingest.mentions("AcmeSupport").interactions == 0


def test_rate_limits_are_waited_out(store, gateway, control):
    control.tweet("dana", "@AcmeSupport hello")
    control.fault(path="/2/users/*/mentions", status=429)
    waits: list[float] = []
    ingest = Ingest(store, gateway, classify=None, sleep=lambda s: waits.append(s) or False)
    report = ingest.run_once(["AcmeSupport"])
    assert report.interactions == 1 and len(waits) == 1 and 0 < waits[0] <= 3


def test_a_malformed_item_is_quarantined_and_the_loop_goes_on(store, gateway, control):
    control.tweet("dana", "@AcmeSupport first")
    broken = control.tweet("dana", "@AcmeSupport second")
    control.fault(path="/2/users/*/mentions", status=0, corrupt=True)
    report = Ingest(store, gateway, classify=None).run_once(["AcmeSupport"])
    assert (report.interactions, report.quarantined) == (1, 1)
    with store.engine.connect() as conn:
        (row,) = conn.execute(select(t.quarantine)).all()
    assert row.item_id == broken["id"] and "author_id is missing" in row.reason
    assert "get_users_mentions(AcmeSupport)" in row.reason and broken["id"] in row.payload
    assert store.cursor(Ingest.cursor_name("mentions", "AcmeSupport")) == broken["id"]


def test_the_brands_own_messages_join_the_transcript(store, gateway, control):
    dana = control.user("dana", follows_brand=True)
    asked = control.tweet("dana", "@AcmeSupport where is my order?")
    control.dm("dana", "order 1234")
    ingest = Ingest(store, gateway, classify=None)
    first = ingest.run_once()
    # Her DM while her mention is open joins it: one conversation.
    assert (first.interactions, first.follow_ups) == (1, 1)
    (mention,) = store.interactions()
    # Sent outside the workbench: AcmeDeals answers in the thread, AcmeSupport by DM.
    answer = gateway.post("AcmeDeals", "@dana @AcmeSupport it ships today", in_reply_to=asked["id"])
    direct = gateway.send_dm("AcmeSupport", dana["id"], "Tracking: 1Z999")
    # Sent through the outbox (the workspace already wrote its transcript line).
    outbox = Outbox(store, gateway)
    outbox.enqueue(
        "dm",
        "AcmeSupport",
        {"participant_id": dana["id"], "text": "Anything else?"},
        interaction_id=mention.id,
    )
    outbox.run_once()
    report = ingest.run_once()
    assert report.interactions == 0 and report.joined_transcripts == 2
    lines = store.transcript(mention.id)
    assert [(x.kind, x.tweet_id or x.text, x.author) for x in lines] == [
        (EntryKind.INBOUND, asked["id"], "dana"),
        (EntryKind.INBOUND, lines[1].tweet_id, "dana"),
        (EntryKind.OUTBOUND, answer.id, "AcmeDeals"),
        (EntryKind.OUTBOUND, direct.event_id, "AcmeSupport"),
    ]
    assert [x.text for x in lines[1::2]] == ["order 1234", "Tracking: 1Z999"]
    assert ingest.run_once().joined_transcripts == 0


@dataclass
class Label:
    sentiment: Sentiment
    actionability: Actionability


def test_classification_is_attached_when_a_classifier_is_there(store, gateway, control):
    control.tweet("dana", "@AcmeSupport this is awful")
    control.tweet("dana", "@AcmeSupport boom")

    def classify(text: str) -> Label:
        if "boom" in text:
            raise RuntimeError("model fell over")
        return Label(Sentiment.NEGATIVE, Actionability.ACTIONABLE)

    Ingest(store, gateway, classify=classify).run_once()
    labels = sorted((i.sentiment, i.actionability) for i in store.interactions())
    assert labels == [
        (Sentiment.NEGATIVE, Actionability.ACTIONABLE),
        (Sentiment.UNDECLARED, Actionability.UNDECLARED),
    ]


def test_a_classifier_that_can_be_told_hears_which_messages_are_dms(store, gateway, control):
    control.user("marta", dm_open=True)
    control.tweet("marta", "@AcmeSupport order 1 is late")
    control.dm("marta", "order 2 is late")
    told: dict[str, bool] = {}

    def classify(text: str, *, direct: bool = False) -> Label:
        told[text] = direct
        return Label(Sentiment.NEGATIVE, Actionability.ACTIONABLE)

    Ingest(store, gateway, classify=classify).run_once()
    assert told == {"@AcmeSupport order 1 is late": False, "order 2 is late": True}


def test_the_workbench_classifier_labels_a_page_at_once(store, gateway, control, monkeypatch):
    import workbench.classify

    control.user("marta", dm_open=True)
    for k in range(3):
        control.tweet("marta", f"@AcmeSupport order {k} is late")
    control.dm("marta", "order 9 is late")
    calls: list[tuple[list[str], bool]] = []
    real = workbench.classify.classify_many

    def classify_many(texts, *, direct=False):
        calls.append((list(texts), direct))
        return real(texts, direct=direct)

    monkeypatch.setattr(workbench.classify, "classify_many", classify_many)
    Ingest(store, gateway).run_once("AcmeSupport")
    assert sorted((len(texts), direct) for texts, direct in calls) == [(1, True), (3, False)]
    assert all(i.sentiment is not Sentiment.UNDECLARED for i in store.interactions())


def test_a_failing_batch_is_classified_one_by_one(store, gateway, control, monkeypatch):
    import workbench.classify

    control.tweet("dana", "@AcmeSupport this is awful")
    control.tweet("dana", "@AcmeSupport boom")

    def classify_many(texts, *, direct=False):
        raise RuntimeError("model fell over")

    def classify(text, *, direct=False):
        if "boom" in text:
            raise RuntimeError("model fell over")
        return Label(Sentiment.NEGATIVE, Actionability.ACTIONABLE)

    monkeypatch.setattr(workbench.classify, "classify_many", classify_many)
    monkeypatch.setattr(workbench.classify, "classify", classify)
    report = Ingest(store, gateway).run_once("AcmeSupport")
    assert report.interactions == 2
    labels = sorted((i.sentiment, i.actionability) for i in store.interactions())
    assert labels == [
        (Sentiment.NEGATIVE, Actionability.ACTIONABLE),
        (Sentiment.UNDECLARED, Actionability.UNDECLARED),
    ]


def _cli(args: list[str], db_url: str, api_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WORKBENCH_DB_URL": db_url, "WORKBENCH_X_API_URL": api_url}
    return subprocess.run(
        [sys.executable, "-m", "workbench", "ingest", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_ingest_command_once_and_a_sandbox_that_is_down(db_url, sandbox, control):
    """The command ingests once (loading the contact directory first, as a workspace does)
    and says in one line when X is unreachable."""
    control.tweet("dana", "@AcmeSupport hi")
    control.dm("dana", "hello")
    done = _cli(["--once", "--quiet"], db_url, sandbox)
    assert done.returncode == 0, done.stderr
    from workbench.store import Store

    store = Store(db_url)
    assert store.contact("2244994945").phone == "+1 415 555 0134"  # the directory's Dana
    store.close()
    verbose = _cli(["--once"], db_url, sandbox)
    assert "ingest: 0 new interactions, " in verbose.stdout
    assert "outbox: 0 sent, 0 failed, 0 pending" in verbose.stdout
    down = _cli(["--once"], db_url, "http://127.0.0.1:9")
    assert down.returncode == 1
    assert down.stderr.strip().splitlines()[-1].startswith("workbench ingest: X API get_user")
    assert "cannot reach http://127.0.0.1:9" in down.stderr
    assert "Traceback" not in down.stderr


def test_attached_media_are_kept_on_the_customers_transcript_lines(
    store, gateway: Gateway, control: Control, sandbox: str
):
    control.user("dana", follows_brand=True)
    first = control.tweet(
        "dana",
        "@AcmeSupport it arrived broken",
        media=[{"type": "photo", "alt_text": "A cracked phone screen"}, {"type": "photo"}],
    )
    ingest = Ingest(store, gateway, classify=None)
    ingest.run_once()
    follow_up = control.tweet(
        "dana",
        "@AcmeSupport and here is the unboxing",
        in_reply_to_tweet_id=first["id"],
        media=[{"type": "video", "duration_ms": 12_000}],
    )
    dm = control.dm("dana", "the receipt", media=[{"type": "animated_gif"}])
    ingest.run_once()
    mention = next(i for i in store.interactions() if i.tweet_id == first["id"])
    # the reply and the DM join the open interaction as follow-ups
    opening, later, message = [
        e for e in store.transcript(mention.id) if e.kind is EntryKind.INBOUND
    ]
    assert later.tweet_id == follow_up["id"] and later.details.get("follow_up")
    photo, bare = opening.details["media"]
    assert photo == {
        "key": first["media_keys"][0],
        "kind": "photo",
        "url": f"{sandbox}/sandbox/media/{first['media_keys'][0]}.png",
        "alt_text": "A cracked phone screen",
        "width": 240,
        "height": 180,
    }
    assert "alt_text" not in bare
    (video,) = later.details["media"]
    assert (video["kind"], video["duration_ms"]) == ("video", 12_000)
    assert video["preview_url"].endswith(f"/sandbox/media/{follow_up['media_keys'][0]}.png")
    assert message.tweet_id == dm["id"] and message.details.get("follow_up")
    assert [m["kind"] for m in message.details["media"]] == ["animated_gif"]

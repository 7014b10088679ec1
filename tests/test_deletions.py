"""Deleted posts: X's ``post.delete`` (``Ingest.on_post_deleted``) or a lookup X answers with
resource-not-found (``Ingest.check_deleted``) marks the post deleted: the view shows "deleted
by the author", actions on it are refused, exports and the ledger keep the row without the
text. Against the sandbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from workbench.analytics import ledger
from workbench.domain import DELETED_TEXT, Action, EntryKind, TransitionError, utcnow
from workbench.intake import Ingest
from workbench.reports.export import companion
from workbench.xapi import Gateway

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control
    from workbench.store import Store

pytest_plugins = ["tests.xapi_fixtures"]

SECRET = "SECRET-4411 my card was charged twice"


@pytest.fixture
def dana(control: Control) -> dict:
    return control.user("dana", name="Dana Rivera", follows_brand=True)


def blank(value: object) -> bool:
    """An empty cell as a file gives it back: missing, or the empty string."""
    return bool(pd.isna(value)) or value == ""


def lines_of(store: Store, iid: str) -> list:
    return [x for x in store.transcript(iid) if x.kind is EntryKind.INBOUND]


def opened(store: Store, gateway: Gateway, control: Control) -> tuple[Ingest, str, dict, dict]:
    """Dana's mention (with a link) and her follow-up in its thread, ingested: the ingest, the
    interaction and the two tweets."""
    first = control.tweet("dana", f"@AcmeSupport {SECRET} https://acmeshop.co/o/4411")
    later = control.tweet("dana", "@AcmeSupport still waiting", in_reply_to_tweet_id=first["id"])
    ingest = Ingest(store, gateway, classify=None, deleted_sweep_minutes=0)
    ingest.run_once()
    (it,) = store.interactions()
    assert len(lines_of(store, it.id)) == 2
    return ingest, it.id, first, later


def test_the_hook_marks_the_post_deleted_keeps_the_row_and_is_idempotent(
    store: Store, gateway: Gateway, control: Control, dana
):
    ingest, iid, first, later = opened(store, gateway, control)
    assert SECRET in store.interaction(iid).subject
    done = ingest.on_post_deleted([first["id"], "1"], utcnow())  # "1": never stored
    assert (done.tweet_ids, done.interactions, done.lines) == ((first["id"],), (iid,), 1)
    gone, kept = lines_of(store, iid)
    assert (gone.tweet_id, gone.author, gone.text, gone.deleted) == (first["id"], "dana", "", True)
    assert "urls" not in gone.details  # the links it held are content too
    assert gone.details["conversation_id"] == first["id"]  # the thread it was in is kept
    assert (kept.tweet_id, kept.deleted) == (later["id"], False) and "waiting" in kept.text
    it = store.interaction(iid)
    assert it.subject == "" and it.deleted_at is not None  # the subject was its text
    (event,) = [e for e in store.events(iid) if e.action == Action.POST_DELETED]
    assert event.details == {
        "tweet_ids": [first["id"]],
        "source": "post.delete",
        "subject_blanked": True,
    }
    row = ledger(store=store).set_index("interaction_id").loc[iid]
    assert row["text"] == "" and bool(row["deleted"]) and row["tweet_id"] == first["id"]
    version = store.interaction(iid).version
    again = ingest.on_post_deleted([first["id"]], utcnow())  # X may say it twice
    assert (again.tweet_ids, again.interactions, again.lines) == ((), (), 0)
    assert [e.action for e in store.events(iid)].count(Action.POST_DELETED) == 1
    assert store.interaction(iid).version == version
    # Its author deleting the follow-up too: the subject (the opening post's) is already blank.
    ingest.on_post_deleted([later["id"]], utcnow())
    assert all(x.deleted and x.text == "" for x in lines_of(store, iid))
    store.set_cursor(Ingest.cursor_name("mentions", "AcmeSupport"), "")
    assert ingest.run_once().interactions == 0  # read again: nothing comes back or doubles
    assert len(lines_of(store, iid)) == 2


def test_a_deleted_follow_up_that_reopened_it_blanks_the_subject_it_gave(
    store: Store, gateway: Gateway, control: Control, dana, ann
):
    ingest, iid, first, later = opened(store, gateway, control)
    ann.ready()
    ann.poll()
    ann.accept(iid)
    ann.set_disposition(iid, "resolved")
    ann.done(iid)
    again = control.tweet("dana", "@AcmeSupport it broke again", in_reply_to_tweet_id=later["id"])
    assert ingest.run_once().reopened == 1
    assert store.interaction(iid).subject == "@AcmeSupport it broke again"
    done = ingest.on_post_deleted([again["id"]], utcnow())
    assert done.interactions == (iid,)
    assert store.interaction(iid).subject == ""
    assert SECRET in lines_of(store, iid)[0].text  # the opening post was not deleted


def test_the_sweep_finds_the_tweets_x_says_are_gone_in_batches_of_100(
    store: Store, sandbox: str, control: Control, dana
):
    from tests.xapi_fixtures import settings_for

    calls: list[int] = []

    def count(response, *args, **kwargs):
        url = response.request.url or ""
        if response.request.method == "GET" and "/2/tweets?" in url:
            calls.append(url.split("ids=", 1)[1].split("&", 1)[0].count("%2C") + 1)

    gateway = Gateway.from_settings(settings_for(sandbox), timeout=10.0, hooks=[count])
    try:
        made = control.tweets(
            [{"author": f"c{k}", "text": f"@AcmeSupport help {k}"} for k in range(130)]
        )
        ingest = Ingest(store, gateway, classify=None, deleted_sweep_minutes=0)
        assert ingest.run_once().interactions == 130
        assert ingest.check_deleted().tweet_ids == ()  # nothing gone yet
        assert sorted(calls) == [30, 100]
        for post in (made[3], made[120]):
            control.delete_tweet(post["id"])
        calls.clear()
        found = ingest.check_deleted()
        assert found.tweet_ids == tuple(sorted((made[3]["id"], made[120]["id"])))
        assert sorted(calls) == [30, 100]
        by_tweet = {it.tweet_id: it for it in store.interactions()}
        gone = by_tweet[made[3]["id"]]
        assert lines_of(store, gone.id)[0].deleted and gone.subject == ""
        (event,) = [e for e in store.events(gone.id) if e.action == Action.POST_DELETED]
        assert event.details["source"] == "lookup"
        calls.clear()
        assert ingest.check_deleted().tweet_ids == ()  # marked posts are not looked up again
        assert sorted(calls) == [28, 100]
        assert not lines_of(store, by_tweet[made[4]["id"]].id)[0].deleted
    finally:
        gateway.close()


def test_the_view_shows_deleted_by_the_author_and_actions_on_it_are_refused(
    store: Store, gateway: Gateway, control: Control, dana, tmp_path
):
    from tests.test_workspace import settings
    from workbench.widgets import AgentWorkspaceView
    from workbench.workspace import Workspace

    ingest, iid, first, later = opened(store, gateway, control)
    ws = Workspace("ann", store=store, mail_dir=tmp_path / "mail", settings=settings())
    desk = AgentWorkspaceView(ws, live=False)
    try:
        desk.ready()
        desk.accept(iid)
        view = desk.view(iid)
        assert SECRET in view.original.value
        ingest.on_post_deleted([first["id"]], utcnow())
        ws.poll()  # the event says something changed: the view redraws
        rows = view.lines
        html = [getattr(r, "value", "") or r.children[0].value for r in rows]
        deleted = next(k for k, h in enumerate(html) if DELETED_TEXT in h)
        assert 'class="wb-deleted"' in html[deleted]
        assert not any(SECRET in h for h in html)
        assert not hasattr(rows[deleted], "children")  # no reply, like, retweet, quote on it
        alive = next(k for k, h in enumerate(html) if "still waiting" in h)
        assert len(rows[alive].children) > 1  # the follow-up keeps its actions
        assert DELETED_TEXT in view.original.value and SECRET not in view.original.value
        assert DELETED_TEXT in view.case.value  # the subject came from the deleted post
        for act in (
            lambda: ws.reply(iid, "sorry!", tweet_id=first["id"]),
            lambda: ws.like(iid, tweet_id=first["id"]),
            lambda: ws.retweet(iid, tweet_id=first["id"]),
            lambda: ws.quote(iid, "look", tweet_id=first["id"]),
        ):
            with pytest.raises(TransitionError, match=r"tweet_id: .* deleted by its author"):
                act()
        ws.like(iid)  # without a tweet: the latest one not deleted
        liked = [x for x in ws.transcript(iid) if x.action == "like"]
        assert [x.tweet_id for x in liked] == [later["id"]]
        ingest.on_post_deleted([later["id"]], utcnow())
        with pytest.raises(TransitionError, match="every customer tweet here was deleted"):
            ws.reply(iid, "anyone there?")
    finally:
        desk.close()
        ws.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_exports_keep_the_row_without_the_deleted_text(
    store: Store, gateway: Gateway, control: Control, dana, tmp_path: Path, fmt: str
):
    from workbench.cli import main

    ingest, iid, first, later = opened(store, gateway, control)
    ingest.on_post_deleted([first["id"]], utcnow())
    out = tmp_path / f"report.{fmt}"
    args = ["report", "--db-url", store.url, "--format", fmt, "--transcript", "--quiet"]
    assert main([*args, "--output", str(out)]) == 0
    if fmt == "xlsx":
        with zipfile.ZipFile(out) as book:
            raw = b"".join(book.read(name) for name in book.namelist()).decode("utf-8", "replace")
        assert "SECRET-4411" not in raw and "still waiting" in raw
        rows = pd.read_excel(out, sheet_name="interactions")
        lines = pd.read_excel(out, sheet_name="transcript")
    else:
        read = pd.read_csv if fmt == "csv" else pd.read_parquet
        rows, lines = read(out), read(companion(out, "transcript"))
        for path in (out, companion(out, "transcript")):
            frame = read(path)
            assert not frame.astype(str).apply(lambda c: c.str.contains("SECRET-4411")).any().any()
    assert list(rows["interaction_id"]) == [iid]  # the row stays
    (text,) = rows["text"].tolist()
    assert blank(text) and rows["deleted"].astype(bool).tolist() == [True]
    inbound = lines[lines["kind"] == "inbound"]
    assert inbound["deleted"].astype(bool).tolist() == [True, False]
    assert blank(inbound["text"].tolist()[0]) and "still waiting" in inbound["text"].tolist()[1]


def test_revision_0009_adds_the_deleted_columns_and_goes_back(db_url):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    from workbench.store import Store, engine
    from workbench.store.schema import metadata

    s = Store(db_url)
    config = engine._alembic_config()
    with s.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0008")
    for table in ("interactions", "transcript"):
        assert "deleted_at" not in {c["name"] for c in inspect(s.engine).get_columns(table)}
    s.close()
    s = Store(db_url)  # migrates to the head again
    with s.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    s.close()


def test_the_ingest_loop_sweeps_for_deleted_posts(
    store: Store, gateway: Gateway, control: Control, dana
):
    import threading
    import time

    first = control.tweet("dana", f"@AcmeSupport {SECRET}")
    ingest = Ingest(store, gateway, classify=None, deleted_sweep_minutes=0.002)
    ingest.run_once()
    control.delete_tweet(first["id"])
    loop = threading.Thread(target=ingest.run_forever, kwargs={"stream": False}, daemon=True)
    loop.start()
    try:
        (it,) = store.interactions()
        deadline = time.monotonic() + 60
        while not lines_of(store, it.id)[0].deleted and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        ingest.stop()
        loop.join(timeout=30)
    assert lines_of(store, it.id)[0].deleted
    assert [
        e.details["source"] for e in store.events(it.id) if e.action == Action.POST_DELETED
    ] == ["lookup"]

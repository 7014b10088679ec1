"""Real-time DMs: the sandbox's OAuth 2.0 (PKCE, refresh) and X Activity API (subscriptions,
the stream: keep-alives, backfill, the connection limit, each event type), the typed client,
``workbench auth``, and ingest storing DMs as they arrive (on SQLite and PostgreSQL), the DM
poll kept as a backstop."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
import requests

from workbench.intake import Ingest
from workbench.xapi import AuthError, Forbidden, Gateway, RateLimited
from workbench.xapi.activity import ActivityClient, ActivityEvent, direct_messages
from workbench.xapi.gateway import SANDBOX_BEARER
from workbench.xapi.oauth2 import SANDBOX_REDIRECT_URI, App, Tokens

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control

pytest_plugins = ["tests.xapi_fixtures"]

BEARER = {"Authorization": f"Bearer {SANDBOX_BEARER}"}
BRAND_ID = "1476312418095484928"  # AcmeSupport, the sandbox's first brand account


def wait_for(condition: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def consent(url: str, timeline: str = "AcmeSupport", scopes: Any = None) -> Tokens:
    """The brand's OAuth 2.0 tokens, through the whole PKCE flow."""
    app = App(url, "workbench-sandbox-client", "workbench-sandbox-client-secret")
    try:
        flow = app.start(SANDBOX_REDIRECT_URI, *([scopes] if scopes else []), login_hint=timeline)
        return app.whoami(app.finish(flow, app.consent(flow)))
    finally:
        app.close()


def authorise(store: Any, url: str, timeline: str = "AcmeSupport") -> Tokens:
    tokens = consent(url, timeline)
    store.tokens.save(
        timeline,
        tokens.user_id,
        tokens.access_token,
        tokens.refresh_token,
        tokens.expires_at,
        tokens.scopes,
    )
    return tokens


class Reader:
    """The activity stream read by the typed client in a thread; every event kept."""

    def __init__(self, url: str, backfill: int = 0) -> None:
        self.client = ActivityClient(url, SANDBOX_BEARER, timeout=10)
        self.events: list[ActivityEvent] = []
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self._run, args=(backfill,), daemon=True)
        self.thread.start()
        assert self.client.connected.wait(10)

    def _run(self, backfill: int) -> None:
        try:
            self.client.stream(self.events.append, backfill_minutes=backfill)
        except Exception as exc:
            self.error = exc

    def of(self, event_type: str) -> list[ActivityEvent]:
        return [e for e in self.events if e.event_type == event_type]

    def close(self) -> None:
        self.client.close()
        self.thread.join(10)


@contextmanager
def reading(url: str, backfill: int = 0) -> Iterator[Reader]:
    reader = Reader(url, backfill)
    try:
        yield reader
    finally:
        reader.close()


# --- OAuth 2.0 --------------------------------------------------------------------------------


def test_the_pkce_flow_gives_tokens_that_act_as_the_brand_and_refresh_once(sandbox: str):
    tokens = consent(sandbox, "AcmeDeals")
    assert (tokens.username, tokens.refresh_token is not None) == ("AcmeDeals", True)
    assert set(tokens.scopes) == {"tweet.read", "users.read", "dm.read", "offline.access"}
    assert tokens.access_token not in repr(tokens) and "***" in repr(tokens)
    app = App(sandbox, "workbench-sandbox-client", "workbench-sandbox-client-secret")
    fresh = app.refresh(tokens)
    assert fresh.access_token != tokens.access_token and fresh.user_id == tokens.user_id
    with pytest.raises(AuthError, match="invalid_grant: refresh_token"):
        app.refresh(tokens)  # X rotates refresh tokens: the old one is spent
    me = requests.get(
        f"{sandbox}/2/users/me",
        headers={"Authorization": f"Bearer {fresh.access_token}"},
        timeout=5,
    )
    assert me.json()["data"]["username"] == "AcmeDeals"


def test_a_code_needs_its_own_verifier_and_state(sandbox: str):
    app = App(sandbox, "workbench-sandbox-client", "workbench-sandbox-client-secret")
    flow = app.start(SANDBOX_REDIRECT_URI)
    back = app.consent(flow)
    other = app.start(SANDBOX_REDIRECT_URI)
    with pytest.raises(AuthError, match="state"):
        app.finish(other, back)
    forged = type(flow)(flow.url, flow.state, other.verifier, flow.redirect_uri)
    with pytest.raises(AuthError, match="code_verifier"):
        app.finish(forged, back)
    with pytest.raises(AuthError, match="code: unknown, used or expired"):
        app.finish(flow, back)  # the failed exchange spent the code


def test_an_expired_access_token_is_refused_with_401(sandbox: str, control: Control):
    tokens = consent(sandbox)
    control._post("/sandbox/oauth", {"expire": True})
    me = requests.get(
        f"{sandbox}/2/users/me",
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        timeout=5,
    )
    assert me.status_code == 401


# --- subscriptions ------------------------------------------------------------------------------


def test_private_events_need_the_accounts_own_oauth2_consent(sandbox: str):
    client = ActivityClient(sandbox, SANDBOX_BEARER)
    with pytest.raises(Forbidden, match="OAuth 2.0 user-context token"):
        client.subscribe("dm.received", BRAND_ID)
    deals = consent(sandbox, "AcmeDeals")
    with pytest.raises(Forbidden, match="only for the authenticated user"):
        client.subscribe("dm.received", BRAND_ID, user_token=deals.access_token)
    narrow = consent(sandbox, scopes=["tweet.read", "users.read"])
    with pytest.raises(Forbidden, match="lacks the dm.read scope"):
        client.subscribe("dm.received", BRAND_ID, user_token=narrow.access_token)
    # a public event takes the app's Bearer token
    assert client.subscribe("post.delete", BRAND_ID).event_type == "post.delete"


def test_subscriptions_are_created_listed_retagged_and_deleted(sandbox: str):
    client = ActivityClient(sandbox, SANDBOX_BEARER)
    token = consent(sandbox).access_token
    made = client.subscribe("dm.received", BRAND_ID, user_token=token, tag="desk")
    assert (made.event_type, made.user_id, made.tag) == ("dm.received", BRAND_ID, "desk")
    with pytest.raises(Exception, match="exists already"):
        client.subscribe("dm.received", BRAND_ID, user_token=token)
    client.subscribe("follow.follow", BRAND_ID)
    assert [s.event_type for s in client.subscriptions()] == ["dm.received", "follow.follow"]
    assert client.retag(made.id, "desk-2").tag == "desk-2"
    assert client.unsubscribe(made.id) is True
    assert [s.event_type for s in client.subscriptions()] == ["follow.follow"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"filter": {"user_id": BRAND_ID}}, "event_type"),
        ({"event_type": "dm.received"}, "filter"),
        ({"event_type": "dm.received", "filter": {}}, "filter.user_id"),
        ({"event_type": "dm.nope", "filter": {"user_id": BRAND_ID}}, "event_type"),
        ({"event_type": "post.delete", "filter": {"user_id": BRAND_ID, "x": 1}}, "filter.x"),
        ({"event_type": "post.delete", "filter": {"user_id": BRAND_ID}, "tag": ""}, "tag"),
    ],
)
def test_a_malformed_subscription_names_the_field(sandbox: str, body, field):
    answer = requests.post(
        f"{sandbox}/2/activity/subscriptions", json=body, headers=BEARER, timeout=5
    )
    assert answer.status_code == 400
    assert field in answer.json()["errors"][0]["parameters"]


# --- the stream ---------------------------------------------------------------------------------


def test_the_stream_wants_the_apps_bearer_and_allows_two_connections(running_sandbox):
    url = running_sandbox.url
    user = consent(url).access_token
    refused = requests.get(
        f"{url}/2/activity/stream", headers={"Authorization": f"Bearer {user}"}, timeout=5
    )
    assert refused.status_code == 403
    with reading(url), reading(url):
        third = requests.get(f"{url}/2/activity/stream", headers=BEARER, timeout=5)
        assert third.status_code == 429
        assert third.json()["connection_issue"] == "TooManyConnections"
        with pytest.raises(RateLimited):
            ActivityClient(url, SANDBOX_BEARER).stream(lambda e: None)
    assert wait_for(lambda: running_sandbox.sandbox.activity.connections == 0)


def test_keep_alives_flow_while_nothing_happens(running_sandbox):
    running_sandbox.sandbox.keep_alive = 0.05
    answer = requests.get(
        f"{running_sandbox.url}/2/activity/stream", headers=BEARER, stream=True, timeout=5
    )
    chunks = answer.iter_content(chunk_size=None)
    assert [next(chunks) for _ in range(3)] == [b"\r\n"] * 3
    answer.close()


def test_every_desk_event_is_delivered_to_its_subscriptions(sandbox: str, control: Control):
    token = consent(sandbox).access_token
    client = ActivityClient(sandbox, SANDBOX_BEARER)
    for event_type in ("dm.received", "dm.sent", "post.mention.create"):
        client.subscribe(event_type, BRAND_ID, user_token=token, tag="desk")
    dana = control.user("dana", dm_open=True, followers_count=5)
    for event_type in ("post.delete", "follow.follow", "follow.unfollow"):
        client.subscribe(event_type, dana["id"])
    from tests.xapi_fixtures import settings_for

    gateway = Gateway.from_settings(settings_for(sandbox))
    with reading(sandbox) as reader:
        dm = control.dm("dana", "where is my refund? https://acmeshop.co/o/9")
        gateway.send_dm("AcmeSupport", dana["id"], "Looking into it")
        mention = control.tweet("dana", "@AcmeSupport hello")
        requests.delete(f"{sandbox}/sandbox/tweets/{mention['id']}", timeout=5).raise_for_status()
        control._post("/sandbox/follows", {"follower": "dana", "followee": "AcmeSupport"})
        control._post(
            "/sandbox/follows", {"follower": "dana", "followee": "AcmeSupport", "follow": False}
        )
        assert wait_for(lambda: len(reader.events) == 6), [e.event_type for e in reader.events]
    received = reader.of("dm.received")[0]
    assert (received.user_id, received.tag) == (BRAND_ID, "desk")
    [message] = direct_messages(received)
    assert (message.id, message.sender_id) == (dm["id"], dana["id"])
    assert message.urls == {message.text.split()[-1]: "https://acmeshop.co/o/9"}
    assert message.sender is not None and message.sender.username == "dana"
    assert message.sender.dm_open and message.sender.followers_count == 5
    [sent] = direct_messages(reader.of("dm.sent")[0])
    assert (sent.sender_id, sent.text) == (BRAND_ID, "Looking into it")
    post = reader.of("post.mention.create")[0]
    assert post.payload["id"] == mention["id"] and post.includes["users"][0]["username"] == "dana"
    assert reader.of("post.delete")[0].payload == {"id": mention["id"], "author_id": dana["id"]}
    follow = reader.of("follow.follow")[0].payload
    assert (follow["source"]["username"], follow["target"]["username"]) == ("dana", "AcmeSupport")
    assert len(reader.of("follow.unfollow")) == 1
    gateway.close()


def test_the_authors_delete_through_x_publishes_post_delete(sandbox: str, gateway: Gateway):
    client = ActivityClient(sandbox, SANDBOX_BEARER)
    client.subscribe("post.delete", BRAND_ID)
    with reading(sandbox) as reader:
        sent = gateway.post("AcmeSupport", "A post to take back")
        assert gateway.delete("AcmeSupport", sent.id)
        assert wait_for(lambda: reader.of("post.delete"))
    assert reader.of("post.delete")[0].payload == {"id": sent.id, "author_id": BRAND_ID}


def test_backfill_replays_the_last_minutes(sandbox: str, control: Control):
    token = consent(sandbox).access_token
    ActivityClient(sandbox, SANDBOX_BEARER).subscribe("dm.received", BRAND_ID, user_token=token)
    control.user("dana", dm_open=True)
    early = control.dm("dana", "sent while nobody listened")
    with reading(sandbox, backfill=0) as bare:
        control.dm("dana", "after")
        assert wait_for(lambda: len(bare.events) == 1)
    with reading(sandbox, backfill=2) as replayed:
        assert wait_for(lambda: len(replayed.events) == 2)
    assert direct_messages(replayed.events[0])[0].id == early["id"]


# --- workbench auth -------------------------------------------------------------------------


def test_workbench_auth_stores_each_brands_tokens_and_never_shows_them(
    sandbox: str, sqlite_url: str, monkeypatch, capsys
):
    from workbench.cli import main
    from workbench.store import Store

    monkeypatch.setenv("WORKBENCH_X_API_URL", sandbox)
    monkeypatch.setenv("WORKBENCH_DB_URL", sqlite_url)
    assert main(["auth"]) == 0
    assert main(["auth", "--status"]) == 0
    out = capsys.readouterr().out
    store = Store(sqlite_url)
    rows = store.tokens.all()
    assert [r.username for r in rows] == ["acmedeals", "acmesupport"]
    for row in rows:
        assert row.access_token not in out and row.refresh_token not in out
        assert row.access_token not in repr(row)
    assert "auth: acmesupport (user 1476312418095484928): " in out
    assert main(["auth", "--forget", "--timeline", "AcmeDeals"]) == 0
    assert [r.username for r in store.tokens.all()] == ["acmesupport"]
    store.close()


# --- ingest ---------------------------------------------------------------------------------


@contextmanager
def following(ingest: Ingest, interval: float = 3600.0) -> Iterator[None]:
    """``ingest.run_forever`` in a thread, from the moment its activity stream is connected
    and the poll after that connection is over."""
    stop, polled = threading.Event(), threading.Event()
    runner = threading.Thread(
        target=ingest.run_forever,
        args=(stop,),
        kwargs={"interval": interval, "on_report": lambda _: polled.set()},
    )
    runner.start()
    try:
        assert wait_for(lambda: ingest.activity is not None and ingest.activity.connected.is_set())
        time.sleep(0.3)
        yield
    finally:
        stop.set()
        runner.join(15)
    assert not runner.is_alive()


def dm_ids(store: Any) -> list[str]:
    return [i.dm_event_id for i in store.interactions() if i.dm_event_id]


def test_ingest_stores_a_dm_the_moment_it_arrives_and_only_once(
    store, gateway: Gateway, control: Control, sandbox: str, caplog
):
    authorise(store, sandbox)
    control.user("dana", dm_open=True, follows_brand=True, followers_count=77)
    ingest = Ingest(store, gateway, classify=None)
    with following(ingest):
        dm = control.dm(
            "dana", "my parcel is lost", media=[{"type": "photo", "alt_text": "The torn label"}]
        )
        assert wait_for(lambda: dm["id"] in dm_ids(store))
        with caplog.at_level("INFO", logger="workbench.intake.ingest"):
            tweet = control.tweet("dana", "@AcmeSupport see my DM")
            requests.delete(f"{sandbox}/sandbox/tweets/{tweet['id']}", timeout=5)
            sent = gateway.post("AcmeSupport", "Wrong post")
            gateway.delete("AcmeSupport", sent.id)
            assert wait_for(lambda: sent.id in caplog.text)
    it = next(i for i in store.interactions() if i.dm_event_id == dm["id"])
    assert (it.timeline, it.channel.value) == ("AcmeSupport", "dm")
    dana = store.contact(it.contact_id)
    assert (dana.followers_count, dana.follows_brand, dana.dm_open) == (77, True, True)
    (line,) = store.transcript(it.id)  # dm.received's message_data.attachment
    (photo,) = line.details["media"]
    assert (photo["key"], photo["kind"], photo["alt_text"]) == (
        dm["media_keys"][0],
        "photo",
        "The torn label",
    )
    assert photo["url"] == f"{sandbox}/sandbox/media/{dm['media_keys'][0]}.png"
    again = ingest.run_once(mentions=False)  # the poll sees it too, and stores nothing twice
    assert again.interactions == 0 and dm_ids(store).count(dm["id"]) == 1
    subs = ActivityClient(sandbox, SANDBOX_BEARER).subscriptions()
    assert sorted(s.event_type for s in subs) == ["dm.received", "dm.sent", "post.delete"]


def test_while_the_activity_stream_delivers_dms_they_are_polled_only_as_a_backstop(
    sqlite_url: str, sandbox: str
):
    from tests.xapi_fixtures import settings_for
    from workbench.store import Store

    store = Store(sqlite_url)
    authorise(store, sandbox)
    authorise(store, sandbox, "AcmeDeals")
    paths: list[str] = []
    gateway = Gateway.from_settings(
        settings_for(sandbox), timeout=10.0, hooks=[lambda r, *a, **k: paths.append(r.url)]
    )
    ingest = Ingest(store, gateway, classify=None)
    with following(ingest, interval=0.05):
        paths.clear()
        time.sleep(1.0)
    dms = [p for p in paths if "/dm_events" in p]
    mentions = [p for p in paths if "/mentions" in p]
    assert len(dms) == 0 and len(mentions) == 0, (len(dms), len(mentions))
    store.close()


def test_ingest_refreshes_an_expired_token_and_stores_it(
    sqlite_url: str, sandbox: str, control: Control
):
    from tests.xapi_fixtures import settings_for
    from workbench.store import Store

    store = Store(sqlite_url)
    first = authorise(store, sandbox)
    control._post("/sandbox/oauth", {"expire": True})
    gateway = Gateway.from_settings(settings_for(sandbox), timeout=10.0)
    ingest = Ingest(store, gateway, classify=None)
    control.user("dana", dm_open=True)
    with following(ingest):
        dm = control.dm("dana", "hello?")
        assert wait_for(lambda: dm["id"] in dm_ids(store))
    row = store.tokens.get("AcmeSupport")
    assert row is not None and row.access_token != first.access_token
    assert row.refresh_token != first.refresh_token
    store.close()


def test_a_malformed_dm_event_is_quarantined_with_its_reason():
    event = ActivityEvent("dm.received", "1", BRAND_ID, None, {"users": {}})
    with pytest.raises(Exception, match="direct_message_events"):
        direct_messages(event)
    raw = {"direct_message_events": [{"type": "message_create", "id": "5", "message_create": {}}]}
    with pytest.raises(Exception, match="sender_id"):
        direct_messages(ActivityEvent("dm.received", "2", BRAND_ID, None, raw))
    assert json.loads(json.dumps(raw))  # (kept as it came)

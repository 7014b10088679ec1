"""A workspace alone is a working desk: its poll() routes and sends through the outbox to X."""

from __future__ import annotations

import pytest
import requests

from workbench.config import Settings
from workbench.store import Store
from workbench.workspace import Workspace


@pytest.fixture
def sandbox():
    from workbench.sandbox import start

    running = start(rate_limit_scale=100, plan="enterprise")
    yield running
    running.stop()


def test_poll_routes_offers_and_sends_the_outbox(db_url, sandbox, tmp_path):
    from workbench.intake import Ingest
    from workbench.xapi.gateway import Gateway

    url = sandbox.url
    requests.post(
        f"{url}/sandbox/users",
        json={"username": "kim_x", "name": "Kim", "follows_brand": True},
        timeout=10,
    ).raise_for_status()
    tweet = requests.post(
        f"{url}/sandbox/tweets",
        json={"author": "kim_x", "text": "@AcmeSupport where is my parcel?"},
        timeout=10,
    ).json()
    store = Store(db_url)
    store.load_reference_data()
    settings = Settings.from_env({}, WORKBENCH_DB_URL=db_url, WORKBENCH_X_API_URL=url)
    Ingest(store, Gateway.from_settings(settings), classify=False).run_once()

    enterprise = Settings.from_env(
        {}, WORKBENCH_DB_URL=db_url, WORKBENCH_X_API_URL=url, WORKBENCH_X_PLAN="enterprise"
    )
    with Workspace("ann", settings=enterprise, send=True, mail_dir=tmp_path) as ann:
        assert ann.send
        ann.ready()
        (offer,) = ann.poll()
        assert offer.tweet_id == tweet["id"]
        ann.accept(offer.id)
        ann.reply(offer.id, "it ships today")
        ann.like(offer.id)
        ann.dm(offer.id, "your tracking number follows")
        ann.poll()
        activity = requests.get(f"{url}/sandbox/activity", timeout=10).json()["data"]
        assert [(a["kind"], a["text"]) for a in activity] == [
            ("reply", "@kim_x it ships today"),
            ("like", None),
            ("dm", "your tracking number follows"),
        ]
        assert activity[0]["target"] == tweet["id"]
        ann.set_disposition(offer.id, "resolved")
        ann.done(offer.id)
    # What X accepted: the reply and the DM reached her (answered), the like was done (sent).
    heard = [e.action for e in store.events(offer.id) if e.action in ("sent", "answered")]
    assert sorted(heard) == ["answered", "answered", "sent"]
    store.close()


def test_poll_goes_on_when_x_is_unreachable(store):
    from sqlalchemy import select

    from tests.test_workspace import arrive
    from workbench.store import schema as t

    settings = Settings.from_env(
        {}, WORKBENCH_X_API_URL="http://127.0.0.1:9", WORKBENCH_X_PLAN="enterprise"
    )
    with Workspace("ann", store=store, settings=settings, send=True) as ann:
        iid = arrive(store)
        ann.ready()
        ann.poll()
        ann.accept(iid)
        ann.reply(iid, "on it")
        assert ann.poll() == ()  # the send failed; the desk goes on
        assert [i.id for i in ann.interactions] == [iid]
    with store.engine.connect() as conn:
        row = conn.execute(select(t.outbox)).one()
    assert (row.state, row.attempts) == ("pending", 1) and row.last_error

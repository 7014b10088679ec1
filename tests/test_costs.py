"""What X calls cost: the price table and its rules, every call recorded with its cost and the
interaction it served (on SQLite and PostgreSQL, against the sandbox), the daily budget."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import pytest

from workbench.analytics import ledger
from workbench.costs import CostMeter, send_quote
from workbench.domain.cost import (
    MICROS,
    ApiCall,
    DailyBudget,
    PriceKind,
    PriceTable,
    PriceTableError,
    send_kind,
    usd,
)
from workbench.domain.event import utcnow
from workbench.intake import Ingest
from workbench.outbox import Outbox
from workbench.text import has_url
from workbench.x_rules import prices, read_table, tariff

if TYPE_CHECKING:
    from tests.xapi_fixtures import Control
    from workbench.store import Store
    from workbench.xapi import Gateway

pytest_plugins = ["tests.xapi_fixtures"]


# --- the price table and its rules -------------------------------------------------------------


def test_the_price_table_is_dated_and_prices_every_kind():
    table = prices()
    assert table.read_on.isoformat() == "2026-08-22" and table.since.isoformat() == "2026-02-06"
    assert {k for k in PriceKind} == set(table.prices)
    assert table.price("post_create_url").micros == 200_000
    assert table.price("owned_read").micros == 1_000
    assert table.read_kind("GET /2/users/:id/mentions") is PriceKind.OWNED_READ
    assert table.read_kind("GET /2/dm_events") is PriceKind.DM_READ
    assert table.read_kind("GET /2/tweets/search/stream/rules") is PriceKind.FREE


def test_a_post_with_a_url_costs_more():
    assert send_kind("reply", has_url=True) is PriceKind.POST_CREATE_URL
    assert send_kind("reply") is PriceKind.SUMMONED_REPLY
    assert send_kind("quote", has_url=True) is PriceKind.POST_CREATE_URL
    assert send_kind("post") is PriceKind.POST_CREATE
    assert send_kind("dm", has_url=True) is PriceKind.DM_CREATE  # the URL rule is X's for posts
    paying = tariff("pay-per-use")
    assert paying.send("reply", has_url=True).sentence == "this reply costs $0.20: it has a URL"
    assert paying.send("reply").micros == 10_000
    assert send_quote(paying, "reply", "@dana see acmeshop.co/help").micros == 200_000
    assert send_quote(paying, "reply", "@dana thanks!").kind is PriceKind.SUMMONED_REPLY
    assert send_quote(paying, "dm", "").sentence == "this DM costs $0.015: a DM"
    assert has_url("see https://x.com/a") and has_url("at acmeshop.co") and not has_url("a.b c")
    with pytest.raises(PriceTableError, match="action: 'call'"):
        send_kind("call")


def test_other_plans_record_calls_at_zero_and_say_so():
    sub = tariff("enterprise")
    assert sub.cost(PriceKind.POST_CREATE_URL) == 0 and not sub.priced
    quote = sub.send("reply", has_url=True)
    assert quote.micros == 0
    assert quote.sentence == (
        "this reply costs nothing extra: the enterprise plan is a subscription: "
        "X calls are recorded at $0"
    )
    assert tariff("pay-per-use").cost(PriceKind.OWNED_READ, 100) == 100_000


def test_money_is_said_in_dollars():
    assert (usd(200_000), usd(5 * MICROS), usd(5_000), usd(5_120_000)) == (
        "$0.20",
        "$5.00",
        "$0.005",
        "$5.12",
    )
    budget = DailyBudget.of_usd(5)
    assert budget.warning(4_999_999) is None
    assert budget.warning(5_120_000) == "today's X budget of $5.00 is spent: $5.12 so far"
    assert DailyBudget(0).warning(10**9) is None  # 0: no budget


def test_a_broken_price_table_names_the_entry_and_the_rule():
    good = read_table("x_prices.json")
    bad = {**good, "prices": {**good["prices"], "dm_read": {"usd": -1}}}
    with pytest.raises(PriceTableError, match=r"prices\.dm_read\.usd: a number of dollars"):
        PriceTable.from_dict(bad)
    missing = {**good, "prices": {k: v for k, v in good["prices"].items() if k != "delete"}}
    with pytest.raises(PriceTableError, match=r"prices: no price for \['delete'\]"):
        PriceTable.from_dict(missing)
    unknown = {**good, "endpoints": {"GET /2/tweets": "tweet_read"}}
    with pytest.raises(PriceTableError, match=r"endpoints\.GET /2/tweets: 'tweet_read' is not"):
        PriceTable.from_dict(unknown)


# --- recording, against the sandbox ------------------------------------------------------------


def calls(store: Store, endpoint: str | None = None) -> list[ApiCall]:
    """Every recorded call, oldest first (of ``endpoint`` when given)."""
    from sqlalchemy import select

    from workbench.store import schema as t

    with store.engine.connect() as conn:
        rows = conn.execute(select(t.api_calls).order_by(t.api_calls.c.id)).all()
    found = [
        ApiCall(
            r.at,
            r.timeline,
            r.endpoint,
            PriceKind(r.kind),
            r.resources,
            r.cost,
            r.plan,
            r.interaction_id,
        )
        for r in rows
    ]
    return [c for c in found if endpoint is None or c.endpoint == endpoint]


def metered(store: Store, gateway: Gateway, plan: str = "pay-per-use", budget: float = 0):
    meter = CostMeter(store, tariff(plan), DailyBudget.of_usd(budget))
    gateway.recorder = meter
    return meter


def test_ingest_records_one_row_per_page_with_the_resources_read(
    store: Store, gateway: Gateway, control: Control
):
    metered(store, gateway)
    control.users([{"username": f"c{i}", "follows_brand": True} for i in range(5)])
    control.tweets([{"author": f"c{i % 5}", "text": f"@AcmeSupport order {i}"} for i in range(25)])
    control.dm("c1", "where is my parcel?")
    ingest = Ingest(store, gateway, classify=None, page_size=10)
    report = ingest.run_once()
    assert (report.interactions, report.follow_ups) == (25, 1)  # the DM joins c1's mention
    pages = calls(store, "GET /2/users/:id/mentions")
    assert [c.resources for c in pages] == [10, 10, 5]  # one row per page, not per mention
    assert {c.kind for c in pages} == {PriceKind.OWNED_READ}
    assert sum(c.micros for c in pages) == 25 * 1_000
    assert all(c.interaction_id is None and c.plan == "pay-per-use" for c in pages)
    (dms,) = calls(store, "GET /2/dm_events")
    assert (dms.kind, dms.resources, dms.micros) == (PriceKind.DM_READ, 1, 10_000)
    assert ingest.run_once().interactions == 0
    assert len(calls(store, "GET /2/users/:id/mentions")) == 3  # a poll that read nothing


def test_a_send_is_recorded_with_its_cost_and_the_interaction_it_served(
    store: Store, gateway: Gateway, control: Control
):
    metered(store, gateway)
    control.user("dana", follows_brand=True)
    tweet = control.tweet("dana", "@AcmeSupport my order is late")
    Ingest(store, gateway, classify=None).run_once()
    (it,) = store.interactions()
    outbox = Outbox(store, gateway)
    for text in ("@dana see acmeshop.co/track", "@dana sorry about that"):
        outbox.enqueue(
            "reply",
            "AcmeSupport",
            {"text": text, "in_reply_to_tweet_id": tweet["id"]},
            interaction_id=it.id,
        )
    assert outbox.run_once().sent == 2
    sent = calls(store, "POST /2/tweets")
    assert [(c.kind, c.micros, c.interaction_id) for c in sent] == [
        (PriceKind.POST_CREATE_URL, 200_000, it.id),
        (PriceKind.SUMMONED_REPLY, 10_000, it.id),
    ]
    row = ledger(store=store).set_index("interaction_id").loc[it.id]
    assert row["api_cost"] == pytest.approx(0.21)


def test_off_pay_per_use_calls_are_recorded_at_zero(
    store: Store, gateway: Gateway, control: Control
):
    metered(store, gateway, plan="basic")
    control.user("dana")
    control.tweet("dana", "@AcmeSupport hi http://example.com")
    Ingest(store, gateway, classify=None).run_once(mentions=True)
    (page,) = calls(store, "GET /2/users/:id/mentions")
    assert (page.resources, page.micros, page.plan) == (1, 0, "basic")


def test_a_rolled_back_page_keeps_its_calls_for_the_next_write(store: Store, gateway: Gateway):
    meter = metered(store, gateway)
    gateway.report("AcmeSupport", "GET /2/tweets/:id")
    held = meter.drain()
    meter.keep(held)  # as ingest does when the page's transaction fails
    assert meter.flush() == 1 and len(calls(store)) == 1
    assert meter.flush() == 0


def test_streamed_deliveries_are_merged_into_one_row(store: Store, gateway: Gateway):
    meter = metered(store, gateway)
    for _ in range(3):
        gateway.report(None, "GET /2/tweets/search/stream", 1, PriceKind.STREAM_POST)
    meter.flush()
    (row,) = calls(store)
    assert (row.kind, row.resources, row.micros) == (PriceKind.STREAM_POST, 3, 15_000)


def test_calls_made_while_serving_an_interaction_name_it(store: Store, gateway: Gateway):
    metered(store, gateway)
    done = threading.Event()

    def elsewhere():  # another thread serves nothing
        gateway.report(None, "GET /2/users/me")
        done.set()

    with gateway.serving("it-1"):
        gateway.report(None, "GET /2/users/me")
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
    gateway.report(None, "GET /2/users/me")
    gateway.recorder.flush()  # type: ignore[union-attr]
    assert sorted(str(c.interaction_id) for c in calls(store)) == ["None", "None", "it-1"]


# --- the daily budget ---------------------------------------------------------------------------


def test_past_the_budget_backstop_polls_stop_and_the_log_says_why(
    store: Store, gateway: Gateway, caplog
):
    from workbench.xapi.stream import MentionStream

    meter = metered(store, gateway, budget=5)
    ingest = Ingest(store, gateway, classify=None)
    ingest.stream = MentionStream(gateway, lambda timeline, post: None)
    ingest.stream.connected.set()  # the filtered stream delivers mentions
    never = {"AcmeSupport": -float("inf")}
    assert ingest._mentions_due("AcmeSupport", set(), never)  # within budget: the backstop
    store.api_calls.record(
        [
            ApiCall(
                utcnow(),
                "AcmeSupport",
                "POST /2/tweets",
                PriceKind.POST_CREATE_URL,
                1,
                5_120_000,
                "pay-per-use",
            )
        ]
    )
    meter._read_at = -float("inf")  # read the day's spend again now (it is cached 30 s)
    with caplog.at_level(logging.WARNING, logger="workbench.intake.ingest"):
        assert not ingest._mentions_due("AcmeSupport", set(), never)
    assert "today's X budget of $5.00 is spent: $5.12 so far" in caplog.text
    assert "backstop polls of mentions stop" in caplog.text
    # What the stream missed is still fetched, and without a stream mentions are polled.
    assert ingest._mentions_due("AcmeSupport", {"AcmeSupport"}, never)
    ingest.stream.connected.clear()
    assert ingest._mentions_due("AcmeSupport", set(), never)


def test_the_deleted_post_sweep_records_its_lookups(
    store: Store, gateway: Gateway, control: Control
):
    meter = metered(store, gateway)
    control.users([{"username": "c1", "follows_brand": True}])
    control.tweets([{"author": "c1", "text": f"@AcmeSupport order {i}"} for i in range(3)])
    ingest = Ingest(store, gateway, classify=None, meter=meter)
    assert ingest.run_once().interactions == 3
    ingest.check_deleted()
    meter.flush()
    (lookup,) = calls(store, "GET /2/tweets")
    assert (lookup.kind, lookup.resources) == (PriceKind.POST_READ, 3)

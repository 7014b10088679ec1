"""The rate budget: when the next send may go out within X's limits, and how to say it. Exact
values: every time here is built from one fixed instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workbench import x_rules
from workbench.domain.budget import (
    Budget,
    LimitTable,
    LimitTableError,
    RateHeaders,
    Window,
    binding,
    say_span,
    say_wait,
)

T0 = datetime(2026, 9, 1, 12, 0, 0, tzinfo=UTC)
DMS = Window(15, 900.0, "user")
DMS_DAILY = Window(1440, 86_400.0, "user")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_shipped_table_holds_xs_current_limits():
    table = x_rules.limits()
    dm = table.entry("POST /2/dm_conversations/with/:participant_id/messages")
    assert dm.noun == "DMs"
    assert dm.of("user") == (DMS, DMS_DAILY)
    assert dm.of("app") == (Window(1440, 86_400.0, "app"),)
    assert table.entry("GET /2/dm_events").of("user") == (Window(15, 900.0, "user"),)
    mentions = table.entry("GET /2/users/:id/mentions")
    assert mentions.shortest("user") == Window(300, 900.0, "user")
    assert mentions.shortest("app") == Window(450, 900.0, "app")
    posts = table.entry("POST /2/tweets")
    assert posts.of("user") == (Window(100, 900.0, "user"),)
    assert posts.of("app") == (Window(10_000, 86_400.0, "app"),)
    likes = table.entry("POST /2/users/:id/likes")
    assert likes.of("user") == (Window(50, 900.0, "user"), Window(1000, 86_400.0, "user"))
    assert table.entry("GET /2/unknown").windows == table.default
    assert table.read_on == "2026-08-22"


def test_the_sandbox_enforces_the_same_table():
    from workbench.sandbox.limits import RateLimits

    assert RateLimits().table is x_rules.limits()


def test_with_room_and_no_headers_it_goes_out_now():
    budget = Budget(DMS, "DMs")
    assert budget.next_slot(T0) == T0
    assert budget.left(T0) == 15
    assert budget.describe(T0) == "X allows 15 DMs per 15 minutes; goes out now"


def test_spent_headers_wait_for_their_reset():
    last = RateHeaders(remaining=0, reset=at(210), seen_at=T0, limit=15)
    budget = Budget(DMS, "DMs", last=last)
    assert budget.next_slot(T0) == at(210)
    assert budget.describe(T0) == "X allows 15 DMs per 15 minutes; goes out in about 4 min"
    assert budget.describe(at(180)) == "X allows 15 DMs per 15 minutes; goes out in under a minute"
    assert budget.next_slot(at(210)) == at(210)  # the window is over: room again


def test_sends_after_the_headers_use_up_what_they_left():
    last = RateHeaders(remaining=2, reset=at(600), seen_at=T0, limit=15)
    # one send made before the headers were seen is already counted in ``remaining``
    one = Budget(DMS, "DMs", last=last, sent=[at(-5), at(10)])
    assert one.left(at(20)) == 1 and one.next_slot(at(20)) == at(20)
    two = Budget(DMS, "DMs", last=last, sent=[at(-5), at(10), at(15)])
    assert two.left(at(20)) == 0
    assert two.next_slot(at(20)) == at(600)
    assert two.describe(at(20)) == "X allows 15 DMs per 15 minutes; goes out in about 10 min"


def test_without_headers_the_oldest_send_in_the_window_must_leave_it():
    sent = [at(i) for i in range(15)]
    budget = Budget(DMS, "DMs", sent=sent)
    assert budget.left(at(60)) == 0
    assert budget.next_slot(at(60)) == at(900)
    assert budget.describe(at(60)) == "X allows 15 DMs per 15 minutes; goes out in about 14 min"
    assert budget.next_slot(at(900)) == at(900)  # the first send has left the window
    assert Budget(DMS, "DMs", sent=sent[:14]).next_slot(at(60)) == at(60)
    older = Budget(DMS, "DMs", sent=[at(-901), *sent[1:]])
    assert older.next_slot(at(60)) == at(60)


def test_stale_headers_count_only_the_sends_since_their_reset():
    last = RateHeaders(remaining=0, reset=at(100), seen_at=T0, limit=15)
    before = [at(50)] * 3
    after = [at(100 + i) for i in range(15)]
    budget = Budget(DMS, "DMs", last=last, sent=before + after)
    assert budget.next_slot(at(200)) == at(1000)
    assert Budget(DMS, "DMs", last=last, sent=before + after[:14]).next_slot(at(200)) == at(200)


def test_the_limit_x_reports_wins_over_the_table():
    last = RateHeaders(remaining=0, reset=at(300), seen_at=T0, limit=1500)
    assert Budget(DMS, "DMs", last=last).rule() == "X allows 1,500 DMs per 15 minutes"


def test_the_24_hour_window_can_be_the_one_that_binds():
    short = Budget(DMS, "DMs", last=RateHeaders(14, at(600), T0, 15))
    daily = Budget(DMS_DAILY, "DMs", last=RateHeaders(0, at(7500), T0, 1440))
    chosen = binding([short, daily], T0)
    assert chosen is daily
    assert chosen.describe(T0) == "X allows 1,440 DMs per 24 hours; goes out in about 2 h 5 min"
    assert binding([short], T0) is short and binding([], T0) is None


def test_headers_are_read_from_an_answer():
    headers = {
        "x-rate-limit-limit": "15",
        "X-Rate-Limit-Remaining": "3",
        "x-rate-limit-reset": str(int(at(840).timestamp())),
        "x-user-limit-24hour-limit": "1440",
        "x-user-limit-24hour-remaining": "1000",
        "x-user-limit-24hour-reset": str(int(at(80_000).timestamp())),
    }
    assert RateHeaders.parse(headers, T0) == RateHeaders(3, at(840), T0, 15)
    assert RateHeaders.parse(headers, T0, "x-user-limit-24hour") == RateHeaders(
        1000, at(80_000), T0, 1440
    )
    assert RateHeaders.parse({"x-rate-limit-remaining": "3"}, T0) is None
    assert RateHeaders.parse({"x-rate-limit-remaining": "x", "x-rate-limit-reset": "1"}, T0) is None


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0, "now"), (-3, "now"), (1, "in under a minute"), (59, "in under a minute"),
     (60, "in about 1 min"), (61, "in about 2 min"), (3600, "in about 1 h"),
     (3601, "in about 1 h 1 min"), (10_800, "in about 3 h")],
)  # fmt: skip
def test_waits_are_said_rounded_up(seconds, said):
    assert say_wait(timedelta(seconds=seconds)) == said


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(900, "15 minutes"), (86_400, "24 hours"), (3600, "hour"), (60, "minute"), (30, "30 seconds"),
     (0.5, "0.5 seconds")],
)  # fmt: skip
def test_windows_are_said_in_words(seconds, said):
    assert say_span(seconds) == said


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"default": {}, "endpoints": {"/2/tweets": {"user": []}}},
            r"endpoints\./2/tweets: 'METHOD",
        ),
        ({"default": {}, "endpoints": {"GET /2/x": {}}}, r"endpoints\.GET /2/x: at least one"),
        (
            {"default": {}, "endpoints": {"GET /2/x": {"user": [{"limit": 0, "seconds": 9}]}}},
            r"endpoints\.GET /2/x\.user\[0\]\.limit: a whole number >= 1",
        ),
        (
            {"default": {}, "endpoints": {"GET /2/x": {"app": [{"limit": 1, "seconds": "15m"}]}}},
            r"endpoints\.GET /2/x\.app\[0\]\.seconds: a number > 0",
        ),
    ],
)
def test_a_broken_limit_table_is_refused_naming_the_entry(table, message):
    with pytest.raises(LimitTableError, match=message):
        LimitTable.from_dict(table)

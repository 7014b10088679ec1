"""The agent's views over a real Workspace and store: every button calls the model."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from workbench.analytics import ledger
from workbench.config import Settings
from workbench.domain import (
    Channel,
    EntryKind,
    Interaction,
    Sentiment,
    State,
    TranscriptEntry,
    TransitionError,
    utcnow,
)
from workbench.store import Store
from workbench.store import schema as t
from workbench.widgets import AgentWorkspaceView, PostTweetForm
from workbench.workspace import Workspace

DANA = "2244994945"  # follows the brand, has a phone and an e-mail
LUCIA = "5501234"  # cannot receive DMs, no phone, no e-mail
EVIL = '<img src=x onerror="alert(1)"> @dana_rivera see http://example.com/a?b=<c>'


@pytest.fixture
def store(sqlite_url):
    s = Store(sqlite_url)
    s.load_reference_data()
    yield s
    s.close()


def workspace(store, name, tmp_path):
    return Workspace(
        name,
        store=store,
        mail_dir=tmp_path / "mail",
        settings=Settings.from_env({}, WORKBENCH_X_PLAN="enterprise"),
    )


def arrive(store, contact_id=DANA, text="my order is late"):
    source = str(uuid.uuid4().int % 10**18)
    it = Interaction(uuid.uuid4().hex, Channel.MENTION, contact_id, tweet_id=source, subject=text)
    first = TranscriptEntry(
        it.id,
        it.arrived_at,
        EntryKind.INBOUND,
        store.contact(contact_id).username,
        text,
        "message",
        source,
    )
    store.add_interaction(it, None, first)
    return it.id


def outbox(store):
    with store.engine.connect() as conn:
        return [(r.action, dict(r.payload)) for r in conn.execute(select(t.outbox))]


@pytest.fixture
def desk(store, tmp_path):
    ws = workspace(store, "ann", tmp_path)
    view = AgentWorkspaceView(ws, live=False)
    yield view
    view.close()
    ws.close()


def test_offer_toast_accept_opens_the_interaction_view(store, desk):
    iid = arrive(store, text=EVIL)
    desk.ready()
    assert desk.ws.state.value == "ready"
    assert len(desk.toasts.children) == 1
    toast = desk.toasts.children[0]
    assert "wb-toast" in toast._dom_classes
    assert "<img" not in toast.preview.value and "&lt;img" in toast.preview.value
    toast.accept_button.click()
    assert desk.toasts.children == ()
    view = desk.view(iid)
    assert "wb-interaction" in view._dom_classes
    assert "<img" not in view.original.value and "&lt;img" in view.original.value
    assert 'href="https://x.com/dana_rivera"' in view.original.value
    assert "Connected" in view.case.value
    assert view.statuses.value and view.followers.value
    assert not view.call_button.disabled and not view.email_button.disabled


def test_reject_offers_it_to_someone_else(store, desk, tmp_path):
    desk.ready()
    iid = arrive(store)
    desk.poll()
    bob = workspace(store, "bob", tmp_path)
    bob.ready()
    desk.toasts.children[0].reject_button.click()
    assert desk.toasts.children == ()
    assert [o.id for o in bob.poll()] == [iid]
    bob.close()


def test_reply_counter_send_and_transcript(store, desk):
    iid = arrive(store)
    desk.ready()
    desk.toasts.children[0].accept()
    view = desk.view(iid)
    view.composer.text.value = "x" * 268  # with the mention in front: 281
    assert view.composer.remaining.value.count("-1") == 1
    assert view.send_button.disabled
    view.composer.text.value = "Sorry! We are on it 🙏 https://example.com/status"
    # 280 - 13 ("@dana_rivera ", the reply's mention) - 20 - 2 (emoji) - 1 - 23 (URL)
    assert ">221<" in view.composer.remaining.value
    view.send_button.click()
    assert view.composer.text.value == ""
    action, payload = outbox(store)[-1]
    assert action == "reply" and payload["text"].startswith("@dana_rivera ")
    lines = [c for c in view.lines]
    assert any("Sorry! We are on it" in getattr(line, "value", "") for line in lines)


def test_dm_refused_for_a_contact_who_cannot_receive_one(store, desk):
    iid = arrive(store, LUCIA)
    desk.ready()
    desk.toasts.children[0].accept()
    view = desk.view(iid)
    assert view.call_button.disabled and view.email_button.disabled
    view.reply_kind.value = "dm"
    view.composer.text.value = "Can you DM us your order number?"
    assert view.send() is False
    assert "DM" in view.message.value or "direct message" in view.message.value.lower()
    assert view.composer.text.value == "Can you DM us your order number?"
    assert outbox(store) == []


def test_per_message_actions_favorite_retweet_follow(store, desk):
    iid = arrive(store)
    desk.ready()
    desk.toasts.children[0].accept()
    view = desk.view(iid)
    row = view.lines[0]
    like = next(b for b in row.children if "wb-line-like" in b._dom_classes)
    like.click()
    view.retweet_button.click()
    view.follow_button.click()
    assert view.follow_button.description == "Unfollow"
    assert [a for a, _ in outbox(store)] == ["like", "retweet", "follow"]


def test_standard_response_disposition_and_done(store, desk):
    iid = arrive(store)
    desk.ready()
    desk.toasts.children[0].accept()
    view = desk.view(iid)
    view.standard.value = "greeting"
    view.insert_button.click()
    assert "Dana" in view.composer.text.value and "{" not in view.composer.text.value
    view.sentiment.value = Sentiment.NEGATIVE
    assert store.interaction(iid).sentiment is Sentiment.NEGATIVE
    assert view.done() is False  # a disposition is required
    assert "disposition" in view.message.value
    view.disposition.value = "resolved"
    view.note.value = "sent tracking link"
    view.done_button.click()
    it = store.interaction(iid)
    assert (it.state, it.disposition, it.note) == (State.DONE, "resolved", "sent tracking link")
    assert desk.tabs.children == ()


def test_post_tweet_form_counts_and_posts(store, tmp_path):
    ws = workspace(store, "ann", tmp_path)
    form = PostTweetForm(ws.timelines, ws.post_tweet)
    assert form.timeline.value == "AcmeSupport"
    assert form.send_button.disabled
    form.composer.text.value = "Service update: all fixed ✅"
    assert not form.send_button.disabled
    assert form.send() is True
    assert outbox(store)[-1][0] == "post"
    form.composer.text.value = "y" * 300
    assert form.send() is False and "20 characters too long" in form.message.value
    ws.close()


def test_the_live_view_shows_an_offer_as_soon_as_it_is_routed(store, tmp_path):
    """The live loop runs in the kernel's event loop; the store's change feed wakes it long
    before its interval (60 s here) would."""
    import asyncio

    from tests.aio import run_in_own_loop, until

    async def scenario() -> tuple[int, int]:
        ws = workspace(store, "ann", tmp_path)
        view = AgentWorkspaceView(ws, interval=60.0, live=False)
        view.ready()
        before = len(view.toasts.children)
        view.live.value = True
        assert ws.live  # the view runs the workspace's own live loop
        await asyncio.sleep(0.2)
        arrive(store)
        await until(lambda: bool(view.toasts.children))
        after = len(view.toasts.children)
        view.close()
        assert not ws.live
        ws.close()
        return before, after

    assert run_in_own_loop(scenario) == (0, 1)


def test_the_views_redraw_when_their_model_says_it_changed(store, desk, tmp_path):
    """Nothing is pressed in ann's view: what happens elsewhere shows once her workspace polls
    (a live loop's poll, or a script's) and says it changed."""
    iid = arrive(store)
    desk.ready()
    desk.accept(iid)
    view = desk.view(iid)
    redraws = []
    desk.ws.observe(redraws.append, "revision")
    bob = workspace(store, "bob", tmp_path)
    bob.ready()
    bob.poll()
    desk.ws.conference(iid, "bob")
    bob.poll()
    bob.reply(iid, "my colleague is here too")
    later = TranscriptEntry(
        iid, utcnow(), EntryKind.INBOUND, "dana_rivera", "any news?", "message", "777000111"
    )
    store.add_transcript(later)
    shown = [getattr(line, "value", "") for line in view.lines]
    assert not any("my colleague is here too" in text for text in shown)
    desk.ws.poll()  # the model, not the view
    assert redraws
    shown = [getattr(line, "value", "") for line in view.lines]
    assert any("my colleague is here too" in text for text in shown)
    assert any(
        "any news?" in getattr(part, "value", "")
        for line in view.lines
        for part in getattr(line, "children", ())
    )
    assert "Conference" in view.case.value and "bob" in view.case.value
    bob.close()


def test_an_offer_shows_when_the_model_polls_and_a_closed_view_no_longer_redraws(store, tmp_path):
    ws = workspace(store, "ann", tmp_path)
    shown, closed = AgentWorkspaceView(ws, live=False), AgentWorkspaceView(ws, live=False)
    shown.ready()
    closed.close()
    iid = arrive(store)
    ws.poll()  # the model, not the views
    assert [toast.interaction_id for toast in shown.toasts.children] == [iid]
    assert "1 offered · 0 open" in shown.status.value
    assert closed.toasts.children == ()
    shown.close()
    ws.close()


def test_an_empty_workspace_shows_no_empty_tab_frame(desk, store):
    desk.ready()
    assert desk.tabs.layout.display == "none"
    iid = arrive(store)
    desk.poll()
    desk.accept(iid)
    assert desk.tabs.layout.display == ""


@pytest.fixture
def pay_per_use(store, tmp_path):
    ws = Workspace(
        "ann",
        store=store,
        mail_dir=tmp_path / "mail",
        settings=Settings.from_env({}, WORKBENCH_X_PLAN="pay-per-use"),
    )
    view = AgentWorkspaceView(ws, live=False)
    yield view
    view.close()
    ws.close()


def _line_buttons(view):
    """css class -> button, for each customer message's own actions (in order)."""
    rows = [row for row in view.lines if hasattr(row, "children")]
    return [
        {next(c for c in b._dom_classes if c.startswith("wb-line-")): b for b in row.children[1:]}
        for row in rows
    ]


def test_the_view_disables_what_the_plan_refuses_with_the_reason(store, pay_per_use):
    iid = arrive(store, text="my order is late")  # does not summon the brand
    pay_per_use.ready()
    pay_per_use.toasts.children[0].accept()
    view = pay_per_use.view(iid)
    likes = "X's self-serve plans no longer allow likes (since 2026-04-20)"
    assert view.like_button.disabled and view.like_button.tooltip == likes
    assert view.follow_button.disabled
    assert view.follow_button.tooltip == (
        "X's self-serve plans no longer allow follows (since 2026-04-20)"
    )
    assert not view.retweet_button.disabled and view.retweet_button.tooltip == "Retweet"
    assert "wb-like" in view.like_button._dom_classes
    assert "wb-follow" in view.follow_button._dom_classes
    (buttons,) = _line_buttons(view)
    assert buttons["wb-line-like"].disabled and buttons["wb-line-like"].tooltip == likes
    assert buttons["wb-line-quote"].disabled
    assert "quote posts" in buttons["wb-line-quote"].tooltip
    unsummoned = (
        "X's self-serve plans allow a reply only to a post that mentions or quotes the brand "
        "account (since 2026-02-23)"
    )
    assert buttons["wb-line-reply"].disabled and buttons["wb-line-reply"].tooltip == unsummoned
    assert not buttons["wb-line-retweet"].disabled and not buttons["wb-line-dm"].disabled
    # The reply-kind menu marks the refused kinds, the reason as their tooltip.
    assert "wb-reply-kind" in view.reply_kind._dom_classes
    assert list(view.reply_kind.icons) == ["ban", "", "ban"]
    assert list(view.reply_kind.tooltips) == [
        unsummoned,
        "Direct Message",
        view.refused_kinds["quote"],
    ]
    # Send says why before the agent types, and stays disabled when they do.
    assert view.send_button.disabled and view.send_button.tooltip == unsummoned
    assert "mentions or quotes the brand" in view.send_reason.value
    view.composer.text.value = "sorry to hear that"
    assert view.send_button.disabled
    view.reply_kind.value = "dm"  # DMs are not replies
    assert not view.send_button.disabled and view.send_reason.value == ""
    view.reply_kind.value = "quote"
    assert view.send_button.disabled and "quote posts" in view.send_reason.value


def test_the_view_offers_a_reply_to_a_summoning_post_on_self_serve(store, pay_per_use):
    iid = arrive(store, text="@AcmeSupport my order is late")
    pay_per_use.ready()
    pay_per_use.toasts.children[0].accept()
    view = pay_per_use.view(iid)
    (buttons,) = _line_buttons(view)
    assert not buttons["wb-line-reply"].disabled
    assert buttons["wb-line-reply"].tooltip == "reply to this message"
    assert list(view.reply_kind.icons) == ["", "", "ban"]
    view.composer.text.value = "sorry to hear that"
    assert not view.send_button.disabled and view.send_button.tooltip == "Send"
    assert view.like_button.disabled  # likes are gone on every self-serve plan


def test_enterprise_view_enables_every_action(store, desk):
    iid = arrive(store)
    desk.ready()
    desk.toasts.children[0].accept()
    view = desk.view(iid)
    assert not view.like_button.disabled and not view.follow_button.disabled
    assert view.like_button.tooltip == "Favorite"
    (buttons,) = _line_buttons(view)
    assert not any(b.disabled for b in buttons.values())
    assert list(view.reply_kind.icons) == ["", "", ""] and view.refused_kinds == {}


def test_send_is_disabled_for_a_dm_to_a_contact_who_cannot_receive_one(store, desk):
    iid = arrive(store, LUCIA)
    desk.ready()
    desk.toasts.children[0].accept()
    view = desk.view(iid)
    assert "dm" in view.refused_kinds and list(view.reply_kind.icons) == ["", "ban", ""]
    view.reply_kind.value = "dm"
    # Before the agent types: disabled, and the reason shown.
    assert view.composer.text.value == ""
    assert view.send_button.disabled
    assert "@lucia_gz cannot receive a direct message" in view.send_button.tooltip
    assert "@lucia_gz cannot receive a direct message" in view.send_reason.value
    view.composer.text.value = "Can you DM us your order number?"
    assert view.send_button.disabled
    (buttons,) = _line_buttons(view)
    assert buttons["wb-line-dm"].disabled and "cannot receive" in buttons["wb-line-dm"].tooltip
    view.reply_kind.value = "reply"
    assert not view.send_button.disabled and view.send_reason.value == ""


def test_follow_ups_show_as_new_with_other_participants_named(store, desk):
    """What ingest joins to an open interaction (tests/test_conversations.py) as the view
    shows it: marked new, another participant named as such, text escaped; a DM joined to a
    mention is answered by DM (no tweet actions on it)."""
    iid = arrive(store)
    desk.ready()
    desk.accept(iid)
    view = desk.view(iid)
    for author, action, source, participant, text in (
        ("eve_<b>", "reply", "888000111", True, EVIL),
        ("dana_rivera", "dm", "999000222", False, "here is the receipt"),
    ):
        store.add_transcript(
            TranscriptEntry(
                iid,
                utcnow(),
                EntryKind.INBOUND,
                author,
                text,
                action,
                source,
                {"follow_up": True, "participant": participant},
            )
        )
    desk.ws.poll()
    rows = view.lines
    html_of = [getattr(row, "value", "") or getattr(row.children[0], "value", "") for row in rows]
    eve = next(h for h in html_of if "eve_" in h)
    assert "eve_&lt;b&gt; (another participant)" in eve and "wb-badge wb-new" in eve
    assert "<img" not in eve and "&lt;img" in eve
    dm_row = next(r for r, h in zip(rows, html_of, strict=True) if "here is the receipt" in h)
    assert not hasattr(dm_row, "children") or len(dm_row.children) == 1  # no tweet buttons
    first = next(h for h in html_of if "my order is late" in h)
    assert "wb-badge" not in first


def _row_html(row) -> str:
    return getattr(row, "value", "") or getattr(row.children[0], "value", "")


def test_each_send_shows_its_state_and_a_refusal_is_told_at_once(store, desk):
    """Queued, then sent with X's id linked, or refused with X's reason: the agent is told at
    once, and may Retry it as it was (the same outbox entry) or Edit it into a new one."""
    from workbench.store.outbox import Failed, Sent

    iid = arrive(store)
    desk.ready()
    desk.accept(iid)
    view = desk.view(iid)
    view.composer.text.value = "first answer"
    view.send_button.click()
    view.composer.text.value = "second <answer>"
    view.send_button.click()
    rows = [r for r in view.lines if "answer" in _row_html(r)]
    assert all("wb-queued" in _row_html(r) and "goes out now" in _row_html(r) for r in rows)
    (first, second) = store.outbox.claim(10, 30.0)
    store.outbox.finish(
        sent=[Sent(first, {"id": "1555"}, "1555")],
        failed=[Failed(second, "403 Forbidden: You attempted to reply to a deleted <post>")],
    )
    desk.ws.poll()
    rows = [r for r in view.lines if "answer" in _row_html(r)]
    sent, refused = (_row_html(r) for r in rows)
    assert "wb-sent" in sent and 'href="https://x.com/i/web/status/1555"' in sent
    assert "wb-failed" in refused and "deleted &lt;post&gt;" in refused
    assert "was not sent" in view.message.value and "deleted &lt;post&gt;" in view.message.value
    ledger_row = ledger(store=store).set_index("interaction_id").loc[iid]
    assert ledger_row["replies"] == 1  # only what X accepted
    retry, edit = rows[1].children[1:]
    edit.click()
    assert view.composer.text.value.endswith("second <answer>")
    retry.click()
    assert "Queued again" in view.message.value
    assert store.outbox.status(second.key)["state"] == "pending"
    assert [e.action for e in store.events(iid)][-1] == "send_retried"
    with pytest.raises(TransitionError, match="no refused send"):
        desk.ws.retry_send(iid, first.key)  # sent: nothing to retry


def test_a_new_message_draws_one_line_not_the_whole_thread(store, desk):
    iid = arrive(store)
    desk.ready()
    desk.accept(iid)
    view = desk.view(iid)

    def say(text: str, source: str) -> None:
        store.add_transcript(
            TranscriptEntry(iid, utcnow(), EntryKind.INBOUND, "dana_rivera", text, "reply", source)
        )

    for k in range(5):
        say(f"more {k}", str(777000 + k))
    desk.ws.poll()
    before = list(view.lines)
    say("one more", "778000")
    desk.ws.poll()
    after = view.lines
    assert len(after) == len(before) + 1 and all(
        a is b for a, b in zip(before, after[:-1], strict=True)
    )
    assert "one more" in _row_html(after[-1])


def test_a_reply_goes_to_all_who_wrote_in_the_thread_and_the_agent_may_drop_some(store, desk):
    iid = arrive(store)
    desk.ready()
    desk.accept(iid)
    view = desk.view(iid)
    for author, source in (("eve_x", "881"), ("AcmeSupport", "882"), ("EVE_X", "883")):
        store.add_transcript(
            TranscriptEntry(
                iid, utcnow(), EntryKind.INBOUND, author, "me too", "reply", source,
                {"follow_up": True, "participant": True},
            )
        )  # fmt: skip
    store.add_transcript(
        TranscriptEntry(iid, utcnow(), EntryKind.INBOUND, "dm_only", "psst", "dm", "884")
    )
    desk.ws.poll()
    # the contact first, each once whatever the case, never the brand, no DM-only writer
    assert list(view.mentions.value) == ["dana_rivera", "eve_x"]
    view.composer.text.value = "x" * 261
    assert ">-1<" in view.composer.remaining.value  # 13 + 7 + 261: the mentions count
    assert view.send_button.disabled
    view.mentions.value = ["eve_x"]  # the agent drops Dana
    assert ">12<" in view.composer.remaining.value
    view.composer.text.value = "we are on it"
    view.send_button.click()
    assert outbox(store)[-1][1]["text"] == "@eve_x we are on it"
    with pytest.raises(TransitionError, match="only the thread's participants"):
        desk.ws.reply(iid, "hello", mentions=["mallory"])
    desk.ws.reply(iid, "for everyone")  # no choice given: all of them
    assert outbox(store)[-1][1]["text"] == "@dana_rivera @eve_x for everyone"


def test_the_toast_and_the_view_show_the_wait_against_the_target_and_the_priority(store, desk):
    from datetime import timedelta

    from workbench.routing import add_priority_rule

    add_priority_rule(store, "Dana <b>VIP</b>", 40, handles=["dana_rivera"])
    iid = arrive(store)
    with store.transaction() as conn:  # she has waited 20 minutes (the target is 15)
        conn.execute(
            t.interactions.update()
            .where(t.interactions.c.id == iid)
            .values(waiting_since=utcnow() - timedelta(minutes=20))
        )
    desk.ready()
    toast = desk.toasts.children[0]
    assert "wb-wait-late" in toast.timer.value and "waiting 20 min" in toast.timer.value
    assert "priority +40: Dana &lt;b&gt;VIP&lt;/b&gt; (+40)" in toast.preview.value
    toast.accept_button.click()
    view = desk.view(iid)
    assert "wb-wait-late" in view.timer.value and "Priority" in view.case.value
    assert "<b>VIP" not in view.case.value
    with store.transaction() as conn:
        conn.execute(
            t.interactions.update()
            .where(t.interactions.c.id == iid)
            .values(waiting_since=utcnow() - timedelta(minutes=9))
        )
    view.refresh()
    assert "wb-wait-near" in view.timer.value and "waiting 9 min" in view.timer.value


def test_pending_customer_moves_the_interaction_to_the_workbin_and_resume_brings_it_back(
    store, desk
):
    iid = arrive(store, text="<script>x</script> still waiting")
    desk.ready()
    desk.toasts.children[0].accept_button.click()
    view = desk.view(iid)
    view.pend_button.click()
    assert desk.tabs.children == ()
    assert store.interaction(iid).state is State.PENDING
    (title, row) = desk.workbin.children
    line, resume = row.children
    assert "waiting on the customer" in line.value and "<script>" not in line.value
    assert "1 waiting on customers" in desk.status.value
    resume.click()
    assert store.interaction(iid).state is State.ACCEPTED
    assert desk.workbin.children == () and len(desk.tabs.children) == 1


def test_keyboard_shortcuts_accept_send_kind_next_and_done(store, desk):
    from workbench.routing import register_agent

    register_agent(store, "ann", capacity=2)
    first = arrive(store, text="first")
    desk.ready()
    focused = []
    desk.shortcuts.focus = focused.append  # what the page is asked to focus
    desk.shortcuts.press("accept")
    assert store.interaction(first).state is State.ACCEPTED
    assert focused == [f".wb-view-{first} .wb-reply-text textarea"]  # the reply box
    view = desk.view(first)
    view.composer.text.value = "On it!"
    desk.shortcuts.press("send")
    assert [a for a, _ in outbox(store)] == ["reply"]
    desk.shortcuts.press("kind")
    assert view.reply_kind.value == "dm"
    second = arrive(store, text="second")
    desk.poll()
    desk.shortcuts.press("accept")
    assert desk.current_view() is desk.view(second)
    desk.shortcuts.press("next")
    assert desk.current_view() is view
    view.disposition.value = "resolved"
    desk.shortcuts.press("done")
    assert store.interaction(first).state is State.DONE
    assert desk.help.layout.display == "none"
    desk.shortcuts.press("help")
    assert desk.help.layout.display == "" and "Ctrl+Enter" in desk.help.value
    desk.shortcuts.press("reject")  # no offer: nothing happens
    desk.shortcuts.press("nonsense")


def test_the_composer_says_what_a_send_costs_and_warns_past_the_budget(store, tmp_path):
    from workbench.domain.cost import ApiCall, PriceKind

    paying = Settings.from_env({}, WORKBENCH_X_PLAN="pay-per-use", WORKBENCH_DAILY_BUDGET="5")
    ws = Workspace("ann", store=store, mail_dir=tmp_path / "mail", settings=paying)
    desk = AgentWorkspaceView(ws, live=False)
    iid = arrive(store, text="@AcmeSupport my order is late")
    desk.ready()
    desk.toasts.children[0].accept()
    view = desk.view(iid)
    view.composer.text.value = "Sorry! Track it at acmeshop.co/track"
    assert "this reply costs $0.20: it has a URL" in view.send_cost.value
    view.composer.text.value = "Sorry! We are on it"  # updates as the agent types
    assert "this reply costs $0.01: a reply to a post" in view.send_cost.value
    assert "budget" not in view.send_cost.value
    view.reply_kind.value = "dm"
    assert "this DM costs $0.015" in view.send_cost.value
    desk.post_form.composer.text.value = "New hours: acmeshop.co/hours"
    assert "this post costs $0.20: it has a URL" in desk.post_form.cost.value
    view.reply_kind.value = "reply"
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
                iid,
            )
        ]
    )
    ws._spend._read_at = -float("inf")  # the day's spend is cached 30 s: read it now
    view.composer.text.value = "<b>still</b> on it"
    assert "budget" not in view.send_cost.value  # no store read per keystroke
    ws.poll()
    view.refresh()  # a redraw reads the day's spend again
    assert "today&#x27;s X budget of $5.00 is spent: $5.12 so far" in view.send_cost.value
    assert "<b>" not in view.send_cost.value
    assert not view.send_button.disabled  # a warning, not a refusal
    assert view.send()
    assert outbox(store)[-1][0] == "reply"  # queued: nothing is dropped
    desk.close()
    ws.close()


def test_off_pay_per_use_the_composer_names_no_price(store, desk):
    iid = arrive(store)
    desk.ready()
    desk.toasts.children[0].accept()
    view = desk.view(iid)
    view.composer.text.value = "see https://example.com"
    assert view.send_cost.value == ""


# --- attached media -------------------------------------------------------------------------

SANDBOX = "http://127.0.0.1:8765"
HOSTILE_ALT = '"><img src=x onerror=alert(1)> <script>alert(2)</script>'
HOSTILE_URLS = [
    "javascript:alert(1)",
    "data:image/png;base64,iVBORw0KGgo=",
    "https://evil.example/a.png",
    "https://pbs.twimg.com.evil.example/a.png",
    "https://user@pbs.twimg.com/a.png",
    "https://user:pw@pbs.twimg.com/a.png",
    "http://pbs.twimg.com/a.png",
    "https://pbs.twimg.com:8443/a.png",
    'https://pbs.twimg.com/a.png" onerror="alert(1)',
    "https://pbs.twimg.com/a.png onerror=alert(1)",
    "http://127.0.0.1:8766/sandbox/media/3_1.png",  # the sandbox's host, another port
]


def test_media_src_loads_only_from_x_media_hosts_or_the_sandbox():
    from workbench.widgets._html import media_src

    for url in (
        "https://pbs.twimg.com/media/F1.jpg",
        "https://video.twimg.com/ext_tw_video/1/pu/vid/a.mp4",
        "https://ton.twimg.com/1.1/ton/data/dm/1/2/a.jpg",
    ):
        assert media_src(url) == url
    assert media_src(f"{SANDBOX}/sandbox/media/3_1.png", SANDBOX) is not None
    assert media_src(f"{SANDBOX}/sandbox/media/3_1.png") is None  # not talking to a sandbox
    for url in HOSTILE_URLS:
        assert media_src(url, SANDBOX) is None, url


def test_media_html_escapes_the_alt_text_and_shows_refused_urls_as_text():
    from workbench.widgets._html import media_html

    shown = media_html(
        [{"key": "3_1", "kind": "photo", "url": f"{SANDBOX}/a.png", "alt_text": HOSTILE_ALT}],
        SANDBOX,
    )
    assert shown.count("<img ") == 1 and "<script" not in shown and "onerror=alert" in shown
    assert 'alt="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;' in shown
    assert 'loading="lazy"' in shown and 'referrerpolicy="no-referrer"' in shown
    for url in HOSTILE_URLS:
        refused = media_html([{"key": "3_1", "kind": "photo", "url": url, "alt_text": "A box"}])
        assert "<img" not in refused and "image not shown (not from X)" in refused, url
        assert "A box" in refused and url not in refused
    video = media_html(
        [
            {"key": "7_2", "kind": "video", "preview_url": "https://pbs.twimg.com/v.jpg"},
            {"key": "16_3", "kind": "animated_gif", "preview_url": "https://pbs.twimg.com/g.jpg"},
            {"key": "7_4"},  # a key X gave no include for
            "junk",
        ]
    )
    assert "Video 0:12" not in video and video.count("<img ") == 2
    assert 'alt="Video: no description"' in video and 'alt="GIF: no description"' in video
    assert "image not available" in video
    timed = media_html([{"key": "7_2", "kind": "video", "duration_ms": 12_000}])
    assert "Video 0:12" in timed


def test_the_transcript_shows_a_photo_with_its_alt_text_as_caption(store, tmp_path):
    ws = Workspace(
        "ann",
        store=store,
        mail_dir=tmp_path / "mail",
        settings=Settings.from_env({}, WORKBENCH_X_PLAN="enterprise", WORKBENCH_X_API_URL=SANDBOX),
    )
    desk = AgentWorkspaceView(ws, live=False)
    try:
        iid = arrive(store)
        desk.ready()
        desk.accept(iid)
        view = desk.view(iid)
        media = [
            {
                "key": "3_1",
                "kind": "photo",
                "url": f"{SANDBOX}/sandbox/media/3_1.png",
                "alt_text": HOSTILE_ALT,
            },
            {"key": "3_2", "kind": "photo", "url": "javascript:alert(1)", "alt_text": "<b>x</b>"},
        ]
        store.add_transcript(
            TranscriptEntry(
                iid,
                utcnow(),
                EntryKind.INBOUND,
                "dana_rivera",
                "look",
                "reply",
                "777000111",
                {"follow_up": True, "media": media},
            )
        )
        ws.poll()
        line = next(h for h in map(_row_html, view.lines) if "look" in h)
        assert line.count("<img ") == 1
        assert f'src="{SANDBOX}/sandbox/media/3_1.png"' in line
        assert "&lt;script&gt;" in line and "<script" not in line
        assert "javascript:" not in line and "&lt;b&gt;x&lt;/b&gt;" in line
        assert "image not shown (not from X)" in line
    finally:
        desk.close()
        ws.close()
    # against X itself, the sandbox's origin is not X's: nothing of it is loaded
    with Workspace("bob", store=store, settings=Settings.from_env({})) as real:
        from workbench.widgets.interaction import line_html

        entry = store.transcript(iid)[-1]
        assert "<img" not in line_html(entry, None)
        assert real.x_api_url == "https://api.twitter.com"

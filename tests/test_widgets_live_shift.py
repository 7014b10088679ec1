"""The interaction view while the store changes underneath: what the agent picks, writes and
types is never overwritten by a redraw, and what reaches X is what the page had."""

from __future__ import annotations

import pytest

from tests.test_widgets_workspace import DANA, LUCIA, arrive, outbox, workspace
from workbench.store import Store
from workbench.widgets import AgentWorkspaceView


@pytest.fixture
def store(sqlite_url):
    s = Store(sqlite_url)
    s.load_reference_data()
    yield s
    s.close()


@pytest.fixture
def desk(store, tmp_path):
    ws = workspace(store, "ann", tmp_path)
    view = AgentWorkspaceView(ws, live=False)
    yield view
    view.close()
    ws.close()


@pytest.fixture
def colleague(store, tmp_path):
    ws = workspace(store, "bob", tmp_path)
    yield ws
    ws.close()


def _accepted(store, desk, contact=DANA, text="my order is late"):
    iid = arrive(store, contact, text)
    desk.ready()
    desk.poll()
    desk.accept(iid)
    return desk.view(iid)


def _colleague_works(store, colleague):
    """Bob takes and answers an interaction of his own: the store moves, not ann's."""
    other = arrive(store, text="where is my refund?")
    colleague.ready()
    colleague.poll()
    colleague.accept(other)
    colleague.reply(other, "Looking into it")
    colleague.internal_note(other, "refund ticket 42")
    return other


def test_a_picked_disposition_stays_through_redraws_and_done_takes_it(store, desk, colleague):
    view = _accepted(store, desk)
    codes = [code for _, code in view.disposition.options if code]
    view.disposition.value = codes[1]
    view.note.value = "customer happy"
    _colleague_works(store, colleague)
    desk.poll()  # the store changed: the workspace says so
    view.refresh()  # and even a full redraw of this view keeps them
    assert view.disposition.value == codes[1]
    assert view.note.value == "customer happy"
    assert store.interaction(view.interaction_id).disposition == codes[1]  # stored when picked
    assert view.done() is True  # at the first press
    it = store.interaction(view.interaction_id)
    assert it.state.value == "done" and it.disposition == codes[1]
    assert it.note == "customer happy"


def test_a_colleagues_work_elsewhere_does_not_redraw_my_view(store, desk, colleague):
    view = _accepted(store, desk)
    drawn = []
    real = view.refresh
    view.refresh = lambda: (drawn.append(1), real())[1]  # type: ignore[method-assign]
    view.standard.value = next(code for _, code in view.standard.options if code)
    chosen = view.standard.value
    _colleague_works(store, colleague)
    desk.poll()
    assert drawn == []
    assert view.standard.value == chosen
    # A change to this interaction does redraw it.
    desk.ws.internal_note(view.interaction_id, "called the carrier")
    assert drawn and view.standard.value == chosen


def test_a_colleague_setting_the_disposition_shows_it(store, desk, tmp_path):
    view = _accepted(store, desk)
    codes = [code for _, code in view.disposition.options if code]
    desk.ws.set_disposition(view.interaction_id, codes[2], "from the supervisor")
    assert view.disposition.value == codes[2]
    assert view.note.value == "from the supervisor"


def test_a_new_reply_that_starts_like_the_last_one_is_sent_whole(store, desk):
    view = _accepted(store, desk)
    first = "Hi Felix! Settings > Display > Reset."
    second = "Hi Felix, could you send us your serial number here?"
    for i in range(1, len(first) + 1):  # the page's updates, one per keystroke
        view.composer.text.value = first[:i]
    assert view.send() is True
    for i in range(1, len(second) + 1):
        view.composer.text.value = second[:i]
        assert view.composer.text.value == second[:i]
    assert view.send() is True
    sent = [p["text"] for a, p in outbox(store) if a == "reply"]
    assert sent == [f"@dana_rivera {first}", f"@dana_rivera {second}"]


def test_the_pages_send_carries_the_text_the_agent_sees(store, desk):
    view = _accepted(store, desk)
    messages = []
    view.composer.text.send = messages.append  # what goes to the page
    view.composer.text.value = "Thanks for waiting, Fel"  # the last keystrokes are in flight
    # The page's Send click: its message carries the whole text, and arrives first.
    view.composer.text._received(None, {"send": "Thanks for waiting, Felix."}, [])
    assert [p["text"] for a, p in outbox(store)] == ["@dana_rivera Thanks for waiting, Felix."]
    assert messages[-1] == {"sent": "Thanks for waiting, Felix."}  # the page removes just that
    # A late keystroke update of the sent text arrives after: it is the page's to clear.
    view.composer.text.value = "Thanks for waiting, Felix."
    view.composer.text.value = "Thanks again"
    assert view.composer.text.value == "Thanks again"


def test_ctrl_enter_sends_the_text_the_page_had(store, desk):
    view = _accepted(store, desk)
    view.composer.text.value = "On i"
    desk.shortcuts.press("send", "On it!")
    assert [p["text"] for a, p in outbox(store)] == ["@dana_rivera On it!"]
    assert view.composer.text.value == ""


def test_a_direct_message_counts_to_ten_thousand(store, desk):
    view = _accepted(store, desk)
    assert "Type a reply" in view.composer.text.placeholder
    view.reply_kind.value = "dm"
    assert "direct message" in view.composer.text.placeholder
    view.composer.text.value = "x" * 320
    assert "Characters remaining: <b>9,680</b>" in view.composer.remaining.value
    assert not view.send_button.disabled
    view.send_button.click()
    assert [(a, len(p["text"])) for a, p in outbox(store)] == [("dm", 320)]
    view.composer.text.value = "x" * 10_001
    assert view.send_button.disabled and ">-1<" in view.composer.remaining.value
    view.reply_kind.value = "reply"
    view.composer.text.value = "x" * 268  # with the mention: 281
    assert "Characters remaining: <b>-1</b>" in view.composer.remaining.value
    assert view.send_button.disabled


def test_a_refused_dm_keeps_the_text_in_the_box(store, desk):
    view = _accepted(store, desk, LUCIA)
    view.reply_kind.value = "dm"
    view.composer.text.value = "Can you DM us your order number?"
    assert view.send("Can you DM us your order number?") is False
    assert view.composer.text.value == "Can you DM us your order number?"
    assert outbox(store) == []


def test_the_pages_post_carries_the_text_it_shows(store, desk):
    form = desk.post_form
    messages = []
    form.composer.text.send = messages.append
    form.composer.text.value = "New hours: acmeshop.co/ho"  # the last keystrokes in flight
    form.composer.text._received(None, {"send": "New hours: acmeshop.co/hours"}, [])
    assert [p["text"] for a, p in outbox(store) if a == "post"] == ["New hours: acmeshop.co/hours"]
    assert messages[-1] == {"sent": "New hours: acmeshop.co/hours"}


def test_the_shortcut_refuses_what_the_send_button_would(store, desk):
    view = _accepted(store, desk)
    too_long = "x" * 268  # with the mention in front: 281
    view.composer.text.value = too_long
    assert view.send_button.disabled and ">-1<" in view.composer.remaining.value
    desk.shortcuts.press("send", too_long)
    assert outbox(store) == []
    assert view.message.value and "#b00" in view.message.value  # said, in red
    assert view.composer.text.value == too_long  # nothing typed is lost


def test_the_brands_dm_brought_in_before_its_send_is_marked_shows_once(store, desk):
    """X's DM events can bring the brand's DM back before the outbox has marked it sent with
    X's id: ingest joins it as a line of its own, and marking the send removes that copy."""
    from workbench.domain import EntryKind, TranscriptEntry, utcnow
    from workbench.store.outbox import Sent

    view = _accepted(store, desk)
    view.reply_kind.value = "dm"
    assert view.send("Could you send us your order number?") is True
    (row,) = store.outbox.claim(10, 60)
    store.add_transcript(  # what ingest joins from X's DM events, the outbox not done yet
        TranscriptEntry(
            view.interaction_id,
            utcnow(),
            EntryKind.OUTBOUND,
            "AcmeSupport",
            "Could you send us your order number?",
            "dm",
            "1900000000000000001",
            {"source": "x", "timeline": "AcmeSupport"},
        )
    )
    desk.poll()
    said = [e.text for e in desk.ws.transcript(view.interaction_id)]
    assert said.count("Could you send us your order number?") == 2
    store.outbox.finish(sent=[Sent(row, {"id": "1900000000000000001"}, "1900000000000000001")])
    desk.poll()
    lines = desk.ws.transcript(view.interaction_id)
    mine = [e for e in lines if e.text == "Could you send us your order number?"]
    assert len(mine) == 1 and mine[0].author == "ann"
    assert mine[0].delivery is not None and mine[0].delivery.x_id == "1900000000000000001"
    shown = [getattr(w, "value", "") or getattr(w.children[0], "value", "") for w in view.lines]
    assert sum("Could you send us your order number?" in h for h in shown) == 1


def test_an_offers_view_is_ready_before_accept_and_accept_shows_it(store, desk):
    iid = arrive(store)
    desk.ready()
    desk.poll()
    prepared = desk.view(iid)  # built while the toast shows
    assert prepared.send_button.disabled and prepared.done_button.disabled  # not yet the agent's
    assert desk.tabs.children == ()
    desk.accept(iid)
    assert desk.view(iid) is prepared and desk.tabs.children == (prepared,)
    assert not prepared.done_button.disabled


def test_a_rejected_offers_view_goes(store, desk):
    iid = arrive(store)
    desk.ready()
    desk.poll()
    prepared = desk.view(iid)
    desk.reject(iid)
    with pytest.raises(KeyError):
        desk.view(iid)
    assert prepared.comm is None  # closed

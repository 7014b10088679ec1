"""What the desk tells an agent when it refuses: a plain sentence saying what to do, without ids
or the rule's technical wording; the technical message (interaction, state, rule) goes to the
log (``workbench.refusals``) for whoever looks into it."""

from __future__ import annotations

import html
import logging
import re

import pytest

from tests.test_widgets_workspace import DANA, LUCIA, arrive
from workbench import i18n
from workbench.config import Settings
from workbench.domain import Said, TransitionError
from workbench.domain.cost import Money
from workbench.store import Store
from workbench.widgets.interaction import InteractionView
from workbench.widgets.post_tweet import PostTweetForm
from workbench.workspace import Workspace

PAY_PER_USE = {"WORKBENCH_X_PLAN": "pay-per-use"}
ENTERPRISE = {"WORKBENCH_X_PLAN": "enterprise"}


@pytest.fixture
def store(sqlite_url):
    s = Store(sqlite_url)
    s.load_reference_data()
    yield s
    s.close()


def _desk(store, tmp_path, plan, contact=DANA, text="@AcmeSupport my order is late"):
    ws = Workspace(
        "ann", store=store, mail_dir=tmp_path / "mail", settings=Settings.from_env({}, **plan)
    )
    iid = arrive(store, contact, text)
    ws.ready()
    ws.poll()
    ws.accept(iid)
    return ws, iid, InteractionView(ws, iid)


def _send(view, text, kind="reply"):
    view.reply_kind.value = kind
    view.composer.text.value = text
    return view.send()


def _finish_elsewhere(ws, iid):
    ws.set_disposition(iid, "resolved")
    ws.done(iid)


# (what the agent does, the plan, the contact, what they are told)
CASES = {
    "reply empty": (
        lambda v, ws, i: _send(v, "   "),
        ENTERPRISE,
        DANA,
        "Write something before sending.",
    ),
    "reply too long": (
        lambda v, ws, i: _send(v, "x" * 300),
        ENTERPRISE,
        DANA,
        "Shorten it by 33 characters: X takes at most 280.",  # with "@dana_rivera " in front
    ),
    "DM empty": (
        lambda v, ws, i: _send(v, "", "dm"),
        ENTERPRISE,
        DANA,
        "Write something before sending.",
    ),
    "DM too long": (
        lambda v, ws, i: _send(v, "y" * 10_005, "dm"),
        ENTERPRISE,
        DANA,
        "Shorten it by 5 characters: a direct message takes at most 10,000.",
    ),
    "DM to a contact who cannot receive one": (
        lambda v, ws, i: _send(v, "Can you DM us?", "dm"),
        ENTERPRISE,
        LUCIA,
        "@lucia_gz cannot receive a direct message: they do not follow the brand and their DMs "
        "are closed. Reply in public instead.",
    ),
    "quote empty": (
        lambda v, ws, i: _send(v, "", "quote"),
        ENTERPRISE,
        DANA,
        "Write something before sending.",
    ),
    "quote refused by the plan": (
        lambda v, ws, i: _send(v, "Look at this", "quote"),
        PAY_PER_USE,
        DANA,
        "The brand's X plan does not allow this: X's self-serve plans no longer allow quote "
        "posts (since Apr 20, 2026).",
    ),
    "like refused by the plan": (
        lambda v, ws, i: v.like(),
        PAY_PER_USE,
        DANA,
        "The brand's X plan does not allow this: X's self-serve plans no longer allow likes "
        "(since Apr 20, 2026).",
    ),
    "follow refused by the plan": (
        lambda v, ws, i: v.toggle_follow(),
        PAY_PER_USE,
        DANA,
        "The brand's X plan does not allow this: X's self-serve plans no longer allow follows "
        "(since Apr 20, 2026).",
    ),
    "done without a disposition": (
        lambda v, ws, i: v.done(),
        ENTERPRISE,
        DANA,
        "Pick a disposition before Done.",
    ),
    "transfer without a target": (
        lambda v, ws, i: v.transfer(),
        ENTERPRISE,
        DANA,
        "Pick an agent or a queue to transfer to.",
    ),
    "transfer to an agent who is not ready": (
        lambda v, ws, i: v.transfer(to_agent="bob"),
        ENTERPRISE,
        DANA,
        "bob is not Ready: pick an agent who is.",
    ),
    "transfer to nobody known": (
        lambda v, ws, i: v.transfer(to_agent="zed"),
        ENTERPRISE,
        DANA,
        "There is no agent named zed: pick one from the list.",
    ),
    "conference without an agent": (
        lambda v, ws, i: v.conference(),
        ENTERPRISE,
        DANA,
        "Pick an agent first.",
    ),
    "consult without an agent": (
        lambda v, ws, i: v.consult(),
        ENTERPRISE,
        DANA,
        "Pick an agent first.",
    ),
    "call without a phone number": (
        lambda v, ws, i: v.call("connected"),
        ENTERPRISE,
        LUCIA,
        "There is no phone number for @lucia_gz: reply, or e-mail them.",
    ),
    "e-mail without an address": (
        lambda v, ws, i: v.email("About your order", "Here is the news"),
        ENTERPRISE,
        LUCIA,
        "There is no e-mail address for @lucia_gz: reply, or call them.",
    ),
    "e-mail without a body": (
        lambda v, ws, i: v.email("About your order", ""),
        ENTERPRISE,
        DANA,
        "Write the e-mail in the reply box first.",
    ),
    "acting on an interaction already done": (
        lambda v, ws, i: (_finish_elsewhere(ws, i), _send(v, "one more thing")),
        ENTERPRISE,
        DANA,
        "This interaction is already done.",
    ),
    "acting on an interaction transferred away": (
        lambda v, ws, i: (ws.transfer(i, to_queue="mentions"), _send(v, "one more thing")),
        ENTERPRISE,
        DANA,
        "This interaction is no longer yours: it was transferred, or it went back to the queue.",
    ),
    "acting on an interaction waiting on the customer": (
        lambda v, ws, i: (ws.pend(i), _send(v, "one more thing")),
        ENTERPRISE,
        DANA,
        "This interaction waits on the customer: Resume it first.",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_refusal_says_what_to_do_and_logs_the_rule(case, store, tmp_path, caplog):
    press, plan, contact, told = CASES[case]
    Workspace("bob", store=store, settings=Settings.from_env({}, **ENTERPRISE)).close()
    ws, iid, view = _desk(store, tmp_path, plan, contact)
    try:
        with caplog.at_level(logging.INFO, logger="workbench.refusals"):
            press(view, ws, iid)
        shown = view.message.value
        assert "color:#b00" in shown, shown
        assert html.escape(told) in shown, shown
        # no ids, no rule written for code: the sentence alone
        assert iid not in shown and iid[:8] not in shown
        assert not re.search(r"is (queued|offered|accepted|pending|done): cannot", shown)
        assert "text:" not in shown and "must not" not in shown
        # the log has the technical message: the interaction, its state, the rule
        logged = [r.getMessage() for r in caplog.records if r.name == "workbench.refusals"]
        assert logged and ("refused: " in logged[-1]), logged
        assert iid in logged[-1] or "Error: " in logged[-1] or "PlanRefusal: " in logged[-1]
    finally:
        view.close()
        ws.close()


def test_an_offer_not_yet_accepted_is_answered_by_accepting_it(store, tmp_path):
    ws = Workspace("ann", store=store, settings=Settings.from_env({}, **ENTERPRISE))
    try:
        iid = arrive(store)
        ws.ready()
        ws.poll()
        with pytest.raises(TransitionError) as refused:
            ws.reply(iid, "hello")
        assert i18n.refusal(refused.value) == "Accept the interaction first."
        assert iid in str(refused.value)  # the technical message, for code and the log
        ws.accept(iid)
        with pytest.raises(TransitionError) as refused:
            ws.accept(iid)
        assert i18n.refusal(refused.value) == (
            "This offer is no longer open: it was accepted, or it went on."
        )
    finally:
        ws.close()


def test_a_fault_that_is_no_refusal_is_said_without_its_inside(store, tmp_path, caplog):
    ws, iid, view = _desk(store, tmp_path, ENTERPRISE)
    try:
        with caplog.at_level(logging.INFO, logger="workbench.refusals"):
            assert not view._run("Call", lambda: {}["secret-key-42"])
        assert "Call did not work: try again, or tell a supervisor" in view.message.value
        assert "secret-key-42" not in view.message.value
        assert any(r.exc_info for r in caplog.records if r.name == "workbench.refusals")
    finally:
        view.close()
        ws.close()


def test_the_post_form_says_what_to_do(store, tmp_path):
    ws = Workspace("ann", store=store, settings=Settings.from_env({}, **ENTERPRISE))
    try:
        form = PostTweetForm(["AcmeSupport", "bad name!"], ws.post_tweet)
        form.timeline.value = "bad name!"
        form.composer.text.value = "Service update: all fixed"
        assert not form.send()
        assert "Pick a brand account to post on." in form.message.value
        assert "got" not in form.message.value
    finally:
        ws.close()


def test_sentences_are_said_in_the_readers_language_with_its_numbers_and_money():
    said = Said(
        "Shorten it by {over} characters: a direct message takes at most {most}.",
        over=5,
        most=10_000,
    )
    assert str(said) == "Shorten it by 5 characters: a direct message takes at most 10,000."
    i18n.set_language("fr")
    try:
        assert i18n.tell(said) == (
            "Raccourcissez-le de 5 caractères : un message direct en compte au plus 10\u202f000."
        )
        cost = Said("this reply costs {cost}: {why}", cost=Money(10_000), why=Said("it has a URL"))
        assert i18n.tell(cost) == "cette réponse coûte 0,01\xa0$ : contient une URL"
        assert i18n.format_money(Money(5_000)) == "0,005\xa0$"
    finally:
        i18n.set_language(None)
    assert i18n.tell(said) == str(said)
    assert i18n.format_money(Money(200_000), "en") == "$0.20"

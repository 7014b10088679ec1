"""A supervisor's transfer and close in the domain (any state but done, without owning the
interaction), and closing many at once through the store."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.domain import Action, Channel, Interaction, State, TransitionError


def accepted_by(agent: str) -> Interaction:
    it = Interaction("i1", Channel.MENTION, "c1", "s1")
    it.offer(agent)
    it.accept(agent)
    return it


def test_a_supervisor_transfers_an_interaction_they_do_not_own():
    it = accepted_by("ann")
    event = it.reassign("sam", to_agent="bob")
    assert (it.state, it.agent) == (State.OFFERED, "bob")
    assert event.action == Action.TRANSFERRED and event.agent == "sam"
    assert event.details == {"to_agent": "bob", "from_agent": "ann", "supervisor": "sam"}
    event = it.reassign("sam", to_queue="vip")
    assert (it.state, it.agent, it.queue) == (State.QUEUED, None, "vip")
    assert event.details["from_agent"] == "bob"


def test_a_supervisor_transfer_names_one_target_and_not_a_done_interaction():
    it = accepted_by("ann")
    with pytest.raises(TransitionError, match="exactly one"):
        it.reassign("sam")
    with pytest.raises(TransitionError, match="already with ann"):
        it.reassign("sam", to_agent="ann")
    it.done("ann", require_disposition=False)
    with pytest.raises(TransitionError, match="cannot reassign"):
        it.reassign("sam", to_queue="vip")


def test_the_wallboard_command_is_registered_with_help(capsys):
    from workbench.cli import build_parser
    from workbench.supervisor.command import url, voila_command

    with pytest.raises(SystemExit):
        build_parser().parse_args(["wallboard", "--help"])
    assert "127.0.0.1" in capsys.readouterr().out
    cmd = voila_command("wallboard.ipynb", 8866)
    assert "--Voila.ip=127.0.0.1" in cmd and "--strip_sources=True" in cmd
    assert url(8866) == "http://127.0.0.1:8866/"


def test_a_supervisor_closes_an_interaction_from_any_state_but_done():
    it = accepted_by("ann")
    event = it.close("sam", "spam", "bulk close")
    assert (it.state, it.disposition, it.agent) == (State.DONE, "spam", "ann")
    assert event.action == Action.CLOSED and event.agent == "sam"
    assert event.details == {"disposition": "spam", "reason": "bulk close", "from_agent": "ann"}
    with pytest.raises(TransitionError, match="cannot close"):
        it.close("sam", "spam")
    queued = Interaction("i2", Channel.DM, "c1")
    queued.close("sam", "duplicate")
    assert queued.state is State.DONE


# --- close_many: a supervisor closes many at once, in one transaction ---------------------


def test_close_many_closes_the_open_ones_and_says_why_it_refused_the_rest(store, ann):
    from tests.test_workspace import arrive, handled
    from workbench.analytics import ledger
    from workbench.supervisor import close_many

    held = handled(store, ann)
    queued = arrive(store, text="FREE followers")
    done = arrive(store, text="thanks")
    store.apply(done, lambda it, _: it.close("sam", "thanked"))
    result = close_many(store, "sam", [held, queued, done, "nope", queued], "spam", "spam wave")
    assert result.closed == (held, queued)
    assert result.refused == {done: "already done", "nope": "not in the store"}
    assert "closed 2 as spam" in result.summary() and "already done" in result.summary()
    for iid in (held, queued):
        it = store.interaction(iid)
        assert (it.state, it.disposition, it.note) == (State.DONE, "spam", "spam wave")
        (event,) = [e for e in store.events(iid) if e.action == Action.CLOSED]
        assert event.agent == "sam" and event.details["by"] == "sam"
        assert event.details["reason"] == "spam wave"
        assert store.transcript(iid)[-1].text == "sam closed it as spam: spam wave"
    assert store.events(held)[-1].details["from_agent"] == "ann"
    assert store.interaction(done).disposition == "thanked"  # a refused one is left alone
    frame = ledger(store=store).set_index("interaction_id")
    assert (frame.loc[[held, queued], "state"] == "done").all()
    assert frame.loc[held, "done_at"] == pd.Timestamp(store.events(held)[-1].at)
    assert frame.loc[held, "handle_seconds"] >= 0
    accepted = next(e.at for e in store.events(held) if e.action == Action.ACCEPTED)
    held_for = store.events(held)[-1].at - accepted  # accepted to closed
    assert frame.loc[held, "handle_seconds"] == pytest.approx(held_for.total_seconds())
    assert not ann.poll()  # nothing left for her


def test_close_many_checks_its_input_and_writes_nothing_when_it_refuses(store):
    from tests.test_workspace import arrive
    from workbench.errors import ValidationError
    from workbench.supervisor import close_many

    iid = arrive(store)
    for args, field in [
        (("sam", [iid], "no_such_code"), "disposition"),
        (("sam", [], "spam"), "ids"),
        (("  ", [iid], "spam"), "supervisor"),
    ]:
        with pytest.raises(ValidationError) as caught:
            close_many(store, *args)
        assert caught.value.field == field
    assert store.interaction(iid).state is State.QUEUED
    assert [e.action for e in store.events(iid)] == [Action.ARRIVED]

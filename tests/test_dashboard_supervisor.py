"""A supervisor's transfer in the domain: any state but done, without owning the interaction."""

from __future__ import annotations

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

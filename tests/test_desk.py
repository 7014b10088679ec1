"""The desk app's sign-in (``workbench desk``): the model and its form, on a real store."""

from __future__ import annotations

import pytest

from tests.test_workspace import settings
from workbench.errors import ValidationError
from workbench.routing import AgentState, agent
from workbench.widgets.desk import DeskApp
from workbench.workspace.desk import Desk


@pytest.fixture
def desk(store):
    return Desk(store, settings())


def test_signing_in_opens_a_ready_workspace_on_the_chosen_queues(store, desk):
    ws = desk.sign_in("dee", "Dee D", ["dms"])
    try:
        assert ws.state is AgentState.READY and ws.display_name == "Dee D"
        assert agent(store, "dee").queues == ("dms",)
    finally:
        desk.sign_out(ws)
    assert agent(store, "dee").state is AgentState.NOT_READY
    assert agent(store, "dee").reason == "signed out"


def test_no_queue_chosen_means_every_queue(store, desk):
    ws = desk.sign_in("eli")
    try:
        assert set(agent(store, "eli").queues or ()) == {q.name for q in desk.queues()}
    finally:
        desk.sign_out(ws)


def test_a_sign_in_is_refused_with_the_rule(store, desk):
    with pytest.raises(ValidationError, match="agent: your name is required"):
        desk.sign_in("   ")
    with pytest.raises(ValidationError, match="without spaces"):
        desk.sign_in("dee dee")
    ws = desk.sign_in("dee")
    try:
        with pytest.raises(ValidationError, match="dee is signed in at another desk"):
            desk.sign_in("dee")
    finally:
        desk.sign_out(ws)


def test_the_form_signs_in_and_out_and_escapes_what_it_shows(store, desk):
    app = DeskApp(desk, live=False)
    try:
        assert app.children == (app.form,)
        assert set(app.queues.value) == {q.name for q in desk.queues()}
        app.sign_in_button.click()
        assert "your name is required" in app.message.value
        app.name.value = "<img src=x onerror=alert(1)>"
        app.sign_in_button.click()
        assert "<img" not in app.message.value and "&lt;img" in app.message.value
        app.name.value, app.display_name.value = "dee", "Dee <b>D</b>"
        app.queues.value = ("mentions",)
        assert app.sign_in()
        bar, view = app.children
        assert "Dee &lt;b&gt;D&lt;/b&gt;" in bar.children[0].value
        assert view is app.view and app.ws is not None and app.ws.agent == "dee"
        app.sign_out_button.click()
        assert app.children == (app.form,) and app.ws is None
        assert agent(store, "dee").state is AgentState.NOT_READY
    finally:
        app.close()


def test_the_desk_command_is_registered_with_help(capsys):
    from workbench.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["desk", "--help"])
    out = capsys.readouterr().out
    assert "127.0.0.1" in out and "--port" in out


def test_the_desk_command_refuses_a_port_in_use():
    import socket

    from workbench.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["desk", "--port", str(port)]) == 2

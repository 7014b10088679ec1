"""Enter in the desk app's sign-in form signs in, with the text the page shows (what the page's
key listener sends), on a real store."""

from __future__ import annotations

from tests.test_workspace import settings
from workbench.routing import AgentState, agent
from workbench.widgets.desk import DeskApp
from workbench.workspace.desk import Desk


def test_enter_in_the_name_field_signs_in_with_the_text_the_page_shows(store):
    app = DeskApp(Desk(store, settings()), live=False)
    try:
        app.name.value = "k"  # the kernel's copy lags: the last letters are still on their way
        app.enter.press({"name": "kim", "display_name": "Kim K"})
        assert app.ws is not None and app.ws.agent == "kim" and app.ws.display_name == "Kim K"
        assert app.view is not None and app.children[1] is app.view
        assert agent(store, "kim").state is AgentState.READY
    finally:
        app.close()


def test_enter_with_no_name_says_what_is_missing(store):
    app = DeskApp(Desk(store, settings()), live=False)
    try:
        app.enter.press({"name": "", "display_name": ""})
        assert app.ws is None and "your name is required" in app.message.value
    finally:
        app.close()

"""Post a tweet, as an agent does it in the workspace, sent to the real sandbox: the line under
Post follows the send from queued to sent (with X's id) or to X's refusal."""

from __future__ import annotations

import pytest

from tests.xapi_fixtures import TEST_PLAN, settings_for
from workbench.widgets import AgentWorkspaceView
from workbench.workspace import Workspace

pytest_plugins = ["tests.xapi_fixtures"]


@pytest.fixture
def desk(store, sandbox, tmp_path):
    """Ann's workspace sending through the outbox to the sandbox, and her view (not live: the
    test polls where the live loop would)."""
    settings = settings_for(sandbox, WORKBENCH_X_PLAN=TEST_PLAN)
    ws = Workspace("ann", store=store, settings=settings, send=True, mail_dir=tmp_path)
    view = AgentWorkspaceView(ws, live=False)
    yield ws, view
    view.close()
    ws.close()


def post(view, text):
    form = view.post_form
    form.composer.text.value = text
    assert form.send()
    return form.message


def test_a_posted_tweet_says_sent_with_its_x_id_once_the_outbox_sent_it(desk, control):
    ws, view = desk
    message = post(view, "Our desk is open until 8pm today.")
    assert "Queued on @AcmeSupport." in message.value
    ws.poll()  # the outbox sends it; the store's change redraws the workspace
    (posted,) = [a for a in control.activity() if a["kind"] == "tweet"]
    assert "Sent on @AcmeSupport" in message.value
    x_id = posted["result_id"]
    assert f'X id <a href="https://x.com/AcmeSupport/status/{x_id}"' in message.value
    assert "wb-sent" in message.value and "Queued" not in message.value
    ws.poll()  # nothing more to follow: it stays sent
    assert "Sent on @AcmeSupport" in message.value


def test_a_post_x_refuses_says_so_with_the_reason(desk, control):
    ws, view = desk
    control.fault(path="/2/tweets", method="POST", status=403, count=1)
    message = post(view, "A post X will refuse.")
    ws.poll()
    assert "Not sent on @AcmeSupport" in message.value and "wb-failed" in message.value
    assert "Queued" not in message.value

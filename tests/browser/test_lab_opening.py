"""JupyterLab as `workbench lab` opens it, before anything runs: the shipped notebooks show no
stale text of a widget view, and Lab asks nothing about Jupyter's news."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser

STALE = re.compile(r"\w+(View|App)\(children=")
"""The text form of one of our views (``AgentWorkspaceView(children=(HBox(...``)."""


@pytest.mark.parametrize(
    "notebook", ["agent_workspace.ipynb", "supervisor_dashboard.ipynb", "desk.ipynb"]
)
def test_a_shipped_notebook_opens_without_a_stale_view_and_without_the_news_prompt(
    page: Page, lab, notebook
):
    page.goto(lab.notebook(notebook))
    expect(page.locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=90_000)
    expect(page.locator(".jp-StatusBar-TextItem[title^='Change kernel']")).to_have_text(
        re.compile(r"\| Idle$"), timeout=90_000
    )
    page.wait_for_timeout(1500)  # Lab's notifications (the news prompt) come after start-up
    screenshot(page, f"lab-opened-{notebook.removesuffix('.ipynb')}")
    shown = page.locator(".jp-Notebook").inner_text()
    assert not STALE.search(shown), STALE.search(shown)
    assert page.get_by_text("official Jupyter news").count() == 0

"""What every browser test does in JupyterLab: open a notebook, wait for its kernel, run it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

SCREENSHOTS = "test-artifacts"


def open_and_run(page: Page, url: str) -> None:
    """Open the notebook at ``url``, wait for an idle kernel, then restart and run all cells."""
    page.goto(url)
    expect(page.locator(".jp-StatusBar-TextItem[title^='Change kernel']")).to_have_text(
        re.compile(r"^(?!No Kernel).+\| Idle$"), timeout=90_000
    )
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Restart Kernel and Run All Cells…')")
    page.locator(".jp-Dialog button.jp-mod-accept").click()


def screenshot(page: Page, name: str) -> None:

    from tests.conftest import ROOT

    out = ROOT / SCREENSHOTS
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)

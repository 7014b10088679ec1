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


AXE = ".cache/axe/node_modules/axe-core/axe.min.js"
"""axe-core, installed by ``make test`` (npm)."""


def accessibility(page: Page, name: str, within: str) -> list[dict]:
    """Run axe-core on the part of the page matching ``within``; save its report beside the
    screenshots (``<name>.axe.json``) and return its serious and critical violations."""
    import json

    from tests.conftest import ROOT, require

    script = ROOT / AXE
    require(script.is_file(), f"{script} is absent: `make test` installs axe-core with npm")
    page.add_script_tag(path=str(script))
    report = page.evaluate(
        """async (within) => await axe.run(within, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        })""",
        within,
    )
    out = ROOT / SCREENSHOTS
    out.mkdir(exist_ok=True)
    (out / f"{name}.axe.json").write_text(json.dumps(report, indent=1))
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["html"][:200] for n in v["nodes"][:5]],
        }
        for v in report["violations"]
        if v["impact"] in ("serious", "critical")
    ]


README_SIZES = ((1280, 800), (1920, 1080))
"""The window sizes of the README's screenshots (``make screenshots`` copies them to docs/)."""


def readme_screenshots(page: Page, name: str) -> None:
    """Screenshots of the window as it is, at each of ``README_SIZES``, saved as
    ``test-artifacts/readme/<name>-<width>x<height>.png``; the window's size is put back."""
    from tests.conftest import ROOT

    out = ROOT / SCREENSHOTS / "readme"
    out.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for width, height in README_SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)  # the layout settles (widgets reflow on resize)
        page.screenshot(path=str(out / f"{name}-{width}x{height}.png"))
    if before:
        page.set_viewport_size(before)

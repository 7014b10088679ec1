"""The agent desk as an app (``workbench desk``: Voila, no code), in headless Chromium: sign
in, take an offer, sign out."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import accessibility, readme_screenshots, screenshot
from tests.pg import free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_url(lab):
    port = free_port()
    log = (lab.root.parent / "desk.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "desk", "--port", str(port)],
        env=lab.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the desk did not start: {(lab.root.parent / 'desk.log').read_text()}")
            time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_an_agent_signs_in_takes_an_offer_and_signs_out(page: Page, lab, desk_url):
    from tests.xapi_fixtures import Control

    control = Control(lab.x_api_url)
    page.goto(desk_url)
    form = page.locator(".wb-sign-in-form")
    expect(form).to_be_visible(timeout=90_000)
    assert "ensure_x_api" not in page.content()  # the app shows no code
    page.locator(".wb-sign-in").click()
    expect(page.locator(".wb-message")).to_contain_text("your name is required")
    page.locator(".wb-sign-in-name input").fill("dee")
    page.locator(".wb-sign-in-display input").fill("Dee <b>Desk</b>")
    screenshot(page, "desk-sign-in")
    assert accessibility(page, "desk-sign-in", ".wb-desk") == []
    page.locator(".wb-sign-in").click()
    workspace = page.locator(".wb-workspace")
    expect(workspace).to_be_visible(timeout=60_000)
    expect(page.locator(".wb-desk")).to_contain_text("Signed in as Dee <b>Desk</b>")
    expect(workspace.locator(".wb-agent-state .mod-active")).to_have_text("Ready")
    alt = 'A cracked phone screen "><img src=x onerror=alert(1)>'
    # Keyboard first: Alt+A accepts, the focus lands in the reply box, Ctrl+Enter sends.
    view, photo = _photo_offer_accepted(
        page, control, "desk_fan", "Desk Fan", "@AcmeSupport hello from the desk app", alt
    )
    expect(view.locator(".wb-transcript figcaption").first).to_have_text(alt)
    assert photo.get_attribute("src").startswith(f"{lab.x_api_url}/sandbox/media/3_")
    assert page.locator("img[src='x']").count() == 0  # the alt text stayed text
    screenshot(page, "desk-photo")
    reply = _reply_by_keyboard(page, view, "Thanks for writing!")
    page.keyboard.press("Alt+KeyH")
    expect(page.locator(".wb-help")).to_contain_text("Ctrl+Enter")
    # Tab moves to the next control, with a visible focus ring.
    reply.focus()
    page.keyboard.press("Tab")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring not in ("", "none"), ring
    screenshot(page, "desk-working")
    assert accessibility(page, "desk-working", ".wb-desk") == []
    page.keyboard.press("Alt+KeyH")  # the help overlay again hides
    expect(page.locator(".wb-help")).to_be_hidden()
    _no_stray_scrollbars(page, "desk-working")
    readme_screenshots(page, "desk-en")
    _done_by_keyboard(page)
    page.locator(".wb-sign-out").click()
    expect(page.locator(".wb-sign-in-form")).to_be_visible(timeout=30_000)


def test_a_french_browser_gets_the_desk_in_french(browser, browser_context_args, lab, desk_url):
    context = browser.new_context(**{**browser_context_args, "locale": "fr-FR"})
    page = context.new_page()
    try:
        page.goto(desk_url)
        form = page.locator(".wb-sign-in-form")
        expect(form).to_be_visible(timeout=90_000)
        expect(page.locator(".wb-sign-in")).to_have_text("Se connecter", timeout=30_000)
        page.locator(".wb-sign-in").click()
        expect(page.locator(".wb-message")).to_contain_text("votre nom est requis")
        page.locator(".wb-sign-in-name input").fill("fra")
        assert accessibility(page, "desk-sign-in-fr", ".wb-desk") == []
        page.locator(".wb-sign-in").click()
        workspace = page.locator(".wb-workspace")
        expect(workspace).to_be_visible(timeout=60_000)
        expect(workspace.locator(".wb-agent-state .mod-active")).to_have_text("Prêt")
        expect(workspace.locator(".wb-post-tweet")).to_have_text("Poster")
        # The same day's work, in French: a photo, accepted by keyboard, a reply sent with
        # Ctrl+Enter, a disposition, Done by keyboard.
        from tests.xapi_fixtures import Control

        control = Control(lab.x_api_url)
        alt = "Écran fissuré d'un téléphone <script>alert(1)</script>"
        text = "@AcmeSupport mon écran est arrivé cassé"
        view, _ = _photo_offer_accepted(page, control, "client_fr", "Client Lyon", text, alt)
        assert page.locator("script:text('alert(1)')").count() == 0  # the alt stayed text
        _reply_by_keyboard(page, view, "Désolés ! Un nouvel écran part aujourd'hui.")
        assert accessibility(page, "desk-working-fr", ".wb-desk") == []
        readme_screenshots(page, "desk-fr")
        _done_by_keyboard(page)
        page.locator(".wb-sign-out").click()
        expect(page.locator(".wb-sign-in-form")).to_be_visible(timeout=30_000)
    finally:
        context.close()


def _done_by_keyboard(page: Page) -> None:
    """Choose the first disposition, then Alt+D: the interaction is done and its view closes."""
    view = page.locator(".wb-interaction")
    view.locator(".wb-disposition select").select_option(index=1)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Alt+KeyD")
    expect(view).to_have_count(0, timeout=30_000)


def _photo_offer_accepted(page: Page, control, author: str, name: str, text: str, alt: str):
    """``author`` (shown as ``name``) tweets ``text`` with a photo described by ``alt``
    through the sandbox; the offer is accepted with Alt+A. Returns the interaction view and
    the photo, once it loaded with ``alt`` as its alt text."""
    control.user(author, name=name, follows_brand=True)
    control.tweet(author, text, media=[{"type": "photo", "alt_text": alt}])
    words = text.split(" ", 1)[1]  # after the brand's @handle
    expect(page.locator(".wb-toast").first).to_contain_text(words, timeout=60_000)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Alt+KeyA")
    view = page.locator(".wb-interaction")
    expect(view).to_be_visible(timeout=30_000)
    # The customer's photo, from the sandbox's own media route, with its alt text shown
    photo = view.locator(".wb-transcript figure.wb-media img").first
    expect(photo).to_have_attribute("alt", alt, timeout=30_000)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle(), timeout=30_000
    )
    return view, photo


def _reply_by_keyboard(page: Page, view, text: str):
    """Type ``text`` in the reply box (focused on accept) and send it with Ctrl+Enter; it shows
    in the transcript and the box empties. Returns the box."""
    reply = view.locator(".wb-reply-text textarea")
    expect(reply).to_be_focused(timeout=10_000)
    page.keyboard.type(text)
    page.keyboard.press("Control+Enter")
    expect(view.locator(".wb-transcript")).to_contain_text(text, timeout=30_000)
    expect(reply).to_have_value("", timeout=10_000)  # sent: the box is empty again
    # The newest line is in full view inside the transcript's scroller, not cut at its edge.
    scroller = view.locator(".wb-transcript-scroll").bounding_box()
    newest = view.locator(".wb-transcript .wb-line").last
    expect(newest).to_contain_text(text, timeout=10_000)
    page.wait_for_timeout(300)  # the line's layout settles
    line = newest.bounding_box()
    assert scroller and line
    assert line["y"] >= scroller["y"] - 1, (line, scroller)
    assert line["y"] + line["height"] <= scroller["y"] + scroller["height"] + 1, (line, scroller)
    return reply


NO_SCROLLBARS = """() => {
    const app = document.querySelector('.wb-desk');
    const page = document.scrollingElement;
    const stray = [];
    if (page.scrollWidth > page.clientWidth + 1) {
        stray.push(`the page: across ${page.scrollWidth} in ${page.clientWidth}`);
    }
    for (const el of document.querySelectorAll('body *')) {
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        const across = el.scrollWidth > el.clientWidth + 1
            && ['auto', 'scroll'].includes(style.overflowX) && !el.matches('textarea');
        const down = el.scrollHeight > el.clientHeight + 1
            && ['auto', 'scroll'].includes(style.overflowY)
            && !el.contains(app) && !el.matches('textarea, select, .wb-transcript-scroll');
        if (across || down) {
            const named = [...el.classList].filter(c => /^(wb|widget)-/.test(c));
            const within = el.parentElement.closest('[class*="wb-"]');
            stray.push(`${el.tagName}.${named.join('.')} in .${within ? [...within.classList]
                .filter(c => c.startsWith('wb-')).join('.') : ''}: ${across ? 'across' : 'down'}`
                + ` ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
        }
    }
    return stray;
}"""
"""Scrollbars nobody asked for: the page wider than the window, or a box of the desk that
scrolls across, or down (the page itself scrolls down when the desk is taller than the window;
the transcript, text boxes and lists scroll on purpose)."""


def _no_stray_scrollbars(page: Page, name: str) -> None:
    """At each of the README's window sizes: no scrollbar but those meant to be, and a
    screenshot to look at."""
    from tests.browser.helpers import README_SIZES, SCREENSHOTS
    from tests.conftest import ROOT

    (ROOT / SCREENSHOTS).mkdir(exist_ok=True)
    for width, height in README_SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)  # the widgets reflow on resize
        page.screenshot(path=str(ROOT / SCREENSHOTS / f"{name}-{width}x{height}.png"))
        assert page.evaluate(NO_SCROLLBARS) == [], (name, width, height)


def test_enter_signs_in_and_a_posted_tweet_says_it_went_out(page: Page, lab, desk_url):
    """The sign-in form at once with Enter (no mouse), no stray scrollbars at the README's
    sizes, and Post a tweet's line follows the outbox: sent, with X's id."""
    page.goto(desk_url)
    form = page.locator(".wb-sign-in-form")
    expect(form).to_be_visible(timeout=90_000)
    screenshot(page, "desk-sign-in-form")
    _no_stray_scrollbars(page, "desk-sign-in-form")
    page.locator(".wb-sign-in-name input").click()
    page.keyboard.type("kim")
    page.keyboard.press("Enter")
    workspace = page.locator(".wb-workspace")
    expect(workspace).to_be_visible(timeout=60_000)
    expect(page.locator(".wb-desk")).to_contain_text("Signed in as kim")
    _no_stray_scrollbars(page, "desk-signed-in")
    post = page.locator(".wb-post-form")
    post.locator(".wb-post-text textarea").click()
    page.keyboard.type("Our support desk is open until 8pm today.")
    post.locator(".wb-post-tweet").click()
    message = post.locator(".wb-message")
    expect(message).to_contain_text("Sent on @", timeout=60_000)
    expect(message).to_contain_text("X id")
    screenshot(page, "desk-posted")
    page.locator(".wb-sign-out").click()
    expect(page.locator(".wb-sign-in-form")).to_be_visible(timeout=30_000)

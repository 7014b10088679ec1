"""The notebooks in a real JupyterLab, driven in headless Chromium: what a user sees and clicks."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import open_and_run, screenshot

pytestmark = pytest.mark.browser


def test_agent_accepts_an_offer_and_replies(page: Page, lab):
    """A customer tweets while the agent's view is live: the offer shows up as a toast (filtered
    stream, ingest, routing, the store's change feed); the agent replies and finishes it; then
    a DM (polled) comes the same way, reopening the conversation; set pending customer, it waits
    in the workbin until her next DM brings it back."""
    from tests.xapi_fixtures import Control

    control = Control(lab.x_api_url)
    open_and_run(page, lab.notebook("agent_workspace.ipynb"))
    workspace = page.locator(".wb-workspace")
    expect(workspace).to_be_visible(timeout=90_000)
    expect(workspace.locator(".wb-agent-state .mod-active")).to_have_text("Ready")
    control.user("maya_k", name="Maya K", followers_count=240, follows_brand=True, dm_open=True)
    asked = control.tweet(
        "maya_k", "@AcmeSupport my <b>parcel</b> is lost, order 5521 <script>x</script>"
    )
    toast = page.locator(".wb-toast").first
    expect(toast).to_contain_text("my <b>parcel</b> is lost", timeout=60_000)
    screenshot(page, "agent-offer")
    toast.locator(".wb-accept").click()
    view = page.locator(".wb-interaction").first
    expect(view).to_be_visible(timeout=30_000)
    expect(view.locator(".wb-original-tweet")).not_to_be_empty()
    expect(view.locator(".wb-case")).to_contain_text("Connected")
    expect(view.locator(".wb-followers")).to_contain_text("followers")
    # She writes again in her thread while the view is open: it joins, marked new.
    control.tweet("maya_k", "@AcmeSupport any news?", in_reply_to_tweet_id=asked["id"])
    expect(view.locator(".wb-transcript")).to_contain_text("any news?", timeout=60_000)
    expect(view.locator(".wb-transcript .wb-new")).to_have_count(1)
    reply = view.locator(".wb-reply-text textarea")
    # X refuses the first try: the agent is told why at once, and retries.
    control.fault(path="/2/tweets", method="POST", status=403, count=1)
    reply.fill("Sorry about that! We are looking into it now 🙏")
    expect(view.locator(".wb-remaining")).to_have_text("Characters remaining: 225")  # "@maya_k "
    view.locator(".wb-send").click()
    expect(view.locator(".wb-transcript .wb-failed")).to_contain_text("not sent", timeout=60_000)
    expect(view.locator(".wb-message")).to_contain_text("was not sent")
    screenshot(page, "agent-send-refused")
    view.locator(".wb-retry").click()
    expect(view.locator(".wb-transcript .wb-sent")).to_have_count(1, timeout=60_000)
    expect(view.locator(".wb-transcript")).to_contain_text("We are looking into it now")
    screenshot(page, "agent-replied")
    # nothing a customer wrote reaches the page as markup
    assert (
        page.locator(".wb-transcript script, .wb-original-tweet script, .wb-toast b").count() == 0
    )
    view.locator(".wb-disposition select").select_option(label="Resolved")
    view.locator(".wb-done").click()
    expect(page.locator(".wb-interaction")).to_have_count(0, timeout=30_000)
    # Her DM soon after Done reopens the conversation, offered to the same agent.
    control.dm("maya_k", "also, can you check refund 5521 by DM?")
    expect(page.locator(".wb-toast").first).to_contain_text("refund 5521", timeout=60_000)
    page.locator(".wb-workspace").scroll_into_view_if_needed()
    screenshot(page, "agent-dm-offer")
    # The toast says how long she has waited; the agent accepts, then waits on her answer.
    expect(page.locator(".wb-toast .wb-wait").first).to_contain_text("waiting")
    page.locator(".wb-toast .wb-accept").first.click()
    view = page.locator(".wb-interaction").first
    expect(view.locator(".wb-wait-timer .wb-wait")).to_contain_text("waiting", timeout=30_000)
    view.scroll_into_view_if_needed()
    screenshot(page, "agent-wait-timer")
    view.locator(".wb-pend").click()
    expect(page.locator(".wb-interaction")).to_have_count(0, timeout=30_000)
    expect(page.locator(".wb-workbin")).to_contain_text("waiting on the customer")
    screenshot(page, "agent-workbin")
    # Her answer brings it back to this agent as an offer.
    control.dm("maya_k", "the refund number is R-77")
    expect(page.locator(".wb-toast")).to_have_count(1, timeout=60_000)
    expect(page.locator(".wb-workbin .wb-resume")).to_have_count(0)


def test_supervisor_sees_live_charts(page: Page, lab):
    open_and_run(page, lab.notebook("supervisor_dashboard.ipynb"))
    dashboard = page.locator(".wb-dashboard")
    expect(dashboard).to_be_visible(timeout=90_000)
    expect(dashboard.locator(".js-plotly-plot")).to_have_count(6, timeout=60_000)
    expect(dashboard.locator(".wb-kpis")).to_contain_text("in queue")
    for title in ("Volume", "Queues", "Response times", "Dispositions", "Sentiment"):
        expect(dashboard.locator(".gtitle", has_text=title)).to_have_count(1)
    dashboard.locator(".wb-refresh").click()
    expect(dashboard.locator(".wb-status")).to_contain_text("updated")
    screenshot(page, "supervisor-dashboard")

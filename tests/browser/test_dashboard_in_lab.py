"""The supervisor dashboard in a real JupyterLab: a tweet handled through the sandbox reaches
the charts and the KPI strip within one refresh, and a filter changes what the charts show."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import open_and_run, screenshot

pytestmark = pytest.mark.browser

VOLUME = """() => {
  const plots = [...document.querySelectorAll('.wb-charts .js-plotly-plot')];
  const volume = plots.find(p => p.layout && p.layout.meta === 'volume');
  if (!volume) return -1;
  return volume.data.reduce((n, t) => n + (t.y || []).reduce((a, b) => a + (b || 0), 0), 0);
}"""

WIDEST_BAR = """(meta) => {
  const plots = [...document.querySelectorAll('.wb-charts .js-plotly-plot')];
  const plot = plots.find(p => p.layout && p.layout.meta === meta);
  if (!plot) return -1;
  return Math.max(0, ...[...plot.querySelectorAll('.bars .point path')]
    .map(b => b.getBoundingClientRect().width));
}"""

TRACES = """() => [...document.querySelectorAll('.wb-charts .js-plotly-plot')]
  .reduce((n, p) => n + (p.data || []).length, 0)"""


def volume_total(page: Page) -> int:
    return int(page.evaluate(VOLUME))


def wait_for(page: Page, test, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < deadline, "the dashboard did not follow"
        page.wait_for_timeout(250)


def test_a_handled_tweet_reaches_the_dashboard_and_a_filter_changes_it(page: Page, lab):
    from tests.xapi_fixtures import Control
    from workbench.workspace import Workspace

    control = Control(lab.x_api_url)
    page.set_viewport_size({"width": 1400, "height": 2300})  # the whole dashboard in one shot
    open_and_run(page, lab.notebook("supervisor_dashboard.ipynb"))
    dashboard = page.locator(".wb-dashboard")
    expect(dashboard).to_be_visible(timeout=90_000)
    expect(dashboard.locator(".wb-charts .js-plotly-plot")).to_have_count(6, timeout=60_000)
    for title in ("Volume", "Queues", "Response times", "Service level", "Dispositions"):
        expect(dashboard.locator(".gtitle", has_text=title)).to_have_count(1, timeout=30_000)
    expect(dashboard.locator(".wb-kpi-in-queue .wb-kpi-value")).to_have_text("0")
    before = volume_total(page)
    screenshot(page, "dashboard-empty")

    control.user("rosa_m", name="Rosa M", followers_count=80, follows_brand=True)
    control.tweet("rosa_m", "@AcmeSupport my <b>invoice</b> is wrong <script>x</script>")
    # ingest polls every 3 s; the dashboard wakes on the change feed (one refresh)
    expect(dashboard.locator(".wb-kpi-in-queue .wb-kpi-value")).to_have_text("1", timeout=30_000)
    wait_for(page, lambda: volume_total(page) == before + 1, timeout=10)

    db_url = f"sqlite:///{lab.root.parent / 'workbench.db'}"
    ws = Workspace("pat", db_url=db_url, x_api_url=lab.x_api_url)
    try:
        ws.ready()
        offers = ws.poll()
        deadline = time.monotonic() + 30
        while not offers:
            assert time.monotonic() < deadline, "no offer"
            time.sleep(0.5)
            offers = ws.poll()
        iid = offers[0].id
        ws.accept(iid)
        ws.reply(iid, "Sorry! Fixing the invoice now.")
        ws.set_disposition(iid, "resolved")
        ws.done(iid)
    finally:
        ws.close()
    expect(dashboard.locator(".wb-kpi-handled-today .wb-kpi-value")).to_have_text(
        "1", timeout=15_000
    )
    # the day's one interval is drawn as a bar of its width in the sentiment chart too
    wait_for(page, lambda: page.evaluate(WIDEST_BAR, "sentiment") > 2, timeout=15)
    wait_for(page, lambda: page.evaluate(WIDEST_BAR, "volume") > 2, timeout=15)
    expect(dashboard.locator(".wb-kpi-in-queue .wb-kpi-value")).to_have_text("0", timeout=15_000)
    expect(dashboard.locator(".wb-agent-link", has_text="pat")).to_have_count(1, timeout=15_000)
    screenshot(page, "dashboard-handled")

    # a filter: only DMs -> the mention leaves the volume chart, which says it is empty
    dashboard.locator(".wb-filter-channel select").select_option("dm")
    wait_for(page, lambda: volume_total(page) == 0, timeout=15)
    expect(dashboard.locator(".annotation-text", has_text="No interactions")).not_to_have_count(0)
    # every chart follows: no trace left drawn (no 100% point, no "resolved" bar, no legend)
    wait_for(page, lambda: page.evaluate(TRACES) == 0, timeout=15)
    expect(dashboard.locator(".wb-charts .legendtext")).to_have_count(0)
    expect(dashboard.locator(".wb-agent-link")).to_have_count(0)
    screenshot(page, "dashboard-filtered")
    dashboard.locator(".wb-filter-channel select").select_option("(all)")
    wait_for(page, lambda: volume_total(page) == before + 1, timeout=15)

    # drill-down on the agent: the customer's text shows escaped
    dashboard.locator(".wb-agent-link", has_text="pat").click()
    drill = dashboard.locator(".wb-drill")
    expect(drill).to_contain_text("my <b>invoice</b> is wrong", timeout=15_000)
    assert drill.locator("b:text('invoice'), script").count() == 0
    screenshot(page, "dashboard-drill")

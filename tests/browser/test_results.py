"""Step 5 in a real browser: the sample pilot's effect holds its planted +4%, and the ROI turns observed."""

import re

from tests.browser.conftest import create_plan, screenshot


def test_sample_results_hold_the_planted_effect_and_the_roi_shows_observed_beside_forecast(server, page):
    create_plan(page, server, "Results check", "Sales skills program (+4% average deal size)")
    page.get_by_role("link", name="2 Data").click()
    page.get_by_role("button", name="Load sample data").click()
    page.get_by_text("1,200 people", exact=False).first.wait_for(timeout=90_000)  # (the button's tooltip says it too)
    page.get_by_text("now this plan's start date", exact=False).wait_for()  # the load's last rerun is done
    page.get_by_role("link", name="5 Results").click()
    page.get_by_role("heading", name="Who was in the pilot").wait_for(timeout=90_000)
    page.get_by_text("Say who actually took part", exact=True).click(timeout=90_000)  # a cold first visit
    page.get_by_role("button", name="Use the sample organisation's pilot teams").click(timeout=60_000)
    effect = page.locator('[data-testid="stMetric"]', has_text="As % of the baseline").first
    effect.wait_for(timeout=90_000)
    page.get_by_text("registered", exact=False).first.wait_for()
    tip = page.get_by_text(re.compile(r"^In % of the baseline .*95% CI [+-][\d.]+% to [+-][\d.]+%")).first
    tip.wait_for()
    low, high = (float(x) for x in re.search(r"CI ([+-][\d.]+)% to ([+-][\d.]+)%", tip.inner_text()).groups())
    assert low < 4.0 < high
    screenshot(page, "results")
    page.get_by_role("button", name="Use this observed effect in the ROI step").click()
    page.get_by_text("now uses the observed effect", exact=False).wait_for(timeout=60_000)
    page.get_by_role("link", name="6 ROI").click()
    page.get_by_text("ROI (observed effect)").first.wait_for(timeout=60_000)
    assert page.get_by_text(re.compile(r"Beside it, the forecast with the assumed effect .*ROI -?[\d,]+%")).count()
    screenshot(page, "roi-observed")

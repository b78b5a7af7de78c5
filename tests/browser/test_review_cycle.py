"""A review cycle in a real browser, on a running pilot (the sample's data covers three months of a nine-month
window, three looks registered): plan the reviews, hold the first with the interim number, download its status
report, sign the decision by a typed name, change an assumption in step 6 and see the signature become a
deviation; the Plans page shows what is due next."""

import re

from core import templates
from core.store import Store
from tests.browser.conftest import running_app, screenshot
from tests.sample import pilot_teams
from tests.views.conftest import with_sample_data

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def test_a_review_cycle(browser, tmp_path):
    db = tmp_path / "reviews.db"
    plan = templates.sales_skills()
    plan.pilot.start = "2026-07-01"
    plan.pilot.measurement_months = 9
    plan.design.looks = 3
    plan.results.participation = {"team": list(pilot_teams())}
    plan = with_sample_data(db, plan, piloted=True)
    store = Store(db)
    with running_app(db) as server:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{server}/reviews?plan={plan.id}")
        page.get_by_role("button", name="Plan the reviews (day 30, 60, 90, then quarterly)").click()
        page.get_by_text("Next: ", exact=False).first.wait_for(timeout=90_000)
        page.get_by_text("Interim look 1 of 2", exact=False).first.wait_for(timeout=90_000)
        page.get_by_role("textbox", name="Held by (your name)").fill("Ana from L&D")
        page.get_by_role("textbox", name="Notes (what was discussed)").fill("Sponsor <b>saw</b> the interim number")
        page.get_by_role("textbox", name="Decisions pending").fill("Extend to Madrid?")
        page.get_by_role("button", name="Record this review").click()
        page.get_by_text("Day 30 review recorded with the pilot's reading", exact=False).wait_for()
        page.locator(IDLE).wait_for()  # the run is over: the report's download is this run's
        screenshot(page, "review-held")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the status report (HTML)").click()
        html = download.value.path().read_text()
        assert "Sponsor &lt;b&gt;saw&lt;/b&gt; the interim number" in html and "Interim look 1 of 2" in html

        page.get_by_text("the final decision (step 6)", exact=True).click()
        page.get_by_role("textbox", name="Your name", exact=True).fill("Fay")
        page.get_by_role("textbox", name="Your role").fill("Finance")
        page.get_by_role("button", name="Sign", exact=True).click()
        page.get_by_text(re.compile(r"Fay \(Finance\) signed the final decision .* still holds")).wait_for()

        page.get_by_role("link", name="6 ROI").click()
        box = page.get_by_role("spinbutton", name="Attribution to the program (%)")
        box.fill("50")
        box.press("Enter")
        page.get_by_text(re.compile(r"saved \d\d:\d\d")).first.wait_for()
        page.get_by_role("link", name="Reviews & sign-off").click()
        page.get_by_text("needs a new signature", exact=False).wait_for()
        screenshot(page, "review-signature-deviation")

        page.get_by_role("link", name="Plans").click()
        page.get_by_text("Reviews: ", exact=False).first.wait_for()
        saved = store.load(plan.id)[0]
        assert saved.reviews[0].held_by == "Ana from L&D (typed name)"
        assert saved.hypotheses[0].observations[0].kind == "interim"
        assert not saved.signoffs[0].fields == {}

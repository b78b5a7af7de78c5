"""Two app servers on one PostgreSQL database, as a team behind a load balancer runs them: an edit on one and a
stale edit on the other give the second person the conflict choice; an upload through one is read through the
other; a plan deleted on one is gone on the other at its next action (no cache serves it)."""

import re

import pytest
from playwright.sync_api import expect

from core.store import NotFoundError, Store
from core.templates import sales_skills
from tests import postgres
from tests.appserver import streamlit_server
from tests.browser.conftest import screenshot
from ui.datasets import SAMPLE

pytestmark = pytest.mark.postgres
QUESTION = "Which improvement matters most to the business?"


def _answer(page, text: str) -> None:
    box = page.get_by_label(QUESTION)
    box.fill(text)
    box.press("Tab")  # leave the box: the change is sent


def test_two_servers_one_database(pg_url, browser, tmp_path):
    url = postgres.fresh_schema(pg_url)
    store = Store(url)
    plan, _ = store.create(sales_skills())
    with streamlit_server(url, log=tmp_path / "a.log") as (a_url, _), \
            streamlit_server(url, log=tmp_path / "b.log") as (b_url, _):
        ana = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        bo = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        for page, server in ((ana, a_url), (bo, b_url)):
            page.set_default_timeout(60_000)
            page.goto(f"{server}/goals?plan={plan.id}")
            page.get_by_label(QUESTION).wait_for()

        # one wins, the other gets the conflict choice
        _answer(ana, "Ana's answer, through server A")
        ana.get_by_text(re.compile(r"saved \d\d:\d\d")).first.wait_for()
        _answer(bo, "Bo's answer, through server B")
        bo.get_by_text("Someone else saved this plan").first.wait_for()
        screenshot(bo, "two-servers-conflict")
        stored, version = store.load(plan.id)
        assert stored.goals.business_improvement == "Ana's answer, through server A"
        assert any(store.load_history(h.id).goals.business_improvement == "Bo's answer, through server B"
                   for h in store.history(plan.id) if h.kind == "conflict")  # Bo's work is kept aside
        bo.get_by_role("button", name="Reload theirs").click()
        warning = bo.get_by_test_id("stAlertContentWarning").get_by_text("Someone else saved this plan")
        warning.wait_for(state="detached")
        expect(bo.get_by_label(QUESTION)).to_have_count(1)  # the stale box goes when the rerun ends
        expect(bo.get_by_label(QUESTION)).to_have_value("Ana's answer, through server A")

        # an upload through A is read through B
        ana.goto(f"{a_url}/data?plan={plan.id}")
        ana.locator("input[type=file]").first.set_input_files(str(SAMPLE / "hris.csv"))
        ana.get_by_text("1,200", exact=False).first.wait_for(timeout=90_000)
        bo.goto(f"{b_url}/data?plan={plan.id}")
        bo.get_by_text("hris.csv", exact=False).first.wait_for()
        bo.get_by_text("1,200", exact=False).first.wait_for(timeout=90_000)
        sha = store.load(plan.id)[0].data.sources["hris"].sha256
        assert store.file_bytes(plan.id, sha) == (SAMPLE / "hris.csv").read_bytes()

        # deleted on A: B's next action finds it gone, and its file with it
        ana.goto(f"{a_url}/?plan={plan.id}")
        ana.get_by_role("button", name="Delete").first.click()
        ana.get_by_role("button", name="Yes, delete it").click()
        ana.get_by_text("Yes, delete it").wait_for(state="detached")
        bo.get_by_role("link", name="1 Goals").click()
        bo.get_by_text("was deleted").wait_for()
        screenshot(bo, "two-servers-deleted")
        assert not bo.get_by_label(QUESTION).count()
        with pytest.raises(NotFoundError):
            store.load(plan.id)
        with pytest.raises(NotFoundError):
            store.file_bytes(plan.id, sha)

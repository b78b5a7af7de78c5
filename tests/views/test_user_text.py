"""User text is text: a Markdown link, image or HTML in a plan, KPI, hypothesis or file name is never rendered."""

import re

import pytest

from core.plan import Hypothesis
from core.templates import sales_skills
from tests.views.conftest import with_sample_data

LINK = "[Re-enter your password](https://evil.example/login)"
IMAGE = "![t](http://evil.example/beacon.png)"
PAGES = ["views/plans.py", "views/goals.py", "views/data.py", "views/kpis.py", "views/design.py",
         "views/results.py", "views/roi.py", "views/export.py"]
LIVE = re.compile(r"(?<!\\)\]\((?:https?:)?//|(?<!\\)!\[|<img|<a |https?://|www\.", re.IGNORECASE)


def hostile_plan(db_file):
    plan = sales_skills()
    plan.name = f"Pilot {IMAGE}"
    kpi = plan.primary_kpi()
    kpi.name = f"Deals {LINK}"
    kpi.unit = f"$ per deal {LINK} www.evil.example"
    plan.hypotheses = [Hypothesis(f"Deals {LINK}", "increase", None, IMAGE, "")]
    plan.kpi_links[0].business = kpi.name
    plan.pilot.start = "2026-07-01"
    return with_sample_data(db_file, plan)


@pytest.mark.parametrize("page", PAGES)
def test_no_user_text_becomes_a_live_link_or_image(app, db_file, page):
    plan = hostile_plan(db_file)
    at = app(plan.id, page)
    assert not at.exception
    kinds = ["markdown", "caption", "info", "warning", "success", "error", "subheader", "header", "title"]
    for kind in kinds:
        for element in getattr(at, kind):
            value = element.value if isinstance(element.value, str) else ""
            assert not LIVE.search(value), (page, kind, value)
    for kind in ("metric", "expander", "number_input", "text_input", "selectbox", "radio", "slider", "button"):
        for element in getattr(at, kind):
            for text in (element.label, getattr(element, "help", None)):
                assert not LIVE.search(text or ""), (page, kind, text)

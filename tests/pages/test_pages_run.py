"""Every page renders without an exception, with and without a plan open."""

import pytest

from core.store import Store
from core.templates import onboarding, sales_skills

PAGES = ["pages/plans.py", "pages/goals.py", "pages/data.py", "pages/kpis.py", "pages/design.py",
         "pages/results.py", "pages/roi.py", "pages/export.py", "pages/portfolio.py",
         "pages/present.py"]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_a_plan(app, page):
    at = app(page=page)
    assert not at.exception


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("template", [sales_skills, onboarding])
def test_page_runs_with_a_template_plan(app, db_file, page, template):
    plan, _ = Store(db_file).create(template())
    at = app(plan.id, page)
    assert not at.exception
    assert at.session_state["plan"].id == plan.id


def test_unknown_plan_in_the_link_says_so(app):
    at = app("does-not-exist")
    assert any("No plan with id" in e.value for e in at.error)

"""Every page renders without an exception, with and without a plan open."""

import pytest

from core.store import Store
from core.templates import onboarding, sales_skills

PAGES = ["views/plans.py", "views/goals.py", "views/data.py", "views/kpis.py", "views/design.py",
         "views/results.py", "views/roi.py", "views/export.py", "views/portfolio.py",
         "views/present.py", "views/reviews.py"]


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

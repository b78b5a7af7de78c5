"""Opening a page never saves: only a person's edit does (two viewers would otherwise make spurious conflicts,
and a derived figure written back would become an assumption nobody made)."""

from __future__ import annotations

import pytest

from core import pilot as pl
from core.plan import Observed
from core.store import Store
from core.templates import onboarding, sales_skills
from tests.views.conftest import with_sample_data

PAGES = ["views/goals.py", "views/data.py", "views/kpis.py", "views/design.py", "views/results.py", "views/roi.py",
         "views/present.py", "views/export.py", "views/portfolio.py", "views/plans.py", "views/reviews.py"]


def _observed(plan):
    plan.results.observed = Observed(900.0, 300.0, 300.0, 1_500.0, 0.01, 400, "Cluster ANCOVA")
    plan.results.observed.basis = pl.analysis_key(plan)
    plan.roi.mode = "observed"
    return plan


@pytest.mark.parametrize("make", [sales_skills, onboarding, lambda: _observed(sales_skills())],
                         ids=["sales", "onboarding", "observed"])
def test_viewing_every_page_leaves_the_stored_plan_as_it_was(app, db_file, make):
    plan = make()
    plan.kpis[0].name += " "  # a trailing space once made the KPI page save twice on opening
    plan = with_sample_data(db_file, plan)
    before = Store(db_file).load(plan.id)
    for page in PAGES:
        at = app(plan.id, page)
        assert not at.exception, (page, at.exception)
        after = Store(db_file).load(plan.id)
        assert after[1] == before[1], f"{page} saved the plan while rendering (version {before[1]} → {after[1]})"
        assert after[0].to_dict() == before[0].to_dict()

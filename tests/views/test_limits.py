"""Every number a page edits is bounded by the Limit declared beside its plan field (core/plan.py), and a stored
plan at those limits — or past them, repaired on opening — opens every page without an error."""

from __future__ import annotations

import dataclasses

import pytest

from core.plan import limit, limits
from core.store import Store
from core.templates import onboarding, sales_skills
from tests.views.conftest import texts, with_sample_data

PAGES = ["views/goals.py", "views/data.py", "views/kpis.py", "views/design.py", "views/results.py", "views/roi.py",
         "views/present.py", "views/export.py", "views/portfolio.py"]


def _declared(key: str):
    """The Limit of the plan field a widget key names ("<plan>.<epoch>.roi.adoption.False" → roi.adoption)."""
    parts = key.split(".")[2:]
    try:
        return limit(".".join(parts[:2]))
    except (KeyError, ValueError):
        return None


@pytest.mark.parametrize("template", [sales_skills, onboarding])
def test_every_bound_widget_takes_its_limits_from_the_declaration(app, db_file, template):
    plan = with_sample_data(db_file, template())
    compared = 0
    for page in ("views/design.py", "views/roi.py", "views/kpis.py"):
        at = app(plan.id, page)
        for widget in at.number_input:
            bound = _declared(widget.key)
            if bound is None:
                continue
            compared += 1
            assert (widget.min, widget.max) == pytest.approx((bound.low * bound.shown, bound.high * bound.shown)), \
                widget.key
    assert compared >= 20  # the design, ROI and KPI pages' own fields, not a vacuous pass


def _at(plan, end: str):
    """`plan` with every declared number of the pilot, design and ROI at one end of its Limit."""
    for holder in (plan.pilot, plan.design, plan.roi, *plan.kpis, *plan.roi.costs):
        for name, bound in limits(type(holder)).items():
            value = bound.low if end == "low" else bound.high
            setattr(holder, name, int(value) if isinstance(getattr(holder, name), int) else float(value))
    plan.roi.realisation_months = min(plan.roi.realisation_months, plan.roi.horizon_months)
    return plan


@pytest.mark.parametrize("end", ["low", "high"])
def test_a_stored_plan_at_its_limits_opens_every_page(app, db_file, end):
    plan = _at(with_sample_data(db_file, sales_skills()), end)
    stored, version = Store(db_file).load(plan.id)
    Store(db_file).save(dataclasses.replace(plan, id=stored.id), expected_version=version)
    for page in PAGES:
        at = app(plan.id, page)
        assert not at.exception, (page, at.exception)


def test_a_stored_plan_past_its_limits_is_repaired_and_opens_every_page(app, db_file):
    """The values the code review found crashing pages: each is put back to its default with a message."""
    plan = with_sample_data(db_file, sales_skills())
    stored, version = Store(db_file).load(plan.id)
    stored.roi.loaded_hourly_wage, stored.design.power, stored.design.alpha = 50_000.0, 0.995, 0.0005
    stored.pilot.treated_people = 10**4000
    stored.pilot.start = "0001-01-01"
    from core.plan import Range
    stored.roi.ranges["adoption"] = Range(low=-5.0, high=5.0)
    Store(db_file).save(stored, expected_version=version)
    said = " ".join(texts(app(plan.id), "warning"))  # the first page opened says what was reset
    for page in PAGES:
        at = app(plan.id, page)
        assert not at.exception, (page, at.exception)
    repaired = at.session_state["plan"]
    assert (repaired.roi.loaded_hourly_wage, repaired.design.power, repaired.pilot.start) == (0.0, 0.8, "")
    for field in ("roi.loaded_hourly_wage", "design.power", "design.alpha", "pilot.treated_people", "pilot.start",
                  "roi.ranges.adoption"):
        assert field in said


@pytest.mark.parametrize("effect", [1e15, 1e308])
def test_a_kept_estimate_outside_the_usable_range_is_removed_and_every_page_opens(app, db_file, effect):
    """A measured effect had no declared range, so 1e15 crashed the ROI page's input (max ±1e12)."""
    from core import pilot as pl
    from core.plan import Observed

    plan = with_sample_data(db_file, sales_skills())
    stored, version = Store(db_file).load(plan.id)
    stored.results.observed = Observed(effect, 1.0, effect - 1, effect + 1, 0.01, 400, "Cluster ANCOVA")
    stored.results.observed.basis = pl.analysis_key(stored)
    stored.roi.mode = "observed"
    Store(db_file).save(stored, expected_version=version)
    said = " ".join(texts(app(plan.id), "warning"))
    assert "results.observed" in said
    for page in PAGES:
        at = app(plan.id, page)
        assert not at.exception, (page, at.exception)
    assert at.session_state["plan"].roi.mode == "forecast"


def test_an_effect_too_small_to_detect_at_any_size_is_said_not_a_crash(app, db_file):
    plan = sales_skills()
    plan.pilot.effect = 1e-160  # squared, it underflows to 0
    plan, _ = Store(db_file).create(plan)
    for page in ("views/design.py", "views/export.py", "views/roi.py"):
        at = app(plan.id, page)
        assert not at.exception, (page, at.exception)

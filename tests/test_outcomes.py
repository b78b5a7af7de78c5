"""Secondary KPIs (Holm-adjusted) and guardrails (one-sided, unadjusted) on the sample pilot, whose planted effect
is +4% on average deal size and nothing on the other KPIs."""

import pytest

from core import outcomes
from core.plan import Kpi
from core.templates import sales_skills
from tests.sample import pilot_teams


def _plan(*extra: Kpi):
    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    plan.results.participation = {"team": list(pilot_teams())}
    plan.kpis += list(extra)
    return plan


def test_secondary_kpis_are_holm_adjusted_and_guardrails_tested_one_sided(sample_panel):
    plan = _plan(Kpi("Deals closed", column="deals_closed", unit="deals", registered_as="secondary"),
                 Kpi("Customer satisfaction", column="csat", unit="points", registered_as="secondary"),
                 Kpi("Deal size, as a guardrail the wrong way round", column="avg_deal_size", better="lower",
                     unit="$", registered_as="guardrail"))
    found = {o.kpi: o for o in outcomes.estimate_all(plan, sample_panel, "ancova")}
    deals, csat = found["Deals closed"], found["Customer satisfaction"]
    # Holm by hand: the smaller p doubled, the larger kept at least as large as it
    small, large = sorted([deals, csat], key=lambda o: o.p_value)
    assert small.adjusted == pytest.approx(min(1.0, 2 * small.p_value))
    assert large.adjusted == pytest.approx(max(small.adjusted, large.p_value))
    assert {deals.verdict, csat.verdict} <= {"no clear change", "improved", "worse"}
    guard = found["Deal size, as a guardrail the wrong way round"]
    assert guard.improvement < 0 and guard.verdict == "harmed"  # +4% deal size, read as "lower is better"
    assert guard.adjusted == pytest.approx(guard.p_value / 2)
    assert outcomes.harmed(list(found.values())) == ["Deal size, as a guardrail the wrong way round"]


def test_an_outcome_without_data_or_with_too_few_people_shows_no_number(sample_panel):
    missing = outcomes.estimate_all(_plan(Kpi("Complaints", column="not_in_the_data", registered_as="guardrail")),
                                    sample_panel, "ancova")
    assert missing[0].verdict == "not estimated" and missing[0].improvement is None
    assert "not in the data" in missing[0].reason
    few = _plan(Kpi("Customer satisfaction", column="csat", registered_as="secondary"))
    few.pilot.eligible = {"team": [pilot_teams()[0]]}  # one treated team and no control: an arm under 5 people
    found = outcomes.estimate_all(few, sample_panel, "ancova")
    assert found[0].improvement is None and "fewer than 5 people" in found[0].reason


def test_the_primary_and_unregistered_kpis_are_not_outcomes_here():
    plan = _plan(Kpi("Exploratory", column="csat"))
    assert [k.name for k in outcomes.registered(plan)] == []


def test_a_per_person_column_is_compared_without_taking_itself_as_its_baseline(sample_panel):
    """LMS minutes are one total per person: the trained take the program's modules (sample_data/generate.py),
    so "fewer minutes is better" as a guardrail is harmed — never a 0.0000000003 difference from adjusting the
    outcome for itself."""
    plan = _plan(Kpi("Time in the LMS", column="lms_minutes", unit="minutes", better="lower",
                     registered_as="guardrail"))
    if "lms_minutes" not in sample_panel.people.columns:
        pytest.skip("the sample panel has no LMS minutes")
    guard = outcomes.estimate_all(plan, sample_panel, "ancova")[0]
    assert guard.improvement < -1 and guard.verdict == "harmed", guard

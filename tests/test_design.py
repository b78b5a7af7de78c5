"""Pilot helpers: design recommendation, curves, registration and deviations."""

import pytest

from core import design
from core import power as pw
from core.plan import DesignPlan, Preregistration
from core.templates import onboarding, sales_skills


@pytest.mark.parametrize(("answers", "expected"), [
    (("yes", "no", ""), "rct"), (("yes", "yes", ""), "cluster_rct"), (("no", "", "yes"), "did"),
    (("no", "", "no"), "matched"), (("", "", ""), ""),
])
def test_recommendation(answers, expected):
    randomise, contamination, history = answers
    assert design.recommend(DesignPlan(randomise=randomise, contamination=contamination, history=history))[0] == \
        expected


def test_power_curves_agree_with_the_power_function():
    plan = onboarding()
    d = plan.design
    ns, powers = design.power_curve(plan)
    i = len(ns) // 2
    assert powers[i] == pytest.approx(pw.power(3.0, ns[i], ns[i], sd=2.5, attrition=0.1))
    effects, by_effect = design.power_by_effect(plan, up_to=4.0)
    assert effects[0] == 0 and effects[-1] == pytest.approx(8.0)
    assert by_effect[0] == pytest.approx(0.05, abs=1e-9)  # no effect: power equals alpha
    assert by_effect[10] == pytest.approx(pw.power(effects[10], d.n_treatment, d.n_control, sd=2.5, attrition=0.1))


def test_power_summary_for_the_templates():
    sales = design.power_summary(sales_skills())
    assert sales.detects_break_even is False and sales.enough is not None
    assert sales.enough.n_treatment > 1_000
    onboard = design.power_summary(onboarding())
    assert onboard.detects_break_even is True and onboard.enough is None


def test_deviations_list_what_changed():
    plan = onboarding()
    plan.design.preregistration = Preregistration("2026-11-24T10:00:00+00:00", design.registered_fields(plan))
    assert design.deviations(plan) == []
    plan.design.alpha = 0.1
    plan.design.seed = 42
    assert design.deviations(plan) == [("Alpha", "0.05", "0.1"), ("Assignment seed", "", "42")]


def test_matching_column_by_words():
    assert design.matching_column("Average deal size", ["deals_closed", "avg_deal_size", "csat"]) == "avg_deal_size"
    assert design.matching_column("CSAT", ["deals_closed", "csat"]) == "csat"


def test_timeline_windows_by_hand():
    d = DesignPlan(start_date="2026-07-01", baseline_months=12, intervention_days=90, measurement_days=90)
    (_, b0, b1), (_, i0, i1), (_, m0, m1) = design.timeline(d)
    assert (str(b0), str(b1)) == ("2025-07-01", "2026-07-01")  # the 12 calendar months before July 2026
    assert (str(i0), str(i1)) == ("2026-07-01", "2026-09-29")  # 1 July + 90 days
    assert (str(m0), str(m1)) == ("2026-09-29", "2026-12-28")
    mid_month = design.timeline(DesignPlan(start_date="2026-03-15", baseline_months=2))[0]
    assert str(mid_month[1]) == "2026-01-01"

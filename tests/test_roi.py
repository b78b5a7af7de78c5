"""ROI formulas checked against hand calculations written out here, not against the code itself."""

import math

import pytest

from core import pilot, roi
from core.plan import CostLine, Range
from core.roi import RoiInputs
from core.templates import onboarding, sales_skills


def simple(**changes) -> RoiInputs:
    base = dict(participants=1, participant_hours=0, loaded_hourly_wage=0, costs=[CostLine("All", 200_000)],
                benefit_kind="one_time", effect=1.0, value_per_unit=350_000, adoption=1, contribution_margin=1,
                attribution=1, confidence=1, monthly_decay=0, horizon_months=12, realisation_months=1)
    return RoiInputs(**{**base, **changes})


def test_phillips_example_benefits_350k_costs_200k():
    result = roi.evaluate(simple())
    assert result.total_cost == 200_000 and result.total_benefit == 350_000
    assert result.bcr == pytest.approx(1.75)
    assert result.roi_pct == pytest.approx(75.0)
    assert result.net_benefit == pytest.approx(150_000)


def test_sales_template_against_an_independent_calculation():
    # Costs: one-off lines 5,000 + 20,000 + 15,000 + 5,000 + 10,000 + 8,000 = 63,000;
    # The pilot's treated arm, 220 reps: licences 1,200 × 220 = 264,000; participant time 220 × 16 h × $60 = 211,200.
    cost = 63_000 + 264_000 + 211_200
    # Month m: 220 reps × 80% adoption × $1,125 per deal × 4 deals × 25% margin × 0.98^m (a control group isolates
    # the effect: attribution and confidence 100%).
    first_month = 220 * 0.8 * 1_125 * 4 * 0.25
    benefit = 0.0
    for m in range(12):
        benefit += first_month * 0.98**m
    result = roi.evaluate(roi.inputs(sales_skills()))
    assert first_month == 198_000
    assert result.total_cost == pytest.approx(cost)
    assert result.total_benefit == pytest.approx(benefit, rel=1e-12)
    assert result.roi_pct == pytest.approx((benefit - cost) / cost * 100, rel=1e-12)
    assert result.bcr == pytest.approx(benefit / cost, rel=1e-12)
    # Payback: cumulative benefit passes the cost in month index 7 (8th month), linear within it.
    cumulative, month = 0.0, 0
    while cumulative + first_month * 0.98**month < cost:
        cumulative += first_month * 0.98**month
        month += 1
    assert result.payback_months == pytest.approx(month + (cost - cumulative) / (first_month * 0.98**month))


def test_onboarding_template_against_an_independent_calculation():
    cost = (3_000 + 25_000 + 12_000 + 2_000 + 8_000 + 5_000) + 150 * 40 + 40 * 24 * 45
    per_week = round(10_000 * 12 / 52, 2)  # $10,000 a month is $2,307.69 a week
    benefit = 40 * 0.9 * 3 * per_week * 1.0  # randomised: attribution and confidence 100%
    result = roi.evaluate(roi.inputs(onboarding()))
    assert cost == 104_200
    assert result.total_benefit == pytest.approx(benefit, rel=1e-12)
    assert result.roi_pct == pytest.approx((benefit - cost) / cost * 100, rel=1e-12)
    # One-time benefit realised evenly over 3 months: payback = cost / (benefit / 3) months.
    assert result.payback_months == pytest.approx(cost / (benefit / 3))
    # Break-even: weeks saved at which benefit = cost.
    assert result.break_even_effect == pytest.approx(cost / (40 * 0.9 * per_week))


def test_decay_follows_the_geometric_sum():
    inputs = simple(benefit_kind="recurring", effect=1, value_per_unit=1_000, monthly_decay=0.1, horizon_months=3)
    assert roi.evaluate(inputs).total_benefit == pytest.approx(1_000 + 900 + 810)
    assert roi.evaluate(inputs).monthly_benefits == pytest.approx((1_000, 900, 810))


def test_payback_is_interpolated_within_the_month():
    inputs = simple(benefit_kind="recurring", value_per_unit=1_000, costs=[CostLine("x", 2_500)])
    assert roi.evaluate(inputs).payback_months == pytest.approx(2.5)


def test_no_payback_within_the_horizon_is_none():
    inputs = simple(benefit_kind="recurring", value_per_unit=10, costs=[CostLine("x", 2_500)])
    assert roi.evaluate(inputs).payback_months is None


@pytest.mark.parametrize("template", [sales_skills, onboarding])
def test_break_even_effect_makes_roi_exactly_zero(template):
    inputs = roi.inputs(template())
    effect = roi.evaluate(inputs).break_even_effect
    at_break_even = roi.evaluate(roi.with_values(inputs, {"effect": effect}))
    assert at_break_even.roi_pct == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("name", roi.LINEAR)
def test_break_even_value_of_each_multiplier(name):
    inputs = roi.inputs(sales_skills())
    value = roi.break_even_value(inputs, name)
    assert roi.evaluate(roi.with_values(inputs, {name: value})).roi_pct == pytest.approx(0, abs=1e-9)


def test_per_participant_costs_scale_with_participants():
    inputs = simple(participants=10, costs=[CostLine("Seat", 100, True), CostLine("Design", 1_000)],
                    participant_hours=2, loaded_hourly_wage=50)
    breakdown = roi.cost_breakdown(inputs)
    assert breakdown == {"Seat": 1_000, "Design": 1_000, roi.PARTICIPANT_TIME: 1_000}
    assert roi.evaluate(inputs).total_cost == 3_000


def test_with_values_leaves_the_original_untouched():
    inputs = roi.inputs(sales_skills())
    changed = roi.with_values(inputs, {"adoption": 0.6, "participants": 30.4})
    assert inputs.adoption == 0.8 and changed.adoption == 0.6 and changed.participants == 30


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"costs": [CostLine("x", 0)]}, "costs"),
        ({"costs": [CostLine("x", -5)]}, "costs[0]"),
        ({"costs": [CostLine("x", math.inf)]}, "costs[0]"),
        ({"effect": math.nan}, "effect"),
        ({"adoption": 1.5}, "adoption"),
        ({"attribution": -0.1}, "attribution"),
        ({"confidence": 2}, "confidence"),
        ({"participants": -1}, "participants"),
        ({"value_per_unit": -1}, "value_per_unit"),
        ({"monthly_decay": 1.0}, "monthly_decay"),
        ({"horizon_months": 0}, "horizon_months"),
        ({"realisation_months": 13}, "realisation_months"),
        ({"loaded_hourly_wage": -3}, "loaded_hourly_wage"),
    ],
)
def test_bad_inputs_raise_a_value_error_naming_the_input(changes, field):
    with pytest.raises(ValueError) as info:
        roi.evaluate(simple(**changes))
    assert isinstance(info.value, roi.InputError) and info.value.field == field
    assert str(info.value)


def test_unknown_assumption_is_refused():
    with pytest.raises(roi.InputError, match="not an ROI assumption"):
        roi.with_values(simple(), {"magic": 1})


def test_shares_are_edited_as_percentages():
    assert roi.to_shown("adoption", 0.07) == 7.0 and roi.from_shown("adoption", 7.0) == pytest.approx(0.07)
    assert roi.to_shown("monthly_decay", 0.025) == 2.5
    assert roi.to_shown("effect", 1_000.0) == 1_000.0 and roi.from_shown("participants", 60) == 60


def test_present_value_matches_the_annuity_formula_and_excel_npv_convention():
    """A constant monthly benefit B for n months at monthly rate i: PV = B (1 − (1 + i)^−n) / i."""
    i = 1.10 ** (1 / 12) - 1
    assert roi.present_value([1_000.0] * 24, 0.10) == pytest.approx(1_000 * (1 - (1 + i) ** -24) / i, rel=1e-12)
    assert roi.present_value([1_000.0] * 24, 0.0) == pytest.approx(24_000)
    # decaying benefits: a geometric series with ratio (1 − d)/(1 + i)
    d, n = 0.05, 36
    q = (1 - d) / (1 + i)
    expected = 1_000 / (1 + i) * (1 - q ** n) / (1 - q)
    assert roi.present_value([1_000 * (1 - d) ** m for m in range(n)], 0.10) == pytest.approx(expected, rel=1e-12)


def test_npv_and_discounted_roi_of_a_plan():
    inputs = roi.inputs(sales_skills())
    inputs.horizon_months, inputs.discount_rate = 36, 0.10
    result = roi.evaluate(inputs)
    assert result.present_benefit < result.total_benefit
    assert result.npv == pytest.approx(result.present_benefit - result.total_cost)
    assert result.discounted_roi_pct == pytest.approx(result.npv / result.total_cost * 100)
    inputs.discount_rate = 0.0
    assert roi.evaluate(inputs).npv == pytest.approx(roi.evaluate(inputs).net_benefit)
    inputs.discount_rate = 1.5
    with pytest.raises(roi.InputError, match="discount rate"):
        roi.evaluate(inputs)


def test_an_observed_effect_from_a_control_group_is_never_discounted_again():
    from core.plan import Observed

    plan = sales_skills()
    plan.roi.attribution, plan.roi.confidence = 0.5, 0.8
    plan.roi.ranges["attribution"] = Range(0.3, 0.7)
    plan.results.observed = Observed(1_000.0, 300.0, 400.0, 1_600.0, 0.01, 400, "ANCOVA")
    plan.results.observed.basis = pilot.analysis_key(plan)
    plan.roi.mode = "observed"
    found = roi.inputs(plan)
    assert (found.adoption, found.attribution, found.confidence, found.isolation_method) == (1.0, 1.0, 1.0,
                                                                                           "control_group")
    assert not {"adoption", "attribution"} & set(found.ranges) and found.ranges["effect"].distribution == "normal"
    plan.roi.mode = "forecast"  # a forecast keeps what the user typed (and the check flags the double discount)
    assert roi.inputs(plan).attribution == 0.5


def test_the_forecast_beside_an_observed_effect_keeps_the_plans_own_adoption():
    """Observed mode values the pilot's intent-to-treat effect at 100% adoption; the forecast it is set beside is
    the plan's own (its adoption, attribution and confidence), not the observed inputs with the assumed effect."""
    from core import pilot as pl
    from core.plan import Observed

    plan = sales_skills()
    plan.roi.adoption = 0.8
    forecast = roi.evaluate(roi.inputs(plan)).roi_pct
    plan.results.observed = Observed(900.0, 300.0, 300.0, 1_500.0, 0.01, 400, "Cluster ANCOVA")
    plan.results.observed.basis = pl.analysis_key(plan)
    plan.roi.mode = "observed"
    assert roi.inputs(plan).adoption == 1.0
    assert roi.evaluate(roi.forecast_inputs(plan)).roi_pct == pytest.approx(forecast)

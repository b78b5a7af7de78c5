from core import phillips, roi
from core.plan import CostLine
from core.roi import RoiInputs
from core.templates import onboarding, sales_skills


def fields(inputs):
    return {flag.field for flag in phillips.check(inputs)}


def test_templates_raise_none_of_the_apps_own_flags():
    for template in (sales_skills, onboarding):
        assert fields(roi.inputs(template())) == set()


def test_a_discount_on_top_of_a_control_group_is_flagged_as_double():
    inputs = roi.inputs(sales_skills())
    inputs.attribution = 0.5
    assert fields(inputs) == {"attribution"}
    observed = roi.inputs(sales_skills())
    observed.attribution = 1.0
    assert phillips.check(observed, observed=True) == []


def test_each_flag_fires_when_it_should():
    inputs = roi.inputs(sales_skills())
    inputs.horizon_months = 24
    inputs.discount_rate = 0.0
    inputs.isolation_method = ""
    inputs.confidence = 1.0
    inputs.attribution = 1.0
    inputs.value_source = " "
    inputs.monthly_decay = 0.0
    inputs.ranges = {}
    inputs.costs = [CostLine("Delivery", 1_000)]
    assert fields(inputs) == {"horizon_months", "discount_rate", "isolation_method", "confidence", "attribution",
                              "value_source", "monthly_decay", "ranges", "costs", "effect"}


def test_attribution_at_full_is_fine_with_a_control_group_and_below_it_discounts_twice():
    inputs = roi.inputs(sales_skills())
    inputs.attribution = 1.0
    assert "attribution" not in fields(inputs)
    inputs.attribution = 0.5
    assert any("twice" in f.message for f in phillips.check(inputs))


def test_zero_cost_categories_are_named():
    inputs = roi.inputs(onboarding())
    inputs.costs[0].amount = 0
    message = next(f.message for f in phillips.check(inputs) if f.field == "costs")
    assert "Needs analysis" in message and "Delivery" not in message


def test_benefits_beyond_a_year_are_flagged_only_when_not_discounted():
    inputs = roi.inputs(sales_skills())
    inputs.horizon_months, inputs.program_months, inputs.discount_rate = 24, 12, 0.0
    assert any("not discounted" in f.message for f in phillips.check(inputs))
    inputs.discount_rate = 0.08
    assert "discount_rate" not in fields(inputs)
    inputs.horizon_months, inputs.discount_rate = 12, 0.0
    assert "discount_rate" not in fields(inputs) and "horizon_months" not in fields(inputs)


def test_a_forecast_is_never_presented_as_observed():
    inputs = roi.inputs(sales_skills())
    message = next(f.message for f in phillips.check(inputs, observed_wanted=True) if f.field == "effect")
    assert "forecast" in message
    assert not any("set to use" in f.message for f in phillips.check(inputs, observed=True, observed_wanted=True))


def test_no_benefit_and_a_negative_effect_are_flagged_in_their_own_words():
    inputs = roi.inputs(sales_skills())
    inputs.effect = 0.0
    assert any("No benefit" in f.message for f in phillips.check(inputs))
    inputs.effect = -500.0
    message = next(f.message for f in phillips.check(inputs) if f.field == "effect")
    assert "negative" in message and "below −100%" in message


def test_invalid_inputs_still_get_the_other_flags():
    inputs = RoiInputs()
    assert "costs" in fields(inputs)

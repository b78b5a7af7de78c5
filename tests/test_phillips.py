from core import phillips, roi
from core.plan import CostLine
from core.roi import RoiInputs
from core.templates import onboarding, sales_skills


def fields(inputs):
    return {flag.field for flag in phillips.check(inputs)}


def test_templates_pass_the_check():
    assert fields(roi.inputs(sales_skills())) == set()
    assert fields(roi.inputs(onboarding())) == set()


def test_each_flag_fires_when_it_should():
    inputs = roi.inputs(sales_skills())
    inputs.horizon_months = 24
    inputs.isolation_method = ""
    inputs.confidence = 1.0
    inputs.attribution = 1.0
    inputs.value_source = " "
    inputs.monthly_decay = 0.0
    inputs.ranges = {}
    inputs.costs = [CostLine("Delivery", 1_000)]
    assert fields(inputs) == {"horizon_months", "isolation_method", "confidence", "attribution", "value_source",
                              "monthly_decay", "ranges", "costs", "effect"}


def test_attribution_at_full_is_fine_with_a_control_group():
    inputs = roi.inputs(sales_skills())
    inputs.attribution = 1.0
    assert "attribution" not in fields(inputs)


def test_zero_cost_categories_are_named():
    inputs = roi.inputs(onboarding())
    inputs.costs[0].amount = 0
    message = next(f.message for f in phillips.check(inputs) if f.field == "costs")
    assert "Needs analysis" in message and "Delivery" not in message


def test_a_long_program_may_count_benefits_beyond_a_year():
    inputs = roi.inputs(sales_skills())
    inputs.horizon_months, inputs.program_months = 24, 12
    assert "horizon_months" not in fields(inputs)


def test_invalid_inputs_still_get_the_other_flags():
    inputs = RoiInputs()
    assert "costs" in fields(inputs)

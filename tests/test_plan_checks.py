"""A stored or imported plan with values out of range opens safely, with each field named."""



import pytest

from core.plan import Plan, PlanFormatError
from core.plan_checks import repair
from core.templates import sales_skills


@pytest.mark.parametrize(("section", "field", "value", "default"), [
    ("roi", "adoption", 1.5, 1.0),
    ("roi", "horizon_months", 10**30, 12),
    ("pilot", "treated_people", -3, 0),
    ("pilot", "treated_people", 10**4000, 0),
    ("design", "alpha", 5.0, 0.05),
    ("pilot", "icc", 1.5, 0.0),
    ("pilot", "start", "2026-02-30", ""),
])
def test_each_out_of_range_value_is_reset_and_named(section, field, value, default):
    data = sales_skills().to_dict()
    data[section][field] = value
    plan = Plan.from_dict(data)
    found = repair(plan)
    assert getattr(getattr(plan, section), field) == default
    assert len(found) == 1 and found[0].startswith(f"{section}.{field}:")


def test_a_range_on_an_unknown_assumption_is_removed():
    data = sales_skills().to_dict()
    data["roi"]["ranges"]["speed of light"] = {"low": 1, "high": 2, "distribution": "pert"}
    plan = Plan.from_dict(data)
    assert any("speed of light" in f for f in repair(plan)) and "speed of light" not in plan.roi.ranges


def test_a_template_needs_no_repair():
    assert repair(sales_skills()) == []


def test_absurd_nesting_and_number_sizes_are_refused_with_a_message():
    deep = '{"schema_version": 2, "name": "x", "goals": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(PlanFormatError, match="nested"):
        Plan.from_json(deep)
    with pytest.raises(PlanFormatError, match="too large"):
        Plan.from_json('{"schema_version": 2, "name": "x", "roi": {"adoption": ' + "9" * 5_000 + "}}")
    with pytest.raises(PlanFormatError, match="too large"):
        Plan.from_dict({"schema_version": 2, "name": "x", "roi": {"adoption": 10**4000}})

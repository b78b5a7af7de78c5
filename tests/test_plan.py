import json

import pytest

from core.plan import (
    NAME_MAX,
    SCHEMA_VERSION,
    CostLine,
    Goals,
    Hypothesis,
    Pilot,
    Plan,
    PlanFormatError,
    Range,
    RoiAssumptions,
    Scenario,
    Stakeholder,
    validate_name,
)
from core.templates import TEMPLATES


def full_plan() -> Plan:
    return Plan(
        name="Ünïcode plan — 日本語 🚀 \"quotes\" <b>html</b>",
        id="abc",
        program_type="development",
        goals=Goals(business_improvement="Ventes +4 %", who_and_skills="", work_differently="ß"),
        stakeholders=[Stakeholder("Zoë", "Sponsor", ""), Stakeholder()],
        hypotheses=[Hypothesis("CSAT", "decrease", -0.5, "pts", "2027-03", None), Hypothesis()],
        pilot=Pilot(start="2026-07-01", eligible={"site": ["Leeds", "x"]}, cluster_column="team", effect=2.5),
        roi=RoiAssumptions(scope="rollout", rollout_participants=3, costs=[CostLine("Delivery", 1.5, True, "n")],
                           ranges={"effect": Range(0.1, 0.9, "triangular")}),
        scenarios=[Scenario("Conservative", {"effect": 0.2}, "2026-11-24")],
    )


def test_round_trip_through_dict_and_json_is_exact():
    plan = full_plan()
    assert Plan.from_dict(plan.to_dict()) == plan
    assert Plan.from_json(plan.to_json()) == plan
    assert Plan.from_json(plan.to_json()).to_json() == plan.to_json()


def test_empty_plan_round_trips():
    plan = Plan(name="x")
    assert Plan.from_json(plan.to_json()) == plan


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_templates_round_trip(key):
    plan = TEMPLATES[key][1]()
    plan.name = plan.name or "blank"
    assert Plan.from_json(plan.to_json()) == plan


def test_json_keeps_unicode_readable():
    assert "日本語" in full_plan().to_json()


def test_missing_optional_fields_take_defaults():
    plan = Plan.from_dict({"schema_version": 1, "name": "Old export"})
    assert plan.goals == Goals() and plan.stakeholders == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x"}, "schema_version: missing"),
        ({"schema_version": SCHEMA_VERSION + 1, "name": "x"}, "newer Pilot ROI"),
        ({"schema_version": "1", "name": "x"}, "schema_version: expected a whole number"),
        ({"schema_version": 1}, "name: missing"),
        ({"schema_version": 1, "name": ""}, "cannot be empty"),
        ({"schema_version": 1, "name": "x", "hypotheses": [{"assumed_size": "abc"}]},
         "hypotheses[0].assumed_size: expected a number, got the text 'abc'"),
        ({"schema_version": 1, "name": "x", "hypotheses": [{"direction": "sideways"}]},
         "hypotheses[0].direction: 'sideways' is not one of"),
        ({"schema_version": 1, "name": "x", "stakeholders": {"a": 1}}, "stakeholders: expected a list"),
        ({"schema_version": 1, "name": "x", "roi": {"participants": 2.5}}, "roi.participants: expected a whole"),
        ({"schema_version": 1, "name": "x", "roi": {"adoption": True}}, "roi.adoption: expected a number"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_invalid_dicts_name_the_field(data, message):
    with pytest.raises(PlanFormatError, match=None) as info:
        Plan.from_dict(data)
    assert message in str(info.value)


def test_malformed_json_reports_line_and_column():
    with pytest.raises(PlanFormatError, match=r"line 2, column"):
        Plan.from_json('{"name": "x",\n "schema_version": }')


def test_non_utf8_bytes_are_reported():
    with pytest.raises(PlanFormatError, match="not UTF-8"):
        Plan.from_json(b"\xff\xfe\x00garbage")


def test_nan_is_rejected():
    text = json.dumps({"schema_version": 1, "name": "x", "roi": {"effect": float("nan")}})
    with pytest.raises(PlanFormatError, match="roi.effect"):
        Plan.from_json(text)


@pytest.mark.parametrize("name", ["Robert'); DROP TABLE plans;--", "<script>alert(1)</script>", "🚀 Plan \"Q1\""])
def test_awkward_names_are_kept_verbatim(name):
    assert validate_name(name) == name


def test_names_are_trimmed_and_limited():
    assert validate_name("  a  ") == "a"
    with pytest.raises(PlanFormatError, match="10,000 characters is too long"):
        validate_name("x" * 10_000)
    assert validate_name("x" * NAME_MAX) == "x" * NAME_MAX
    with pytest.raises(PlanFormatError, match="cannot be empty"):
        validate_name(" \n\t ")


def test_emoji_with_zero_width_joiners_are_kept_and_control_characters_dropped():
    assert validate_name("Team 👩\u200d💻 pilot") == "Team 👩\u200d💻 pilot"
    assert validate_name("a\x00b\tc\n") == "abc"

"""Schema 1 → 2: every value a user typed in a v1 plan has a home in v2 (fixtures: the v1 templates as saved)."""

import json
from pathlib import Path

import pytest

from core import pilot, roi
from core.plan import SCHEMA_VERSION, Plan, PlanFormatError
from core.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
V1 = {key: json.loads((FIXTURES / f"plan_v1_{key}.json").read_text()) for key in ("blank", "onboarding", "sales")}


@pytest.mark.parametrize("key", list(V1))
def test_v1_templates_migrate_and_round_trip(key):
    plan = Plan.from_dict(V1[key])
    assert plan.schema_version == SCHEMA_VERSION == 2
    assert Plan.from_json(plan.to_json()) == plan


@pytest.mark.parametrize("key", ["onboarding", "sales"])
def test_nothing_typed_is_lost(key):
    old = V1[key]
    plan = Plan.from_dict(old)
    d, r = old["design"], old["roi"]
    # the untouched sections come back as they were
    assert [vars(s) for s in plan.stakeholders] == old["stakeholders"]
    assert vars(plan.goals) == old["goals"]
    assert [vars(c) for c in plan.roi.costs] == r["costs"]
    assert {k: vars(v) for k, v in plan.roi.ranges.items()} == r["ranges"]
    for name in ("adoption", "contribution_margin", "attribution", "confidence", "monthly_decay", "horizon_months",
                 "participant_hours", "loaded_hourly_wage", "benefit_kind", "isolation_method"):
        assert getattr(plan.roi, name) == r[name], name
    # the moved ones have one home each
    inputs = roi.inputs(plan)
    assert inputs.effect == r["effect"]
    assert inputs.participants == r["participants"]
    assert inputs.value_per_unit == r["value_per_unit"]
    assert (plan.pilot.treated_people, plan.pilot.control_people) == (d["n_treatment"], d["n_control"])
    assert (plan.pilot.sd, plan.pilot.icc, plan.pilot.baseline_corr) == (d["sd"], d["icc"], d["baseline_corr"])
    assert plan.pilot.cluster_size == d["cluster_size"]
    assert plan.design.attrition == d["attrition"] and plan.design.alpha == d["alpha"]
    assert plan.design.analysis_method == d["analysis_method"]
    # each KPI's expected effect survives as a hypothesis
    for k in old["kpis"]:
        assert any(h.kpi == k["name"] and h.assumed_size == k["expected_effect_pct"] for h in plan.hypotheses)
    for h in old["hypotheses"]:
        assert any({k: v for k, v in vars(new).items() if k != "observations"} == h  # (readings came later)
                   for new in plan.hypotheses)


def test_sales_v1_becomes_a_cluster_rct_of_its_typed_people():
    plan = Plan.from_dict(V1["sales"])
    assert plan.design.design == "rct" and plan.pilot.cluster_column == "team"
    assert plan.roi.scope == "pilot" and pilot.roi_participants(plan) == 60 == plan.pilot.treated_people
    assert plan.migration_notes == []


def test_onboarding_v1_keeps_its_40_participants_as_a_labelled_roll_out():
    plan = Plan.from_dict(V1["onboarding"])
    assert plan.roi.scope == "rollout" and plan.roi.rollout_participants == 40
    assert plan.pilot.treated_people == 20
    notes = " ".join(plan.migration_notes)
    assert "roll-out" in notes and "Weeks to productivity" in notes  # the ROI step's own KPI name is kept


def test_conflicting_effects_keep_the_roi_one_and_note_the_other():
    old = json.loads(json.dumps(V1["sales"]))
    old["design"]["effect"] = 750.0
    plan = Plan.from_dict(old)
    assert plan.pilot.effect == 1_000.0
    assert any("750" in note for note in plan.migration_notes)


def test_a_one_sided_test_becomes_one_sided_in_the_better_direction():
    old = json.loads(json.dumps(V1["onboarding"]))
    old["design"]["alternative"] = "larger"  # wrong for weeks to productivity, where lower is better
    plan = Plan.from_dict(old)
    assert plan.design.alternative == "one-sided"
    assert any("one-sided" in note for note in plan.migration_notes)


def test_an_roi_kpi_without_a_kpi_table_becomes_the_primary_kpi():
    plan = Plan.from_dict({"schema_version": 1, "name": "x",
                           "roi": {"kpi_name": "Calls handled", "kpi_unit": "calls", "value_per_unit": 3.5,
                                   "value_source": "Finance"}})
    k = plan.primary_kpi()
    assert (k.name, k.unit, k.value_per_unit, k.value_source) == ("Calls handled", "calls", 3.5, "Finance")


@pytest.mark.parametrize(("section", "field", "value", "message"), [
    ("roi", "participants", 2.5, "roi.participants: expected a whole number"),
    ("roi", "effect", "lots", "roi.effect: expected a number"),
    ("design", "n_treatment", -0.5, "design.n_treatment: expected a whole number"),
    ("design", "effect", True, "design.effect: expected a number"),
])
def test_bad_v1_values_are_named_by_their_v1_field(section, field, value, message):
    with pytest.raises(PlanFormatError, match=message.replace(".", r"\.")):
        Plan.from_dict({"schema_version": 1, "name": "x", section: {field: value}})


def test_a_stored_v1_plan_opens_migrated_and_its_history_stays_readable(tmp_path):
    store = Store(tmp_path / "plans.db")
    plan, version = store.create(Plan.from_dict(V1["sales"]))
    with store._write() as db:  # as a schema-1 app saved it
        db.execute("update plans set json = ? where id = ?", [json.dumps({**V1["sales"], "id": plan.id}), plan.id])
    loaded, _ = store.load(plan.id)
    assert loaded.pilot.effect == 1_000.0 and loaded.schema_version == 2
    store.save(loaded, expected_version=version)
    assert all(store.load_history(entry.id).schema_version == 2 for entry in store.history(plan.id))

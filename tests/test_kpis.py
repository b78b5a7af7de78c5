"""KPI baselines, associations and warnings against hand computations and scipy."""


import numpy as np
import pandas as pd
import pytest
from scipy import stats

from core import kpis
from core.plan import Kpi, KpiLink, Plan
from core.templates import onboarding, sales_skills


def handmade():
    people = pd.DataFrame({"score": [50.0, 60.0, 70.0, 80.0, 90.0, 100.0]},
                          index=pd.Index(["a", "b", "c", "d", "e", "f"], name="employee_id"))
    periods = pd.DataFrame({
        "employee_id": ["a", "a", "a", "b", "b", "b", "c", "c", "c"],
        "period": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"] * 3),
        "sales": [10.0, 12.0, 14.0, 20.0, 22.0, 24.0, 30.0, 33.0, 36.0],
    })
    return people, periods


def test_monthly_baseline_by_hand():
    people, periods = handmade()
    b = kpis.baseline(people, periods, "sales")
    # person means 12, 22, 33 → mean 22.333…, sd of (12, 22, 33) with n − 1
    assert b.mean == pytest.approx((12 + 22 + 33) / 3)
    assert b.sd == pytest.approx(np.std([12, 22, 33], ddof=1))
    assert b.n == 3
    # monthly means 20, 22.333…, 24.666… → slope 2.333… per month
    assert b.trend_per_month == pytest.approx(7 / 3)


def test_baseline_stops_before_the_pilot():
    people, periods = handmade()
    b = kpis.baseline(people, periods, "sales", window=("2024-01-01", "2024-03-01"))
    assert b.mean == pytest.approx((11 + 21 + 31.5) / 3) and b.trend_per_month is None


def test_per_person_baseline():
    people, periods = handmade()
    b = kpis.baseline(people, periods, "score")
    assert (b.mean, b.n) == (75.0, 6) and b.sd == pytest.approx(np.std([50, 60, 70, 80, 90, 100], ddof=1))
    assert kpis.baseline(people, periods, "nothing") is None


def test_association_ci_matches_scipy():
    rng = np.random.default_rng(1)
    people = pd.DataFrame({"score": rng.normal(size=80), "deal": rng.normal(size=80)})
    people["deal"] += 0.4 * people["score"]
    found = kpis.association(people, None, "score", "deal")
    ref = stats.pearsonr(people["score"], people["deal"])
    ci = ref.confidence_interval()
    assert found.r == pytest.approx(ref.statistic) and found.ci == pytest.approx((ci.low, ci.high))
    assert found.n == 80


def test_association_is_hidden_below_five_people():
    people = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [2.0, 1, 4, 3]})
    assert kpis.association(people, None, "x", "y") is None


def messages(plan, columns=None):
    return [w.message.split(":")[0] for w in kpis.warnings(plan, columns=columns)]


def test_templates_raise_no_warnings():
    assert kpis.warnings(sales_skills()) == [] and kpis.warnings(onboarding()) == []


def test_warnings_fire_when_they_should():
    plan = Plan(name="x", kpis=[
        Kpi("Course completion rate", "outcome", "learning", column="completion_rate", owner="L&D", primary=True),
        Kpi("CSAT", "outcome", "business", primary=True),
        Kpi("Error rate", "outcome", "business", column="errors", value_per_unit=50.0, owner="Ops"),
    ], kpi_links=[KpiLink("Quiz", "CSAT")])
    found = kpis.warnings(plan, columns={"errors"})
    text = " | ".join(f"{w.kpi}: {w.message}" for w in found)
    assert "Course completion rate: An attendance, completion or activity measure is used as an outcome" in text
    assert "Course completion rate: Column “completion_rate” is not in the joined data" in text
    assert "CSAT: This outcome has no owner" in text
    assert "CSAT: No data column and no manual baseline" in text
    assert "CSAT: Neither monetised nor marked intangible" in text
    assert "Error rate: The money value has no source" in text
    assert "Quiz: A link points to a KPI that is no longer in the table" in text


def test_a_learning_measure_not_in_the_data_yet_is_said_but_not_a_warning():
    plan = Plan(name="x", kpis=[Kpi("Assessment score", "output", "learning", column="post_score", intangible=True),
                                Kpi("Deal size", "outcome", "business", column="deal", owner="VP", primary=True,
                                    value_per_unit=4.0, value_source="CRM")])
    assert kpis.warnings(plan, columns={"deal"}) == []
    assert kpis.not_in_data(plan, {"deal"}) == ["Assessment score"]
    assert kpis.not_in_data(plan, {"deal", "post_score"}) == []


def test_activity_as_an_input_is_fine():
    plan = Plan(name="x", kpis=[Kpi("Completion rate", "input", "learning", column="c", intangible=True)])
    assert kpis.warnings(plan) == []


def test_the_roi_reads_the_primary_kpi_and_the_pilot_effect_from_their_one_home():
    from core import roi

    plan = sales_skills()
    inputs = roi.inputs(plan)
    k = plan.primary_kpi()
    assert (inputs.kpi_name, inputs.kpi_unit, inputs.value_per_unit) == (k.name, k.unit, k.value_per_unit)
    assert inputs.value_source.startswith("Linked measure: ") and inputs.effect == plan.pilot.effect
    plan.pilot.effect = 1_234.0
    k.value_per_unit = 5.0
    assert (roi.inputs(plan).effect, roi.inputs(plan).value_per_unit) == (1_234.0, 5.0)


def test_catalogue_entries_become_kpis():
    entry = next(e for e in kpis.CATALOGUE if e.name == "Completion rate")
    kpi = kpis.from_catalogue(entry)
    assert (kpi.tier, kpi.kind, kpi.intangible) == ("input", "learning", True)
    assert all(e.ltem in kpis.LTEM for e in kpis.CATALOGUE)


def test_the_baseline_table_gives_the_primary_kpi_the_pilots_own_baseline(before_pilot_panel):
    from core import kpis, pilot
    from core.templates import sales_skills

    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    facts = pilot.facts(plan, before_pilot_panel)
    rows = {r["KPI"]: r for r in kpis.baseline_rows(plan, facts, before_pilot_panel)}
    primary = rows[plan.primary_kpi().name]
    values = pilot.baseline_values(plan, before_pilot_panel, facts.column, facts.roster.people.index)
    assert primary["mean"] == facts.baseline and primary["people"] == len(values)
    assert primary["% of baseline"] == pytest.approx(plan.pilot.effect / abs(facts.baseline) * 100)
    assert all(r["pilot effect"] is None for name, r in rows.items() if name != plan.primary_kpi().name)


def test_a_baseline_of_fewer_than_five_people_is_not_shown(before_pilot_panel):
    from core import kpis, pilot
    from core.templates import sales_skills

    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    first_four = sorted(before_pilot_panel.people.index)[:4]
    people = before_pilot_panel.people.loc[first_four]
    small = type(before_pilot_panel)(people, before_pilot_panel.periods[
        before_pilot_panel.periods["employee_id"].isin(first_four)], before_pilot_panel.roles)
    facts = pilot.facts(plan, small)
    rows = [r for r in kpis.baseline_rows(plan, facts, small) if r["people"] is not None and r["people"] < 5]
    assert rows  # four people: every KPI with data has fewer than five
    assert all(r["mean"] is None and r["sd"] is None and r["% of baseline"] is None for r in rows)

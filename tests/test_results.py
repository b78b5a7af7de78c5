"""Step 5's logic: health checks and success cases against independent references."""

import pandas as pd
import pytest
from scipy import stats

from core import pilot, results
from core.templates import sales_skills
from tests.sample import pilot_teams


def sample_plan():
    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    plan.results.participation = {"team": list(pilot_teams())}
    return plan


def test_health_sample_ratio_check_is_a_chi_square_against_the_planned_split():
    frame = pd.DataFrame({"arm": ["treatment"] * 100 + ["control"] * 100,  # 100 vs 55 measured: p < 0.001
                          "outcome": [1.0] * 100 + [1.0] * 55 + [None] * 45, "baseline": 1.0})
    found = results.health(frame)
    reference = stats.chisquare([100, 55], [77.5, 77.5]).pvalue
    assert found.srm_p == pytest.approx(reference) and found.srm_flag
    assert found.attrition == {"treatment": 0.0, "control": pytest.approx(0.45)}


def test_success_cases_are_pseudonymised_and_ranked_by_what_the_baseline_predicts(sample_panel):
    plan = sample_plan()
    facts = pilot.facts(plan, sample_panel)
    frame = results.person_frame(plan, facts, sample_panel, results.arms(plan, sample_panel))
    top, bottom = results.success_cases(frame, "k", n=5)
    assert len(top) == len(bottom) == 5
    assert all(p.startswith("P-") for p in top["person"]) and not any(p.startswith("E") for p in top["person"])
    assert top["beyond"].is_monotonic_decreasing and bottom["beyond"].is_monotonic_increasing
    assert top["beyond"].min() > bottom["beyond"].max()


def test_the_sample_pilots_registered_estimate_holds_the_planted_four_percent(sample_panel):
    plan = sample_plan()
    facts = pilot.facts(plan, sample_panel)
    found = results.estimate(plan, facts, sample_panel, results.registered_method(plan))
    assert facts.effect_pct(found.ci_low) < 4.0 < facts.effect_pct(found.ci_high)
    assert found.diagnostics["warnings"] == []  # 8 + 8 teams: the CR2 interval holds (tests/test_effects.py)
    assert "CR2" in found.method


def test_mediation_on_the_sample_uses_the_assessment_gain(sample_panel):
    from core import effects

    plan = sample_plan()
    facts = pilot.facts(plan, sample_panel)
    frame = results.person_frame(plan, facts, sample_panel, results.arms(plan, sample_panel))
    people = sample_panel.people
    frame["gain"] = (people["post_score"] - people["pre_score"]).reindex(frame["employee_id"]).to_numpy()
    found = effects.mediation(frame, outcome="outcome", treated="treated", mediator="gain", covariates=["baseline"],
                              cluster="team", draws=200)
    assert found.diagnostics["a"] == pytest.approx(8.0, abs=2.0)  # the planted +8 points on the assessment


def test_a_waitlist_pilot_is_analysed_by_staggered_did_with_later_waves_as_controls(sample_panel):
    from core import design

    plan = sales_skills()
    plan.pilot.start, plan.design.seed = "2026-07-01", 9
    design.choose(plan, "waves")
    design.apply_list(plan, design.generate_list(plan, pilot.facts(plan, sample_panel)))
    facts = pilot.facts(plan, sample_panel)
    assert results.registered_method(plan) == "waves"
    found = results.estimate(plan, facts, sample_panel, "waves")
    table = found.diagnostics["group_time"]
    assert list(table.columns[:4]) == ["cohort", "period", "att", "se"]
    assert found.ci_low < found.effect < found.ci_high and "event_study" in found.diagnostics


def test_the_workbook_and_summary_label_an_observed_effect_as_observed(sample_panel):
    import io

    import openpyxl

    from core import brief, export

    plan = sample_plan()
    facts = pilot.facts(plan, sample_panel)
    found = results.estimate(plan, facts, sample_panel, "ancova")
    plan.results.observed, plan.roi.mode = results.observed(plan, found, "ancova"), "observed"
    wb = openpyxl.load_workbook(io.BytesIO(export.workbook_bytes(plan, facts=facts)))
    goals = [[c.value for c in row] for row in wb["Goals"].iter_rows() if row[0].value == "Average deal size"]
    assert goals and "95% CI" in goals[0][5]
    monte = " ".join(str(c.value) for row in wb["Monte Carlo"].iter_rows() for c in row if c.value)
    assert "normal" in monte
    model = {row[0].value: row[2].value for row in wb["ROI model"].iter_rows() if row[0].value}
    assert "observed, step 5" in model["Effect per participant (per month if recurring)"]
    assert "the pilot measured" in brief.executive_summary(plan, facts)


def test_only_methods_that_fit_the_plan_are_offered(sample_panel):
    plan = sample_plan()  # a cluster RCT on a monthly KPI, no waves
    plan.design.design = "rct"
    offered = results.methods_for(plan, pilot.facts(plan, sample_panel), sample_panel)
    # a randomised pilot is not re-analysed as if it were not: no matching, no treated-only time series
    assert list(offered) == ["ancova", "did"]
    plan.design.design = "did"
    assert list(results.methods_for(plan, pilot.facts(plan, sample_panel), sample_panel)) == ["did", "matched"]
    from core.templates import onboarding

    new_hires = onboarding()  # people who join during the pilot have no baseline: only the registered comparison
    new_hires.pilot.start = "2026-07-01"
    offered = results.methods_for(new_hires, pilot.facts(new_hires, sample_panel), sample_panel)
    assert offered == {"ancova": "Difference in means (new hires have no baseline)"}
    assert results.counted_as(plan, "did") == "person-months" and results.counted_as(plan, "new") == "people"


def weekly(monthly_panel):
    """The same panel with each month's value in every week whose Monday falls in that month."""
    import dataclasses

    periods = monthly_panel.periods
    months = periods["period"].drop_duplicates()
    mondays = pd.date_range(months.min(), months.max() + pd.offsets.MonthEnd(1), freq="W-MON")
    weeks = pd.DataFrame({"week": mondays, "period": mondays.to_period("M").to_timestamp()})
    out = periods.merge(weeks, on="period").drop(columns="period").rename(columns={"week": "period"})
    return dataclasses.replace(monthly_panel, periods=out[periods.columns], grain="week")


def test_weekly_kpis_are_analysed_weekly_and_waves_on_their_monthly_means(sample_panel):
    from core import design

    plan = sample_plan()
    by_week = weekly(sample_panel)
    facts = pilot.facts(plan, by_week)
    frame = results.monthly_frame(plan, facts, by_week, results.arms(plan, by_week))
    assert frame["period"].dt.day_of_week.eq(0).all() and frame["period"].nunique() > 20  # weeks, not months
    found = results.estimate(plan, facts, by_week, "did")
    monthly = results.estimate(plan, pilot.facts(plan, sample_panel), sample_panel, "did")
    assert found.diagnostics["n_periods"] > 3 * monthly.diagnostics["n_periods"]
    assert found.effect == pytest.approx(monthly.effect, rel=0.05)

    plan = sales_skills()
    plan.pilot.start, plan.design.seed = "2026-07-01", 9
    design.choose(plan, "waves")
    design.apply_list(plan, design.generate_list(plan, pilot.facts(plan, sample_panel)))
    waves_weekly = results.estimate(plan, pilot.facts(plan, by_week), by_week, "waves")
    waves_monthly = results.estimate(plan, pilot.facts(plan, sample_panel), sample_panel, "waves")
    assert waves_weekly.effect == pytest.approx(waves_monthly.effect, rel=1e-9)
    assert (waves_weekly.ci_low, waves_weekly.ci_high) == pytest.approx((waves_monthly.ci_low, waves_monthly.ci_high))

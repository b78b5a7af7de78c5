"""The derived pilot: windows, eligible roster, clusters, arms, participants, variance from the data."""

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from core import estimates, pilot
from core.panel import Panel
from core.plan import Assigned, Kpi, Pilot, Plan
from core.templates import sales_skills


def test_windows_by_hand():
    w = pilot.windows(Pilot(start="2026-07-01", baseline_months=3, measurement_gap_months=0, measurement_months=3))
    assert w.baseline == (date(2026, 4, 1), date(2026, 7, 1))
    assert w.measurement == (date(2026, 7, 1), date(2026, 10, 1))
    assert w.intervention == (date(2026, 7, 1), date(2026, 9, 29))
    # the stand-ins before the pilot: outcome Apr–Jun, baseline Jan–Mar
    assert w.history_outcome == (date(2026, 4, 1), date(2026, 7, 1))
    assert w.history_baseline == (date(2026, 1, 1), date(2026, 4, 1))


def test_a_mid_month_start_never_counts_a_pilot_month_as_baseline_nor_a_pre_pilot_fortnight_as_outcome():
    w = pilot.windows(Pilot(start="2026-03-15", baseline_months=2, measurement_gap_months=1, measurement_months=2))
    assert w.baseline == (date(2026, 1, 1), date(2026, 3, 1))  # March is a pilot month
    assert w.measurement == (date(2026, 5, 1), date(2026, 7, 1))  # first whole month April, then a month's gap
    # the same lengths and gap (2 months from the start month) before the start: outcome Jan–Feb, baseline
    # Sep–Oct 2025
    assert w.history_outcome == (date(2026, 1, 1), date(2026, 3, 1))
    assert w.history_baseline == (date(2025, 9, 1), date(2025, 11, 1))
    assert pilot.months_label(w.baseline) == "Jan–Feb 2026"
    assert pilot.history_needed(Pilot(start="2026-03-15", baseline_months=2, measurement_gap_months=1,
                                      measurement_months=2)) == 6


def test_no_start_date_means_no_windows():
    assert pilot.windows(Pilot()) is None and pilot.windows(Pilot(start="not a date")) is None


def small_panel() -> Panel:
    """12 people in 3 teams of sizes 2, 4, 6; a monthly KPI for everyone but p11, Jan–Jun 2026."""
    ids = [f"p{i:02d}" for i in range(12)]
    team = ["a"] * 2 + ["b"] * 4 + ["c"] * 6
    site = ["x"] * 6 + ["y"] * 6
    people = pd.DataFrame({"team": team, "site": site, "gender": ["f", "m"] * 6},
                          index=pd.Index(ids, name="employee_id"))
    rows = [{"employee_id": pid, "period": pd.Timestamp(2026, m, 1), "kpi": 10.0 + i + m}
            for i, pid in enumerate(ids[:-1]) for m in range(1, 7)]
    return Panel(people, pd.DataFrame(rows), {"team": "team", "site": "site", "gender": "sensitive", "kpi": "measure"})


def plan_for(**pilot_fields) -> Plan:
    return Plan(name="x", kpis=[Kpi("KPI", column="kpi", primary=True)],
                pilot=Pilot(start="2026-07-01", **pilot_fields))


def test_eligible_people_are_filtered_and_need_the_kpi_at_baseline():
    roster = pilot.eligible(plan_for(eligible={"site": ["y"]}), small_panel())
    assert roster.in_data == 12 and roster.filtered_out == 6 and roster.without_kpi == 1
    assert list(roster.people.index) == ["p06", "p07", "p08", "p09", "p10"]


def test_clusters_come_from_the_roster_with_their_spread():
    c = pilot.clusters(plan_for(cluster_column="team"), pilot.eligible(plan_for(), small_panel()))
    sizes = np.array([2, 4, 5])  # p11 has no KPI, so team c has 5 eligible people
    assert (c.count, c.smallest, c.largest) == (3, 2, 5)
    assert c.mean == pytest.approx(sizes.mean()) and c.cv == pytest.approx(sizes.std() / sizes.mean())


def test_without_a_roster_the_typed_cluster_size_stands_in():
    c = pilot.clusters(plan_for(cluster_column="team", cluster_size=8.0), None)
    assert (c.count, c.mean, c.from_roster) == (None, 8.0, False)


def test_arms_follow_the_assignment_list_when_there_is_one():
    plan = plan_for(cluster_column="team", treated_people=60, control_people=60)
    c = pilot.Clusters("team", 10, 30.0, 0.0)
    assert pilot.arms(plan, c) == pilot.Arms(60, 60, 2, 2, "plan")
    plan.design.design = "rct"
    plan.design.assignment = [Assigned("1", "treatment", "a"), Assigned("2", "treatment", "a"),
                              Assigned("3", "control", "b"), Assigned("4", "treatment", "c")]
    assert pilot.arms(plan, c) == pilot.Arms(3, 1, 2, 1, "assignment list")
    assert pilot.roi_participants(plan) == 3


def test_roi_participants_are_the_treated_arm_or_the_labelled_roll_out():
    plan = plan_for(treated_people=120, control_people=120)
    assert pilot.roi_participants(plan) == 120
    plan.roi.scope, plan.roi.rollout_participants = "rollout", 1_200
    assert pilot.roi_participants(plan) == 1_200


def test_variance_needs_a_start_date_and_enough_history():
    plan = plan_for(variance_source="data")
    plan.pilot.start = ""
    v = pilot.variance(plan, small_panel(), None)
    assert v.source == "typed" and "start date" in v.problem
    plan.pilot.start, plan.pilot.baseline_months = "2026-07-01", 12
    v = pilot.variance(plan, small_panel(), None)
    assert "15 months" in v.problem and v.sd == plan.pilot.sd


def test_a_constant_kpi_falls_back_to_the_typed_sd_with_a_message():
    panel = small_panel()
    panel.periods["kpi"] = 5.0
    plan = plan_for(variance_source="data", sd=3.0)
    v = pilot.variance(plan, panel, pilot.eligible(plan, panel))
    assert v.sd == 3.0 and "does not vary" in v.problem


def test_sample_data_estimates_use_the_pilot_windows_and_leave_out_the_flagged_typo(sample_panel):
    """Reference: the same quantities computed here with pandas, the typo dropped by hand (the README says one
    avg_deal_size was typed with an extra zero)."""
    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    facts = pilot.facts(plan, sample_panel)
    periods = sample_panel.periods.dropna(subset=["avg_deal_size"])
    typo = periods["avg_deal_size"] > 5 * periods["avg_deal_size"].median()
    assert typo.sum() == 1
    clean = periods[~typo]

    def means(first, last):
        inside = clean[(clean["period"] >= first) & (clean["period"] <= last)]
        return inside.groupby("employee_id")["avg_deal_size"].mean()

    outcome, baseline = means("2026-04-01", "2026-06-01"), means("2026-01-01", "2026-03-01")
    paired = pd.concat([baseline, outcome], axis=1).dropna()
    v = facts.variance
    assert v.source == "data" and v.estimates.left_out == 1
    assert v.sd == pytest.approx(outcome.std(ddof=1))
    assert v.baseline_corr == pytest.approx(np.corrcoef(paired.iloc[:, 0], paired.iloc[:, 1])[0, 1])
    assert v.baseline_corr == pytest.approx(0.86, abs=0.02)
    assert facts.roster.people.shape[0] == 441 and facts.clusters.count == 16  # reps with a baseline
    assert facts.clusters.mean == pytest.approx(441 / 16)
    # the ICC of what the baseline leaves unexplained (residuals of outcome on baseline), by team
    slope, intercept = np.polyfit(paired.iloc[:, 0], paired.iloc[:, 1], 1)
    residual = paired.iloc[:, 1] - (intercept + slope * paired.iloc[:, 0])
    teams = sample_panel.people["team"].reindex(residual.index)
    assert v.icc == pytest.approx(max(estimates.icc_oneway(residual, teams).value, 0.0), abs=1e-12)  # clipped at 0
    assert 0.0 <= v.icc < 0.1 < estimates.icc_oneway(outcome, sample_panel.people["team"].reindex(outcome.index)).value
    assert facts.arms.treated_clusters == round(220 / (441 / 16))
    assert facts.baseline == pytest.approx(outcome[outcome.index.isin(facts.roster.people.index)].mean())
    assert not math.isnan(facts.effect_pct(1_000.0))


def test_what_step_5_says_about_who_took_part_never_changes_the_planned_arms():
    plan = plan_for(cluster_column="team", treated_people=4, control_people=4)
    panel = small_panel()
    roster = pilot.eligible(plan, panel)
    planned = pilot.arms(plan, pilot.clusters(plan, roster), roster)
    key = pilot.analysis_key(plan)
    plan.results.participation = {"team": ["b"]}
    assert pilot.arms(plan, pilot.clusters(plan, roster), roster) == planned
    assert planned.source == "plan"
    assert pilot.roi_participants(plan, pilot.facts(plan, panel)) == planned.treated_people
    # without a list, who took part is the treated group the analysis compares, so its estimate depends on it
    assert pilot.analysis_key(plan) != key
    plan.design.assignment = [Assigned("p00", "treatment"), Assigned("p02", "control")]
    with_list = pilot.analysis_key(plan)
    plan.results.participation = {"team": ["c"]}
    assert pilot.analysis_key(plan) == with_list  # with a list, the registered analysis compares its arms


def test_fewer_than_five_eligible_people_are_never_described_by_their_mean_or_sd(sample_panel):
    from core.templates import sales_skills

    plan = sales_skills()
    plan.pilot.start, plan.pilot.variance_source = "2026-07-01", "data"
    plan.pilot.eligible = {"site": [""]}  # the few people with no site
    found = pilot.facts(plan, sample_panel)
    assert 0 < len(found.roster.people) < 5
    assert found.baseline is None
    assert found.variance.source == "typed" and "fewer than 5" in found.variance.problem

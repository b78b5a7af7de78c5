"""Pilot helpers: design recommendation, curves, registration and deviations."""

import pytest
from statsmodels.stats.power import TTestIndPower

from core import design, pilot
from core import power as pw
from core.plan import Assigned, DesignPlan, Preregistration
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
    facts = pilot.facts(plan, None)
    ns, powers = design.power_curve(plan, facts)
    i = len(ns) // 2
    assert powers[i] == pytest.approx(pw.power(3.0, ns[i], ns[i], sd=2.5, attrition=0.1))
    effects, by_effect = design.power_by_effect(plan, facts, up_to=4.0)
    assert effects[0] == 0 and effects[-1] == pytest.approx(8.0)
    assert by_effect[0] == pytest.approx(0.05, abs=1e-9)  # no effect: power equals alpha
    assert by_effect[10] == pytest.approx(pw.power(effects[10], 20, 20, sd=2.5, attrition=0.1))


def test_power_summary_for_the_templates_without_data():
    plan = sales_skills()  # typed sd 6,000, ICC .05, ρ .5 until data is loaded: 8 teams of 27.5 per arm
    sales = design.power_summary(plan, pilot.facts(plan, None))
    assert sales.arms.treated_clusters == 8 and sales.detects_break_even is False and sales.enough is not None
    plan = onboarding()
    onboard = design.power_summary(plan, pilot.facts(plan, None))
    reference = TTestIndPower().power(effect_size=3.0 / 2.5, nobs1=18, ratio=1.0, alpha=0.05)  # 20 less 10% attrition
    assert onboard.planned_power == pytest.approx(reference, rel=1e-6) and onboard.planned_power > 0.9


def test_a_lower_is_better_kpi_tested_one_sided_has_the_power_of_its_mirror_image():
    """Reference: statsmodels' one-sided t-test power for the same |d| (the improvement is a decrease)."""
    from statsmodels.stats.power import TTestIndPower

    plan = onboarding()  # weeks to productivity: lower is better
    plan.design.alternative = "one-sided"
    plan.design.attrition = 0.0
    facts = pilot.facts(plan, None)
    found = design.power_summary(plan, facts)
    reference = TTestIndPower().power(effect_size=3.0 / 2.5, nobs1=20, ratio=1.0, alpha=0.05, alternative="larger")
    assert found.planned_power == pytest.approx(reference, rel=1e-6)
    assert found.planned_power > 0.9


def test_a_binary_kpi_where_lower_is_better_is_tested_in_its_better_direction():
    plan = onboarding()
    k = plan.primary_kpi()
    k.better = "lower"
    plan.pilot.kpi_type, plan.pilot.p_control, plan.pilot.effect = "binary", 0.3, 0.1
    plan.design.alternative, plan.design.attrition = "one-sided", 0.0
    plan.pilot.treated_people = plan.pilot.control_people = 300
    power = design.power_summary(plan, pilot.facts(plan, None)).planned_power
    assert power == pytest.approx(pw.power_proportions(0.2, 0.3, 300, 300, alternative="smaller"))
    assert power > 0.8


def test_the_headline_says_what_the_pilot_can_detect_and_what_break_even_needs():
    plan = sales_skills()
    plan.pilot.treated_people = plan.pilot.control_people = 110  # 4 teams per arm: the expected effect is missed
    facts = pilot.facts(plan, None)
    tone, text = design.headline(plan, facts, design.power_summary(plan, facts))
    assert tone == "warning"
    assert text.startswith("With 110 people in 4 team clusters per arm you can detect")
    assert "pays for itself at" in text and "too small to see" in text and "To see it you need" in text


def test_a_pilot_that_sees_its_expected_effect_but_not_break_even_says_how_to_read_it(sample_panel):
    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    facts = pilot.facts(plan, sample_panel)
    summary = design.power_summary(plan, facts)
    tone, text = design.headline(plan, facts, summary)
    assert summary.planned_power >= 0.8 and summary.detects_break_even is False
    assert tone == "info" and "covers the expected +4.0%" in text and "against break-even" in text
    assert "only 16 are eligible in all" in text


def test_deviations_list_what_changed():
    plan = onboarding()
    plan.pilot.start = "2026-07-01"
    facts = pilot.facts(plan, None)
    plan.design.preregistration = Preregistration("2026-11-24T10:00:00+00:00", design.registered_fields(plan, facts))
    assert design.deviations(plan, facts) == []
    plan.design.alpha = 0.1
    plan.design.seed = 42
    assert design.deviations(plan, facts) == [("Alpha", "0.05", "0.1"), ("Assignment seed", "", "42")]


def test_matching_column_by_words():
    assert design.matching_column("Average deal size", ["deals_closed", "avg_deal_size", "csat"]) == "avg_deal_size"
    assert design.matching_column("CSAT", ["deals_closed", "csat"]) == "csat"


def test_choosing_a_cluster_rct_sets_the_one_clustering_field():
    plan = onboarding()
    design.choose(plan, "cluster_rct", cluster_column="site")
    assert (plan.design.design, plan.pilot.cluster_column, design.choice(plan)) == ("rct", "site", "cluster_rct")
    design.choose(plan, "rct")
    assert (plan.pilot.cluster_column, design.choice(plan)) == ("", "rct")


def test_the_drawn_list_has_the_planned_sizes_and_the_plan_takes_the_lists(sample_panel):
    plan = sales_skills()
    plan.pilot.start, plan.design.seed = "2026-07-01", 7
    facts = pilot.facts(plan, sample_panel)
    rows = design.generate_list(plan, facts)
    teams = {r.group for r in rows}
    assert len(teams) == 16 and {r.arm for r in rows} == {"treatment", "control"}
    assert rows == design.generate_list(plan, facts)  # same seed, same list
    message = design.apply_list(plan, rows)
    treated = sum(r.arm == "treatment" for r in rows)
    treated_teams = {r.group for r in rows if r.arm == "treatment"}
    assert len(treated_teams) == 8
    assert plan.pilot.treated_people == treated == pilot.roi_participants(plan) == \
        sum(facts.clusters.sizes[t] for t in treated_teams)
    assert "list" in message
    everyone = design.generate_list(plan, pilot.facts(plan, sample_panel), everyone=True)
    assert len(everyone) == 441


def test_the_assignment_csv_never_starts_a_cell_with_a_formula():
    plan = onboarding()
    plan.design.assignment = [Assigned("E1", "treatment", "=HYPERLINK(\"http://x\")"), Assigned("-2", "control", "")]
    text = design.assignment_csv(plan).decode()
    assert "'=HYPERLINK" in text and "'-2" in text


def test_the_balance_table_compares_the_arms_on_the_kpi_baseline(sample_panel):
    """Reference: the SMD written out, (x̄ₜ − x̄꜀) / √((sₜ² + s꜀²)/2), on the baseline person means."""
    plan = sales_skills()
    plan.pilot.start, plan.design.seed = "2026-07-01", 3
    facts = pilot.facts(plan, sample_panel)
    design.apply_list(plan, design.generate_list(plan, facts))
    facts = pilot.facts(plan, sample_panel)
    choices = design.balance_choices(facts, sample_panel.roles)
    assert choices[0] == "avg_deal_size (baseline)" and "gender" not in choices and "team" not in choices
    assert not any(c.startswith("lms_") for c in design.default_balance(choices, facts))
    table = design.balance_table(plan, facts, sample_panel, ["avg_deal_size (baseline)"])
    base = pilot.baseline_values(plan, sample_panel, "avg_deal_size")
    arm = {a.id: a.arm for a in plan.design.assignment}
    t = base[[arm.get(i) == "treatment" for i in base.index]]
    c = base[[arm.get(i) == "control" for i in base.index]]
    expected = (t.mean() - c.mean()) / ((t.var() + c.var()) / 2) ** 0.5
    assert table.loc[0, "SMD"] == pytest.approx(expected, rel=1e-9)


def test_new_hires_are_not_balanced_on_a_baseline_they_cannot_have(sample_panel):
    plan = onboarding()
    plan.pilot.start = "2026-07-01"
    facts = pilot.facts(plan, sample_panel)
    roles = sample_panel.roles
    assert design.baseline_name(facts) in design.balance_choices(facts, roles)
    assert design.baseline_name(facts) not in design.balance_choices(facts, roles, baseline=False)


def test_a_pilot_nobody_is_eligible_for_gets_no_power_figure(before_pilot_panel):
    from core import pilot
    from core.templates import sales_skills

    plan = sales_skills()
    plan.pilot.start = "2017-01-01"  # years before the sample's data: nobody has the KPI in the baseline window
    facts = pilot.facts(plan, before_pilot_panel)
    tone, text = design.headline(plan, facts, design.power_summary(plan, facts))
    assert tone == "warning" and "Nobody is eligible" in text and "power" not in text


def test_two_teams_per_arm_are_told_in_step_4_that_step_5_can_show_no_interval(before_pilot_panel):
    from core import pilot
    from core.templates import sales_skills

    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    facts = pilot.facts(plan, before_pilot_panel)
    plan.pilot.treated_people = plan.pilot.control_people = round(2 * facts.clusters.mean)
    facts = pilot.facts(plan, before_pilot_panel)
    tone, text = design.headline(plan, facts, design.power_summary(plan, facts))
    assert tone == "warning" and "only 6 ways" in text and "no 95% interval" in text

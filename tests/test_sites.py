"""A pilot at one site first: the list, the placebo power against a brute-force simulation, and step 5's
estimate on the sample organisation with a simulated pilot at one team."""

import math

import numpy as np
import pandas as pd
import pytest

from core import design, effects, pilot, results, sample_pilot, sites
from core.templates import sales_skills
from tests.conftest import joined


def _site_plan(site="SAL-04"):
    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    design.choose(plan, "site")
    plan.design.site, plan.design.seed = site, 5
    return plan


def test_the_list_treats_everyone_at_the_piloted_site_and_compares_everyone_else(before_pilot_panel):
    plan = _site_plan()
    facts = pilot.facts(plan, before_pilot_panel)
    assert (facts.arms.treated_clusters, facts.arms.control_clusters) == (1, 15)
    rows = design.generate_list(plan, facts)
    treated = {r.group for r in rows if r.arm == "treatment"}
    assert treated == {"SAL-04"} and len(rows) == 441
    assert sum(r.arm == "treatment" for r in rows) == facts.arms.treated_people
    plan.design.site = ""
    with pytest.raises(ValueError, match="choose the piloted site first"):
        design.generate_list(plan, facts)


@pytest.mark.slow
def test_placebo_power_is_the_detection_rate_of_step_5s_analysis():
    """Brute force: sites with their own levels and a shared seasonal factor; many independent pilots at site 0,
    each estimated by effects.synthetic_control with its own placebo interval; the share whose interval excludes
    0 is compared with placebo_power computed from one separate history of the same sites."""
    rng = np.random.default_rng(5)
    sites_n, months, post, effect = 12, 12, 3, 2.0
    loading = np.r_[1.0, rng.uniform(0.5, 1.5, sites_n - 1)]
    level = rng.normal(100, 10, sites_n)

    def history():
        season = 5 * np.sin(np.arange(months) / 2 + rng.uniform(0, 6))
        return level[:, None] + loading[:, None] * season[None, :] + rng.normal(0, 1.5, (sites_n, months))

    names = [f"S{i:02d}" for i in range(sites_n)]
    found = sites.placebo_power(pd.DataFrame(history(), index=names), "S00", post=post, effect=effect)
    hits, reps = 0, 50
    for _ in range(reps):
        y = history()
        y[0, -post:] += effect
        frame = pd.DataFrame({"site": np.repeat(names, months), "month": np.tile(np.arange(months), sites_n),
                              "y": y.ravel(), "d": ((np.arange(sites_n) == 0)[:, None]
                                                    & (np.arange(months) >= months - post)[None, :]).ravel()})
        estimate = effects.synthetic_control(frame, outcome="y", unit="site", period="month", treated="d")
        hits += not estimate.ci_low <= 0 <= estimate.ci_high
    brute = hits / reps
    # the design's power rests on 11 placebo sites (± 1/11 granularity) and the brute force on 60 pilots
    assert abs(found.power - brute) < 2 * math.sqrt(0.25 / reps) + 1 / 11 + 0.05


def test_the_sample_pilot_at_one_team_is_estimated_against_its_twin(before_pilot_panel):
    from ui.datasets import SAMPLE, SAMPLE_FILES

    plan = _site_plan()
    facts = pilot.facts(plan, before_pilot_panel)
    summary = design.power_summary(plan, facts)
    assert summary.simulated is not None and summary.planned_power == summary.simulated.power
    assert "team SAL-04 (27 people) against a synthetic twin of 15 other teams" in design.headline(
        plan, facts, summary)[1]
    design.apply_list(plan, design.generate_list(plan, facts))
    files = {kind: (name, (SAMPLE / name).read_bytes()) for kind, name in SAMPLE_FILES.items()}
    files.update(sample_pilot.simulate(plan))
    panel = joined(files)
    facts = pilot.facts(plan, panel)
    assert list(results.methods_for(plan, facts, panel))[0] == "synthetic_did"
    found = results.estimate(plan, facts, panel, "synthetic_did")
    planted = 0.04 * facts.baseline  # sample_data/README.md: +4% average deal size for the treated
    assert found.ci_low < planted < found.ci_high
    assert found.diagnostics["treated_units"] == ["SAL-04"] and found.diagnostics["n_controls"] == 15
    assert found.diagnostics["n_post_periods"] == 3 and found.diagnostics["n_pre_periods"] == 12
    assert "15 other teams" in found.method


def test_changing_the_site_column_clears_the_piloted_site(before_pilot_panel):
    plan = _site_plan()
    design.set_cluster_column(plan, "site")
    assert plan.pilot.cluster_column == "site" and plan.design.site == ""
    summary = design.power_summary(plan, pilot.facts(plan, before_pilot_panel))
    assert summary.planned_power is None and "choose the site to pilot first" in summary.planned_error
    plan.design.site = "Madrid"  # 6 cities: too few to compare with
    summary = design.power_summary(plan, pilot.facts(plan, before_pilot_panel))
    assert "no 95% interval with fewer than 10" in summary.planned_error


def test_people_with_no_site_are_no_site_in_step_4_or_step_5(before_pilot_panel):
    """The sample HRIS leaves a few people's site blank: they are neither the piloted site nor a comparison site,
    so step 4 counts the same comparison sites step 5 estimates with."""
    plan = _site_plan()
    design.set_cluster_column(plan, "site")
    plan.design.site = "Leeds"
    facts = pilot.facts(plan, before_pilot_panel)
    c = facts.clusters
    assert pilot.BLANK_GROUP in c.sizes  # the blank cells form a group of their own …
    arms = pilot.arms(plan, c, facts.roster)
    table = sites.site_months(plan, before_pilot_panel, facts.roster, facts.column)
    assert pilot.BLANK_GROUP not in table.index  # … which is no site of the twin
    assert arms.control_clusters == len(table.index) - 1 == c.count - 2
    rows = design.generate_list(plan, facts)
    assert {r.group for r in rows} == set(table.index)
    plan.design.site = pilot.BLANK_GROUP
    with pytest.raises(ValueError, match="choose the piloted site"):
        design.generate_list(plan, facts)

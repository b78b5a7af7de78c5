"""Waitlist pilots: the order into waves, the schedule, and power by simulation against a closed form."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from core import design, effects, pilot, waves
from core.templates import sales_skills


def test_the_order_into_waves_is_reproducible_and_as_equal_as_whole_clusters_allow():
    teams = [f"T{i:02d}" for i in range(16)]
    order = waves.order_into_waves(teams, waves=3, seed=4)
    assert order == waves.order_into_waves(list(reversed(teams)), waves=3, seed=4)
    sizes = sorted([list(order.values()).count(w) for w in (1, 2, 3)])
    assert sizes == [5, 5, 6]
    with pytest.raises(ValueError, match="at least 3 clusters"):
        waves.order_into_waves(["a", "b"], waves=3, seed=1)


def test_wave_starts_are_one_measurement_window_apart():
    plan = sales_skills()
    plan.pilot.start, plan.pilot.waves, plan.pilot.measurement_months = "2026-07-01", 3, 3
    assert [d.isoformat() for d in waves.wave_starts(plan)] == ["2026-07-01", "2026-10-01", "2027-01-01"]


def test_two_waves_simulated_power_matches_the_two_by_two_closed_form():
    """With two waves the analysis is a 2×2 comparison on team means: each team's mean over the L treated months
    minus its last baseline month has variance σ²(1 + 1/L) with independent months, so the estimate's se is
    √(σ²(1 + 1/L)(1/k₁ + 1/k₂)); with 8 + 8 teams the randomisation test has about the t-test's power on 14 df."""
    sigma, k, months = 600.0, 8, 3
    se = math.sqrt(sigma**2 * (1 + 1 / months) * (2 / k))
    effect = 2.5 * se
    t = stats.t.ppf(0.975, 2 * k - 2)
    expected = stats.nct.sf(t, 2 * k - 2, effect / se) + stats.nct.cdf(-t, 2 * k - 2, effect / se)
    noise = waves.MonthlyNoise((sigma,) * (2 * k), 0.0, "test")
    found = waves.simulate_power(effect=effect, noise=noise, plan_of_months=waves.Schedule(3, months, 2),
                                 simulations=1000, seed=3)
    assert abs(found.power - expected) < found.margin + 0.02


@pytest.mark.slow
@pytest.mark.parametrize("teams, effect", [(16, 600.0), (40, 400.0)])
def test_waves_power_is_the_detection_rate_of_step_5s_analysis_on_person_level_data(teams, effect):
    """Brute force, independent of the simulation's shortcuts: people's monthly values (stable person levels, AR(1)
    own noise, team and month shocks), averaged into team-months, run through effects.staggered_did with
    not-yet-treated controls, as core.results does; the noise for `simulate_power` comes from a separate year of
    history of the same organisation. With 40 teams step 5 shows the analytical interval, while the simulation
    keeps the randomisation test: their detection rates agree."""
    rng = np.random.default_rng(11)
    size, count, baseline, window = 29, 3, 3, 3
    schedule = waves.Schedule(baseline, window, count)

    def team_months(months: int) -> np.ndarray:
        own = np.zeros((teams, size, months))
        for t in range(months):
            own[:, :, t] = (0.3 * own[:, :, t - 1] if t else 0) + rng.normal(0, 2500 * math.sqrt(0.91), (teams, size))
        people = rng.normal(0, 5000, (teams, size, 1)) + own + rng.normal(0, 300, (teams, 1, months))
        return (people + rng.normal(0, 500, months)).mean(axis=1)

    names = [f"T{i}" for i in range(teams)]
    noise = waves.noise_from_history(pd.DataFrame(team_months(12), index=names), dict.fromkeys(names, size))
    simulated = waves.simulate_power(effect=effect, noise=noise, plan_of_months=schedule, simulations=1000)
    hits, reps = 0, 100
    for _ in range(reps):
        months = schedule.months
        cohort = np.array([schedule.cohort(w) for w in rng.permutation(np.arange(teams) * count // teams) + 1])
        treated = (cohort[:, None] >= 0) & (np.arange(months)[None, :] >= cohort[:, None])
        y = team_months(months) + effect * treated
        frame = pd.DataFrame({"team": np.repeat(names, months), "month": np.tile(np.arange(1, months + 1), teams),
                              "first": np.repeat(np.where(cohort >= 0, cohort + 1, 0), months), "y": y.ravel()})
        found = effects.staggered_did(frame, outcome="y", unit="team", period="month", cohort="first",
                                      control="notyet")
        hits += not found.ci_low <= 0 <= found.ci_high
    brute = hits / reps
    assert abs(simulated.power - brute) < 2 * math.sqrt(brute * (1 - brute) / reps) + simulated.margin


def test_the_sample_waitlists_power_and_mde_are_simulated_from_its_own_history(before_pilot_panel):
    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    design.choose(plan, "waves")
    facts = pilot.facts(plan, before_pilot_panel)
    assert len(facts.monthly_noise.sd) == 16 and "12 months before the start" in facts.monthly_noise.source
    summary = design.power_summary(plan, facts)
    assert summary.simulated is not None and summary.planned_power == summary.simulated.power
    assert summary.planned_mde == pytest.approx(summary.simulated.mde)
    at_mde = waves.simulate_power(effect=summary.planned_mde * 1.05, noise=facts.monthly_noise,
                                  plan_of_months=waves.schedule(plan))
    assert at_mde.power >= plan.design.power - at_mde.margin
    tone, sentence = design.headline(plan, facts, summary)
    assert "all 16 team clusters (441 people) rolled out in 3 waves" in sentence


def test_a_waves_list_holds_every_eligible_team_with_its_wave_and_start(sample_panel):
    plan = sales_skills()
    plan.pilot.start, plan.design.seed = "2026-07-01", 9
    design.choose(plan, "waves")
    facts = pilot.facts(plan, sample_panel)
    assert (facts.arms.treated_clusters, facts.arms.control_clusters) == (6, 10)  # wave 1 of 3 against the rest
    rows = design.generate_list(plan, facts)
    assert len(rows) == 441 and {r.wave for r in rows} == {1, 2, 3}
    by_team = {}
    for r in rows:
        by_team.setdefault(r.group, set()).add(r.wave)
    assert all(len(w) == 1 for w in by_team.values()), "whole teams per wave"
    design.apply_list(plan, rows)
    text = design.assignment_csv(plan).decode()
    assert text.splitlines()[0] == "id,arm,group,wave,wave starts" and ",2026-10-01" in text

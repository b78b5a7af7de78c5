"""Waitlist pilots: the order into waves, the schedule, and power by simulation against a closed form."""

import math

import pytest
from scipy import stats

from core import design, pilot, waves
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
    """With two waves the design is a 2×2 DiD on team means: each team's change has variance
    2·(ICC·c + (1 − ICC)·c/m), c = (1 − ρ)σ², so se = √(v·(1/k₁ + 1/k₂)) and power ≈ Φ(δ/se − 1.96)."""
    sd, rho, icc, m, k = 5_000.0, 0.8, 0.05, 20, 8
    c = (1 - rho) * sd**2
    v = 2 * (icc * c + (1 - icc) * c / m)
    se = math.sqrt(v * (2 / k))
    effect = 2.0 * se  # power about 0.52
    expected = stats.norm.cdf(effect / se - stats.norm.ppf(0.975))
    found = waves.simulate_power(effect=effect, sd=sd, rho=rho, icc=icc, cluster_sizes=[m] * (2 * k), waves=2,
                                 simulations=160, seed=3)
    assert abs(found.power - expected) < max(found.margin, 0.1)


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

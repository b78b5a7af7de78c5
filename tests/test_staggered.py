"""The staggered DiD as weights (checked against the `differences` package) and its randomisation interval
(coverage by simulation of the shape waitlist pilots have: 8 teams in 4 waves, monthly, autocorrelated)."""

import numpy as np
import pandas as pd
import pytest

from core import effects, randomisation, staggered


def _long(y: np.ndarray, cohorts: np.ndarray) -> pd.DataFrame:
    units, months = y.shape
    first = np.where(cohorts == staggered.NEVER, 0, cohorts + 1)  # periods 1…months; 0 = never treated
    return pd.DataFrame({"team": np.repeat(np.arange(units), months), "month": np.tile(np.arange(1, months + 1), units),
                         "first": np.repeat(first, months), "y": y.ravel()})


@pytest.mark.parametrize("control", ["notyet", "never"])
def test_the_weights_give_the_differences_packages_estimate(control):
    rng = np.random.default_rng(7)
    for _ in range(4):
        units, months = int(rng.integers(35, 45)), int(rng.integers(5, 10))
        cohorts = rng.choice([staggered.NEVER, 2, 3, months - 1], units)
        y = rng.normal(size=(units, months)) * 3 + np.arange(months)
        expected = effects.staggered_did(_long(y, cohorts), outcome="y", unit="team", period="month", cohort="first",
                                         control=control).effect
        w = staggered.weights(cohorts, months, control=control)
        assert float((w * y).sum()) == pytest.approx(expected, abs=1e-9)
        assert float((w * staggered.treated_cells(cohorts, months)).sum()) == pytest.approx(1.0)


def _waves_table(rng, units=8, waves=4, months=10, effect=1.0, phi=0.3):
    wave = rng.permutation(np.arange(units) * waves // units)
    cohorts = np.array([3 + 2 * w if w < waves - 1 else staggered.NEVER for w in wave])
    e = np.zeros((units, months))
    for t in range(months):
        e[:, t] = (phi * e[:, t - 1] if t else 0) + rng.normal(size=units)
    y = rng.normal(0, 2, (units, 1)) + e + 0.1 * np.arange(months) + effect * staggered.treated_cells(cohorts, months)
    return y, cohorts


def test_few_teams_get_the_randomisation_interval_and_it_is_the_one_shown():
    y, cohorts = _waves_table(np.random.default_rng(1))
    found = effects.staggered_did(_long(y, cohorts), outcome="y", unit="team", period="month", cohort="first",
                                  control="notyet")
    drawn = randomisation.assignments(cohorts)
    w = staggered.weights(drawn, y.shape[1])
    alpha = (w * y).sum(axis=(1, 2))
    beta = (w * staggered.treated_cells(cohorts, y.shape[1])).sum(axis=(1, 2))
    assert len(drawn) == 2520 and found.diagnostics["randomisation"] == "all 2,520 possible orders"
    scale = found.se  # the analytical standard error sets the first step of the search
    expected = randomisation.interval(found.effect, alpha, beta, scale=scale)
    assert (found.ci_low, found.ci_high) == pytest.approx(expected, rel=1e-5)
    assert found.p_value == pytest.approx(randomisation.p_value(found.effect, alpha, beta))
    assert "randomisation test" in " ".join(found.diagnostics["warnings"])


@pytest.mark.slow
def test_the_randomisation_interval_covers_95_percent_with_8_teams_in_4_waves():
    """The analytical interval covered 84.5% here (issue 23); 400 replications: ± 2.2 points Monte Carlo error."""
    rng = np.random.default_rng(20261202)
    covered, reps = 0, 400
    for _ in range(reps):
        y, cohorts = _waves_table(rng)
        drawn = randomisation.assignments(cohorts)
        w = staggered.weights(drawn, y.shape[1])
        alpha = (w * y).sum(axis=(1, 2))
        beta = (w * staggered.treated_cells(cohorts, y.shape[1])).sum(axis=(1, 2))
        low, high = randomisation.interval(float(alpha[0]), alpha, beta, scale=1.0)
        covered += low <= 1.0 <= high
    assert abs(covered / reps - 0.95) < 0.025


def test_too_few_orders_of_the_waves_give_no_interval_and_say_why():
    rng = np.random.default_rng(3)
    y, cohorts = _waves_table(rng, units=4, waves=2, months=6)  # 2 + 2 teams: 6 possible orders
    found = effects.staggered_did(_long(y, cohorts), outcome="y", unit="team", period="month", cohort="first",
                                  control="notyet")
    assert (found.ci_low, found.ci_high) == (-np.inf, np.inf)
    assert found.p_value >= 1 / 3
    assert "only 6 orders" in found.diagnostics["no_interval"]


def test_assignments_are_all_distinct_orders_with_the_observed_first():
    labels = np.array([0, 0, 1, 1, 2])
    drawn = randomisation.assignments(labels)
    assert randomisation.assignment_count(labels.tolist()) == 30 == len({tuple(r) for r in drawn}) == len(drawn)
    assert drawn[0].tolist() == labels.tolist()
    big = np.arange(20) % 4
    sampled = randomisation.assignments(big, sampled=99)
    assert len(sampled) == 100 and sampled[0].tolist() == big.tolist()
    assert all(sorted(r) == sorted(big) for r in sampled)


def _pretrend_p(rng, drift=0.0, units=16, months=15):
    """Randomised waves of 16 teams starting in months 12, 13, 14, AR(0.6) noise; `drift` per month added to the
    later two waves' history (a difference in trend before anyone started)."""
    cohorts = rng.permutation(np.repeat([12, 13, 14], [6, 5, 5]))
    e = np.zeros((units, months))
    for t in range(months):
        e[:, t] = (0.6 * e[:, t - 1] if t else 0) + rng.normal(0, 0.5, size=units)
    y = rng.normal(size=(units, 1)) + e + 0.05 * np.arange(months) + drift * (cohorts[:, None] > 12) * np.arange(
        months)
    return effects._pretrend_by_randomisation(y, np.arange(months), cohorts, randomisation.assignments(cohorts,
                                                                                                       sampled=999))


@pytest.mark.slow
def test_the_waves_pretrend_test_is_a_randomisation_test_that_holds_its_size_and_sees_a_drift():
    """Nothing is treated before the first start, so the test is exact: 400 randomised pilots reject at 5% ± 2.7
    points (3 Monte Carlo sd). The Wald test on analytical errors said p = 0.000 on such a pilot."""
    rng = np.random.default_rng(2612)
    rejected = np.mean([_pretrend_p(rng) < 0.05 for _ in range(400)])
    assert rejected < 0.05 + 0.027
    seen = np.mean([_pretrend_p(rng, drift=0.15) < 0.05 for _ in range(50)])
    assert seen > 0.8

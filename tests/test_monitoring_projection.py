"""The "know by" projection of a running pilot against a simulation written here: people whose monthly KPI is a
lasting personal level plus month-to-month noise (the shape that makes more months help less and less), analysed
as the registered comparison of person means."""

import numpy as np
import pytest
from scipy import stats

from core import monitoring

N, BETWEEN, WITHIN, HORIZON, REPS = 40, 1.0, 2.5, 12, 1500  # people per arm, sd of levels and of monthly noise


def _pilot(effect: float, seed: int):
    """Standard errors and z of the comparison after 1…HORIZON months of outcome data, per simulated pilot, and
    the standard errors of the same comparison over 1…3 baseline months (before anyone was trained)."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0, BETWEEN, (REPS, 2 * N, 1))
    monthly = level + rng.normal(0, WITHIN, (REPS, 2 * N, HORIZON))
    monthly[:, :N] += effect
    means = np.cumsum(monthly, axis=2) / np.arange(1, HORIZON + 1)
    treated, control = means[:, :N], means[:, N:]
    se = np.sqrt(treated.var(1, ddof=1) / N + control.var(1, ddof=1) / N)
    z = (treated.mean(1) - control.mean(1)) / se
    before = np.cumsum(level + rng.normal(0, WITHIN, (REPS, 2 * N, 3)), axis=2) / np.arange(1, 4)
    shape = np.sqrt(before[:, :N].var(1, ddof=1) / N + before[:, N:].var(1, ddof=1) / N)
    return se, z, shape


@pytest.mark.parametrize("seen", [1, 2, 3])
def test_the_projected_power_at_the_end_matches_the_simulated_pilots(seen):
    effect, wanted = 0.75, 6
    se, z, shape = _pilot(effect, seed=seen)
    simulated = float((np.abs(z[:, wanted - 1]) >= stats.norm.ppf(0.975)).mean())  # ≈ 0.66
    projected = [monitoring.project({m + 1: se[r, m] for m in range(seen)}, wanted=wanted, break_even=effect,
                                    horizon=HORIZON, shape={m + 1: shape[r, m] for m in range(3)}).power(wanted, effect)
                 for r in range(REPS)]
    assert np.mean(projected) == pytest.approx(simulated, abs=0.04)


def test_without_a_baseline_shape_one_month_is_projected_optimistically_and_says_so():
    se, z, _ = _pilot(0.75, seed=7)
    found = [monitoring.project({1: se[r, 0]}, wanted=6, break_even=0.75) for r in range(200)]
    assert all(p.proportional for p in found)
    assert np.mean([p.power(6, 0.75) for p in found]) > (np.abs(z[:, 5]) >= 1.96).mean() + 0.1


def test_the_know_by_month_is_when_the_simulated_pilots_reach_the_registered_power():
    effect = 0.9
    se, z, shape = _pilot(effect, seed=11)
    reached = (np.abs(z) >= stats.norm.ppf(0.975)).mean(0)  # simulated power after 1…12 months
    first = int(np.argmax(reached >= 0.8)) + 1
    assert reached[-1] >= 0.8 and 3 <= first <= 10  # the case is one a projection must get right
    know_by = [monitoring.project({1: se[r, 0], 2: se[r, 1]}, wanted=3, break_even=effect, horizon=HORIZON,
                                  ).know_by or HORIZON + 1 for r in range(REPS)]
    assert abs(np.median(know_by) - first) <= 1


def test_the_final_analysis_uses_the_last_boundary_of_its_registered_looks():
    assert monitoring.final_boundary(looks=1) == pytest.approx(1.959964, abs=1e-6)
    assert monitoring.final_boundary(looks=3) == pytest.approx(1.9930, abs=1e-4)  # gsDesign sfLDOF, k = 3
    found = monitoring.project({1: 1.0, 2: 0.8}, wanted=3, looks=3, break_even=2.0)
    assert found.detectable(3) == pytest.approx((1.9930 + stats.norm.ppf(0.8)) * found.se[3], abs=1e-3)


def test_no_standard_error_is_refused():
    with pytest.raises(ValueError, match="standard errors"):
        monitoring.project({}, wanted=3)


def test_the_planned_power_pays_for_interim_looks():
    """With three O'Brien–Fleming looks the final test is at 2 − 2Φ(1.9930) ≈ 0.0463 (gsDesign's nominal level),
    so the planned power at the same effect falls a little, and the detectable effect grows."""
    from core import design
    from core import pilot as pl
    from core.templates import sales_skills

    plan = sales_skills()
    once = design.power_summary(plan, pl.facts(plan, None))
    plan.design.looks = 3
    assert design.test_alpha(plan) == pytest.approx(0.0463, abs=1e-4)
    thrice = design.power_summary(plan, pl.facts(plan, None))
    assert thrice.planned_power < once.planned_power


def test_the_looks_the_analysis_follows_are_those_locked():
    from core import design
    from core import pilot as pl
    from core.plan import Preregistration
    from core.templates import sales_skills

    plan = sales_skills()
    plan.design.looks = 3
    assert design.registered_looks(plan) == 3  # before the lock: step 4's
    plan.design.preregistration = Preregistration("2026-06-30", design.registered_fields(plan, pl.facts(plan, None)))
    plan.design.looks = 2  # changed after the lock: a deviation, not a new schedule
    assert design.registered_looks(plan) == 3

"""Power formulas against Monte Carlo simulations of the pilot, analysed as it would be analysed.

Each simulation draws whole pilots (fixed seed, vectorised), runs the planned test on every one and counts
rejections at α = 0.05. With R replications the Monte Carlo standard error of a power p is √(p(1−p)/R):
0.5 points for R = 10,000, 0.35 points for R = 20,000; tolerances are about four standard errors.
"""

import numpy as np
import pytest
from scipy import stats

from core import power as pw


def pooled_t_test(treated: np.ndarray, control: np.ndarray, alpha: float = 0.05) -> float:
    """Share of rows (simulated pilots) where the two-sided pooled two-sample t-test rejects; a row with no
    variation at all has no test and counts as no rejection."""
    n1, n2 = treated.shape[1], control.shape[1]
    pooled = (treated.var(axis=1, ddof=1) * (n1 - 1) + control.var(axis=1, ddof=1) * (n2 - 1)) / (n1 + n2 - 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (treated.mean(axis=1) - control.mean(axis=1)) / np.sqrt(pooled * (1 / n1 + 1 / n2))
    return float((np.abs(np.nan_to_num(t)) > stats.t.isf(alpha / 2, n1 + n2 - 2)).mean())


# -- binary KPI, whole teams randomised -------------------------------------------------------------------------
def simulate_binary_cluster_power(p1, p0, k, m, icc, sims, rng):
    """Teams of m people, k per arm; a team's rate is Beta with mean p and ICC `icc` (beta-binomial:
    α + β = (1 − ICC)/ICC), each person a Bernoulli draw at the team rate. Analysis: the two-sample t-test
    on the team proportions (df = 2k − 2), the standard analysis for few clusters (Donner & Klar 2000)."""
    def arm(p):
        s = (1 - icc) / icc
        rates = rng.beta(p * s, (1 - p) * s, (sims, k))
        return rng.binomial(m, rates) / m

    return pooled_t_test(arm(p1), arm(p0))


def test_binary_kpi_with_three_teams_per_arm_uses_cluster_degrees_of_freedom():
    # The normal approximation said 0.391 here; the t with df = 4 says 0.255; simulated 0.259.
    simulated = simulate_binary_cluster_power(0.75, 0.5, 3, 10, 0.05, 20_000, np.random.default_rng(11))
    formula = pw.power_proportions(0.75, 0.5, 30, 30, icc=0.05, cluster_size=10)
    assert formula == pytest.approx(simulated, abs=0.015)


def test_binary_kpi_with_more_teams_matches_simulation():
    rng = np.random.default_rng(12)
    k, m, icc = 8, 15, 0.08
    formula = pw.power_proportions(0.45, 0.30, k * m, k * m, icc=icc, cluster_size=m)
    simulated = simulate_binary_cluster_power(0.45, 0.30, k, m, icc, 10_000, rng)
    assert formula == pytest.approx(simulated, abs=0.02)  # 0.339 and 0.338 (normal approximation: 0.381)


def test_binary_cluster_sample_size_reaches_its_power_in_simulation():
    result = pw.sample_size_proportions(0.6, 0.4, icc=0.05, cluster_size=10)
    k = result.clusters_treatment
    assert result.clusters_control == k and result.n_treatment == 10 * k
    simulated = simulate_binary_cluster_power(0.6, 0.4, k, 10, 0.05, 10_000, np.random.default_rng(13))
    assert simulated >= 0.8 - 0.02  # 16 teams per arm: 0.826 (the normal approximation chose 15: 0.797)


# -- continuous KPI, whole teams randomised ---------------------------------------------------------------------
def simulate_cluster_means_power(effect, k, m, icc, sims, rng):
    """Teams of m people (team effect variance ICC, person variance 1 − ICC), k per arm, analysed by the
    t-test on team means (df = 2k − 2; exact for equal team sizes)."""
    def arm(shift):
        team = rng.normal(0, np.sqrt(icc), (sims, k))
        people = rng.normal(0, np.sqrt(1 - icc), (sims, k, m)).mean(axis=2)
        return shift + team + people

    return pooled_t_test(arm(effect), arm(0.0))


def test_cluster_sample_size_reaches_its_power_in_simulation():
    result = pw.sample_size(0.4, icc=0.1, cluster_size=12)
    simulated = simulate_cluster_means_power(0.4, result.clusters_treatment, 12, 0.1, 10_000,
                                             np.random.default_rng(21))
    assert simulated == pytest.approx(result.achieved_power, abs=0.02)


# -- baseline covariate (ANCOVA) --------------------------------------------------------------------------------
def ancova_rejections(pre: np.ndarray, post: np.ndarray, n1: int, alpha: float = 0.05) -> float:
    """OLS of post on 1 + arm + pre for every row (the first n1 columns treated), two-sided t-test on the arm
    coefficient with N − 3 df. Written out from the within-arm sums of squares, which is the same OLS fit:
    b = Sxy/Sxx, effect = (ȳ₁ − ȳ₂) − b(x̄₁ − x̄₂), SE² = RSS/(N − 3)·(1/n₁ + 1/n₂ + (x̄₁ − x̄₂)²/Sxx)."""
    n = pre.shape[1]
    arms = [(pre[:, :n1], post[:, :n1]), (pre[:, n1:], post[:, n1:])]
    means = [(x.mean(axis=1), y.mean(axis=1)) for x, y in arms]
    centred = [(x - mx[:, None], y - my[:, None]) for (x, y), (mx, my) in zip(arms, means, strict=True)]
    sxx = sum((x * x).sum(axis=1) for x, _ in centred)
    sxy = sum((x * y).sum(axis=1) for x, y in centred)
    syy = sum((y * y).sum(axis=1) for _, y in centred)
    dx, dy = means[0][0] - means[1][0], means[0][1] - means[1][1]
    effect = dy - sxy / sxx * dx
    rss = syy - sxy**2 / sxx
    se = np.sqrt(rss / (n - 3) * (1 / n1 + 1 / (n - n1) + dx**2 / sxx))
    return float((np.abs(effect / se) > stats.t.isf(alpha / 2, n - 3)).mean())


def simulate_ancova_power(effect, n1, n2, rho, sims, rng):
    pre = rng.normal(size=(sims, n1 + n2))
    post = rho * pre + np.sqrt(1 - rho**2) * rng.normal(size=(sims, n1 + n2))
    post[:, :n1] += effect
    return ancova_rejections(pre, post, n1)


@pytest.mark.parametrize(
    ("n", "rho", "effect", "seed"),
    [(8, 0.7, 1.0, 31),    # formula 0.701, simulated 0.704; without the imbalance factor 0.736
     (5, 0.8, 1.0, 32),    # formula 0.556, simulated 0.570; without 0.621 (the mean factor is slightly cautious)
     (40, 0.7, 0.45, 33)],  # formula 0.790, simulated 0.788; without 0.795
)
def test_ancova_power_counts_the_chance_imbalance_of_the_baseline(n, rho, effect, seed):
    simulated = simulate_ancova_power(effect, n, n, rho, 40_000, np.random.default_rng(seed))
    formula = pw.power(effect, n, n, baseline_corr=rho)
    assert formula == pytest.approx(simulated, abs=0.01 if n >= 8 else 0.025)


def test_ancova_with_unequal_arms_matches_simulation():
    simulated = simulate_ancova_power(0.9, 6, 12, 0.6, 40_000, np.random.default_rng(34))  # 0.533
    assert pw.power(0.9, 6, 12, baseline_corr=0.6) == pytest.approx(simulated, abs=0.012)  # 0.529 (without: 0.558)


def test_clustered_ancova_on_cluster_means_matches_simulation():
    """Teams of m, k per arm; baseline and outcome correlate ρ within people and within team effects, so
    team means correlate ρ too. Analysis: ANCOVA on team means (df = 2k − 3)."""
    rng = np.random.default_rng(35)
    k, m, icc, rho, effect, sims = 5, 8, 0.1, 0.6, 0.5, 20_000

    def team_means():
        return rng.normal(0, np.sqrt(icc), (sims, 2 * k)) + \
            rng.normal(0, np.sqrt(1 - icc), (sims, 2 * k, m)).mean(axis=2)

    pre = team_means()
    post = rho * pre + np.sqrt(1 - rho**2) * team_means()
    post[:, :k] += effect
    simulated = ancova_rejections(pre, post, k)
    formula = pw.power(effect, k * m, k * m, icc=icc, cluster_size=m, baseline_corr=rho)
    assert formula == pytest.approx(simulated, abs=0.015)  # 0.403 and 0.411 (without the factor, df 7.5: 0.456)


# -- unequal cluster sizes --------------------------------------------------------------------------------------
TEAM_SIZES = np.array([2, 3, 5, 8, 13, 21])  # mean 8.67, coefficient of variation 0.76 (population sd / mean)
MEAN_SIZE = TEAM_SIZES.mean()
SIZE_CV = TEAM_SIZES.std() / MEAN_SIZE


def simulate_unequal_teams(effect, sizes, icc, rng):
    """People in teams of the given sizes (array sims × 2k, the first k columns treated): a team effect of
    variance ICC shared by its members plus a person's own of variance 1 − ICC. Returns the team means."""
    members = np.arange(sizes.max()) < sizes[..., None]
    people = rng.normal(0, np.sqrt(1 - icc), (*sizes.shape, sizes.max())) * members
    means = rng.normal(0, np.sqrt(icc), sizes.shape) + people.sum(axis=2) / sizes
    means[:, : sizes.shape[1] // 2] += effect
    return means


def weighted_t_test(means, weights, alpha=0.05):
    """Two-sided t-test of the weighted arm means of team means, variance σ²/weight with σ² estimated from
    the weighted residuals (df = 2k − 2): with weights 1/(ICC + (1 − ICC)/m) this is the mixed model with
    known variance components (generalised least squares), an exact t-test; with weight 1 it is the
    ordinary t-test on team means."""
    k = means.shape[1] // 2
    arms = [(means[:, :k], weights[:, :k]), (means[:, k:], weights[:, k:])]
    totals = [w.sum(axis=1) for _, w in arms]
    centres = [(y * w).sum(axis=1) / t for (y, w), t in zip(arms, totals, strict=True)]
    rss = sum((w * (y - c[:, None]) ** 2).sum(axis=1) for (y, w), c in zip(arms, centres, strict=True))
    se = np.sqrt(rss / (2 * k - 2) * (1 / totals[0] + 1 / totals[1]))
    return float((np.abs((centres[0] - centres[1]) / se) > stats.t.isf(alpha / 2, 2 * k - 2)).mean())


def test_people_weighted_difference_has_the_eldridge_design_effect():
    # Each arm has one team of each size, so Σm²/Σm = (1 + cv²)·m̄ exactly; the variance of the difference
    # in people-weighted means, over 40,000 simulated pilots, against design effect × (1/n₁ + 1/n₂).
    rng = np.random.default_rng(41)
    icc, sims = 0.05, 40_000
    sizes = np.tile(np.r_[TEAM_SIZES, TEAM_SIZES], (sims, 1))
    means = simulate_unequal_teams(0.0, sizes, icc, rng)
    k = len(TEAM_SIZES)
    weighted = [(means[:, a:b] * sizes[:, a:b]).sum(axis=1) / TEAM_SIZES.sum() for a, b in ((0, k), (k, 2 * k))]
    ratio = np.var(weighted[0] - weighted[1]) / (2 / TEAM_SIZES.sum())
    expected = pw.design_effect(MEAN_SIZE, icc, cluster_cv=SIZE_CV)
    assert ratio == pytest.approx(expected, rel=0.03)  # 1.641 vs 1.635 (equal sizes: 1.383); MC error 0.7%


@pytest.mark.parametrize(
    ("k", "icc", "effect", "seed"),
    [(10, 0.02, 0.4, 42),   # formula 0.605 (equal sizes: 0.641), mixed model 0.601, unweighted team means 0.434
     (8, 0.05, 0.45, 43),   # formula 0.488 (equal sizes: 0.555), mixed model 0.492, unweighted 0.398
     (6, 0.10, 0.7, 44)],   # formula 0.571 (equal sizes: 0.678), mixed model 0.607, unweighted 0.537
)
def test_unequal_team_sizes_power_against_a_mixed_model_analysis(k, icc, effect, seed):
    """Team sizes drawn at random for each simulated pilot (mean 8.67, cv 0.76). Eldridge's design effect is
    the people-weighted analysis's; a mixed model weights teams better, so the formula is cautious for it,
    by a few points as the ICC grows. A plain t-test on team means ignores the sizes and falls short when
    the ICC is small."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice(TEAM_SIZES, (20_000, 2 * k))
    means = simulate_unequal_teams(effect, sizes, icc, rng)
    mixed = weighted_t_test(means, 1 / (icc + (1 - icc) / sizes))
    formula = pw.power(effect, k * MEAN_SIZE, k * MEAN_SIZE, icc=icc, cluster_size=MEAN_SIZE, cluster_cv=SIZE_CV)
    assert mixed - 0.045 <= formula <= mixed + 0.015
    if icc <= 0.05:
        assert weighted_t_test(means, np.ones_like(means)) < formula - 0.05

"""Power, sample size and MDE against published values, statsmodels and simulation."""

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower, TTestIndPower

from core import power as pw


# -- published values (G*Power / R pwr / PRODUCT.md section 4) ------------------------------------------
@pytest.mark.parametrize(("d", "n"), [(0.5, 63.77), (0.2, 393.41), (0.8, 25.52)])
def test_published_sample_sizes(d, n):
    result = pw.sample_size(d)
    assert result.n_treatment_exact == pytest.approx(n, abs=0.01)
    assert result.n_treatment == math.ceil(n) and result.n_control == math.ceil(n)
    assert result.achieved_power >= 0.8


def test_effect_in_kpi_units_is_divided_by_sd():
    assert pw.sample_size(5.0, sd=10.0).n_treatment_exact == pytest.approx(63.77, abs=0.01)


def test_published_power_n50_d05():
    assert pw.power(0.5, 50, 50) == pytest.approx(0.6969, abs=1e-4)


def test_published_unequal_allocation():
    result = pw.sample_size(0.5, ratio=2)
    assert result.n_treatment_exact == pytest.approx(47.74, abs=0.01)
    assert (result.n_treatment, result.n_control) == (48, 96)


def test_published_cohens_h_and_proportions():
    assert pw.cohens_h(0.55, 0.50) == pytest.approx(0.1002, abs=1e-4)
    assert pw.sample_size_proportions(0.55, 0.50).n_treatment_exact == pytest.approx(1564.5, abs=0.1)


def test_pwr_2p2n_reference_h02_n543_675():
    p1 = math.sin(0.1 + math.asin(math.sqrt(0.5))) ** 2  # chosen so that h = 0.2 against 0.5
    assert pw.cohens_h(p1, 0.5) == pytest.approx(0.2)
    assert pw.power_proportions(p1, 0.5, 543, 675) == pytest.approx(0.9344, abs=1e-4)


# -- statsmodels on a grid ----------------------------------------------------------------------------------
GRID = [(d, ratio, alpha, alt) for d in (0.1, 0.3, 0.5, 1.2) for ratio in (0.5, 1, 3) for alpha in (0.01, 0.05)
        for alt in ("two-sided", "larger")]


@pytest.mark.parametrize(("d", "ratio", "alpha", "alternative"), GRID)
def test_sample_size_matches_statsmodels(d, ratio, alpha, alternative):
    reference = TTestIndPower().solve_power(effect_size=d, alpha=alpha, power=0.8, ratio=ratio,
                                            alternative=alternative)
    assert pw.sample_size(d, alpha=alpha, ratio=ratio, alternative=alternative).n_treatment_exact == \
        pytest.approx(reference, rel=1e-4)


@pytest.mark.parametrize(("d", "ratio", "alpha", "alternative"), GRID[::3])
def test_power_and_mde_match_statsmodels(d, ratio, alpha, alternative):
    n1 = 40
    reference = TTestIndPower().power(d, nobs1=n1, alpha=alpha, ratio=ratio, alternative=alternative)
    assert pw.power(d, n1, n1 * ratio, alpha=alpha, alternative=alternative) == pytest.approx(reference, abs=1e-6)
    reference_mde = TTestIndPower().solve_power(nobs1=n1, alpha=alpha, power=0.8, ratio=ratio, alternative=alternative)
    assert pw.mde(n1, n1 * ratio, alpha=alpha, alternative=alternative) == pytest.approx(reference_mde, rel=1e-4)


def test_one_sided_smaller():
    reference = TTestIndPower().solve_power(effect_size=-0.4, alpha=0.05, power=0.9, alternative="smaller")
    result = pw.sample_size(-0.4, power=0.9, alternative="smaller")
    assert result.n_treatment_exact == pytest.approx(reference, rel=1e-4)
    assert pw.mde(50, alternative="smaller") > 0


def test_proportions_match_statsmodels_normal_power():
    h = pw.cohens_h(0.3, 0.2)
    reference = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.9, ratio=1.5)
    assert pw.sample_size_proportions(0.3, 0.2, power=0.9, ratio=1.5).n_treatment_exact == \
        pytest.approx(reference, rel=1e-4)


# -- extremes where scipy and statsmodels give NaN ------------------------------------------------------------
def test_huge_samples_stay_finite():
    assert pw.power(0.5, 5_000) == 1.0
    tiny = pw.sample_size(0.001)
    # normal approximation: n = 2 (z.975 + z.8)² / d²
    z = stats.norm.isf(0.025) + stats.norm.isf(0.2)
    assert tiny.n_treatment_exact == pytest.approx(2 * z**2 / 0.001**2, rel=1e-4)
    assert math.isfinite(pw.mde(20_000))
    assert pw.mde(20_000) == pytest.approx(z * math.sqrt(2 / 20_000), rel=1e-3)


@pytest.mark.parametrize("effect", [0.0, math.nan])
def test_zero_effect_cannot_be_detected(effect):
    with pytest.raises(ValueError):
        pw.sample_size(effect)


def test_wrong_one_sided_direction_is_unreachable():
    with pytest.raises(pw.UnreachableError, match="one-sided"):
        pw.sample_size(0.5, alternative="smaller")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"alpha": 0}, "alpha"), ({"power": 0.01}, "power must be above alpha"), ({"ratio": 0}, "ratio"),
     ({"icc": 1.2}, "icc"), ({"cluster_size": 0}, "cluster_size"), ({"baseline_corr": 1}, "baseline_corr"),
     ({"attrition": 1}, "attrition"), ({"sd": -1}, "sd"), ({"alternative": "both"}, "alternative")],
)
def test_bad_arguments_name_themselves(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pw.sample_size(0.5, **kwargs)


def test_too_few_people_for_a_test():
    with pytest.raises(ValueError, match="degree of freedom"):
        pw.power(0.5, 1, 1)


# -- adjustments ---------------------------------------------------------------------------------------------
def test_attrition_divides_the_sample():
    base = pw.sample_size(0.5).n_treatment_exact
    # People measured are n(1 − a); df uses them too, so n_enrolled × 0.8 equals the no-attrition n.
    assert pw.sample_size(0.5, attrition=0.2).n_treatment_exact * 0.8 == pytest.approx(base, rel=1e-9)


def test_baseline_covariate_never_hurts_and_shrinks_by_about_one_minus_rho_squared():
    base = pw.sample_size(0.3).n_treatment_exact
    adjusted = pw.sample_size(0.3, baseline_corr=0.6).n_treatment_exact
    assert adjusted < base
    assert adjusted == pytest.approx(base * (1 - 0.36), rel=0.01)


def test_clusters_are_whole_and_inflate_by_the_design_effect():
    result = pw.sample_size(0.3, icc=0.05, cluster_size=20)
    assert result.n_treatment % 20 == 0 and result.clusters_treatment == result.n_treatment // 20
    unclustered = pw.sample_size(0.3).n_treatment_exact
    assert result.n_treatment_exact >= unclustered * pw.design_effect(20, 0.05)


def simulate_cluster_power(effect, k, m, icc, sims, rng):
    """t-test on cluster means of a cluster-randomised pilot (an exact analysis for equal clusters)."""
    between = rng.normal(0, math.sqrt(icc), (sims, 2, k))
    within = rng.normal(0, math.sqrt(1 - icc), (sims, 2, k, m)).mean(axis=3)
    means = between + within
    means[:, 0, :] += effect
    p = stats.ttest_ind(means[:, 0, :], means[:, 1, :], axis=1).pvalue
    return (p < 0.05).mean()


def test_cluster_power_matches_simulation():
    rng = np.random.default_rng(2026)
    k, m, icc, effect = 8, 15, 0.1, 0.45
    formula = pw.power(effect, k * m, k * m, icc=icc, cluster_size=m)
    simulated = simulate_cluster_power(effect, k, m, icc, 2_000, rng)
    assert simulated == pytest.approx(formula, abs=0.03)


def test_ancova_needs_more_than_four_people_or_clusters():
    assert pw.power(3.0, 3, 2, baseline_corr=0.5) > 0  # N = 5: df 2, variance × 2
    with pytest.raises(ValueError, match="ANCOVA needs more than 4"):
        pw.power(3.0, 2, 2, baseline_corr=0.5)
    with pytest.raises(ValueError, match="ANCOVA needs more than 4"):
        pw.mde(20, 20, icc=0.05, cluster_size=10, baseline_corr=0.5)


def test_weak_baseline_in_a_tiny_pilot_can_cost_power():
    # 10 per arm, ρ = 0.1: (1 − ρ²)(1 + 1/16) = 1.052 > 1 and one df fewer, so ANCOVA has less power than the
    # t-test (simulated with 40,000 pilots: 0.541 against 0.562).
    assert pw.power(1.0, 10, baseline_corr=0.1) < pw.power(1.0, 10)


def test_a_part_filled_cluster_counts_as_a_whole_cluster():
    # 25 people per arm in teams of 10 are 3 teams per arm: df = 3 + 3 − 2 = 4, not 2·25/10 − 2 = 3.
    d, icc, m, n = 0.8, 0.05, 10, 25
    ncp = d / math.sqrt((1 + (m - 1) * icc) * (1 / n + 1 / n))
    crit = stats.t.isf(0.025, 4)
    expected = stats.nct.sf(crit, 4, ncp) + stats.nct.cdf(-crit, 4, ncp)
    assert pw.power(d, n, n, icc=icc, cluster_size=m) == pytest.approx(expected, rel=1e-9)
    assert pw.mde(n, n, icc=icc, cluster_size=m, power=expected) == pytest.approx(d, rel=1e-6)
    h = pw.cohens_h(0.8, 0.5)
    ncp_h = h / math.sqrt((1 + (m - 1) * icc) * (2 / n))
    expected_h = stats.nct.sf(crit, 4, ncp_h) + stats.nct.cdf(-crit, 4, ncp_h)
    assert pw.power_proportions(0.8, 0.5, n, n, icc=icc, cluster_size=m) == pytest.approx(expected_h, rel=1e-9)


def test_cluster_sample_size_is_the_fewest_whole_clusters():
    result = pw.sample_size(0.4, icc=0.1, cluster_size=12)
    k = result.clusters_treatment
    assert (k - 1) * 12 < result.n_treatment_exact <= k * 12
    assert result.achieved_power >= 0.8
    # one cluster fewer per arm, with its whole-cluster df, falls short (the formula written out)
    ncp = 0.4 / math.sqrt((1 + 11 * 0.1) * 2 / ((k - 1) * 12))
    df = 2 * (k - 1) - 2
    crit = stats.t.isf(0.025, df)
    assert stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp) < 0.8


# -- unequal cluster sizes -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("m", "cv", "icc"), [(10, 0.5, 0.05), (8.5, 0.7, 0.02), (25, 0.0, 0.1), (1.5, 1.2, 0.3)])
def test_design_effect_is_eldridges_formula(m, cv, icc):
    # Eldridge, Ashby & Kerry (2006), Int J Epidemiol 35:1292, eq. for the design effect: 1 + ((cv² + 1)·m̄ − 1)·ρ
    assert pw.design_effect(m, icc, cluster_cv=cv) == pytest.approx(1 + ((cv**2 + 1) * m - 1) * icc, rel=1e-12)


def test_design_effect_from_listed_cluster_sizes_matches_kerry_and_bland():
    # Kerry & Bland (2001): 1 + (Σm²/Σm − 1)·ρ for the actual sizes; cv with the population sd.
    sizes = np.array([4, 7, 7, 12, 30, 9, 2])
    icc = 0.04
    listed = 1 + ((sizes**2).sum() / sizes.sum() - 1) * icc
    assert pw.design_effect(sizes.mean(), icc, cluster_cv=sizes.std() / sizes.mean()) == pytest.approx(listed)


def test_unequal_cluster_sizes_after_attrition_written_out():
    # 6 teams per arm of mean 12 (cv 0.6), 20% lost: 9.6 measured a team; df = 6 + 6 − 2.
    d, m, cv, icc, a = 0.5, 12, 0.6, 0.05, 0.2
    n = 6 * m
    deff = 1 + ((1 + cv**2) * m * (1 - a) - 1) * icc
    ncp = d / math.sqrt(deff * 2 / (n * (1 - a)))
    crit = stats.t.isf(0.025, 10)
    expected = stats.nct.sf(crit, 10, ncp) + stats.nct.cdf(-crit, 10, ncp)
    options = {"icc": icc, "cluster_size": m, "cluster_cv": cv, "attrition": a}
    assert pw.power(d, n, n, **options) == pytest.approx(expected, rel=1e-9)
    assert pw.mde(n, n, power=expected, **options) == pytest.approx(d, rel=1e-6)
    h = pw.cohens_h(0.5, 0.3)
    ncp_h = h / math.sqrt(deff * 2 / (n * (1 - a)))
    expected_h = stats.nct.sf(crit, 10, ncp_h) + stats.nct.cdf(-crit, 10, ncp_h)
    assert pw.power_proportions(0.5, 0.3, n, n, **options) == pytest.approx(expected_h, rel=1e-9)
    assert pw.mde_proportions(0.3, n, n, power=expected_h, **options) == pytest.approx(0.2, abs=1e-6)


def test_size_variation_needs_more_clusters():
    equal = pw.sample_size(0.4, icc=0.05, cluster_size=10)
    varied = pw.sample_size(0.4, icc=0.05, cluster_size=10, cluster_cv=0.7)
    assert varied.clusters_treatment > equal.clusters_treatment
    binary_equal = pw.sample_size_proportions(0.4, 0.25, icc=0.05, cluster_size=10)
    binary_varied = pw.sample_size_proportions(0.4, 0.25, icc=0.05, cluster_size=10, cluster_cv=0.7)
    assert binary_varied.clusters_treatment > binary_equal.clusters_treatment


def test_fractional_mean_cluster_size_gives_whole_clusters_and_people():
    result = pw.sample_size(0.6, icc=0.05, cluster_size=7.5, cluster_cv=0.4)
    k = result.clusters_treatment
    assert result.n_treatment == round(k * 7.5)
    assert (k - 1) * 7.5 < result.n_treatment_exact <= k * 7.5
    assert result.achieved_power >= 0.8
    # the rounded people count is still k clusters: df 2k − 2 when the plan's n is fed back
    ncp = 0.6 / math.sqrt((1 + (1.16 * 7.5 - 1) * 0.05) * 2 / result.n_treatment)
    crit = stats.t.isf(0.025, 2 * k - 2)
    expected = stats.nct.sf(crit, 2 * k - 2, ncp) + stats.nct.cdf(-crit, 2 * k - 2, ncp)
    assert pw.power(0.6, result.n_treatment, icc=0.05, cluster_size=7.5, cluster_cv=0.4) == \
        pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"cluster_size": 0.5}, "cluster_size"), ({"cluster_size": math.inf}, "cluster_size"),
     ({"cluster_size": math.nan}, "cluster_size"), ({"cluster_size": 10, "cluster_cv": -0.1}, "cluster_cv"),
     ({"cluster_size": 10, "cluster_cv": math.nan}, "cluster_cv"),
     ({"cluster_size": 10, "cluster_cv": math.inf}, "cluster_cv"), ({"cluster_cv": 0.3}, "cluster_cv")],
)
def test_bad_cluster_sizes_name_themselves(kwargs, message):
    for call in (lambda: pw.sample_size(0.5, icc=0.05, **kwargs), lambda: pw.power(0.5, 50, icc=0.05, **kwargs),
                 lambda: pw.mde(50, icc=0.05, **kwargs),
                 lambda: pw.power_proportions(0.6, 0.5, 50, icc=0.05, **kwargs),
                 lambda: pw.sample_size_proportions(0.6, 0.5, icc=0.05, **kwargs),
                 lambda: pw.mde_proportions(0.5, 50, icc=0.05, **kwargs),
                 lambda: pw.design_effect(kwargs.get("cluster_size", 1), 0.05, cluster_cv=kwargs.get("cluster_cv", 0))):
        with pytest.raises(ValueError, match=message):
            call()


# -- every function refuses out-of-range input with a ValueError that names the argument --------------------
CALLS = {
    "sample_size": lambda a: pw.sample_size(a.pop("effect", 0.5), **a),
    "power": lambda a: pw.power(a.pop("effect", 0.5), a.pop("n_treatment", 30), a.pop("n_control", 30), **a),
    "mde": lambda a: pw.mde(a.pop("n_treatment", 30), a.pop("n_control", 30), **a),
    "power_proportions": lambda a: pw.power_proportions(a.pop("p_treatment", 0.6), a.pop("p_control", 0.5),
                                                        a.pop("n_treatment", 30), a.pop("n_control", 30), **a),
    "sample_size_proportions": lambda a: pw.sample_size_proportions(a.pop("p_treatment", 0.6),
                                                                    a.pop("p_control", 0.5), **a),
    "mde_proportions": lambda a: pw.mde_proportions(a.pop("p_control", 0.5), a.pop("n_treatment", 30),
                                                    a.pop("n_control", 30), **a),
}
ARGUMENTS = {
    "sample_size": ["effect", "sd", "alpha", "power", "ratio", "alternative", "icc", "cluster_size", "cluster_cv",
                    "baseline_corr", "attrition"],
    "power": ["effect", "n_treatment", "n_control", "sd", "alpha", "alternative", "icc", "cluster_size",
              "cluster_cv", "baseline_corr", "attrition"],
    "mde": ["n_treatment", "n_control", "sd", "alpha", "power", "alternative", "icc", "cluster_size", "cluster_cv",
            "baseline_corr", "attrition"],
    "power_proportions": ["p_treatment", "p_control", "n_treatment", "n_control", "alpha", "alternative", "icc",
                          "cluster_size", "cluster_cv", "attrition"],
    "sample_size_proportions": ["p_treatment", "p_control", "alpha", "power", "ratio", "alternative", "icc",
                                "cluster_size", "cluster_cv", "attrition"],
    "mde_proportions": ["p_control", "n_treatment", "n_control", "alpha", "power", "alternative", "icc",
                        "cluster_size", "cluster_cv", "attrition"],
}
BAD = {
    "effect": [math.nan, math.inf], "n_treatment": [0, -5, math.nan, math.inf],
    "n_control": [0, -5, math.nan, math.inf], "sd": [0, -1, math.nan, math.inf],
    "alpha": [0, 1, -0.1, 1.5, math.nan], "power": [0, 0.01, 1, 1.5, math.nan], "ratio": [0, -1, math.nan, math.inf],
    "alternative": ["both"], "icc": [1, 1.2, -0.1, math.nan], "cluster_size": [0, 0.5, math.nan, math.inf],
    "cluster_cv": [-0.1, math.nan, math.inf], "baseline_corr": [1, -1, 1.5, math.nan],
    "attrition": [1, -0.1, math.nan], "p_treatment": [-0.1, 1.1, math.nan], "p_control": [-0.1, 1.1, math.nan, 0, 1],
}
CASES = [(f, name, value, clustered) for f, names in ARGUMENTS.items() for name in names for value in BAD[name]
         for clustered in (False, True)
         if not (name == "p_control" and value in (0, 1) and f != "mde_proportions")]  # 0 and 1 are fine elsewhere


@pytest.mark.parametrize(("function", "name", "value", "clustered"), CASES)
def test_out_of_range_input_raises_a_value_error_naming_it(function, name, value, clustered):
    arguments = {"icc": 0.05, "cluster_size": 10, "cluster_cv": 0.3} if clustered else {}
    arguments[name] = value
    message = "power must" if name == "power" else name
    with pytest.raises(ValueError, match=message):
        CALLS[function](arguments)


@pytest.mark.parametrize(("cluster_size", "icc", "cluster_cv", "message"),
                         [(0.5, 0.05, 0, "cluster_size"), (math.inf, 0.05, 0, "cluster_size"),
                          (10, 1.0, 0, "icc"), (10, math.nan, 0, "icc"), (10, 0.05, -1, "cluster_cv")])
def test_design_effect_refuses_out_of_range_input(cluster_size, icc, cluster_cv, message):
    with pytest.raises(ValueError, match=message):
        pw.design_effect(cluster_size, icc, cluster_cv=cluster_cv)

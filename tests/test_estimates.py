import math
import statistics

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from core import estimates


def test_sd_matches_the_standard_library():
    values = [3.0, 5.0, 8.0, float("nan"), 13.0]
    result = estimates.sd(values)
    assert result.value == pytest.approx(statistics.stdev([3, 5, 8, 13])) and result.n == 4


def test_icc_by_hand():
    # Two groups: {1, 3} and {5, 7}. Grand mean 4; MSB = 2·(2−4)² + 2·(6−4)² = 16 over k−1 = 1;
    # MSW = (1+1+1+1)/(4−2) = 2; n0 = 2; ICC = (16 − 2)/(16 + 2) = 0.7778.
    result = estimates.icc_oneway([1, 3, 5, 7], ["a", "a", "b", "b"])
    assert result.value == pytest.approx(14 / 18) and result.n == 4


def test_icc_matches_mixedlm_variance_components_on_balanced_data():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(3)
    k, m, icc = 40, 25, 0.15
    group = np.repeat(np.arange(k), m)
    y = rng.normal(0, math.sqrt(icc), k)[group] + rng.normal(0, math.sqrt(1 - icc), k * m)
    fit = smf.mixedlm("y ~ 1", pd.DataFrame({"y": y, "g": group}), groups="g").fit(reml=True)
    reference = fit.cov_re.iloc[0, 0] / (fit.cov_re.iloc[0, 0] + fit.scale)
    assert estimates.icc_oneway(y, group).value == pytest.approx(reference, abs=1e-3)


def test_icc_needs_two_groups():
    assert math.isnan(estimates.icc_oneway([1, 2, 3], ["a", "a", "a"]).value)


def test_negative_icc_is_clipped_for_power_only():
    result = estimates.icc_oneway([1, 2, 1, 2], ["a", "a", "b", "b"])
    assert result.value < 0 and result.for_power == 0


def test_correlation_ci_matches_scipy():
    rng = np.random.default_rng(5)
    x = rng.normal(size=60)
    y = 0.5 * x + rng.normal(size=60)
    estimate, (low, high) = estimates.correlation(x, y)
    reference = stats.pearsonr(x, y)
    ci = reference.confidence_interval()
    assert estimate.value == pytest.approx(reference.statistic)
    assert (low, high) == pytest.approx((ci.low, ci.high))
    assert estimate.n == 60

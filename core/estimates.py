"""Power inputs estimated from data: the KPI's sd, the ICC by team or site, the pre/post correlation.

ICC(1), one-way ANOVA estimator (Fisher; Donner 1986): with k groups, N people, group sizes nⱼ,
MSB = Σ nⱼ(ȳⱼ − ȳ)² / (k − 1), MSW = Σ Σ (y − ȳⱼ)² / (N − k), n₀ = (N − Σ nⱼ² / N) / (k − 1),
ICC = (MSB − MSW) / (MSB + (n₀ − 1)·MSW). Negative estimates mean "no clustering" and are reported as
they are; `for_power` clips them to 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Estimate:
    value: float
    n: int
    note: str = ""

    @property
    def for_power(self) -> float:
        return max(self.value, 0.0) if math.isfinite(self.value) else 0.0


def _clean(values) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array[np.isfinite(array)]


def sd(values) -> Estimate:
    """Sample standard deviation (n − 1 denominator) of the finite values."""
    clean = _clean(values)
    if clean.size < 2:
        return Estimate(math.nan, int(clean.size), "needs at least 2 values")
    return Estimate(float(clean.std(ddof=1)), int(clean.size))


def icc_oneway(values, groups) -> Estimate:
    """ICC(1) of `values` clustered by `groups` (one-way ANOVA estimator); n = people used."""
    y = np.asarray(values, dtype=float)
    g = np.asarray(groups, dtype=object)
    keep = np.isfinite(y) & np.array([x is not None and x == x for x in g], dtype=bool)
    y, g = y[keep], g[keep]
    labels, index = np.unique(g.astype(str), return_inverse=True)
    k, n_total = len(labels), y.size
    if k < 2 or n_total - k < 1:
        return Estimate(math.nan, int(n_total), "needs at least 2 groups and more people than groups")
    counts = np.bincount(index)
    means = np.bincount(index, weights=y) / counts
    grand = y.mean()
    msb = float((counts * (means - grand) ** 2).sum() / (k - 1))
    msw = float(((y - means[index]) ** 2).sum() / (n_total - k))
    n0 = (n_total - (counts**2).sum() / n_total) / (k - 1)
    denominator = msb + (n0 - 1) * msw
    value = (msb - msw) / denominator if denominator > 0 else math.nan
    return Estimate(float(value), int(n_total), f"{k} groups")


def correlation(x, y) -> tuple[Estimate, tuple[float, float]]:
    """Pearson r of paired finite values with its 95% CI (Fisher z), as scipy's pearsonr."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if a.size < 4 or a.std() == 0 or b.std() == 0:
        return Estimate(math.nan, int(a.size), "needs at least 4 pairs that vary"), (math.nan, math.nan)
    result = stats.pearsonr(a, b)
    ci = result.confidence_interval(0.95)
    return Estimate(float(result.statistic), int(a.size)), (float(ci.low), float(ci.high))

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


@dataclass(frozen=True)
class PanelEstimates:
    kpi: str
    window_months: int
    first_window: tuple[str, str]
    second_window: tuple[str, str]
    sd: Estimate
    icc: Estimate
    baseline_corr: Estimate
    baseline_corr_ci: tuple[float, float]
    mean: float


def from_panel(periods, kpi: str, *, group: str | None, before=None, window_months: int = 3) -> PanelEstimates:
    """Power inputs from monthly KPI history, for an outcome measured as a person's mean over a window.

    The last `window_months` months before `before` (default: after the last month) give each person's
    mean: their sd and ICC by `group`; the window before that gives the baseline, and the correlation of
    the two windows' means estimates ρ for ANCOVA (the pilot's baseline-to-outcome correlation).
    """
    import pandas as pd

    frame = periods[["employee_id", "period", kpi] + ([group] if group else [])].dropna(subset=[kpi])
    if frame.empty:
        raise ValueError(f"{kpi} has no values in the KPI file")
    months = sorted(frame["period"].unique())
    if before is not None:
        months = [m for m in months if m < pd.Timestamp(before)]
    if len(months) < 2 * window_months:
        raise ValueError(f"needs {2 * window_months} months of {kpi} before the pilot; found {len(months)}")
    second = months[-window_months:]
    first = months[-2 * window_months:-window_months]
    w2 = frame[frame["period"].isin(second)].groupby("employee_id")[kpi].mean()
    w1 = frame[frame["period"].isin(first)].groupby("employee_id")[kpi].mean()
    groups = None
    if group:
        groups = frame.drop_duplicates("employee_id").set_index("employee_id")[group].reindex(w2.index)
    paired = pd.concat([w1.rename("w1"), w2.rename("w2")], axis=1).dropna()
    rho, ci = correlation(paired["w1"], paired["w2"])

    def label(window) -> tuple[str, str]:
        return (pd.Timestamp(window[0]).strftime("%b %Y"), pd.Timestamp(window[-1]).strftime("%b %Y"))

    return PanelEstimates(
        kpi, window_months, label(first), label(second), sd(w2),
        icc_oneway(w2, groups) if groups is not None else Estimate(math.nan, 0, "choose a team or site column"),
        rho, ci, float(w2.mean()),
    )

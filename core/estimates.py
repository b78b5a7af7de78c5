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
    """sd, ICC and ρ of the pilot's outcome, estimated on the KPI history before the pilot."""

    kpi: str
    first_window: tuple[str, str]  # the baseline window's stand-in ("Jan 2026", "Mar 2026")
    second_window: tuple[str, str]  # the outcome window's stand-in
    sd: Estimate
    icc: Estimate
    baseline_corr: Estimate
    baseline_corr_ci: tuple[float, float]
    mean: float
    left_out: int  # values the quality report flags as far from the rest, not used


Window = tuple  # (first month, end month exclusive), dates or timestamps


def person_outcome(periods, kpi: str, window: Window, *, how: str = "mean"):
    """Each person's mean (or sum) of `kpi` over the months in [window[0], window[1])."""
    import pandas as pd

    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    inside = periods[(periods["period"] >= start) & (periods["period"] < end)].dropna(subset=[kpi])
    grouped = inside.groupby("employee_id")[kpi]
    return grouped.sum() if how == "sum" else grouped.mean()


def without_flagged(frame, column: str):
    """(`frame` without the rows whose `column` the quality report flags as far from the rest, how many)."""
    from core.quality import outliers

    flagged = outliers(frame[column].dropna())
    return (frame.drop(index=flagged), len(flagged)) if flagged else (frame, 0)


def from_panel(periods, kpi: str, *, group: str | None, outcome: Window, baseline: Window, how: str = "mean",
               people=None, leave_out_flagged: bool = True) -> PanelEstimates:
    """Power inputs for an outcome measured as each person's mean (or sum) of `kpi` over a window.

    `outcome` and `baseline` are stand-ins for the pilot's measurement and baseline windows, placed before
    the pilot with the same lengths and the same gap between them (core.pilot.windows), so that sd, ICC and
    ρ describe the very outcome the analysis will use: sd of the person outcomes in `outcome`, ρ as the
    correlation of each person's `baseline` and `outcome` values (the ANCOVA covariate's correlation), and the
    ICC by `group` of what the baseline leaves unexplained (the residuals of outcome on baseline), since that
    is the variance ANCOVA's design effect inflates: Var = σ²(1 − ρ²)·(1 + (m − 1)·ICC_residual). Only
    `people` (the eligible roster) count when given. Values the quality
    report flags as far from the rest (core.quality.outliers, a robust z-score above 5) are left out when
    `leave_out_flagged`: one typed extra zero would otherwise move ρ and the sd a long way.
    """
    import pandas as pd

    columns = ["employee_id", "period", kpi] + ([group] if group and group in periods.columns else [])
    frame = periods[columns].dropna(subset=[kpi])
    if people is not None:
        frame = frame[frame["employee_id"].isin(people)]
    if frame.empty:
        raise ValueError(f"{kpi} has no values for the eligible people")
    left_out = 0
    if leave_out_flagged:
        frame, left_out = without_flagged(frame, kpi)
    w2 = person_outcome(frame, kpi, outcome, how=how)
    w1 = person_outcome(frame, kpi, baseline, how=how)
    if len(w2) < 2:
        raise ValueError(f"{kpi} has fewer than 2 people with values in {_label(outcome)[0]}–{_label(outcome)[1]}; "
                         "the history before the pilot is too short for these windows")
    groups = None
    if group and group in frame.columns:
        groups = frame.drop_duplicates("employee_id").set_index("employee_id")[group].reindex(w2.index)
    paired = pd.concat([w1.rename("w1"), w2.rename("w2")], axis=1).dropna()
    rho, ci = correlation(paired["w1"], paired["w2"])
    if groups is None:
        icc = Estimate(math.nan, 0, "people are randomised one by one")
    elif math.isfinite(rho.value):
        # the ICC that inflates an ANCOVA's variance is that of the outcome left after the baseline: people in
        # one team resemble each other far less once each person's own baseline is accounted for
        fit = stats.linregress(paired["w1"], paired["w2"])
        residual = paired["w2"] - (fit.intercept + fit.slope * paired["w1"])
        icc = icc_oneway(residual, groups.reindex(residual.index))
        icc = Estimate(icc.value, icc.n, f"{icc.note}, after adjusting for the baseline")
    else:
        icc = icc_oneway(w2, groups)
    return PanelEstimates(kpi, _label(baseline), _label(outcome), sd(w2), icc, rho, ci, float(w2.mean()), left_out)


def _label(window: Window) -> tuple[str, str]:
    """("Apr 2026", "Jun 2026") for the months in [start, end)."""
    import pandas as pd

    first = pd.Timestamp(window[0])
    last = pd.Timestamp(window[1]) - pd.offsets.MonthBegin(1)
    return first.strftime("%b %Y"), last.strftime("%b %Y")

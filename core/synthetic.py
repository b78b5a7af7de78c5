"""One site piloted, the others compared: synthetic difference in differences and the synthetic control.

Most L&D pilots start at one site (a plant, a region, a store). With one treated unit, a difference in
differences has nothing to cluster on, so the comparison is built instead: a weighted average of the other
sites — the site's synthetic twin — that tracked it before the pilot.

* ``method="synthetic_did"`` (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021): unit weights ω make the
  weighted controls move in parallel with the site before the start (with an intercept and a ridge penalty
  ζ = (N₁T₁)^¼·σ, σ the sd of the controls' period-to-period changes), time weights λ make the weighted
  pre-periods resemble the post-periods, and
  τ̂ = (Ȳ_site,post − Σλ_t Y_site,t) − Σω_i (Ȳ_i,post − Σλ_t Y_i,t).
* ``method="synthetic_control"`` (Abadie, Diamond & Hainmueller 2010, in the synthdid paper's form): ω match
  the site's level before the start without an intercept, no time weights: τ̂ = Ȳ_site,post − Σω_i Ȳ_i,post.

Both by the `synthdid` package (synthdid-py, a port of the authors' R package, which it matches on California's
Proposition 99: −15.60 and −19.62 packs per capita, tests/test_synthetic.py). Standard errors by placebo
(the paper's Algorithm 4): each comparison site in turn plays the treated one, with the same tuning, and the
se is √((r − 1)/r)·sd of those r placebo estimates; interval τ̂ ± 1.96·se as in the package. The share of
placebo effects at least as large as the estimate (Abadie et al. 2010's permutation test) is
``diagnostics["placebo_p_value"]``.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np
import pandas as pd

Method = Literal["synthetic_did", "synthetic_control"]
PLACEBO_DRAWS = 200  # random relabellings when several units are treated (one treated unit: every control once)
PLACEBO_SEED = 20261202
FEW_CONTROLS = 10  # fewer comparison units: the placebo se rests on few estimates


def synthetic_control(df: pd.DataFrame, *, outcome: str, unit: str, period: str, treated: str,
                      method: Method = "synthetic_did"):
    """The effect on the treated unit(s) against a synthetic twin (module docstring); `treated` is 1 on the
    treated unit's rows from the start on, 0 elsewhere. Returns a `core.effects.Estimate` whose diagnostics
    hold the unit weights, the time weights, the pre-period fit and the site-against-twin trajectory."""
    from core import effects

    if method not in ("synthetic_did", "synthetic_control"):
        raise ValueError(f"method must be 'synthetic_did' or 'synthetic_control', got {method!r}")
    effects._columns(df, outcome=outcome, unit=unit, period=period, treated=treated)
    times, kind = effects._time_codes(df[period], period)
    columns = {outcome: effects._numbers(df[outcome], outcome), unit: effects._present(df[unit]),
               period: times, treated: effects._flag(df[treated], treated)}
    keep, counts, notes = effects._drop_blanks(columns, outcome)
    frame = pd.DataFrame({"unit": columns[unit][keep].astype(str), "period": times[keep],
                          "y": columns[outcome][keep], "d": columns[treated][keep]})
    repeated = frame.duplicated(["unit", "period"])
    if repeated.any():
        row = frame[repeated].iloc[0]
        raise ValueError(f"{int(repeated.sum())} rows repeat a {unit} and {period} (e.g. {row.unit} in "
                         f"{effects._label(row.period, kind)}): give one row per {unit} and {period} (the site's "
                         "mean)")
    ever = frame.groupby("unit")["d"].max()
    treated_units = sorted(ever[ever == 1].index)
    if not treated_units:
        raise ValueError(f"no row has {treated} = 1: mark the piloted {unit}'s rows from the start on")
    starts = frame[frame["d"] == 1].groupby("unit")["period"].min()
    if starts.nunique() > 1:
        first = ", ".join(effects._label(p, kind) for p in sorted(starts.unique())[:3])
        raise ValueError(f"the treated {unit}s start in different periods ({first}): this method needs one start "
                         "date; for a rollout in waves use staggered_did")
    start = starts.iloc[0]
    late = frame[(frame["unit"].isin(treated_units)) & (frame["period"] >= start) & (frame["d"] == 0)]
    if len(late):
        raise ValueError(f"{late['unit'].iloc[0]} has {treated} = 0 in {effects._label(late['period'].iloc[0], kind)} "
                         f"after its start: {treated} must stay 1 from the start on")
    table = frame.pivot(index="unit", columns="period", values="y").sort_index(axis=1)
    gaps = table.isna().any(axis=1)
    missing_treated = [u for u in treated_units if gaps.get(u, False)]
    if missing_treated:
        raise ValueError(f"{missing_treated[0]} (treated) has no {outcome} in some periods: the method needs the "
                         f"treated {unit} in every period")
    if gaps.any():
        notes.append(f"{int(gaps.sum())} comparison {unit}(s) missing some periods were left out: the method needs "
                     "every unit in every period.")
        table = table[~gaps]
    controls = [u for u in table.index if u not in treated_units]
    pre = int((table.columns < start).sum())
    post = table.shape[1] - pre
    if pre < 2:
        raise ValueError(f"only {pre} {period} before the start: the twin is fitted on the periods before, so at "
                         "least 2 are needed (a year of monthly history is better)")
    if len(controls) <= len(treated_units):
        raise ValueError(f"{len(controls)} comparison {unit}(s) for {len(treated_units)} treated: the placebo "
                         "standard error needs more comparison units than treated ones")
    y = table.loc[controls + treated_units].to_numpy(float)
    fitted, effect, se, placebo = estimate_matrix(y, len(controls), pre, method)
    omega = np.asarray(fitted.weights.omega, float)
    lam = np.asarray(fitted.weights.lambda_, float) if method == "synthetic_did" else np.zeros(pre)
    site = y[len(controls):].mean(axis=0)
    twin = omega @ y[: len(controls)]
    offset = float(lam @ (site[:pre] - twin[:pre])) if method == "synthetic_did" else 0.0
    label = _labeller(kind)
    trajectory = pd.DataFrame({"period": [label(p) for p in table.columns], "treated": site,
                               "synthetic": twin + offset})
    if len(controls) < 2 * FEW_CONTROLS:
        notes.append(f"Only {len(controls)} comparison {unit}s: the standard error comes from {len(placebo)} placebo "
                     "estimates, so the interval is approximate; the placebo test's p-value cannot go under "
                     f"1/{len(controls) + 1}.")
    fit_rmse = float(np.sqrt(np.mean((site[:pre] - twin[:pre] - offset) ** 2)))
    spread = float(np.std(y[: len(controls), :pre]))
    if spread > 0 and fit_rmse > 0.5 * spread:
        notes.append(f"The synthetic twin followed the piloted {unit} only loosely before the start (typical gap "
                     f"{effects._say(fit_rmse)} against a spread of {effects._say(spread)} between {unit}s): read "
                     "the estimate with care.")
    diagnostics = {
        "unit_weights": {u: float(w) for u, w in sorted(zip(controls, omega, strict=True), key=lambda t: -t[1])
                         if w > 1e-9},
        "time_weights": {label(p): float(w) for p, w in zip(table.columns[:pre], lam, strict=True) if w > 1e-9},
        "pre_fit_rmse": fit_rmse, "trajectory": trajectory, "placebo_effects": placebo.tolist(),
        "placebo_p_value": float((1 + np.sum(np.abs(placebo) >= abs(effect))) / (len(placebo) + 1)),
        "n_controls": len(controls), "n_treated_units": len(treated_units), "n_pre_periods": pre,
        "n_post_periods": post, "treated_units": treated_units, **counts, "warnings": notes,
    }
    name = ("Synthetic difference in differences (Arkhangelsky et al. 2021)" if method == "synthetic_did"
            else "Synthetic control (Abadie et al. 2010)")
    if len(controls) < FEW_CONTROLS:
        found = effects._result(effect, se, df_t=None, n=int(table.size), diagnostics=diagnostics, method=name)
        return effects._no_interval(
            found, diagnostics["placebo_p_value"],
            f"Only {len(controls)} comparison {unit}s: a placebo standard error from so few placebo estimates can be "
            f"far too small, so no 95% interval is shown. Compare with {FEW_CONTROLS} or more {unit}s (for example "
            "teams rather than cities).", name, reason=f"so few comparison {unit}s")
    return effects._result(effect, se, df_t=None, n=int(table.size), diagnostics=diagnostics,
                           method=f"{name}: {', '.join(treated_units)} against a weighted twin of {len(controls)} "
                                  f"other {unit}s; placebo standard errors")


def estimate_matrix(y: np.ndarray, controls: int, pre: int, method: Method = "synthetic_did"):
    """(the package's fit, τ̂, placebo se, placebo estimates) for a units × periods matrix whose first
    `controls` rows are the comparison units and whose first `pre` periods are before the start."""
    fitted = fit(y, controls, pre, method)
    placebo = _placebos(fitted, y, controls, y.shape[0] - controls, pre)
    se = math.sqrt((len(placebo) - 1) / len(placebo)) * float(np.std(placebo, ddof=1))
    return fitted, float(fitted), se, placebo


def fit(y: np.ndarray, controls: int, pre: int, method: Method = "synthetic_did"):
    """The package's estimate for a units × periods matrix, its `controls` first and `pre` periods before."""
    from synthdid import sc_estimate, synthdid_estimate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (synthdid_estimate if method == "synthetic_did" else sc_estimate)(y, controls, pre)


def _placebos(fitted, y: np.ndarray, controls: int, treated: int, pre: int) -> np.ndarray:
    """Placebo estimates with the fit's tuning (the package's `refit`, warm-started from the fit's weights as R
    does): with one treated unit each control once in the treated row, else PLACEBO_DRAWS random relabellings."""
    from synthdid import refit

    if treated == 1:
        orders = [np.r_[np.delete(np.arange(controls), j), j] for j in range(controls)]
    else:
        rng = np.random.default_rng(PLACEBO_SEED)
        orders = [rng.permutation(controls) for _ in range(PLACEBO_DRAWS)]
    kept = controls - treated
    estimates = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for order in orders:
            weights = fitted.weights.copy()
            omega = np.asarray(fitted.weights.omega, float)[order[:kept]]
            weights.omega = omega / omega.sum() if omega.sum() > 0 else np.full(kept, 1 / kept)
            weights.vals = weights.lambda_vals = weights.omega_vals = None
            estimates.append(float(refit(fitted, Y=y[: controls][order], N0=kept, T0=pre, weights=weights,
                                         X=fitted.setup.X[: controls][order])))
    return np.asarray(estimates)


def _labeller(kind: str):
    """Period codes back to what a chart shows: months as dates, other grains as their labels."""
    from core import effects

    if kind == "month":
        return lambda c: pd.Timestamp(year=int(c) // 12, month=int(c) % 12 + 1, day=1)
    return lambda c: c if kind == "number" else effects._label(c, kind)

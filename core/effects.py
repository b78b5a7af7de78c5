"""The pilot's effect on its KPI, estimated with the method the plan registered.

Every function returns an `Estimate`: the effect in KPI units, its standard error, 95% interval and p-value,
the number of observations used, the method in plain words, and `diagnostics` — values a page can show and,
under ``diagnostics["warnings"]``, sentences a non-statistician can act on.

* Randomised pilots: difference in means, or ANCOVA when baseline covariates are given (regression of the
  outcome on the arm and the covariates; a baseline that predicts the outcome shrinks the variance by 1 − ρ²).
  Standard errors are heteroskedasticity-robust HC2 (MacKinnon & White 1985), which for a plain difference in
  means equals the Welch/Neyman variance s²ₜ/nₜ + s²꜀/n꜀ (Imbens & Kolesár 2016); whole teams randomised are
  handled by clustering: CR2 standard errors with Bell–McCaffrey degrees of freedom (`cr2`).
* Difference in differences: the treated × after coefficient, with unit and period fixed effects as dummies
  (two-way fixed effects), clustered or classical OLS standard errors, a check of trends before the pilot, and
  under 30 clusters CR2 standard errors with Bell–McCaffrey degrees of freedom (`cr2`).
* Too few clusters for any 95% interval (fewer than 20 ways to split them into the arms, e.g. 2 + 2): the
  estimate without an interval, and the reason in ``diagnostics["no_interval"]``.
* Matching: the logit propensity score and nearest-neighbour matching of `core.assignment`, the ATT with the
  Abadie–Imbens (2006) standard error.
* Interrupted time series: segmented regression with standard errors for autocorrelated short series (AR(1)
  sandwich, autocorrelation corrected for the series length).
* Waves (staggered roll-out): Callaway & Sant'Anna (2021) group-time effects from the `differences` package;
  under 30 units, the randomisation test over the orders of the waves (`core.randomisation`).
* One site piloted: synthetic difference in differences or the synthetic control (`synthetic_control`,
  core/synthetic.py), placebo standard errors.

statsmodels and differences are imported inside the functions that use them, so a page that
does not estimate anything stays fast.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from core import periods
from core.assignment import CONTROL, SMD_FLAG, TREATMENT, balance, match, numeric_covariates

Control = Literal["never", "notyet"]
FEW_CLUSTERS = 30  # below this, clustered standard errors are too small (Cameron & Miller 2015)
BOOTSTRAP_SEED = 20261124
PRETREND_ALPHA = 0.05


@dataclass(frozen=True)
class Estimate:
    """An effect in KPI units with its 95% interval, the method in plain words, and what to check."""

    effect: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    method: str
    diagnostics: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- input checks

def _names(value, argument: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        raise ValueError(f"{argument} must be a column name or a list of column names, got {value!r}") from None


def _columns(df, **columns) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError("the data must be a table (a pandas DataFrame)")
    for argument, names in columns.items():
        for name in _names(names, argument):
            if name not in df.columns:
                raise ValueError(f"{argument}: column {name!r} is not in the data "
                                 f"(columns: {', '.join(map(str, df.columns))})")


def _numbers(series: pd.Series, name: str) -> pd.Series:
    """Numbers as floats, blanks as NaN; text that is not a number is refused."""
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: 1.0, False: 0.0}).astype(float)
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype(float)
        if np.isinf(values).any():
            raise ValueError(f"{name} has infinite values")
        return values
    values = pd.to_numeric(series, errors="coerce").astype(float)
    blank = series.isna() | series.astype(str).str.strip().eq("")
    text = ~blank & values.isna()
    if text.any():
        raise ValueError(f"{name} must be numbers: {int(text.sum())} value(s) are not (e.g. {series[text].iloc[0]!r})")
    if np.isinf(values).any():
        raise ValueError(f"{name} has infinite values")
    return values


_FLAGS = {"1": 1.0, "1.0": 1.0, "true": 1.0, "yes": 1.0, "0": 0.0, "0.0": 0.0, "false": 0.0, "no": 0.0}


def _flag(series: pd.Series, name: str) -> pd.Series:
    """1/0, True/False or yes/no as 1.0/0.0; blanks as NaN; anything else is refused."""
    if pd.api.types.is_bool_dtype(series):
        values = series.map({True: 1.0, False: 0.0}).astype(float)
    elif pd.api.types.is_numeric_dtype(series):
        values = series.astype(float)
    else:
        values = series.astype(str).str.strip().str.lower().map(_FLAGS).astype(float)
        values[series.isna()] = math.nan
    bad = series.notna() & ~values.isin([0.0, 1.0])
    if bad.any():
        raise ValueError(f"{name} must be 1/0 or True/False in every row; found {series[bad].iloc[0]!r}")
    return values


def _time_codes(values: pd.Series, name: str) -> tuple[pd.Series, str]:
    """Periods on one numeric scale: numbers as they are ("number"); dates and labels by their grain
    (core/periods.py): "month" (year·12 + month − 1; the day is ignored, so 2026-07-01 and 2026-07-31 are one
    period), "quarter" ("2024 Q1", or dates on quarters' first days) or "week" (ISO weeks, or dates 7 days apart),
    so weekly data stay weekly and quarters are not months."""
    if pd.api.types.is_bool_dtype(values):
        raise ValueError(f"{name} must hold numbers (1, 2, 3 or 2026) or dates (2026-07), not True/False")
    dates, grain = values, None
    if not pd.api.types.is_datetime64_any_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.notna().sum() == values.notna().sum():
            return numbers.astype(float), "number"
        dates, grain = periods.parse(values)
        if values.notna().any() and dates[values.notna()].isna().all():
            # neither numbers nor dates: labels ("P1" … "P12") in their natural order, said in the warnings
            scale = periods.Labels(values.dropna())
            return scale.codes(values), scale
        bad = values.notna() & dates.isna()
        if bad.any():
            raise ValueError(f"{name} must hold numbers (1, 2, 3 or 2026), dates (2026-07), quarters (2026 Q3), "
                             f"ISO weeks (2026-W05) or labels of one kind (P1, P2 …); found {values[bad].iloc[0]!r} "
                             f"among dates")
    grain = grain or periods.grain_of(dates)
    return periods.codes(dates, grain), grain


def _time_code(value, kind: str, name: str) -> float:
    if isinstance(kind, periods.Labels):
        code = float(kind.codes(pd.Series([value], dtype=object)).iloc[0])
        if not math.isfinite(code):
            raise ValueError(f"{name} must be one of the periods ({kind.said()}), got {value!r}")
        return code
    if kind == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a number on the same scale as the periods, got {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        return number
    if isinstance(value, bool | int | float | np.number):
        raise ValueError(f"{name} must be a date like the periods (e.g. 2026-07), got {value!r}")
    dates, _ = periods.parse(pd.Series([value], dtype=object))
    if pd.isna(dates.iloc[0]):
        raise ValueError(f"{name} must be a date like the periods (e.g. 2026-07), got {value!r}")
    return float(periods.codes(dates, kind).iloc[0])


def _label(code: float, kind: str) -> str:
    if isinstance(kind, periods.Labels):
        return kind.order[int(code)] if 0 <= code < len(kind.order) else f"{code:g}"
    if kind in ("month", "quarter", "week"):
        return periods.label(code, kind)
    return f"{int(code)}" if float(code).is_integer() else f"{code:g}"


def _order_said(kind: str) -> list[str]:
    """The warning that says in which order labelled periods were taken, for the user to check."""
    if isinstance(kind, periods.Labels):
        return [f"The periods are labels, taken in the order {kind.said()} (numbers inside compared as numbers): "
                "check that this is their order in time."]
    return []


def _say(x: float) -> str:
    """A number as people read it: 25,431 · 12.35 · 0.0421."""
    if not math.isfinite(x):
        return "unbounded" if math.isinf(x) else "unknown"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.2f}"
    return f"{x:.3g}"


def _drop_blanks(columns: dict[str, pd.Series], outcome: str) -> tuple[pd.Series, dict, list[str]]:
    """Rows with every value present; how many lacked the outcome and how many lacked something else."""
    frame = pd.DataFrame(columns)
    no_outcome = frame[outcome].isna()
    others = [c for c in frame.columns if c != outcome]
    no_other = ~no_outcome & frame[others].isna().any(axis=1) if others else pd.Series(False, index=frame.index)
    counts = {"missing_outcome": int(no_outcome.sum()), "missing_other": int(no_other.sum())}
    notes = []
    if counts["missing_outcome"]:
        notes.append(f"{counts['missing_outcome']} row(s) had no value of {outcome} and were left out.")
    if counts["missing_other"]:
        blank = [c for c in others if frame.loc[no_other, c].isna().any()]
        notes.append(f"{counts['missing_other']} row(s) had a blank {', '.join(blank)} and were left out.")
    return ~(no_outcome | no_other), counts, notes


def _usable_rows(df: pd.DataFrame, columns: dict, outcome: str, covariates: list[str]):
    """(rows, covariates, counts, notes): the rows with every needed value, and with numeric covariates."""
    keep, counts, notes = _drop_blanks(columns, outcome)
    rows = df.index[keep]
    x = _covariates(df.loc[rows], covariates)
    unreadable = x.isna().any(axis=1)
    if unreadable.any():
        notes.append(f"{int(unreadable.sum())} row(s) had a covariate that is not a number and were left out.")
        counts["missing_other"] += int(unreadable.sum())
        rows, x = rows[~unreadable.to_numpy()], x[~unreadable]
    return rows, x, counts, notes


def _present(series: pd.Series) -> pd.Series:
    """Text that is only spaces counts as blank."""
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series
    return series.where(series.astype(str).str.strip() != "")


def _check_outcome(y: pd.Series, outcome: str) -> None:
    if len(y) == 0:
        raise ValueError(f"no rows have a value of {outcome}")
    if y.nunique() < 2:
        raise ValueError(f"{outcome} is {_say(float(y.iloc[0]))} in every row used: there is no variation to compare")


def _check_arms(d: pd.Series, treated: str) -> None:
    if d.nunique() < 2:
        who = "in the pilot" if d.iloc[0] == 1 else "outside the pilot"
        raise ValueError(f"every row has the same {treated} (everyone is {who}): an effect needs both trained and "
                         "untrained people")


def _covariates(source: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Covariates as numbers, categories as 0/1 indicators without their first level (so the design is full rank)."""
    x = numeric_covariates(source, covariates)
    for column in covariates:
        levels = [c for c in x.columns if str(c).startswith(f"{column} = ")]
        if levels:
            x = x.drop(columns=levels[0])
    return x


def _informative(base: np.ndarray, extra: pd.DataFrame) -> tuple[np.ndarray, list[str], list[str]]:
    """Columns of `extra` that add information to `base` (kept, appended) and those that do not (dropped)."""
    design, kept, dropped = base, [], []
    if extra.shape[1] == 0:
        return design, kept, dropped
    rank = np.linalg.matrix_rank(design)
    for column in extra.columns:
        trial = np.column_stack([design, extra[column].to_numpy(dtype=float)])
        if (new := np.linalg.matrix_rank(trial)) > rank:
            design, rank = trial, new
            kept.append(str(column))
        else:
            dropped.append(str(column))
    return design, kept, dropped


def _result(effect: float, se: float, *, df_t: float | None, n: int, method: str, diagnostics: dict) -> Estimate:
    """Effect ± t (or z) · se, two-sided p-value; refuses to return NaN."""
    if not (math.isfinite(effect) and math.isfinite(se) and se > 0):
        raise ValueError("the effect could not be estimated from these data: the model fits every value exactly or "
                         "has no information left for its uncertainty (too few people, or duplicated rows)")
    if df_t is not None:
        q, p = stats.t.ppf(0.975, df_t), 2 * stats.t.sf(abs(effect / se), df_t)
    else:
        q, p = stats.norm.ppf(0.975), 2 * stats.norm.sf(abs(effect / se))
    return Estimate(float(effect), float(se), float(effect - q * se), float(effect + q * se), float(p), int(n),
                    method, diagnostics)


def _no_interval(found: Estimate, p_value: float, why: str, method: str,
                 reason: str = "so few possible assignments") -> Estimate:
    """The estimate with no 95% interval (±inf), because the design allows no valid one, and a p-value that stays
    valid (never below what the design can give); `why` says so in words and is kept as
    ``diagnostics["no_interval"]``. Notes written about the interval it would have had are dropped: nothing on
    screen speaks of an interval that is not shown."""
    notes = [w for w in found.diagnostics["warnings"] if "interval" not in w]
    found.diagnostics["warnings"] = [*notes, why]
    found.diagnostics["no_interval"] = why
    return dataclasses.replace(found, ci_low=-math.inf, ci_high=math.inf, p_value=p_value,
                               method=f"{method}; no 95% interval exists with {reason}")


MIN_SPLITS = 20  # fewer ways to split the clusters into the arms: no test reaches 95% (2 / 20 = 0.1 two-sided)


def _unless_too_few_splits(found: Estimate, treated: int, control: int, cluster: str, method: str) -> Estimate:
    """`found`, or — when the clusters could have been split into the arms in fewer than MIN_SPLITS ways (2 + 2:
    6 ways) — the estimate without an interval: a randomisation test could never reach 95% and a model's interval
    would rest on bell-curve assumptions nothing can check with so few. The p-value is kept no lower than the
    smallest a randomisation test could give."""
    from core import randomisation

    ways = math.comb(treated + control, treated)
    if ways >= MIN_SPLITS:
        return found
    why = (f"With {treated} and {control} {cluster} clusters in the arms there are only {ways} ways the clusters "
           "could have been split, so no test can reach 95% confidence: the estimate is shown without an interval. "
           "Read it as a direction, not as evidence; 3 or more clusters per arm would give an interval.")
    return _no_interval(found, max(found.p_value, randomisation.smallest_p(ways)), why, method)


def _clusters(groups: pd.Series, d: pd.Series, cluster: str) -> tuple[np.ndarray, int, int, int]:
    codes, labels = pd.factorize(groups.astype(str))
    count = len(labels)
    treated_count = groups[d == 1].astype(str).nunique()
    control_count = groups[d == 0].astype(str).nunique()
    if count < 2:
        raise ValueError(f"every row is in the same {cluster}: standard errors clustered by {cluster} need at least "
                         "2 clusters (30 or more to be reliable)")
    if treated_count < 2:
        raise ValueError(f"only {treated_count} {cluster} was in the pilot: with one trained cluster its effect cannot "
                         f"be told apart from that {cluster}'s own differences; the pilot needs at least 2 per arm")
    if control_count < 2:
        raise ValueError(f"only {control_count} {cluster} was outside the pilot: the comparison needs at least 2 "
                         "untrained clusters")
    return codes, count, treated_count, control_count


def _cluster_fit(model, codes: np.ndarray, counted: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients, CR1 standard errors and p-values (t with G − 1 df) of a model whose fixed effects were
    absorbed (demeaned away): the cluster sandwich is the same as with the dummies written out (Frisch–Waugh–
    Lovell), and `counted` absorbed parameters join k in the small-sample factor (n − 1)/(n − k). Fixed-effect
    dummies nested within the clusters are not counted (Cameron & Miller 2015, §III.B; as Stata's xtreg, fe):
    counting them, as a dummy regression does, overstates the standard error."""
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    n, k = model.exog.shape
    with np.errstate(invalid="ignore"):  # more period dummies than clusters: their own variances may round below 0
        se = np.asarray(fit.bse) * math.sqrt((n - k) / (n - k - counted))
    p = 2 * stats.t.sf(np.abs(np.asarray(fit.params) / se), len(np.unique(codes)) - 1)
    return np.asarray(fit.params), se, p


def _within(values: np.ndarray, units: pd.Series) -> np.ndarray:
    """Each column minus its mean within the unit: the within transformation that absorbs unit fixed effects."""
    frame = pd.DataFrame(values)
    return (frame - frame.groupby(units.to_numpy()).transform("mean")).to_numpy()


def cr2(x: np.ndarray, y: np.ndarray, groups: np.ndarray, *, column: int = 1) -> tuple[float, float, float]:
    """(coefficient, CR2 standard error, Bell–McCaffrey degrees of freedom) of OLS coefficient `column`.

    CR2, the bias-reduced linearisation (Bell & McCaffrey 2002): V = Σ_g c'M X_g' A_g e_g e_g' A_g X_g M c with
    M = (X'X)⁻¹ and A_g = (I − H_gg)^(−1/2), which is unbiased when errors are independent and equal. Its degrees of
    freedom (Bell & McCaffrey's Satterthwaite approximation; Imbens & Kolesár 2016): with q_g = (I − H)_{·g} A_g X_g
    M c and G = [q_g]'[q_g], ν = (tr G)² / tr(G²). With few clusters, or few in one arm, a t on ν keeps a 95%
    interval at 95% where CR1 with G − 1 degrees of freedom covers 88–93% (simulated in tests/test_effects.py).
    For a lone cluster-level dummy and equal cluster sizes, V is Welch's variance of the cluster means.

    Computed in low rank: with X_g M^½ = U S W' (thin SVD), A_g X_g M c = b + U((1 − S²)^(−½) − 1)U'b, b = X_g M c.
    `x` and `y` may be demeaned within units nested in the clusters (unit fixed effects absorbed): then
    I − H_gg = B_g − X̃_g M X̃_g' with B_g the within-unit projector, A_g is its inverse square root on the space B_g
    keeps (Pustejovsky & Tipton 2018), and the same low-rank formula gives it, so V and ν equal those of the
    regression with the unit dummies written out (tests/test_effects.py).
    """
    m = np.linalg.inv(x.T @ x)
    beta = m @ (x.T @ y)
    residual = y - x @ beta
    mc = m[:, column]
    root = np.linalg.cholesky(m)
    labels = np.unique(groups)
    q = np.zeros((len(y), len(labels)))
    variance = 0.0
    for k, label in enumerate(labels):
        rows = np.flatnonzero(groups == label)
        xg = x[rows]
        u, singular, _ = np.linalg.svd(xg @ root, full_matrices=False)
        leverage = singular**2
        if leverage.max(initial=0.0) > 1 - 1e-10:
            raise ValueError("one cluster alone determines a coefficient (for example the only cluster in an arm): "
                             "its uncertainty cannot be estimated")
        b = xg @ mc
        a = b + u @ ((1 / np.sqrt(1 - leverage) - 1) * (u.T @ b))
        variance += float(a @ residual[rows]) ** 2
        q[:, k] = -x @ (m @ (xg.T @ a))
        q[rows, k] += a
    g = q.T @ q
    return float(beta[column]), math.sqrt(variance), float(np.trace(g) ** 2 / np.trace(g @ g))


FEW_PER_ARM = 3  # fewer clusters than this in an arm: the interval leans on team averages being bell-shaped


# ------------------------------------------------------------------------------------- randomised pilots

def difference_in_means(df: pd.DataFrame, *, outcome: str, treated: str, covariates=(),
                        cluster: str | None = None) -> Estimate:
    """Effect of the pilot in a randomised design: the treated − control difference in mean `outcome`,
    adjusted for `covariates` (ANCOVA) when given.

    OLS of y = α + τ·treated (+ β'x) + ε. Standard errors: HC2, se² = Σ ((xᵢ − x̄)ε̂ᵢ)² / (1 − hᵢᵢ) in the
    sandwich (MacKinnon & White 1985), with a t on n − k degrees of freedom; without covariates this is exactly
    the Welch variance s²ₜ/nₜ + s²꜀/n꜀ (statsmodels ``ols(...).fit(cov_type="HC2", use_t=True)``). With `cluster`
    (whole teams randomised): CR2 with Bell–McCaffrey degrees of freedom (`cr2`); the CR1 standard error is kept
    in ``diagnostics["cr1_se"]``. Under 20 ways to split the clusters into the arms: no interval.

    >>> pilot = pd.DataFrame({"sales": [10, 12, 11, 13, 15, 14], "trained": [0, 0, 0, 1, 1, 1]})
    >>> result = difference_in_means(pilot, outcome="sales", treated="trained")
    >>> round(result.effect, 2), round(result.se, 4)  # (14 − 11), √(1/3 + 1/3)
    (3.0, 0.8165)
    """
    from statsmodels.regression.linear_model import OLS

    covariates = _names(covariates, "covariates")
    _columns(df, outcome=outcome, treated=treated, cluster=cluster, covariates=covariates)
    columns = {outcome: _numbers(df[outcome], outcome), treated: _flag(df[treated], treated)}
    if cluster:
        columns[cluster] = _present(df[cluster])
    columns.update({c: df[c] for c in covariates if c not in columns})
    rows, x, counts, notes = _usable_rows(df, columns, outcome, covariates)
    y, d = columns[outcome][rows], columns[treated][rows]
    _check_outcome(y, outcome)
    _check_arms(d, treated)
    n1, n0 = int(d.sum()), int((1 - d).sum())
    if min(n1, n0) < 2:
        raise ValueError(f"each arm needs at least 2 people with a value of {outcome}: found {n1} trained and "
                         f"{n0} untrained")
    base = np.column_stack([np.ones(len(y)), d.to_numpy()])
    design, used, unused = _informative(base, x.loc[:, x.nunique() > 1])
    if unused or x.shape[1] > len(used):
        idle = [c for c in x.columns if str(c) not in used]
        notes.append(f"{', '.join(map(str, idle))} added nothing once the arm and the other covariates were known "
                     "(the same for everyone, or a copy of another column) and was not used.")
    diagnostics = {"n_treated": n1, "n_control": n0, "treated_mean": float(y[d == 1].mean()),
                   "control_mean": float(y[d == 0].mean()), "covariates_used": used, **counts}
    model = OLS(y.to_numpy(), design)
    adjusted = f", adjusted for {', '.join(covariates)} (ANCOVA)" if used else ""
    if cluster:
        codes, count, treated_count, control_count = _clusters(columns[cluster][rows], d, cluster)
        effect, se, df_t = cr2(design, y.to_numpy(dtype=float), np.asarray(codes))
        cr1 = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
        diagnostics.update(standard_errors=f"clustered by {cluster} (CR2, Bell–McCaffrey degrees of freedom)",
                           n_clusters=count, n_treated_clusters=treated_count, n_control_clusters=control_count,
                           cr1_se=float(cr1.bse[1]))
        method = (f"Difference in means{adjusted}, standard errors clustered by {cluster} (CR2, t with "
                  f"{df_t:.1f} degrees of freedom)")
        diagnostics.update(df=df_t, warnings=notes)
        if min(treated_count, control_count) < FEW_PER_ARM:
            fewest = min(treated_count, control_count)
            notes.append(f"Only {fewest} {cluster} cluster{'s' if fewest != 1 else ''} in one arm: the interval is "
                         "very wide and holds only if the clusters' averages vary roughly like a bell curve; read it "
                         "as a rough guide, and add clusters if you can.")
        found = _result(effect, se, df_t=df_t, n=len(y), method=method, diagnostics=diagnostics)
        return _unless_too_few_splits(found, treated_count, control_count, cluster, method)
    else:
        fit = model.fit(cov_type="HC2", use_t=True)
        df_t = len(y) - design.shape[1]
        diagnostics["standard_errors"] = "HC2 (heteroskedasticity-robust)"
        method = f"Difference in means{adjusted}, robust standard errors (HC2)"
    diagnostics.update(df=df_t, warnings=notes)
    return _result(fit.params[1], fit.bse[1], df_t=df_t, n=len(y), method=method, diagnostics=diagnostics)


# ------------------------------------------------------------------------------ difference in differences

def diff_in_diff(df: pd.DataFrame, *, outcome: str, treated: str, post: str, unit: str | None = None,
                 period: str | None = None, cluster: str | None = None, covariates=()) -> Estimate:
    """Effect of the pilot as a difference in differences: how much more the treated group changed from before
    to after the start than the comparison group did.

    OLS of y = α + τ·(treated × post) + γ·treated + δ·post (+ β'x) + ε; with `unit`, unit fixed effects replace
    γ, and with `period`, period fixed effects replace δ (two-way fixed effects: the coefficient of statsmodels
    ``ols("y ~ treated:post + C(unit) + C(period)")``, with the unit effects absorbed by demeaning within units
    rather than written out as dummies, so 1,200 people × 15 months take well under a second).
    With `cluster`: cluster-robust CR1 standard errors with a t on G − 1 degrees of freedom (Bertrand, Duflo &
    Mullainathan 2004); when units are nested in the clusters, the unit dummies are left out of the small-sample
    factor (n − 1)/(n − k), as in Stata's xtreg, fe (Cameron & Miller 2015) — counting them overstated the standard
    error (98% coverage of the 95% interval with 40 units over 4 periods). Without `cluster`: classical OLS standard
    errors, as statsmodels.
    Under 30 clusters: CR2 standard errors with Bell–McCaffrey degrees of freedom (`cr2`, the unit fixed effects
    partialled out when nested in the clusters), which cover 94–95% with 4–12 teams where CR1 and the wild
    cluster bootstrap (Webb weights) covered about 92% (tests/test_effects.py); with under 20 ways to split the
    clusters, no interval.

    Trends before the pilot (with `period` and at least 2 periods before the start): on the rows before the start,
    the same model with treated × period (a linear difference in trend) instead of treated × post; its slope and
    p-value are in ``diagnostics["pretrend_slope"]`` and ``["pretrend_p_value"]``.

    >>> rows = pd.DataFrame({"y": [10, 12, 11, 14, 20, 25, 22, 27], "trained": [0, 0, 0, 0, 1, 1, 1, 1],
    ...                      "after": [0, 1, 0, 1, 0, 1, 0, 1]})
    >>> round(diff_in_diff(rows, outcome="y", treated="trained", post="after").effect, 2)  # (26 − 21) − (13 − 10.5)
    2.5
    """
    from statsmodels.regression.linear_model import OLS

    covariates = _names(covariates, "covariates")
    _columns(df, outcome=outcome, treated=treated, post=post, unit=unit, period=period, cluster=cluster,
             covariates=covariates)
    columns = {outcome: _numbers(df[outcome], outcome), treated: _flag(df[treated], treated),
               post: _flag(df[post], post)}
    kind = None
    if period:
        columns[period], kind = _time_codes(df[period], period)
    for name in (unit, cluster):
        if name and name not in columns:
            columns[name] = _present(df[name])
    columns.update({c: df[c] for c in covariates if c not in columns})
    rows, x, counts, notes = _usable_rows(df, columns, outcome, covariates)
    notes += _order_said(kind)
    y, d, p = columns[outcome][rows], columns[treated][rows], columns[post][rows]
    _check_outcome(y, outcome)
    _check_arms(d, treated)
    if p.nunique() < 2:
        when = "after" if p.iloc[0] == 1 else "before"
        raise ValueError(f"every row is {when} the start ({post} is always {int(p.iloc[0])}): a difference in "
                         "differences needs rows before and after")
    for arm, label in ((1, "trained"), (0, "untrained")):
        for flag, when in ((0, "before"), (1, "after")):
            if not ((d == arm) & (p == flag)).any():
                raise ValueError(f"there are no {label} rows {when} the start: each group needs rows before and after")
    units = columns[unit][rows].astype(str) if unit else None
    if unit:
        switching = d.groupby(units).nunique()
        if (switching > 1).any():
            raise ValueError(f"{treated} changes over time for {int((switching > 1).sum())} {unit}(s) (e.g. "
                             f"{switching[switching > 1].index[0]}): it must say whether the {unit} is in the pilot at "
                             f"all, the same in every period; {post} says when")
        spans = p.groupby(units).agg(["min", "max"])
        no_before = spans[spans["min"] == 1]
        if len(no_before):
            raise ValueError(f"{len(no_before)} {unit}(s) (e.g. {no_before.index[0]}) have rows after the start but "
                             f"none before, so their change cannot be measured: check that the periods and {post} "
                             "line up")
        both = spans[(spans["min"] == 0) & (spans["max"] == 1)].index
        arm_of = d.groupby(units).first()
        if not (arm_of[both] == 1).any() or not (arm_of[both] == 0).any():
            raise ValueError(f"no trained and untrained {unit} each have rows both before and after the start")
    times = columns[period][rows] if period else None
    if period:
        mixed = p.groupby(times).nunique()
        if (mixed > 1).any():
            raise ValueError(f"in period {_label(mixed[mixed > 1].index[0], kind)} some rows are flagged as after the "
                             "start and some as before: the pilot started at different times, so use staggered_did "
                             "(waves)")
        if times[p == 0].max() > times[p == 1].min():
            raise ValueError(f"some periods flagged as before the start ({post} = 0) come after periods flagged as "
                             f"after it: check {post}")
    # With `unit`, its fixed effects are absorbed: every column is demeaned within the unit (Frisch–Waugh–Lovell),
    # which gives the dummy regression's coefficients and residuals at a fraction of the cost; the absorbed
    # intercept and unit dummies are still counted in the degrees of freedom below.
    effect_column = (d * p).to_numpy(dtype=float)
    regressors = [effect_column] if unit else [np.ones(len(y)), effect_column, d.to_numpy(dtype=float)]
    regressors.append(pd.get_dummies(times, drop_first=True, dtype=float).to_numpy() if period
                    else p.to_numpy(dtype=float)[:, None])
    base = np.column_stack(regressors)
    at = 0 if unit else 1
    absorbed = int(units.nunique()) if unit else 0
    outcome_values = y.to_numpy(dtype=float)
    extra = x.loc[:, x.nunique() > 1]
    if unit:
        base, outcome_values = _within(base, units), _within(outcome_values[:, None], units)[:, 0]
        extra = pd.DataFrame(_within(extra.to_numpy(dtype=float), units), columns=extra.columns)
    if np.linalg.matrix_rank(base) < base.shape[1]:
        raise ValueError("the effect cannot be separated from the unit and period fixed effects with these rows")
    design, used, _ = _informative(base, extra)
    idle = [str(c) for c in x.columns if str(c) not in used]
    if idle:
        notes.append(f"{', '.join(idle)} added nothing once the groups, units and periods were known (e.g. it does "
                     f"not change within a {unit or 'group'}) and was not used.")
    means = {f"{'treated' if a else 'control'}_{'after' if f else 'before'}": float(y[(d == a) & (p == f)].mean())
             for a in (1, 0) for f in (0, 1)}
    diagnostics = {"n_units": int(units.nunique()) if unit else None,
                   "n_periods": int(times.nunique()) if period else 2, "means": means,
                   "control_mean": means["control_after"], "covariates_used": used, **counts}
    model = OLS(outcome_values, design)
    fixed_words = " and ".join(w for w in (unit and f"{unit}", period and f"{period}") if w)
    method = ("Difference in differences (treated × after)" +
              (f" with {fixed_words} fixed effects" if fixed_words else ""))
    codes, nested = None, False
    if cluster:
        codes, count, treated_count, control_count = _clusters(columns[cluster][rows], d, cluster)
        nested = bool(unit) and bool((columns[cluster][rows].astype(str).groupby(units).nunique() == 1).all())
        # unit dummies nested in the clusters are not counted (as Stata's xtreg, fe); the intercept is
        params, ses, _ = _cluster_fit(model, codes, 1 if nested else absorbed)
        df_t = count - 1
        method += f", standard errors clustered by {cluster} (t with G − 1 = {df_t} degrees of freedom)"
        diagnostics.update(standard_errors=f"clustered by {cluster} (CR1)", n_clusters=count,
                           n_treated_clusters=treated_count, n_control_clusters=control_count)
    else:
        fit = model.fit(use_t=True)
        df_t = len(y) - design.shape[1] - absorbed
        params, ses = np.asarray(fit.params), np.asarray(fit.bse) * math.sqrt(fit.df_resid / df_t)
        method += ", classical OLS standard errors"
        diagnostics["standard_errors"] = "classical OLS"
        if unit:
            notes.append(f"Rows of the same {unit} are not independent, but no cluster was given, so the standard "
                         f"errors treat them as if they were and are likely too small; give cluster (the {unit}, or "
                         "the team if whole teams were assigned).")
    effect, se = float(params[at]), float(ses[at])
    if cluster and count < FEW_CLUSTERS:
        if unit and not nested:  # cr2 absorbs unit effects only when they sit inside the clusters: write them out
            raw = np.column_stack([*regressors, x[used].to_numpy(dtype=float), np.ones(len(y)),
                                   pd.get_dummies(units, drop_first=True, dtype=float).to_numpy()])
            _, se, df_t = cr2(raw, y.to_numpy(dtype=float), codes, column=0)
        else:
            _, se, df_t = cr2(design, outcome_values, codes, column=at)
        diagnostics.update(cr1_se=float(ses[at]), standard_errors=f"clustered by {cluster} (CR2, Bell–McCaffrey "
                                                                  "degrees of freedom)")
        method = method.replace(f"(t with G − 1 = {count - 1} degrees of freedom)",
                                f"(CR2, t with {df_t:.1f} Bell–McCaffrey degrees of freedom)")
        notes.append(f"Only {count} {cluster} clusters were compared: with fewer than about {FEW_CLUSTERS}, the usual "
                     "clustered standard errors run small, so the interval uses the small-sample CR2 correction "
                     f"and a t with {df_t:.1f} degrees of freedom.")
    diagnostics.update(df=df_t, **_pretrend(y, d, p, units, times, x[used] if used else None, codes,
                                            nested=nested))
    if diagnostics.get("pretrend_p_value") is not None and diagnostics["pretrend_p_value"] < PRETREND_ALPHA:
        notes.append(f"The groups were already drifting apart before the pilot (the gap changed by "
                     f"{_say(diagnostics['pretrend_slope'])} per period, p = {diagnostics['pretrend_p_value']:.3f}): "
                     "the difference-in-differences assumption is in doubt.")
    diagnostics["warnings"] = notes
    found = _result(effect, se, df_t=df_t, n=len(y), method=method, diagnostics=diagnostics)
    if cluster:
        return _unless_too_few_splits(found, treated_count, control_count, cluster, method)
    return found


def _pretrend(y, d, p, units, times, x, codes, *, nested: bool) -> dict:
    """Difference in linear trend between the groups before the start (treated × period on pre-period rows, with
    the same fixed effects, covariates and standard errors as the main model)."""
    from statsmodels.regression.linear_model import OLS

    if times is None:
        return {"n_pre_periods": None, "pretrend_slope": None, "pretrend_p_value": None}
    before = (p == 0).to_numpy()
    count = int(times[before].nunique())
    result = {"n_pre_periods": count, "pretrend_slope": None, "pretrend_p_value": None}
    if count < 2 or times[before & (d == 1).to_numpy()].nunique() < 2:
        return result
    t = times[before].to_numpy(dtype=float)
    trend = d[before].to_numpy(dtype=float) * (t - t.mean())
    parts = [trend] if units is not None else [np.ones(before.sum()), trend, d[before].to_numpy(dtype=float)]
    parts.append(pd.get_dummies(times[before], drop_first=True, dtype=float).to_numpy())
    if x is not None:
        parts.append(x[before].to_numpy(dtype=float))
    design, outcome_values = np.column_stack(parts), y[before].to_numpy(dtype=float)
    at, absorbed = (0, int(units[before].nunique())) if units is not None else (1, 0)
    if units is not None:  # unit fixed effects absorbed, as in the main model
        design, outcome_values = _within(design, units[before]), _within(outcome_values[:, None], units[before])[:, 0]
    if np.linalg.matrix_rank(design) < design.shape[1]:
        return result
    model = OLS(outcome_values, design)
    if codes is not None and len(np.unique(codes[before])) >= 2:
        params, _, p_values = _cluster_fit(model, pd.factorize(codes[before])[0], 1 if nested else absorbed)
        slope, p_value = float(params[at]), float(p_values[at])
    else:
        fit = model.fit(use_t=True)
        df_resid = len(outcome_values) - design.shape[1] - absorbed
        slope = float(fit.params[at])
        p_value = float(2 * stats.t.sf(abs(slope / (fit.bse[at] * math.sqrt(fit.df_resid / df_resid))), df_resid))
    if math.isfinite(slope) and math.isfinite(p_value):
        result.update(pretrend_slope=slope, pretrend_p_value=p_value)
    return result


# ------------------------------------------------------------------------------------------------ matching

def matched_effect(df: pd.DataFrame, *, outcome: str, treated: str, covariates, caliper: float = 0.2,
                   replace: bool = True) -> Estimate:
    """Effect on the trained (ATT) in a non-randomised pilot: each trained person against the untrained person
    closest on the propensity score.

    Matching is `core.assignment.match`: logit of the propensity score (statsmodels Logit), nearest neighbour on
    the logit within `caliper` sd of the logit (Austin 2011); people at a category level found in one arm only
    (every Madrid rep was trained) are set aside first, as positivity fails there (Rosenbaum & Rubin 1983).
    ATT = mean over matched trained people of yᵢ − y_j(i). Standard error: Abadie & Imbens (2006), for matching
    with replacement, V = [Σᵢ (yᵢ − y_j(i) − ATT)² + Σ_j K_j(K_j − 1) σ̂²_j] / N₁², where K_j is how many
    trained people control j serves and σ̂²_j = (y_j − y_l)²/2 with l the control nearest to j on the logit (averaged
    over every control equally near, so no row order decides).
    It treats the estimated score as known (as Abadie & Imbens 2006 do); a bootstrap is not used because it is
    invalid for nearest-neighbour matching (Abadie & Imbens 2008). z interval.
    """
    covariates = _names(covariates, "covariates")
    if not covariates:
        raise ValueError("choose at least one covariate to match on")
    if isinstance(caliper, bool) or not isinstance(caliper, int | float) or not 0 < caliper < math.inf:
        raise ValueError(f"caliper must be a positive number of standard deviations of the logit (e.g. 0.2), "
                         f"got {caliper!r}")
    _columns(df, outcome=outcome, treated=treated, covariates=covariates)
    columns = {outcome: _numbers(df[outcome], outcome), treated: _flag(df[treated], treated)}
    keep, counts, notes = _drop_blanks(columns, outcome)  # a blank covariate is the matcher's business
    frame = df.loc[keep, covariates].reset_index(drop=True)
    y = columns[outcome][keep].reset_index(drop=True)
    d = columns[treated][keep].reset_index(drop=True)
    _check_outcome(y, outcome)
    _check_arms(d, treated)
    frame["_treated"] = d.astype(bool).to_numpy()
    frame["_outcome"] = y.to_numpy()  # part of what a row holds: tied people are told apart by it, not by order
    result = match(frame, treated_col="_treated", covariates=covariates, caliper_sd=float(caliper),
                   replace=replace, seed=0)
    pairs = result.pairs
    n_trained = int(d.sum())
    if pairs.empty:
        raise ValueError(f"none of the {n_trained} trained people has an untrained person close enough on the "
                         f"propensity score (within {caliper} sd of its logit): widen the caliper or use fewer "
                         "covariates")
    if len(pairs) < 2:
        raise ValueError("only 1 trained person could be matched: an effect and its uncertainty need at least 2")
    treated_rows, control_rows = pairs["treated"].to_numpy(int), pairs["control"].to_numpy(int)
    outcomes = y.to_numpy()
    differences = outcomes[treated_rows] - outcomes[control_rows]
    att, n1 = float(differences.mean()), len(differences)
    uses = pd.Series(control_rows).value_counts()
    reused = uses[uses > 1]
    variance_controls = 0.0
    if len(reused):
        usable = result.logit[~frame["_treated"] & result.logit.notna()].sort_values()
        if len(usable) < 2:
            raise ValueError("only 1 untrained person could serve as a control: the uncertainty cannot be estimated")
        order, scores = usable.index.to_numpy(), usable.round(12).to_numpy()
        position = {row: k for k, row in enumerate(order)}
        for row, k_uses in reused.items():
            k = position[row]
            distance = np.abs(scores - scores[k])
            distance[k] = np.inf
            nearest = order[distance == distance.min()]  # every control as close as the closest: no order decides
            variance_controls += k_uses * (k_uses - 1) * float(np.mean((outcomes[row] - outcomes[nearest]) ** 2)) / 2
    se = math.sqrt((((differences - att) ** 2).sum() + variance_controls) / n1**2)
    arms = np.where(frame["_treated"], TREATMENT, CONTROL)
    matched = pd.concat([frame.loc[treated_rows].assign(arm=TREATMENT), frame.loc[control_rows].assign(arm=CONTROL)])
    table = balance(frame.assign(arm=arms), arm_col="arm", covariates=covariates, matched=matched)
    table = table.rename(columns={"SMD": "smd_before", "SMD after matching": "smd_after"})
    table = table[["covariate", "smd_before", "smd_after"]].reset_index(drop=True)
    dropped = len(result.unmatched) + len(result.no_support) + len(result.incomplete)
    if dropped:
        notes.append(f"{dropped} of the {n_trained} trained people had no comparable untrained person and were left "
                     f"out: the effect describes the {n1} who were matched.")
    for level in result.excluded_levels:
        if level.arm == TREATMENT:
            notes.append(f"Nobody untrained had {level.covariate} = {level.level}, so the trained people there could "
                         "not be compared with anyone.")
    for row in table.itertuples():
        if math.isfinite(row.smd_after) and abs(row.smd_after) > SMD_FLAG:
            notes.append(f"After matching, {row.covariate} still differs between the groups (standardised difference "
                         f"{row.smd_after:.2f}, above {SMD_FLAG}): the comparison may be unfair on it.")
    diagnostics = {
        "balance": table, "n_treated": n_trained, "n_matched": n1, "n_controls_used": int(len(uses)),
        "n_treated_dropped": dropped, "n_unmatched": len(result.unmatched), "n_no_support": len(result.no_support),
        "n_missing_covariates": len(result.incomplete),
        "excluded_levels": [f"{lv.covariate} = {lv.level}" for lv in result.excluded_levels],
        "caliper_logit": float(result.caliper), "control_mean": float(outcomes[control_rows].mean()),
        "treated_mean": float(outcomes[treated_rows].mean()), "standard_errors": "Abadie–Imbens (2006)",
        **counts, "warnings": notes,
    }
    method = (f"Propensity-score matching (logit score; nearest untrained neighbour within {caliper:g} sd of the "
              f"logit, {'with' if replace else 'without'} replacement): effect on the trained (ATT), "
              "Abadie–Imbens (2006) standard error")
    return _result(att, se, df_t=None, n=n1 + len(uses), method=method, diagnostics=diagnostics)


# -------------------------------------------------------------------------------- interrupted time series

def interrupted_time_series(df: pd.DataFrame, *, outcome: str, period: str, start) -> Estimate:
    """Level change of `outcome` when the program started, from its own history (no comparison group).

    Segmented regression (Wagner et al. 2002): y_t = β₀ + β₁·(t − t₀) + β₂·post_t + β₃·(t − t₀)·post_t + ε_t,
    t₀ = `start`, post = t ≥ t₀. `effect` is β₂, the jump at the start; β₃, the change in slope per period, is in
    ``diagnostics["slope_change"]``. Monthly KPIs are autocorrelated and L&D series are short (12 + 12 months),
    where Newey–West covers 72–82% and classical OLS 79% with AR(1) errors of 0.5. So the OLS estimate gets an
    AR(1) sandwich variance: V = s²·(X'X)⁻¹X'R(ρ̃)X(X'X)⁻¹ with R_ij = ρ̃^|i−j|, s² = e'e / tr(M·R) (M the residual
    maker, so s² is unbiased under that R), and ρ̃ = ρ̂ + 2·(1 + 3ρ̂ + k)/T, clipped to [0, 0.95]: ρ̂ is the lag-1
    autocorrelation of the residuals, biased down by about (1 + 3ρ + k)/T in a regression with k = 4 terms, and the
    correction is doubled to be conservative. t on T − 4 degrees of freedom. By simulation (tests/test_effects.py)
    this covers 94–98% at 6 + 6 to 36 + 12 months with ρ from 0 to 0.5 (the safe side with independent months),
    and about 92% at ρ = 0.7 (warned).
    `period` may be numbers, dates, quarters or ISO weeks (core/periods.py); several rows in one period are
    averaged first.

    >>> months = pd.DataFrame({"month": [f"2026-{m:02d}" for m in range(1, 13)],
    ...                        "kpi": [10, 11, 10, 12, 11, 12, 16, 15, 17, 16, 17, 16]})
    >>> its = interrupted_time_series(months, outcome="kpi", period="month", start="2026-07")
    >>> round(its.effect, 2)  # the line after the start, at July (15.81), less the line before, extended (12.20)
    3.61
    """

    _columns(df, outcome=outcome, period=period)
    times, kind = _time_codes(df[period], period)
    t0 = _time_code(start, kind, "start")
    columns = {outcome: _numbers(df[outcome], outcome), period: times}
    keep, counts, notes = _drop_blanks(columns, outcome)
    notes += _order_said(kind)
    series = columns[outcome][keep].groupby(times[keep]).mean().sort_index()
    averaged = int(keep.sum()) > len(series)
    after = series.index.to_numpy() >= t0
    n_before, n_after = int((~after).sum()), int(after.sum())
    if n_before < 3 or n_after < 3:
        raise ValueError(f"an interrupted time series needs at least 3 periods before the start ({_label(t0, kind)}) "
                         f"and 3 from it on: found {n_before} before and {n_after} from it on")
    _check_outcome(series, outcome)
    for count, when in ((n_before, "before"), (n_after, "after")):
        if count < 8:
            notes.append(f"Only {count} periods {when} the start: a trend from so few points is fragile (8 or more on "
                         "each side is a common minimum).")
    time = series.index.to_numpy(dtype=float) - t0
    design = np.column_stack([np.ones(len(series)), time, after.astype(float), time * after])
    total = len(series)
    params, ses, rho_hat, rho = _ar1_sandwich(series.to_numpy(dtype=float), design)
    df_t = total - 4
    q = stats.t.ppf(0.975, df_t)
    slope_change, slope_se = float(params[3]), float(ses[3])
    if rho >= 0.5:
        notes.append(f"The months are strongly autocorrelated (about {rho:.2f} after correcting for a short series): "
                     "even this interval may run narrow; treat it as a rough guide.")
    diagnostics = {
        "slope_change": slope_change, "slope_change_se": slope_se,
        "slope_change_ci": (slope_change - q * slope_se, slope_change + q * slope_se),
        "slope_change_p_value": float(2 * stats.t.sf(abs(slope_change / slope_se), df_t)),
        "slope_before": float(params[1]),
        "control_mean": float(params[0]),  # where the old trend would have been at the start
        "residual_autocorrelation": rho_hat, "autocorrelation_used": rho,
        "n_periods_before": n_before, "n_periods_after": n_after, "rows_averaged": averaged, "df": df_t,
        **counts, "warnings": notes,
    }
    method = (f"Interrupted time series: segmented regression of {outcome} on time with a level change and a slope "
              f"change at {_label(t0, kind)}; standard errors allowing for month-to-month autocorrelation "
              f"({rho:.2f}, AR(1), corrected for a short series)")
    return _result(float(params[2]), float(ses[2]), df_t=df_t, n=total, method=method, diagnostics=diagnostics)


def _ar1_sandwich(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(OLS coefficients, AR(1) sandwich standard errors, residual lag-1 autocorrelation ρ̂, the ρ̃ used) for a
    short series (interrupted_time_series' docstring has the formulas)."""
    n, k = x.shape
    inverse = np.linalg.inv(x.T @ x)
    beta = inverse @ x.T @ y
    e = y - x @ beta
    rho_hat = float((e[1:] @ e[:-1]) / (e @ e)) if e @ e > 0 else 0.0
    rho = float(min(max(rho_hat + 2 * (1 + 3 * rho_hat + k) / n, 0.0), 0.95))
    lag = np.arange(n)
    r = rho ** np.abs(lag[:, None] - lag[None, :])
    residual_maker = np.eye(n) - x @ inverse @ x.T
    s2 = float(e @ e) / float(np.trace(residual_maker @ r))
    variance = s2 * inverse @ x.T @ r @ x @ inverse
    return beta, np.sqrt(np.diag(variance)), rho_hat, rho


# ---------------------------------------------------------------------------------------- waves (staggered)

def _cohort_codes(values: pd.Series, name: str, kind: str) -> pd.Series:
    """First treated period on the periods' scale; 0 or blank means never treated (NaN)."""
    blank = values.isna() | values.astype(str).str.strip().isin(["", "0", "0.0"])
    if pd.api.types.is_numeric_dtype(values):
        blank |= values.eq(0)
    if isinstance(kind, periods.Labels):
        codes = kind.codes(values.where(~blank))
    elif kind == "number":
        codes = pd.to_numeric(values.where(~blank), errors="coerce").astype(float)
    else:
        dates, _ = periods.parse(values.where(~blank))
        codes = periods.codes(dates, kind)
    text = ~blank & codes.isna()
    if text.any():
        example = ("a date like 2026-07" if kind == "month" else f"one of the periods: {kind.said()}"
                   if isinstance(kind, periods.Labels) else "a number on the periods' scale, e.g. 2026")
        raise ValueError(f"{name} must be the first period each unit is treated ({example}), or 0 / blank for never "
                         f"treated; found {values[text].iloc[0]!r}")
    return codes


def staggered_did(df: pd.DataFrame, *, outcome: str, unit: str, period: str, cohort: str,
                  control: Control = "never") -> Estimate:
    """Effect of a program rolled out in waves: Callaway & Sant'Anna (2021) group-time effects, averaged.

    `cohort` is the first period a unit is treated (0 or blank: never treated). ATT(g, t), the effect in period t
    on the units first treated in g, compares their change since g − 1 (since t − 1 before g: R did's "varying"
    base period) with that of never-treated units (`control="never"`) or of units not yet treated by t
    (`control="notyet"`), by the `differences` package's ATTgt (unconditional parallel trends, outcome
    regression). The overall effect averages the post-treatment ATT(g, t) with weights by cohort size (R did's
    "simple" aggregation); analytical standard errors from the influence function, z interval.
    ``diagnostics["group_time"]`` (cohort, period, att, se) and ``["event_study"]`` (event_time, att, se) are
    for charts; ``["pretrend_p_value"]`` is the Wald test that the pre-period effects are all 0. Like R's did,
    the panel is balanced first (units missing a period are left out), units treated from the first period
    are left out, and units first treated after the last period count as never treated.
    On R did's mpdta example the overall effect is −0.0400 (see tests/test_effects.py).
    """
    from differences import ATTgt
    from differences.models.attgt.utility_ntl import wald_pre_test

    if control not in ("never", "notyet"):
        raise ValueError(f"control must be 'never' (never-treated units) or 'notyet' (not-yet-treated units), "
                         f"got {control!r}")
    _columns(df, outcome=outcome, unit=unit, period=period, cohort=cohort)
    times, kind = _time_codes(df[period], period)
    if kind == "number" and not np.allclose(times.dropna() % 1, 0):
        raise ValueError(f"{period} must be whole numbers (1, 2, 3 or 2026) or dates")
    columns = {outcome: _numbers(df[outcome], outcome), unit: _present(df[unit]),
               period: times}
    cohorts = _cohort_codes(df[cohort], cohort, kind)
    keep, counts, notes = _drop_blanks(columns, outcome)
    notes += _order_said(kind)
    frame = pd.DataFrame({"unit": columns[unit][keep].astype(str), "period": times[keep],
                          "y": columns[outcome][keep], "cohort": cohorts[keep]})
    duplicated = frame.duplicated(["unit", "period"])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise ValueError(f"{int(duplicated.sum())} rows repeat a {unit} and {period} (e.g. {row.unit} in "
                         f"{_label(row.period, kind)}): each {unit} needs one row per period")
    varies = frame.groupby("unit")["cohort"].nunique(dropna=False)
    if (varies > 1).any():
        raise ValueError(f"{cohort} differs between the rows of {int((varies > 1).sum())} {unit}(s) (e.g. "
                         f"{varies[varies > 1].index[0]}): it must be the same first period in every row of a {unit}")
    periods = np.sort(frame["period"].unique())
    if len(periods) < 2:
        raise ValueError(f"the data have only one {period}: effects need periods before and after each start")
    first, last = periods[0], periods[-1]
    seen = frame.groupby("unit")["period"].nunique()
    gaps = seen[seen < len(periods)].index
    if len(gaps):
        notes.append(f"{len(gaps)} {unit}(s) were not observed in every period (or had a blank {outcome}) and were "
                     "left out: the method needs every unit in every period, as in R's did package.")
        frame = frame[~frame["unit"].isin(gaps)]
    unit_cohort = frame.groupby("unit")["cohort"].first()
    stray = unit_cohort[unit_cohort.notna() & (unit_cohort <= last) & ~unit_cohort.isin(periods)]
    if len(stray):
        raise ValueError(f"{cohort} {_label(stray.iloc[0], kind)} (of {stray.index[0]}) is not one of the periods "
                         f"in the data ({_label(first, kind)} to {_label(last, kind)}): periods and cohorts do not "
                         "line up")
    from_start = unit_cohort[unit_cohort <= first].index
    if len(from_start):
        notes.append(f"{len(from_start)} {unit}(s) were treated from the first period, so nothing before is known "
                     "about them; they were left out.")
        frame = frame[~frame["unit"].isin(from_start)]
    late = frame["cohort"] > last
    if late.any():
        notes.append(f"{frame.loc[late, 'unit'].nunique()} {unit}(s) start after the last period in the data and "
                     "count as never treated.")
        frame.loc[late, "cohort"] = math.nan
    if frame.empty or frame["cohort"].isna().all():
        raise ValueError(f"no {unit} starts the program within the periods of the data: there is no effect to estimate")
    _check_outcome(frame["y"], outcome)
    never = int(frame.loc[frame["cohort"].isna(), "unit"].nunique())
    if control == "never" and never == 0:
        raise ValueError(f"no {unit} is never treated, so there is no comparison group: use control='notyet' to "
                         "compare each wave with the waves that have not started yet")
    entity = pd.factorize(frame["unit"])[0]
    panel = pd.DataFrame({"y": frame["y"].to_numpy(), "cohort": frame["cohort"].to_numpy()},
                         index=pd.MultiIndex.from_arrays([entity, frame["period"].astype(int).to_numpy()],
                                                         names=["entity", "time"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ATTgt(data=panel, cohort_column="cohort")
        model.fit(formula="y", control_group="never_treated" if control == "never" else "not_yet_treated",
                  progress_bar=False)
        group_time = _flat(model.results())
        simple = _flat(model.aggregate("simple"))
        event = _flat(model.aggregate("event"))
        try:
            pretest = wald_pre_test(model.results(to_dataframe=False)["full_sample"])
            pretrend_p = float(pretest["p_value"])
        except (KeyError, ValueError, np.linalg.LinAlgError, IndexError):
            pretrend_p = None
    label = ((lambda c: pd.Timestamp(year=int(c) // 12, month=int(c) % 12 + 1, day=1)) if kind == "month"
             else int if kind == "number" else (lambda c: _label(c, kind)))
    table = pd.DataFrame({"cohort": [label(c) for c in group_time["cohort"]],
                          "period": [label(t) for t in group_time["time"]],
                          "att": group_time["ATT"].astype(float).to_numpy(),
                          "se": group_time["std_error"].astype(float).to_numpy()})
    study = pd.DataFrame({"event_time": event["relative_period"].astype(int).to_numpy(),
                          "att": event["ATT"].astype(float).to_numpy(),
                          "se": event["std_error"].astype(float).to_numpy()})
    blank = int(table["att"].isna().sum())
    if blank:
        notes.append(f"{blank} group-time effect(s) could not be estimated (no comparison units that period) and are "
                     "left blank in the table.")
    if pretrend_p is not None and not math.isfinite(pretrend_p):
        pretrend_p = None
    sizes = frame.groupby("unit")["cohort"].first().value_counts().sort_index()
    diagnostics = {
        "group_time": table, "event_study": study, "pretrend_p_value": pretrend_p,
        "pretrend_test": "joint test of the effects before each start",
        "cohort_sizes": {label(c): int(k) for c, k in sizes.items()}, "n_never_treated": never,
        "n_units": int(frame["unit"].nunique()), "n_periods": int(frame["period"].nunique()),
        "control": "never treated" if control == "never" else "not yet treated",
        "units_left_out": len(gaps) + len(from_start), **counts, "warnings": notes,
    }
    comparison = "never-treated" if control == "never" else "not-yet-treated"
    method = (f"Staggered difference in differences (Callaway & Sant'Anna 2021): group-time effects against "
              f"{comparison} {unit}s, averaged with weights by cohort size")
    found = _result(float(simple["ATT"].iloc[0]), float(simple["std_error"].iloc[0]), df_t=None,
                    n=diagnostics["n_units"], method=method + "; analytical standard errors", diagnostics=diagnostics)
    if diagnostics["n_units"] < FEW_CLUSTERS:
        found = _waves_by_randomisation(found, frame, periods, control, unit, method)
    pretrend_p = found.diagnostics["pretrend_p_value"]
    if pretrend_p is not None and pretrend_p < PRETREND_ALPHA:
        found.diagnostics["warnings"].append(
            f"Before their start, the waves were already drifting apart ({found.diagnostics['pretrend_test']}, "
            f"p = {pretrend_p:.3f}): the parallel-trends assumption is in doubt.")
    return found


def _waves_by_randomisation(found: Estimate, frame: pd.DataFrame, periods: np.ndarray, control: Control,
                            unit: str, method: str) -> Estimate:
    """With under FEW_CLUSTERS units the influence-function interval covers far less than 95% (84% with 8 teams
    in 4 waves, simulated in tests/test_staggered.py): the interval and p-value shown are instead the
    randomisation test's over the orders the waves could have been drawn in (`core.randomisation`, the estimate
    as weights from `core.staggered`), which is exact when the effect is the same in every wave."""
    from core import randomisation, staggered

    table = frame.pivot(index="unit", columns="period", values="y").reindex(columns=periods)
    cohort = frame.groupby("unit")["cohort"].first().reindex(table.index)
    codes = np.where(cohort.isna(), staggered.NEVER, np.searchsorted(periods, cohort.fillna(periods[0]).to_numpy()))
    y = table.to_numpy(float)
    drawn = randomisation.assignments(codes)
    w = staggered.weights(drawn, len(periods), control=control)
    alpha = np.einsum("aup,up->a", w, y)
    beta = np.einsum("aup,up->a", w, staggered.treated_cells(codes, len(periods)))
    count = randomisation.assignment_count(codes.tolist())
    diagnostics = found.diagnostics
    diagnostics.update(analytical_ci=(found.ci_low, found.ci_high), possible_orders=count,
                       randomisation=f"{len(drawn):,} of the {count:,} possible orders"
                       if len(drawn) < count else f"all {count:,} possible orders")
    p = randomisation.p_value(found.effect, alpha, beta)
    if randomisation.smallest_p(count) > 0.05:
        return _no_interval(found, p, f"With {diagnostics['n_units']} {unit}s in these waves there are only {count} "
                                   "orders the waves could have been drawn in, so no test can reach 95% confidence: "
                                   "the estimate is shown without an interval. More teams, or a longer rollout, would "
                                   "give one.", method)
    diagnostics.update(pretrend_p_value=_pretrend_by_randomisation(y, periods, codes, drawn),
                       pretrend_test="randomisation test of the waves' trends before the first start")
    low, high = randomisation.interval(found.effect, alpha, beta, scale=found.se)
    diagnostics["warnings"].append(
        f"Only {diagnostics['n_units']} {unit}s: large-sample standard errors run narrow with so few, so the interval "
        f"and p-value are a randomisation test's, over {diagnostics['randomisation']} of the {unit}s into waves.")
    return dataclasses.replace(found, ci_low=float(low), ci_high=float(high), p_value=p,
                               method=f"{method}; interval and p-value by randomisation inference over the orders "
                                      "of the waves")


def _pretrend_by_randomisation(y: np.ndarray, periods: np.ndarray, codes: np.ndarray,
                                drawn: np.ndarray) -> float | None:
    """Whether the waves already trended apart before any of them started, as a randomisation test: each unit's
    linear slope over the periods before the first start, and the statistic Σ_w n_w (s̄_w − s̄)² (the between-waves
    sum of squares of the slopes, ANOVA's numerator; the total is fixed, so this orders as F does) over the same
    orders of the waves as the interval. Nothing is treated in those periods, so the test is exact; the Wald test
    on the analytical errors said p = 0.000 for randomised waves of 16 teams."""
    from core import staggered

    first = codes[codes != staggered.NEVER].min(initial=len(periods))
    before = y[:, :first]
    if before.shape[1] < 3:
        return None
    t = np.arange(before.shape[1], dtype=float)
    seen = ~np.isnan(before)
    counts = seen.sum(axis=1)
    t_mean = np.where(seen, t, 0).sum(axis=1) / np.maximum(counts, 1)
    y_mean = np.nansum(before, axis=1) / np.maximum(counts, 1)
    dt = np.where(seen, t - t_mean[:, None], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = (dt * np.nan_to_num(before - y_mean[:, None])).sum(axis=1) / (dt**2).sum(axis=1)
    keep = (counts >= 2) & np.isfinite(slopes)
    if keep.sum() < 3:
        return None
    slopes, drawn = slopes[keep] - slopes[keep].mean(), drawn[:, keep]
    between = sum((np.where(drawn == c, slopes, 0.0).sum(axis=1) ** 2) / (drawn == c).sum(axis=1)
                  for c in np.unique(drawn[0]))
    return float(np.mean(between >= between[0] - 1e-12 * abs(between[0])))


def synthetic_control(df: pd.DataFrame, *, outcome: str, unit: str, period: str, treated: str,
                      method: Literal["synthetic_did", "synthetic_control"] = "synthetic_did") -> Estimate:
    """One site piloted: synthetic difference in differences or the synthetic control (core/synthetic.py)."""
    from core.synthetic import synthetic_control as estimate

    return estimate(df, outcome=outcome, unit=unit, period=period, treated=treated, method=method)


def _flat(table: pd.DataFrame) -> pd.DataFrame:
    """A `differences` result with its three-level column names cut to the last level and its index as columns."""
    flat = table.copy()
    flat.columns = [c[-1] if isinstance(c, tuple) else c for c in flat.columns]
    return flat.reset_index()


def _mediation_words(a: float, b: float, low: float, high: float, mediator: str, outcome: str) -> str:
    """The mediation result in words that follow its signs and whether its interval excludes zero."""
    moved = "rose" if a > 0 else "fell"
    along = "higher" if b > 0 else "lower"
    clear = ("the bootstrap interval excludes no effect through it" if low > 0 or high < 0 else
             "the bootstrap interval includes zero, so this path may carry nothing")
    return (f"An association model: {mediator} {moved} in the treated arm, and people with a higher {mediator} "
            f"had a {along} {outcome}; {clear}. The pilot randomised the training, not {mediator}: treat the share "
            "carried as a lead for interviews, not as proof.")


def mediation(df: pd.DataFrame, *, outcome: str, treated: str, mediator: str, covariates=(),
              cluster: str | None = None, draws: int = 999, seed: int = BOOTSTRAP_SEED) -> Estimate:
    """How much of the pilot's effect on `outcome` travels through `mediator` (e.g. the assessment gain):
    the product of coefficients a·b (Baron & Kenny 1986; MacKinnon 2008), with a percentile bootstrap CI
    (Preacher & Hayes 2008), resampling people — or whole clusters when `cluster` is given.

    a: OLS of mediator on treated (+ covariates); b: OLS of outcome on mediator and treated (+ covariates);
    `effect` = a·b (the indirect effect), diagnostics hold a, b, the direct effect and the share mediated.
    Randomisation covers the treated arm, not the mediator: b is an association, so the result is labelled
    an association model, never proof that the mediator causes the outcome.
    """
    import statsmodels.api as sm

    _columns(df, outcome=outcome, treated=treated, mediator=mediator)
    extra = _names(covariates, "covariates")
    keep = df[[outcome, treated, mediator, *extra] + ([cluster] if cluster else [])].dropna()
    if len(keep) < 10:
        raise ValueError(f"mediation needs at least 10 people with {outcome}, {mediator} and the arm; found "
                         f"{len(keep)}")
    y = _numbers(keep[outcome], outcome)
    m = _numbers(keep[mediator], mediator)
    d = _flag(keep[treated], treated)
    _check_arms(d, treated)
    _check_outcome(m, mediator)
    x = _covariates(keep, extra) if extra else pd.DataFrame(index=keep.index)

    def paths(rows: np.ndarray) -> tuple[float, float, float]:
        base = sm.add_constant(pd.concat([d.iloc[rows].rename("d"), x.iloc[rows]], axis=1).to_numpy(float),
                               has_constant="add")
        a = sm.OLS(m.iloc[rows].to_numpy(float), base).fit().params[1]
        full = np.column_stack([base, m.iloc[rows].to_numpy(float)])
        fit = sm.OLS(y.iloc[rows].to_numpy(float), full).fit().params
        return float(a), float(fit[-1]), float(fit[1])

    everyone = np.arange(len(keep))
    a, b, direct = paths(everyone)
    rng = np.random.default_rng(seed)
    if cluster:
        codes, groups = pd.factorize(keep[cluster].astype(str))
        members = [np.flatnonzero(codes == g) for g in range(len(groups))]
    indirect = []
    for _ in range(draws):
        if cluster:
            rows = np.concatenate([members[g] for g in rng.integers(0, len(members), len(members))])
        else:
            rows = rng.integers(0, len(keep), len(keep))
        if d.iloc[rows].nunique() < 2:
            continue
        da, db, _ = paths(rows)
        indirect.append(da * db)
    low, high = np.percentile(indirect, [2.5, 97.5])
    se = float(np.std(indirect, ddof=1))
    share = a * b / (a * b + direct) if (a * b + direct) else math.nan
    warnings = [_mediation_words(a, b, low, high, mediator, outcome)]
    return Estimate(a * b, se, float(low), float(high), float(2 * min(np.mean(np.array(indirect) <= 0),
                                                                        np.mean(np.array(indirect) >= 0))),
                    len(keep), f"Mediation by {mediator}: product of coefficients, bootstrap interval ({draws:,} "
                    "draws)", {"a": a, "b": b, "direct": direct, "share_mediated": share, "warnings": warnings})

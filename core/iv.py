"""The effect on those who actually took part, when taking part and being assigned differ (no-shows, cross-overs).

The registered estimate compares the arms as drawn: the intent-to-treat (ITT) effect of *offering* the program.
When step 5 records who actually took part, the effect on the people who took part because they were assigned
(compliers, the local average treatment effect) is estimated by instrumental variables with the random assignment
as the instrument (Angrist, Imbens & Rubin 1996): two-stage least squares, y = α + τ·took_part (+ β'x) + ε with
took_part instrumented by assigned, by linearmodels' IV2SLS. Without covariates τ is the Wald ratio
ITT ÷ (share of the assigned who took part − share of controls who did). Standard errors are robust (HC), or
clustered by the unit of randomisation with whole clusters.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from core.effects import Estimate

if TYPE_CHECKING:
    import pandas as pd

WEAK_COMPLIANCE = 0.2  # a first stage this small makes the ratio unstable (a weak instrument)


def complier_effect(df: pd.DataFrame, *, outcome: str, assigned: str, took_part: str, covariates=(),
                    cluster: str | None = None) -> Estimate:
    """The effect on those who took part because they were assigned (LATE), with its 95% interval.

    ``diagnostics["compliance"]`` is the first stage (share of assigned who took part minus share of controls who
    did), ``["first_stage_f"]`` its F statistic. Raises ValueError when taking part does not follow assignment.
    """
    import pandas as pd
    from linearmodels.iv import IV2SLS

    columns = [outcome, assigned, took_part, *covariates] + ([cluster] if cluster else [])
    data = df[columns].dropna()
    if len(data) < 10:
        raise ValueError(f"the effect on those who took part needs at least 10 people with {outcome}; found "
                         f"{len(data)}")
    z, d = data[assigned].astype(float), data[took_part].astype(float)
    compliance = float(d[z == 1].mean() - d[z == 0].mean())
    if not math.isfinite(compliance) or abs(compliance) < 1e-9:
        raise ValueError("taking part does not follow assignment at all (the same share took part in both arms): "
                         "the effect on those who took part cannot be separated")
    exog = pd.DataFrame({"const": 1.0}, index=data.index)
    for c in covariates:
        exog[c] = data[c].astype(float)
    model = IV2SLS(data[outcome].astype(float), exog, d.rename("took_part"), z.rename("assigned"))
    if cluster:
        codes = pd.factorize(data[cluster].astype(str))[0]
        fit = model.fit(cov_type="clustered", clusters=pd.Series(codes, index=data.index))
        groups = len(set(codes))
        df_t: float | None = groups - 1
        errors = f"clustered by {cluster} (t with {groups - 1} degrees of freedom)"
    else:
        fit = model.fit(cov_type="robust")
        df_t, errors = None, "robust (HC)"
    effect, se = float(fit.params["took_part"]), float(fit.std_errors["took_part"])
    q = stats.t.ppf(0.975, df_t) if df_t else stats.norm.ppf(0.975)
    p = float(2 * (stats.t.sf(abs(effect / se), df_t) if df_t else stats.norm.sf(abs(effect / se))))
    first = fit.first_stage.diagnostics
    f_stat = float(first["f.stat"].iloc[0]) if "f.stat" in first else float("nan")
    notes = []
    if abs(compliance) < WEAK_COMPLIANCE:
        notes.append(f"Only {compliance:.0%} more of the assigned than of the controls took part: the effect on "
                     "those who took part is a ratio over a small difference, so it is unstable.")
    return Estimate(effect, se, effect - q * se, effect + q * se, p, len(data),
                    f"Effect on those who took part: instrumental variables (two-stage least squares, assignment as "
                    f"the instrument), standard errors {errors}",
                    {"compliance": compliance, "first_stage_f": f_stat, "warnings": notes,
                     "itt_share_took_part": float(d[z == 1].mean()), "control_share_took_part": float(d[z == 0].mean()),
                     "df": df_t if df_t is not None else np.inf})

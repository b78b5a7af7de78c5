"""A pilot at one site first: the site's monthly KPI against a synthetic twin built from the other sites.

Step 4 picks the site (a value of the plan's cluster column); everyone eligible there is treated, the other
sites' people are the comparison. Step 5 analyses site-by-month means — every month of history before the start,
then the measurement window — by synthetic difference in differences (core/synthetic.py).

Power by placebo simulation over the untreated sites (Abadie et al. 2010's placebo logic used forward): on the
history before the start, the last `measurement_months` months play the measurement window and each other site
j in turn plays the piloted one, against the remaining sites, analysed exactly as step 5 will: its estimate e_j
and its own placebo standard error se_j (each remaining site in turn in j's place). Adding δ to a site's
post-period months adds exactly δ to its estimate and leaves se_j alone (the weights and the placebos depend on
the pre-period and the other sites only), so the pilot detects δ with probability

    power(δ) = share of sites j with |e_j + δ| > z₁₋α/₂ · se_j.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from core import pilot as pl
from core import randomisation
from core.plan import Plan
from core.synthetic import FEW_CONTROLS


@dataclass(frozen=True)
class SitePower:
    power: float
    mde: float | None  # the smallest effect detected with the target power (None: none is)
    se: float  # the placebo standard error the pilot can expect (the median over the simulated pilots)
    placebos: int  # how many sites played the piloted one
    months_before: int  # history months the twin is fitted on in the simulation


def site_months(plan: Plan, panel, roster: pl.Roster, column: str, *, until=None) -> pd.DataFrame:
    """Site × month means of the KPI over the eligible people (rows: sites, columns: months), from the first
    month of data to `until` (exclusive; default: the start month), flagged values left out as step 5 does."""
    from core.estimates import without_flagged

    site = plan.pilot.cluster_column
    if not site or site not in roster.people.columns:
        raise ValueError("choose the column that names the sites (step 4, “Sites are”)")
    w = pl.windows(plan.pilot)
    end = pd.Timestamp(until or pl.add_months(w.start, 0))
    history, _ = without_flagged(panel.monthly[["employee_id", "period", column]], column)
    history = history[history["employee_id"].isin(roster.people.index) & (history["period"] < end)]
    names = pl.group_labels(roster.people[site]).reindex(history["employee_id"]).to_numpy()
    table = history.assign(site=names).pivot_table(index="site", columns="period", values=column, aggfunc="mean")
    return table.drop(index=pl.BLANK_GROUP, errors="ignore")  # people with no site belong to no twin


def placebo_power(table: pd.DataFrame, piloted: str, *, post: int, effect: float, alpha: float = 0.05,
                  target: float = 0.8) -> SitePower:
    """Power and MDE of the one-site pilot by placebo simulation on `table` (module docstring)."""
    full = table.dropna(axis=0, how="any")
    others = [s for s in full.index if s != piloted]
    if len(others) < FEW_CONTROLS:
        raise ValueError(f"{len(others)} other sites with a full history: step 5 gives no 95% interval with fewer "
                         f"than {FEW_CONTROLS} to compare with (the placebo standard error rests on them); choose a "
                         "column with more sites, such as teams")
    if full.shape[1] - post < 2:
        raise ValueError(f"{full.shape[1]} months of history: the twin needs at least 2 months before a "
                         f"{post}-month measurement window")
    draws, ses = np.asarray(_placebos(tuple(map(tuple, full.loc[others].to_numpy(float))), post)).T
    if not np.all(ses > 0):
        raise ValueError("the sites' monthly KPI does not vary: nothing to simulate")
    se = float(np.median(ses))
    z = float(stats.norm.ppf(1 - alpha / 2))

    def power(delta: float) -> float:
        return float(np.mean(np.abs(draws + delta) > z * ses))

    mde = randomisation.smallest_detected(power, target, start=se, huge=1e6 * se)
    return SitePower(power(abs(effect)), mde, se, len(draws), full.shape[1] - post)


@lru_cache(maxsize=16)
def _placebos(rows: tuple, post: int) -> list[tuple[float, float]]:
    """(estimate, placebo se) with each site in turn as the piloted one against the others, its last `post`
    months as the window."""
    from core.synthetic import estimate_matrix

    y = np.asarray(rows)
    sites, months = y.shape
    found = [estimate_matrix(y[np.r_[np.delete(np.arange(sites), j), j]], sites - 1, months - post)
             for j in range(sites)]
    return [(effect, se) for _, effect, se, _ in found]


def site_of(plan: Plan) -> str:
    """The piloted site: the group of the assignment list's treated people ("" before the list is drawn)."""
    groups = {a.group for a in plan.design.assignment if a.arm == "treatment"}
    return next(iter(groups)) if len(groups) == 1 else ""


def how_simulated(found: SitePower, *, alpha: float = 0.05) -> str:
    """The placebo simulation behind a one-site pilot's power, in words for step 4."""
    return (f"No formula gives the power of a synthetic twin, so the app simulates it on the history before the start: "
            f"its last months play the measurement window, and each of {found.placebos} other sites in turn plays the "
            f"piloted one against the rest ({found.months_before} months to fit the twin on). How far those estimates "
            f"stray with no program gives the standard error the pilot can expect ({found.se:,.3g}); the power is the "
            f"share of them that an effect of the planned size would push past the {1 - alpha:.0%} interval's edge, "
            "and the smallest detectable effect the one that does so with the target power.")

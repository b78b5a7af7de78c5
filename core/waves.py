"""A waitlist pilot rolled out in waves: teams randomly ordered into waves, later waves are the controls.

Nobody is denied the program: wave 1 starts on the pilot's start date, each later wave one measurement window
later, and the last wave waits until every other wave has been measured. Step 5 analyses team-by-month means
(or person-by-month values without teams) from the baseline window to the last wave's start by a staggered
difference in differences against the teams not yet treated (core.results, core.effects.staggered_did), with
the randomisation test over the orders of the waves under 30 teams.

Power is the share of simulated pilots whose step-5 analysis detects the effect (its 95% interval excludes 0).
Each simulated pilot draws the waves in a random order and a table of monthly noise,

    ȳ_ct = u_c + m_t + δ·D_ct + e_ct,    e_ct = φ·e_c,t−1 + √(1 − φ²)·σ_c·z_ct,

(u_c, m_t: team and month levels, which the analysis removes), with σ_c and φ taken from the eligible teams' own
monthly means before the pilot (`noise_from_history`): the residuals after team and month means, their AR(1)
coefficient corrected for the short series (Nickell 1981: bias −(1 + φ)/(T − 1)), and σ²_c = a + b/m_c fitted
to the teams' residual variances against their sizes m_c (equal when the sizes are). The simulation then runs the
estimator and the randomisation test of step 5 (core.staggered, core.randomisation) on each table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from core import pilot as pl
from core import randomisation, staggered
from core.plan import Plan
from core.plan import limit as pl_limit

MIN_WAVES, MAX_WAVES = int(pl_limit("pilot.waves").low), int(pl_limit("pilot.waves").high)  # declared in core/plan.py
SIMULATED_ORDERS = 999  # orders of the waves each simulated randomisation test compares with


def wave_starts(plan: Plan) -> list[date]:
    """The first day of each wave: wave 1 on the start date, each later wave one measurement window on."""
    start = pl.start_date(plan.pilot)
    if start is None:
        return []
    step = plan.pilot.measurement_months
    first = pl.add_months(start, 1 if start.day > 1 else 0)
    return [start] + [pl.add_months(first, step * w) for w in range(1, plan.pilot.waves)]


def order_into_waves(clusters: list[str], *, waves: int, seed: int) -> dict[str, int]:
    """Each cluster's wave (1…waves), clusters sorted first so the same seed gives the same order; waves as
    equal as whole clusters allow."""
    if not MIN_WAVES <= waves <= MAX_WAVES:
        raise ValueError(f"a waitlist pilot needs {MIN_WAVES} to {MAX_WAVES} waves, got {waves}")
    if len(clusters) < waves:
        raise ValueError(f"{waves} waves need at least {waves} clusters; {len(clusters)} are eligible")
    order = np.random.default_rng(seed).permutation(sorted(clusters))
    return {str(c): int(i * waves // len(order)) + 1 for i, c in enumerate(order)}


@dataclass(frozen=True)
class MonthlyNoise:
    """How each unit's monthly mean moves around its own level and the month's (module docstring)."""

    sd: tuple[float, ...]  # σ_c, one per unit (team, or person without teams)
    phi: float  # AR(1) coefficient from one month to the next
    source: str  # where the values come from, in words


@dataclass(frozen=True)
class Schedule:
    """The months step 5 analyses: the baseline window, then one window per wave but the last (which waits)."""

    baseline_months: int
    window_months: int
    waves: int
    mid_month: bool = False  # a mid-month start: wave 1 counts from the next whole month

    @property
    def months(self) -> int:
        return self.baseline_months + int(self.mid_month) + self.window_months * (self.waves - 1)

    def cohort(self, wave: int) -> int:
        """The month index (0 = the baseline's first) a wave is first treated in; NEVER for the last wave."""
        if wave >= self.waves:
            return staggered.NEVER
        return self.baseline_months + int(self.mid_month) + self.window_months * (wave - 1)


def schedule(plan: Plan) -> Schedule:
    """The analysed months of the plan's waitlist (core.results._waves reads the same windows)."""
    p = plan.pilot
    start = pl.start_date(p)
    return Schedule(p.baseline_months, p.measurement_months, p.waves, bool(start and start.day > 1))


@dataclass(frozen=True)
class WavePower:
    power: float
    simulations: int
    margin: float  # ± 2 Monte Carlo standard errors of the power
    clusters_per_wave: tuple[int, ...]
    mde: float | None = None  # the smallest effect detected with the target power (same simulations)


def noise_from_history(table: pd.DataFrame, sizes: dict[str, int] | None = None, *, source: str = ""
                       ) -> MonthlyNoise:
    """σ_c and φ (module docstring) from a unit × month table of monthly means before the pilot; units missing
    a month are left out of the fit. `sizes`: people per unit, to let σ_c grow for small teams."""
    from scipy.optimize import nnls

    full = table.dropna()
    if len(full) < 2 or full.shape[1] < 3:
        raise ValueError("the noise of monthly means needs at least 2 teams with 3 months of history each")
    y = full.to_numpy(float)
    units, months = y.shape
    r = y - y.mean(axis=1, keepdims=True) - y.mean(axis=0, keepdims=True) + y.mean()
    pooled = float((r**2).sum() / ((units - 1) * (months - 1)))
    if not pooled > 0:
        raise ValueError("the monthly means do not vary: nothing to simulate")
    lagged = float((r[:, 1:] * r[:, :-1]).sum() / (r[:, :-1] ** 2).sum())
    phi = float(np.clip(lagged + (1 + lagged) / (months - 1), -0.5, 0.9))
    names = [str(u) for u in table.index]
    m = np.array([max(1, (sizes or {}).get(u, 1)) for u in names], dtype=float)
    kept = np.array([u in set(map(str, full.index)) for u in names])
    variance = np.full(len(names), pooled)
    if sizes and kept.sum() >= 4 and np.std(m[kept]) / np.mean(m[kept]) >= 0.1:
        own = (r**2).sum(axis=1) / (months - 1) * units / (units - 1)
        (a, b), _ = nnls(np.column_stack([np.ones(kept.sum()), 1 / m[kept]]), own)
        fitted = a + b / m
        if np.all(fitted > 0):
            variance = fitted * pooled / float(np.mean(fitted[kept]))
    return MonthlyNoise(tuple(float(v) for v in np.sqrt(variance)), phi, source)


def noise_from_typed(sd: float, rho: float, icc: float, sizes: list[int]) -> MonthlyNoise:
    """Monthly noise from the typed (or window-level) sd, ρ and ICC when no monthly history exists: each
    month like one window, σ²_c = (1 − ρ)σ²·(ICC + (1 − ICC)/m_c), months independent."""
    if sd <= 0 or not 0 <= rho < 1 or not 0 <= icc < 1:
        raise ValueError("sd must be positive, ρ and ICC between 0 and 1")
    change = (1 - rho) * sd**2
    return MonthlyNoise(tuple(math.sqrt(change * (icc + (1 - icc) / max(1, m))) for m in sizes), 0.0,
                        "the sd, ρ and ICC of step 4, each month taken as independent")


def simulate_power(*, effect: float, noise: MonthlyNoise, plan_of_months: Schedule, simulations: int = 400,
                   seed: int = 1, alpha: float = 0.05, target: float | None = None) -> WavePower:
    """Share of simulated waitlist pilots whose step-5 analysis (not-yet-treated staggered DiD, randomisation
    test at `alpha`) detects `effect`; with `target`, also the smallest effect detected that often.

    The same draws serve every effect (common random numbers), so power rises with the effect and the MDE is
    found by bisection. Units are ordered into waves as `order_into_waves` does (as equal as whole units allow)."""
    if not math.isfinite(effect) or effect == 0:
        raise ValueError("an effect of zero cannot be detected")
    units, s = len(noise.sd), plan_of_months
    if units < max(s.waves, 2):
        raise ValueError(f"{s.waves} waves need at least {max(s.waves, 2)} teams; {units} are eligible")
    return _simulate(abs(float(effect)), noise, s, simulations, seed, alpha, target)


@lru_cache(maxsize=32)
def _simulate(effect: float, noise: MonthlyNoise, s: Schedule, simulations: int, seed: int, alpha: float,
              target: float | None) -> WavePower:
    units, months = len(noise.sd), s.months
    labels = np.array([s.cohort(w) for w in np.arange(units) * s.waves // units + 1])
    drawn = randomisation.assignments(labels, seed=seed, sampled=SIMULATED_ORDERS)
    w = staggered.weights(drawn, months).reshape(len(drawn), -1)  # one row of weights per assignment
    rng = np.random.default_rng(seed)
    picked = rng.integers(0, len(drawn), simulations)  # each simulated pilot's own draw of the waves
    z = rng.normal(size=(simulations, units, months))
    e = np.empty_like(z)
    sd = np.asarray(noise.sd)[None, :]
    e[:, :, 0] = sd * z[:, :, 0]
    for t in range(1, months):
        e[:, :, t] = noise.phi * e[:, :, t - 1] + sd * math.sqrt(1 - noise.phi**2) * z[:, :, t]
    a = w @ e.reshape(simulations, -1).T  # the estimate under every assignment, without the effect
    b = w @ staggered.treated_cells(drawn[picked], months).reshape(simulations, -1).T  # … on the effect's cells
    observed_noise = a[picked, np.arange(simulations)]

    def power(delta: float) -> float:
        spread = np.abs(a + delta * b)
        p = (spread >= np.abs(observed_noise + delta)[None, :] - 1e-9).mean(axis=0)
        return float((p <= alpha).mean())

    found = power(effect)
    mde = (randomisation.smallest_detected(power, target, start=effect, huge=1e12 * max(noise.sd))
           if target is not None else None)
    per_wave = tuple(int(x) for x in np.bincount(np.arange(units) * s.waves // units, minlength=s.waves))
    return WavePower(found, simulations, 2 * math.sqrt(max(found * (1 - found), 1e-9) / simulations), per_wave, mde)


HISTORY_MONTHS = 12  # months before the start whose team means give the noise


def monthly_noise(plan: Plan, panel, facts: pl.PilotFacts) -> MonthlyNoise:
    """The monthly noise of the units step 5 will analyse: the eligible people's KPI before the start month,
    as team-by-month means (person-by-month without teams), flagged values left out as step 5 does; the typed
    sd, ρ and ICC when the KPI is not monthly (`noise_from_typed`)."""
    from core.estimates import without_flagged

    sizes = dict(facts.clusters.sizes) if facts.clusters is not None and facts.clusters.sizes else None
    roster, column, w = facts.roster, facts.column, facts.windows
    v = facts.variance
    typed_sizes = list(sizes.values()) if sizes else [1] * (len(roster.people) if roster is not None else 0)
    if panel is None or roster is None or w is None or not column or not pl.is_monthly(panel, column):
        return noise_from_typed(v.sd, v.baseline_corr, v.icc, typed_sizes)
    start = pd.Timestamp(pl.add_months(w.start, 0))
    history, _ = without_flagged(panel.monthly[["employee_id", "period", column]], column)
    history = history[history["employee_id"].isin(roster.people.index)
                      & (history["period"] < start)
                      & (history["period"] >= pd.Timestamp(pl.add_months(w.start, -HISTORY_MONTHS)))]
    cluster = plan.pilot.cluster_column
    unit = (roster.people[cluster].astype("string").fillna("(blank)").reindex(history["employee_id"]).to_numpy()
            if sizes else history["employee_id"].astype(str).to_numpy())
    table = history.assign(unit=unit).pivot_table(index="unit", columns="period", values=column, aggfunc="mean")
    try:
        return noise_from_history(table, sizes, source=f"the eligible {'teams' if sizes else 'people'}' monthly "
                                                       f"{column} over the {table.shape[1]} months before the start")
    except ValueError:
        return noise_from_typed(v.sd, v.baseline_corr, v.icc, typed_sizes)


def power(plan: Plan, panel, facts: pl.PilotFacts) -> WavePower:
    """The simulated power of the plan's waitlist at its expected effect, and its MDE at the target power (at the
    final analysis's level: core.design.test_alpha)."""
    from core.design import test_alpha

    return simulate_power(effect=plan.pilot.effect, noise=monthly_noise(plan, panel, facts),
                          plan_of_months=schedule(plan), alpha=test_alpha(plan), target=plan.design.power)


def how_simulated(found: WavePower, noise: MonthlyNoise, *, alpha: float = 0.05) -> str:
    """The simulation behind a waitlist's power, in words for step 4."""
    return (f"No formula gives the power of a staggered rollout, so the app simulates it: {found.simulations} pilots, "
            f"each with the eligible units in a random order of waves ({', '.join(map(str, found.clusters_per_wave))} "
            f"per wave), monthly noise like {noise.source} (month-to-month correlation {noise.phi:.2f}), and the "
            "effect added once a unit's wave starts. Each is analysed exactly as step 5 will: monthly means, each "
            "wave against the waves not yet started, and under 30 teams a randomisation test over the orders the "
            f"waves could have been drawn in. The power is the share of pilots whose {1 - alpha:.0%} interval excludes "
            "0; the smallest detectable effect is the one found that often.")

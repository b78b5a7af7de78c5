"""A waitlist pilot rolled out in waves: teams randomly ordered into waves, later waves are the controls.

Nobody is denied the program: wave 1 starts on the pilot's start date, each later wave one measurement window
later, and the last wave waits until every other wave has been measured. The analysis is a staggered
difference-in-differences (Callaway & Sant'Anna 2021, core.effects.staggered_did) on team-by-window means.

Power by simulation of that very design and analysis (no closed form exists for it). The model, per team c
and window t (a window is as long as the pilot's measurement window):

    ȳ_ct = u_c + δ·D_ct + s_ct + ē_ct,
    u_c   stable team level (removed by the design),
    s_ct ~ N(0, ICC·(1 − ρ)·σ²)              a team's shock in one window,
    ē_ct ~ N(0, (1 − ICC)·(1 − ρ)·σ² / m_c)  the mean of its m_c people's own window-to-window changes,

with σ the sd of a person's outcome over one window, ρ the correlation of one person's consecutive windows
(the pre/post correlation step 4 estimates) and ICC the share of that change common to a team. A simulated
pilot "detects" the effect when the 95% interval of the staggered estimate excludes 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from core import pilot as pl
from core.plan import Plan

MIN_WAVES, MAX_WAVES = 2, 6


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
class WavePower:
    power: float
    simulations: int
    margin: float  # ± 2 Monte Carlo standard errors of the power
    clusters_per_wave: tuple[int, ...]


def simulate_power(*, effect: float, sd: float, rho: float, icc: float, cluster_sizes: list[int], waves: int,
                   simulations: int = 200, seed: int = 1, alpha: float = 0.05) -> WavePower:
    """Share of simulated waitlist pilots whose staggered DiD interval excludes 0 (module docstring's model).

    Waves are filled with the clusters in a random order each time, so the power averages over the draw."""
    from core.effects import staggered_did

    if not math.isfinite(effect) or effect == 0:
        raise ValueError("an effect of zero cannot be detected")
    if sd <= 0 or not 0 <= rho < 1 or not 0 <= icc < 1:
        raise ValueError("sd must be positive, ρ and ICC between 0 and 1")
    sizes = np.asarray(cluster_sizes, dtype=float)
    if len(sizes) < max(waves, 2):
        raise ValueError(f"{waves} waves need at least {max(waves, 2)} clusters")
    rng = np.random.default_rng(seed)
    change = (1 - rho) * sd**2
    periods = np.arange(1, waves + 1)  # window 1 is the baseline; wave w is treated from window w + 1
    hits = 0
    z = float(stats.norm.ppf(1 - alpha / 2))
    for _ in range(simulations):
        wave = np.empty(len(sizes), dtype=int)
        wave[rng.permutation(len(sizes))] = np.arange(len(sizes)) * waves // len(sizes) + 1
        cohort = np.where(wave < waves, wave + 1, 0)  # the last wave waits: never treated in the window
        shock = rng.normal(0, math.sqrt(icc * change), (len(sizes), waves))
        own = rng.normal(0, 1, (len(sizes), waves)) * np.sqrt((1 - icc) * change / sizes)[:, None]
        treated = (cohort[:, None] > 0) & (periods[None, :] >= cohort[:, None])
        y = rng.normal(0, sd, len(sizes))[:, None] + shock + own + effect * treated
        frame = pd.DataFrame({"unit": np.repeat(np.arange(len(sizes)), waves), "period": np.tile(periods, len(sizes)),
                              "cohort": np.repeat(cohort, waves), "y": y.ravel()})
        found = staggered_did(frame, outcome="y", unit="unit", period="period", cohort="cohort")
        hits += abs(found.effect) > z * found.se
    power = hits / simulations
    per_wave = tuple(int(x) for x in np.bincount(np.arange(len(sizes)) * waves // len(sizes), minlength=waves))
    return WavePower(power, simulations, 2 * math.sqrt(max(power * (1 - power), 1e-9) / simulations), per_wave)

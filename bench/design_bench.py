"""Pilot-design benchmarks: sample-size solves against statsmodels, and propensity matching."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from bench.common import Row, median_time
from core import assignment, power


def grid() -> list[tuple[float, float, float]]:
    effects = np.linspace(0.1, 1.2, 25)
    ratios = (0.5, 1.0, 2.0, 3.0, 4.0)
    alphas = (0.01, 0.02, 0.05, 0.10, 0.20, 0.30, 0.40, 0.50)
    return [(float(d), r, a) for d in effects for r in ratios for a in alphas]  # 1,000 cases


def sample_size_rows() -> list[Row]:
    from statsmodels.stats.power import TTestIndPower

    cases = grid()
    start = time.perf_counter()
    ours = [power.sample_size(d, ratio=r, alpha=a).n_treatment_exact for d, r, a in cases]
    ours_ms = (time.perf_counter() - start) * 1000
    solver = TTestIndPower()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = [solver.solve_power(effect_size=d, ratio=r, alpha=a, power=0.8) for d, r, a in cases]
    theirs_ms = (time.perf_counter() - start) * 1000
    worst = max(abs(o - float(t)) / float(t) for o, t in zip(ours, theirs, strict=True))
    return [
        Row(f"{len(cases):,} sample-size solves (vs statsmodels solve_power)", ours_ms, theirs_ms, "ms",
            "< 1× (faster)", ours_ms < theirs_ms),
        Row("  largest relative difference from statsmodels (×1e-4)", worst * 1e4, None, "", "≤ 1", worst <= 1e-4),
    ]


def matching_row() -> Row:
    rng = np.random.default_rng(2026)
    controls, treated = 16_000, 185
    frame = pd.DataFrame(rng.normal(size=(controls + treated, 8)), columns=[f"x{i}" for i in range(8)])
    frame["treated"] = np.r_[np.zeros(controls, bool), np.ones(treated, bool)]
    frame.loc[frame["treated"], "x0"] += 0.5
    sample = frame.sample(2_000, random_state=0)  # warm-up
    assignment.propensity_logit(sample, treated_col="treated", covariates=["x0"])
    start = time.perf_counter()
    result = assignment.match(frame, treated_col="treated", covariates=[f"x{i}" for i in range(8)])
    elapsed = (time.perf_counter() - start) * 1000
    assert len(result.pairs) > 150
    return Row("Matching 185 treated among 16,000 controls, 8 covariates", elapsed, None, "ms", "< 1000 ms",
               elapsed < 1000)


def diff_in_diff_rows() -> list[Row]:
    """Step 5's difference in differences with person and month fixed effects on 1,200 people × 15 months, with
    80 teams (CR1) and with 20 teams (the few-clusters CR2 path)."""
    from core import effects

    rng = np.random.default_rng(2026)
    people, months = 1_200, 15
    person = np.repeat(np.arange(people), months)
    month = np.tile(np.arange(months), people)
    rows = []
    for teams in (80, 20):
        team = person % teams
        trained, after = (team < teams // 2).astype(int), (month >= 12).astype(int)
        frame = pd.DataFrame({"person": person.astype(str), "team": team.astype(str), "month": month,
                              "trained": trained, "after": after,
                              "y": rng.normal(size=people)[person] + 0.1 * month + 0.5 * trained * after
                              + rng.normal(size=people * months)})
        elapsed = median_time(lambda frame=frame: effects.diff_in_diff(
            frame, outcome="y", treated="trained", post="after", unit="person", period="month", cluster="team"),
            repeat=3)
        rows.append(Row(f"DiD, person + month fixed effects, 1,200 people × 15 months, {teams} teams", elapsed, None,
                        "ms", "< 1000 ms", elapsed < 1000))
    return rows

"""Sensitivity of the ROI: one-way swings (tornado), Monte Carlo range, scenarios.

Everything reuses `core.roi.totals`, the one implementation of the cost and benefit formulas, which
accepts NumPy arrays: a Monte Carlo of 100,000 draws is one vectorised evaluation, no Python loop.

PERT (Malcolm et al. 1959; Vose, *Risk Analysis*): for low a, most likely m, high b,
α = 1 + 4(m − a)/(b − a), β = 1 + 4(b − m)/(b − a), X = a + (b − a)·Beta(α, β), mean (a + 4m + b)/6.
Triangular: NumPy's `triangular(a, m, b)`, mean (a + m + b)/3.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from core import roi
from core.plan import Range
from core.roi import RoiInputs

STRESS = "Stress test: every range at its worst end at once"
BEST = "Best case: every range at its best end at once"
DEFAULT_DRAWS = 100_000
DEFAULT_SEED = 20_261_124


@dataclass(frozen=True)
class Swing:
    """One bar of the tornado: ROI % with one assumption at its low and at its high end."""

    name: str
    label: str
    low: float
    high: float
    roi_at_low: float
    roi_at_high: float

    @property
    def width(self) -> float:
        return abs(self.roi_at_high - self.roi_at_low)


@dataclass(frozen=True)
class MonteCarlo:
    draws: int
    seed: int
    p10: float
    p50: float
    p90: float
    mean: float
    prob_positive: float
    counts: tuple[int, ...]
    edges: tuple[float, ...]
    stretched: tuple[str, ...]  # assumptions whose range was widened to include the expected value
    percentiles: tuple[float, ...] = ()  # P1 … P99 of ROI %, to place a scenario in the distribution

    def rank_of(self, roi_pct: float) -> float | None:
        """The share of draws below `roi_pct`, from P1…P99 interpolated (None below P1 or above P99: rarer than
        1 draw in 100)."""
        if not self.percentiles or not self.percentiles[0] <= roi_pct <= self.percentiles[-1]:
            return None
        return float(np.interp(roi_pct, self.percentiles, np.arange(1, 100)) / 100)


def roi_pct(inputs: RoiInputs, values: dict[str, float] | None = None) -> float:
    cost, benefit = roi.totals(inputs, values or {})
    return float((benefit - cost) / cost * 100)


def check_ranges(inputs: RoiInputs) -> None:
    """Raise roi.InputError when a range is reversed, unknown or outside the assumption's domain."""
    for name, r in inputs.ranges.items():
        if name not in roi.ASSUMPTIONS:
            raise roi.InputError(name, f"{name!r} is not an ROI assumption; remove its range.")
        label = roi.ASSUMPTIONS[name][0]
        if not (math.isfinite(r.low) and math.isfinite(r.high)):
            raise roi.InputError(name, f"The range of {label} must be finite numbers.")
        if r.low > r.high:
            raise roi.InputError(name, f"The range of {label} is reversed: low {r.low:g} > high {r.high:g}.")
        for end in (r.low, r.high):
            probe = roi.with_values(inputs, {name: end})
            roi.validate(probe)
            if roi.totals(probe, {})[0] <= 0:
                raise roi.InputError(name, f"At {end:g}, the low end of {label}'s range, the program costs nothing, "
                                           "so its ROI is undefined: raise the low end.")


def one_way(inputs: RoiInputs) -> list[Swing]:
    """Each ranged assumption swung from low to high, the others at their expected value; widest first. As in the
    Monte Carlo, a range a slider has left behind is stretched to include the slider's value, so no bar claims
    that the range's "low" end raises the ROI above the expected."""
    check_ranges(inputs)
    expected = roi.values_of(inputs)
    swings = []
    for name, r in inputs.ranges.items():
        low, high = r.low, r.high
        if r.distribution != "normal":
            low, high = min(low, expected[name]), max(high, expected[name])
        swings.append(Swing(name, roi.ASSUMPTIONS[name][0], low, high, roi_pct(inputs, {name: low}),
                            roi_pct(inputs, {name: high})))
    return sorted(swings, key=lambda s: s.width, reverse=True)


Z95 = 1.959963984540054  # the standard normal's 97.5% quantile


def sample(rng: np.random.Generator, r: Range, mode: float, size: int) -> np.ndarray:
    """`size` draws from a PERT or triangular distribution on [r.low, r.high] with the given mode, or from
    a normal distribution around `mode` whose 95% interval is as wide as [r.low, r.high] (an observed effect
    and its confidence interval: the sampling distribution of the estimate)."""
    a, b = r.low, r.high
    if r.distribution == "normal":
        return rng.normal(mode, (b - a) / (2 * Z95), size)
    if not a <= mode <= b:
        raise ValueError(f"mode {mode} outside [{a}, {b}]")
    if b == a:
        return np.full(size, float(a))
    if r.distribution == "triangular":
        return rng.triangular(a, mode, b, size)
    alpha = 1 + 4 * (mode - a) / (b - a)
    beta = 1 + 4 * (b - mode) / (b - a)
    return a + (b - a) * rng.beta(alpha, beta, size)


@functools.lru_cache(maxsize=48)
def draws_for(name: str, low: float, high: float, mode: float, distribution: str, seed: int,
              draws: int) -> np.ndarray:
    """The draws of one assumption, from its own substream of the seed (so moving one slider resamples only
    that assumption, and the numbers do not depend on which other assumptions have ranges). Read-only."""
    stream = np.random.default_rng([seed, list(roi.ASSUMPTIONS).index(name)])
    values = sample(stream, Range(low, high, distribution), mode, draws)  # type: ignore[arg-type]
    values.setflags(write=False)
    return values


def monte_carlo(inputs: RoiInputs, *, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED,
                bins: int = 40) -> MonteCarlo:
    """ROI % over `draws` joint draws of every ranged assumption (independent), with a recorded seed.

    The expected value of each assumption is its most likely value; when a slider moves it outside
    its range, the range is stretched to include it (and reported in `stretched`).
    """
    if draws < 100:
        raise ValueError("draws must be at least 100")
    check_ranges(inputs)
    roi.validate(inputs)
    expected = roi.values_of(inputs)
    samples: dict[str, np.ndarray] = {}
    stretched = []
    for name, r in inputs.ranges.items():
        mode = expected[name]
        low, high = r.low, r.high
        if not low <= mode <= high and r.distribution != "normal":
            stretched.append(name)
            low, high = min(low, mode), max(high, mode)
        samples[name] = draws_for(name, float(low), float(high), float(mode), r.distribution, seed, draws)
    cost, benefit = roi.totals(inputs, samples)
    pct = np.broadcast_to((benefit - cost) / cost * 100, (draws,))
    p10, p50, p90 = np.percentile(pct, [10, 50, 90])
    counts, edges = np.histogram(pct, bins=bins)
    return MonteCarlo(draws, seed, float(p10), float(p50), float(p90), float(pct.mean()),
                      float((pct > 0).mean()), tuple(int(c) for c in counts),
                      tuple(float(e) for e in edges), tuple(stretched),
                      tuple(float(q) for q in np.percentile(pct, np.arange(1, 100))))


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    roi_pct: float
    bcr: float
    net_benefit: float
    payback_months: float | None
    rank: float | None  # share of Monte Carlo draws below this scenario's ROI (None: beyond P1–P99)

    @property
    def where(self) -> str:
        return where_in(self.rank)


def where_in(rank: float | None) -> str:
    """Where an ROI falls in the Monte Carlo distribution (`MonteCarlo.rank_of`), in words."""
    if rank is None:
        return "rarer than 1 draw in 100"
    return f"about P{max(1, min(99, round(rank * 100)))}"


def compare(inputs: RoiInputs, scenarios: dict[str, dict[str, float]],
            mc: MonteCarlo | None) -> list[ScenarioResult]:
    """Each scenario's ROI, BCR, net benefit and payback, and where its ROI falls among the Monte Carlo draws."""
    found = []
    for name, values in scenarios.items():
        result = roi.evaluate(roi.with_values(inputs, values))
        rank = mc.rank_of(result.roi_pct) if mc is not None else None
        found.append(ScenarioResult(name, result.roi_pct, result.bcr, result.net_benefit, result.payback_months,
                                    rank))
    return found


def standard_scenarios(inputs: RoiInputs) -> dict[str, dict[str, float]]:
    """Stress test / expected / best case: each ranged assumption at the end of its range that
    gives the lower (conservative) or higher (optimistic) ROI, found from the one-way swings."""
    expected = roi.values_of(inputs)
    conservative, optimistic = dict(expected), dict(expected)
    for s in one_way(inputs):
        worse, better = (s.low, s.high) if s.roi_at_low <= s.roi_at_high else (s.high, s.low)
        conservative[s.name], optimistic[s.name] = worse, better
    return {STRESS: conservative, "Expected": expected, BEST: optimistic}

"""Randomisation inference: p-values and intervals from the assignments the design could have drawn.

With few teams, intervals built on large-sample approximations run narrow. A randomisation test needs none:
under the sharp null "the program changed every treated value by τ", the untreated outcomes Y − τ·D are known,
so the estimate the pilot would have produced under every other assignment the design could have drawn can be
computed (Fisher 1935; Imbens & Rubin 2015, ch. 5). For an estimator linear in the outcome, τ̂_p = a_p·Y, the
statistic under assignment p and null τ is

    S_p(τ) = a_p·(Y − τ·D) = α_p − τ·β_p,      α_p = a_p·Y,  β_p = a_p·D (D: the observed treated cells),

and the observed one is S(τ) = τ̂ − τ (an unbiased linear estimator has a·D = 1). The two-sided p-value is the
share of assignments with |S_p(τ)| ≥ |S(τ)|; the 95% interval is every τ whose p-value exceeds 5% (test
inversion; Rosenbaum 2002, ch. 2). The test is exact when the effect is the same for everyone, whatever the
number of teams; the smallest p-value it can give is 1 / (number of possible assignments), so with very few
teams no 95% interval exists and the functions say so.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

ENUMERATE_UP_TO = 5000  # all distinct assignments when there are at most this many, else a random sample
SAMPLED = 4999
SEED = 20261202
LEVEL = 0.95


def assignment_count(labels) -> int:
    """How many distinct ways the labels (arms, or waves) can be spread over the units: the multinomial
    n! / Π n_k!.

    >>> assignment_count([1, 1, 0, 0])   # 2 of 4 teams treated
    6
    """
    counts = Counter(labels).values()
    return math.factorial(sum(counts)) // math.prod(math.factorial(c) for c in counts)


def assignments(labels, *, seed: int = SEED, sampled: int = SAMPLED) -> np.ndarray:
    """Assignments the design could have drawn, one row each, the observed one first: every distinct
    permutation of `labels` when there are at most ENUMERATE_UP_TO, else the observed one and `sampled` random
    permutations (Monte Carlo randomisation test; the p-value stays valid, Dwass 1957)."""
    labels = np.asarray(labels)
    if assignment_count(labels.tolist()) <= max(ENUMERATE_UP_TO, sampled + 1):
        others = sorted({tuple(p) for p in _distinct_permutations(labels.tolist())} - {tuple(labels.tolist())})
        return np.array([labels.tolist()] + [list(p) for p in others], dtype=labels.dtype)
    rng = np.random.default_rng(seed)
    drawn = [rng.permutation(labels) for _ in range(sampled)]
    return np.vstack([labels] + drawn)


def _distinct_permutations(items: list):
    """Distinct orderings of `items` (a multiset), each once (only called when few exist)."""
    counts = Counter(items)
    order = sorted(counts)

    def build(prefix: list, left: int):
        if left == 0:
            yield tuple(prefix)
            return
        for value in order:
            if counts[value]:
                counts[value] -= 1
                prefix.append(value)
                yield from build(prefix, left - 1)
                prefix.pop()
                counts[value] += 1

    yield from build([], len(items))


def smallest_detected(power, target: float, *, start: float, huge: float) -> float | None:
    """The smallest effect a simulated `power(effect)` (rising with the effect, common random numbers) detects
    with probability `target`: doubling from `start`, then bisection; None when even `huge` is not detected."""
    if power(huge) < target:
        return None
    low, high = 0.0, start
    while power(high) < target:
        low, high = high, 2 * high
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if power(middle) < target else (low, middle)
    return high


def smallest_p(count: int) -> float:
    """The smallest two-sided p-value a randomisation test over `count` assignments can give (the observed
    assignment and its mirror image among them)."""
    return min(1.0, 2 / count) if count > 1 else 1.0


def p_value(estimate: float, alpha: np.ndarray, beta: np.ndarray, null: float = 0.0) -> float:
    """Two-sided randomisation p-value of H₀: effect = `null` (module docstring), α and β over the assignments
    (the observed one included)."""
    observed = abs(estimate - null)
    spread = np.abs(alpha - null * beta)
    return float(np.mean(spread >= observed - 1e-9 * max(1.0, observed)))


def interval(estimate: float, alpha: np.ndarray, beta: np.ndarray, *, level: float = LEVEL,
             scale: float = 1.0) -> tuple[float, float]:
    """The `level` interval by test inversion: from the estimate outwards, the last effect whose p-value
    exceeds 1 − level on each side (doubling steps of `scale`, then bisection). (−inf, inf) when no effect can
    be rejected (too few assignments; see `smallest_p`)."""
    cut = 1 - level
    scale = scale if math.isfinite(scale) and scale > 0 else max(abs(estimate), 1.0)
    bounds = []
    for direction in (-1.0, 1.0):
        inside, width = estimate, scale
        outside = estimate + direction * width
        doublings = 0
        while p_value(estimate, alpha, beta, outside) > cut and doublings < 40:
            inside, width = outside, 2 * width
            outside = estimate + direction * width
            doublings += 1
        if doublings == 40:
            bounds.append(direction * math.inf)
            continue
        while abs(outside - inside) > 1e-7 * max(abs(estimate), scale):
            middle = (inside + outside) / 2
            inside, outside = (middle, outside) if p_value(estimate, alpha, beta, middle) > cut else (inside, middle)
        bounds.append((inside + outside) / 2)
    return bounds[0], bounds[1]

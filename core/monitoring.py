"""Safe interim looks at a running pilot: group-sequential boundaries by alpha spending.

Looking at a pilot's estimate every month and stopping the first time its 95% interval excludes zero makes a false
"it works" far likelier than 5% (five looks: about 14%). A group-sequential design spends the error rate across the
looks instead. `boundaries` gives, for each look, the |z| an estimate must reach to stop early for success, with
Lan and DeMets' O'Brien–Fleming-type spending function (Lan & DeMets 1983, Biometrika 70:659):

    α(t) = 2 − 2 Φ( z₁₋α/₂ / √t ) on each side (α the one-sided level, 2.5% for a two-sided 5% test),
    t = the share of the planned information seen at the look,

so early looks need overwhelming evidence (|z| ≈ 4.9 at the first of five) and the last look is close to the usual
1.96. Each boundary c_k solves P₀( |Z_j| < c_j for j < k, |Z_k| ≥ c_k ) = α(t_k) − α(t_{k−1}), where the
z-statistics of the looks are those of one Brownian motion (corr(Z_i, Z_j) = √(t_i / t_j)). The probabilities are
computed by the recursive numerical integration of Armitage, McPherson & Rowe (1969), as in Jennison & Turnbull,
*Group Sequential Methods* (2000), ch. 19, on a grid fine enough for five decimals; the values match gsDesign's
`sfLDOF` and rpact's `asOF` tables (tests/test_monitoring.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

GRID = 1001  # points of the integration grid over a continuation region (odd: Simpson's rule)


def spent(t: float, alpha: float = 0.05) -> float:
    """The two-sided error rate spent by information fraction `t` (0 < t ≤ 1): O'Brien–Fleming-type, α/2 on each
    side, each side spending 2 − 2Φ(z₁₋α/₄ / √t) as gsDesign's `sfLDOF` and rpact's `asOF` do with the one-sided
    level α/2."""
    if t <= 0:
        return 0.0
    side = alpha / 2
    return float(2 * (2 - 2 * stats.norm.cdf(stats.norm.ppf(1 - side / 2) / np.sqrt(min(t, 1.0)))))


def boundaries(*, looks: int, alpha: float = 0.05, fractions: Sequence[float] | None = None) -> list[float]:
    """The two-sided z boundary at each look (|z| ≥ the boundary: stop early for success, or harm).

    `looks` equally spaced looks, the last at the planned end; or the information `fractions` of the looks actually
    taken (increasing, the last 1.0 at the end), so a look moved by a month keeps the error rate."""
    if looks < 1:
        raise ValueError("looks: at least one look (the final analysis).")
    if not 0 < alpha < 1:
        raise ValueError("alpha: between 0 and 1.")
    t = np.asarray(fractions if fractions is not None else [(k + 1) / looks for k in range(looks)], dtype=float)
    if len(t) != looks or np.any(np.diff(t) <= 0) or t[0] <= 0 or t[-1] > 1:
        raise ValueError("fractions: increasing shares of the planned information, each in (0, 1].")
    found: list[float] = []
    density = grid = None  # the density of the score S = Z √t on the continuation region of the last look
    previous_t, previous_spent = 0.0, 0.0
    for tk in t:
        budget = spent(tk, alpha) - previous_spent
        if density is None:
            c = float(stats.norm.ppf(1 - budget / 2))
        else:
            c = float(optimize.brentq(_excess, 0.5, 40, xtol=1e-10,
                                      args=(_simpson(grid) * density, grid, tk - previous_t, tk, budget)))
        found.append(c)
        # the density of S at this look, on its continuation region |S| < c √t
        edge = c * np.sqrt(tk)
        new_grid = np.linspace(-edge, edge, GRID)
        if density is None:
            density = stats.norm.pdf(new_grid / np.sqrt(tk)) / np.sqrt(tk)
        else:
            step = tk - previous_t
            kernel = stats.norm.pdf((new_grid[:, None] - grid[None, :]) / np.sqrt(step)) / np.sqrt(step)
            density = kernel @ (_simpson(grid) * density)
        grid, previous_t, previous_spent = new_grid, tk, spent(tk, alpha)
    return found


def _excess(c: float, weights: np.ndarray, grid: np.ndarray, step: float, t: float, budget: float) -> float:
    """The probability of crossing ±c at information t from the continuation region of the previous look (its
    score density times Simpson weights on `grid`, `step` information earlier), minus what this look may spend."""
    edge = c * np.sqrt(t)
    up = stats.norm.sf((edge - grid) / np.sqrt(step))
    down = stats.norm.cdf((-edge - grid) / np.sqrt(step))
    return float(np.sum(weights * (up + down))) - budget


def _simpson(grid: np.ndarray) -> np.ndarray:
    """Simpson's rule weights on an evenly spaced grid with an odd number of points."""
    h = grid[1] - grid[0]
    w = np.ones(len(grid))
    w[1:-1:2], w[2:-1:2] = 4, 2
    return w * h / 3


FUTILE = 0.10  # conditional power under the planned effect below which stopping for futility is offered


@dataclass(frozen=True)
class Look:
    """One interim look at the pilot's estimate, judged against the pre-registered boundary."""

    number: int  # this look's number among the registered interim looks (0: before the first, no verdict)
    looks: int  # looks registered, the final analysis included
    fraction: float  # share of the planned information (months of outcome data) seen
    boundary: float  # |z| the estimate must reach at this look
    z: float
    conditional_power: float  # the chance to cross at the end if the planned effect holds from here on
    verdict: str  # "success" | "harm" | "futility" | "continue" | "between" (a month between registered looks)


def look(*, effect: float, se: float, fraction: float, looks: int, planned: float, alpha: float = 0.05,
         step: float = 0.0, df: float | None = None) -> Look:
    """Judge an interim estimate (`effect` ± `se` with `fraction` of the planned information) against the
    boundaries of `looks` registered looks, equally spaced at k/looks of the information. The look is the last
    registered one the data has reached (number 0, with no boundary, before the first); the looks before it are
    taken at their planned fractions and this one at the information actually seen (Lan–DeMets: the error rate
    holds when a look comes a little late). Without registered interim looks (`looks` = 1) there is none.

    With `df`, the estimate's test is a t (few teams): the boundary is moved to the t scale (`on_t_scale`), and
    `z` is that t statistic.

    With `step` (the share of the information one month adds), a look is taken in the first month that reaches
    its planned fraction; a later month before the next look is "between" looks: shown, but judged by nothing
    (judging it again against a lower bar would be a look the error rate did not pay for).

    Futility is non-binding: offered when the conditional power under `planned` (the break-even or planned
    effect, in the estimate's units) is below 10%, with the B-value drift θ = planned / (se·√fraction)
    (Lan & Wittes 1988): CP = 1 − Φ((c_K − z√t − θ(1 − t)) / √(1 − t))."""
    if not 0 < fraction < 1:
        raise ValueError("fraction: an interim look sees part of the planned information, strictly between 0 and 1.")
    if se <= 0:
        raise ValueError("se: an interim look needs the estimate's standard error.")
    number = sum(k / looks <= fraction + 1e-9 for k in range(1, looks))  # the registered looks reached so far
    earlier = [k / looks for k in range(1, number)]
    boundary = on_t_scale(boundaries(looks=number, alpha=alpha, fractions=[*earlier, fraction])[-1], df) \
        if number else np.inf
    final = boundaries(looks=looks, alpha=alpha)[-1]
    z = effect / se
    drift = abs(planned) / (se * np.sqrt(fraction)) * (1 if planned >= 0 else -1)
    b = z * np.sqrt(fraction)
    cp = float(stats.norm.sf((final - b - drift * (1 - fraction)) / np.sqrt(1 - fraction)))
    if number and step and fraction >= number / looks + step - 1e-9:
        verdict = "between"
    elif z >= boundary:
        verdict = "success"
    elif z <= -boundary:
        verdict = "harm"
    elif number and cp < FUTILE:
        verdict = "futility"
    else:
        verdict = "continue"
    return Look(number, looks, fraction, boundary, z, cp, verdict)


def said(found: Look, *, alpha: float = 0.05) -> str:
    """An interim look's verdict in words: stop or continue only as the registered boundary allows."""
    if found.looks <= 1:
        return ("This is an early read and no interim look was pre-registered, so it is not a verdict: looking every "
                "month and stopping at the first 95% interval that excludes no effect would make a false “it works” "
                "far likelier than 5%. Wait for the end of the measurement window (or register interim looks in "
                "step 4 before the next pilot).")
    share = f"{found.fraction:.0%} of the measurement months"
    chance = ("over 99%" if found.conditional_power > 0.99 else "under 1%" if found.conditional_power < 0.01
              else f"{found.conditional_power:.0%}")
    if found.verdict == "between":
        return (f"An early read at {share}, between registered looks: interim look {found.number} has been taken, "
                f"and the next comes at {(found.number + 1) / found.looks:.0%} "
                + ("(the final analysis)" if found.number + 1 == found.looks else "")
                + ". No verdict until then: this estimate is for information.")
    if found.number == 0:
        return (f"An early read at {share}, before the first registered look (at {1 / found.looks:.0%}): no verdict "
                "yet; continue.")
    where = (f"Interim look {found.number} of {found.looks - 1} ({share}; the final analysis is look {found.looks}): "
             f"the estimate is {abs(found.z):.2f} "
             f"standard errors from no effect; stopping early needs {found.boundary:.2f}")
    if found.verdict == "success":
        return (f"{where}, so the pilot **may stop early for success**: the improvement is real, with the false-alarm "
                f"rate kept at {alpha:.0%} across every look.")
    if found.verdict == "harm":
        return f"{where}, in the wrong direction: the pilot **may stop early**, the program makes the KPI worse."
    if found.verdict == "futility":
        return (f"{where}. Even if the planned effect held from here on, the final analysis would show it with only "
                f"{chance} probability: the pilot **may stop for futility** (a choice, not a "
                "rule: continuing does not change the error rate).")
    return (f"{where}: **continue** to the next look (if the planned effect holds from here on, the final analysis "
            f"shows it with {chance} probability).")


def final_boundary(*, looks: int, alpha: float = 0.05, df: float | None = None) -> float:
    """The |statistic| the final analysis must reach: c_K of the registered looks (a little above z₁₋α/₂ once
    interim looks have spent some of α), or z₁₋α/₂ itself without interim looks; on the t scale with `df`."""
    c = boundaries(looks=looks, alpha=alpha)[-1] if looks > 1 else float(stats.norm.ppf(1 - alpha / 2))
    return on_t_scale(c, df)


def on_t_scale(c: float, df: float | None) -> float:
    """A z boundary as the t boundary of the same nominal level, t_df⁻¹(Φ(c)), for an estimate whose test is a
    t with `df` degrees of freedom (CR2 with few teams: 3.71 at 14 df is about 4.98): the usual small-sample
    use of group-sequential boundaries (Jennison & Turnbull 2000, ch. 3), or `c` itself without `df`."""
    if df is None or not np.isfinite(df) or df <= 0 or not np.isfinite(c):
        return c
    return float(stats.t.ppf(stats.norm.cdf(c), df))


@dataclass(frozen=True)
class Projection:
    """How precise the pilot gets with more months of outcome data: the standard errors seen so far and their
    projection to the end of the measurement window (and beyond, to say when it could know)."""

    se: dict[int, float]  # months of outcome data → standard error (observed up to `seen`, projected after)
    seen: int  # months of the measurement window with data
    wanted: int  # months the registered window has
    critical: float  # the final analysis's |z| (final_boundary)
    z_power: float  # z of the registered power
    break_even: float | None  # the effect the ROI needs (estimate units), None when the ROI is not filled in
    proportional: bool  # True: one month seen, so information is assumed to grow in proportion to the months

    def detectable(self, months: int) -> float:
        """The smallest effect the analysis at `months` months detects with the registered power:
        (c + z_power) · SE(months)."""
        return (self.critical + self.z_power) * self.se[months]

    def power(self, months: int, effect: float) -> float:
        """The chance the analysis at `months` months shows `effect`: Φ(|effect| / SE − c) (the far tail, below
        10⁻⁵ at any useful power, is left out)."""
        return float(stats.norm.cdf(abs(effect) / self.se[months] - self.critical))

    @property
    def know_by(self) -> int | None:
        """Months of outcome data after which the break-even effect is detectable with the registered power, or
        None when that is beyond the projection (or there is no break-even effect)."""
        if not self.break_even:
            return None
        return next((m for m in sorted(self.se) if self.detectable(m) <= abs(self.break_even)), None)


def project(observed: dict[int, float], *, wanted: int, alpha: float = 0.05, power: float = 0.8, looks: int = 1,
            break_even: float | None = None, horizon: int = 36, shape: dict[int, float] | None = None,
            df: float | None = None) -> Projection:
    """Project the standard error of the registered analysis from the months seen to `horizon` months.

    A person's outcome is the mean of their months, so its variance is a between-person part that more months do
    not shrink plus a month-to-month part that shrinks as 1/m: Var(m) = a + b/m (a, b ≥ 0). With two or more
    months seen, a and b are fitted to the observed variances by non-negative least squares; with one month only,
    a = 0 (each month adds as much information as the first: an optimistic projection, said as such)."""
    if not observed or min(observed) < 1 or any(se <= 0 for se in observed.values()):
        raise ValueError("observed: standard errors (> 0) for one or more months of outcome data.")
    seen = max(observed)
    months = np.array(sorted(observed), dtype=float)
    variances = np.array([observed[int(m)] ** 2 for m in months])
    proportional = False
    if len(months) >= 2:
        a, b = _split(months, variances)
    elif shape and len(shape) >= 2 and all(v > 0 for v in shape.values()):
        a, b = _split(np.array(sorted(shape), dtype=float), np.array([shape[k] ** 2 for k in sorted(shape)]))
    else:
        a, b, proportional = 0.0, 1.0, True
    scale = observed[seen] ** 2 / (a + b / seen)  # through the latest month seen, the firmest of them
    a, b = a * scale, b * scale
    se = {m: observed[m] if m in observed else float(np.sqrt(a + b / m)) for m in range(1, max(horizon, wanted) + 1)}
    return Projection(se, seen, wanted, final_boundary(looks=looks, alpha=alpha, df=df), float(stats.norm.ppf(power)),
                      break_even, proportional)


def _split(months: np.ndarray, variances: np.ndarray) -> tuple[float, float]:
    """Var(m) = a + b/m fitted by non-negative least squares: (a, b)."""
    (a, b), _ = optimize.nnls(np.column_stack([np.ones_like(months), 1 / months]), variances)
    return float(a), float(b)

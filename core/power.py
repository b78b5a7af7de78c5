"""Sample size, power and minimum detectable effect for a two-arm pilot.

Continuous KPIs: the two-sample t-test (Cohen 1988; G*Power; R ``pwr.t2n.test``; statsmodels
``TTestIndPower``). With d = effect / sd, n₁ treated and n₂ = ratio·n₁ controls,

    ncp = d · √(n₁n₂ / (n₁ + n₂)),   df = n₁ + n₂ − 2,
    power = P(T > t₁₋α/₂) + P(T < −t₁₋α/₂),  T ~ noncentral t(df, ncp)   (two-sided).

Pilot adjustments, each applied to the variance of the difference in means:

* attrition a: only n·(1 − a) people are measured;
* clustering (whole teams assigned together): design effect 1 + ((1 + cv²)·m̄ − 1)·ICC for clusters of
  mean size m̄ measured (m̄ = cluster_size·(1 − a)) whose sizes vary with coefficient of variation cv
  (Eldridge, Ashby & Kerry 2006, Int J Epidemiol 35:1292; with equal clusters 1 + (m − 1)·ICC, Donner &
  Klar 2000), and df = k₁ + k₂ − 2 from the whole clusters per arm, k = ⌈n/cluster_size⌉ (n counted to
  the nearest person). The design effect is the variance of the people-weighted difference in means; a
  mixed model does as well or better (in simulation: the same at ICC 0.02, 4 points more power at 0.1),
  but an unweighted t-test on cluster means loses power when sizes vary and the ICC is small (cv 0.76,
  ICC 0.02: 0.43 against 0.60 planned);
* a baseline covariate with pre/post correlation ρ (ANCOVA / CUPED): variance × (1 − ρ²), one df fewer
  (Borm, Fransen & Lemmens 2007), and × (1 + 1/(N − 4)) for the covariate's chance imbalance between the
  arms: given the baselines, Var = σ²(1 − ρ²)·(1/n₁ + 1/n₂ + (x̄₁ − x̄₂)²/Sxx), and under randomisation
  (x̄₁ − x̄₂)²/((1/n₁ + 1/n₂)·Sxx) = Z²/χ²(N − 2), whose mean is 1/(N − 4) (the same imbalance that the exact
  power of Shieh 2020, Psychometrika 85:101, integrates over). df = N − 3, N = people measured. With
  clusters the analysis is on cluster means adjusted for cluster-mean baselines, assumed to correlate ρ
  like people: N becomes the clusters k₁ + k₂ (df = k₁ + k₂ − 3, factor 1 + 1/(k₁ + k₂ − 4)).

Binary KPIs: Cohen's h = 2·asin√p₁ − 2·asin√p₂. People randomised one by one: the normal approximation
of R's ``pwr.2p2n.test``, power = Φ(h·√(n₁n₂/(n₁+n₂)) − z₁₋α/₂) + Φ(−h·√(…) − z₁₋α/₂). Whole clusters
randomised: the variance × the design effect and the t distribution with the clusters' df, as for a
continuous KPI (the analysis is a t-test on cluster proportions or a model with cluster df; with few
clusters the normal approximation overstates power).

scipy's noncentral t returns NaN far in its tails (and statsmodels with it); there the t is
numerically normal, so the normal approximation is used. Solvers bracket the root and never return a
bracket end, an array or NaN. Every function raises ValueError, naming the argument, for input out of
range.

>>> sample_size(0.5).n_treatment
64
>>> round(power(0.5, 50), 4)
0.6969
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import optimize, special, stats

Alternative = Literal["two-sided", "larger", "smaller"]
ALTERNATIVES = ("two-sided", "larger", "smaller")
MAX_N = 1e9


class UnreachableError(ValueError):
    """The requested power cannot be reached (for example, an effect of zero)."""


@dataclass(frozen=True)
class SampleSize:
    """People per arm (whole; with clusters, k clusters × the mean size, rounded to whole people), the
    continuous n₁ the solver found, and the power achieved with those people (with clusters: with k whole
    clusters of the mean size)."""

    n_treatment: int
    n_control: int
    n_treatment_exact: float
    n_total: int
    achieved_power: float
    clusters_treatment: int | None = None
    clusters_control: int | None = None


@dataclass(frozen=True)
class _Design:
    alpha: float
    alternative: Alternative
    icc: float
    cluster_size: float
    baseline_corr: float
    attrition: float
    cluster_cv: float = 0.0

    def check(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {self.alpha}")
        if self.alternative not in ALTERNATIVES:
            raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)}, got {self.alternative!r}")
        _check_clusters(self.cluster_size, self.icc, self.cluster_cv)
        if not -1 < self.baseline_corr < 1:
            raise ValueError(f"baseline_corr must be between −1 and 1 (exclusive), got {self.baseline_corr}")
        if not 0 <= self.attrition < 1:
            raise ValueError(f"attrition must be at least 0 and below 1, got {self.attrition}")

    @property
    def clustered(self) -> bool:
        return self.cluster_size > 1

    @property
    def covariates(self) -> int:
        return 1 if self.baseline_corr != 0 else 0

    def clusters(self, n: float) -> int:
        """Whole clusters for n people: k = ⌈n/m⌉ (a part-filled cluster is still a cluster), counting n to
        the nearest person, so that k clusters of a fractional mean size m̄, round(k·m̄) people, are k."""
        return math.ceil((n - 0.5) / self.cluster_size - 1e-9)

    def design_effect(self) -> float:
        """Eldridge's design effect for the people measured: mean cluster size m̄·(1 − attrition)."""
        if not self.clustered:
            return 1.0
        return _design_effect(self.cluster_size * (1 - self.attrition), self.icc, self.cluster_cv)

    def variance(self, n1: float, n2: float, *, whole: bool = True) -> tuple[float, float]:
        """(variance of the difference in means in sd² units, df) after attrition, clustering and the
        covariate, for n1 and n2 people enrolled. Clusters are whole (df = k₁ + k₂ − 2 − covariates) unless
        `whole` is False: the sample-size solver counts them fractionally (n/m) to interpolate between whole
        numbers of clusters, then rounds up."""
        kept = 1 - self.attrition
        factor = self.design_effect() * (1 - self.baseline_corr**2)
        if self.clustered and whole:
            units = self.clusters(n1) + self.clusters(n2)
        elif self.clustered:
            units = n1 / self.cluster_size + n2 / self.cluster_size
        else:
            units = n1 * kept + n2 * kept
        if self.covariates:  # chance imbalance of the baseline: E[1/χ²(units − 2)] = 1/(units − 4)
            factor *= 1 + 1 / (units - 4) if units > 4 else math.inf
        return factor * (1 / (n1 * kept) + 1 / (n2 * kept)), units - 2 - self.covariates


def _check_clusters(cluster_size: float, icc: float, cluster_cv: float) -> None:
    if not 0 <= icc < 1:
        raise ValueError(f"icc must be at least 0 and below 1, got {icc}")
    if not (math.isfinite(cluster_size) and cluster_size >= 1):
        raise ValueError(f"cluster_size (mean people per cluster) must be a number ≥ 1, got {cluster_size}")
    if not (math.isfinite(cluster_cv) and cluster_cv >= 0):
        raise ValueError(f"cluster_cv (variation of cluster sizes) must be a number ≥ 0, got {cluster_cv}")
    if cluster_cv > 0 and cluster_size == 1:
        raise ValueError("cluster_cv must be 0 when cluster_size is 1 (clusters of at least one person that "
                         "average one person all have one)")


def _design_effect(cluster_size: float, icc: float, cluster_cv: float) -> float:
    return 1 + ((1 + cluster_cv**2) * cluster_size - 1) * icc


def _upper_tail(crit: float, df: float, ncp: float) -> float:
    """P(T > crit) for a noncentral t (scipy.special's ufunc: the same Boost code as scipy.stats.nct,
    without its per-call overhead), with the normal approximation where it gives no answer."""
    value = 1.0 - float(special.nctdtr(df, ncp, crit)) if df < 1e7 else math.nan
    if not math.isfinite(value):
        value = float(special.ndtr(ncp - crit))
    return min(max(value, 0.0), 1.0)


def _t_power(d: float, variance: float, df: float, alpha: float, alternative: Alternative) -> float:
    """Power of a t-test with df degrees of freedom for a standardised difference d whose estimate has
    the given variance (sd² units): ncp = d / √variance."""
    if not df >= 1:
        return math.nan
    ncp = d / math.sqrt(variance)
    if alternative == "two-sided":
        crit = float(special.stdtrit(df, 1 - alpha / 2))
        return min(_upper_tail(crit, df, ncp) + _upper_tail(crit, df, -ncp), 1.0)
    crit = float(special.stdtrit(df, 1 - alpha))
    return _upper_tail(crit, df, ncp if alternative == "larger" else -ncp)


def _z_power(h: float, variance: float, alpha: float, alternative: Alternative) -> float:
    ncp = h / math.sqrt(variance)
    if alternative == "two-sided":
        z = float(stats.norm.isf(alpha / 2))
        return min(float(stats.norm.sf(z - ncp) + stats.norm.cdf(-z - ncp)), 1.0)
    z = float(stats.norm.isf(alpha))
    return float(stats.norm.sf(z - (ncp if alternative == "larger" else -ncp)))


def _check_common(sd: float, power_target: float | None, ratio: float, design: _Design) -> None:
    design.check()
    if not (math.isfinite(sd) and sd > 0):
        raise ValueError(f"sd must be a positive number, got {sd}")
    if not (math.isfinite(ratio) and ratio > 0):
        raise ValueError(f"ratio (controls per treated) must be positive, got {ratio}")
    if power_target is not None and not design.alpha < power_target < 1:
        raise ValueError(f"power must be above alpha ({design.alpha}) and below 1, got {power_target}")


def _check_people(n_treatment: float, n_control: float) -> None:
    for label, n in (("n_treatment", n_treatment), ("n_control", n_control)):
        if not (math.isfinite(n) and n > 0):
            raise ValueError(f"{label} must be a positive number of people, got {n}")


def _check_df(variance: float, df: float) -> None:
    if not df >= 1:
        raise ValueError("too few people (or clusters) to leave a degree of freedom for the test")
    if not math.isfinite(variance):
        raise ValueError("too few people (or clusters) to adjust for the baseline: ANCOVA needs more than 4 "
                         "(one degree of freedom for the covariate and its chance imbalance)")


def _solve_n(power_of, target: float, n_min: float, guess: float | None = None) -> float:
    """The continuous n₁ at which power_of(n₁) = target, bracketing upwards from n_min.

    `guess` (the normal-approximation answer, a slight underestimate for the t-test) narrows the
    bracket so that the root finder needs only a few evaluations. No test at all (df < 1) counts as no power.
    """
    def power_at(n: float) -> float:
        value = power_of(n)
        return value if math.isfinite(value) else 0.0

    low = max(n_min, 1e-9)
    if power_at(low) >= target:
        return low
    if guess is not None and math.isfinite(guess) and guess > low and power_at(guess) < target:
        low = guess
    high = max(2 * low, 4.0) if guess is None else max(low * 1.1 + 2, 4.0)
    while power_at(high) < target:
        low, high = high, high * 2
        if high > MAX_N:
            raise UnreachableError(
                f"power {target:.0%} cannot be reached with fewer than {MAX_N:,.0f} people per arm")
    return float(optimize.brentq(lambda n: power_at(n) - target, low, high, xtol=1e-10, rtol=1e-12))


def _n_min(ratio: float, design: _Design) -> float:
    """The smallest n₁ that leaves at least one degree of freedom (with a covariate its power is 0: the
    imbalance factor 1 + 1/(N − 4) is infinite there)."""
    units = 3 + design.covariates
    if design.clustered:
        return units * design.cluster_size / (1 + ratio)
    return units / ((1 + ratio) * (1 - design.attrition))


def _rounded(n1_exact: float, ratio: float, design: _Design, power_at) -> SampleSize:
    """Whole people, or whole clusters of m: k = ⌈n₁/m⌉ ≥ the fractional clusters the solver found, so the
    achieved power (whole-cluster df) is at least the target."""
    if design.clustered:
        m = design.cluster_size
        k1 = math.ceil(n1_exact / m - 1e-9)
        k2 = math.ceil(n1_exact * ratio / m - 1e-9)
        n1, n2 = round(k1 * m), round(k2 * m)
        return SampleSize(n1, n2, n1_exact, n1 + n2, power_at(k1 * m, k2 * m), k1, k2)
    n1 = math.ceil(n1_exact - 1e-9)
    n2 = math.ceil(n1_exact * ratio - 1e-9)
    return SampleSize(n1, n2, n1_exact, n1 + n2, power_at(n1, n2))


def sample_size(effect: float, *, sd: float = 1.0, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0,
                alternative: Alternative = "two-sided", icc: float = 0.0, cluster_size: float = 1.0,
                cluster_cv: float = 0.0, baseline_corr: float = 0.0, attrition: float = 0.0) -> SampleSize:
    """People per arm to detect `effect` (KPI units) with the given power; ratio = n_control / n_treatment.

    Solves `power` = target for a continuous n₁ (clusters counted fractionally, n/m̄, to interpolate between
    whole numbers of them), then rounds up to whole people or whole clusters. G*Power, R pwr.t2n.test and
    statsmodels TTestIndPower give the same n₁ without the pilot adjustments (Cohen 1988).

    >>> round(sample_size(0.5).n_treatment_exact, 2)
    63.77
    >>> result = sample_size(0.4, icc=0.05, cluster_size=10, cluster_cv=0.5)
    >>> result.clusters_treatment, result.n_treatment
    (17, 170)
    """
    design = _Design(alpha, alternative, icc, cluster_size, baseline_corr, attrition, cluster_cv)
    _check_common(sd, power, ratio, design)
    if not math.isfinite(effect):
        raise ValueError(f"effect must be a finite number, got {effect}")
    if effect == 0:
        raise UnreachableError("an effect of zero cannot be detected at any sample size")
    d = effect / sd
    if d * d == 0 or not math.isfinite(1 / (d * d)):  # 1e-160 sd: the sample would be beyond any number
        raise UnreachableError(f"an effect of {effect:g} is too small against an sd of {sd:g} to detect at any "
                               "sample size")

    def power_at(n1: float, n2: float, whole: bool = True) -> float:
        return _t_power(d, *design.variance(n1, n2, whole=whole), alpha, alternative)

    if alternative != "two-sided" and (d > 0) != (alternative == "larger"):
        raise UnreachableError(f"a {'positive' if d > 0 else 'negative'} effect cannot be detected by a "
                               f"one-sided test for the {alternative} direction")
    n1 = _solve_n(lambda n: power_at(n, n * ratio, whole=False), power, _n_min(ratio, design),
                  _normal_guess(d, power, ratio, design))
    return _rounded(n1, ratio, design, power_at)


def _normal_guess(d: float, target: float, ratio: float, design: _Design) -> float:
    """n₁ from the normal approximation, n₁ = (z₁₋α' + z_power)²·(1 + 1/ratio)·factor / d², enrolled."""
    tails = 2 if design.alternative == "two-sided" else 1
    z = float(special.ndtri(1 - design.alpha / tails) + special.ndtri(target))
    kept = 1 - design.attrition
    return z**2 * (1 + 1 / ratio) * design.design_effect() * (1 - design.baseline_corr**2) / (d**2 * kept)


def power(effect: float, n_treatment: float, n_control: float | None = None, *, sd: float = 1.0,
          alpha: float = 0.05, alternative: Alternative = "two-sided", icc: float = 0.0, cluster_size: float = 1.0,
          cluster_cv: float = 0.0, baseline_corr: float = 0.0, attrition: float = 0.0) -> float:
    """Power to detect `effect` (KPI units) with n_treatment and n_control people (enrolled).

    Noncentral t with ncp = (effect/sd)/√V and V = factor·(1/n₁ + 1/n₂) for the people measured, the
    factor and df from the module docstring (clusters, baseline covariate); R pwr.t2n.test without them.

    >>> round(power(0.5, 50, 50), 4)
    0.6969

    ANCOVA with 8 per arm and ρ = 0.7: V = (1 − 0.49)·(2/8)·(1 + 1/12), df = 13 (simulated: 0.703).

    >>> round(power(1.0, 8, baseline_corr=0.7), 3)
    0.701
    """
    n_control = n_treatment if n_control is None else n_control
    design = _Design(alpha, alternative, icc, cluster_size, baseline_corr, attrition, cluster_cv)
    _check_common(sd, None, 1.0, design)
    if not math.isfinite(effect):
        raise ValueError(f"effect must be a finite number, got {effect}")
    _check_people(n_treatment, n_control)
    variance, df = design.variance(n_treatment, n_control)
    _check_df(variance, df)
    return _t_power(effect / sd, variance, df, alpha, alternative)


def mde(n_treatment: float, n_control: float | None = None, *, sd: float = 1.0, alpha: float = 0.05,
        power: float = 0.8, alternative: Alternative = "two-sided", icc: float = 0.0, cluster_size: float = 1.0,
        cluster_cv: float = 0.0, baseline_corr: float = 0.0, attrition: float = 0.0) -> float:
    """The smallest effect (KPI units, positive) detectable with the given power: the effect at which
    `power` (noncentral t, ncp = (effect/sd)/√V) reaches it; statsmodels TTestIndPower.solve_power without
    the pilot adjustments.

    >>> round(mde(64, 64), 3)
    0.499
    """
    n_control = n_treatment if n_control is None else n_control
    design = _Design(alpha, alternative, icc, cluster_size, baseline_corr, attrition, cluster_cv)
    _check_common(sd, power, 1.0, design)
    _check_people(n_treatment, n_control)
    variance, df = design.variance(n_treatment, n_control)
    _check_df(variance, df)
    sign = -1.0 if alternative == "smaller" else 1.0

    def power_at(d: float) -> float:
        return _t_power(sign * d, variance, df, alpha, alternative)

    high = 1.0
    while power_at(high) < power:
        high *= 2
        if high > 1e6:
            raise UnreachableError("no effect size reaches that power with these numbers")
    d = optimize.brentq(lambda x: power_at(x) - power, 0.0, high, xtol=1e-12, rtol=1e-12)
    return float(d * sd)


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h = 2·asin√p₁ − 2·asin√p₂.

    >>> round(cohens_h(0.55, 0.50), 4)
    0.1002
    """
    _check_proportions(p1=p1, p2=p2)
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def _check_proportions(**proportions: float) -> None:
    for label, p in proportions.items():
        if not 0 <= p <= 1:
            raise ValueError(f"{label} must be a proportion between 0 and 1, got {p}")


def _proportion_design(alpha, alternative, icc, cluster_size, cluster_cv, attrition) -> _Design:
    design = _Design(alpha, alternative, icc, cluster_size, 0.0, attrition, cluster_cv)
    design.check()
    return design


def power_proportions(p_treatment: float, p_control: float, n_treatment: float, n_control: float | None = None, *,
                      alpha: float = 0.05, alternative: Alternative = "two-sided", icc: float = 0.0,
                      cluster_size: float = 1.0, cluster_cv: float = 0.0, attrition: float = 0.0) -> float:
    """Power for a difference in proportions, on Cohen's h.

    People randomised one by one: the normal approximation of R's pwr.2p2n.test,
    power = Φ(h/√V − z₁₋α/₂) + Φ(−h/√V − z₁₋α/₂) with V = 1/n₁ + 1/n₂ (people measured).
    Whole clusters randomised: V × the design effect, and the t distribution with df = k₁ + k₂ − 2 for
    k clusters per arm, like the continuous KPI (Donner & Klar 2000): with few clusters the normal
    approximation overstates power (3 teams of 10 per arm, ICC 0.05, 0.75 vs 0.5: normal 0.39, simulated
    t-test on team proportions 0.26).

    >>> round(power_proportions(0.55, 0.50, 1565), 3)
    0.8
    >>> round(power_proportions(0.75, 0.50, 30, icc=0.05, cluster_size=10), 3)
    0.255
    """
    n_control = n_treatment if n_control is None else n_control
    design = _proportion_design(alpha, alternative, icc, cluster_size, cluster_cv, attrition)
    _check_proportions(p_treatment=p_treatment, p_control=p_control)
    _check_people(n_treatment, n_control)
    if design.clustered:
        _check_df(*design.variance(n_treatment, n_control))
    return _proportion_power(cohens_h(p_treatment, p_control), n_treatment, n_control, design)


def _proportion_power(h: float, n1: float, n2: float, design: _Design, *, whole: bool = True) -> float:
    variance, df = design.variance(n1, n2, whole=whole)
    if not design.clustered:
        return _z_power(h, variance, design.alpha, design.alternative)
    return _t_power(h, variance, df, design.alpha, design.alternative)


def sample_size_proportions(p_treatment: float, p_control: float, *, alpha: float = 0.05, power: float = 0.8,
                            ratio: float = 1.0, alternative: Alternative = "two-sided", icc: float = 0.0,
                            cluster_size: float = 1.0, cluster_cv: float = 0.0,
                            attrition: float = 0.0) -> SampleSize:
    """People per arm to detect p_treatment vs p_control, on Cohen's h (the normal approximation of
    pwr.2p2n.test; with clusters the t with df = k₁ + k₂ − 2, see `power_proportions`).

    >>> round(sample_size_proportions(0.55, 0.50).n_treatment_exact, 1)
    1564.5
    """
    design = _proportion_design(alpha, alternative, icc, cluster_size, cluster_cv, attrition)
    _check_common(1.0, power, ratio, design)
    _check_proportions(p_treatment=p_treatment, p_control=p_control)
    h = cohens_h(p_treatment, p_control)
    if h == 0:
        raise UnreachableError("equal proportions cannot be told apart at any sample size")
    if alternative != "two-sided" and (h > 0) != (alternative == "larger"):
        raise UnreachableError(f"this difference cannot be detected by a one-sided test for the {alternative} "
                               "direction")

    def power_at(n1: float, n2: float, whole: bool = True) -> float:
        return _proportion_power(h, n1, n2, design, whole=whole)

    n_min = _n_min(ratio, design) if design.clustered else 1e-6
    n1 = _solve_n(lambda n: power_at(n, n * ratio, whole=False), power, n_min, _normal_guess(h, power, ratio, design))
    return _rounded(n1, ratio, design, power_at)


def design_effect(cluster_size: float, icc: float, *, cluster_cv: float = 0.0) -> float:
    """Variance inflation from randomising clusters of mean size m̄ (coefficient of variation cv):
    1 + ((1 + cv²)·m̄ − 1)·ICC (Eldridge, Ashby & Kerry 2006, Int J Epidemiol 35:1292); with equal clusters
    (cv = 0), 1 + (m − 1)·ICC (Donner & Klar 2000). For listed sizes, (1 + cv²)·m̄ (cv from the population
    sd) is Σm²/Σm in Kerry & Bland's 1 + (Σm²/Σm − 1)·ICC: the variance inflation of people-weighted means.
    A mixed model weights clusters better and does as well or better.

    >>> round(design_effect(20, 0.05), 3)
    1.95
    >>> round(design_effect(10, 0.05, cluster_cv=0.5), 3)
    1.575
    """
    _check_clusters(cluster_size, icc, cluster_cv)
    return _design_effect(cluster_size, icc, cluster_cv)


def mde_proportions(p_control: float, n_treatment: float, n_control: float | None = None, *, alpha: float = 0.05,
                    power: float = 0.8, alternative: Alternative = "two-sided", icc: float = 0.0,
                    cluster_size: float = 1.0, cluster_cv: float = 0.0, attrition: float = 0.0) -> float:
    """The smallest change in proportion (p_treatment − p_control; negative for "smaller") detectable:
    the change at which `power_proportions` (Cohen's h; t with cluster df when clustered) reaches `power`.

    >>> round(mde_proportions(0.5, 1565), 3)
    0.05
    """
    n_control = n_treatment if n_control is None else n_control
    design = _proportion_design(alpha, alternative, icc, cluster_size, cluster_cv, attrition)
    _check_common(1.0, power, 1.0, design)
    _check_people(n_treatment, n_control)
    if not 0 < p_control < 1:
        raise ValueError(f"p_control must be strictly between 0 and 1, got {p_control}")
    sign = -1.0 if alternative == "smaller" else 1.0
    edge = p_control if sign < 0 else 1 - p_control

    def power_at(change: float) -> float:
        return power_proportions(p_control + sign * change, p_control, n_treatment, n_control, alpha=alpha,
                                 alternative=alternative, icc=icc, cluster_size=cluster_size, cluster_cv=cluster_cv,
                                 attrition=attrition)

    if power_at(edge) < power:
        raise UnreachableError("even the largest possible change is not detectable with these numbers")
    return float(sign * optimize.brentq(lambda c: power_at(c) - power, 0.0, edge, xtol=1e-12))

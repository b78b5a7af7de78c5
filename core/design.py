"""Pilot design helpers: the design chooser, the timeline, power curves, pre-registration and deviations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core import power as pw
from core import roi
from core.plan import DesignPlan, Plan


@dataclass(frozen=True)
class DesignInfo:
    title: str
    fits: str
    assumes: str
    threats: str
    analysis: str


DESIGNS: dict[str, DesignInfo] = {
    "rct": DesignInfo(
        "Individual randomised pilot (RCT)",
        "You can pick who is trained by lot, and trained people rarely pass the skills to untrained colleagues.",
        "Random assignment; people stay in their arm; the KPI is measured the same way in both arms.",
        "Contamination when trained and untrained people share work; attrition that differs between arms.",
        "ANCOVA: post-pilot KPI on arm and the baseline KPI (difference in means when there is no baseline).",
    ),
    "cluster_rct": DesignInfo(
        "Cluster-randomised pilot (whole teams or sites)",
        "You can randomise, but people in a team learn from each other, so whole teams must share an arm.",
        "Random assignment of clusters; enough clusters (8+ per arm) for a credible estimate.",
        "Few clusters give wide intervals; teams differ at baseline; the ICC inflates the sample needed.",
        "ANCOVA with standard errors clustered by team (df from the number of clusters).",
    ),
    "matched": DesignInfo(
        "Matched cohorts (non-randomised)",
        "Managers choose who is trained; you have the HRIS and baseline KPI to find look-alike controls.",
        "No unmeasured difference between trained and matched people once the covariates are matched.",
        "Selection bias from what is not measured (motivation); regression to the mean when people are "
        "picked for low scores.",
        "Propensity-score matching (logit, caliper 0.2 sd) and the average effect on the trained (ATT).",
    ),
    "did": DesignInfo(
        "Difference-in-differences",
        "Some groups start the program and others do not yet; you have KPI history before and after for both.",
        "Parallel trends: without the program, both groups' KPIs would have moved alike.",
        "Different seasonality or shocks by group; groups chosen because their KPI was moving.",
        "Regression with unit and period fixed effects and standard errors clustered by unit.",
    ),
    "its": DesignInfo(
        "Interrupted time series",
        "Everyone is trained at once and no comparison group exists, but you have 12+ months of KPI history.",
        "The pre-program trend and seasonality would have continued; nothing else changed at the same time.",
        "Seasonality, other initiatives launched at the same time, changes in how the KPI is measured.",
        "Segmented regression of the monthly KPI with a level and slope change at the start.",
    ),
}


def recommend(d: DesignPlan) -> tuple[str, str]:
    """(design key, reason) from the three situation questions."""
    if d.randomise == "yes":
        if d.contamination == "yes":
            return "cluster_rct", "You can randomise, but colleagues would share what they learn: randomise teams."
        return "rct", "You can randomise individuals and contamination is unlikely: the cleanest attribution."
    if d.randomise == "no":
        if d.history == "yes":
            return "did", ("Without randomisation, KPI history before and after for a comparison group supports "
                           "difference-in-differences (or matched cohorts on the baseline).")
        return "matched", "Without randomisation or history, match each trained person to similar colleagues."
    return "", "Answer the questions above for a recommendation."


def matching_column(name: str, columns: list[str]) -> str:
    """The column whose words best match a KPI name ("Average deal size" → "avg_deal_size")."""
    import re

    synonyms = {"avg": "average", "mean": "average", "no": "number", "num": "number"}

    def words(text: str) -> set[str]:
        return {synonyms.get(w, w) for w in re.split(r"[^a-z0-9]+", text.lower()) if w}

    wanted = words(name)
    return max(columns, key=lambda c: (len(wanted & words(c)), -columns.index(c))) if columns else ""


def primary_column(plan: Plan, columns: list[str]) -> str:
    """The primary KPI's data column (step 3) when it is among `columns`, else the best match by name."""
    chosen = next((k.column for k in plan.kpis if k.primary and k.column in columns), None)
    return chosen or matching_column(plan.roi.kpi_name, columns)


def effect_to_detect(plan: Plan) -> float:
    """The effect the pilot should detect: the design's own, else the ROI model's assumed effect."""
    return plan.design.effect if plan.design.effect is not None else plan.roi.effect


def power_options(d: DesignPlan) -> dict:
    clustered = d.design == "cluster_rct"
    return {"alpha": d.alpha, "alternative": d.alternative, "icc": d.icc if clustered else 0.0,
            "cluster_size": d.cluster_size if clustered else 1, "attrition": d.attrition}


def break_even_effect(plan: Plan) -> float | None:
    """The ROI model's break-even effect, or None when the ROI step is not filled in."""
    try:
        return roi.evaluate(plan.roi).break_even_effect
    except ValueError:
        return None


def power_curve(plan: Plan, *, points: int = 40, up_to: float | None = None) -> tuple[list[float], list[float]]:
    """Power against people per arm (treated; controls by the ratio) for the planned effect, from a few
    people to four times the plan (or `up_to`, e.g. past the sample the target power needs)."""
    d = plan.design
    effect = effect_to_detect(plan)
    top = max(4 * max(d.n_treatment, 10), 40, 1.2 * (up_to or 0))
    step = max(d.cluster_size if d.design == "cluster_rct" else 1, 1)
    ns = sorted({max(step * round(top * (i + 1) / points / step), step * 3) for i in range(points)})
    values = []
    for n in ns:
        try:
            values.append(_power(plan, effect, n, n * d.ratio))
        except ValueError:
            values.append(float("nan"))
    return [float(n) for n in ns], values


def power_by_effect(plan: Plan, *, points: int = 40, up_to: float | None = None) -> tuple[list[float], list[float]]:
    """Power of the planned pilot (its n) against the true effect, from 0 to twice the larger of the
    planned effect and `up_to` (e.g. the break-even effect)."""
    d = plan.design
    top = 2 * max(abs(effect_to_detect(plan)), abs(up_to or 0), 1e-9)
    effects = [top * i / points for i in range(points + 1)]
    values = []
    for e in effects:
        try:
            values.append(_power(plan, e, d.n_treatment, d.n_control))
        except ValueError:
            values.append(float("nan"))
    return effects, values


def _power(plan: Plan, effect: float, n1: float, n2: float) -> float:
    d = plan.design
    options = power_options(d)
    if d.kpi_type == "binary":
        return pw.power_proportions(min(max(d.p_control + effect, 0.0), 1.0), d.p_control, n1, n2, **options)
    return pw.power(effect, n1, n2, sd=d.sd, baseline_corr=d.baseline_corr, **options)


def timeline(d: DesignPlan) -> list[tuple[str, date, date]]:
    """(phase, start, end) for the baseline window, the intervention and the measurement window."""
    import pandas as pd

    start = date.fromisoformat(d.start_date) if d.start_date else date.today()
    # the baseline_months whole calendar months before the start month
    baseline_start = (pd.Period(start, "M") - d.baseline_months).to_timestamp().date()
    end_intervention = start + timedelta(days=d.intervention_days)
    return [
        ("Baseline window", baseline_start, start),
        (f"Intervention ({d.intervention_days} days)", start, end_intervention),
        (f"Measurement window ({d.measurement_days} days)", end_intervention,
         end_intervention + timedelta(days=d.measurement_days)),
    ]


def registered_fields(plan: Plan) -> dict[str, str]:
    """What a pre-registration locks, as text so later changes can be listed."""
    d = plan.design
    hypothesis = plan.hypotheses[0] if plan.hypotheses else None
    return {
        "Primary KPI": plan.roi.kpi_name or (hypothesis.kpi if hypothesis else ""),
        "Hypothesis": (f"{hypothesis.kpi} {hypothesis.direction} by {hypothesis.assumed_size} {hypothesis.unit} "
                       f"by {hypothesis.by_when}") if hypothesis else "",
        "Design": DESIGNS[d.design].title if d.design else "",
        "Effect to detect": f"{effect_to_detect(plan):g}",
        "Alpha": f"{d.alpha:g}",
        "Power": f"{d.power:g}",
        "People per arm (treatment / control)": f"{d.n_treatment} / {d.n_control}",
        "Assignment seed": str(d.seed) if d.seed else "",
        "Analysis method": d.analysis_method or (DESIGNS[d.design].analysis if d.design else ""),
        "Start date": d.start_date,
    }


def deviations(plan: Plan) -> list[tuple[str, str, str]]:
    """(field, registered, now) for every registered field that changed after the lock."""
    registration = plan.design.preregistration
    if registration is None:
        return []
    now = registered_fields(plan)
    return [(k, v, now.get(k, "")) for k, v in registration.registered.items() if now.get(k, "") != v]


@dataclass(frozen=True)
class PowerSummary:
    """Everything the power section shows: needed n, the planned pilot's power and MDE, break-even."""

    effect: float
    unit: str
    needed: pw.SampleSize | None
    needed_error: str
    planned_power: float | None
    planned_mde: float | None
    planned_error: str
    break_even: float | None
    enough: pw.SampleSize | None  # the sample that would detect break-even, when the plan cannot
    enough_error: str

    @property
    def detects_break_even(self) -> bool | None:
        if self.break_even is None or self.planned_mde is None:
            return None
        return self.planned_mde <= self.break_even


def power_summary(plan: Plan) -> PowerSummary:
    d = plan.design
    binary = d.kpi_type == "binary"
    effect = effect_to_detect(plan)
    options = power_options(d)
    unit = "proportion points" if binary else (plan.roi.kpi_unit or "KPI units")

    def needed_for(target: float) -> pw.SampleSize:
        if binary:
            p_treatment = min(max(d.p_control + target, 0.0), 1.0)
            return pw.sample_size_proportions(p_treatment, d.p_control, power=d.power, ratio=d.ratio, **options)
        return pw.sample_size(target, sd=d.sd, power=d.power, ratio=d.ratio, baseline_corr=d.baseline_corr,
                              **options)

    needed = planned_power = planned_mde = enough = None
    needed_error = planned_error = enough_error = ""
    try:
        needed = needed_for(effect)
    except ValueError as exc:
        needed_error = str(exc)
    if d.n_treatment > 0 and d.n_control > 0:
        try:
            planned_power = _power(plan, effect, d.n_treatment, d.n_control)
            if binary:
                planned_mde = abs(pw.mde_proportions(d.p_control, d.n_treatment, d.n_control, power=d.power,
                                                     **options))
            else:
                planned_mde = pw.mde(d.n_treatment, d.n_control, sd=d.sd, power=d.power,
                                     baseline_corr=d.baseline_corr, **options)
        except ValueError as exc:
            planned_error = str(exc)
    else:
        planned_error = "enter the planned number of treated and control people"
    break_even = break_even_effect(plan) if not binary else None
    if break_even is not None and planned_mde is not None and planned_mde > break_even:
        try:
            enough = needed_for(break_even)
        except ValueError as exc:
            enough_error = str(exc)
    return PowerSummary(effect, unit, needed, needed_error, planned_power, planned_mde, planned_error, break_even,
                        enough, enough_error)

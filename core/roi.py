"""Fully loaded costs, monetised benefits and ROI (Phillips ROI Methodology).

Costs (Phillips' fully loaded categories): each cost line is one-off or per participant, plus
participant time = participants × hours × loaded hourly wage.

Benefits, with k = participants × adoption × value per unit × contribution margin × attribution ×
confidence (Phillips: adjust estimates for attribution and confidence):

* recurring: benefit in month m (m = 0 … H−1) = k × effect × (1 − decay)^m, so over the horizon
  B = k × effect × S with S = Σ (1 − d)^m = (1 − (1 − d)^H) / d  (S = H when d = 0);
* one-time: B = k × effect, realised evenly over the first `realisation_months` months.

ROI % = (B − C) / C × 100, BCR = B / C (so ROI % = (BCR − 1) × 100), payback = month in which the
cumulative benefit reaches C (linear within the month), break-even effect = C / (k × S), the effect at
which B = C.

Timing: month 0 is the first month after the program; costs are counted at its start. Payback is counted
from there. Discounting (Finance's annual rate r, as a monthly rate i = (1 + r)^(1/12) − 1): each month's
benefit arrives at the end of its month, so PV = Σ B_m / (1 + i)^(m + 1), which is Excel's NPV(i, B₀…);
NPV = PV − C and the discounted ROI = NPV / C.

The arithmetic in `totals` works on scalars and NumPy arrays alike, so the Monte Carlo in
core/sensitivity.py runs the very same formulas, vectorised.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from core import designs
from core.plan import Limit, Plan, Range, RoiAssumptions, is_number, limit

PARTICIPANT_TIME = "Participant time"


@dataclass
class RoiInputs(RoiAssumptions):
    """Everything the ROI model reads: the ROI step's assumptions plus the values that live elsewhere in the
    plan (the effect in the pilot definition, the KPI and its money value in the primary KPI, the
    participants from the treated arm or the roll-out forecast). Built by `inputs`, never stored."""

    participants: int = 0
    effect: float = 0.0
    value_per_unit: float = 0.0
    value_source: str = ""
    kpi_name: str = ""
    kpi_unit: str = ""
    kpi_better: str = "higher"

    @property
    def value_unit(self) -> str:
        """What the money value is per, in the KPI's own unit: "$ per extra deal", "$ per week saved"."""
        from core.words import per_unit

        return f"$ {per_unit(self.kpi_unit, self.kpi_name, self.kpi_better)}"


def basis(plan: Plan) -> str:
    """"observed" when the ROI uses the pilot's measured effect (step 5) — and it was measured on the arms,
    windows and KPI the plan has now — else "forecast"."""
    return "observed" if plan.roi.mode == "observed" and not observed_is_stale(plan) and \
        plan.results.observed is not None else "forecast"


def observed_is_stale(plan: Plan) -> bool:
    """The ROI asks for the observed effect, but it was measured on other arms, windows, data or another KPI."""
    from core import pilot

    o = plan.results.observed
    return plan.roi.mode == "observed" and o is not None and o.basis != pilot.analysis_key(plan)


ISOLATION_WORDS = {
    "": "not chosen yet",
    "control_group": "a control group",
    "trend_line": "trend-line analysis",
    "forecast": "a forecasting model",
    "estimates": "participant and manager estimates, adjusted for confidence",
}


# What a control group's intent-to-treat estimate already holds: the effect averaged over everyone offered the
# program (so how many applied it), isolated from other causes, with its error in its interval.
MEASURED = ("adoption", "attribution", "confidence")


def as_measured(inputs: RoiInputs) -> RoiInputs:
    """The inputs for valuing an effect a control group measured: adoption, attribution and confidence at 100%
    (applying them again would count them twice). Other isolation methods keep them."""
    if inputs.isolation_method != "control_group":
        return inputs
    return dataclasses.replace(inputs, **dict.fromkeys(MEASURED, 1.0),
                               ranges={k: v for k, v in inputs.ranges.items() if k not in MEASURED})


def isolation(plan: Plan) -> str:
    """How the effect is isolated: step 4's design decides (a control or comparison group, or the trend of an
    interrupted time series); only a plan without a design uses the ROI step's own choice."""
    chosen = designs.spec(plan)
    return chosen.isolation if chosen else plan.roi.isolation_method


def forecast_inputs(plan: Plan, facts: Any = None) -> RoiInputs:
    """The plan's inputs as a forecast, whichever effect the ROI step uses: the assumed effect with the plan's own
    adoption, attribution and confidence (what the observed figures are set beside)."""
    return inputs(dataclasses.replace(plan, roi=dataclasses.replace(plan.roi, mode="forecast")), facts)


def inputs(plan: Plan, facts: Any = None) -> RoiInputs:
    """The ROI model's inputs for `plan`, read from each value's one home (`facts`: core.pilot.PilotFacts, for
    the treated arm in whole clusters of the roster). In observed mode the effect is the Results step's
    estimate and its uncertainty range the estimate's 95% confidence interval (a normal distribution); when a
    control group measured it, adoption, attribution and confidence are 100% and carry no range (`MEASURED`: the
    intent-to-treat effect already averages over who applied it, the control group isolated it and the interval
    carries its error; a further discount would count them twice)."""
    from core import pilot

    kpi = plan.primary_kpi()
    source = ""
    if kpi is not None and kpi.value_source:
        source = f"{kpi.credibility.capitalize()}: {kpi.value_source}" if kpi.credibility else kpi.value_source
    assumptions = {**vars(plan.roi), "isolation_method": isolation(plan)}
    effect = float(plan.pilot.effect)
    observed = plan.results.observed
    if basis(plan) == "observed":
        # the measured change, as an improvement, drawn by the Monte Carlo from its sampling distribution
        sign = pilot.direction(plan)
        effect = sign * observed.effect
        low, high = sorted((sign * observed.ci_low, sign * observed.ci_high))
        ranges = {**plan.roi.ranges, "effect": Range(low, high, "normal")}
        if assumptions["isolation_method"] == "control_group":
            ranges = {k: v for k, v in ranges.items() if k not in MEASURED}
            assumptions = {**assumptions, **dict.fromkeys(MEASURED, 1.0)}
        assumptions = {**assumptions, "ranges": ranges}
    return RoiInputs(
        **assumptions,
        participants=pilot.roi_participants(plan, facts),
        effect=effect,
        value_per_unit=float(kpi.value_per_unit) if kpi is not None and kpi.value_per_unit is not None else 0.0,
        value_source=source,
        kpi_name=kpi.name if kpi is not None else "",
        kpi_unit=kpi.unit if kpi is not None else "",
        kpi_better=kpi.better if kpi is not None else "higher",
    )

# The assumptions a slider, the tornado and the Monte Carlo can vary, with labels and kinds.
ASSUMPTIONS: dict[str, tuple[str, str]] = {
    "effect": ("Effect per participant", "number"),
    "value_per_unit": ("Value per unit ($)", "money"),
    "participants": ("Participants", "count"),
    "adoption": ("Adoption", "rate"),
    "contribution_margin": ("Contribution margin", "rate"),
    "attribution": ("Attribution to the program", "rate"),
    "confidence": ("Confidence in the estimate", "rate"),
    "monthly_decay": ("Monthly decay of the effect", "rate"),
}
# Benefit is proportional to these, so their break-even value is value × C / B.
LINEAR = ("effect", "value_per_unit", "adoption", "contribution_margin", "attribution", "confidence")
RATES = ("adoption", "contribution_margin", "attribution", "confidence")
SHOWN_AS_PERCENT = frozenset(RATES) | {"monthly_decay"}


def to_shown(name: str, value: float) -> float:
    """An assumption in the units a person edits: shares as percentages (0.8 → 80)."""
    return round(value * 100, 10) if name in SHOWN_AS_PERCENT else value


def from_shown(name: str, shown: float) -> float:
    """The inverse of `to_shown` (80 → 0.8 for shares)."""
    return shown / 100 if name in SHOWN_AS_PERCENT else shown


class InputError(ValueError):
    """An ROI input outside its allowed range; `field` names it so the page can show it there."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class RoiResult:
    total_cost: float
    total_benefit: float
    net_benefit: float
    roi_pct: float
    bcr: float
    payback_months: float | None
    break_even_effect: float | None
    monthly_benefits: tuple[float, ...]
    cost_breakdown: dict[str, float]
    present_benefit: float  # benefits discounted to month 0 at the plan's discount rate
    npv: float  # present_benefit − total_cost

    @property
    def discounted_roi_pct(self) -> float:
        return self.npv / self.total_cost * 100


def values_of(inputs: RoiInputs) -> dict[str, float]:
    """The current (expected) value of every variable assumption."""
    return {name: float(getattr(inputs, name)) for name in ASSUMPTIONS}


def with_values(inputs: RoiInputs, values: Mapping[str, float]) -> RoiInputs:
    """A copy of `inputs` with some assumptions replaced (sliders, scenarios); the original is untouched."""
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name not in ASSUMPTIONS:
            raise InputError(name, f"{name!r} is not an ROI assumption.")
        changes[name] = int(round(value)) if name == "participants" else float(value)
    return dataclasses.replace(inputs, **changes)


# where each ROI input is read from in the plan: its declared Limit (core/plan.py) is the one it is checked against
FIELDS = {"effect": "pilot.effect", "value_per_unit": "kpis.value_per_unit", "participants": "pilot.treated_people",
          **{name: f"roi.{name}" for name in ("adoption", "contribution_margin", "attribution", "confidence",
                                              "monthly_decay", "participant_hours", "loaded_hourly_wage",
                                              "discount_rate", "horizon_months", "realisation_months")}}
LABELS = {**{name: label for name, (label, _) in ASSUMPTIONS.items()}, "participant_hours": "Hours per participant",
          "loaded_hourly_wage": "The loaded hourly wage", "discount_rate": "The discount rate",
          "horizon_months": "The horizon", "realisation_months": "The months to realise a one-time benefit"}


def assumption_limit(name: str) -> Limit:
    """The declared Limit of an ROI input (an assumption a range, a slider or a scenario may set)."""
    return limit(FIELDS[name])


def validate(inputs: RoiInputs) -> None:
    """Raise InputError naming the first input that is not a finite number inside its declared Limit."""
    for name in FIELDS:
        value, bound = getattr(inputs, name), assumption_limit(name)
        if not bound.holds(value):
            shown = f"{value * 100:g}%" if bound.shown == 100 and is_number(value) else repr(value)
            raise InputError(name, f"{LABELS[name]} must be {bound.words}, got {shown}.")
    for i, line in enumerate(inputs.costs):
        if not limit("costs.amount").holds(line.amount):
            raise InputError(f"costs[{i}]", f"Cost line “{line.category}” must be {limit('costs.amount').words}, "
                                            f"got {line.amount!r}.")
    if inputs.realisation_months > inputs.horizon_months:
        raise InputError("realisation_months",
                         "One-time benefits must be realised within the horizon (1 month or more).")


def cost_breakdown(inputs: RoiInputs) -> dict[str, float]:
    """Fully loaded cost per category, participant time included."""
    lines: dict[str, float] = {}
    for line in inputs.costs:
        amount = line.amount * inputs.participants if line.per_participant else line.amount
        lines[line.category] = lines.get(line.category, 0.0) + float(amount)
    lines[PARTICIPANT_TIME] = float(inputs.participants * inputs.participant_hours * inputs.loaded_hourly_wage)
    return lines


def horizon_factor(decay: Any, horizon: int) -> Any:
    """S = Σ_{m=0}^{H−1} (1 − d)^m = (1 − (1 − d)^H) / d, and H when d = 0 (scalar or array)."""
    d = np.asarray(decay, dtype=float)
    safe = np.where(d > 0, d, 1.0)
    s = np.where(d > 0, (1 - (1 - d) ** horizon) / safe, float(horizon))
    return s if s.ndim else float(s)


def totals(inputs: RoiInputs, values: Mapping[str, Any]) -> tuple[Any, Any]:
    """(total cost, total benefit) for assumption `values` that may be NumPy arrays of draws."""
    v = {**values_of(inputs), **values}
    fixed = sum(line.amount for line in inputs.costs if not line.per_participant)
    per_head = sum(line.amount for line in inputs.costs if line.per_participant)
    per_head += inputs.participant_hours * inputs.loaded_hourly_wage
    cost = fixed + per_head * v["participants"]
    k = (v["participants"] * v["adoption"] * v["value_per_unit"] * v["contribution_margin"]
         * v["attribution"] * v["confidence"])
    if inputs.benefit_kind == "recurring":
        benefit = k * v["effect"] * horizon_factor(v["monthly_decay"], inputs.horizon_months)
    else:
        benefit = k * v["effect"]
    return cost, benefit


def worth_per_participant(inputs: RoiInputs, effect: float) -> float:
    """What `effect` (an improvement, KPI units) is worth to the business for one participant in the first month
    (or once, for a one-time benefit): the ROI's own chain, effect × value per unit × contribution margin ×
    adoption × attribution × confidence, so Results and the ROI never value one effect two ways."""
    return (effect * inputs.value_per_unit * inputs.contribution_margin * inputs.adoption * inputs.attribution
            * inputs.confidence)


def monthly_benefits(inputs: RoiInputs) -> list[float]:
    """Benefit in each month of the horizon (month 0 is the first month after the program)."""
    _, total = totals(inputs, {})
    h = inputs.horizon_months
    if inputs.benefit_kind == "recurring":
        per_unit_effect = total / horizon_factor(inputs.monthly_decay, h) if total else 0.0
        return [per_unit_effect * (1 - inputs.monthly_decay) ** m for m in range(h)]
    r = inputs.realisation_months
    return [total / r if m < r else 0.0 for m in range(h)]


def monthly_rate(annual: float) -> float:
    """The monthly rate equivalent to an annual one: (1 + r)^(1/12) − 1."""
    return (1 + annual) ** (1 / 12) - 1


def present_value(benefits: list[float], annual_rate: float) -> float:
    """Σ B_m / (1 + i)^(m + 1): each month's benefit at the end of its month (Excel's NPV convention)."""
    i = monthly_rate(annual_rate)
    return float(sum(b / (1 + i) ** (m + 1) for m, b in enumerate(benefits)))


def payback_months(cost: float, benefits: list[float]) -> float | None:
    """Months until cumulative benefit reaches `cost`, linear within the month; None if never."""
    cumulative = 0.0
    for month, benefit in enumerate(benefits):
        if benefit > 0 and cumulative + benefit >= cost:
            return month + (cost - cumulative) / benefit
        cumulative += benefit
    return None


def evaluate(inputs: RoiInputs) -> RoiResult:
    """ROI %, BCR, net benefit, payback and break-even effect of one set of assumptions."""
    validate(inputs)
    breakdown = cost_breakdown(inputs)
    cost, benefit = totals(inputs, {})
    if cost <= 0:
        raise InputError("costs", "Total cost must be above zero: enter the program's costs first.")
    months = monthly_benefits(inputs)
    benefit_per_effect = totals(inputs, {"effect": 1.0})[1]
    return RoiResult(
        total_cost=float(cost),
        total_benefit=float(benefit),
        net_benefit=float(benefit - cost),
        roi_pct=float((benefit - cost) / cost * 100),
        bcr=float(benefit / cost),
        payback_months=payback_months(cost, months),
        break_even_effect=float(cost / benefit_per_effect) if benefit_per_effect > 0 else None,
        monthly_benefits=tuple(months),
        cost_breakdown=breakdown,
        present_benefit=(pv := present_value(months, inputs.discount_rate)),
        npv=pv - float(cost),
    )


def break_even_value(inputs: RoiInputs, name: str) -> float | None:
    """The value of a benefit multiplier (effect, adoption, …) at which benefits equal costs.

    Benefit is proportional to each of LINEAR, so x* = x × C / B. None when B = 0.
    """
    if name not in LINEAR:
        raise InputError(name, f"Break-even is computed for {', '.join(LINEAR)} only.")
    cost, benefit = totals(inputs, {})
    current = getattr(inputs, name)
    if not benefit or not current:
        return None
    return float(current * cost / benefit)

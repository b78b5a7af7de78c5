"""A check of the ROI inputs against the Phillips ROI Methodology's guiding principles.

Each flag names the input to fix and says in one line why Finance would doubt the number. The
principles (Phillips & Phillips, *Return on Investment in Training and Performance Improvement
Programs*): use the most credible source; choose the most conservative alternative; isolate the
effect of the program; adjust estimates for error (× attribution × confidence); first-year benefits
only for short programs; fully load all costs; leave out extreme data and unsupported claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core import roi
from core.plan import PHILLIPS_COST_CATEGORIES
from core.roi import RoiInputs

Section = Literal["costs", "benefits", "ranges"]

SHORT_PROGRAM_MONTHS = 6
EXTREME_ROI_PCT = 500.0


@dataclass(frozen=True)
class Flag:
    field: str
    section: Section
    message: str


def check(inputs: RoiInputs, *, observed: bool = False, observed_wanted: bool = False) -> list[Flag]:
    """The flags for one set of ROI inputs; `observed`: the effect is the pilot's measured estimate (step 5);
    `observed_wanted`: the plan asks for it (the ROI step's mode), whether or not there is one to use."""
    flags: list[Flag] = []
    if observed_wanted and not observed:
        flags.append(Flag("effect", "benefits",
                          "The ROI is set to use the pilot's observed effect, but step 5 has none for this pilot's "
                          "arms, windows and KPI: every figure here is a forecast, and must be presented as one."))
    if inputs.isolation_method == "control_group" and inputs.attribution < 1:
        flags.append(Flag("attribution", "benefits",
                          f"Attribution {inputs.attribution:.0%} on top of a control group discounts the effect "
                          "twice: the control group already isolates what the program caused. Use 100%, or say "
                          "what else the control group could not rule out."))
    if inputs.horizon_months > 12 and inputs.discount_rate == 0:
        flags.append(Flag("discount_rate", "benefits",
                          f"Benefits over {inputs.horizon_months} months are not discounted: a dollar in year two is "
                          "worth less to Finance. Count the first year, or discount the rest at Finance's rate."))
    if inputs.effect < 0:
        flags.append(Flag("effect", "benefits",
                          "The effect is negative: the program makes the KPI worse, so it loses more than its cost "
                          "(ROI below −100%). Check the KPI's direction in step 3, or rethink the program."))
    elif inputs.effect == 0 or inputs.participants <= 0:
        flags.append(Flag("effect", "benefits",
                          "No benefit is counted at the saved values (an effect or participants of zero): the "
                          "headline ROI is −100%; only the range's other draws can show a gain."))
    if inputs.horizon_months > 12 and inputs.program_months <= SHORT_PROGRAM_MONTHS:
        flags.append(Flag("horizon_months", "benefits",
                          f"Benefits are counted for {inputs.horizon_months} months for a "
                          f"{inputs.program_months}-month program: count first-year benefits only."))
    if not inputs.isolation_method:
        flags.append(Flag("isolation_method", "benefits",
                          "No isolation method is chosen: say how the program's effect is separated from "
                          "other causes (a control group is the most credible)."))
    present = {line.category for line in inputs.costs if line.amount > 0}
    missing = [c for c in PHILLIPS_COST_CATEGORIES if c not in present]
    if inputs.participant_hours * inputs.loaded_hourly_wage <= 0:
        missing.append(roi.PARTICIPANT_TIME)
    if missing:
        flags.append(Flag("costs", "costs",
                          f"Cost categories left at zero: {', '.join(missing)}. Fully load all costs, "
                          "or note why a category truly costs nothing."))
    if inputs.confidence >= 1 and inputs.isolation_method != "control_group":  # a control group's error is its CI
        flags.append(Flag("confidence", "benefits",
                          "Confidence is 100%: adjust estimates for error with an honest confidence level."))
    if inputs.attribution >= 1 and inputs.isolation_method != "control_group":
        flags.append(Flag("attribution", "benefits",
                          "Attribution is 100% without a control group: other factors surely played a part."))
    if not inputs.value_source.strip():
        flags.append(Flag("value_source", "benefits",
                          "The value per unit has no source: name a standard value, historical cost or "
                          "expert, in that order of credibility."))
    if inputs.benefit_kind == "recurring" and inputs.monthly_decay == 0 and inputs.horizon_months > 6:
        flags.append(Flag("monthly_decay", "benefits",
                          "The effect is assumed not to fade at all: a small monthly decay is more "
                          "conservative."))
    if not inputs.ranges:
        flags.append(Flag("ranges", "ranges", "No assumption has a range: show ROI as a range, not a point."))
    try:
        result = roi.evaluate(inputs)
    except ValueError:
        return flags
    if result.roi_pct > EXTREME_ROI_PCT:
        flags.append(Flag("effect", "benefits",
                          f"ROI of {result.roi_pct:,.0f}% is extreme: check the effect and the value per "
                          "unit; extreme claims undermine the whole study."))
    return flags

"""What the evidence supports: a plan's evidence strength, ROI range and the decision it points to.

The strategy guide's question is which programs to expand and which to rethink. The answer needs both the
size of the ROI and how much the number can be trusted:

* evidence: "strong" when the effect was observed in a randomised pilot (RCT, cluster RCT or waves) that was
  pre-registered (locked before the results), analysed by the registered method and planned with at least 80%
  power; "moderate" when observed otherwise (a quasi-experimental design — matching, DiD, interrupted time
  series —, a deviating method, no locked pre-registration, or an underpowered pilot); "none yet" when the ROI
  is a forecast.
* range: the Monte Carlo's P10–P90 of ROI and P(ROI > 0) (core/sensitivity.py); without ranges, the point.
* decision, with an observed effect: "expand" when even the unfavourable end of its 95% confidence interval
  pays for the program (above the break-even effect) and P10 is above 0, and no pre-registered guardrail was
  harmed (core/outcomes.py; then "not yet clear", naming it); "rethink" when even the favourable
  end does not; otherwise "not yet clear" (the interval straddles break-even: a larger or longer pilot would tell).
  With a forecast: "rethink" when even P90 is below 0 or a loss is more likely than a gain (P(ROI > 0) <
  50%); otherwise "run the pilot".
"""

from __future__ import annotations

from dataclasses import dataclass

from core import design, designs, roi, sensitivity, words
from core import pilot as pl
from core.plan import Plan

EXPAND, RETHINK, RUN_PILOT, UNCLEAR = "expand", "rethink", "run the pilot", "not yet clear"


@dataclass(frozen=True)
class Standing:
    """One plan's numbers for the summary and the portfolio."""

    cost: float
    roi_pct: float  # each assumption at its most likely value
    p10: float | None
    p50: float | None
    p90: float | None
    prob_positive: float | None
    basis: str  # "observed" | "forecast"
    design: str  # its title ("Randomised controlled trial", …) or "not chosen"
    power: float | None  # the planned pilot's power at the plan's effect
    detects_break_even: bool | None
    evidence: str  # "strong" | "moderate" | "none yet"
    decision: str
    sentence: str  # the decision in one sentence


def evidence(plan: Plan, planned_power: float | None = None) -> str:
    """How far the ROI's effect can be trusted (see the module docstring)."""
    if roi.basis(plan) != "observed":
        return "none yet"
    o = plan.results.observed
    registration = plan.design.preregistration
    locked_at = registration.locked_at if registration is not None else ""
    # ISO 8601 times compare as text; locked after the estimate was computed is not a pre-registration
    locked = bool(locked_at) and (o is None or not o.computed_at or locked_at <= o.computed_at)
    powered = planned_power is not None and planned_power >= 0.8
    chosen = designs.spec(plan)
    if chosen is not None and chosen.randomised and o is not None and o.registered and locked and powered:
        return "strong"
    return "moderate"


def standing(plan: Plan, facts: pl.PilotFacts, *, draws: int = sensitivity.DEFAULT_DRAWS,
             mc: sensitivity.MonteCarlo | None = None, power: design.PowerSummary | None = None) -> Standing:
    """The plan's cost, ROI range, evidence and decision (raises roi.InputError when the ROI cannot be
    computed); `mc` and `power`: the plan's Monte Carlo and power summary when the caller has them already."""
    inputs = roi.inputs(plan, facts)
    result = roi.evaluate(inputs)
    if mc is None and inputs.ranges:
        mc = sensitivity.monte_carlo(inputs, draws=draws)
    power = power or design.power_summary(plan, facts)
    chosen = design.DESIGNS.get(design.choice(plan))
    strength = evidence(plan, power.planned_power)
    p10, p50, p90, positive = ((mc.p10, mc.p50, mc.p90, mc.prob_positive) if mc is not None
                               else (None, None, None, None))
    low = p10 if p10 is not None else result.roi_pct
    high = p90 if p90 is not None else result.roi_pct
    chance = positive if positive is not None else float(result.roi_pct > 0)
    if strength == "none yet":
        decision, sentence = _forecast(low, high, chance, power, mc is not None)
    else:
        ci = inputs.ranges.get("effect")  # the observed effect's 95% CI, as an improvement
        decision, sentence = _observed(strength, low, high, chance, ci, result.break_even_effect, inputs.kpi_unit)
        o = plan.results.observed
        harmed = o.harmed_guardrails if o is not None else []
        if o is not None and o.interim and decision in (EXPAND, RETHINK) and not (
                decision == EXPAND and o.interim_verdict == "success"
                or decision == RETHINK and o.interim_verdict in ("futility", "harm")):
            decision = UNCLEAR  # an early read decides only where the registered boundary allows
            said = {"continue": "its registered boundary says continue",
                    "success": "its registered boundary says stop for success, but not that it pays off",
                    "futility": "its registered boundary allows stopping for futility, not expanding",
                    "harm": "its registered boundary says the program does harm",
                    "between": "it falls between registered looks, so it is no verdict"}.get(
                o.interim_verdict, "no registered interim look has been reached, so an early read is no verdict")
            sentence = (f"Not yet clear: an interim read at {o.months} of {o.of_months} months, and {said}. "
                        + words.capital(sentence.removeprefix("Expand: ").removeprefix("Rethink: ")))
        if harmed and decision == EXPAND:  # a guardrail the pilot made worse blocks "expand"
            decision = UNCLEAR
            sentence = (f"Not yet clear: the effect pays off, but the pilot made {words.join(harmed)} worse (a "
                        "guardrail): weigh that harm before expanding. " + words.capital(
                            sentence.removeprefix("Expand: ")))
    return Standing(result.total_cost, result.roi_pct, p10, p50, p90, positive, roi.basis(plan),
                    chosen.title if chosen else "not chosen", power.planned_power, power.detects_break_even,
                    strength, decision, sentence)


def _span(low: float, high: float, chance: float, ranged: bool) -> str:
    return (f"ROI {low:,.0f}% to {high:,.0f}% (P10–P90), {words.chance(chance)} chance of a gain" if ranged
            else f"ROI {low:,.0f}% (no ranges given, so no range)")


def _forecast(low: float, high: float, chance: float, power: design.PowerSummary, ranged: bool) -> tuple[str, str]:
    span = _span(low, high, chance, ranged)
    if high < 0:
        return RETHINK, f"Rethink: even the optimistic end of the range loses money ({span})."
    if chance < 0.5:
        return RETHINK, f"Rethink before piloting: on the assumptions alone a loss is more likely than a gain ({span})."
    if power.detects_break_even is False and power.sees_expected:
        pilot = (f"as designed it sees the expected effect ({power.planned_power:.0%} power) but not one as small as "
                 "break-even, so read its interval against break-even")
    elif power.detects_break_even is False:
        larger = ("it already holds everyone eligible, so widen who is eligible or measure for longer"
                  if power.uses_everyone else "run it larger than planned")
        pilot = (f"{larger}: as designed, the pilot cannot tell break-even from no effect "
                 f"({power.planned_power:.0%} power at the planned effect)" if power.planned_power is not None
                 else f"{larger}: as designed, it cannot detect break-even")
    elif power.detects_break_even:
        pilot = "the pilot as designed can detect break-even"
    else:
        pilot = "size the pilot in step 4 first"
    return RUN_PILOT, f"Run the pilot before deciding: the ROI is a forecast ({span}); {pilot}."


def _observed(strength: str, low: float, high: float, chance: float, ci, break_even: float | None,
              unit: str) -> tuple[str, str]:
    from core.words import amount

    span = _span(low, high, chance, True)
    if ci is None or break_even is None:
        return UNCLEAR, f"Not yet clear: the observed effect cannot be set against break-even ({span})."
    interval = f"95% CI {words.interval(ci.low, ci.high, unit)}, break-even {amount(break_even, unit)}"
    if ci.low > break_even and low > 0:
        return EXPAND, f"Expand: even the low end of the pilot's observed effect pays off ({strength} evidence; " \
                       f"{interval}; {span})."
    if ci.high < break_even:
        return RETHINK, f"Rethink: even the high end of the pilot's observed effect does not pay for the program " \
                        f"({interval}; {span})."
    real = ("the effect is real (its interval excludes zero), but " if ci.low > 0 else "")
    return UNCLEAR, (f"Not yet clear whether it pays: {real}the low end of the pilot's 95% interval is below "
                     f"break-even, so it could be too small to pay for the program ({interval}; {span}); a larger or "
                     "longer pilot would tell.")


def headline_note(point: float, mc: sensitivity.MonteCarlo) -> str:
    """Which value the headline ROI is, and why the Monte Carlo median may differ from it."""
    text = "The headline ROI puts every assumption at its most likely value. "
    if abs(point - mc.p50) < 5:
        return text + f"The simulated median, {mc.p50:,.0f}%, agrees with it."
    side = "below" if mc.p50 < point else "above"
    return text + (f"The simulated median, {mc.p50:,.0f}%, is {side} it because the ranges are lopsided around "
                   "their most likely values and the benefit multiplies several of them: report the range, not the "
                   "point.")

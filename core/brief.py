"""The one-page executive summary (HTML) that goes alongside the workbook."""

from __future__ import annotations

from datetime import date
from html import escape

from core import __version__, design, roi, sensitivity
from core import pilot as pl
from core.plan import Plan
from core.words import number

ISOLATION_WORDS = {
    "": "not chosen yet",
    "control_group": "a control-group pilot",
    "trend_line": "trend-line analysis",
    "forecast": "a forecasting model",
    "estimates": "participant and manager estimates, adjusted for confidence",
}


def executive_summary(plan: Plan, facts: pl.PilotFacts | None = None) -> str:
    """A self-contained HTML page: the question, the design, the result, the ROI range, what matters most."""
    facts = facts or pl.facts(plan, None)
    r = roi.inputs(plan, facts)
    result = roi.evaluate(r)
    arms = facts.arms
    clusters = (f" in {arms.treated_clusters:,} + {arms.control_clusters:,} {escape(facts.clusters.column)} clusters"
                if facts.clusters is not None and arms.treated_clusters is not None else "")
    _, power_sentence = design.headline(plan, facts, design.power_summary(plan, facts))
    basis_note = ("the effect is the pilot's <b>observed</b> estimate; costs and the other assumptions are "
                  "<b>forecasts</b>." if roi.basis(plan) == "observed" else "every figure is a <b>forecast</b> from "
                  "assumptions until the pilot's observed results replace them.")
    o = plan.results.observed
    effect_note = (f"the pilot measured {escape(number(r.effect))} (95% CI {escape(number(o.ci_low))} to "
                   f"{escape(number(o.ci_high))}, p = {o.p_value:.2g}; {escape(o.method)})."
                   if roi.basis(plan) == "observed" and o is not None else f"the plan assumes {number(r.effect)}.")
    counted = (f"benefits counted for a roll-out to {r.participants:,} people (a forecast)" if r.scope == "rollout"
               else f"benefits counted for the {r.participants:,} treated people")
    swings = sensitivity.one_way(r) if r.ranges else []
    mc = sensitivity.monte_carlo(r) if r.ranges else None
    payback = (f"{result.payback_months:.1f} months" if result.payback_months is not None
               else f"not within {r.horizon_months} months")
    range_line = (f"<p><b>Range:</b> P10 {mc.p10:,.0f}% · P50 {mc.p50:,.0f}% · P90 {mc.p90:,.0f}%; "
                  f"probability that ROI is positive: <b>{mc.prob_positive:.0%}</b> "
                  f"({mc.draws:,} simulated draws, seed {mc.seed}).</p>") if mc else \
        "<p><b>Range:</b> no assumption has a range yet.</p>"
    def shown(name: str, value: float) -> str:
        return f"{value:.0%}" if name in roi.SHOWN_AS_PERCENT else number(value)

    drivers = "".join(
        f"<li>{escape(s.label)}: ROI {s.roi_at_low:,.0f}% at {shown(s.name, s.low)} to {s.roi_at_high:,.0f}% at "
        f"{shown(s.name, s.high)}</li>" for s in swings[:3]
    ) or "<li>No ranges given.</li>"
    question = escape(plan.goals.business_improvement or "Not stated yet (step 1, Goals).")
    kpi = escape(f"{r.kpi_name} ({r.kpi_unit})" if r.kpi_name else "the business KPI")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(plan.name)}: executive summary</title>
<style>body{{font-family:system-ui,sans-serif;max-width:760px;margin:2em auto;line-height:1.45;color:#222}}
h1{{font-size:1.5em}} .big{{font-size:1.3em}} .note{{color:#666;font-size:.9em}}</style></head>
<body>
<h1>{escape(plan.name)}</h1>
<p class="note">Executive summary · {date.today().isoformat()} · Pilot ROI {__version__} ·
{basis_note}</p>
<h2>The question</h2><p>{question}</p>
<h2>The design</h2><p>{arms.treated_people:,} treated and {arms.control_people:,} control people{clusters};
effect isolated by {escape(ISOLATION_WORDS.get(r.isolation_method, r.isolation_method))}; {counted}, for
{r.horizon_months} months{", fading " + f"{r.monthly_decay:.0%}" + " a month" if r.monthly_decay else ""}.</p>
<p>{escape(power_sentence)}</p>
<h2>The result</h2>
<p class="big">ROI <b>{result.roi_pct:,.0f}%</b> · benefit-cost ratio <b>{result.bcr:.2f}</b> ·
net benefit <b>${result.net_benefit:,.0f}</b> · payback {payback}</p>
<p>Costs ${result.total_cost:,.0f} (fully loaded); benefits ${result.total_benefit:,.0f}.
The program breaks even at an effect of {number(result.break_even_effect or 0)} per participant on {kpi};
{effect_note}</p>
{range_line}
<h2>The assumptions that matter most</h2><ul>{drivers}</ul>
<p class="note">Adjusted for adoption {r.adoption:.0%}, attribution {r.attribution:.0%} and confidence
{r.confidence:.0%} (Phillips ROI Methodology). Value per unit: {escape(r.value_source or "source not stated")}.</p>
</body></html>
"""

"""The live what-if panel of the ROI page: sliders, metrics and charts in one fragment.

Sliders live only in the session: moving one reruns this fragment alone and never writes the saved
plan. "Save as scenario" is the one way their values reach the plan.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from core import charts, decision, roi, sensitivity
from core.pilot import PilotFacts
from core.plan import Plan, Scenario
from core.roi import RoiInputs
from core.words import amount, chance, money, number
from ui import run_log, session, widgets
from ui.text import md

FORMATS = {**{name: "%.0f" for name in roi.RATES}, "participants": "%.0f", "monthly_decay": "%.1f"}


def _signature(inputs: RoiInputs) -> str:
    """Changes when the saved assumptions change, so sliders restart from the saved values."""
    text = json.dumps(vars(inputs), default=lambda o: vars(o), sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def _slider_key(inputs: RoiInputs, name: str, where: str) -> str:
    """Each page has its own slider keys: a widget key shared by two pages loses its value when a person goes
    straight from one to the other (Streamlit resets it to the slider's minimum)."""
    return session.key(f"live.{where}.{_signature(inputs)}.{name}")


def _bounds(inputs: RoiInputs, name: str) -> tuple[float, float, float]:
    """(min, max, step) of the slider for one assumption, in the units the slider shows."""
    value = getattr(inputs, name)
    r = inputs.ranges.get(name)
    if name in roi.RATES:
        return 0.0, 100.0, 1.0
    if name == "monthly_decay":  # the saved value always inside, so the slider starts where the plan is
        return 0.0, min(99.0, max(30.0, (r.high * 100 if r else 0) + 5, value * 100 + 5)), 0.5
    if name == "participants":
        return 0.0, float(max(10, 3 * value, r.high if r else 0)), 1.0
    low = min(0.0, r.low if r else 0.0, value)
    high = max(2 * abs(value), (r.high * 1.2) if r else 0.0, 1.0)
    step = 10 ** math.floor(math.log10((high - low) / 200))  # a round step: 10, not 10.81
    return float(math.floor(low / step) * step), float(math.ceil(high / step) * step), float(step)


def _to_slider(name: str, value: float, bounds: tuple[float, float, float]) -> float:
    return float(min(max(roi.to_shown(name, value), bounds[0]), bounds[1]))


def _scenarios(inputs: RoiInputs, plan: Plan) -> dict[str, dict[str, float]]:
    try:
        named = sensitivity.standard_scenarios(inputs)
    except ValueError:
        named = {"Expected": roi.values_of(inputs)}
    for scenario in plan.scenarios:
        named[f"Saved: {scenario.name}"] = {**roi.values_of(inputs), **scenario.values}
    return named


def _apply_scenario(plan: Plan, facts: PilotFacts, choice_key: str, where: str) -> None:
    inputs = roi.inputs(plan, facts)
    values = _scenarios(inputs, plan).get(st.session_state[choice_key])
    if values is None:
        return
    for name, value in values.items():
        st.session_state[_slider_key(inputs, name, where)] = _to_slider(name, value, _bounds(inputs, name))


def require_roi(plan: Plan, facts: PilotFacts, cannot: str) -> RoiInputs:
    """The plan's ROI inputs, or (when they cannot be evaluated) what is wrong, a link to step 6 and a stop.
    `cannot` starts the message: "The ROI cannot be shown yet"."""
    inputs = roi.inputs(plan, facts)
    try:
        roi.evaluate(inputs)
    except roi.InputError as exc:
        st.error(md(f"{cannot}: {exc} Fix it on the ROI page."))
        st.page_link("views/roi.py", label="Go to 6 ROI", icon="💰")
        st.stop()
    return inputs


@st.fragment
@run_log.timed("live panel")
def panel(plan: Plan, facts: PilotFacts, *, presenter: bool = False) -> None:
    """The sliders and what they change. `presenter`: the meeting-room layout — the big numbers and the two
    charts that matter (tornado, range) above the sliders, no tables or detail charts."""
    inputs = roi.inputs(plan, facts)
    scenarios = _scenarios(inputs, plan)
    top = st.container() if presenter else None  # filled once the sliders are read, shown above them
    where = "present" if presenter else "roi"
    choice_key = session.key(f"live.{where}.scenario")
    st.selectbox("Scenario", list(scenarios), index=list(scenarios).index("Expected"), key=choice_key,
                 on_change=_apply_scenario, args=(plan, facts, choice_key, where),
                 help="The stress test and the best case put every ranged assumption at its worse or better end at "
                      "once: far rarer than the Monte Carlo's P10 and P90, which is why they are not called "
                      "conservative or optimistic.")
    values: dict[str, float] = {}
    columns = st.columns(4)
    for i, (name, (label, _kind)) in enumerate(roi.ASSUMPTIONS.items()):
        bounds = _bounds(inputs, name)
        key = _slider_key(inputs, name, where)
        if key not in st.session_state:
            st.session_state[key] = _to_slider(name, getattr(inputs, name), bounds)
        unit = " (%)" if name in roi.SHOWN_AS_PERCENT else ""
        if name == "value_per_unit":  # in the KPI's own unit: "Value ($ per extra deal)"
            label, unit = "Value", f" ({md(inputs.value_unit)})"
        elif name == "effect" and inputs.kpi_unit:
            unit = f" ({md(inputs.kpi_unit)})"
        with columns[i % 4]:
            shown = st.slider(f"{label}{unit}", min_value=bounds[0], max_value=bounds[1], step=bounds[2],
                              key=key, format=FORMATS.get(name) or widgets.number_format(getattr(inputs, name)))
        values[name] = roi.from_shown(name, shown)

    what_if = roi.with_values(inputs, values)
    saved = roi.evaluate(inputs)
    try:
        result = roi.evaluate(what_if)
    except roi.InputError as exc:
        st.error(str(exc))
        return
    changed = {n: v for n, v in values.items() if abs(v - roi.values_of(inputs)[n]) > 1e-12}
    kind = "observed effect" if roi.basis(plan) == "observed" else "forecast"
    try:  # the range and the tornado follow the sliders, so every figure on screen tells one story
        shown = what_if if changed else inputs
        mc = (sensitivity.monte_carlo(what_if) if changed else _kept("mc", inputs, sensitivity.monte_carlo)
              ) if shown.ranges else None
        swings = (sensitivity.one_way(what_if) if changed else _kept("swings", inputs, sensitivity.one_way)
                  ) if shown.ranges else []
        saved_mc = _kept("mc", inputs, sensitivity.monte_carlo) if changed and inputs.ranges else mc
        range_error = ""
    except roi.InputError as exc:
        mc, swings, saved_mc, range_error = None, [], None, str(exc)
    with top or st.container():
        _metrics(inputs, result, saved, kind, big=presenter, mc=mc, what_if=bool(changed), saved_mc=saved_mc)
        st.caption(md(
            f"Total cost {money(result.total_cost)}; total benefit {money(result.total_benefit)} over "
            f"{inputs.horizon_months} months"
            + (f" ({money(result.present_benefit)} discounted at {inputs.discount_rate:.0%} a year; discounted ROI "
               f"{result.discounted_roi_pct:,.0f}%). " if inputs.horizon_months > 12 else ". ")
            + ("Slider values differ from the saved plan: " + ", ".join(roi.ASSUMPTIONS[n][0] for n in changed)
               + ". The saved plan is unchanged." if changed else "Showing the saved assumptions.")
        ))
        if range_error:
            st.error(md(f"The uncertainty ranges cannot be used: {range_error}"))
        if mc is not None:
            if not presenter:
                st.markdown(
                    f"**Range ({kind}{', at the slider values' if changed else ''}):** P10 {mc.p10:,.0f}% · "
                    f"P50 {mc.p50:,.0f}% · P90 {mc.p90:,.0f}% · "
                    f"probability ROI > 0: **{chance(mc.prob_positive)}** "
                    f"({mc.draws:,} draws, seed {mc.seed}"
                    + (f"; ranges widened to include {', '.join(mc.stretched)}" if mc.stretched else "") + ")"
                )
            if changed and saved_mc is not None:
                where_in = sensitivity.where_in(saved_mc.rank_of(result.roi_pct))
                st.caption(f"What-if: the headline, the range and the tornado are at the slider values. The saved plan "
                           f"reads {saved.roi_pct:,.0f}% (P10 {saved_mc.p10:,.0f}% to P90 {saved_mc.p90:,.0f}%, "
                           f"chance of a gain {chance(saved_mc.prob_positive)}); these sliders put the ROI "
                           f"{where_in} of its range.")
            else:
                st.caption(decision.headline_note(result.roi_pct, mc))
            left, right = st.columns(2)
            left.plotly_chart(charts.tornado(swings, result.roi_pct), key="roi-tornado")
            right.plotly_chart(charts.distribution(mc), key="roi-distribution")
        elif not what_if.ranges:
            st.info("Give ranges to the uncertain assumptions on the ROI page to see the tornado and the ROI range.")
    if presenter:
        st.subheader("Scenarios side by side")
        scenario_comparison(plan, facts, now=values if changed else None)
        return
    st.caption(md("Break-even (each alone, the others as set): " + "; ".join(_break_even(what_if)) + "."))
    with st.expander("Assumptions behind these figures"):
        used = [(label, values[name], "slider" if name in changed else "saved plan")
                for name, (label, _) in roi.ASSUMPTIONS.items()]
        used += [("Benefit kind", inputs.benefit_kind.replace("_", "-"), "saved plan"),
                 ("Horizon (months)", inputs.horizon_months, "saved plan"),
                 ("Value per unit comes from", inputs.value_source or "not stated", "saved plan")]
        st.dataframe({"assumption": [u[0] for u in used], "value": [number(u[1]) if isinstance(u[1], float)
                                                                    else str(u[1]) for u in used],
                      "from": [u[2] for u in used]}, hide_index=True, width="stretch")
    left, right = st.columns(2)
    left.plotly_chart(charts.waterfall(result), key="roi-waterfall")
    right.plotly_chart(charts.payback(result), key="roi-payback")
    _save_scenario(changed, values)


def _kept(what: str, inputs: RoiInputs, compute: Callable[[RoiInputs], Any]) -> Any:
    """The saved plan's Monte Carlo or tornado, kept in the session while its assumptions stay the same: a
    slider move does not change them, so they are not drawn again and the charts stay still."""
    key = f"live.{what}.{_signature(inputs)}"
    if key not in st.session_state:
        st.session_state[key] = compute(inputs)
    return st.session_state[key]


def _metrics(inputs: RoiInputs, result: roi.RoiResult, saved: roi.RoiResult, kind: str, *, big: bool,
             mc: sensitivity.MonteCarlo | None = None, what_if: bool = False,
             saved_mc: sensitivity.MonteCarlo | None = None) -> None:
    """The figures in rows of three, so none is cut off on a 1,280 px projector; `big` (presenter): the range
    and the chance of a gain next to the headline."""
    label = f"ROI ({kind}, roll-out)" if inputs.scope == "rollout" else f"ROI ({kind})"
    if inputs.horizon_months > 12:
        label = label[:-1] + ", undiscounted)"
    at = "the slider values" if what_if else "every assumption at its most likely value"
    items = [(label, f"{result.roi_pct:,.0f}%", f"(benefits − costs) ÷ costs × 100, {at}",
              _delta(result.roi_pct - saved.roi_pct, "pts"))]
    if big and mc is not None:
        whose = "At the slider values" if what_if else "The saved plan's range"
        before = saved_mc if what_if and saved_mc is not None else None
        items += [("Range (P10 to P90)", f"{mc.p10:,.0f}% to {mc.p90:,.0f}%",
                   f"{whose}: 80% of the Monte Carlo draws fall in it"
                   + (f" (saved plan: {before.p10:,.0f}% to {before.p90:,.0f}%)" if before else ""), None),
                  ("Chance ROI > 0", chance(mc.prob_positive), f"{mc.draws:,} Monte Carlo draws, seed {mc.seed}"
                   + ("; the effect is drawn from its 95% confidence interval as if it were a probability "
                      "distribution: a useful approximation, not a Bayesian probability" if kind.startswith("observed")
                      else ""),
                   _delta(100 * (mc.prob_positive - before.prob_positive), "pts") if before else None),
                  ("Simulated median (P50)", f"{mc.p50:,.0f}%", "half the draws are below it", None)]
    items.append(("Benefit-cost ratio", f"{result.bcr:,.2f}", "benefits ÷ costs", None))
    if inputs.horizon_months > 12:
        items.append(("Net present value", money(result.npv),
                      f"Benefits discounted at {inputs.discount_rate:.0%} a year, minus costs; undiscounted "
                      f"{money(result.net_benefit)} (ROI {result.roi_pct:,.0f}% undiscounted, "
                      f"{result.discounted_roi_pct:,.0f}% discounted).", None))
    else:
        items.append(("Net benefit", money(result.net_benefit), "benefits − costs", None))
    items.append(("Payback", f"{result.payback_months:.1f} months" if result.payback_months is not None
                  else f"> {inputs.horizon_months} months",
                  "Counted from the first month after the program (month 0)"
                  + ("" if result.payback_months is not None else "; not within the horizon") + ".", None))
    unit = inputs.kpi_unit or "KPI units"
    break_even = md(amount(result.break_even_effect, unit)) if result.break_even_effect else "none"
    items.append(("Break-even effect", break_even,
                  f"The effect per participant, in {md(unit)}, at which benefits equal costs.", None))
    for start in range(0, len(items), 3):
        for column, (title, value, help_text, delta) in zip(st.columns(3), items[start:start + 3], strict=False):
            column.metric(title, value, delta=delta, help=help_text, border=big)


def _save_scenario(changed: dict[str, float], values: dict[str, float]) -> None:
    name_col, button_col = st.columns([3, 1])
    scenario_name = name_col.text_input("Scenario name", key=session.key("live.scenario_name"),
                                        placeholder="e.g. CFO: effect halves after 3 months", max_chars=100)
    if button_col.button("Save as scenario", key=session.key("live.save_scenario")):
        clean = scenario_name.strip()
        if not clean:
            st.error("Give the scenario a name first.")
        else:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            scenario = Scenario(clean, changed or dict(values), stamp)
            session.update(lambda p: setattr(p, "scenarios", [s for s in p.scenarios if s.name != clean]
                                             + [scenario]))
            st.session_state["flash"] = ("success", f"Saved scenario “{clean}”.")
            st.rerun()


def _break_even(inputs: RoiInputs) -> list[str]:
    """How low each benefit multiplier could go before the program stops paying for itself."""
    parts = []
    for name in ("adoption", "attribution", "confidence", "contribution_margin", "value_per_unit"):
        value = roi.break_even_value(inputs, name)
        label = roi.ASSUMPTIONS[name][0].lower()
        if value is None:
            continue
        if name in roi.SHOWN_AS_PERCENT:
            parts.append(f"{label} {value:.0%}" if value <= 1 else f"{label}: not reachable even at 100%")
        else:
            parts.append(f"{label} {money(value) if value >= 100 else f'${value:,.2f}'}")
    return parts or ["no benefit to compare"]


def _delta(value: float, unit: str) -> str | None:
    return None if abs(value) < 0.05 else f"{value:+,.0f} {unit} vs saved"


def scenario_comparison(plan: Plan, facts: PilotFacts, *, now: dict[str, float] | None = None) -> None:
    """The named scenarios side by side (table and chart), each placed in the saved plan's Monte Carlo
    distribution; `now`: the sliders' values when they differ from the saved plan, shown as one more scenario so
    the chart never disagrees with the headline above it."""
    inputs = roi.inputs(plan, facts)
    named = _scenarios(inputs, plan)
    if now is not None:
        named["What-if (the sliders now)"] = now
    try:
        mc = _kept("mc", inputs, sensitivity.monte_carlo) if inputs.ranges else None
        found = sensitivity.compare(inputs, named, mc)
    except roi.InputError as exc:
        st.error(md(f"The scenarios cannot be compared: {exc}"))
        return
    st.dataframe(
        {"scenario": [s.name for s in found], "ROI": [f"{s.roi_pct:,.0f}%" for s in found],
         "in the Monte Carlo": [s.where for s in found], "BCR": [f"{s.bcr:,.2f}" for s in found],
         "net benefit": [money(s.net_benefit) for s in found],
         "payback": [f"{s.payback_months:.1f} months" if s.payback_months is not None
                     else f"> {inputs.horizon_months} months" for s in found]},
        hide_index=True, width="stretch",
        column_config={"scenario": st.column_config.TextColumn(width="large")})
    st.caption("The stress test and the best case put every ranged assumption at its worse or better end at once; "
               "“in the Monte Carlo” says how rare that is in the saved plan's range.")
    st.plotly_chart(charts.scenarios(found, mc), key="scenario-chart")

"""Step 6 ROI: fully loaded costs, monetised benefits, live sensitivity, the Phillips check."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core import charts, export, phillips, pilot, results, roi, sample_pilot, sensitivity
from core.plan import CostLine, Range
from core.words import interval, number
from ui import datasets, live, session, widgets
from ui.text import md

plan = session.require_plan()
facts = pilot.facts(plan, datasets.joined(plan))
inputs = roi.inputs(plan, facts)
kpi = plan.primary_kpi()
st.title("6 ROI")
if plan.results.observed is not None:
    MODES = {"forecast": "Forecast: the effect assumed in the plan",
             "observed": "Observed: the effect the pilot measured (step 5)"}
    widgets.bound(st.radio, "Which effect", "roi.mode", lambda p, v: setattr(p.roi, "mode", v), options=list(MODES),
                  format_func=MODES.get, index=list(MODES).index(plan.roi.mode), horizontal=True)
if roi.basis(plan) == "observed":
    o = plan.results.observed
    try:
        beside = f" Beside it, the forecast with the assumed effect ({number(plan.pilot.effect)}): ROI " \
                 f"{roi.evaluate(roi.forecast_inputs(plan, facts)).roi_pct:,.0f}%."
    except roi.InputError:
        beside = ""
    low, high = sorted((pilot.direction(plan) * o.ci_low, pilot.direction(plan) * o.ci_high))
    st.caption(f"**Observed**: the effect is the pilot's estimate, an improvement of {number(inputs.effect)} (95% CI "
               f"{interval(low, high)}); the Monte Carlo draws it from that interval. Costs and the other "
               f"assumptions are still forecasts.{beside}")
    if o.interim:
        st.warning(f"Interim: the effect was read at {o.months} of the measurement window's {o.of_months} months, "
                   "not the registered outcome. The decision waits for the end of the window, or for the "
                   "registered boundary.")
    if sample_pilot.is_simulated(plan):
        st.info(sample_pilot.label(plan), icon="🧪")
elif roi.observed_is_stale(plan):
    st.warning("The observed effect was measured on other arms, windows, data or another KPI (or guardrail) than "
               "the plan has now, so this page uses the forecast. Open step 5 and use its new estimate.")
else:
    st.caption("**Forecast**: every figure on this page comes from the assumptions below. Once step 5 measures the "
               "pilot's effect, you can switch to the observed effect here.")
try:
    roi.validate(inputs)
    roi.evaluate(inputs)
    problem: roi.InputError | None = None
except roi.InputError as exc:
    problem = exc


def show_problem(field: str) -> None:
    if problem is not None and problem.field.split("[")[0] == field:
        st.error(md(str(problem)))


def pct(label: str, name: str, *, help: str | None = None) -> None:
    measured = name in roi.MEASURED and roi.basis(plan) == "observed" and inputs.isolation_method == "control_group"
    widgets.bound(
        st.number_input, f"{label} (%)", f"roi.{name}.{measured}",
        lambda p, v, n=name: setattr(p.roi, n, v / 100), value=round(getattr(inputs, name) * 100, 4),
        **widgets.limits(f"roi.{name}"), step=5.0, disabled=measured,
        help=("100% with the observed effect: the control group's intent-to-treat estimate already holds it. "
              f"The forecast uses {getattr(plan.roi, name):.0%}.") if measured else help,
    )
    show_problem(name)


# -- live results: the part stakeholders play with ---------------------------------------------------
st.header("ROI at a glance", anchor="glance")
if problem is None:
    st.page_link("views/present.py", label="Present this in a meeting: big numbers, sliders, and the saved "
                 "scenarios side by side", icon="🖥️")
    live.panel(plan, facts)
else:
    st.warning(md(f"Fix the input below first: {problem}"))

reports = datasets.reports(plan)  # cached per file; the deferred callable below runs outside the script
st.download_button(
    "Download the Excel workbook (live formulas)",
    lambda: export.workbook_bytes(plan, reports=reports, facts=facts),
    file_name=export.file_name(plan), icon="📥", key="roi-xlsx", disabled=problem is not None,
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
)

# -- the Phillips check --------------------------------------------------------------------------------
st.header("Would Finance trust this number?", anchor="phillips-check")
flags = phillips.check(inputs, observed=roi.basis(plan) == "observed", observed_wanted=plan.roi.mode == "observed")
if not flags:
    st.success("No flags: the inputs follow the Phillips guiding principles.")
for flag in flags:
    st.markdown(f"- ⚠️ {md(flag.message)} [Fix it](#{flag.section})")

# -- costs ---------------------------------------------------------------------------------------------
st.header("Costs, fully loaded", anchor="costs")
st.caption("Phillips: fully load all costs. A per-participant line is multiplied by the participants.")
SCOPES = {"pilot": f"The pilot's treated arm ({pilot.treated_people(plan, facts):,} people, step 4)",
          "rollout": "A roll-out forecast (how many people would get it)"}
scope_col, rollout_col = st.columns([2, 1])
with scope_col:
    everyone = len(facts.roster.people) if facts.roster is not None else 0

    def set_scope(p, v):
        p.roi.scope = v
        if v == "rollout" and not p.roi.rollout_participants:
            p.roi.rollout_participants = everyone or 2 * pilot.treated_people(p, facts)

    widgets.bound(st.radio, "Whose benefits and costs are counted", "roi.scope", set_scope,
                  options=list(SCOPES), format_func=SCOPES.get,
                  index=list(SCOPES).index(inputs.scope), horizontal=True,
                  help="The pilot's own ROI counts its treated people. A roll-out forecast (e.g. all 1,200 reps) "
                       "is labelled as such everywhere.")
    if facts.ran is not None and facts.ran.differs:  # as run is said, never silently swapped in for the plan
        st.caption(md(results.arms_statement(plan, facts.ran)))
with rollout_col:
    if inputs.scope == "rollout":
        widgets.bound(st.number_input, "Roll-out: people who would get the program (forecast)",
                      "roi.rollout_participants", lambda p, v: setattr(p.roi, "rollout_participants", int(v)),
                      value=int(inputs.rollout_participants), **widgets.limits("roi.rollout_participants", int),
                      step=1)
    else:
        st.metric("Participants", f"{inputs.participants:,}", help="The treated arm of the pilot (step 4).")
middle, right = st.columns(2)
with middle:
    widgets.bound(st.number_input, "Hours each participant spends", "roi.participant_hours",
                  lambda p, v: setattr(p.roi, "participant_hours", v), value=float(inputs.participant_hours),
                  **widgets.limits("roi.participant_hours"), step=1.0)
with right:
    widgets.bound(st.number_input, "Loaded hourly wage ($)", "roi.loaded_hourly_wage",
                  lambda p, v: setattr(p.roi, "loaded_hourly_wage", v), value=float(inputs.loaded_hourly_wage),
                  **widgets.limits("roi.loaded_hourly_wage"), step=5.0,
                  help="Salary plus benefits and overhead, per hour.")
lines = widgets.table(
    "roi.costs",
    [vars(line) for line in plan.roi.costs],
    dtypes=widgets.dtypes_of(CostLine),
    column_config={
        "category": st.column_config.TextColumn("Category", required=True, max_chars=100),
        "amount": st.column_config.NumberColumn("Amount ($)", **widgets.limits("costs.amount"), format="dollar"),
        "per_participant": st.column_config.CheckboxColumn("Per participant"),
        "note": st.column_config.TextColumn("Source / note", max_chars=300),
    },
)
if lines is not None and (new_lines := [CostLine(r["category"] or "Other", r["amount"] or 0.0, r["per_participant"],
                                                r["note"]) for r in lines]) != plan.roi.costs:
    widgets.commit(lambda p: setattr(p.roi, "costs", new_lines))
show_problem("costs")

# -- benefits ------------------------------------------------------------------------------------------
st.header("Benefits", anchor="benefits")
KINDS = {"recurring": "Recurring: a monthly improvement", "one_time": "One-time per participant"}
widgets.bound(st.radio, "Kind of benefit", "roi.benefit_kind",
              lambda p, v: setattr(p.roi, "benefit_kind", v), options=list(KINDS), format_func=KINDS.get,
              index=list(KINDS).index(inputs.benefit_kind), horizontal=True)
if kpi is None:
    st.info("Mark the primary KPI in step 3: the ROI values its unit with the money value given there.")
else:
    st.caption(md(f"Business KPI: {kpi.name} ({kpi.unit or 'no unit'}), the pilot's primary KPI (step 3)."))


def set_kpi(name: str):
    def apply(p, v):
        k = p.primary_kpi()
        if k is not None:
            setattr(k, name, v)
    return apply


a, b = st.columns(2)
with a:
    effect_label = ("Effect per participant per month" if inputs.benefit_kind == "recurring"
                    else "Effect per participant (once)")
    observed_mode = roi.basis(plan) == "observed"
    widgets.bound(st.number_input, f"{effect_label} ({md(inputs.kpi_unit or 'KPI units')})"
                  + (" — observed, step 5" if observed_mode else ""), f"pilot.effect.{observed_mode}",
                  lambda p, v: setattr(p.pilot, "effect", float(v)), value=float(inputs.effect),
                  **widgets.limits("pilot.effect"), format=widgets.number_format(inputs.effect),
                  disabled=observed_mode,
                  help="The improvement in the business KPI for one participant: the pilot's effect (step 4 plans "
                       "to detect the same number). Phillips: be conservative. With the observed effect chosen "
                       "above, it is the pilot's estimate and cannot be typed.")
    show_problem("effect")
    widgets.bound(st.text_input, "Where the value per unit comes from", "kpi.value_source", set_kpi("value_source"),
                  value=kpi.value_source if kpi else "", max_chars=300, disabled=kpi is None,
                  help="Most credible first: standard value, historical cost, expert, external database, "
                       "linked measure, estimate. Kept with the primary KPI (step 3).")
with b:
    widgets.bound(st.number_input, f"Value of the KPI ({md(inputs.value_unit)})",
                  "kpis.value_per_unit", set_kpi("value_per_unit"), value=float(inputs.value_per_unit),
                  **widgets.limits("kpis.value_per_unit"), format=widgets.number_format(inputs.value_per_unit),
                  disabled=kpi is None)
    show_problem("value_per_unit")
    if plan.design.design:
        st.caption(f"The effect is isolated by {roi.ISOLATION_WORDS[inputs.isolation_method]} (step 4's design).")
    else:
        methods = list(roi.ISOLATION_WORDS)
        widgets.bound(st.selectbox, "How the effect is isolated", "roi.isolation_method",
                      lambda p, v: setattr(p.roi, "isolation_method", v), options=methods,
                      format_func=lambda k: roi.ISOLATION_WORDS[k].capitalize(),
                      index=methods.index(inputs.isolation_method),
                      help="Step 4's design decides this once one is chosen.")
c1, c2, c3, c4 = st.columns(4)
with c1:
    pct("Adoption", "adoption", help="Share of participants who apply it on the job.")
with c2:
    pct("Contribution margin", "contribution_margin", help="100% for cost savings; the margin for revenue.")
with c3:
    pct("Attribution to the program", "attribution", help="Share of the improvement due to the program.")
with c4:
    pct("Confidence", "confidence", help="Phillips: adjust estimates for error.")
d1, d2, d5, d3, d4 = st.columns(5)
with d1:
    pct("Monthly decay", "monthly_decay", help="How fast the effect fades each month.")
with d2:
    widgets.bound(st.number_input, "Horizon (months)", "roi.horizon_months",
                  lambda p, v: setattr(p.roi, "horizon_months", int(v)), value=int(inputs.horizon_months),
                  **widgets.limits("roi.horizon_months", int), step=1,
                  help="Counted from the first month after the program (month 0), when payback starts too. "
                       "Phillips: first-year benefits only for short programs.")
    show_problem("horizon_months")
with d5:
    pct("Discount rate a year", "discount_rate",
        help="Finance's cost of capital (10% unless Finance gives you theirs). Beyond 12 months the ROI is shown "
             "discounted too (NPV): a dollar in year two is worth less than one today.")
with d3:
    widgets.bound(st.number_input, "Program length (months)", "roi.program_months",
                  lambda p, v: setattr(p.roi, "program_months", int(v)), value=int(inputs.program_months),
                  **widgets.limits("roi.program_months", int), step=1)
with d4:
    widgets.bound(st.number_input, "One-time benefit realised over (months)", "roi.realisation_months",
                  lambda p, v: setattr(p.roi, "realisation_months", int(v)), value=int(inputs.realisation_months),
                  **widgets.limits("roi.realisation_months", int), step=1, disabled=inputs.benefit_kind != "one_time")
    show_problem("realisation_months")

# -- ranges --------------------------------------------------------------------------------------------
st.header("Uncertainty ranges", anchor="ranges")
st.caption("Low and high for each uncertain assumption (rates in %). They drive the tornado, the Monte Carlo "
           "range and the conservative / optimistic scenarios; the expected value is the one above.")
LABELS = {name: label for name, (label, _) in roi.ASSUMPTIONS.items()}
BY_LABEL = {label: name for name, label in LABELS.items()}
# the plan's own ranges are edited, never the derived ones: in observed mode the effect's range is the pilot's
# interval (and a control group's effect carries no attribution or confidence range), shown, not saved
locked = {n for n in ("effect", *roi.MEASURED)
          if roi.basis(plan) == "observed" and (n == "effect" or n not in inputs.ranges)}
editable = {n: r for n, r in plan.roi.ranges.items() if n not in locked}
if locked & set(plan.roi.ranges) or "effect" in locked:
    st.caption("Observed mode: the effect's range is the pilot's 95% interval"
               + (" and adoption, attribution and confidence are 100% (the control group's estimate already "
                  "averages over who applied it, and isolated the effect)" if set(roi.MEASURED) & locked else "")
               + "; the plan's own ranges for them are kept for the forecast.")
rows = widgets.table(
    "roi.ranges",
    [{"assumption": LABELS[n], "low": roi.to_shown(n, r.low), "high": roi.to_shown(n, r.high),
      "distribution": r.distribution} for n, r in editable.items()],
    dtypes={"assumption": "str", "low": "float64", "high": "float64", "distribution": "str"},
    column_config={
        "assumption": st.column_config.SelectboxColumn("Assumption", options=list(BY_LABEL), required=True),
        "low": st.column_config.NumberColumn("Low"),
        "high": st.column_config.NumberColumn("High"),
        "distribution": st.column_config.SelectboxColumn("Distribution", options=["pert", "triangular"],
                                                         default="pert"),
    },
)
if rows is not None:  # saved only when a person edits the table
    ranges: dict[str, Range] = {}
    incomplete = []
    for row in rows:
        name = BY_LABEL.get(row["assumption"])
        if name is None or row["low"] is None or row["high"] is None:
            incomplete.append(row["assumption"] or "(no assumption chosen)")
            continue
        ranges[name] = Range(roi.from_shown(name, row["low"]), roi.from_shown(name, row["high"]),
                             row["distribution"] or "pert")
    if incomplete:
        st.info(md(f"Not used until complete: {', '.join(incomplete)} (choose the assumption and give low and high)."))
    if ranges != editable:
        candidate = dataclasses.replace(inputs, ranges={**ranges, **{n: r for n, r in inputs.ranges.items()
                                                                     if n in locked}})
        try:
            sensitivity.check_ranges(candidate)
        except roi.InputError as exc:
            st.error(md(f"Range not saved: {exc}"))
        else:
            kept = {n: r for n, r in plan.roi.ranges.items() if n in locked}
            widgets.commit(lambda p: setattr(p.roi, "ranges", {**kept, **ranges}))

if problem is None:
    with st.expander("Monthly benefits and cost breakdown (the numbers behind the charts)"):
        result = roi.evaluate(inputs)
        st.plotly_chart(charts.payback(result), key="roi-payback-saved")
        st.dataframe({"category": list(result.cost_breakdown), "amount ($)": list(result.cost_breakdown.values())},
                     hide_index=True)

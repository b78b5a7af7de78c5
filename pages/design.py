"""Step 4 Pilot design: design chooser, power / sample size / MDE against break-even, assignment, timeline,
pre-registration."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st

from core import assignment, charts, design, estimates, ingest, privacy
from core.plan import Assigned, Preregistration
from ui import datasets, session, widgets

plan = session.require_plan()
d = plan.design
st.title("4 Pilot design")
st.caption("A 90-day pilot with a control group is how the effect gets isolated (Phillips: isolate the effect at "
           "least once). This page checks the pilot is big enough to detect the effect that pays for the program.")


def setter(name: str, convert=lambda v: v):
    return lambda p, v: setattr(p.design, name, convert(v))


# -- 1 design ------------------------------------------------------------------------------------------------
st.header("Which design fits", anchor="design")
YES_NO = {"": "Not sure yet", "yes": "Yes", "no": "No"}
questions = [
    ("randomise", "Can you decide by lot who is trained first?"),
    ("contamination", "Do trained people work closely with untrained colleagues (same team, shared practices)?"),
    ("history", "Do you have 12 months or more of the KPI before the pilot, for everyone?"),
]
for column, (field_name, question) in zip(st.columns(3), questions, strict=True):
    with column:
        widgets.bound(st.radio, question, f"design.{field_name}", setter(field_name), options=list(YES_NO),
                      format_func=YES_NO.get, index=list(YES_NO).index(getattr(d, field_name)), horizontal=True)
recommended, reason = design.recommend(d)
if recommended:
    st.info(f"**Recommended: {design.DESIGNS[recommended].title}.** {reason}")
keys = list(design.DESIGNS)
widgets.bound(st.radio, "Design", "design.design", setter("design"), options=keys,
              format_func=lambda k: design.DESIGNS[k].title,
              index=keys.index(d.design or recommended) if (d.design or recommended) else None)
if d.design:
    info = design.DESIGNS[d.design]
    st.markdown(f"- **When it fits:** {info.fits}\n- **What it assumes:** {info.assumes}\n"
                f"- **Threats:** {info.threats}\n- **Analysis:** {info.analysis}")

# -- 2 power ---------------------------------------------------------------------------------------------------
st.header("Is the pilot big enough?", anchor="power")
clustered = d.design == "cluster_rct"
KPI_TYPES = {"continuous": "A number per person (deal size, weeks, score)", "binary": "Yes/no per person (a rate)"}
widgets.bound(st.radio, "Primary KPI", "design.kpi_type", setter("kpi_type"), options=list(KPI_TYPES),
              format_func=KPI_TYPES.get, index=list(KPI_TYPES).index(d.kpi_type), horizontal=True)
binary = d.kpi_type == "binary"
effect = design.effect_to_detect(plan)
unit = "proportion points" if binary else (plan.roi.kpi_unit or "KPI units")
a, b, c, e = st.columns(4)
with a:
    widgets.bound(st.number_input, f"Effect to detect ({unit})", "design.effect", setter("effect"),
                  value=float(effect), format="%.4g",
                  help="Defaults to the effect assumed in the ROI step." if d.effect is None else None)
    if binary:
        widgets.bound(st.number_input, "KPI rate in the control group", "design.p_control", setter("p_control"),
                      value=float(d.p_control), min_value=0.001, max_value=0.999, step=0.05, format="%.3f")
    else:
        widgets.bound(st.number_input, f"Standard deviation of the KPI ({plan.roi.kpi_unit or 'units'})",
                      "design.sd", setter("sd"), value=float(d.sd), min_value=1e-9, format="%.4g")
with b:
    widgets.bound(st.number_input, "Treated people (planned)", "design.n_treatment", setter("n_treatment", int),
                  value=int(d.n_treatment), min_value=0, step=1)
    widgets.bound(st.number_input, "Control people (planned)", "design.n_control", setter("n_control", int),
                  value=int(d.n_control), min_value=0, step=1)
with c:
    widgets.bound(st.number_input, "Significance level α", "design.alpha", setter("alpha"), value=float(d.alpha),
                  min_value=0.001, max_value=0.5, step=0.01, format="%.3f")
    widgets.bound(st.number_input, "Target power", "design.power", setter("power"), value=float(d.power),
                  min_value=0.5, max_value=0.99, step=0.05, format="%.2f")
    ALTS = {"two-sided": "Two-sided (either direction)", "larger": "One-sided: increase", "smaller":
            "One-sided: decrease"}
    widgets.bound(st.selectbox, "Test", "design.alternative", setter("alternative"), options=list(ALTS),
                  format_func=ALTS.get, index=list(ALTS).index(d.alternative))
with e:
    widgets.bound(st.number_input, "Drop-out before measurement (%)", "design.attrition",
                  setter("attrition", lambda v: v / 100), value=round(d.attrition * 100, 4), min_value=0.0,
                  max_value=90.0, step=5.0)
    if not binary:
        widgets.bound(st.number_input, "Pre/post correlation ρ (baseline covariate)", "design.baseline_corr",
                      setter("baseline_corr"), value=float(d.baseline_corr), min_value=0.0, max_value=0.99,
                      step=0.05, help="ANCOVA on the baseline KPI shrinks the variance by 1 − ρ². 0 = no baseline.")
    if clustered:
        widgets.bound(st.number_input, "ICC (similarity within a team)", "design.icc", setter("icc"),
                      value=float(d.icc), min_value=0.0, max_value=0.99, step=0.01, format="%.3f")
        widgets.bound(st.number_input, "People per cluster", "design.cluster_size", setter("cluster_size", int),
                      value=int(d.cluster_size), min_value=1, step=1)

summary = design.power_summary(plan)
needed = summary.needed
m1, m2, m3 = st.columns(3)
m1.metric("Needed per arm", f"{needed.n_treatment:,} + {needed.n_control:,}" if needed else "—",
          help="Treated + control, whole people (whole clusters when clustered), after drop-out.")
m2.metric("Power of the planned pilot", f"{summary.planned_power:.0%}" if summary.planned_power is not None else "—")
m3.metric(f"Smallest detectable effect ({unit})", f"{summary.planned_mde:,.4g}" if summary.planned_mde is not None
          else "—")
if summary.needed_error:
    st.error(f"Sample size: {summary.needed_error}")
if summary.planned_error:
    st.warning(f"Planned pilot: {summary.planned_error}.")

if summary.break_even is None:
    if not binary:
        st.info("Fill in the ROI step to compare this with the effect the program needs to break even.")
elif summary.detects_break_even is False:
    enough = summary.enough
    more = (f" To detect break-even you would need {enough.n_treatment:,} treated and {enough.n_control:,} controls"
            + (f" ({enough.clusters_treatment} + {enough.clusters_control} clusters)" if clustered else "") + "."
            if enough else f" No practical pilot can detect it ({summary.enough_error}).")
    st.warning(f"**This pilot cannot detect the effect that pays for the program.** It needs an effect of "
               f"{summary.break_even:,.4g} {unit} to break even, but can only detect {summary.planned_mde:,.4g}: a "
               f"real break-even effect would most likely look like no effect.{more}")
elif summary.detects_break_even:
    st.success(f"The pilot can detect the break-even effect: it detects {summary.planned_mde:,.4g} {unit} or more; "
               f"the program breaks even at {summary.break_even:,.4g}.")
planned_ok = d.n_treatment > 0 and d.n_control > 0
if planned_ok:
    left, right = st.columns(2)
    ns, powers = design.power_curve(plan, up_to=needed.n_treatment if needed else None)
    left.plotly_chart(charts.power_curve(ns, powers, planned=d.n_treatment, target=d.power), key="design-power-n")
    effects, by_effect = design.power_by_effect(plan, up_to=summary.break_even)
    marks = [(summary.break_even, "break-even")] if summary.break_even else []
    right.plotly_chart(charts.power_curve(effects, by_effect, planned=effect, target=d.power, marks=marks,
                                          title="Power of the planned pilot against the true effect",
                                          x_title=f"true effect ({unit})"), key="design-power-effect")

# -- estimates from the data ------------------------------------------------------------------------------------
joined = datasets.joined(plan)
if joined is not None and joined.periods is not None and not binary:
    with st.expander("Estimate the sd, ICC and ρ from your data (step 2)", expanded=True):
        measures = [c for c, r in joined.roles.items() if r == "measure" and c in joined.periods.columns]
        groups = [c for c, r in joined.roles.items() if r in ("team", "site") and c in joined.periods.columns]
        pick = st.columns(3)
        kpi = pick[0].selectbox("KPI", measures, index=measures.index(design.primary_column(plan, measures)),
                                key=session.key("design.kpi_col"))
        group = pick[1].selectbox("Clusters", groups or ["(none)"], key=session.key("design.group_col"))
        window = pick[2].number_input("Months per measurement window", 1, 6, 3, key=session.key("design.window"))
        try:
            found = estimates.from_panel(joined.periods, kpi, group=None if group == "(none)" else group,
                                         before=d.start_date or None, window_months=int(window))
        except ValueError as exc:
            st.warning(f"Cannot estimate from {kpi}: {exc}.")
        else:
            st.dataframe(pd.DataFrame([
                {"input": "standard deviation", "estimate": found.sd.value, "people": found.sd.n,
                 "from": f"person means, {found.second_window[0]}–{found.second_window[1]}"},
                {"input": f"ICC by {group}", "estimate": found.icc.value, "people": found.icc.n,
                 "from": found.icc.note},
                {"input": "pre/post correlation ρ", "estimate": found.baseline_corr.value,
                 "people": found.baseline_corr.n,
                 "from": f"{found.first_window[0]}–{found.first_window[1]} vs {found.second_window[0]}–"
                         f"{found.second_window[1]}; 95% CI {found.baseline_corr_ci[0]:.2f} to "
                         f"{found.baseline_corr_ci[1]:.2f}"},
            ]), hide_index=True, width="stretch", column_config={"estimate": st.column_config.NumberColumn(
                format="%.4g")})
            if st.button("Use these estimates", key=session.key("design.use_estimates")):
                def apply(p, f=found):
                    if f.sd.value == f.sd.value:
                        p.design.sd = f.sd.value
                    p.design.icc = min(f.icc.for_power, 0.99)
                    p.design.baseline_corr = min(max(f.baseline_corr.value, 0.0), 0.99) \
                        if f.baseline_corr.value == f.baseline_corr.value else 0.0
                session.update(apply)
                st.rerun()

def matched_section(roster: pd.DataFrame, id_col: str, name: str, usable: list[str]) -> None:
    """Trained people (chosen by a column's values) and nearest-neighbour controls on the propensity score."""
    st.caption("Without randomisation, each trained person gets the untrained colleague most like them on the "
               "covariates (logit propensity score, caliper 0.2 sd). Check the balance after matching.")
    others = [c for c in roster.columns if c != id_col]
    m1, m2 = st.columns(2)
    by = m1.selectbox("Trained people are those whose…", others, key=session.key("design.match_by"))
    levels = sorted(roster[by].fillna("").astype(str).unique())[:500]
    chosen = m2.multiselect("is one of", levels, key=session.key("design.match_values"))
    covariates = st.multiselect("Match on", [c for c in usable if c != by], key=session.key("design.match_on"))
    c1, c2 = st.columns(2)
    caliper = c1.number_input("Caliper (sd of the logit)", 0.01, 2.0, 0.2, 0.05, key=session.key("design.caliper"))
    replace = c2.checkbox("A control may serve more than one trained person", key=session.key("design.replace"))
    if st.button("Find matched controls", type="primary", key=session.key("design.match"), disabled=not chosen):
        try:
            table, result, balance = assignment.matched_controls(
                roster, id_col=id_col, treated=roster[by].astype(str).isin(chosen), covariates=covariates,
                caliper_sd=caliper, replace=replace, seed=plan.design.seed or 1)
        except ValueError as exc:
            st.error(f"{name}: {exc}")
            return
        rows = [Assigned(str(r.id), str(r.arm), str(r.group)) for r in table.itertuples()]
        session.update(lambda p: setattr(p.design, "assignment", rows))
        st.session_state[session.key("design.match_balance")] = (balance, len(result.unmatched),
                                                                 len(result.incomplete))
    found = st.session_state.get(session.key("design.match_balance"))
    if found is not None:
        balance, unmatched, incomplete = found
        if unmatched:
            st.warning(f"{unmatched:,} trained people have no control within the caliper and are left out.")
        if incomplete:
            st.warning(f"{incomplete:,} trained people have a missing value in a covariate and are left out.")
        st.dataframe(balance, hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="%.3f")
                                    for c in ("SMD", "SMD after matching")})


# -- 3 assignment ----------------------------------------------------------------------------------------------
st.header("Who is in which arm", anchor="assignment")
st.caption("Draw the list from the people in step 2, or upload a list of eligible people (CSV or XLSX with an id "
           "column). The same people and the same seed always give the same list.")
SOURCES = {"data": "People from step 2 (Data)", "upload": "Upload a list"}
choice = st.radio("Eligible people", list(SOURCES) if joined is not None else ["upload"], format_func=SOURCES.get,
                  horizontal=True, key=session.key("design.roster_source"))
roster: pd.DataFrame | None = None
covariate_columns: list[str] = []
name = "the list"
id_col = "employee_id"
if choice == "data" and joined is not None:
    people = joined.people.reset_index()
    visible = [c for c in people.columns if joined.roles.get(c) not in privacy.HIDDEN_ROLES]
    filters = [c for c, r in joined.roles.items() if r in ("category", "team", "site") and c in people.columns]
    f1, f2 = st.columns(2)
    only_by = f1.selectbox("Only people whose…", ["(everyone)", *filters], key=session.key("design.filter_col"))
    if only_by != "(everyone)":
        levels = sorted(people[only_by].dropna().astype(str).unique())
        chosen = f2.multiselect("is one of", levels, default=levels[:1], key=session.key("design.filter_values"))
        people = people[people[only_by].astype(str).isin(chosen)]
    covariate_columns = [c for c in visible if joined.roles.get(c) in ("measure", "category", "team", "site")]
    roster = people[visible].apply(lambda c: c.map(lambda v: "" if pd.isna(v) else str(v)))
    name = "the Data step's people"
    st.caption(f"{len(roster):,} eligible people.")
else:
    upload = st.file_uploader("Eligible people", type=["csv", "xlsx"], key=session.key("design.roster"))
    if upload is not None:
        try:
            roster = ingest.read_table(upload.getvalue(), upload.name).frame
            name = upload.name
        except ingest.TableError as exc:
            st.error(str(exc))
if roster is not None:
    columns = list(roster.columns)
    if choice != "data":
        guess = next((c for c in columns if "id" in c.lower()), columns[0])
        id_col = st.selectbox("Id column", columns, index=columns.index(guess), key=session.key("design.id_col"))
    if not d.seed:
        session.update(lambda p: setattr(p.design, "seed", random.SystemRandom().randint(1, 999_999)))
    usable = covariate_columns if choice == "data" else [c for c in columns if c != id_col]
    if d.design == "matched":
        matched_section(roster, id_col, name, usable)
    else:
        METHODS = {"simple": "Simple", "stratified": "Stratified (balance by site / job family)",
                   "cluster": "By cluster (whole teams)"}
        widgets.bound(st.radio, "Randomisation", "design.randomisation", setter("randomisation"),
                      options=list(METHODS), format_func=METHODS.get, index=list(METHODS).index(d.randomisation),
                      horizontal=True)
        others = [c for c in columns if c != id_col]
        strata = st.multiselect("Strata", others, key=session.key("design.strata")) \
            if d.randomisation == "stratified" else []
        cluster = st.selectbox("Cluster column", others, index=others.index("team") if "team" in others else 0,
                               key=session.key("design.cluster")) if d.randomisation == "cluster" and others else None
        widgets.bound(st.number_input, "Seed (recorded; same seed, same list)", "design.seed", setter("seed", int),
                      value=int(plan.design.seed), min_value=1, max_value=2**31 - 1, step=1)
        total = d.n_treatment + d.n_control
        share = d.n_treatment / total if total else 0.5
        if st.button("Generate the assignment list", type="primary", key=session.key("assignment.assign")):
            try:
                table = assignment.assign(roster, id_col=id_col, seed=plan.design.seed, method=d.randomisation,
                                      treat_share=share, strata=strata, cluster=cluster)
            except ValueError as exc:
                st.error(f"{name}: {exc}")
            else:
                rows = [Assigned(str(r.id), str(r.arm), str(r.group)) for r in table.itertuples()]
                session.update(lambda p: setattr(p.design, "assignment", rows))
        if plan.design.assignment:
            assigned = pd.DataFrame([vars(a) for a in plan.design.assignment])
            defaults = [c for c in usable if c not in strata and c != cluster][:4]
            covariates = st.multiselect("Balance on", usable, default=defaults, key=session.key("assignment.balance"))
            if covariates:
                merged = roster.assign(**{id_col: roster[id_col].astype(str).str.strip()}).merge(
                    assigned, left_on=id_col, right_on="id", how="inner")
                table = assignment.balance(merged, arm_col="arm", covariates=covariates)
                st.dataframe(table, hide_index=True, width="stretch",
                             column_config={"SMD": st.column_config.NumberColumn(format="%.3f")})

if plan.design.assignment:
    assigned = pd.DataFrame([vars(a) for a in plan.design.assignment])
    counts = assigned["arm"].value_counts()
    st.success(f"Assignment list: {counts.get(assignment.TREATMENT, 0):,} treated, "
               f"{counts.get(assignment.CONTROL, 0):,} controls, seed {plan.design.seed}.")
    st.download_button("Download the assignment list (CSV, real ids for managers)",
                       assigned.to_csv(index=False).encode("utf-8"), file_name="assignment-list.csv",
                       mime="text/csv", key=session.key("design.download"), icon="📥")

# -- 4 timeline ------------------------------------------------------------------------------------------------
st.header("Timeline", anchor="timeline")
t1, t2, t3 = st.columns(3)
with t1:
    start = date.fromisoformat(d.start_date) if d.start_date else None
    widgets.bound(st.date_input, "Intervention starts", "design.start_date",
                  setter("start_date", lambda v: v.isoformat() if v else ""), value=start)
with t2:
    widgets.bound(st.number_input, "Baseline window (months before)", "design.baseline_months",
                  setter("baseline_months", int), value=int(d.baseline_months), min_value=1, max_value=60)
with t3:
    widgets.bound(st.number_input, "Measurement window (days after)", "design.measurement_days",
                  setter("measurement_days", int), value=int(d.measurement_days), min_value=7, max_value=730)
st.plotly_chart(charts.timeline(design.timeline(d)), key="design-timeline")

# -- 5 pre-registration ----------------------------------------------------------------------------------------
st.header("Pre-registration", anchor="preregistration")
st.caption("Lock the primary KPI, hypothesis, design, seed and analysis before the pilot starts. Later edits stay "
           "possible, but are listed here as deviations, so nobody can move the goalposts unseen.")
widgets.bound(st.text_input, "Analysis method", "design.analysis_method", setter("analysis_method"),
              value=d.analysis_method or (design.DESIGNS[d.design].analysis if d.design else ""), max_chars=300)
registered = design.registered_fields(plan)
if d.preregistration is None:
    st.dataframe(pd.DataFrame({"field": list(registered), "value": list(registered.values())}), hide_index=True)
    missing = [k for k, v in registered.items() if not v and k != "Start date"]
    if missing:
        st.info(f"Before locking, fill in: {', '.join(missing)}.")
    if st.button("Lock the pre-registration", disabled=bool(missing), key=session.key("design.lock")):
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        session.update(lambda p: setattr(p.design, "preregistration", Preregistration(stamp, registered)))
        st.rerun()
else:
    st.success(f"Pre-registered at {d.preregistration.locked_at.replace('T', ' ')} UTC.")
    changes = design.deviations(plan)
    if changes:
        st.warning(f"{len(changes)} deviation(s) from the pre-registration:")
        st.dataframe(pd.DataFrame(changes, columns=["field", "registered", "now"]), hide_index=True)
    else:
        st.caption("No deviations from the registration.")

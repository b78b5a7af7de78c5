"""Step 4 Pilot design: the answer first (what this pilot can detect against break-even), then the pilot
definition, the details behind disclosures, the assignment list, the timeline and the pre-registration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape

import pandas as pd
import streamlit as st

from core import assignment, charts, design, pilot, plan_checks, privacy, segments, sites, waves
from core.plan import Preregistration
from core.plan import limit as pilot_limit
from core.words import amount, number
from ui import datasets, sample_run, session, widgets
from ui.text import md

plan = session.require_plan()
joined = datasets.joined(plan)
facts = pilot.facts(plan, joined)
roles = joined.roles if joined is not None else {}
with st.spinner("Working out the power: a waitlist or one-site pilot is simulated the way step 5 will analyse it "
                "(the first time takes a few seconds)…"):
    summary = design.power_summary(plan, facts)
p, d = plan.pilot, plan.design
kpi = facts.kpi
unit = summary.unit

st.title("4 Pilot design")
tone, sentence = design.headline(plan, facts, summary)
getattr(st, tone)(md(sentence))
m1, m2, m3, m4 = st.columns(4)
arms = facts.arms
clustered = facts.clusters is not None
few_eligible = facts.roster is not None and len(facts.roster.people) < privacy.MIN_GROUP
m1.metric("Per arm (treated + control)", f"{arms.treated_people:,} + {arms.control_people:,}",
          help="People in each arm" + (" (from the assignment list)" if arms.source != "plan" else " (planned)"))
simulated = summary.simulated
waved, sited = simulated is not None and d.design == "waves", simulated is not None and d.design == "site"
m2.metric("Power of the waves (simulated)" if waved else "Power of this pilot (placebo simulation)" if sited
          else "Power of this pilot",
          f"{summary.planned_power:.0%}" if summary.planned_power is not None else "—",
          help="The chance the pilot shows a significant improvement if the effect below is real."
          + (f" Simulated: {simulated.simulations} waitlist pilots (± {simulated.margin:.0%}), each analysed as step 5 "
             "will analyse it." if waved else f" Each of {simulated.placebos} other sites in turn in the piloted "
             "site's place, on the history before the start." if sited else ""))
m3.metric("Smallest detectable effect", md(amount(summary.planned_mde, unit)) if summary.planned_mde is not None
          else "—",
          help=f"MDE, in {md(unit)}: the smallest improvement this pilot detects with the target power.")
m4.metric("Break-even effect", md(amount(summary.break_even, unit)) if summary.break_even is not None else "—",
          help=f"In {md(unit)}: the improvement at which the ROI model's benefits equal its costs (step 6).")


def setter(section: str, name: str, convert=lambda v: v):
    return lambda plan_, value: setattr(getattr(plan_, section), name, convert(value))


# -- the pilot ---------------------------------------------------------------------------------------------------
st.header("The pilot", anchor="pilot")
if kpi is None:
    st.info("Mark the primary KPI in step 3 (KPI mapping): the pilot measures it.")
    st.page_link("views/kpis.py", label="Go to KPI mapping", icon="🔗")
else:
    better = "higher" if kpi.better == "higher" else "lower"
    st.caption(md(f"Primary KPI: {kpi.name} ({kpi.unit or 'no unit'}; {better} is better; column "
                  f"{kpi.column or 'none'}). Change it in step 3."))
left, middle, right = st.columns(3)
with left:
    widgets.bound(st.date_input, "Pilot starts on", "pilot.start",
                  setter("pilot", "start", lambda v: v.isoformat() if v else ""), value=pilot.start_date(p),
                  min_value=date(plan_checks.FIRST_YEAR, 1, 1), max_value=date(plan_checks.LAST_YEAR, 12, 31),
                  help="Required before estimates, the assignment list and the pre-registration. Months before "
                       "the start month are the baseline; no window includes a pilot month.")
    if facts.windows is not None:
        w = facts.windows
        st.caption(f"Baseline {pilot.months_label(w.baseline)} · pilot {w.intervention[0]:%d %b} – "
                   f"{w.intervention[1]:%d %b %Y} · measured {pilot.months_label(w.measurement)}")
with middle:
    widgets.bound(st.number_input, f"Effect to detect ({md(unit)}, improvement)", f"pilot.effect.{p.effect}",
                  setter("pilot", "effect", float), value=float(p.effect), **widgets.limits("pilot.effect"),
                  format=widgets.number_format(p.effect),
                  help="The improvement the program should bring per person, in the KPI's units. Positive means "
                       "better (lower, for a KPI where lower is better). The ROI step values the same number.")
    pct = facts.effect_pct(p.effect)
    if pct is not None:
        st.caption(f"= {pct:.1f}% of the baseline {number(facts.baseline)}")
with right:
    options = ([] if d.design == "site" else [""]) + design.cluster_choices(facts.roster, roles)
    if p.cluster_column and p.cluster_column not in options:
        options.append(p.cluster_column)
    widgets.bound(st.selectbox, "Sites are" if d.design == "site" else "Randomise",
                  f"pilot.cluster_column.{d.design == 'site'}", design.set_cluster_column, options=options,
                  index=options.index(p.cluster_column) if p.cluster_column in options else None,
                  format_func=lambda c: ("person by person" if not c else c if d.design == "site"
                                         else f"whole {c} groups"),
                  help="Whole teams (or sites) when trained people would share what they learn with untrained "
                       "colleagues (contamination).", disabled=bool(d.assignment))

a1, a2, a3 = st.columns(3)
locked = bool(d.assignment)
if d.design == "site":
    c = facts.clusters
    if c is None or not c.from_roster or not c.sizes:
        a1.info("Choose the column that names the sites (above) once step 2 has the employees.")
    else:
        names = sorted(s for s in c.sizes if s != pilot.BLANK_GROUP)  # people with no site are no site
        with a1:
            widgets.bound(st.selectbox, f"Piloted {md(c.column)}", "design.site", setter("design", "site"),
                          options=names, index=names.index(d.site) if d.site in names else None,
                          format_func=lambda s: f"{s} ({c.sizes[s]:,} people)", disabled=locked,
                          placeholder=f"Choose the {c.column} that starts first")
        blank = c.sizes.get(pilot.BLANK_GROUP, 0)
        a2.caption(f"Everyone eligible at the piloted {md(c.column)} takes part; the other "
                   f"{arms.control_clusters or 0:,} {md(c.column)}s carry on and make up its synthetic "
                   "twin." + (f" {blank:,} eligible people with no {md(c.column)} are in neither." if blank else ""))
elif d.design == "waves":
    with a1:
        widgets.bound(st.number_input, "Waves", f"pilot.waves.{p.waves}", setter("pilot", "waves", int),
                      value=int(p.waves), **widgets.limits("pilot.waves", int), step=1,
                      disabled=locked, help="Every eligible team gets the program; a random order decides when. "
                                            "Each wave starts one measurement window after the one before.")
    with a2:
        starts = waves.wave_starts(plan)
        if starts:
            st.caption("Waves start: " + ", ".join(f"{i} on {day:%d %b %Y}" for i, day in enumerate(starts, 1))
                       + ". While wave 1 is measured, the waves still waiting are its controls.")
    with a3:
        if facts.clusters is not None and facts.clusters.from_roster and few_eligible is False:
            st.caption(f"{facts.clusters.count:,} {md(facts.clusters.column)} clusters are eligible: "
                       f"{facts.clusters.mean:,.1f} people each on average.")
elif clustered:
    c = facts.clusters
    # no more clusters than the roster has (or than the declared people allow), and k clusters are k × the mean
    # size in people, which pilot.clusters_for reads back as k
    most = c.count if c.from_roster and c.count else int(pilot_limit("pilot.treated_people").high // max(c.mean, 1))
    most = max(most, arms.treated_clusters or 0, arms.control_clusters or 0)  # a stored plan shows as it is

    def clusters_to_people(field):
        return lambda plan_, k: setattr(plan_.pilot, field, round(int(k) * c.mean))

    with a1:
        widgets.bound(st.number_input, f"Treated {md(c.column)} clusters",
                      f"pilot.treated_clusters.{arms.treated_clusters}",
                      clusters_to_people("treated_people"), value=int(arms.treated_clusters or 0),
                      min_value=0, max_value=most, step=1, disabled=locked)
    with a2:
        widgets.bound(st.number_input, f"Control {md(c.column)} clusters",
                      f"pilot.control_clusters.{arms.control_clusters}",
                      clusters_to_people("control_people"), value=int(arms.control_clusters or 0),
                      min_value=0, max_value=most, step=1, disabled=locked)
    with a3:
        if c.from_roster and few_eligible:
            st.caption("Fewer than 5 people are eligible: too few to describe their clusters.")
        elif c.from_roster:
            st.caption(f"{c.count:,} {md(c.column)} clusters are eligible: {c.mean:,.1f} people each on average "
                       f"({c.smallest}–{c.largest}; size spread cv {c.cv:.2f}).")
        else:
            widgets.bound(st.number_input, f"People per {md(c.column)} (until step 2 has data)", "pilot.cluster_size",
                          setter("pilot", "cluster_size", float), value=float(p.cluster_size),
                          **widgets.limits("pilot.cluster_size"), step=1.0)
else:
    with a1:
        widgets.bound(st.number_input, "Treated people", f"pilot.treated_people.{arms.treated_people}",
                      setter("pilot", "treated_people", int), value=int(arms.treated_people),
                      **widgets.limits("pilot.treated_people", int), step=1, disabled=locked)
    with a2:
        widgets.bound(st.number_input, "Control people", f"pilot.control_people.{arms.control_people}",
                      setter("pilot", "control_people", int), value=int(arms.control_people),
                      **widgets.limits("pilot.control_people", int), step=1, disabled=locked)
if locked:
    a3.caption("The arms come from the assignment list below; delete it to plan other sizes.")

roster = facts.roster
if roster is not None and roster.people.empty and facts.column:
    months = joined.periods.loc[joined.periods[facts.column].notna(), "period"]
    span = f"{months.min():%b %Y} to {months.max():%b %Y}" if len(months) else "nowhere"
    window = pilot.months_label(facts.windows.baseline) if facts.windows else "the baseline window"
    st.warning(md(f"Nobody is eligible: no one has {facts.column} in the baseline window ({window}). The data has "
                  f"{facts.column} from {span}: move the start date, or check the eligibility filter."))
with st.expander("Who is eligible", expanded=False):
    if roster is None:
        st.info("Load the employees (HRIS) in step 2: the eligible people, their teams and sizes come from there.")
    else:
        POPULATIONS = {"current": "People already here, who have the KPI before the start",
                       "joiners": "People who join during the pilot (new hires: no baseline)"}
        widgets.bound(st.radio, "Who can take part", "pilot.population", setter("pilot", "population"),
                      options=list(POPULATIONS), format_func=POPULATIONS.get,
                      index=list(POPULATIONS).index(p.population), disabled=locked,
                      help="New hires are eligible when their hire date falls in the intervention; the new hires of "
                           "the year before stand in for them when estimating how much the KPI varies.")
        if p.population == "joiners" and not roster.hire_column:
            st.warning("No hire-date column was found in the employees file (a date column named for hiring, "
                       "joining or starting): set that column's role to Date in step 2.")
        filters = [col for col in roster.people.columns if roles.get(col) in ("category", "team", "site")]
        current = next(iter(p.eligible), "")
        column_key, values_key = session.key("pilot.eligible_column"), session.key("pilot.eligible_values")

        def save_filter() -> None:
            col, values = st.session_state.get(column_key), st.session_state.get(values_key) or []
            session.update(lambda plan_: setattr(plan_.pilot, "eligible", {col: list(values)} if col and values
                                                 else {}))

        f1, f2 = st.columns(2)
        column = f1.selectbox("Only people whose…", ["", *filters], index=([""] + filters).index(current)
                              if current in filters else 0, format_func=lambda col: col or "(everyone)",
                              key=column_key, disabled=locked, on_change=save_filter)
        if column:
            levels = sorted(joined.people[column].astype("string").fillna("").unique())
            f2.multiselect("is one of", levels, default=[v for v in p.eligible.get(column, []) if v in levels],
                           key=values_key, disabled=locked, on_change=save_filter)
        count = len(roster.people)
        shown = f"{count:,}" if count >= 5 or count == 0 else "fewer than 5"
        parts = [f"{shown} eligible people of {roster.in_data:,} in step 2"]
        if roster.filtered_out:
            parts.append(f"{roster.filtered_out:,} left out by the filter")
        if roster.without_kpi:
            parts.append(f"{roster.without_kpi:,} without {facts.column} in the baseline window")
        if roster.not_joining:
            parts.append(f"{roster.not_joining:,} not joining during the intervention")
        st.caption("; ".join(parts) + ".")

# -- variance --------------------------------------------------------------------------------------------------
v = facts.variance
st.caption(f"How much the KPI varies ({v.source}): sd {number(v.sd)}, ICC {v.icc:.3f}, ρ {v.baseline_corr:.2f}.")
with st.expander("How much the KPI varies: sd, ICC and ρ", expanded=bool(v.problem)):
    st.caption("**sd** (standard deviation): how much people's outcome differs — more spread needs more people. "
               "**ICC** (intra-cluster correlation): how alike people in one team are; with whole teams randomised, "
               "each extra person in a team adds less information. **ρ** (pre/post correlation): how well a "
               "person's baseline predicts their outcome; adjusting for it (ANCOVA, also called CUPED) removes a "
               "share ρ² of the variance.")
    SOURCES = {"data": "Estimate from the data (same windows and outcome as the analysis)", "typed": "Type them"}
    widgets.bound(st.radio, "Source", "pilot.variance_source", setter("pilot", "variance_source"),
                  options=list(SOURCES), format_func=SOURCES.get, index=list(SOURCES).index(p.variance_source),
                  horizontal=True)
    if p.variance_source == "data":
        if v.problem:  # a missing step (no data, no KPI column, no start date) is a next step, not a fault
            (st.info if pilot.estimate_problem(plan, joined) else st.warning)(
                md(f"Not estimated: {v.problem}. The typed values below are used meanwhile."))
        else:
            st.caption(md(f"Source: {v.note}."))
            e = v.estimates
            st.dataframe(pd.DataFrame([
                {"input": "sd", "value": v.sd, "people": e.sd.n},
                {"input": f"ICC by {p.cluster_column}" if p.cluster_column else "ICC (not clustered)",
                 "value": v.icc, "people": e.icc.n},
                {"input": "ρ", "value": v.baseline_corr, "people": e.baseline_corr.n,
                 "95% CI": f"{e.baseline_corr_ci[0]:.2f} to {e.baseline_corr_ci[1]:.2f}"},
            ]), hide_index=True, column_config={"value": st.column_config.NumberColumn(format="%.4g")})
    if p.variance_source == "typed" or v.problem:
        t1, t2, t3, t4 = st.columns(4)
        widgets.bound(t1.number_input, f"sd ({md(unit)})", "pilot.sd", setter("pilot", "sd", float),
                      value=float(p.sd), **widgets.limits("pilot.sd"), format=widgets.number_format(p.sd))
        widgets.bound(t2.number_input, "ICC", "pilot.icc", setter("pilot", "icc", float), value=float(p.icc),
                      **widgets.limits("pilot.icc"), step=0.01, format="%.3f")
        widgets.bound(t3.number_input, "ρ", "pilot.baseline_corr", setter("pilot", "baseline_corr", float),
                      value=float(p.baseline_corr), **widgets.limits("pilot.baseline_corr"), step=0.05)
        widgets.bound(t4.text_input, "Where they come from", "pilot.variance_note",
                      setter("pilot", "variance_note"), value=p.variance_note, max_chars=200)

# -- details -----------------------------------------------------------------------------------------------------
with st.expander("Which design fits", expanded=not d.design):
    YES_NO = {"": "Not sure yet", "yes": "Yes", "no": "No"}
    questions = [
        ("randomise", "Can you decide by lot who is trained first?"),
        ("contamination", "Do trained people work closely with untrained colleagues (same team, shared practices)?"),
        ("history", "Do you have 12 months or more of the KPI before the pilot, for everyone?"),
    ]
    for col, (field_name, question) in zip(st.columns(3), questions, strict=True):
        with col:
            widgets.bound(st.radio, question, f"design.{field_name}", setter("design", field_name),
                          options=list(YES_NO), format_func=YES_NO.get,
                          index=list(YES_NO).index(getattr(d, field_name)), horizontal=True)
    recommended, reason = design.recommend(d)
    if recommended:
        st.info(f"**Recommended: {design.DESIGNS[recommended].title}.** {reason}")
    keys = list(design.DESIGNS)
    current = design.choice(plan)
    teams = design.cluster_choices(roster, roles)
    widgets.bound(st.radio, "Design", "design.design",
                  lambda plan_, key: design.choose(plan_, key, cluster_column=teams[0] if teams else "team"),
                  options=keys, format_func=lambda k: design.DESIGNS[k].title,
                  index=keys.index(current) if current else None)
    if current:
        info = design.DESIGNS[current]
        st.markdown(f"- **When it fits:** {info.fits}\n- **What it assumes:** {info.assumes}\n"
                    f"- **Threats:** {info.threats}\n- **Analysis:** {info.analysis}")

with st.expander("Test settings: significance, power, drop-out, kind of KPI"):
    s1, s2, s3, s4 = st.columns(4)
    widgets.bound(s1.number_input, "Significance level α", "design.alpha", setter("design", "alpha", float),
                  value=float(d.alpha), **widgets.limits("design.alpha"), step=0.01, format="%.3f",
                  help="The chance of declaring an effect when there is none (false alarm). 0.05 is usual.")
    widgets.bound(s2.number_input, "Target power", "design.power", setter("design", "power", float),
                  value=float(d.power), **widgets.limits("design.power"), step=0.05, format="%.2f",
                  help="The chance of detecting a real effect of the planned size. 0.8 is usual.")
    ALTS = {"two-sided": "Two-sided (an effect either way)", "one-sided": "One-sided (improvement only)"}
    widgets.bound(s3.selectbox, "Test", "design.alternative", setter("design", "alternative"), options=list(ALTS),
                  format_func=ALTS.get, index=list(ALTS).index(d.alternative))
    widgets.bound(s4.number_input, "Drop-out before measurement (%)", "design.attrition",
                  setter("design", "attrition", lambda x: x / 100), value=round(d.attrition * 100, 4),
                  **widgets.limits("design.attrition"), step=5.0)
    widgets.bound(st.number_input, "Looks at the data, the final analysis included", "design.looks",
                  setter("design", "looks", int), value=int(d.looks), **widgets.limits("design.looks", int), step=1,
                  help="To show a sponsor an interim number without inflating false alarms: each look before the "
                       "end needs stronger evidence to stop early (O'Brien–Fleming boundaries), and step 5 says "
                       "stop, or continue, against them. 1 = the final analysis only.")
    if d.looks > 1:
        st.caption(f"With {d.looks - 1} interim look{'s' if d.looks > 2 else ''} the final analysis tests at "
                   f"{design.test_alpha(plan):.3f} instead of {d.alpha:g}: the power and the smallest detectable "
                   "effect below include that price of looking early.")
    KPI_TYPES = {"continuous": "A number per person (deal size, weeks, score)", "binary": "Yes/no per person (a rate)"}
    widgets.bound(st.radio, "Kind of KPI", "pilot.kpi_type", setter("pilot", "kpi_type"), options=list(KPI_TYPES),
                  format_func=KPI_TYPES.get, index=list(KPI_TYPES).index(p.kpi_type), horizontal=True)
    if p.kpi_type == "binary":
        widgets.bound(st.number_input, "Rate in the control group", "pilot.p_control",
                      setter("pilot", "p_control", float), value=float(p.p_control),
                      **widgets.limits("pilot.p_control"), step=0.05, format="%.3f")

with st.expander("Power in detail" + (" (the two-arm formula; the power above is simulated)"
                                      if summary.simulated is not None else "")):
    needed = summary.needed
    if needed is not None:
        clusters_needed = (f" ({needed.clusters_treatment:,} + {needed.clusters_control:,} {md(facts.clusters.column)} "
                           "clusters)" if clustered and needed.clusters_treatment is not None else "")
        st.markdown(f"To detect the planned effect ({number(p.effect)} {md(unit)}) with {d.power:.0%} power you need "
                    f"**{needed.n_treatment:,} treated and {needed.n_control:,} control people**{clusters_needed}, "
                    "after drop-out.")
    for problem in (summary.needed_error, summary.planned_error):
        if problem:
            st.warning(md(problem))
    if arms.treated_people > 0 and arms.control_people > 0:
        left, right = st.columns(2)
        ns, powers = design.power_curve(plan, facts, up_to=needed.n_treatment if needed else None)
        left.plotly_chart(charts.power_curve(ns, powers, planned=arms.treated_people, target=d.power),
                          key="design-power-n")
        effects, by_effect = design.power_by_effect(plan, facts, up_to=summary.break_even)
        marks = [(summary.break_even, "break-even")] if summary.break_even else []
        right.plotly_chart(charts.power_curve(effects, by_effect, planned=p.effect, target=d.power, marks=marks,
                                              title="Power of this pilot against the true effect",
                                              x_title=f"true improvement ({escape(unit)})"), key="design-power-effect")
    st.caption("Two-sample t-test on the outcome adjusted for the baseline (ANCOVA: variance × (1 − ρ²)); with "
               "whole clusters, the design effect 1 + ((1 + cv²)·m − 1)·ICC and degrees of freedom from the number "
               "of clusters (Eldridge et al. 2006); binary KPIs use Cohen's h.")

if waved:
    with st.expander("How the power of the waves is simulated"):
        st.caption(md(waves.how_simulated(simulated, facts.monthly_noise, alpha=d.alpha)))
elif sited:
    with st.expander("How the power of a one-site pilot is simulated"):
        st.caption(md(sites.how_simulated(simulated, alpha=d.alpha)))

# -- assignment ------------------------------------------------------------------------------------------------
st.header("Who is in which arm", anchor="assignment")
if roster is None:
    st.info("The list is drawn from the employees loaded in step 2 (Data).")
elif pilot.start_date(p) is None:
    st.info("Set the pilot's start date above first: eligibility and the baseline depend on it.")
elif d.design == "matched":
    st.caption("Without randomisation, each trained person gets the untrained colleague most like them on the "
               "covariates (logit propensity score, caliper 0.2 sd). Check the balance after matching.")
    groupings = [col for col in roster.people.columns if roles.get(col) in ("category", "team", "site")]
    g1, g2 = st.columns(2)
    by = g1.selectbox("Trained people are those whose…", groupings, key=session.key("design.match_by"))
    levels = sorted(roster.people[by].astype("string").fillna("").unique()) if by else []
    chosen = g2.multiselect("is one of", levels, key=session.key("design.match_values"))
    covariates = st.multiselect("Match on", [col for col in design.covariate_choices(roster, roles) if col != by],
                                key=session.key("design.match_on"))
    c1, c2 = st.columns(2)
    caliper = c1.number_input("Caliper (sd of the logit)", 0.01, 2.0, 0.2, 0.05, key=session.key("design.caliper"))
    replace = c2.checkbox("A control may serve more than one trained person", key=session.key("design.replace"))
    if st.button("Find matched controls", type="primary", key=session.key("design.match"),
                 disabled=not (chosen and covariates)):
        try:
            rows, result, balance = design.match_list(plan, roster, by=by, values=chosen, covariates=covariates,
                                                      caliper=caliper, replace=replace)
        except ValueError as exc:
            st.error(md(f"No matched list: {exc}"))
        else:
            message: list[str] = []
            session.update(lambda plan_: message.append(design.apply_list(plan_, rows)))
            st.session_state[session.key("design.match_result")] = (balance, len(result.unmatched),
                                                                    len(result.incomplete), result.no_support,
                                                                    result.excluded_levels)
            st.session_state["flash"] = ("success", message[0])
            st.rerun()
    found = st.session_state.get(session.key("design.match_result"))
    if found is not None:
        balance, unmatched, incomplete, no_support, excluded = found
        trained_only = [f"{level.covariate} = {level.level}" for level in excluded if level.arm == "treatment"]
        if no_support:
            shown = f"{len(no_support):,}" if len(no_support) >= 5 else "fewer than 5"
            st.warning(md(f"{shown} trained people are left out for lack of common support: nobody untrained shares "
                          f"their {', '.join(trained_only) or 'level'}, so no fair comparison exists for them (the "
                          "matched effect describes the others)."))
        if unmatched:
            st.warning(f"{unmatched:,} trained people have no control within the caliper and are left out.")
        if incomplete:
            st.warning(f"{incomplete:,} trained people have a missing value in a covariate and are left out.")
        st.dataframe(assignment.readable(balance), hide_index=True, width="stretch")
else:
    if not clustered:
        strata_options = [col for col in roster.people.columns if roles.get(col) in ("category", "team", "site")]
        widgets.bound(st.multiselect, "Balance the draw within (strata)", "design.strata",
                      setter("design", "strata", list), options=strata_options,
                      default=[s for s in d.strata if s in strata_options], disabled=locked,
                      help="Stratified randomisation: each site (or job family) gets both arms in proportion.")
    segment_options = segments.candidates(joined, plan) if joined is not None else []
    if segment_options:
        widgets.bound(st.multiselect, "Segments to report the effect by (pre-registered)", "design.segments",
                      setter("design", "segments", list), options=segment_options,
                      default=[s for s in d.segments if s in segment_options], disabled=locked,
                      help="Step 5 shows the effect in each level of these, Holm-adjusted across all of them, and "
                           "whether it differs between levels. Any other segment is labelled exploratory there.")
    SIZES = {"planned": "The planned arms", "everyone": "Everyone eligible, in the planned ratio"}
    g1, g2, g3 = st.columns([2, 1, 1])
    if d.design == "waves":
        size_choice = "everyone"
        g1.caption("Every eligible team, randomly ordered into the waves.")
    elif d.design == "site":
        size_choice = "everyone"
        g1.caption("The piloted site's people are treated; everyone eligible elsewhere is its comparison.")
    else:
        size_choice = g1.radio("Draw", list(SIZES), format_func=SIZES.get, horizontal=True,
                               key=session.key("design.list_size"), disabled=locked)
    widgets.bound(g2.number_input, "Seed (recorded)", f"design.seed.{d.seed}", setter("design", "seed", int),
                  value=int(d.seed), **widgets.limits("design.seed", int), step=1,
                  help="Same people and same seed, same list. 0 = choose one when the list is drawn.",
                  disabled=locked)
    if not locked and g3.button("Draw the assignment list", type="primary", key=session.key("design.assign")):
        message = []

        def draw(plan_):
            if not plan_.design.seed:
                plan_.design.seed = design.new_seed()
            facts_ = pilot.facts(plan_, joined)
            rows = design.generate_list(plan_, facts_, everyone=size_choice == "everyone")
            message.append(design.apply_list(plan_, rows, facts_))

        try:
            candidate = plan.__class__.from_dict(plan.to_dict())
            draw(candidate)  # check first: a refused draw changes nothing
        except ValueError as exc:
            st.error(md(f"No list: {exc}"))
        else:
            session.update(lambda plan_: (setattr(plan_, "design", candidate.design),
                                          setattr(plan_, "pilot", candidate.pilot)))
            st.session_state["flash"] = ("success", message[-1])
            st.rerun()

if d.assignment:
    counts = pd.Series([a.arm for a in d.assignment]).value_counts()
    groups = f" in {arms.treated_clusters} + {arms.control_clusters} clusters" if arms.treated_clusters else ""
    st.success(f"Assignment list: {counts.get('treatment', 0):,} treated and {counts.get('control', 0):,} control "
               f"people{groups}, seed {d.seed}.")
    b1, b2 = st.columns(2)
    b1.download_button("Download the assignment list (CSV, real ids for managers)",
                       design.assignment_csv(plan, datasets.pseudonym_key()),
                       file_name="assignment-list.csv", mime="text/csv", key=session.key("design.download"),
                       icon="📥", on_click="ignore")
    confirm_key = session.key("design.confirm_delete")
    if b2.button("Delete the list", key=session.key("design.delete_list")):
        st.session_state[confirm_key] = True
    if st.session_state.get(confirm_key):
        st.warning(f"Delete the assignment list of {len(d.assignment):,} people? Managers may already have it, and "
                   + ("the pre-registration names its seed. " if d.preregistration else "")
                   + "Drawing again with the same seed and the same eligible people gives the same list.")
        yes, no = st.columns(2)
        if yes.button("Yes, delete the list", type="primary", key=session.key("design.delete_yes")):
            st.session_state.pop(confirm_key, None)
            session.update(lambda plan_: setattr(plan_.design, "assignment", []))
            st.rerun()
        if no.button("Keep it", key=session.key("design.delete_no")):
            st.session_state.pop(confirm_key, None)
            st.rerun()
    if datasets.uses_sample(plan):
        sample_run.offer(plan, where="design")
    if roster is not None and d.design != "matched":
        usable = design.balance_choices(facts, roles, baseline=p.population != "joiners")
        sensitive = design.sensitive_choices(roster, roles)
        if sensitive and st.toggle(
                "Also compare the arms on sensitive attributes", key=session.key("design.balance_sensitive"),
                help="Gender, ethnicity or pay, as arm-level shares and means only (never person by person); "
                     "levels held by fewer than 5 people in an arm are hidden. Use it to check the draw treated "
                     "groups fairly; leave it off unless you need it."):
            usable = usable + sensitive
        covariates = st.multiselect("Balance on", usable, default=design.default_balance(usable, facts),
                                    key=session.key("design.balance"),
                                    help="SMD (standardised mean difference): the gap between the arms in sds of "
                                         "the covariate; above 0.1 is flagged as imbalanced.")
        if covariates:
            st.dataframe(assignment.readable(design.balance_table(plan, facts, joined, covariates)),
                         hide_index=True, width="stretch")
            if d.design == "site":
                st.caption(f"One {md(facts.clusters.column)} against all the others differs from them by design: "
                           "step 5 does not compare it with their average but with a synthetic twin, weighted to "
                           "follow its own history before the start.")
            elif arms.treated_clusters is not None:
                st.caption(f"With whole {md(facts.clusters.column)} clusters drawn ({arms.treated_clusters} + "
                           f"{arms.control_clusters}), chance differences above 0.1 are common and expected: the "
                           "registered analysis adjusts for each person's baseline, and its interval allows for the "
                           "rest. Redrawing until the table looks tidy would undo the randomisation.")

# -- timeline ----------------------------------------------------------------------------------------------------
with st.expander("Timeline and windows"):
    t1, t2, t3, t4 = st.columns(4)
    widgets.bound(t1.number_input, "Baseline window (months before the start)", "pilot.baseline_months",
                  setter("pilot", "baseline_months", int), value=int(p.baseline_months),
                  **widgets.limits("pilot.baseline_months", int))
    widgets.bound(t2.number_input, "Intervention (days)", "pilot.intervention_days",
                  setter("pilot", "intervention_days", int), value=int(p.intervention_days),
                  **widgets.limits("pilot.intervention_days", int))
    widgets.bound(t3.number_input, "Measurement opens (months after the start month)",
                  "pilot.measurement_gap_months", setter("pilot", "measurement_gap_months", int),
                  value=int(p.measurement_gap_months), **widgets.limits("pilot.measurement_gap_months", int))
    widgets.bound(t4.number_input, "Measurement window (months)", "pilot.measurement_months",
                  setter("pilot", "measurement_months", int), value=int(p.measurement_months),
                  **widgets.limits("pilot.measurement_months", int))
    OUTCOMES = {"mean": "each person's mean over the window", "sum": "each person's total over the window"}
    widgets.bound(st.radio, "Outcome", "pilot.outcome", setter("pilot", "outcome"), options=list(OUTCOMES),
                  format_func=OUTCOMES.get, index=list(OUTCOMES).index(p.outcome), horizontal=True)
    phases = design.timeline(facts, plan)
    if phases:
        st.plotly_chart(charts.timeline(phases), key="design-timeline")
    else:
        st.caption("Set the start date to see the timeline.")

# -- pre-registration ----------------------------------------------------------------------------------------------
st.header("Pre-registration", anchor="preregistration")
st.caption("Lock the primary KPI, outcome, hypothesis, design, seed and analysis before the pilot starts. Later "
           "edits stay possible, but are listed here as deviations, so nobody can move the goalposts unseen.")
widgets.bound(st.text_input, "Analysis method", "design.analysis_method", setter("design", "analysis_method"),
              value=d.analysis_method or (design.DESIGNS[design.choice(plan)].analysis if d.design else ""),
              max_chars=300)
registered = design.registered_fields(plan, facts)
if d.preregistration is None:
    st.dataframe(pd.DataFrame({"field": list(registered), "value": list(registered.values())}), hide_index=True,
                 width="stretch")
    missing = [k for k, value in registered.items() if not value]
    if missing:
        st.info(f"Before locking, fill in: {', '.join(missing)}.")
    if st.button("Lock the pre-registration", disabled=bool(missing), key=session.key("design.lock")):
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        session.update(lambda plan_: setattr(plan_.design, "preregistration", Preregistration(stamp, registered)))
        st.rerun()
else:
    st.success(f"Pre-registered at {d.preregistration.locked_at.replace('T', ' ')} UTC.")
    changes = design.deviations(plan, facts)
    if changes:
        st.warning(f"{len(changes)} deviation(s) from the pre-registration:")
        st.dataframe(pd.DataFrame(changes, columns=["field", "registered", "now"]), hide_index=True)
    else:
        st.caption("No deviations from the registration.")

if plan.migration_notes:
    with st.expander("Notes from upgrading this plan to one pilot definition"):
        for note in plan.migration_notes:
            st.text(note)

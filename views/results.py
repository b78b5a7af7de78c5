"""Step 5 Results: who took part, the pilot's health, the effect with an honest interval, observed vs assumed."""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from core import (
    charts,
    design,
    monitoring,
    outcomes,
    pilot,
    privacy,
    results,
    reviews,
    roi,
    running,
    sample_pilot,
    segments,
    words,
)
from core.words import number
from ui import datasets, sample_run, session
from ui.text import md

plan = session.require_plan()
st.title("5 Results")
st.caption("Did it work, and by how much? The pre-registered analysis runs by default; any other method is shown as "
           "a deviation. Every figure says whether it is observed (from the pilot's data) or assumed.")
joined = datasets.joined(plan)
facts = pilot.facts(plan, joined)
if joined is None:
    st.info("Load the data in step 2: the pilot's outcome is read from the KPI file. (The sample organisation is "
            "before its pilot: draw the list in step 4, then run its simulated pilot.)")
    st.stop()
if facts.windows is None or not facts.column:
    st.info("Set the pilot's start date in step 4 and the primary KPI's data column in step 3 first.")
    st.stop()
kpi = facts.kpi
unit = kpi.unit or "KPI units"
w = facts.windows

# -- who took part ---------------------------------------------------------------------------------------------
st.header("Who was in the pilot", anchor="who")
simulated = sample_pilot.label(plan)
if simulated:
    st.info(simulated, icon="🧪")
if datasets.uses_sample(plan) and (plan.design.assignment or sample_pilot.is_simulated(plan)):
    sample_run.offer(plan, where="results")
if sample_pilot.is_stale(plan):  # data simulated for another list: an estimate from it would describe nothing
    st.stop()
groupings = [c for c, r in joined.roles.items() if r in ("team", "site", "category") and c in joined.people.columns]
participation = plan.results.participation
current = next(iter(participation), "")
listed = bool(plan.design.assignment)
SOURCES = ({"list": "Everyone took part as assigned", "took_part": "Say who actually took part"} if listed else
           {"list": "The assignment list (step 4)", "took_part": "Say who took part (the treated group)"})
source_key = session.key("results.source")


def use_list() -> None:
    if st.session_state.get(source_key) == "list":
        session.update(lambda p: setattr(p.results, "participation", {}))


choice = st.radio("Who took part" if listed else "Treated people are", list(SOURCES), format_func=SOURCES.get,
                  horizontal=True, key=source_key, index=1 if participation else 0, on_change=use_list)
if choice == "took_part":
    column_key, values_key = session.key("results.column"), session.key("results.values")
    if groupings:
        st.session_state.setdefault(column_key, current if current in groupings else groupings[0])
        st.session_state.setdefault(values_key, list(participation.get(st.session_state[column_key], [])))

    def save_participation() -> None:
        col, values = st.session_state.get(column_key), st.session_state.get(values_key) or []
        session.update(lambda p: setattr(p.results, "participation", {col: list(values)} if col and values else {}))

    c1, c2 = st.columns(2)
    column = c1.selectbox("Those whose…", groupings, key=column_key, on_change=save_participation)
    levels = sorted(joined.people[column].astype("string").fillna("").unique()) if column else []
    st.session_state[values_key] = [v for v in st.session_state.get(values_key, []) if v in levels]
    c2.multiselect("is one of", levels, key=values_key, on_change=save_participation)

try:
    who = results.arms(plan, joined)
    ran = results.as_run(plan, joined)
except ValueError as exc:
    st.error(md(str(exc)))
    st.stop()
if ran is not None:
    took = "as assigned" if ran.took_part is None else f"{ran.took_part:,}"
    st.dataframe(pd.DataFrame([
        {"": "Assigned to the program", "planned (step 4)": ran.assigned_treated,
         "as run (took part)": took},
        {"": "Assigned to control", "planned (step 4)": ran.assigned_control,
         "as run (took part)": "none" if ran.took_part is None else f"{ran.crossovers:,} (cross-overs)"},
        {"": "Not on the list", "planned (step 4)": 0,
         "as run (took part)": "none" if ran.took_part is None else f"{ran.outside:,}"},
    ]), hide_index=True, width="stretch")
    mismatch = results.as_run_words(ran)
    if mismatch:
        st.warning(md(mismatch))
    else:
        st.caption("Step 4's plan and list stay as drawn whatever this section says: the registered estimate "
                   "compares the arms of the list (intent to treat).")
if not who:
    st.info("Nobody is in an arm yet: draw the assignment list in step 4, or say who actually took part.")
    st.stop()

# -- health ----------------------------------------------------------------------------------------------------
st.header("Pilot health", anchor="health")
frame = results.person_frame(plan, facts, joined, who)
health = results.health(frame)
h1, h2, h3, h4 = st.columns(4)
h1.metric("Treated: listed → measured", f"{health.listed['treatment']:,} → {health.measured['treatment']:,}")
h2.metric("Control: listed → measured", f"{health.listed['control']:,} → {health.measured['control']:,}")
h3.metric("Drop-out (treated / control)", f"{health.attrition['treatment']:.0%} / {health.attrition['control']:.0%}",
          help=f"People with no {facts.column} in the measurement window ({pilot.months_label(w.measurement)}).")
h4.metric("Sample-ratio check", words.p_value(health.srm_p) if health.srm_p is not None else "—",
          help="χ² test of the measured people per arm against the split the list planned. Below 0.001 the arms "
               "are not what was randomised: find out why before trusting any effect.")
if health.srm_flag:
    st.error("Sample-ratio mismatch: the arms measured are not in the proportion that was randomised (p < 0.001). "
             "People may have dropped out, moved teams or been measured differently in one arm. Find the cause "
             "before reading the effect below.")
if health.listed["treatment"] == 0 or health.listed["control"] == 0:
    empty = "treated" if health.listed["treatment"] == 0 else "control"
    st.warning(md(f"Nobody eligible is in the {empty} arm: the people chosen are not among the eligible "
                  f"({facts.column} in {pilot.months_label(w.baseline)}). Choose other people, or check step 4."))
    st.stop()
small = [arm for arm, label in (("treatment", "treated"), ("control", "control"))
         if 0 < health.measured[arm] < privacy.MIN_GROUP]
if small:  # an average of 1 to 4 people is nearly their own values: nothing about them is shown
    st.warning(f"Fewer than {privacy.MIN_GROUP} people are measured in the "
               f"{' and the '.join('treated' if a == 'treatment' else 'control' for a in small)} arm: no effect, "
               "mean or chart is shown for so few people (privacy). Measure more people, or wait for more data.")
    st.stop()
if health.measured["treatment"] == 0:
    st.info(md(f"No outcome yet: {facts.column} has no values for the treated people in "
               f"{pilot.months_label(w.measurement)}. The effect appears here once the measurement window has data."))
    st.stop()
covered = results.months_with_data(facts, joined)
wanted = pilot.months_between(w.measurement)
if 0 < covered < wanted:
    st.warning(md(f"The measurement window ({pilot.months_label(w.measurement)}) has data for {covered} of its "
                  f"{wanted} months: the effect below uses only those, so it is an early read, not the registered "
                  "outcome."))
if pilot.is_monthly(joined, facts.column):
    by_month = running.monthly_health(plan, facts, joined, who)
    for problem in running.month_problems(by_month):
        st.warning(md(problem))
    with st.expander("Month by month", expanded=0 < covered < wanted):
        st.dataframe(running.monthly_shown(by_month), hide_index=True, width="stretch")
        st.caption("Each month of the measurement window: the people of each arm with a value of "
                   f"{md(facts.column)}, the listed people without one, and that month's sample-ratio check.")
if health.balance is not None:
    smd = float(health.balance["SMD"].iloc[0])
    verdict = "balanced" if abs(smd) <= 0.1 else "not balanced: the analysis adjusts for the baseline"
    st.caption(f"Baseline balance of who was measured: SMD {smd:+.2f} on {facts.column} over "
               f"{pilot.months_label(w.baseline)} ({verdict}).")

# -- the effect ------------------------------------------------------------------------------------------------
st.header("The effect", anchor="effect")
registered = results.registered_method(plan)
offered = results.methods_for(plan, facts, joined)
keys = list(offered)
method_key = session.key("results.method")
if st.session_state.get(method_key) not in keys:
    st.session_state.pop(method_key, None)
method = st.selectbox("Method", keys, index=0, key=method_key,
                      format_func=lambda k: offered[k] + (" — registered" if k == registered else
                                                          " — a deviation from the registration"),
                      help="Only the methods this plan's data and design allow are offered.")
if method != registered:
    st.warning("This is not the pre-registered analysis: report it as exploratory, beside the registered one.")


@st.cache_data(show_spinner="Estimating the effect…", max_entries=32)
def run(plan_json: str, data_key: str, method: str):
    """Cached on the plan's pilot definition, its data and the method."""
    from core.plan import Plan

    again = Plan.from_json(plan_json)
    return results.estimate(again, pilot.facts(again, joined), joined, method)


@st.cache_data(show_spinner="Projecting when the pilot will know…", max_entries=16)
def know_by(plan_json: str, data_key: str, method: str, seen: int):
    """Cached like `run`: the registered analysis on the first 1…seen months, projected to the end."""
    from core.plan import Plan

    again = Plan.from_json(plan_json)
    again_facts = pilot.facts(again, joined)
    return running.projection(again, again_facts, joined, results.arms(again, joined), method, seen=seen,
                              break_even=design.break_even_effect(again, again_facts))


try:
    found = run(plan.to_json(), datasets.data_key(plan), method)
except ValueError as exc:
    st.error(md(f"The effect cannot be estimated: {exc}"))
    st.stop()

gain = results.improvement(plan, found.effect)
pct = facts.effect_pct(found.effect)
low_pct, high_pct = facts.effect_pct(found.ci_low), facts.effect_pct(found.ci_high)
e1, e2, e3 = st.columns(3)
gain_low, gain_high = results.improvement_interval(plan, found.ci_low, found.ci_high)
better = "lower" if pilot.direction(plan) < 0 else "higher"
e1.metric(f"Observed effect ({md(unit)})", ("+" if found.effect > 0 else "") + number(found.effect),
          help=f"Treated minus control on the outcome, adjusted as the method says. {better.capitalize()} is better"
               + (f": a change of {number(found.effect)} is an improvement of {number(gain)}." if better == "lower"
                  else "."))
bounded = results.has_interval(found)
e2.metric("95% confidence interval", words.interval(found.ci_low, found.ci_high) if bounded else "none",
          help=None if bounded else found.diagnostics.get("no_interval"))
e3.metric("As % of the baseline", f"{pct:+.1f}%" if pct is not None else "—",
          help=f"95% CI {low_pct:+.1f}% to {high_pct:+.1f}%" if low_pct is not None and bounded else None)
if pct is not None and bounded:
    st.caption(f"In % of the baseline ({number(facts.baseline)}, {pilot.months_label(w.baseline)}): {pct:+.1f}% "
               f"(95% CI {low_pct:+.1f}% to {high_pct:+.1f}%).")
chain = roi.as_measured(roi.inputs(plan, facts))  # valued as the ROI values an observed effect
money = ""
if kpi.value_per_unit:
    per = " per month" if plan.roi.benefit_kind == "recurring" else ""
    discounts = "".join(f" × {getattr(chain, n):.0%} {n}" for n in roi.MEASURED if getattr(chain, n) != 1.0)
    money = (f" To the business that is worth about {words.money(roi.worth_per_participant(chain, gain))} per "
             f"participant{per}, valued as the ROI step values an observed effect "
             f"(× {words.money(chain.value_per_unit)} a unit × {chain.contribution_margin:.0%} margin{discounts}).")
excludes = found.ci_low > 0 or found.ci_high < 0  # one level, said: the 95% interval shown above
verdict = ("The 95% interval excludes no effect: the pilot shows a real change" if excludes
           else "The 95% interval includes no effect: the pilot cannot tell this change from chance" if bounded
           else "No 95% interval exists with so few teams: the pilot cannot tell this change from chance")
shown_p = words.p_value(found.p_value)
counted = results.counted_as(plan, method)
interim = None
looks = design.registered_looks(plan)
if looks != plan.design.looks:
    st.warning(f"Step 4 now says {plan.design.looks} look{'s' if plan.design.looks > 1 else ''} at the data, the "
               f"pre-registration {looks}: the boundaries follow the registration (the change is a deviation).")
if 0 < covered < wanted and bounded and found.se > 0:  # an interim look: the registered boundary decides, not 95%
    interim = running.interim_look(plan, found, seen=covered, wanted=wanted)
    st.info(monitoring.said(interim, alpha=plan.design.alpha))
    verdict = "Measured so far"
    ahead = know_by(plan.to_json(), datasets.data_key(plan), method, covered)
    if ahead is not None:
        st.info(md(running.know_by_words(ahead, facts, unit)), icon="📅")
elif looks > 1 and bounded and found.se > 0:  # the final analysis after interim looks: c_K, not 1.96
    verdict = (f"With {looks - 1} registered interim look{'s' if looks > 2 else ''}, the "
               + running.final_verdict(plan, found.effect, found.se, found.diagnostics.get("df")))
st.markdown(md(f"{verdict} ({shown_p}; n = {found.n:,} {counted}; {found.method}).{money}"))
for warning in found.diagnostics.get("warnings", []):
    st.warning(md(warning))
try:
    compliers = results.complier_estimate(plan, facts, joined) if method == registered else None
except ValueError as exc:
    st.info(md(f"The effect on those who actually took part cannot be estimated: {exc}."))
    compliers = None
if compliers is not None:
    c_low, c_high = results.improvement_interval(plan, compliers.ci_low, compliers.ci_high)
    st.markdown(md(
        f"**Among those who actually took part** (instrumental variables, the random assignment as the instrument): "
        f"an improvement of {words.amount(results.improvement(plan, compliers.effect), unit)} (95% CI "
        f"{words.amount(c_low, unit)} to {words.amount(c_high, unit)}); "
        f"{compliers.diagnostics['itt_share_took_part']:.0%} of the assigned and "
        f"{compliers.diagnostics['control_share_took_part']:.0%} of the controls took part. The registered result "
        "is the intent-to-treat estimate above: what offering the program does; this one says what taking it does "
        "for those who take it when offered."))
    for warning in compliers.diagnostics["warnings"]:
        st.warning(md(warning))
if plan.pilot.effect:
    interval = f" (95% CI {words.interval(gain_low, gain_high)})" if bounded else " (no 95% interval)"
    st.caption(f"Assumed in the plan: an improvement of {number(plan.pilot.effect)} {md(unit)}; observed: an "
               f"improvement of {number(gain)}{interval}.")

if "trajectory" in found.diagnostics:
    st.plotly_chart(charts.site_and_twin(found.diagnostics["trajectory"], w.start,
                                         site=", ".join(found.diagnostics["treated_units"]),
                                         y_title=f"{escape(facts.column)} ({escape(unit)})"), key="results-twin")
    weights = found.diagnostics["unit_weights"]
    st.caption(md(f"The twin is {', '.join(f'{s} {v:.0%}' for s, v in list(weights.items())[:6])}"
                  + (f" and {len(weights) - 6} more" if len(weights) > 6 else "")
                  + f" of the other sites; before the start it was off by {number(found.diagnostics['pre_fit_rmse'])} "
                  f"a month on average. Placebo test: {found.diagnostics['placebo_p_value']:.0%} of the other sites "
                  "showed an effect at least this large when put in the piloted site's place."))
if "event_study" in found.diagnostics:
    st.plotly_chart(charts.event_study(found.diagnostics["event_study"], y_title=f"effect ({escape(unit)})"),
                    key="results-event-study")
if pilot.is_monthly(joined, facts.column):
    means = results.group_means(plan, facts, joined, who)
    st.plotly_chart(charts.group_means(means, w.start, y_title=f"{escape(facts.column)} ({escape(unit)})"),
                    key="results-means")

# -- secondary KPIs and guardrails ------------------------------------------------------------------------------
@st.cache_data(show_spinner="Estimating the secondary KPIs and guardrails…", max_entries=16)
def other_outcomes(plan_json: str, data_key: str, method: str) -> list[outcomes.Outcome]:
    from core.plan import Plan

    return outcomes.estimate_all(Plan.from_json(plan_json), joined, method)


registered_outcomes = other_outcomes(plan.to_json(), datasets.data_key(plan), method) if outcomes.registered(plan) \
    else []
if registered_outcomes:
    st.header("Secondary KPIs and guardrails", anchor="outcomes")
    st.dataframe(outcomes.table(registered_outcomes), hide_index=True, width="stretch")
    st.caption(md(outcomes.caption(plan.design.alpha)))
    for name in outcomes.harmed(registered_outcomes):
        st.error(md(f"The pilot made the guardrail “{name}” worse: expanding would carry that harm (the decision "
                    "says “not yet clear” while it stands)."))

# -- segments ---------------------------------------------------------------------------------------------------
@st.cache_data(show_spinner="Estimating the effect by segment…", max_entries=16)
def by_segment(plan_json: str, data_key: str, names: tuple[str, ...], registered: bool) -> list[segments.Segment]:
    from core.plan import Plan

    return segments.estimate(Plan.from_json(plan_json), joined, list(names), registered=registered)


def show_segments(found: list[segments.Segment]) -> None:
    for seg in found:
        st.markdown("**" + md(seg.name) + "**")
        st.dataframe(segments.shown(seg), hide_index=True, width="stretch")
        if seg.differs_p is not None:
            adjusted = (f", {words.p_value(seg.differs_adjusted)} after Holm across the segments"
                        if seg.differs_adjusted is not None else "")
            st.caption(md(f"Does the effect differ between the levels of {seg.name}? Interaction test "
                          f"{words.p_value(seg.differs_p)}{adjusted}."))


segment_options = segments.candidates(joined, plan)
if segment_options:
    st.header("By segment", anchor="segments")
    st.caption(f"The registered outcome compared within each level (baseline-adjusted), in {md(unit)} of "
               "improvement. Levels with fewer than 5 people in an arm show nothing, not even their name.")
    chosen = [s for s in plan.design.segments if s in segment_options]
    if chosen:
        show_segments(by_segment(plan.to_json(), datasets.data_key(plan), tuple(chosen), True))
        st.caption("Pre-registered: the p-values are Holm-adjusted across every level of every registered segment.")
    else:
        st.caption("No segments were pre-registered (step 4).")
    others = [s for s in segment_options if s not in chosen]
    explore = st.selectbox("Explore another segment", ["—", *others], key=session.key("results.explore"),
                           help="Not pre-registered: exploratory, a question for the next pilot, not a finding.")
    if explore != "—":
        st.warning(md(f"Exploratory: {explore} was not pre-registered. Looking through segments until one shows "
                      "an effect finds one by chance; treat what follows as a question for the next pilot."))
        show_segments(by_segment(plan.to_json(), datasets.data_key(plan), (explore,), False))

# -- success cases and mediation --------------------------------------------------------------------------------
with st.expander("Success cases to interview (Brinkerhoff)"):
    top, bottom = results.success_cases(frame, datasets.pseudonym_key())
    if top.empty:
        st.caption("Too few treated people with a baseline and an outcome to pick cases without pointing at "
                   "individuals.")
    else:
        st.caption(f"Treated people whose outcome beat, or fell short of, what their baseline predicts ({md(unit)}, "
                   "beyond the expectation). Pseudonyms only: they are the Data page's pseudonyms and the "
                   "assignment list's “pseudonym” column, so whoever holds that list can find the people.")
        t1, t2 = st.columns(2)
        t1.dataframe(top.rename(columns={"beyond": "above expected"}), hide_index=True,
                     column_config={"above expected": st.column_config.NumberColumn(format="%,.0f")})
        t2.dataframe(bottom.rename(columns={"beyond": "below expected"}), hide_index=True,
                     column_config={"below expected": st.column_config.NumberColumn(format="%,.0f")})
        st.markdown("**Interview guide**\n" + "\n".join(f"{i}. {q}" for i, q in enumerate(results.INTERVIEW_GUIDE,
                                                                                          start=1)))

with st.expander("Does a learning gain carry the effect? (mediation, an association model)"):
    measures = [c for c, r in joined.roles.items() if r == "measure" and c in joined.people.columns
                and not c.startswith("lms_last")]
    linked = next((k.column for link in plan.kpi_links for k in plan.kpis
                   if kpi is not None and link.business == kpi.name and k.name == link.learning and k.column), "")
    if measures:
        mediator = st.selectbox("Learning measure", measures, index=measures.index(linked) if linked in measures
                                else 0, key=session.key("results.mediator"))

        @st.cache_data(show_spinner="Bootstrapping the indirect effect…", max_entries=16)
        def mediate(plan_json: str, data_key: str, mediator: str):
            from core import effects

            named = f"{facts.column} ({pilot.months_label(w.measurement)})"
            data = frame.rename(columns={"outcome": named}).assign(
                **{mediator: joined.people[mediator].reindex(frame["employee_id"]).to_numpy()})
            cluster = plan.pilot.cluster_column if plan.pilot.cluster_column in data else None
            return effects.mediation(data, outcome=named, treated="treated", mediator=mediator,
                                     covariates=["baseline"], cluster=cluster)

        carried = None
        if st.toggle("Compute it (a bootstrap of 999 draws, a few seconds)", key=session.key("results.mediate")):
            try:
                carried = mediate(plan.to_json(), datasets.data_key(plan), mediator)
            except ValueError as exc:
                st.info(md(f"Not computed: {exc}"))
        if carried is not None:
            share = carried.diagnostics["share_mediated"]
            st.markdown(md(f"Through {mediator}: {number(carried.effect)} {unit} of the effect (95% bootstrap "
                           f"interval {words.interval(carried.ci_low, carried.ci_high)})"
                           + (f", about {share:.0%} of it." if share == share else ".")))
            for warning in carried.diagnostics["warnings"]:
                st.caption(md(warning))
    else:
        st.caption("No per-person learning measure (assessment, LMS) in the data.")

# -- observed vs assumed -----------------------------------------------------------------------------------------
st.header("Observed vs assumed", anchor="registry")
rows = [{"hypothesis": f"{h.kpi} {h.direction}", "assumed": words.amount(h.assumed_size or 0, h.unit),
         "by when": h.by_when, "observed": results.observed_for(plan, facts, i, found)}
        for i, h in enumerate(plan.hypotheses)]
if rows:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
else:
    st.caption("No hypotheses in the registry (step 1).")
readings = [r for r in reviews.registry_rows(plan) if r["read"] != "—"]
if readings:
    st.markdown("**Read at each review** (the living registry: Reviews & sign-off)")
    st.dataframe(pd.DataFrame(readings), hide_index=True, width="stretch")

saved = plan.results.observed
same = (saved is not None and abs(saved.effect - found.effect) < 1e-12 and saved.method == found.method
        and saved.basis == pilot.analysis_key(plan))  # measured on this plan's arms, data and guardrails
if not bounded:
    st.info("With no 95% interval this estimate cannot stand in for the ROI's effect: the ROI step keeps the "
            "forecast.")
elif same and plan.roi.mode == "observed":
    st.success("The ROI step uses this observed effect; its range comes from the confidence interval.")
elif st.button("Use this observed effect in the ROI step", type="primary", key=session.key("results.use")):
    def keep(p):
        p.results.observed = results.observed(p, found, method)
        p.results.observed.harmed_guardrails = outcomes.harmed(registered_outcomes)
        p.results.observed.months, p.results.observed.of_months = covered, wanted
        p.results.observed.interim_verdict = interim.verdict if interim is not None and interim.number else ""
        p.roi.mode = "observed"

    session.update(keep)
    st.session_state["flash"] = ("success", "The ROI step now uses the observed effect (labelled observed).")
    st.rerun()

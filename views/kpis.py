"""Step 3 KPI mapping: learning KPIs linked to business KPIs and money, with baselines from the data."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import charts, kpis, pilot
from core.plan import Kpi, KpiLink
from core.words import per_unit
from ui import datasets, session, widgets
from ui.text import md

plan = session.require_plan()
st.title("3 KPI mapping")
st.caption("Map each learning KPI to the business KPI it should move, and that KPI to money. Activity (enrolments, "
           "attendance, completions) shows that training happened, not that it worked: it is an input, never an "
           "outcome.")

joined = datasets.joined(plan)
panel_columns: list[str] = []
if joined is not None:
    panel_columns = sorted({c for c, r in joined.roles.items() if r == "measure"})
stakeholders = sorted({s.name for s in plan.stakeholders if s.name})

# -- add from the catalogue ------------------------------------------------------------------------------------
left, right = st.columns([4, 1])
names = [e.name for e in kpis.CATALOGUE]
picked = left.selectbox("Start from a common KPI", names, key=session.key("kpis.catalogue"),
                        format_func=lambda n: f"{n} · {next(e for e in kpis.CATALOGUE if e.name == n).conversion}")
if st.button("Add a KPI of your own", key=session.key("kpis.add_blank"), icon="➕",
             help="A blank KPI to fill in: name, data column, unit, direction and its money value."):
    session.update(lambda p: p.kpis.append(Kpi(name=f"New KPI {len(p.kpis) + 1}", primary=not p.kpis)))
    st.rerun()
if right.button("Add", key=session.key("kpis.add"), width="stretch"):
    entry = next(e for e in kpis.CATALOGUE if e.name == picked)
    if any(k.name == entry.name for k in plan.kpis):
        st.warning(f"“{entry.name}” is already in the table.")
    else:
        session.update(lambda p: p.kpis.append(kpis.from_catalogue(entry)))
        st.rerun()

# -- one short form per KPI --------------------------------------------------------------------------------------
st.header("KPIs", anchor="kpis")
if not stakeholders:
    st.caption("Owners are chosen from the stakeholders named in step 1 (Goals): name them there first.")


def set_field(index: int, name: str):
    def apply(p, value):
        if index < len(p.kpis):
            setattr(p.kpis[index], name, value)
    return apply


def set_primary(index: int):
    def apply(p, value):
        for j, other in enumerate(p.kpis):  # one primary outcome: marking one unmarks the others
            other.primary = (j == index) if value else (other.primary and j != index)
    return apply


REGISTERED_AS = {"": "not registered (exploratory)", "secondary": "secondary KPI",
                 "guardrail": "guardrail: must not get worse"}

for i, k in enumerate(plan.kpis):
    title = f"{'★ Primary · ' if k.primary else ''}{k.name or '(unnamed KPI)'} · {k.kind}, {k.tier}"
    with st.expander(md(title), expanded=k.primary or not k.name):
        tag = f"kpis.{i}.{k.name}"
        c1, c2, c3 = st.columns([2, 2, 1])
        widgets.bound(c1.text_input, "Name", f"{tag}.name", set_field(i, "name"), value=k.name, max_chars=120)
        options = [""] + panel_columns + ([k.column] if k.column and k.column not in panel_columns else [])
        widgets.bound(c2.selectbox, "Data column", f"{tag}.column.{k.column}", set_field(i, "column"),
                      options=options, index=options.index(k.column),
                      format_func=lambda c: c or "(none yet)",
                      help="The column of step 2's data that measures it.")
        widgets.bound(c3.checkbox, "Primary", f"{tag}.primary.{k.primary}", set_primary(i), value=k.primary,
                      help="The pilot's outcome: steps 4, 5 and 6 read its unit, direction and $ value from here.")
        c4, c5, c6 = st.columns([1, 1, 2])
        widgets.bound(c4.text_input, "Unit", f"{tag}.unit.{k.unit}", set_field(i, "unit"), value=k.unit,
                      max_chars=40)
        widgets.bound(c5.selectbox, "Better when", f"{tag}.better.{k.better}", set_field(i, "better"),
                      options=["higher", "lower"], index=["higher", "lower"].index(k.better))
        value = k.value_per_unit
        widgets.bound(c6.number_input, f"$ {md(per_unit(k.unit, k.name, k.better))}", f"{tag}.value.{value}",
                      set_field(i, "value_per_unit"), value=float(value) if value is not None else None,
                      **widgets.limits("kpis.value_per_unit"), format=widgets.number_format(value or 0.0),
                      placeholder="not monetised", help="Its money value per unit, with the source below.")
        c7, c8, c9 = st.columns([2, 1, 1])
        widgets.bound(c7.text_input, "Source of the $ value", f"{tag}.value_source.{k.value_source}",
                      set_field(i, "value_source"), value=k.value_source, max_chars=300)
        credibility = [""] + kpis.CREDIBILITY_ORDER
        widgets.bound(c8.selectbox, "Credibility", f"{tag}.credibility.{k.credibility}",
                      set_field(i, "credibility"), options=credibility, index=credibility.index(k.credibility),
                      format_func=lambda c: c or "(not said)", help="Phillips' order, most credible first.")
        owners = [""] + stakeholders + ([k.owner] if k.owner and k.owner not in stakeholders else [])
        widgets.bound(c9.selectbox, "Owner", f"{tag}.owner.{k.owner}", set_field(i, "owner"), options=owners,
                      index=owners.index(k.owner), format_func=lambda o: o or "(none)",
                      help="Chosen from the stakeholders of step 1 (Goals).")
        if not k.primary:
            widgets.bound(st.radio, "In the pre-registration", f"{tag}.registered_as.{k.registered_as}",
                          set_field(i, "registered_as"), options=list(REGISTERED_AS),
                          index=list(REGISTERED_AS).index(k.registered_as), format_func=REGISTERED_AS.get,
                          horizontal=True,
                          help="Step 5 estimates secondary KPIs and guardrails as it does the primary KPI. Secondary "
                               "KPIs are adjusted together (Holm), so one lucky KPI is not taken for an effect; a "
                               "guardrail the pilot makes worse blocks “expand”.")

# every field of every KPI, in one table, for those who prefer it
with st.expander("All KPIs as a table (every field)"):
    rows = widgets.table(
        "kpis.table", [vars(k) for k in plan.kpis], dtypes=widgets.dtypes_of(Kpi),
        column_config={
            "name": st.column_config.TextColumn("KPI", required=True, max_chars=120),
            "tier": st.column_config.SelectboxColumn("Tier", options=["input", "output", "outcome"],
                                                     default="outcome"),
            "kind": st.column_config.SelectboxColumn("Kind", options=["learning", "business"], default="business"),
            "unit": st.column_config.TextColumn("Unit", max_chars=40),
            "better": st.column_config.SelectboxColumn("Better when", options=["higher", "lower"],
                                                       default="higher"),
            "column": st.column_config.SelectboxColumn("Data column", options=[""] + panel_columns),
            "owner": st.column_config.SelectboxColumn("Owner", options=[""] + stakeholders),
            "manual_baseline": st.column_config.NumberColumn("Manual baseline",
                                                             **widgets.limits("kpis.manual_baseline")),
            "target": st.column_config.NumberColumn("Target", **widgets.limits("kpis.target")),
            "value_per_unit": st.column_config.NumberColumn("$ per unit", **widgets.limits("kpis.value_per_unit")),
            "value_source": st.column_config.TextColumn("Source of the $ value", max_chars=300),
            "credibility": st.column_config.SelectboxColumn("Credibility", options=[""] + kpis.CREDIBILITY_ORDER,
                                                            help="Phillips' order, most credible first."),
            "intangible": st.column_config.CheckboxColumn("Intangible"),
            "primary": st.column_config.CheckboxColumn("Primary", help="The pilot's outcome: steps 4, 5 and 6 "
                                                       "read its name, unit, direction and $ value from this row."),
            "registered_as": st.column_config.SelectboxColumn("Registered as", options=list(REGISTERED_AS),
                                                              help="Blank: exploratory. A secondary KPI or a "
                                                              "guardrail is estimated in step 5."),
        },
    )
    if rows is not None:
        new = [Kpi(**{**row, "tier": row["tier"] or "outcome", "kind": row["kind"] or "business",
                      "better": row["better"] or "higher", "registered_as": row["registered_as"] or ""})
               for row in rows]
        if new != plan.kpis:
            widgets.commit(lambda p: setattr(p, "kpis", new))

# -- baselines ---------------------------------------------------------------------------------------------------
st.header("Baselines from the data", anchor="baselines")
if joined is None:
    st.info("Load data in step 2 to compute baselines; until then, enter a manual baseline in the table.")
facts = pilot.facts(plan, joined)
window = facts.windows.baseline if facts.windows is not None else None
chosen = plan.primary_kpi()
rows = kpis.baseline_rows(plan, facts, joined)
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             column_config={**{c: st.column_config.NumberColumn(format="%.4g")
                               for c in ("mean", "sd", "trend per month", "pilot effect")},
                            "% of baseline": st.column_config.NumberColumn(format="%.1f%%")})
if joined is not None and window is None:
    st.caption("The baseline uses every month in the data; set the pilot's start date in step 4 to use only the "
               "baseline window before it.")
elif window is not None:
    st.caption(f"Baseline window {pilot.months_label(window)} (step 4). The pilot effect is the primary KPI's, "
               "set in step 4; its % of the baseline is the eligible people's mean there.")

# -- links -------------------------------------------------------------------------------------------------------
st.header("From learning to money", anchor="links")
learning = [k.name for k in plan.kpis if k.kind == "learning"]
business = [k.name for k in plan.kpis if k.kind == "business"]
hypotheses = [h.kpi for h in plan.hypotheses if h.kpi]
links = widgets.table(
    "kpis.links", [vars(link) for link in plan.kpi_links],
    dtypes={"learning": "str", "business": "str", "hypothesis": "str"},
    column_config={
        "learning": st.column_config.SelectboxColumn("Learning KPI", options=learning, required=True),
        "business": st.column_config.SelectboxColumn("Business KPI", options=business, required=True),
        "hypothesis": st.column_config.SelectboxColumn("Hypothesis it tests", options=[""] + hypotheses),
    },
)
if links is not None and (new_links := [KpiLink(**row) for row in links]) != plan.kpi_links:
    widgets.commit(lambda p: setattr(p, "kpi_links", new_links))
by_name = {k.name: k for k in plan.kpis}
margin = plan.roi.contribution_margin
for link in plan.kpi_links:
    b = by_name.get(link.business)
    money = ("intangible: reported beside the ROI" if b and b.intangible else
             f"${b.value_per_unit:,.4g} {per_unit(b.unit, b.name, b.better)} × contribution margin {margin:.0%} "
             "(ROI step)"
             if b and b.value_per_unit is not None else "not monetised yet")
    st.markdown(f"**{md(link.learning)}** → **{md(link.business)}** → {md(money)}"
                + (f" · tests “{md(link.hypothesis)}”" if link.hypothesis else ""))

# -- association in the history ----------------------------------------------------------------------------------
if joined is not None:
    for link in plan.kpi_links:
        lk, bk = by_name.get(link.learning), by_name.get(link.business)
        if not (lk and bk and lk.column and bk.column):
            continue
        found = kpis.association(joined.people, joined.periods, lk.column, bk.column,
                                 before=plan.pilot.start or None)
        if found is None:
            st.caption(md(f"{link.learning} and {link.business}: fewer than {kpis.MIN_N} people have both; not "
                          "shown."))
            continue
        st.plotly_chart(charts.association(found, lk.name, bk.name), key=session.key(f"kpis.assoc.{lk.name}.{bk.name}"))
        st.caption(f"Association, not effect: r = {found.r:.2f} (95% CI {found.ci[0]:.2f} to {found.ci[1]:.2f}), "
                   f"{found.n:,} people. People who score higher may differ in other ways; only the pilot's control "
                   "group can show what the program causes.")

# -- warnings and hand-over ------------------------------------------------------------------------------------
st.header("Checks", anchor="checks")
found_warnings = kpis.warnings(plan, columns=set(panel_columns) if joined is not None else None)
if not found_warnings:
    st.success("No warnings.")
for w in found_warnings:
    st.warning(f"**{md(w.kpi)}**: {md(w.message)}")
waiting = kpis.not_in_data(plan, set(panel_columns)) if joined is not None else []
if waiting:
    st.caption(md(f"Not in the data yet: {', '.join(waiting)} (their columns arrive with the data; a score taken "
                  "after the program arrives with the pilot's)."))
if chosen is not None:
    st.caption(md(f"Primary outcome: {chosen.name}. Steps 4, 5 and 6 read it from here: its unit, direction and $ "
                  "value per unit with its source. The effect to detect lives in step 4."))

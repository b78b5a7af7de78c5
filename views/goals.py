"""Step 1 Goals: the five questions, program type, stakeholders and the hypothesis registry."""

from __future__ import annotations

import streamlit as st

from core.plan import GOAL_QUESTIONS, STAKEHOLDER_ROLES, Hypothesis, Stakeholder
from ui import session, widgets
from ui.text import md

plan = session.require_plan()
st.title("1 Goals")
st.caption("Start from the business result, not the course. Each answer is saved as soon as you leave the box.")

PROGRAM_TYPES = {
    "": "Choose…",
    "learning": "Learning: knowledge people apply on their own",
    "training": "Training: a defined skill for a defined job task",
    "development": "Development: growing people for future roles",
}
widgets.bound(
    st.selectbox, "Program type", "program_type", lambda p, v: setattr(p, "program_type", v),
    options=list(PROGRAM_TYPES), format_func=PROGRAM_TYPES.get,
    index=list(PROGRAM_TYPES).index(plan.program_type),
)

st.subheader("The five questions")
for field_name, question in GOAL_QUESTIONS.items():
    widgets.bound(
        st.text_area, question, f"goals.{field_name}",
        lambda p, v, f=field_name: setattr(p.goals, f, v),
        value=getattr(plan.goals, field_name), max_chars=5000, height=80,
    )

st.subheader("Stakeholders")
st.caption("Who owns the KPI, who signs off the money, who looks after the data, who decides.")
people = widgets.table(
    "stakeholders",
    [vars(s) for s in plan.stakeholders],
    dtypes=widgets.dtypes_of(Stakeholder),
    column_config={
        "name": st.column_config.TextColumn("Name or team", max_chars=200),
        "role": st.column_config.SelectboxColumn("Role", options=STAKEHOLDER_ROLES),
        "accountable_for": st.column_config.TextColumn("Accountable for", max_chars=500),
    },
)
if people is not None and people != [vars(s) for s in plan.stakeholders]:
    widgets.commit(lambda p: setattr(p, "stakeholders", [Stakeholder(**row) for row in people]))

st.subheader("Hypotheses")
st.caption(
    "State each assumed impact before the pilot: which KPI, which direction, how much, by when. "
    "The Results step fills the observed column, so the assumption can be set against the evidence."
)
hypotheses = widgets.table(
    "hypotheses",
    [vars(h) for h in plan.hypotheses],
    dtypes=widgets.dtypes_of(Hypothesis),
    column_config={
        "kpi": st.column_config.TextColumn("KPI", max_chars=200, required=True),
        "direction": st.column_config.SelectboxColumn("Direction", options=["increase", "decrease"],
                                                      default="increase"),
        "assumed_size": st.column_config.NumberColumn("Assumed size", format="%.2f"),
        "unit": st.column_config.TextColumn("Unit", max_chars=40),
        "by_when": st.column_config.TextColumn("By when", max_chars=100),
        "observed": st.column_config.NumberColumn("Observed (from Results)", disabled=True),
    },
)
if hypotheses is not None:
    for row in hypotheses:
        row["direction"] = row["direction"] or "increase"
    if hypotheses != [vars(h) for h in plan.hypotheses]:
        widgets.commit(lambda p: setattr(p, "hypotheses", [Hypothesis(**row) for row in hypotheses]))
missing = [h.kpi or "(unnamed)" for h in plan.hypotheses if h.assumed_size is None]
if missing:
    st.warning(md(f"Give an assumed size for: {', '.join(missing)}. A hypothesis without a size cannot be tested."))

"""The sample organisation's simulated pilot, offered where a new user needs it (step 4 after the list, step 5)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core import pilot, sample_pilot
from core.plan import Plan
from ui import datasets, session
from ui.text import md


def _run(how_far: str) -> None:
    plan = session.current_plan()
    through = st.session_state.get(how_far) if how_far else None
    try:
        said = datasets.run_sample_pilot(plan, through=through if isinstance(through, date) else None)
    except ValueError as exc:
        st.session_state["flash"] = ("error", f"The sample pilot was not simulated: {exc}.")
    else:
        st.session_state["flash"] = ("success", said)


def offer(plan: Plan, *, where: str) -> None:
    """A button that runs (or runs again) the simulated pilot for the plan's list, or why it cannot."""
    if sample_pilot.is_simulated(plan) and not sample_pilot.is_stale(plan):
        through = sample_pilot.simulated_through(plan)
        if through is not None and where == "results":  # a pilot still running: the next month, when it comes
            st.button(f"Simulate the rest of the pilot (from {through:%B %Y})", key=session.key(f"{where}.more"),
                      on_click=_run, args=("",))
        return
    problem = sample_pilot.problem(plan)
    if sample_pilot.is_stale(plan):
        st.warning("The simulated pilot was run for another list, start date or windows than this plan has now, so "
                   "no effect is estimated from it: run it again so the data matches the list"
                   + ("" if plan.design.assignment else " (draw a list in step 4 first)") + ".")
    else:
        st.caption("The sample organisation's files end in June 2026, before its pilot. Run the pilot to generate "
                   "its 90 days for the list drawn above, with the effects the sample documents (simulated, and "
                   "labelled so wherever it shows).")
    how_far = session.key(f"{where}.how_far")
    running = sample_pilot.running_options(plan)
    if running and not problem:
        st.selectbox("How far", ["whole", *running], key=how_far,
                     format_func=lambda o: "The whole pilot" if o == "whole" else
                     f"Through {pilot.add_months(o, -1):%B %Y} only: a pilot still running",
                     help="A pilot still running has only its first months of data: step 5 then shows the interim "
                          "look, the month-by-month health and when it will know; Reviews & sign-off its reviews.")
    st.button("Run the sample pilot (simulated, 90 days)", type="primary", key=session.key(f"{where}.simulate"),
              on_click=_run, args=(how_far,), disabled=bool(problem))
    if problem:
        st.caption(md(f"It cannot run yet: {problem}."))

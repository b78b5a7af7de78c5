"""The sidebar: current plan, status of each step, save state."""

from __future__ import annotations

import streamlit as st

from core.steps import ICONS, STEPS, step_statuses
from ui import datasets, session
from ui.text import md


def render() -> None:
    with st.sidebar:
        person = session.current_person()
        if not session.signed_in_mode():
            st.caption("Single-user: no sign-in is configured, so the server listens on this computer only.")
        elif person:
            st.caption(md(f"Signed in as {person}"))
            st.button("Sign out", key="sign-out", on_click=st.logout)
        plan = session.current_plan()
        if plan is None:
            st.caption("No plan open. Create or open one on the Plans page.")
            return
        st.markdown(f"**Current plan**  \n{md(plan.name)}")
        st.caption(session.save_state_label())
        lines = [f"{ICONS[status]} {STEPS[step]}: {status}" for step, status in step_statuses(plan).items()]
        st.caption("  \n".join(lines))
        problem = datasets.unreadable(plan) if plan.data.sources else None
        if problem:  # every page that reads the data would otherwise just say "load the data"
            st.warning(md(f"The data of step 2 cannot be read now, so figures from it are missing on every step. "
                          f"{problem}"))


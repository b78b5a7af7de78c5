"""The sidebar: current plan, status of each step, save state."""

from __future__ import annotations

import streamlit as st

from core.steps import ICONS, STEPS, step_statuses
from ui import session
from ui.text import md


def signed_in_mode() -> bool:
    """Whether sign-in ([auth] in .streamlit/secrets.toml) is configured."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def render() -> None:
    with st.sidebar:
        if not signed_in_mode():
            st.caption("Single-user: no sign-in is configured, so the server listens on this computer only.")
        plan = session.current_plan()
        if plan is None:
            st.caption("No plan open. Create or open one on the Plans page.")
            return
        st.markdown(f"**Current plan**  \n{md(plan.name)}")
        st.caption(session.save_state_label())
        lines = [f"{ICONS[status]} {STEPS[step]}: {status}" for step, status in step_statuses(plan).items()]
        st.caption("  \n".join(lines))


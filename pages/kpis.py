"""3 KPI mapping: not built yet; says so in one line rather than show anything that only looks like it works."""

import streamlit as st

from ui import session

session.require_plan()
st.title("3 KPI mapping")
st.info("Coming in this plan's next step: the KPI mapping step has not been built yet.")

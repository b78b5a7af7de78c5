"""Export: not built yet; says so in one line rather than show anything that only looks like it works."""

import streamlit as st

from ui import session

session.require_plan()
st.title("Export")
st.info("Coming in this plan's next step: the Excel export has not been built yet.")

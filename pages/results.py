"""5 Results: not built yet; says so in one line rather than show anything that only looks like it works."""

import streamlit as st

from ui import session

session.require_plan()
st.title("5 Results")
st.info("Coming in this plan's next step: the Results step (effect estimates) has not been built yet.")

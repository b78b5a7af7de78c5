"""4 Pilot design: not built yet; says so in one line rather than show anything that only looks like it works."""

import streamlit as st

from ui import session

session.require_plan()
st.title("4 Pilot design")
st.info("Coming in this plan's next step: power, assignment and pre-registration are not built yet.")

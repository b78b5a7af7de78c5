"""2 Data: not built yet; says so in one line rather than show anything that only looks like it works."""

import streamlit as st

from ui import session

session.require_plan()
st.title("2 Data")
st.info("Coming in this plan's next step: uploads, column mapping and the data-quality report are not built yet.")

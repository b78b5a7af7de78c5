"""6 ROI: not built yet."""

import streamlit as st

from ui import session

session.require_plan()
st.title("6 ROI")
st.info("Coming in this plan's next step: the ROI calculator has not been built yet.")

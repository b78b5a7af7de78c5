"""Presenter view of step 6: big numbers, the range, the tornado and the sliders, for a meeting room; the saved
scenarios side by side. Nothing here changes the saved plan except "Save as scenario" on the ROI page."""

from __future__ import annotations

import streamlit as st

from core import pilot, roi, sample_pilot
from ui import datasets, live, session
from ui.text import md

plan = session.require_plan()
facts = pilot.facts(plan, datasets.joined(plan))
st.title(md(plan.name), anchor=False)
live.require_roi(plan, facts, "The ROI cannot be shown yet")

basis = "the pilot's observed effect" if roi.basis(plan) == "observed" else "a forecast from the plan's assumptions"
st.caption(f"Presenter view: {basis}. Move a slider to ask “what if”: the figures answer at once and the saved "
           "plan is not changed.")
if sample_pilot.is_simulated(plan):
    st.info(sample_pilot.label(plan), icon="🧪")
live.panel(plan, facts, presenter=True)  # the scenarios are inside it: they follow the sliders too

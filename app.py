"""Pilot ROI: entry point. Navigation over views/, the sidebar, and ?plan=<id> deep links."""

import streamlit as st

from core.store import StoreError
from ui import run_log, session, sidebar
from ui.text import md

st.set_page_config(page_title="Pilot ROI", page_icon="📈", layout="wide")

navigation = st.navigation(
    {
        "": [st.Page("views/plans.py", title="Plans", icon="📋", default=True)],
        "Steps": [
            st.Page("views/goals.py", title="1 Goals", icon="🎯"),
            st.Page("views/data.py", title="2 Data", icon="🗂️"),
            st.Page("views/kpis.py", title="3 KPI mapping", icon="🔗"),
            st.Page("views/design.py", title="4 Pilot design", icon="🧪"),
            st.Page("views/results.py", title="5 Results", icon="📊"),
            st.Page("views/roi.py", title="6 ROI", icon="💰"),
        ],
        "Meeting": [st.Page("views/present.py", title="Present the ROI", icon="🖥️"),
                    st.Page("views/reviews.py", title="Reviews & sign-off", icon="🗓️")],
        "Share": [st.Page("views/export.py", title="Export", icon="📤"),
                  st.Page("views/portfolio.py", title="Portfolio", icon="🗃️")],
    }
)
if session.signed_in_mode() and not st.user.is_logged_in:
    st.title("Pilot ROI")
    st.write("Plans hold HR data: sign in to see the plans you own or that are shared with you.")
    st.button("Sign in", type="primary", on_click=st.login)
    st.stop()
if problem := session.identity_problem():  # signed in, but not as a person the app can trust
    st.title("Pilot ROI")
    st.error(md(problem))
    st.button("Sign out", on_click=st.logout)
    st.stop()
session.store()
with run_log.timed("page"):  # the run's duration on the server, for `make bench` (off unless PILOT_ROI_RUN_LOG)
    try:
        session.sync_query_param()
        sidebar.render()
        navigation.run()
    except StoreError as exc:  # a storage fault (read-only file, full disk, file deleted): a message, not a traceback
        st.error(md(str(exc)))

"""Portfolio: every plan the person can see, side by side, to decide what to expand and what to rethink."""

from __future__ import annotations

import streamlit as st

from core import charts, decision, portfolio, roi
from core import pilot as pl
from core.plan import PlanFormatError
from core.store import NotFoundError
from ui import datasets, session

session.page_messages()
st.title("Portfolio")
st.caption(
    "Every plan you can see, side by side: what it costs, its ROI range, the chance it pays off, and how far the "
    "evidence can be trusted. Programs with strong evidence and a positive range are ones to expand; a negative "
    "range, or a loss more likely than a gain on assumptions alone, means rethink."
)


@st.cache_data(show_spinner=False, max_entries=256)
def _standing(plan_json: str, data_key: str, plan_id: str) -> tuple[decision.Standing | None, str]:
    """One plan's standing, cached by the plan's content and its files (the same numbers as its ROI page)."""
    from core.plan import Plan

    plan = Plan.from_json(plan_json)
    plan.id = plan_id
    try:
        return decision.standing(plan, pl.facts(plan, datasets.joined(plan))), ""
    except (roi.InputError, ValueError) as exc:
        return None, str(exc)


store = session.store()
rows = store.list_plans(person=session.current_person(), admin=session.is_admin())
if not rows:
    st.info("No plans yet: create one on the Plans page.")
    st.stop()

entries = []
with st.spinner("Computing each plan's ROI range…"):
    for row in rows:
        try:
            plan, _ = store.load(row.id)
        except (NotFoundError, PlanFormatError):
            continue
        found, problem = _standing(plan.to_json(), datasets.data_key(plan), plan.id)
        entries.append(portfolio.Entry(plan.id, plan.name, portfolio.status(plan), found, problem))

frame = portfolio.table(entries)
counts = frame["decision"].value_counts()
m = st.columns(4)
m[0].metric("Plans", f"{len(frame):,}")
m[1].metric("Expand", f"{counts.get(decision.EXPAND, 0):,}", help="Observed evidence and even P10 above 0.")
m[2].metric("Run the pilot first", f"{counts.get(decision.RUN_PILOT, 0):,}",
            help="A forecast worth testing: the evidence is not in yet.")
m[3].metric("Rethink", f"{counts.get(decision.RETHINK, 0):,}",
            help="Even P90 below 0, or on assumptions alone a loss more likely than a gain.")

if frame["P50"].notna().any():
    st.plotly_chart(charts.portfolio(frame), key="portfolio-chart")
else:
    st.info("Give ranges to the uncertain assumptions on each plan's ROI page to compare ROI ranges.")

PERCENTS = ["ROI (most likely)", "P10", "P50", "P90", "P(ROI > 0)", "power"]
shown = frame.assign(**{c: frame[c] * 100 for c in PERCENTS})  # whole percentages, as people read them
percent = {c: st.column_config.NumberColumn(c, format="%.0f%%") for c in PERCENTS}
st.dataframe(
    shown, hide_index=True, width="stretch",
    column_config={
        **percent,
        "cost": st.column_config.NumberColumn("cost ($)", format="localized"),
        "power": st.column_config.NumberColumn("power", format="%.0f%%",
                                               help="The planned pilot's power at the plan's effect."),
        "effect": st.column_config.TextColumn("effect", help="observed (step 5) or forecast"),
        "why": st.column_config.TextColumn("why", width="large"),
    },
)
st.caption("Sorted by decision (expand, not yet clear, run the pilot, rethink), then by the chance of a gain. "
           "Click a column header to sort by it.")
st.download_button("Download the portfolio (Excel)", portfolio.workbook_bytes(frame), file_name="portfolio.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon="📥",
                   key="portfolio-xlsx", on_click="ignore")

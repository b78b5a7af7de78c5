"""Portfolio: every plan the person can see, side by side, to decide what to expand and what to rethink."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core import charts, decision, plan_checks, portfolio, reviews, roi
from core import pilot as pl
from core.plan import PlanFormatError
from core.store import NotFoundError
from ui import datasets, session
from ui.text import md

session.page_messages()
st.title("Portfolio")
st.caption(
    "Every plan you can see, side by side: what it costs, its ROI range, the chance it pays off, and how far the "
    "evidence can be trusted. Programs with strong evidence and a positive range are ones to expand; a negative "
    "range, or a loss more likely than a gain on assumptions alone, means rethink."
)


@st.cache_data(show_spinner=False, max_entries=256)
def _standing(plan_json: str, data_key: str, plan_id: str, today: date
              ) -> tuple[decision.Standing | None, str, dict | None]:
    """One plan's standing and its plan-versus-actual row, cached by the plan's content, its files and the day
    (the same numbers as its ROI page)."""
    from core.plan import Plan

    plan = Plan.from_json(plan_json)
    plan.id = plan_id
    try:
        facts = pl.facts(plan, datasets.joined(plan))
        return decision.standing(plan, facts), "", portfolio.versus(plan, facts, today)
    except (roi.InputError, ValueError) as exc:
        return None, str(exc), None
    except Exception as exc:  # noqa: BLE001 — one plan that cannot be computed must not break the view for everyone
        return None, f"its figures cannot be computed ({type(exc).__name__}); open it to see why", None


store = session.store()
rows = store.list_plans(person=session.current_person(), admin=session.is_admin())
if not rows:
    st.info("No plans yet: create one on the Plans page.")
    st.stop()

entries, versus = [], []
today = date.today()
with st.spinner("Computing each plan's ROI range…"):
    for row in rows:
        try:
            plan, _ = store.load(row.id)
        except NotFoundError:
            continue
        except PlanFormatError as exc:  # shown as a row that says why, never an error for everyone
            entries.append(portfolio.Entry(row.id, row.name, "cannot be read", None,
                                           f"the stored plan does not validate ({exc}); its owner can import a "
                                           "corrected copy on the Plans page"))
            continue
        plan_checks.repair(plan)  # out-of-range values at their defaults, as opening the plan would
        found, problem, row_versus = _standing(plan.to_json(), datasets.data_key(plan), plan.id, today)
        entries.append(portfolio.Entry(plan.id, plan.name, portfolio.status(plan), found, problem))
        versus.append(row_versus or {"plan": plan.name, "basis": f"cannot say yet: {problem}",
                                     "reviews": reviews.due_words(plan, today)})

frame = portfolio.table(entries)
counts = frame["decision"].value_counts()
m = st.columns(5)
m[0].metric("Plans", f"{len(frame):,}")
m[1].metric("Expand", f"{counts.get(decision.EXPAND, 0):,}", help="Observed evidence and even P10 above 0.")
m[2].metric("Not yet clear", f"{counts.get(decision.UNCLEAR, 0):,}",
            help="Observed, but not enough to decide: an interim read, an interval across break-even, or a "
                 "guardrail harmed.")
m[3].metric("Run the pilot first", f"{counts.get(decision.RUN_PILOT, 0):,}",
            help="A forecast worth testing: the evidence is not in yet.")
m[4].metric("Rethink", f"{counts.get(decision.RETHINK, 0):,}",
            help="Even P90 below 0, or on assumptions alone a loss more likely than a gain.")

if frame["P50"].notna().any():
    st.plotly_chart(charts.portfolio(frame), key="portfolio-chart")
else:
    st.info("Give ranges to the uncertain assumptions on each plan's ROI page to compare ROI ranges.")

shown = pd.DataFrame({  # what fits on a 1,280 px projector; the reason and the details follow below
    "plan": frame["plan"], "decision": frame["decision"],
    "ROI range (P10 to P90)": [f"{lo:,.0%} to {hi:,.0%}" if pd.notna(lo) else "—" for lo, hi in
                               zip(frame["P10"], frame["P90"], strict=True)],
    "chance ROI > 0": frame["P(ROI > 0)"].astype(float) * 100,
    "cost": frame["cost"].astype(float), "evidence": frame["evidence"].astype(object).fillna("—"),
    "status": frame["status"],
})
st.dataframe(
    shown, hide_index=True, width="stretch",
    column_config={
        "plan": st.column_config.TextColumn(width="medium"),
        "chance ROI > 0": st.column_config.NumberColumn(format="%.0f%%"),
        "cost": st.column_config.NumberColumn("cost ($)", format="localized"),
        "evidence": st.column_config.TextColumn(help="strong: randomised, pre-registered, well powered; moderate: "
                                                     "observed otherwise; none yet: a forecast"),
    },
)
with st.expander("Why each decision, and the details"):
    for row in frame.to_dict("records"):
        st.markdown(f"**{md(row['plan'])}** — {md(row['why'])}")
        if isinstance(row["design"], str):
            power = f"{row['power']:.0%}" if pd.notna(row["power"]) else "not computed"
            st.caption(md(f"{row['design']}; effect {row['effect']}; planned power {power}; ROI at the most likely "
                          f"values {row['ROI (most likely)']:,.0%}."))
st.caption("Sorted by decision (expand, not yet clear, run the pilot, rethink), then by the chance of a gain. "
           "Click a column header to sort by it.")
st.header("Plan versus actual", anchor="versus")
versus_frame = pd.DataFrame(versus, columns=portfolio.VERSUS)
st.dataframe(portfolio.versus_shown(versus_frame), hide_index=True, width="stretch",
             column_config={"reviews": st.column_config.TextColumn("next review", width="large")})
st.caption(f"Each program's ROI forecast from its assumptions beside the ROI on the pilot's observed effect, and the "
           f"benefit each puts in the complete months of {today.year} so far (year to date). Reviews: what is due "
           "or overdue on each plan's cadence (Reviews & sign-off).")
overdue = [r["plan"] for r in versus if str(r.get("reviews", "")).startswith("overdue")]
if overdue:
    st.warning(md(f"Reviews overdue: {', '.join(overdue)}."))
st.download_button("Download the portfolio (Excel)", portfolio.workbook_bytes(frame, versus_frame),
                   file_name="portfolio.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon="📥",
                   key="portfolio-xlsx", on_click="ignore")

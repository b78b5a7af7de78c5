"""Export: the audit-ready Excel workbook and the one-page executive summary."""

from __future__ import annotations

import streamlit as st

from core import brief, export, pilot, roi
from core.words import count
from ui import datasets, live, session
from ui.text import md

plan = session.require_plan()
st.title("Export")
st.caption(
    "One Excel workbook Finance can audit: every input in one yellow block with named cells, and the ROI "
    "computed by live formulas, so changing an assumption in Excel or LibreOffice recomputes everything."
)

facts = pilot.facts(plan, datasets.joined(plan))
live.require_roi(plan, facts, "The ROI model cannot be exported yet")

st.subheader("What the workbook holds")


STATUS = {
    "Summary": "headline figures as formulas linked to the ROI model, and the Monte Carlo range",
    "Goals": f"the five questions, {count(len(plan.stakeholders), 'stakeholder')}, "
             f"{count(len(plan.hypotheses), 'hypothesis', 'hypotheses')}",
    "ROI model": f"{len(export.INPUT_NAMES)} named inputs, {len(plan.roi.costs)} cost lines, 120 months of "
                 "benefits, ROI %, BCR, payback and break-even as formulas",
    "Sensitivity": f"{len(plan.roi.ranges)} assumptions swung low to high, with a chart",
    "Pilot design & power": "design, power, MDE against break-even, timeline, pre-registration and deviations"
    if plan.design.design or plan.pilot.treated_people else "not filled in yet",
    "Assignment list": f"{len(plan.design.assignment):,} people with their arm (real ids)"
    if plan.design.assignment else "no list drawn yet",
    "Monte Carlo": "P10/P50/P90, probability ROI > 0 and the histogram" if plan.roi.ranges else "no ranges yet",
    "Assumptions log": "every assumption with its value, unit, source, credibility, owner",
    "KPI map": f"{count(len(plan.kpis), 'KPI')} and {count(len(plan.kpi_links), 'link')} to money" if plan.kpis
    else "no KPIs yet",
    "Data quality": f"the report for {len(plan.data.sources)} files" if plan.data.sources else "no files yet",
}
st.dataframe(
    {"sheet": export.SHEETS, "contents": [STATUS[s] for s in export.SHEETS]},
    hide_index=True, width="stretch",
)

with st.spinner("Building the workbook…"):
    try:
        data = export.workbook_bytes(plan, reports=datasets.reports(plan), facts=facts)
    except roi.InputError as exc:  # an input the ROI model refuses: said, as the ROI page says it
        st.error(md(f"The workbook cannot be built: {exc} Fix it on the ROI page (step 6)."))
        st.stop()
left, middle, right = st.columns(3)
left.download_button(
    "Download the Excel workbook", data, file_name=export.file_name(plan), type="primary", icon="📥",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="export-xlsx", on_click="ignore",
)
middle.download_button(  # built when clicked: the summary draws its charts
    "Download the one-page summary (PDF)", lambda: brief.summary_pdf(plan, facts),
    file_name=export.file_name(plan).replace(".xlsx", "-summary.pdf"), mime="application/pdf", icon="📄",
    key="export-pdf", on_click="ignore",
)
right.download_button(
    "Download the one-page summary (HTML)", lambda: brief.executive_summary(plan, facts),
    file_name=export.file_name(plan).replace(".xlsx", "-summary.html"), mime="text/html", icon="🌐",
    key="export-html", on_click="ignore",
)

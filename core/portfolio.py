"""Plans side by side, to decide which programs to expand and which to rethink (the strategy guide's question).

Each plan's row comes from core/decision.py: cost, ROI range (P10–P90), P(ROI > 0), evidence (design;
observed or forecast; power) and the decision. The ranking puts the decision first — expand, then not yet
clear, then run the pilot, then rethink — and within a decision the better chance of a gain, then the
higher median ROI, first.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from datetime import date

import pandas as pd

from core import decision, reviews, roi
from core import pilot as pl
from core.plan import Plan

ORDER = {decision.EXPAND: 0, decision.UNCLEAR: 1, decision.RUN_PILOT: 2, decision.RETHINK: 3}
COLUMNS = ["plan", "status", "decision", "cost", "ROI (most likely)", "P10", "P50", "P90", "P(ROI > 0)",
           "evidence", "design", "effect", "power", "why"]


@dataclass(frozen=True)
class Entry:
    plan_id: str
    name: str
    status: str
    standing: decision.Standing | None  # None: the ROI cannot be computed yet
    problem: str = ""


def status(plan: Plan) -> str:
    """Where the plan is: results in, pilot drawn, or still being planned (and at which step)."""
    if plan.results.observed is not None and plan.results.observed.interim:
        o = plan.results.observed
        return f"interim read (step 5: {o.months} of {o.of_months} months)"
    if plan.results.observed is not None:
        return "results in (step 5)"
    if plan.design.assignment:
        return "pilot drawn (step 4)"
    if plan.primary_kpi() is None:
        return "planning: no primary KPI (step 3)"
    return "planning (steps 4–6)"


def table(entries: list[Entry]) -> pd.DataFrame:
    """One row per plan in ranking order; plans whose ROI cannot be computed last, saying why."""
    rows = []
    for e in entries:
        s = e.standing
        if s is None:
            rows.append({"plan": e.name, "status": e.status, "decision": "cannot say yet", "why": e.problem})
            continue
        rows.append({
            "plan": e.name, "status": e.status, "decision": s.decision, "cost": s.cost,
            "ROI (most likely)": s.roi_pct / 100, "P10": _share(s.p10), "P50": _share(s.p50), "P90": _share(s.p90),
            "P(ROI > 0)": s.prob_positive, "evidence": s.evidence, "design": s.design, "effect": s.basis,
            "power": s.power, "why": s.sentence,
        })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["_order"] = frame["decision"].map(ORDER).fillna(len(ORDER))
    frame = frame.sort_values(["_order", "P(ROI > 0)", "P50"], ascending=[True, False, False], kind="stable",
                              na_position="last")
    return frame.drop(columns="_order").reset_index(drop=True)


VERSUS = ["plan", "basis", "forecast ROI", "observed ROI", "difference (points)", "forecast benefit YTD",
          "observed benefit YTD", "reviews"]


def versus(plan: Plan, facts: pl.PilotFacts | None, today: date) -> dict[str, object]:
    """Plan versus actual (in the spirit of the Talent Development Reporting principles): the ROI forecast from
    the plan's assumptions beside the ROI valued on the pilot's observed effect, and the benefit each puts in the
    complete months of this calendar year up to `today` (month 0 of the benefits is the first month after the
    program, counted from the pilot's start date). Without an observed effect the actual columns stay empty."""
    forecast_inputs = roi.forecast_inputs(plan, facts)
    forecast = roi.evaluate(forecast_inputs)
    row: dict[str, object] = {"plan": plan.name, "forecast ROI": forecast.roi_pct / 100,
                              "reviews": reviews.due_words(plan, today)}
    observed = None
    as_observed = dataclasses.replace(plan, roi=dataclasses.replace(plan.roi, mode="observed"))
    if plan.results.observed is not None and not roi.observed_is_stale(as_observed):
        observed = roi.evaluate(roi.inputs(as_observed, facts))
        row |= {"observed ROI": observed.roi_pct / 100,
                "difference (points)": observed.roi_pct - forecast.roi_pct}
    kept = plan.results.observed
    row["basis"] = ((f"interim read ({kept.months} of {kept.of_months} months)" if kept.interim
                     else "observed effect (step 5)") if observed else "forecast only: no observed effect yet")
    start = pl.start_date(plan.pilot)
    if start is not None:
        first = pl.add_months(start.replace(day=1), plan.roi.program_months)
        months = [i for i in range(plan.roi.horizon_months)  # complete months only: none of December on 2 Dec
                  if date(today.year, 1, 1) <= pl.add_months(first, i) and pl.add_months(first, i + 1) <= today]
        row["forecast benefit YTD"] = sum(forecast.monthly_benefits[i] for i in months)
        if observed is not None:
            row["observed benefit YTD"] = sum(observed.monthly_benefits[i] for i in months)
    return row


def versus_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The plan-versus-actual table as people read it: ROI in whole percent, points signed, dollars with
    separators, blanks where there is nothing yet (the workbook keeps the numbers)."""
    from core.words import money, or_blank

    shown = frame.copy()
    for column in ("forecast ROI", "observed ROI"):
        shown[column] = [or_blank(v, lambda x: f"{x:,.0%}") for v in frame[column]]
    shown["difference (points)"] = [or_blank(v, lambda x: f"{x:+,.0f}") for v in frame["difference (points)"]]
    for column in ("forecast benefit YTD", "observed benefit YTD"):
        shown[column] = [or_blank(v, money) for v in frame[column]]
    return shown.fillna("")


def _share(pct: float | None) -> float | None:
    return None if pct is None else pct / 100


def workbook_bytes(frame: pd.DataFrame, versus_frame: pd.DataFrame | None = None) -> bytes:
    """The portfolio as an Excel sheet, formatted as people read it (user text stays text), and the plan-versus-
    actual view as a second sheet."""
    from openpyxl import Workbook

    from core.export import MONEY, PERCENT, widths

    wb = Workbook()
    ws = wb.active
    ws.title = "Portfolio"
    formats = {"cost": MONEY, "ROI (most likely)": PERCENT, "P10": PERCENT, "P50": PERCENT, "P90": PERCENT,
               "P(ROI > 0)": PERCENT, "power": PERCENT}
    _write(ws, frame, formats)
    ws.freeze_panes = "B2"
    widths(ws, 32, 24, 16, 12, 14, 9, 9, 9, 11, 12, 34, 10, 9, 90)
    if versus_frame is not None:
        sheet = wb.create_sheet("Plan vs actual")
        _write(sheet, versus_frame.reindex(columns=VERSUS), {
            "forecast ROI": PERCENT, "observed ROI": PERCENT, "difference (points)": "0.0",
            "forecast benefit YTD": MONEY, "observed benefit YTD": MONEY})
        widths(sheet, 32, 34, 13, 13, 17, 19, 19, 60)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _write(ws, frame: pd.DataFrame, formats: dict[str, str]) -> None:
    """A header row and one row per record; empty cells for missing values, numbers as numbers."""
    from openpyxl.utils import get_column_letter

    from core.export import put

    for col, name in enumerate(frame.columns, start=1):
        put(ws, f"{get_column_letter(col)}1", name, bold=True)
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for col, (name, value) in enumerate(zip(frame.columns, row, strict=True), start=1):
            if value is None or (isinstance(value, float) and value != value):
                continue
            cell = f"{get_column_letter(col)}{i}"
            put(ws, cell, value if isinstance(value, str) else float(value), fmt=formats.get(name))

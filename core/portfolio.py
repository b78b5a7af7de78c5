"""Plans side by side, to decide which programs to expand and which to rethink (the strategy guide's question).

Each plan's row comes from core/decision.py: cost, ROI range (P10–P90), P(ROI > 0), evidence (design;
observed or forecast; power) and the decision. The ranking puts the decision first — expand, then not yet
clear, then run the pilot, then rethink — and within a decision the better chance of a gain, then the
higher median ROI, first.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd

from core import decision
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


def _share(pct: float | None) -> float | None:
    return None if pct is None else pct / 100


def workbook_bytes(frame: pd.DataFrame) -> bytes:
    """The portfolio as an Excel sheet, formatted as people read it (user text stays text)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from core.export import MONEY, PERCENT, put, widths

    wb = Workbook()
    ws = wb.active
    ws.title = "Portfolio"
    formats = {"cost": MONEY, "ROI (most likely)": PERCENT, "P10": PERCENT, "P50": PERCENT, "P90": PERCENT,
               "P(ROI > 0)": PERCENT, "power": PERCENT}
    for col, name in enumerate(frame.columns, start=1):
        put(ws, f"{get_column_letter(col)}1", name, bold=True)
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for col, (name, value) in enumerate(zip(frame.columns, row, strict=True), start=1):
            if value is None or (isinstance(value, float) and value != value):
                continue
            cell = f"{get_column_letter(col)}{i}"
            put(ws, cell, value if isinstance(value, str) else float(value), fmt=formats.get(name))
    ws.freeze_panes = "B2"
    widths(ws, 32, 24, 16, 12, 14, 9, 9, 9, 11, 12, 34, 10, 9, 90)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

"""The Excel workbook Finance can audit: live formulas over named input cells (openpyxl).

The ROI model sheet holds every assumption in one styled input block, each cell a workbook-level
defined name (``Participants``, ``Adoption``, ``EffectPerParticipant``…). Costs, the month-by-month
benefits with decay, ROI %, BCR, payback and break-even are Excel formulas over those names, the same
formulas as core/roi.py, so editing an input in Excel or LibreOffice recomputes everything.

Every formula cell also carries its cached value, the app's own number (core/roi.py), so viewers that do
not recalculate (file previews, pandas, openpyxl with data_only=True) show the same figures; Excel and
LibreOffice recalculate on open (fullCalcOnLoad) and get them again. The yellow input cells are the only
unlocked ones: every sheet is protected (without a password) so a formula is not overwritten by accident.

Safety: user text is always written as a string cell (never a formula, whatever its first
character), control characters are removed and cells are capped at Excel's 32,767 characters.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from core import __version__, design, results, reviews, roi, sample_pilot, sensitivity, signoff
from core import pilot as pl
from core.plan import GOAL_QUESTIONS, Plan

EXCEL_CELL_MAX = 32_767
TRUNCATION_NOTE = " …[truncated: the full text is in Pilot ROI]"
MAX_MONTHS = 120
MONEY, PERCENT, MONTHS, NUMBER = '"$"#,##0', "0.0%", '0.0 "months"', "#,##0.####"
CENTS, PEOPLE, WHOLE_MONTHS, HOURS = '"$"#,##0.00', '#,##0 "people"', '0 "months"', '#,##0.0 "hours"'
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)

SHEETS = ["Summary", "Goals", "KPI map", "Pilot design & power", "Assignment list", "ROI model", "Sensitivity",
          "Monte Carlo", "Assumptions log", "Data quality"]

# Credibility of a money value, most credible first (Phillips' order of data sources).
CREDIBILITY = ["standard value", "historical cost", "expert", "external database", "linked measure", "estimate"]


def clean_text(value: str) -> str:
    """Remove control characters (newlines stay) and cap at Excel's cell limit with a note."""
    text = "".join(ch for ch in value if ch == "\n" or unicodedata.category(ch) != "Cc")
    if len(text) > EXCEL_CELL_MAX:
        text = text[: EXCEL_CELL_MAX - len(TRUNCATION_NOTE)] + TRUNCATION_NOTE
    return text


def put(ws: Worksheet, ref: str, value: Any, *, fmt: str | None = None, bold: bool = False) -> Cell:
    """Write one cell. Strings are user text: always stored as text, never as a formula."""
    cell = ws[ref]
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"
        if cell.value[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True
    else:
        cell.value = value
    if fmt:
        cell.number_format = fmt
    if bold:
        cell.font = HEADER_FONT
    return cell


class AuditWorkbook(Workbook):
    """A workbook that remembers each formula's value as the app computed it, to write as its cached value."""

    def __init__(self) -> None:
        super().__init__()
        self.cached: dict[tuple[str, str], Any] = {}


def formula(ws: Worksheet, ref: str, text: str, *, value: Any, fmt: str | None = None) -> Cell:
    """Write an Excel formula we built ourselves (never user text) with `value`, the app's own result for it
    (None: leave the cell without a cached value)."""
    cell = ws[ref]
    cell.value = text
    if fmt:
        cell.number_format = fmt
    if value is not None:
        ws.parent.cached[(ws.title, ref)] = value
    return cell


def input_cell(ws: Worksheet, ref: str, value: Any, *, fmt: str | None = None) -> Cell:
    """A yellow input cell, the only kind left unlocked when the sheet is protected."""
    cell = put(ws, ref, value, fmt=fmt)
    cell.fill = INPUT_FILL
    cell.protection = Protection(locked=False)
    return cell


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def with_cached_values(data: bytes, book: AuditWorkbook) -> bytes:
    """The saved workbook with each formula cell's cached value filled in.

    openpyxl writes formulas with an empty value (``<c r="B7"><f>…</f><v/></c>``, or ``<v></v>`` when it writes
    through lxml); the value goes into that ``<v>``, with ``t="str"`` for text results (ECMA-376 Part 1,
    §18.3.1.4). Sheets are stored in workbook order as xl/worksheets/sheet1.xml, sheet2.xml, …"""
    import zipfile

    parts = {f"xl/worksheets/sheet{i}.xml": ws.title for i, ws in enumerate(book.worksheets, start=1)}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            title = parts.get(item.filename)
            if title is not None:
                content = _fill_values(content.decode("utf-8"), {ref: v for (t, ref), v in book.cached.items()
                                                                 if t == title}).encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


# openpyxl writes the empty value as <v/> with its own XML writer and as <v></v> with lxml (when installed)
_FORMULA_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)><f>(.*?)</f>(?:<v\s*/>|<v>\s*</v>)?</c>', re.S)


def _fill_values(xml: str, values: dict[str, Any]) -> str:
    def fill(match: re.Match) -> str:
        ref, attributes, text = match.groups()
        value = values.get(ref)
        if value is None or isinstance(value, float) and not math.isfinite(value):
            return match.group(0)
        if isinstance(value, str):
            return f'<c r="{ref}"{attributes} t="str"><f>{text}</f><v>{_xml_text(value)}</v></c>'
        return f'<c r="{ref}"{attributes}><f>{text}</f><v>{float(value)!r}</v></c>'

    return _FORMULA_CELL.sub(fill, xml)


def name(wb: Workbook, ws: Worksheet, label: str, ref: str) -> None:
    absolute = "$" + re.sub(r"(\d+)", r"$\1", ref) if ":" not in ref else ref
    wb.defined_names[label] = DefinedName(label, attr_text=f"{quote_sheetname(ws.title)}!{absolute}")


def title_block(ws: Worksheet, plan: Plan, heading: str) -> int:
    """Plan name, date and app version on top of every sheet; returns the first free row."""
    put(ws, "A1", heading).font = TITLE_FONT
    put(ws, "A2", f"Plan: {plan.name}")
    put(ws, "A3", f"Exported {date.today().isoformat()} by Pilot ROI {__version__}")
    return 5


def header_row(ws: Worksheet, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        put(ws, f"{get_column_letter(col)}{row}", label, bold=True)
    ws.freeze_panes = f"A{row + 1}"


def widths(ws: Worksheet, *sizes: int) -> None:
    for col, size in enumerate(sizes, start=1):
        ws.column_dimensions[get_column_letter(col)].width = size


def safe_stem(name: str) -> str:
    """A file name stem safe on every OS: ASCII letters, digits, . _ - only, no reserved device names."""
    slug = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", slug).strip("-._")[:80] or "plan"
    if slug.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                                      *(f"LPT{i}" for i in range(1, 10))}:
        slug = f"plan-{slug}"
    return slug


def file_name(plan: Plan, today: date | None = None) -> str:
    """`<plan-name>-<date>.xlsx`, safe on every OS."""
    return f"{safe_stem(plan.name)}-{(today or date.today()).isoformat()}.xlsx"


# -- ROI model ---------------------------------------------------------------------------------------------
INPUT_NAMES = [  # (defined name, RoiInputs field, label, format)
    ("Participants", "participants", "Participants", PEOPLE),
    ("ParticipantHours", "participant_hours", "Hours each participant spends", HOURS),
    ("LoadedHourlyWage", "loaded_hourly_wage", "Loaded hourly wage", CENTS),
    ("BenefitKind", "benefit_kind", "Kind of benefit (recurring or one_time)", None),
    ("EffectPerParticipant", "effect", "Effect per participant (per month if recurring)", NUMBER),
    ("ValuePerUnit", "value_per_unit", "Value per unit of the KPI", CENTS),
    ("Adoption", "adoption", "Adoption", PERCENT),
    ("ContributionMargin", "contribution_margin", "Contribution margin", PERCENT),
    ("Attribution", "attribution", "Attribution to the program", PERCENT),
    ("Confidence", "confidence", "Confidence in the estimate", PERCENT),
    ("MonthlyDecay", "monthly_decay", "Monthly decay of the effect", PERCENT),
    ("HorizonMonths", "horizon_months", "Horizon (months after the program, 1–120)", WHOLE_MONTHS),
    ("RealisationMonths", "realisation_months", "One-time benefit realised over (months)", WHOLE_MONTHS),
    ("DiscountRate", "discount_rate", "Discount rate (a year, Finance's cost of capital)", PERCENT),
]
PAYBACK_START = "counted from the first month after the program (month 0), costs paid at its start"


@dataclass(frozen=True)
class ModelCells:
    """Where the ROI model's outputs live, for the other sheets' formulas and for tests."""

    inputs: dict[str, str]
    total_cost: str
    total_benefit: str
    net_benefit: str
    roi: str
    bcr: str
    payback: str
    break_even: str
    npv: str
    discounted_roi: str


def _monthly_table(r: roi.RoiInputs, result: roi.RoiResult) -> list[tuple[float, float, float, Any]]:
    """(benefit per unit of effect, benefit, cumulative, payback if in this month) for the sheet's 120 rows,
    as the app computes them: the cached values of the month-by-month formulas."""
    per_unit = roi.monthly_benefits(roi.with_values(r, {"effect": 1.0}))
    rows, cumulative = [], 0.0
    for m in range(MAX_MONTHS):
        unit = per_unit[m] if m < len(per_unit) else 0.0
        benefit = r.effect * unit
        before, cumulative = cumulative, cumulative + benefit
        pays = (benefit > 0 and before < result.total_cost <= cumulative)
        rows.append((unit, benefit, cumulative, m + (result.total_cost - before) / benefit if pays else ""))
    return rows


def roi_model_sheet(wb: Workbook, plan: Plan, r: roi.RoiInputs, result: roi.RoiResult) -> ModelCells:
    ws = wb.create_sheet("ROI model")
    row = title_block(ws, plan, "ROI model: edit the yellow cells, everything else recomputes")
    header_row(ws, row, ["Input", "Value", "Unit / note"])
    cells: dict[str, str] = {}
    unit = r.kpi_unit or "unit of the KPI"
    for i, (defined, field, label, fmt) in enumerate(INPUT_NAMES, start=row + 1):
        put(ws, f"A{i}", label)
        input_cell(ws, f"B{i}", getattr(r, field), fmt=fmt)
        note = {
            "effect": f"{unit} ({r.kpi_name}; " + ("observed, step 5)" if roi.basis(plan) == "observed"
                                                   else "forecast: the pilot's effect, step 4)"),
            "participants": "roll-out forecast (step 6)" if r.scope == "rollout" else "the pilot's treated arm "
                                                                                      "(step 4)",
            "value_per_unit": r.value_unit + (f"; {r.value_source}" if r.value_source else "; source not stated"),
            "discount_rate": "used for the present value (NPV); 0% = not discounted",
        }.get(field)
        if note:
            put(ws, f"C{i}", note)
        name(wb, ws, defined, f"B{i}")
        cells[defined] = f"B{i}"
    row = row + len(INPUT_NAMES) + 2

    put(ws, f"A{row}", "Costs (fully loaded)", bold=True)
    header_row_at = row + 1
    for col, label in zip("ABCDE", ["Category", "Amount", "Per participant (1 = yes)", "Source / note",
                                    "Total"], strict=True):
        put(ws, f"{col}{header_row_at}", label, bold=True)
    first = header_row_at + 1
    for i, line in enumerate(r.costs, start=first):
        put(ws, f"A{i}", line.category)
        input_cell(ws, f"B{i}", float(line.amount), fmt=MONEY)
        input_cell(ws, f"C{i}", 1 if line.per_participant else 0)
        put(ws, f"D{i}", line.note)
        formula(ws, f"E{i}", f"=IF(C{i}=1,B{i}*Participants,B{i})", fmt=MONEY,
                value=line.amount * r.participants if line.per_participant else line.amount)
    last = first + len(r.costs) - 1
    time_row = last + 1
    put(ws, f"A{time_row}", roi.PARTICIPANT_TIME)
    put(ws, f"D{time_row}", "Participants × hours × loaded hourly wage")
    formula(ws, f"E{time_row}", "=Participants*ParticipantHours*LoadedHourlyWage", fmt=MONEY,
            value=result.cost_breakdown[roi.PARTICIPANT_TIME])
    row = time_row + 2

    table = _monthly_table(r, result)
    outputs = [  # defined name, label, formula (None: over the month table), format, the app's value
        ("TotalCost", "Total cost", f"=SUM(E{first}:E{time_row})", MONEY, result.total_cost),
        ("BenefitPerEffect", "Benefit per unit of effect (over the horizon)", None, MONEY,
         sum(t[0] for t in table)),
        ("TotalBenefit", "Total benefit (undiscounted)", None, MONEY, result.total_benefit),
        ("NetBenefit", "Net benefit (undiscounted)", "=TotalBenefit-TotalCost", MONEY, result.net_benefit),
        ("ROIPercent", "ROI % = (benefit − cost) ÷ cost", "=NetBenefit/TotalCost", PERCENT, result.roi_pct / 100),
        ("BCR", "Benefit-cost ratio = benefit ÷ cost", "=TotalBenefit/TotalCost", "#,##0.00", result.bcr),
        ("PaybackMonths", f"Payback ({PAYBACK_START})", None, MONTHS,
         result.payback_months if result.payback_months is not None else "not within the horizon"),
        ("BreakEvenEffect", f"Break-even effect per participant ({unit})",
         "=IF(BenefitPerEffect>0,TotalCost/BenefitPerEffect,\"none\")", NUMBER,
         result.break_even_effect if result.break_even_effect is not None else "none"),
        ("MonthlyDiscountRate", "Monthly discount rate = (1 + annual rate)^(1/12) − 1",
         "=(1+DiscountRate)^(1/12)-1", "0.000%", roi.monthly_rate(r.discount_rate)),
        ("PresentValueBenefit", "Present value of the benefits (each at the end of its month)", None, MONEY,
         result.present_benefit),
        ("NPV", "Net present value = present value − cost", "=PresentValueBenefit-TotalCost", MONEY, result.npv),
        ("DiscountedROI", "Discounted ROI % = NPV ÷ cost", "=NPV/TotalCost", PERCENT,
         result.discounted_roi_pct / 100),
    ]
    put(ws, f"A{row}", "Results", bold=True)
    out_rows = {}
    for i, (defined, label, *_) in enumerate(outputs, start=row + 1):
        put(ws, f"A{i}", label, bold=defined in ("ROIPercent", "BCR", "TotalBenefit", "TotalCost", "NPV"))
        name(wb, ws, defined, f"B{i}")
        out_rows[defined] = i

    # Month-by-month table: per-unit-effect benefit, benefit, cumulative, payback candidate.
    top = row + len(outputs) + 4
    put(ws, f"A{top - 2}", "Benefits month by month (month 0 = the first month after the program)", bold=True)
    for col, label in zip("ABCDE", ["Month", "Benefit per unit of effect", "Benefit", "Cumulative benefit",
                                    "Payback if in this month"], strict=True):
        put(ws, f"{col}{top - 1}", label, bold=True)
    k = "Participants*Adoption*ValuePerUnit*ContributionMargin*Attribution*Confidence"
    bottom = top + MAX_MONTHS - 1
    for m, (unit_value, benefit, cumulative, pays) in enumerate(table):
        i = top + m
        put(ws, f"A{i}", m)
        formula(ws, f"B{i}", f"=IF(A{i}<HorizonMonths,IF(BenefitKind=\"recurring\",{k}*(1-MonthlyDecay)^A{i},"
                             f"IF(A{i}<RealisationMonths,{k}/RealisationMonths,0)),0)", fmt=MONEY, value=unit_value)
        formula(ws, f"C{i}", f"=EffectPerParticipant*B{i}", fmt=MONEY, value=benefit)
        formula(ws, f"D{i}", f"=C{i}" if m == 0 else f"=D{i - 1}+C{i}", fmt=MONEY, value=cumulative)
        previous = "0" if m == 0 else f"D{i - 1}"
        formula(ws, f"E{i}", f"=IF(AND(C{i}>0,{previous}<TotalCost,D{i}>=TotalCost),"
                             f"A{i}+(TotalCost-{previous})/C{i},\"\")", fmt="0.00", value=pays)
    over_table = {
        "BenefitPerEffect": f"=SUM(B{top}:B{bottom})",
        "TotalBenefit": f"=SUM(C{top}:C{bottom})",
        "PaybackMonths": f"=IF(COUNT(E{top}:E{bottom})=0,\"not within the horizon\",MIN(E{top}:E{bottom}))",
        "PresentValueBenefit": f"=NPV(MonthlyDiscountRate,C{top}:C{bottom})",
    }
    for defined, _, text, fmt, value in outputs:
        formula(ws, f"B{out_rows[defined]}", text or over_table[defined], fmt=fmt, value=value)
    ws.freeze_panes = "A6"
    widths(ws, 62, 18, 40, 40, 22)
    ref = {d: f"B{out_rows[d]}" for d in out_rows}
    return ModelCells(cells, ref["TotalCost"], ref["TotalBenefit"], ref["NetBenefit"], ref["ROIPercent"],
                      ref["BCR"], ref["PaybackMonths"], ref["BreakEvenEffect"], ref["NPV"], ref["DiscountedROI"])


# -- other sheets ------------------------------------------------------------------------------------------
def summary_sheet(ws: Worksheet, plan: Plan, mc: sensitivity.MonteCarlo | None, facts: pl.PilotFacts,
                  r: roi.RoiInputs, result: roi.RoiResult) -> None:
    row = title_block(ws, plan, "Summary")
    put(ws, f"A{row}", "The question", bold=True)
    put(ws, f"B{row}", plan.goals.business_improvement or "(not answered yet)")
    kind = "observed effect" if roi.basis(plan) == "observed" else "forecast"
    payback = result.payback_months if result.payback_months is not None else "not within the horizon"
    lines = [
        (f"ROI % ({kind}, each assumption at its most likely value; live from the ROI model)", "=ROIPercent",
         PERCENT, result.roi_pct / 100),
        ("Benefit-cost ratio", "=BCR", "#,##0.00", result.bcr),
        ("Total benefit (undiscounted)", "=TotalBenefit", MONEY, result.total_benefit),
        ("Total cost", "=TotalCost", MONEY, result.total_cost),
        ("Net benefit (undiscounted)", "=NetBenefit", MONEY, result.net_benefit),
        (f"Net present value (discounted at {r.discount_rate:.1%} a year)", "=NPV", MONEY, result.npv),
        ("Discounted ROI %", "=DiscountedROI", PERCENT, result.discounted_roi_pct / 100),
        (f"Payback ({PAYBACK_START})", "=PaybackMonths", MONTHS, payback),
        (f"Break-even effect per participant ({r.kpi_unit or 'KPI units'})", "=BreakEvenEffect", NUMBER,
         result.break_even_effect if result.break_even_effect is not None else "none"),
    ]
    for i, (label, text, fmt, value) in enumerate(lines, start=row + 2):
        put(ws, f"A{i}", label)
        formula(ws, f"B{i}", text, fmt=fmt, value=value)
    i = row + 2 + len(lines) + 1
    if mc is not None:
        put(ws, f"A{i}", "ROI range (Monte Carlo, at export; see the Monte Carlo sheet)", bold=True)
        for j, (label, value) in enumerate((("P10", mc.p10), ("P50", mc.p50), ("P90", mc.p90)), start=1):
            put(ws, f"A{i + j}", label)
            put(ws, f"B{i + j}", value / 100, fmt=PERCENT)
        put(ws, f"A{i + 4}", "Probability ROI > 0")
        put(ws, f"B{i + 4}", mc.prob_positive, fmt=PERCENT)
    observed = ("The effect is the pilot's observed estimate (step 5); costs and the other assumptions are "
                "forecasts.")
    forecast = "Every figure is a forecast from assumptions until the Results step supplies observed effects."
    put(ws, f"A{i + 6}", observed if roi.basis(plan) == "observed" else forecast)
    simulated = sample_pilot.label(plan)
    if simulated:
        put(ws, f"A{i + 7}", simulated, bold=True)
    i += 9
    put(ws, f"A{i}", "The pilot (step 4)", bold=True)
    for j, (label, value, fmt) in enumerate(pilot_lines(plan, facts), start=i + 1):
        put(ws, f"A{j}", label)
        put(ws, f"B{j}", value, fmt=fmt if not isinstance(value, str) else None)
    widths(ws, 52, 60)


def pilot_lines(plan: Plan, facts: pl.PilotFacts) -> list[tuple[str, Any, str | None]]:
    """The pilot as the design step describes it: the same numbers on every sheet that shows them."""
    arms, p = facts.arms, plan.pilot
    kpi = facts.kpi
    unit = kpi.unit if kpi and kpi.unit else "KPI units"
    pct = facts.effect_pct(p.effect)
    lines: list[tuple[str, Any, str | None]] = [
        ("Primary KPI", f"{kpi.name} ({unit}; {kpi.better} is better)" if kpi else "(not chosen in step 3)", None),
        ("Start date", p.start or "(not set)", None),
        ("Treated people", arms.treated_people, "#,##0"),
        ("Control people", arms.control_people, "#,##0"),
        ("Arms used", results.arms_statement(plan, facts.ran), None),
    ]
    if facts.clusters is not None:
        lines += [(f"Treated {facts.clusters.column} clusters", arms.treated_clusters, "#,##0"),
                  (f"Control {facts.clusters.column} clusters", arms.control_clusters, "#,##0")]
    lines += [
        ("Arm sizes from", arms.source, None),
        (f"Effect to detect ({unit}, improvement)", p.effect, NUMBER),
        ("Effect as % of the baseline", pct / 100 if pct is not None else "n/a (no baseline)", PERCENT),
        (f"Standard deviation of the outcome ({unit})", facts.variance.sd, NUMBER),
        ("Variance inputs from", facts.variance.note, None),
        ("ROI participants", pl.roi_participants(plan, facts), "#,##0"),
    ]
    return lines


def goals_sheet(ws: Worksheet, plan: Plan, facts: pl.PilotFacts) -> None:
    row = title_block(ws, plan, "Goals")
    put(ws, f"A{row}", "Program type", bold=True)
    put(ws, f"B{row}", plan.program_type or "(not chosen)")
    for i, (field, question) in enumerate(GOAL_QUESTIONS.items(), start=row + 1):
        put(ws, f"A{i}", question, bold=True)
        put(ws, f"B{i}", getattr(plan.goals, field)).alignment = Alignment(wrap_text=True, vertical="top")
    row += len(GOAL_QUESTIONS) + 2
    put(ws, f"A{row}", "Stakeholders", bold=True)
    for col, label in zip("ABC", ["Name", "Role", "Accountable for"], strict=True):
        put(ws, f"{col}{row + 1}", label, bold=True)
    for i, s in enumerate(plan.stakeholders, start=row + 2):
        put(ws, f"A{i}", s.name)
        put(ws, f"B{i}", s.role)
        put(ws, f"C{i}", s.accountable_for)
    row += len(plan.stakeholders) + 3
    put(ws, f"A{row}", "Hypotheses", bold=True)
    for col, label in zip("ABCDEF", ["KPI", "Direction", "Assumed size", "Unit", "By when", "Observed"],
                          strict=True):
        put(ws, f"{col}{row + 1}", label, bold=True)
    for i, h in enumerate(plan.hypotheses, start=row + 2):
        observed = results.observed_for(plan, facts, i - row - 2)
        for col, value in zip("ABCDEF", [h.kpi, h.direction, h.assumed_size, h.unit, h.by_when, observed],
                              strict=True):
            if value is not None:
                put(ws, f"{col}{i}", value)
    row += len(plan.hypotheses) + 3
    readings = [r for r in reviews.registry_rows(plan) if r["read"] != "—"]
    signatures = [s.words() for s in signoff.standings(plan, facts)]
    for title, records in (("Hypothesis registry: every value read at a review", readings),
                           ("Reviews", [{"review": r.title, "due": r.due, "owner": r.owner, "held": r.held_on,
                                         "held by": r.held_by, "notes": r.notes, "decisions pending": r.pending}
                                        for r in plan.reviews]),
                           ("Sign-offs", [{"signature": words} for words in signatures])):
        if not records:
            continue
        put(ws, f"A{row}", title, bold=True)
        for col, label in zip("ABCDEFG", records[0], strict=False):
            put(ws, f"{col}{row + 1}", label, bold=True)
        for i, record in enumerate(records, start=row + 2):
            for col, value in zip("ABCDEFG", record.values(), strict=False):
                put(ws, f"{col}{i}", value)
        row += len(records) + 3
    widths(ws, 48, 60, 30, 12, 24, 12)


def value_of(ws: Worksheet, ref: str) -> Any:
    """The app's value of a formula cell already written (its cached value)."""
    return ws.parent.cached.get((ws.title, ref))


def sensitivity_sheet(ws: Worksheet, plan: Plan, swings: list[sensitivity.Swing], r: roi.RoiInputs,
                      result: roi.RoiResult) -> None:
    row = title_block(ws, plan, "Sensitivity: ROI with one assumption at its low or high end")
    if not swings:
        put(ws, f"A{row}", "No assumption has a range yet: add ranges on the ROI page.")
        return
    header_row(ws, row, ["Assumption", "Low", "High", "ROI at low", "ROI at high", "Swing (points)", "How"])
    defined = {field: d for d, field, _, _ in INPUT_NAMES}
    for i, s in enumerate(swings, start=row + 1):
        put(ws, f"A{i}", s.label)
        rate = s.name in roi.SHOWN_AS_PERCENT
        put(ws, f"B{i}", s.low, fmt=PERCENT if rate else NUMBER)
        put(ws, f"C{i}", s.high, fmt=PERCENT if rate else NUMBER)
        if s.name in roi.LINEAR:  # benefit ∝ this input, so ROI(x) = (B·x/x₀ − C)/C: a live formula
            current = defined[s.name]
            base = getattr(r, s.name)
            for col, end, x in (("D", "B", s.low), ("E", "C", s.high)):
                cost = result.total_cost
                value = "n/a" if base == 0 else (result.total_benefit * x / base - cost) / cost
                formula(ws, f"{col}{i}", f"=IF({current}=0,\"n/a\",(TotalBenefit*{end}{i}/{current}-TotalCost)"
                                         f"/TotalCost)", fmt=PERCENT, value=value)
            low, high = (value_of(ws, f"D{i}"), value_of(ws, f"E{i}"))
            put(ws, f"G{i}", "formula over the ROI model")
        else:
            low, high = s.roi_at_low / 100, s.roi_at_high / 100
            put(ws, f"D{i}", low, fmt=PERCENT)
            put(ws, f"E{i}", high, fmt=PERCENT)
            put(ws, f"G{i}", "value computed by Pilot ROI (the model is not linear in it)")
        numeric = all(isinstance(v, float) for v in (low, high))
        formula(ws, f"F{i}", f"=IFERROR(ABS(E{i}-D{i})*100,\"\")", fmt="0.0",
                value=abs(high - low) * 100 if numeric else "")
    chart = BarChart()
    chart.type = "bar"
    chart.title = "What moves the ROI most"
    chart.y_axis.title = "ROI"
    data = Reference(ws, min_col=4, max_col=5, min_row=row, max_row=row + len(swings))
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=row + 1, max_row=row + len(swings)))
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, f"A{row + len(swings) + 3}")
    widths(ws, 34, 14, 14, 14, 14, 16, 52)


def monte_carlo_sheet(ws: Worksheet, plan: Plan, mc: sensitivity.MonteCarlo | None, ranges: dict) -> None:
    row = title_block(ws, plan, "Monte Carlo: the range of ROI")
    if mc is None:
        put(ws, f"A{row}", "No assumption has a range yet: add ranges on the ROI page.")
        return
    facts = [("Draws", mc.draws, "#,##0"), ("Seed (same seed, same numbers)", mc.seed, "0"),
             ("P10 ROI", mc.p10 / 100, PERCENT), ("P50 ROI", mc.p50 / 100, PERCENT),
             ("P90 ROI", mc.p90 / 100, PERCENT), ("Mean ROI", mc.mean / 100, PERCENT),
             ("Probability ROI > 0", mc.prob_positive, PERCENT)]
    for i, (label, value, fmt) in enumerate(facts, start=row):
        put(ws, f"A{i}", label)
        put(ws, f"B{i}", value, fmt=fmt)
    put(ws, f"A{row + len(facts)}", "Values computed by Pilot ROI at export; distributions: "
        + ", ".join(f"{roi.ASSUMPTIONS[n][0]} {r.distribution} {shown(n, r.low)}–{shown(n, r.high)}"
                    for n, r in ranges.items()))
    top = row + len(facts) + 2
    header_row(ws, top, ["ROI from", "ROI to", "Draws", "Share"])
    for i, (lo, hi, count) in enumerate(zip(mc.edges[:-1], mc.edges[1:], mc.counts, strict=True), start=top + 1):
        put(ws, f"A{i}", lo / 100, fmt=PERCENT)
        put(ws, f"B{i}", hi / 100, fmt=PERCENT)
        put(ws, f"C{i}", count, fmt="#,##0")
        put(ws, f"D{i}", count / mc.draws, fmt=PERCENT)
    widths(ws, 40, 14, 12, 12)


def credibility(source: str) -> str:
    lowered = source.lower()
    for rank, kind in enumerate(CREDIBILITY, start=1):
        if kind in lowered:
            return f"{rank} of 6: {kind}"
    return "not stated" if not source.strip() else "unranked: say which kind of source it is"


def shown(field: str, value: float) -> str:
    """An assumption's value as people read it: 30%, not 0.3; 1,500, not 1.5e+03."""
    from core.words import number

    return f"{value:.0%}" if field in roi.SHOWN_AS_PERCENT else number(value)


def assumptions_sheet(ws: Worksheet, plan: Plan, r: roi.RoiInputs) -> None:
    row = title_block(ws, plan, "Assumptions log")
    header_row(ws, row, ["Assumption", "Value", "Unit", "Source", "Credibility", "Owner", "Observed or forecast",
                         "Range"])
    owners = {s.role: s.name for s in plan.stakeholders}
    entries = []
    formats = {}
    for _, field, label, fmt in INPUT_NAMES:
        value = getattr(r, field)
        formats[label] = fmt
        unit = {"effect": r.kpi_unit, "value_per_unit": r.value_unit,
                "loaded_hourly_wage": "$ per hour", "participants": "people", "participant_hours": "hours",
                "horizon_months": "months", "realisation_months": "months", "discount_rate": "% a year"}.get(field, "")
        if field in roi.RATES or field == "monthly_decay":
            unit = "%"
        source = r.value_source if field == "value_per_unit" else ""
        owner = owners.get("Finance partner", "") if field in ("value_per_unit", "contribution_margin",
                                                               "loaded_hourly_wage") else \
            owners.get("KPI/OKR owner", "") if field == "effect" else ""
        rng = r.ranges.get(field)
        entries.append((label, value, unit, source, credibility(source) if field == "value_per_unit" else "",
                        owner, "observed (step 5)" if field == "effect" and roi.basis(plan) == "observed" else
                        "forecast", f"{shown(field, rng.low)} – {shown(field, rng.high)} ({rng.distribution})"
                        if rng else ""))
    for line in r.costs:
        entries.append((f"Cost: {line.category}", line.amount, "$ per participant" if line.per_participant else "$",
                        line.note, "", owners.get("Finance partner", ""), "forecast", ""))
    for i, entry in enumerate(entries, start=row + 1):
        for col, value in zip("ABCDEFGH", entry, strict=True):
            if value not in ("", None):
                put(ws, f"{col}{i}", value, fmt=formats.get(entry[0], MONEY) if col == "B" else None)
    widths(ws, 44, 14, 18, 50, 26, 26, 20, 26)


def design_sheet(ws: Worksheet, plan: Plan, facts: pl.PilotFacts) -> None:
    row = title_block(ws, plan, "Pilot design & power")
    d, p = plan.design, plan.pilot
    if not d.design and not p.treated_people and not d.assignment:
        put(ws, f"A{row}", "The pilot design step has not been filled in for this plan yet.")
        widths(ws, 90)
        return
    summary = design.power_summary(plan, facts)
    needed = summary.needed
    chosen = design.choice(plan)
    tone, sentence = design.headline(plan, facts, summary)
    put(ws, f"A{row}", sentence, bold=tone == "warning")
    row += 2
    v = facts.variance
    lines: list[tuple[str, Any, str | None]] = [
        ("Design", design.DESIGNS[chosen].title if chosen else "(not chosen)", None),
        ("Analysis method", d.analysis_method or (design.DESIGNS[chosen].analysis if chosen else ""), None),
        *pilot_lines(plan, facts),
        ("Primary KPI type", p.kpi_type, None),
        ("Control-group rate" if p.kpi_type == "binary" else "Pre/post correlation ρ (ANCOVA)",
         v.p_control if p.kpi_type == "binary" else v.baseline_corr, "0.00"),
        ("ICC", v.icc if facts.clusters else "n/a (people randomised one by one)", "0.000"),
        ("Mean people per cluster (cv of sizes)",
         f"{facts.clusters.mean:,.1f} (cv {facts.clusters.cv:.2f})" if facts.clusters else "n/a", None),
        ("Significance level α", d.alpha, "0.000"),
        ("Target power", d.power, PERCENT),
        ("Test", d.alternative, None),
        ("Drop-out before measurement", d.attrition, PERCENT),
        ("Needed per arm (treated / control)",
         f"{needed.n_treatment:,} / {needed.n_control:,}" if needed else summary.needed_error, None),
        ("Power of the planned pilot", summary.planned_power if summary.planned_power is not None
         else summary.planned_error, PERCENT),
        (f"Smallest detectable effect ({summary.unit})", summary.planned_mde if summary.planned_mde is not None
         else summary.planned_error, NUMBER),
        (f"Break-even effect from the ROI model ({summary.unit})", summary.break_even
         if summary.break_even is not None else "n/a", NUMBER),
        ("Can the pilot detect break-even?", {True: "yes", False: "NO", None: "n/a"}[summary.detects_break_even],
         None),
    ]
    if summary.enough is not None:
        lines.append(("People per arm needed to detect break-even",
                      f"{summary.enough.n_treatment:,} / {summary.enough.n_control:,}", None))
    for phase, start, end in design.timeline(facts, plan):
        lines.append((phase, f"{start.isoformat()} to {end.isoformat()}", None))
    lines.append(("Assignment seed", str(d.seed) if d.seed else "(no list drawn yet)", None))
    for i, (label, value, fmt) in enumerate(lines, start=row):
        put(ws, f"A{i}", label)
        put(ws, f"B{i}", value, fmt=fmt if not isinstance(value, str) else None)
    row += len(lines) + 1
    put(ws, f"A{row}", "Values computed by Pilot ROI (two-sample t-test / Cohen's h; design effect "
                       "1 + ((1 + cv²)·m − 1)·ICC; variance × (1 − ρ²) for ANCOVA).")
    registration = d.preregistration
    row += 2
    if registration is None:
        put(ws, f"A{row}", "Not pre-registered yet.")
    else:
        put(ws, f"A{row}", f"Pre-registered at {registration.locked_at}", bold=True)
        for col, label in zip("ABC", ["Field", "Registered", "Now"], strict=True):
            put(ws, f"{col}{row + 1}", label, bold=True)
        now = design.registered_fields(plan, facts)
        for i, (field, value) in enumerate(registration.registered.items(), start=row + 2):
            put(ws, f"A{i}", field)
            put(ws, f"B{i}", value)
            put(ws, f"C{i}", now.get(field, "") if now.get(field, "") != value else "(unchanged)")
    widths(ws, 52, 40, 40)


def assignment_sheet(ws: Worksheet, plan: Plan) -> None:
    row = title_block(ws, plan, "Assignment list (real ids: share only with the managers who need it)")
    rows = plan.design.assignment
    if not rows:
        put(ws, f"A{row}", "No assignment list has been drawn yet (step 4, Pilot design).")
        widths(ws, 90)
        return
    header_row(ws, row, ["Employee id", "Arm", "Stratum / cluster"])
    for i, a in enumerate(rows, start=row + 1):
        put(ws, f"A{i}", a.id)
        put(ws, f"B{i}", a.arm)
        put(ws, f"C{i}", a.group)
    how = (f"whole {plan.pilot.cluster_column} clusters" if plan.pilot.cluster_column else
           f"stratified by {', '.join(plan.design.strata)}" if plan.design.strata else "person by person")
    put(ws, f"E{row}", f"Seed {plan.design.seed}; randomised {how}")
    widths(ws, 20, 14, 30, 4, 40)


def kpi_sheet(ws: Worksheet, plan: Plan) -> None:
    row = title_block(ws, plan, "KPI map: inputs → outputs → outcomes → money")
    if not plan.kpis:
        put(ws, f"A{row}", "No KPIs have been mapped for this plan yet (step 3, KPI mapping).")
        widths(ws, 90)
        return
    labels = ["KPI", "Tier", "Kind", "Unit", "Better when", "Data column", "Owner", "Target", "$ per unit",
              "Source of the $ value", "Credibility", "Intangible", "Primary"]
    header_row(ws, row, labels)
    for i, k in enumerate(plan.kpis, start=row + 1):
        values = [k.name, k.tier, k.kind, k.unit, k.better, k.column, k.owner, k.target, k.value_per_unit,
                  k.value_source, k.credibility, "yes" if k.intangible else "", "yes" if k.primary else ""]
        for col, value in enumerate(values, start=1):
            if value not in (None, ""):
                fmt = MONEY if col == 9 else None
                put(ws, f"{get_column_letter(col)}{i}", value, fmt=fmt)
    row += len(plan.kpis) + 2
    put(ws, f"A{row}", "Links", bold=True)
    for col, label in zip("ABC", ["Learning KPI", "Business KPI", "Hypothesis it tests"], strict=True):
        put(ws, f"{col}{row + 1}", label, bold=True)
    for i, link in enumerate(plan.kpi_links, start=row + 2):
        for col, value in zip("ABC", [link.learning, link.business, link.hypothesis], strict=True):
            if value:
                put(ws, f"{col}{i}", value)
    widths(ws, 28, 10, 10, 16, 12, 22, 24, 10, 12, 44, 18, 10, 9)


def quality_sheet(ws: Worksheet, plan: Plan, reports: list | None) -> None:
    row = title_block(ws, plan, "Data quality")
    if not reports:
        put(ws, f"A{row}", "No data files are attached to this plan (step 2, Data)." if not plan.data.sources else
            "The data-quality report is written when the export is made from the app (it reads the files).")
        widths(ws, 90)
        return
    header_row(ws, row, ["File", "Rows", "Columns", "Covers", "Verdict", "Column", "Finding", "Lines"])
    i = row + 1
    for report in reports:
        covers = f"{report.date_range[0]} to {report.date_range[1]}" if report.date_range else ""
        findings = report.findings or [None]
        for finding in findings:
            put(ws, f"A{i}", report.name)
            put(ws, f"B{i}", report.rows, fmt="#,##0")
            put(ws, f"C{i}", report.columns)
            if covers:
                put(ws, f"D{i}", covers)
            put(ws, f"E{i}", finding.severity if finding else "fine")
            if finding is not None:
                if finding.column:
                    put(ws, f"F{i}", finding.column)
                put(ws, f"G{i}", finding.message)
                if finding.lines:
                    put(ws, f"H{i}", ", ".join(map(str, finding.lines[:50])))
            i += 1
    widths(ws, 22, 10, 9, 24, 13, 18, 90, 30)


def workbook(plan: Plan, *, reports: list | None = None, facts: pl.PilotFacts | None = None) -> AuditWorkbook:
    """The whole workbook for `plan` (raises roi.InputError when the ROI inputs are invalid).

    `reports` are the data-quality reports of the plan's files (core.quality.FileReport), and `facts` the
    derived pilot (core.pilot.facts with the plan's panel), when available.
    """
    facts = facts or pl.facts(plan, None)
    inputs = roi.inputs(plan, facts)
    result = roi.evaluate(inputs)
    swings = sensitivity.one_way(inputs) if inputs.ranges else []
    mc = sensitivity.monte_carlo(inputs) if inputs.ranges else None
    wb = AuditWorkbook()
    sheets = {title: (wb.active if i == 0 else wb.create_sheet(title)) for i, title in enumerate(SHEETS)
              if title != "ROI model"}
    sheets["Summary"].title = "Summary"
    roi_model_sheet(wb, plan, inputs, result)
    wb.move_sheet("ROI model", offset=SHEETS.index("ROI model") - len(SHEETS) + 1)
    summary_sheet(sheets["Summary"], plan, mc, facts, inputs, result)
    goals_sheet(sheets["Goals"], plan, facts)
    kpi_sheet(sheets["KPI map"], plan)
    quality_sheet(sheets["Data quality"], plan, reports)
    design_sheet(sheets["Pilot design & power"], plan, facts)
    assignment_sheet(sheets["Assignment list"], plan)
    sensitivity_sheet(sheets["Sensitivity"], plan, swings, inputs, result)
    monte_carlo_sheet(sheets["Monte Carlo"], plan, mc, inputs.ranges)
    assumptions_sheet(sheets["Assumptions log"], plan, inputs)
    for ws in wb.worksheets:  # formulas and reports locked; the yellow inputs stay editable (no password)
        ws.protection.sheet = True
    return wb


def workbook_bytes(plan: Plan, *, reports: list | None = None, facts: pl.PilotFacts | None = None) -> bytes:
    """The workbook as an .xlsx file, every formula with its cached value."""
    buffer = io.BytesIO()
    book = workbook(plan, reports=reports, facts=facts)
    book.save(buffer)
    return with_cached_values(buffer.getvalue(), book)

"""The exported workbook recomputed by an independent engine (the `formulas` package) gives the app's numbers."""

import io
import re
import zipfile
from datetime import date

import openpyxl
import pytest

from core import export, roi
from core.plan import CostLine, Goals, Hypothesis, Plan, Stakeholder
from core.templates import onboarding, sales_skills


def cell_of(wb, defined: str) -> tuple[str, str]:
    """(sheet, cell) of a workbook-level defined name."""
    text = wb.defined_names[defined].attr_text
    sheet, ref = text.rsplit("!", 1)
    return sheet.strip("'"), ref.replace("$", "")


def recompute(tmp_path, plan, changes=None):
    """Recalculate the workbook with the `formulas` engine; returns {defined name: value}."""
    formulas = pytest.importorskip("formulas")
    path = tmp_path / "model.xlsx"
    path.write_bytes(export.workbook_bytes(plan))
    wb = openpyxl.load_workbook(path)
    model = formulas.ExcelModel().loads(str(path)).finish()
    inputs = {}
    for defined, value in (changes or {}).items():
        sheet, ref = cell_of(wb, defined)
        inputs[f"'[model.xlsx]{sheet.upper()}'!{ref}"] = value
    solution = model.calculate(inputs=inputs)
    values = {}
    for defined in ("TotalCost", "TotalBenefit", "NetBenefit", "ROIPercent", "BCR", "PaybackMonths",
                    "BreakEvenEffect", "NPV", "DiscountedROI"):
        sheet, ref = cell_of(wb, defined)
        raw = solution[f"'[model.xlsx]{sheet.upper()}'!{ref}"].value
        values[defined] = raw[0][0] if hasattr(raw, "__getitem__") and not isinstance(raw, str) else raw
    return values


def assert_matches(values, result):
    assert float(values["TotalCost"]) == pytest.approx(result.total_cost, rel=1e-9)
    assert float(values["TotalBenefit"]) == pytest.approx(result.total_benefit, rel=1e-9)
    assert float(values["ROIPercent"]) * 100 == pytest.approx(result.roi_pct, rel=1e-9)
    assert float(values["BCR"]) == pytest.approx(result.bcr, rel=1e-9)
    assert float(values["PaybackMonths"]) == pytest.approx(result.payback_months, rel=1e-9)
    assert float(values["BreakEvenEffect"]) == pytest.approx(result.break_even_effect, rel=1e-9)
    assert float(values["NPV"]) == pytest.approx(result.npv, rel=1e-9)
    assert float(values["DiscountedROI"]) * 100 == pytest.approx(result.discounted_roi_pct, rel=1e-9)


@pytest.mark.parametrize("template", [sales_skills, onboarding])
def test_workbook_recomputes_to_the_app_numbers(tmp_path, template):
    plan = template()
    assert_matches(recompute(tmp_path, plan), roi.evaluate(roi.inputs(plan)))


@pytest.mark.parametrize("template", [sales_skills, onboarding])
def test_changing_adoption_in_the_workbook_matches_the_app_at_60_percent(tmp_path, template):
    plan = template()
    values = recompute(tmp_path, plan, {"Adoption": 0.6, "Participants": 75})
    assert_matches(values, roi.evaluate(roi.with_values(roi.inputs(plan), {"adoption": 0.6, "participants": 75})))


def test_three_years_discounted_at_finance_rate_recompute_to_the_app_npv(tmp_path):
    plan = sales_skills()
    plan.roi.horizon_months, plan.roi.discount_rate, plan.roi.monthly_decay = 36, 0.08, 0.02
    result = roi.evaluate(roi.inputs(plan))
    assert result.npv < result.net_benefit  # discounting costs something over three years
    assert_matches(recompute(tmp_path, plan), result)


def _formula_cells(data: bytes):
    """(sheet, ref, cached value) of every formula cell in the file."""
    formulas_book = openpyxl.load_workbook(io.BytesIO(data))
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    for ws in formulas_book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    yield ws.title, cell.coordinate, cached[ws.title][cell.coordinate].value


@pytest.mark.parametrize("template", [sales_skills, onboarding])
def test_every_formula_carries_the_value_an_independent_engine_recomputes(tmp_path, template):
    """Viewers that do not recalculate (previews, pandas, data_only) see the app's numbers: each formula's
    cached value equals what the `formulas` engine computes from the inputs."""
    formulas = pytest.importorskip("formulas")
    plan = template()
    plan.roi.horizon_months = 24
    data = export.workbook_bytes(plan)
    path = tmp_path / "model.xlsx"
    path.write_bytes(data)
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    cells = list(_formula_cells(data))
    assert len(cells) > 480  # 120 months × 4 columns and the results
    for sheet, ref, cached in cells:
        raw = solution[f"'[model.xlsx]{sheet.upper()}'!{ref}"].value
        engine = raw[0][0] if hasattr(raw, "__getitem__") and not isinstance(raw, str) else raw
        if cached is None:  # an empty text result ("" — no payback in this month) reads back as empty
            assert engine == "", (sheet, ref, engine)
        elif isinstance(cached, str):
            assert str(engine) == cached, (sheet, ref, engine, cached)
        else:
            assert float(engine) == pytest.approx(cached, rel=1e-9, abs=1e-9), (sheet, ref, engine, cached)


def test_pandas_reads_the_summary_figures_without_recalculating():
    import pandas as pd

    plan = sales_skills()
    result = roi.evaluate(roi.inputs(plan))
    summary = pd.read_excel(io.BytesIO(export.workbook_bytes(plan)), sheet_name="Summary", header=None)
    figures = dict(zip(summary[0].fillna("").astype(str), summary[1], strict=True))
    roi_label = next(k for k in figures if k.startswith("ROI %"))
    assert figures[roi_label] == pytest.approx(result.roi_pct / 100)
    assert figures["Total cost"] == pytest.approx(result.total_cost)
    assert figures["Benefit-cost ratio"] == pytest.approx(result.bcr)


def test_formulas_are_locked_and_only_the_yellow_inputs_are_editable():
    wb = openpyxl.load_workbook(io.BytesIO(export.workbook_bytes(sales_skills())))
    assert all(ws.protection.sheet for ws in wb.worksheets)
    model = wb["ROI model"]
    for defined in ("Participants", "Adoption", "DiscountRate"):
        assert not model[cell_of(wb, defined)[1]].protection.locked
    for defined in ("TotalCost", "ROIPercent", "NPV"):
        assert model[cell_of(wb, defined)[1]].protection.locked
    assert model[cell_of(wb, "Participants")[1]].number_format == export.PEOPLE
    assert model[cell_of(wb, "Adoption")[1]].number_format == export.PERCENT


def test_no_payback_shows_a_sentence_not_an_error(tmp_path):
    plan = sales_skills()
    plan.pilot.effect = 10.0
    values = recompute(tmp_path, plan)
    assert values["PaybackMonths"] == "not within the horizon"


def test_named_inputs_and_the_chart_are_in_the_file():
    data = export.workbook_bytes(sales_skills())
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert {"Participants", "Adoption", "EffectPerParticipant", "ValuePerUnit", "ROIPercent"} <= set(wb.defined_names)
    assert wb.sheetnames == export.SHEETS
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert any(re.fullmatch(r"xl/charts/chart\d+\.xml", n) for n in z.namelist())
    sheet, ref = cell_of(wb, "Adoption")
    assert wb[sheet][ref].value == 0.8 and wb[sheet][ref].number_format == export.PERCENT


HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\tcmd", "\rcr", "=1+1"]


def test_user_text_is_never_a_formula():
    plan = sales_skills()
    plan.name = HOSTILE[0]
    plan.goals = Goals(*HOSTILE[1:6])
    plan.stakeholders = [Stakeholder(t, t, t) for t in HOSTILE]
    plan.hypotheses = [Hypothesis(kpi=t, unit=t, by_when=t) for t in HOSTILE]
    plan.roi.costs.append(CostLine(HOSTILE[0], 10, False, HOSTILE[1]))
    plan.primary_kpi().value_source = HOSTILE[6]
    plan.primary_kpi().unit = HOSTILE[3]
    wb = openpyxl.load_workbook(io.BytesIO(export.workbook_bytes(plan)))
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and any(h.strip() in cell.value for h in HOSTILE):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    seen += 1
                if cell.data_type == "f":
                    assert "HYPERLINK" not in cell.value and "SUM(A1)" not in cell.value
    assert seen > 20


def test_control_characters_are_removed_and_long_text_is_capped():
    plan = Plan(name="x", goals=Goals(business_improvement="a\x00b\x07c\nd", activities="y" * 40_000))
    template = sales_skills()
    plan.roi, plan.pilot, plan.kpis = template.roi, template.pilot, template.kpis
    wb = openpyxl.load_workbook(io.BytesIO(export.workbook_bytes(plan)))
    answers = [c.value for c in wb["Goals"]["B"] if isinstance(c.value, str)]
    assert "abc\nd" in answers
    long = next(a for a in answers if a.startswith("yyy"))
    assert len(long) == export.EXCEL_CELL_MAX and long.endswith(export.TRUNCATION_NOTE)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Sales skills program", "Sales-skills-program-2026-11-24.xlsx"),
     ('a/b\\c:d*e?"f<g>h|i', "a-b-c-d-e-f-g-h-i-2026-11-24.xlsx"),
     ("CON", "plan-CON-2026-11-24.xlsx"),
     ("🚀🚀", "plan-2026-11-24.xlsx"),
     ("Zoë's plan", "Zoe-s-plan-2026-11-24.xlsx")],
)
def test_file_names_are_safe_on_every_os(name, expected):
    assert export.file_name(Plan(name=name), date(2026, 11, 24)) == expected


def test_empty_steps_say_so_in_one_line():
    plan = sales_skills()
    plan.kpis = []
    wb = openpyxl.load_workbook(io.BytesIO(export.workbook_bytes(plan)))
    assert "No KPIs have been mapped" in wb["KPI map"]["A5"].value
    assert "No data files" in wb["Data quality"]["A5"].value
    assert "No assignment list" in wb["Assignment list"]["A5"].value


def test_kpi_map_and_data_quality_sheets():
    from core import ingest, quality

    table = ingest.read_table(b"employee_id,hired\n1,2024-02-30\n2,2024-01-01\n", "hris.csv")
    report = quality.file_report(table, {"employee_id": "employee_id", "hired": "date"}, kind="hris")
    wb = openpyxl.load_workbook(io.BytesIO(export.workbook_bytes(sales_skills(), reports=[report])))
    kpi_rows = [[c.value for c in row] for row in wb["KPI map"].iter_rows(min_row=6, max_row=7)]
    assert kpi_rows[1][0] == "Average deal size" and kpi_rows[1][8] == 4.0 and kpi_rows[1][12] == "yes"
    findings = [[c.value for c in row] for row in wb["Data quality"].iter_rows(min_row=6)]
    assert findings[0][0] == "hris.csv" and "2024-02-30" in findings[0][6] and findings[0][7] == "2"


def test_design_sheet_states_the_break_even_verdict_and_the_assignment_keeps_ids():
    from core.plan import Assigned

    plan = sales_skills()
    wb = openpyxl.load_workbook(io.BytesIO(export.workbook_bytes(plan)))
    design = {row[0].value: row[1].value for row in wb["Pilot design & power"].iter_rows(min_row=5)
              if row[0].value}
    assert design["Can the pilot detect break-even?"] == "NO"
    assert design["Treated people"] == 220 and design["Treated team clusters"] == 8
    plan.design.assignment = [Assigned("00042", "treatment", "T01"), Assigned("=cmd", "control", "T02")]
    wb = openpyxl.load_workbook(io.BytesIO(export.workbook_bytes(plan)))
    ids = [c.value for c in wb["Assignment list"]["A"][5:]]
    assert ids == ["00042", "=cmd"]
    assert wb["Assignment list"]["A7"].data_type == "s"


def test_invalid_roi_inputs_are_refused():
    with pytest.raises(roi.InputError):
        export.workbook_bytes(Plan(name="empty"))


def libreoffice_results(tmp_path, data: bytes) -> dict[str, str]:
    """Recalculate in LibreOffice headless and read the ROI model sheet back as CSV."""
    import csv
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (the formulas-engine tests above cover the recompute)")
    path = tmp_path / "model.xlsx"
    path.write_bytes(data)
    sheet = export.SHEETS.index("ROI model") + 1
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
                    f'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet}',
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
    csv_path = next(tmp_path.glob("model*.csv"))
    with csv_path.open(encoding="utf-8") as f:
        return {row[0]: row[1] for row in csv.reader(f) if len(row) > 1 and row[0]}


def test_libreoffice_recomputes_roi_after_adoption_changes_to_60_percent(tmp_path):
    plan = sales_skills()
    wb = openpyxl.load_workbook(io.BytesIO(export.workbook_bytes(plan)))
    sheet, ref = cell_of(wb, "Adoption")
    wb[sheet][ref].value = 0.6
    buffer = io.BytesIO()
    wb.save(buffer)
    values = libreoffice_results(tmp_path, buffer.getvalue())
    expected = roi.evaluate(roi.with_values(roi.inputs(plan), {"adoption": 0.6}))
    shown = values["ROI % = (benefit − cost) ÷ cost"].rstrip("%")
    assert float(shown) == pytest.approx(expected.roi_pct, rel=1e-9)
    assert float(values["Benefit-cost ratio = benefit ÷ cost"]) == pytest.approx(expected.bcr, rel=1e-9)
    payback = next(v for k, v in values.items() if k.startswith("Payback ("))
    assert float(payback.split()[0]) == pytest.approx(expected.payback_months, rel=1e-9)


CACHED = """
import io, json, openpyxl
from core import export
from core.templates import sales_skills
data = export.workbook_bytes(sales_skills())
formulas_book = openpyxl.load_workbook(io.BytesIO(data))
cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
print(json.dumps([[ws.title, c.coordinate, cached[ws.title][c.coordinate].value] for ws in formulas_book.worksheets
                  for row in ws.iter_rows() for c in row if c.data_type == "f"]))
"""


def test_cached_values_are_written_with_and_without_lxml():
    """openpyxl writes an empty formula value as <v/> through its own XML writer and as <v></v> through lxml; the
    workbook must carry every cached value either way (openpyxl picks its writer when imported, so each runs in
    its own process)."""
    import json
    import os
    import subprocess
    import sys

    pytest.importorskip("lxml")
    found = {}
    for use_lxml in ("True", "False"):
        out = subprocess.run([sys.executable, "-c", CACHED], capture_output=True, text=True, check=True,
                             env={**os.environ, "OPENPYXL_LXML": use_lxml})
        found[use_lxml] = json.loads(out.stdout)
    assert found["True"] == found["False"]
    assert len(found["True"]) > 480
    assert all(value is not None for sheet, _, value in found["True"] if sheet == "Summary")
    assert sum(value is not None for _, _, value in found["True"]) >= 400  # the rest: "" (no payback that month)


def test_the_goals_sheet_keeps_the_registry_readings_reviews_and_signatures_as_text():
    from core import pilot as pl
    from core import reviews, signoff

    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    plan.reviews = reviews.cadence(plan)
    plan.reviews[0].owner = HOSTILE[0]
    reading = reviews.reading(words="+900 $ per deal (95% CI 300 to 1,500)", effect=900, ci_low=300, ci_high=1500,
                              months=1, wanted=3, verdict="continue")
    reviews.hold(plan, 0, by="Ana", notes=HOSTILE[4], pending="extend?", reading=reading)
    signoff.sign(plan, pl.facts(plan, None), "decision", name="Fay", role="Finance", signed_in=False)
    ws = openpyxl.load_workbook(io.BytesIO(export.workbook_bytes(plan)))["Goals"]
    cells = {cell.value: cell for row in ws.iter_rows() for cell in row if cell.value is not None}
    assert "+900 $ per deal (95% CI 300 to 1,500)" in cells and "Day 30 review" in cells
    assert cells[HOSTILE[0]].data_type == "s"
    assert any(isinstance(v, str) and v.startswith("Fay (Finance) signed the final decision") for v in cells)

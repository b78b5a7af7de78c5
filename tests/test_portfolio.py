"""The portfolio ranks plans by what their evidence supports."""

import io

import openpyxl
import pandas as pd

from core import decision, portfolio
from core import pilot as pl
from core.plan import Observed, Plan
from core.templates import sales_skills


def entry(plan, name):
    try:
        found, problem = decision.standing(plan, pl.facts(plan, None), draws=4_000), ""
    except ValueError as exc:
        found, problem = None, str(exc)
    return portfolio.Entry(plan.id, name, portfolio.status(plan), found, problem)


def three_plans():
    proven = sales_skills()
    proven.design.design = "rct"
    proven.roi.mode = "observed"
    proven.results.observed = Observed(2_000.0, 100.0, 1_800.0, 2_200.0, 0.001, 240, "ANCOVA", True, "",
                                       pl.analysis_key(proven))
    hopeful = sales_skills()
    losing = sales_skills()
    losing.pilot.effect = 50.0
    return [entry(losing, "Losing"), entry(hopeful, "Hopeful"), entry(proven, "Proven"),
            entry(Plan(name="Empty"), "Empty")]


def test_the_portfolio_ranks_expand_first_and_rethink_last():
    frame = portfolio.table(three_plans())
    assert list(frame["plan"]) == ["Proven", "Hopeful", "Losing", "Empty"]
    assert list(frame["decision"]) == [decision.EXPAND, decision.RUN_PILOT, decision.RETHINK, "cannot say yet"]
    assert frame.loc[0, "evidence"] == "moderate" and frame.loc[1, "evidence"] == "none yet"
    assert frame.loc[0, "P10"] > 0 and frame.loc[2, "P(ROI > 0)"] < 0.5
    assert "Total cost" in frame.loc[3, "why"]  # what is missing, in words
    assert frame.loc[0, "status"] == "results in (step 5)"


def test_the_portfolio_sheet_reads_as_the_table():
    frame = portfolio.table(three_plans())
    ws = openpyxl.load_workbook(io.BytesIO(portfolio.workbook_bytes(frame)))["Portfolio"]
    assert [c.value for c in ws[1]] == list(frame.columns)
    assert [ws.cell(row=i, column=1).value for i in range(2, 6)] == ["Proven", "Hopeful", "Losing", "Empty"]
    assert ws["I2"].number_format == "0.0%"  # P(ROI > 0) as a percentage


def test_plan_versus_actual_sets_the_forecast_beside_the_observed_roi_and_this_years_benefits():
    from datetime import date

    from core import roi

    plan = sales_skills()
    plan.pilot.start = "2026-01-01"
    plan.roi.program_months = 3
    today = date(2026, 12, 2)
    forecast_only = portfolio.versus(plan, pl.facts(plan, None), today)
    assert "observed ROI" not in forecast_only and forecast_only["basis"].startswith("forecast only")

    plan.results.observed = Observed(2_000.0, 100.0, 1_800.0, 2_200.0, 0.001, 240, "ANCOVA", True, "",
                                     pl.analysis_key(plan))
    row = portfolio.versus(plan, pl.facts(plan, None), today)
    forecast = roi.evaluate(roi.forecast_inputs(plan))
    # the benefits start in April (three program months after 1 Jan): April to November are eight complete months
    assert row["forecast benefit YTD"] == sum(forecast.monthly_benefits[:8])
    per_month = row["observed benefit YTD"] / 8
    assert row["observed benefit YTD"] > row["forecast benefit YTD"] and per_month > 0  # 2,000 observed vs 1,000
    assert row["difference (points)"] == (row["observed ROI"] - row["forecast ROI"]) * 100
    assert plan.roi.mode == "forecast"  # valued as observed without changing the plan

    book = openpyxl.load_workbook(io.BytesIO(portfolio.workbook_bytes(portfolio.table(three_plans()),
                                                                      pd.DataFrame([row]))))
    sheet = book["Plan vs actual"]
    header = [c.value for c in sheet[1]]
    assert header == portfolio.VERSUS
    assert sheet.cell(2, header.index("observed ROI") + 1).value == row["observed ROI"]


def test_an_interim_read_never_says_expand_unless_its_boundary_allows():
    plan = sales_skills()
    plan.design.design = "rct"
    plan.roi.mode = "observed"
    plan.results.observed = Observed(2_000.0, 100.0, 1_800.0, 2_200.0, 0.001, 240, "ANCOVA", True, "",
                                     pl.analysis_key(plan), months=4, of_months=9, interim_verdict="continue")
    found = decision.standing(plan, pl.facts(plan, None), draws=2_000)
    assert found.decision == decision.UNCLEAR and "interim read at 4 of 9 months" in found.sentence
    assert "boundary says continue. Even the low end" in found.sentence
    plan.results.observed.interim_verdict = "success"
    assert decision.standing(plan, pl.facts(plan, None), draws=2_000).decision == decision.EXPAND
    plan.results.observed.months = 9  # the whole window: the registered outcome
    plan.results.observed.interim_verdict = ""
    assert decision.standing(plan, pl.facts(plan, None), draws=2_000).decision == decision.EXPAND


def test_a_later_data_file_or_a_new_guardrail_makes_the_kept_estimate_stale():
    from core import roi
    from core.plan import Kpi, SourceMapping

    plan = sales_skills()
    plan.roi.mode = "observed"
    plan.data.sources["kpis"] = SourceMapping("kpis.csv", "a" * 64)
    plan.results.observed = Observed(2_000.0, 100.0, 1_800.0, 2_200.0, 0.001, 240, "ANCOVA", True, "",
                                     pl.analysis_key(plan))
    assert roi.basis(plan) == "observed"
    plan.data.sources["kpis"] = SourceMapping("kpis.csv", "b" * 64)  # December's numbers uploaded
    assert roi.observed_is_stale(plan) and roi.basis(plan) == "forecast"
    plan.data.sources["kpis"] = SourceMapping("kpis.csv", "a" * 64)
    plan.kpis.append(Kpi("Complaints", column="complaints", better="lower", registered_as="guardrail"))
    assert roi.observed_is_stale(plan)

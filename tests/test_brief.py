"""The executive summary (PDF and HTML) and the decision it states, checked on the templates."""

import io

import pytest

from core import brief, decision, roi
from core import pilot as pl
from core.plan import Observed
from core.templates import onboarding, sales_skills


def pdf_text(plan) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(brief.summary_pdf(plan)))
    assert len(reader.pages) == 1  # one page
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def observed(plan, effect: float, half_width: float, *, registered: bool = True):
    plan.roi.mode = "observed"
    plan.results.observed = Observed(effect, half_width / 1.96, effect - half_width, effect + half_width, 0.01, 240,
                                     "ANCOVA", registered, "2026-11-30", pl.analysis_key(plan))
    return plan


def test_the_pdf_states_the_decision_the_headline_the_range_and_the_power_finding():
    plan = sales_skills()
    text = pdf_text(plan)
    result = roi.evaluate(roi.inputs(plan))
    assert "Run the pilot before deciding" in text
    assert f"{result.roi_pct:,.0f}%" in text and "P10 to P90" in text and "Monte Carlo median" in text
    assert "too small to see" in text  # the design's power finding: the pilot cannot detect break-even
    assert "FORECAST" in text
    assert "$4.00 per extra $1 of average deal size" in text  # the money value in the KPI's own unit
    assert "e+0" not in text


def test_an_observed_effect_is_labelled_observed_in_both_formats():
    plan = observed(sales_skills(), 1_000.0, 300.0)
    assert "OBSERVED" in pdf_text(plan)
    html = brief.executive_summary(plan)
    assert "Observed: the pilot measured $1,000 per deal" in html


def test_user_text_is_text_in_the_pdf_and_escaped_in_the_html():
    plan = onboarding()
    plan.name = "<script>alert(1)</script> Équipe 北京 [x](https://evil.example)"
    html = brief.executive_summary(plan)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert(1)</script>" in pdf_text(plan)  # written as it was typed, never interpreted


def test_html_has_the_charts_and_the_drivers_as_people_read_numbers():
    import re

    html = brief.executive_summary(sales_skills())
    assert html.count("data:image/png;base64,") == 2
    html = re.sub(r'src="data:[^"]*"', "", html)
    assert "e+0" not in html and "at 1,500" in html  # the effect range 500–1,500, not 1.5e+03
    assert "at 30%" in html or "at 70%" in html  # attribution as a percentage, not 0.3
    assert "120 treated and 120 control people in 12 + 12 team clusters" in html


def test_decisions_follow_evidence_and_range():
    facts = pl.facts(sales_skills(), None)
    assert decision.standing(sales_skills(), facts, draws=4_000).decision == decision.RUN_PILOT
    plan = sales_skills()
    plan.design.design = "rct"
    strong = observed(plan, 2_000.0, 200.0)
    found = decision.standing(strong, pl.facts(strong, None), draws=4_000)
    assert (found.evidence, found.decision, found.basis) == ("strong", decision.EXPAND, "observed")
    assert found.p10 > 0
    losing = sales_skills()
    losing.pilot.effect = 50.0
    assert decision.standing(losing, pl.facts(losing, None), draws=4_000).decision == decision.RETHINK
    deviating = observed(sales_skills(), 2_000.0, 200.0, registered=False)
    assert decision.evidence(deviating) == "moderate"
    unclear = observed(sales_skills(), 600.0, 590.0)
    assert decision.standing(unclear, pl.facts(unclear, None), draws=4_000).decision in (decision.UNCLEAR,
                                                                                         decision.RETHINK)


@pytest.mark.parametrize("point, p50, words", [(61.0, 43.0, "below it"), (40.0, 42.0, "agrees")])
def test_the_headline_note_says_which_value_the_headline_is(point, p50, words):
    from core.sensitivity import MonteCarlo

    mc = MonteCarlo(1000, 1, -3.0, p50, 90.0, p50, 0.8, (1,), (0.0, 1.0), ())
    assert words in decision.headline_note(point, mc)

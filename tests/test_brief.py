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
    assert "Observed: the pilot measured an improvement of $1,000 per deal" in html


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
    assert "e+0" not in html and "at 1,700" in html  # the effect range 500–1,700, not 1.7e+03
    assert "at 60%" in html or "at 95%" in html  # adoption as a percentage, not 0.6
    assert "220 treated and 220 control people in 8 + 8 team clusters" in html


def test_decisions_follow_the_evidence_and_the_observed_interval_against_break_even():
    facts = pl.facts(sales_skills(), None)
    assert decision.standing(sales_skills(), facts, draws=4_000).decision == decision.RUN_PILOT
    plan = sales_skills()
    plan.design.design = "rct"
    proven = observed(plan, 2_000.0, 200.0)  # break-even is about 284: even the CI's low end, 1,800, pays
    found = decision.standing(proven, pl.facts(proven, None), draws=4_000)
    assert (found.decision, found.basis) == (decision.EXPAND, "observed") and found.p10 > 0
    assert found.evidence == "moderate"  # not pre-registered, 20% planned power: never called strong
    losing = sales_skills()
    losing.pilot.effect = 50.0
    assert decision.standing(losing, pl.facts(losing, None), draws=4_000).decision == decision.RETHINK
    straddling = observed(sales_skills(), 300.0, 265.0)  # 35 to 565 against break-even 284: a larger pilot would tell
    assert decision.standing(straddling, pl.facts(straddling, None), draws=4_000).decision == decision.UNCLEAR
    short = observed(sales_skills(), 120.0, 100.0)  # even 220 does not pay
    assert decision.standing(short, pl.facts(short, None), draws=4_000).decision == decision.RETHINK


def test_strong_evidence_needs_a_randomised_pre_registered_well_powered_pilot():
    from core.plan import Preregistration

    plan = observed(sales_skills(), 2_000.0, 200.0)
    plan.design.design = "rct"
    assert decision.evidence(plan, 0.9) == "moderate"  # not locked before the results
    plan.design.preregistration = Preregistration("2026-06-30T09:00:00", {})
    plan.results.observed.basis = pl.analysis_key(plan)
    assert decision.evidence(plan, 0.9) == "strong"
    plan.design.preregistration = Preregistration("2026-12-01T09:00:00", {})  # locked after the results
    plan.results.observed.basis = pl.analysis_key(plan)
    assert decision.evidence(plan, 0.9) == "moderate"
    plan.design.preregistration = Preregistration("2026-06-30T09:00:00", {})
    plan.results.observed.basis = pl.analysis_key(plan)
    assert decision.evidence(plan, 0.31) == "moderate"  # underpowered
    assert decision.evidence(observed(sales_skills(), 2_000.0, 200.0, registered=False), 0.9) == "moderate"
    assert decision.evidence(sales_skills(), 0.9) == "none yet"


@pytest.mark.parametrize("point, p50, words", [(61.0, 43.0, "below it"), (40.0, 42.0, "agrees")])
def test_the_headline_note_says_which_value_the_headline_is(point, p50, words):
    from core.sensitivity import MonteCarlo

    mc = MonteCarlo(1000, 1, -3.0, p50, 90.0, p50, 0.8, (1,), (0.0, 1.0), ())
    assert words in decision.headline_note(point, mc)


def test_a_long_question_and_a_chinese_name_still_make_one_readable_page():
    plan = sales_skills()
    plan.name = "销售培训试点 🚀 Sales"
    plan.goals.business_improvement = "Bigger deals. " * 350  # the field allows 5,000 characters
    text = pdf_text(plan)  # one page (asserted there)
    assert "Sales" in text and "?" in text and "the HTML summary has them all" in text
    assert "销售培训试点" in brief.executive_summary(plan)


def test_a_lower_is_better_effect_sits_inside_its_own_interval_in_the_summary():
    plan = onboarding()  # weeks to productivity: lower is better, so a fall of 3.5 weeks is an improvement of 3.5
    plan.results.observed = Observed(-3.5, 0.8, -5.0, -2.0, 0.001, 40, "Difference in means")
    plan.results.observed.basis = pl.analysis_key(plan)
    plan.roi.mode = "observed"
    text = brief.content(plan, charts=False).effect
    assert "improvement of 3.5 weeks (95% CI 2 to 5 weeks" in text


def test_the_advice_before_a_pilot_never_asks_for_more_teams_than_are_eligible(sample_panel):
    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    sentence = decision.standing(plan, pl.facts(plan, sample_panel), draws=4_000).sentence
    assert "sees the expected effect" in sentence and "larger" not in sentence  # 8 + 8 of 16 teams, 96% power
    plan.pilot.effect = 300.0  # an effect this small: 16 teams are not enough, and no more are eligible
    sentence = decision.standing(plan, pl.facts(plan, sample_panel), draws=4_000).sentence
    assert "already holds everyone eligible" in sentence and "larger than planned" not in sentence
    plan.pilot.treated_people = plan.pilot.control_people = 110  # 4 + 4 of 16: a larger pilot is possible
    sentence = decision.standing(plan, pl.facts(plan, sample_panel), draws=4_000).sentence
    assert "run it larger than planned" in sentence


def test_a_harmed_guardrail_turns_expand_into_not_yet_clear_and_names_it():
    plan = sales_skills()
    plan.design.design = "rct"
    proven = observed(plan, 2_000.0, 200.0)  # expand, as above
    proven.results.observed.harmed_guardrails = ["Voluntary attrition"]
    found = decision.standing(proven, pl.facts(proven, None), draws=4_000)
    assert found.decision == decision.UNCLEAR and "Voluntary attrition" in found.sentence
    assert "worse" in found.sentence

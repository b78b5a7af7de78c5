from core import brief, roi
from core.templates import onboarding, sales_skills


def test_summary_states_question_result_range_and_drivers():
    plan = sales_skills()
    html = brief.executive_summary(plan)
    result = roi.evaluate(roi.inputs(plan))
    assert plan.goals.business_improvement in html
    assert f"ROI <b>{result.roi_pct:,.0f}%</b>" in html
    assert "P10" in html and "probability that ROI is positive" in html
    assert "Effect per participant" in html  # the widest tornado bar
    assert "120 treated and 120 control people in 12 + 12 team clusters" in html
    assert "too small to see" in html  # the design's power finding


def test_user_text_is_escaped():
    plan = onboarding()
    plan.name = "<script>alert(1)</script>"
    html = brief.executive_summary(plan)
    assert "<script>" not in html and "&lt;script&gt;" in html

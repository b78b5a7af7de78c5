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


def test_drivers_read_as_people_read_numbers():
    html = brief.executive_summary(sales_skills())
    assert "e+0" not in html and "at 1,500" in html  # the effect range 500–1,500, not 1.5e+03
    assert "at 30%" in html or "at 70%" in html  # attribution as a percentage, not 0.3

"""The figures carry the numbers they claim to show."""

import pytest

from core import charts, roi, sensitivity
from core.templates import sales_skills


def test_tornado_puts_the_widest_swing_on_top():
    inputs = roi.inputs(sales_skills())
    swings = sensitivity.one_way(inputs)
    fig = charts.tornado(swings, roi.evaluate(inputs).roi_pct)
    assert list(fig.data[0].y)[-1] == swings[0].label  # plotly draws the last category on top
    low = fig.data[0]
    assert low.base + low.x[-1] == pytest.approx(swings[0].roi_at_low)


def test_distribution_marks_p10_p50_p90():
    mc = sensitivity.monte_carlo(roi.inputs(sales_skills()), draws=5_000)
    fig = charts.distribution(mc)
    texts = [a.text for a in fig.layout.annotations]
    assert texts == [f"P10 {mc.p10:,.0f}%", f"P50 {mc.p50:,.0f}%", f"P90 {mc.p90:,.0f}%"]
    assert sum(fig.data[0].y) == pytest.approx(1.0)


def test_waterfall_ends_at_the_net_benefit():
    result = roi.evaluate(roi.inputs(sales_skills()))
    fig = charts.waterfall(result)
    assert sum(fig.data[0].y[:-1]) == pytest.approx(result.net_benefit)
    assert fig.data[0].measure[-1] == "total"


def test_payback_line_sits_at_the_payback_month():
    result = roi.evaluate(roi.inputs(sales_skills()))
    fig = charts.payback(result)
    assert fig.layout.shapes[0].x0 == pytest.approx(result.payback_months)
    assert fig.data[0].y[-1] == pytest.approx(result.total_benefit)


def test_power_curve_marks_plan_and_break_even():
    fig = charts.power_curve([10, 20], [0.2, 0.5], planned=15, target=0.8, marks=[(18, "break-even")])
    assert [a.text for a in fig.layout.annotations] == ["planned 15", "break-even"]
    assert fig.layout.shapes[0].y0 == 0.8


def test_group_means_draws_one_line_per_arm_and_marks_the_start():
    import datetime

    import pandas as pd

    means = pd.DataFrame({"period": pd.to_datetime(["2026-05-01", "2026-05-01", "2026-07-01", "2026-07-01"]),
                          "arm": ["treatment", "control"] * 2, "mean": [10.0, 10.5, 12.0, 10.4]})
    fig = charts.group_means(means, datetime.date(2026, 7, 1), y_title="deal size")
    assert [t.name for t in fig.data] == ["treatment", "control"]
    assert list(fig.data[0].y) == [10.0, 12.0]
    assert fig.layout.shapes[0].x0 == "2026-07-01"


def test_event_study_draws_each_event_time_with_its_interval():
    import pandas as pd

    table = pd.DataFrame({"event_time": [-2, -1, 0, 1], "att": [0.1, -0.1, 1.0, 1.2], "se": [0.5, 0.5, 0.4, 0.6]})
    fig = charts.event_study(table, y_title="effect")
    assert list(fig.data[0].x) == [-2, -1, 0, 1]
    assert list(fig.data[0].error_y.array) == pytest.approx([0.98, 0.98, 0.784, 1.176])

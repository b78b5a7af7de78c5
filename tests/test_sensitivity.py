import numpy as np
import pytest
from scipy import stats

from core import roi, sensitivity
from core.plan import CostLine, Range
from core.roi import RoiInputs
from core.templates import onboarding, sales_skills


def linear_model(**ranges) -> RoiInputs:
    """Benefit = 100 × effect × adoption; cost 100: ROI % = 100 × (effect × adoption − 1)."""
    return RoiInputs(participants=1, costs=[CostLine("x", 100)], benefit_kind="one_time", effect=2.0,
                     value_per_unit=100, adoption=0.5, realisation_months=1, ranges=ranges)


def test_collapsed_ranges_give_the_point_estimate():
    inputs = roi.inputs(sales_skills())
    point = {name: roi.values_of(inputs)[name] for name in inputs.ranges}
    inputs.ranges = {name: Range(v, v) for name, v in point.items()}
    mc = sensitivity.monte_carlo(inputs, draws=1_000)
    expected = roi.evaluate(inputs).roi_pct
    assert mc.p10 == pytest.approx(expected) and mc.p50 == pytest.approx(expected)
    assert mc.p90 == pytest.approx(expected)


@pytest.mark.parametrize("distribution", ["pert", "triangular"])
def test_median_of_a_symmetric_input_lands_on_the_expected_case(distribution):
    inputs = linear_model(effect=Range(1.0, 3.0, distribution))
    mc = sensitivity.monte_carlo(inputs, draws=100_000)
    assert mc.p50 == pytest.approx(0.0, abs=1.0)  # ROI at effect 2 × adoption 0.5 is exactly 0
    assert mc.prob_positive == pytest.approx(0.5, abs=0.01)


def test_same_seed_same_result_other_seed_other_result():
    inputs = roi.inputs(sales_skills())
    assert sensitivity.monte_carlo(inputs, seed=7) == sensitivity.monte_carlo(inputs, seed=7)
    assert sensitivity.monte_carlo(inputs, seed=7).p50 != sensitivity.monte_carlo(inputs, seed=8).p50


def test_pert_draws_follow_the_scaled_beta():
    # PERT(a=1, m=2, b=5): α = 1 + 4(2−1)/4 = 2, β = 1 + 4(5−2)/4 = 4, mean (1 + 8 + 5)/6 = 7/3.
    draws = sensitivity.sample(np.random.default_rng(1), Range(1, 5), 2, 50_000)
    assert draws.mean() == pytest.approx(7 / 3, abs=0.01)
    assert stats.kstest((draws - 1) / 4, stats.beta(2, 4).cdf).pvalue > 0.001


def test_triangular_draws_follow_scipy_triangular():
    draws = sensitivity.sample(np.random.default_rng(2), Range(0, 10, "triangular"), 3, 50_000)
    assert stats.kstest(draws, stats.triang(c=0.3, loc=0, scale=10).cdf).pvalue > 0.001


def test_tornado_is_sorted_by_swing_and_values_match_hand_calculation():
    inputs = linear_model(effect=Range(1.0, 4.0), adoption=Range(0.4, 0.6))
    swings = sensitivity.one_way(inputs)
    assert [s.name for s in swings] == ["effect", "adoption"]
    # effect 1 → ROI 100×(0.5−1) = −50; effect 4 → 100×(2−1) = 100; adoption 0.4 → −20, 0.6 → 20.
    assert (swings[0].roi_at_low, swings[0].roi_at_high) == pytest.approx((-50, 100))
    assert (swings[1].roi_at_low, swings[1].roi_at_high) == pytest.approx((-20, 20))


@pytest.mark.parametrize("template", [sales_skills, onboarding])
def test_scenarios_are_ordered(template):
    inputs = roi.inputs(template())
    s = sensitivity.standard_scenarios(inputs)
    rois = [sensitivity.roi_pct(inputs, s[name]) for name in (sensitivity.STRESS, "Expected", sensitivity.BEST)]
    assert rois[0] < rois[1] < rois[2]
    assert s[sensitivity.STRESS]["monthly_decay"] >= s[sensitivity.BEST]["monthly_decay"]


def test_expected_value_outside_its_range_widens_it_and_says_so():
    inputs = linear_model(effect=Range(3.0, 4.0))
    assert sensitivity.monte_carlo(inputs, draws=1_000).stretched == ("effect",)


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ({"effect": Range(3, 1)}, "reversed"),
        ({"adoption": Range(0.5, 1.2)}, "must be 0 to 100%, got 120%"),
        ({"magic": Range(0, 1)}, "not an ROI assumption"),
        ({"effect": Range(float("nan"), 1)}, "finite"),
    ],
)
def test_bad_ranges_are_refused(ranges, message):
    with pytest.raises(roi.InputError, match=message):
        sensitivity.monte_carlo(linear_model(**ranges))


def test_monte_carlo_equals_the_same_model_written_out_by_hand_in_numpy():
    from bench.roi_bench import bare_numpy_monte_carlo

    mc = sensitivity.monte_carlo(roi.inputs(sales_skills()), draws=20_000, seed=11)
    p10, p50, p90, positive = bare_numpy_monte_carlo(20_000, 11)
    assert (mc.p10, mc.p50, mc.p90, mc.prob_positive) == pytest.approx((p10, p50, p90, positive), rel=1e-12)


def test_each_assumption_has_its_own_reproducible_stream():
    one = linear_model(effect=Range(1.0, 3.0))
    two = linear_model(effect=Range(1.0, 3.0), adoption=Range(0.4, 0.6))
    sensitivity.draws_for.cache_clear()
    a = sensitivity.draws_for("effect", 1.0, 3.0, 2.0, "pert", 5, 1_000).copy()
    sensitivity.monte_carlo(two, draws=1_000, seed=5)
    sensitivity.draws_for.cache_clear()
    assert (sensitivity.draws_for("effect", 1.0, 3.0, 2.0, "pert", 5, 1_000) == a).all()
    assert sensitivity.monte_carlo(one, draws=1_000, seed=5).p50 != sensitivity.monte_carlo(two, draws=1_000,
                                                                                           seed=5).p50


def test_a_participants_range_down_to_zero_is_refused_with_a_message_not_a_division_by_zero():
    inputs = roi.inputs(sales_skills())
    inputs.costs = [CostLine("Licences", 300, True)]  # every cost is per participant
    inputs.participant_hours = 0
    inputs.ranges = {"participants": Range(0, 200)}
    with pytest.raises(roi.InputError, match="costs nothing"):
        sensitivity.check_ranges(inputs)
    with pytest.raises(roi.InputError):
        sensitivity.monte_carlo(inputs)


def test_a_normal_range_draws_the_estimate_with_the_sd_its_ci_implies():
    """Reference: a 95% CI of ±1.96 sd around the mean (normal sampling distribution)."""
    rng = np.random.default_rng(1)
    draws = sensitivity.sample(rng, Range(800.0, 1_200.0, "normal"), 1_000.0, 200_000)
    assert draws.mean() == pytest.approx(1_000.0, abs=1.0)
    assert draws.std() == pytest.approx(200.0 / stats.norm.ppf(0.975), rel=0.01)


def test_scenarios_are_placed_in_the_monte_carlo_distribution():
    """The expected case sits near the median; the stress test (every range at its worse end at once) is rarer
    than 1 draw in 100, which is why it is not called conservative; P10 and P90 land at 10% and 90%."""
    inputs = roi.inputs(sales_skills())
    mc = sensitivity.monte_carlo(inputs)
    found = {s.name: s for s in sensitivity.compare(inputs, sensitivity.standard_scenarios(inputs), mc)}
    assert found[sensitivity.STRESS].rank is None and found[sensitivity.STRESS].where == "rarer than 1 draw in 100"
    assert found[sensitivity.BEST].rank is None
    expected = found["Expected"]
    assert 0.3 < expected.rank < 0.8
    assert mc.rank_of(mc.p10) == pytest.approx(0.10, abs=0.005)
    assert mc.rank_of(mc.p90) == pytest.approx(0.90, abs=0.005)


def test_a_value_outside_its_range_stretches_the_tornado_as_it_stretches_the_monte_carlo():
    inputs = roi.with_values(roi.inputs(sales_skills()), {"adoption": 0.5})  # the range is 60%–95%
    swing = next(s for s in sensitivity.one_way(inputs) if s.name == "adoption")
    assert (swing.low, swing.high) == (0.5, 0.95)
    assert swing.roi_at_low == pytest.approx(sensitivity.roi_pct(inputs))  # the low end is the value itself
    assert "adoption" in sensitivity.monte_carlo(inputs, draws=1_000).stretched

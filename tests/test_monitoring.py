"""Group-sequential boundaries: against published tables, and the false-positive rate of looking every month by
simulation of the looks as a pilot takes them (cumulative means of person-level data)."""

import numpy as np
import pytest

from core import monitoring

# gsDesign::gsDesign(k, test.type = 2, alpha = 0.025, sfu = sfLDOF)$upper$bound (symmetric two-sided 5%), the
# values rpact's getDesignGroupSequential(kMax = k, alpha = 0.025, typeOfDesign = "asOF") tabulates
PUBLISHED = {
    1: [1.9600],
    3: [3.7103, 2.5114, 1.9930],
    5: [4.8769, 3.3569, 2.6803, 2.2898, 2.0310],
}


@pytest.mark.parametrize("looks", sorted(PUBLISHED))
def test_boundaries_match_the_published_obrien_fleming_tables(looks):
    assert monitoring.boundaries(looks=looks, alpha=0.05) == pytest.approx(PUBLISHED[looks], abs=2e-4)


@pytest.mark.parametrize("fractions", [[0.5, 1.0], [0.25, 0.5, 0.75, 1.0], [0.4, 0.7, 1.0],
                                       [1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1.0]])
def test_each_look_spends_what_the_spending_function_allows(fractions):
    """Checked with a different algorithm: the multivariate normal probability (Genz, in scipy) that the z of
    looks 1..k, correlated √(t_i / t_j), all stay inside their boundaries is 1 − α(t_k)."""
    from scipy import stats

    c = np.array(monitoring.boundaries(looks=len(fractions), fractions=fractions))
    t = np.array(fractions)
    corr = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    for k in range(1, len(t) + 1):
        inside = stats.multivariate_normal(mean=np.zeros(k), cov=corr[:k, :k], abseps=1e-7, releps=1e-7,
                                           maxpts=2_000_000, seed=1).cdf(c[:k], lower_limit=-c[:k])
        assert inside == pytest.approx(1 - monitoring.spent(t[k - 1]), abs=2e-5)


def test_the_spending_function_spends_alpha_by_the_end_and_little_early():
    assert monitoring.spent(1.0) == pytest.approx(0.05)
    assert monitoring.spent(0.25) < 0.0001 and monitoring.spent(0.0) == 0


def test_looks_at_unequal_times_keep_the_error_rate_and_bad_input_is_refused():
    uneven = monitoring.boundaries(looks=3, fractions=[0.4, 0.7, 1.0])
    assert uneven[0] > uneven[1] > uneven[2] > 1.96
    with pytest.raises(ValueError):
        monitoring.boundaries(looks=0)
    with pytest.raises(ValueError):
        monitoring.boundaries(looks=2, fractions=[0.7, 0.5])


@pytest.mark.slow
def test_looking_every_month_keeps_the_false_positive_rate_at_alpha():
    """A 90-day pilot looked at after each month (3 looks) with no effect: person-level outcomes of 30 + 30 people
    a month, the z of the cumulative difference in means at each look. Stopping at |z| ≥ boundary rejects about
    5%; stopping at 1.96 each month about 10.7%."""
    rng = np.random.default_rng(20261202)
    reps, per_month, looks = 20_000, 30, 3
    c = monitoring.boundaries(looks=looks)
    a = rng.normal(size=(reps, looks, per_month)).cumsum(axis=1).sum(axis=2)  # running sums by month
    b = rng.normal(size=(reps, looks, per_month)).cumsum(axis=1).sum(axis=2)
    n = per_month * np.arange(1, looks + 1)
    z = (a / n - b / n) / np.sqrt(2 / n)
    guarded = np.mean((np.abs(z) >= c).any(axis=1))
    naive = np.mean((np.abs(z) >= 1.959964).any(axis=1))
    error = 3 * np.sqrt(0.05 * 0.95 / reps)
    assert abs(guarded - 0.05) < error, guarded
    assert naive > 0.09  # what looking without the boundary would have cost


def test_an_interim_look_says_stop_only_when_its_boundary_allows():
    first = monitoring.look(effect=1.0, se=0.25, fraction=1 / 3, looks=3, planned=1.0)  # z = 4 > 3.71
    assert (first.number, first.verdict) == (1, "success") and first.boundary == pytest.approx(3.7103, abs=2e-4)
    assert monitoring.look(effect=-1.0, se=0.25, fraction=1 / 3, looks=3, planned=1.0).verdict == "harm"
    assert monitoring.look(effect=0.8, se=0.25, fraction=1 / 3, looks=3, planned=1.0).verdict == "continue"  # 3.2
    early = monitoring.look(effect=2.0, se=0.25, fraction=1 / 3, looks=2, planned=1.0)  # before the first look
    assert early.number == 0 and early.verdict == "continue"
    assert monitoring.look(effect=0.0, se=0.5, fraction=2 / 3, looks=3, planned=0.5).verdict == "futility"


def test_conditional_power_is_the_chance_to_cross_at_the_end_by_simulation():
    """Written here: the rest of the pilot's score as Brownian motion with the planned drift, from where it is."""
    rng = np.random.default_rng(7)
    effect, se, t, planned = 0.4, 0.5, 0.5, 0.9
    found = monitoring.look(effect=effect, se=se, fraction=t, looks=3, planned=planned)
    final_se = se * np.sqrt(t)  # the standard error with all the information
    score_now = (effect / se) * np.sqrt(t)  # B(t) = Z(t)·√t
    drift = planned / final_se
    rest = rng.normal(drift * (1 - t), np.sqrt(1 - t), size=400_000)
    final_c = monitoring.boundaries(looks=3)[-1]
    assert found.conditional_power == pytest.approx(np.mean(score_now + rest >= final_c), abs=0.004)


def test_a_month_between_registered_looks_is_shown_but_judged_by_nothing():
    """Nine months, three looks: month 3 is look 1, months 4 and 5 are between looks, month 6 is look 2."""
    at = {m: monitoring.look(effect=5.0, se=1.0, fraction=m / 9, looks=3, planned=2.0, step=1 / 9)
          for m in (3, 4, 5, 6)}
    assert at[3].number == 1 and at[3].verdict == "success"  # z = 5 beats 3.71
    assert at[4].verdict == at[5].verdict == "between" and at[4].number == 1
    assert at[6].number == 2 and at[6].verdict == "success"
    said = monitoring.said(at[4])
    assert "between registered looks" in said and "next comes at 67%" in said and "No verdict" in said
    # five months, three looks: the looks fall in months 2 (0.4 ≥ 1/3) and 4 (0.8 ≥ 2/3)
    five = [monitoring.look(effect=2.0, se=1.0, fraction=m / 5, looks=3, planned=2.0, step=1 / 5).verdict
            for m in (1, 2, 3, 4)]
    assert five == ["continue", "continue", "between", "continue"]


def test_with_few_teams_the_boundary_moves_to_the_t_scale_at_the_same_nominal_level():
    from scipy import stats

    c_t = monitoring.on_t_scale(3.7103, 13.9)
    assert stats.t.sf(c_t, 13.9) == pytest.approx(stats.norm.sf(3.7103), rel=1e-9)
    assert c_t == pytest.approx(4.98, abs=0.02)
    assert monitoring.on_t_scale(1.96, None) == 1.96
    final = monitoring.final_boundary(looks=3, df=13.9)
    assert stats.t.sf(final, 13.9) == pytest.approx(stats.norm.sf(1.9930), rel=1e-3)
    t_look = monitoring.look(effect=4.5, se=1.0, fraction=1 / 3, looks=3, planned=2.0, df=13.9)
    z_look = monitoring.look(effect=4.5, se=1.0, fraction=1 / 3, looks=3, planned=2.0)
    assert z_look.verdict == "success" and t_look.verdict != "success"  # 4.5 beats 3.71, not 4.98

"""One treated site: synthetic DiD and the synthetic control against the published Proposition 99 numbers
(Arkhangelsky et al. 2021, Table 1 and the synthdid R package's README: −15.60, −19.62; DiD −27.35)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import effects

PROP99 = Path(__file__).parent / "fixtures" / "california_prop99.csv"


@pytest.fixture(scope="module")
def prop99():
    return pd.read_csv(PROP99, sep=";")


@pytest.fixture(scope="module")
def sdid(prop99):
    return effects.synthetic_control(prop99, outcome="PacksPerCapita", unit="State", period="Year", treated="treated")


@pytest.mark.parametrize("method,published", [("synthetic_did", -15.60), ("synthetic_control", -19.62)])
def test_proposition_99_reproduces_the_published_estimates(prop99, method, published):
    found = effects.synthetic_control(prop99, outcome="PacksPerCapita", unit="State", period="Year",
                                      treated="treated", method=method)
    assert round(found.effect, 2) == published
    d = found.diagnostics
    assert d["n_controls"] == 38 and d["n_pre_periods"] == 19 and d["n_post_periods"] == 12
    assert sum(d["unit_weights"].values()) == pytest.approx(1.0)
    assert found.ci_low < found.effect < found.ci_high
    assert found.ci_high - found.ci_low == pytest.approx(2 * 1.959964 * found.se, rel=1e-5)
    assert len(d["placebo_effects"]) == 38  # every other state once in California's place
    traj = d["trajectory"]
    assert len(traj) == 31 and list(traj.columns) == ["period", "treated", "synthetic"]


def test_synthetic_did_weights_match_the_papers_figure(sdid):
    """The paper's Figure 1: Nevada, New Hampshire, Connecticut, Delaware and Colorado carry the most weight."""
    top = list(sdid.diagnostics["unit_weights"])[:5]
    assert set(top) == {"Nevada", "New Hampshire", "Connecticut", "Delaware", "Colorado"}


def test_placebo_se_is_the_spread_of_the_placebo_estimates(sdid):
    found = sdid
    draws = np.asarray(found.diagnostics["placebo_effects"])
    assert found.se == pytest.approx(np.sqrt(37 / 38) * draws.std(ddof=1))
    assert 5 < found.se < 15  # the paper reports 8.4–10 for its placebo se on these data


def _sites(rng, sites=12, months=18, start=12, effect=0.0):
    """Sites with their own level and a common seasonal factor each site feels to its own degree (the piloted
    site in the middle of the others), plus noise."""
    level = rng.normal(100, 10, sites)[:, None]
    loading = np.r_[1.0, rng.uniform(0.5, 1.5, sites - 1)][:, None]
    y = level + loading * 5 * np.sin(np.arange(months) / 2)[None, :] + rng.normal(0, 1, (sites, months))
    y[0, start:] += effect
    return pd.DataFrame({"site": np.repeat([f"S{i:02d}" for i in range(sites)], months),
                         "month": np.tile(pd.date_range("2025-01-01", periods=months, freq="MS"), sites),
                         "kpi": y.ravel(), "piloted": ((np.arange(sites) == 0)[:, None]
                                                      & (np.arange(months) >= start)[None, :]).ravel().astype(int)})


def test_a_site_with_a_planted_effect_is_found_and_months_are_kept():
    found = effects.synthetic_control(_sites(np.random.default_rng(1), effect=5.0), outcome="kpi", unit="site",
                                      period="month", treated="piloted")
    assert found.ci_low < 5.0 < found.ci_high and found.ci_low > 0
    assert found.diagnostics["trajectory"]["period"].iloc[0] == pd.Timestamp("2025-01-01")


def test_bad_shapes_get_specific_messages():
    rng = np.random.default_rng(2)
    frame = _sites(rng)
    with pytest.raises(ValueError, match="no row has piloted = 1"):
        effects.synthetic_control(frame.assign(piloted=0), outcome="kpi", unit="site", period="month",
                                  treated="piloted")
    with pytest.raises(ValueError, match="at least 2 are needed"):
        effects.synthetic_control(_sites(rng, start=1), outcome="kpi", unit="site", period="month",
                                  treated="piloted")
    with pytest.raises(ValueError, match="one row per site and month"):
        effects.synthetic_control(pd.concat([frame, frame.head(1)]), outcome="kpi", unit="site", period="month",
                                  treated="piloted")
    with pytest.raises(ValueError, match="more comparison units than treated"):
        effects.synthetic_control(frame[frame.site.isin(["S00", "S01"])].assign(
            piloted=lambda f: (f.site != "S03") & f.piloted.astype(bool)), outcome="kpi", unit="site",
            period="month", treated="piloted")
    with pytest.raises(ValueError, match="method must be"):
        effects.synthetic_control(frame, outcome="kpi", unit="site", period="month", treated="piloted",
                                  method="sdid")


def test_fewer_than_ten_comparison_sites_give_no_interval_and_say_why():
    """Six cities: a placebo se from five placebo estimates ran 20× too small in a walk-through; no interval."""
    found = effects.synthetic_control(_sites(np.random.default_rng(4), sites=6, effect=5.0), outcome="kpi",
                                      unit="site", period="month", treated="piloted")
    assert (found.ci_low, found.ci_high) == (-np.inf, np.inf)
    assert found.p_value >= 1 / 6 and "Only 5 comparison sites" in found.diagnostics["no_interval"]
    assert "so few comparison sites" in found.method and "approximate" not in " ".join(found.diagnostics["warnings"])

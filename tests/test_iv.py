"""The effect on those who took part (core/iv.py) against the Wald ratio written out by hand and linearmodels."""

import numpy as np
import pandas as pd
import pytest

from core import iv


def pilot(seed=3, n=600, no_shows=0.2, crossovers=0.1, effect=5.0):
    rng = np.random.default_rng(seed)
    assigned = rng.integers(0, 2, n)
    took_part = np.where(assigned == 1, rng.random(n) > no_shows, rng.random(n) < crossovers).astype(int)
    baseline = rng.normal(50, 10, n)
    y = 0.8 * baseline + effect * took_part + rng.normal(0, 5, n)
    return pd.DataFrame({"y": y, "assigned": assigned, "took_part": took_part, "baseline": baseline,
                         "team": rng.integers(0, 30, n)})


def test_without_covariates_it_is_the_wald_ratio():
    df = pilot()
    found = iv.complier_effect(df, outcome="y", assigned="assigned", took_part="took_part")
    itt = df.loc[df.assigned == 1, "y"].mean() - df.loc[df.assigned == 0, "y"].mean()
    first = df.loc[df.assigned == 1, "took_part"].mean() - df.loc[df.assigned == 0, "took_part"].mean()
    assert found.effect == pytest.approx(itt / first, rel=1e-10)
    assert found.diagnostics["compliance"] == pytest.approx(first, rel=1e-12)


def test_with_a_covariate_it_matches_linearmodels_and_recovers_the_effect():
    from linearmodels.iv import IV2SLS

    df = pilot(seed=5)
    found = iv.complier_effect(df, outcome="y", assigned="assigned", took_part="took_part", covariates=["baseline"])
    reference = IV2SLS.from_formula("y ~ 1 + baseline + [took_part ~ assigned]", df).fit(cov_type="robust")
    assert found.effect == pytest.approx(reference.params["took_part"], rel=1e-10)
    assert found.se == pytest.approx(reference.std_errors["took_part"], rel=1e-10)
    assert found.ci_low < 5.0 < found.ci_high


def test_taking_part_unrelated_to_assignment_is_refused():
    df = pilot()
    df["took_part"] = 1
    with pytest.raises(ValueError, match="does not follow assignment"):
        iv.complier_effect(df, outcome="y", assigned="assigned", took_part="took_part")

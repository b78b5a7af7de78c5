"""The effect on those who took part (core/iv.py) against the Wald ratio and two-stage least squares written out."""

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


def test_with_a_covariate_it_is_just_identified_2sls_written_out_here():
    """β = (Z'X)⁻¹ Z'y with X = [1, baseline, took part] and Z = [1, baseline, assigned]; robust (HC0) variance
    (Z'X)⁻¹ (Σ eᵢ² zᵢzᵢ') (X'Z)⁻¹."""
    df = pilot(seed=5)
    found = iv.complier_effect(df, outcome="y", assigned="assigned", took_part="took_part", covariates=["baseline"])
    x = np.column_stack([np.ones(len(df)), df.baseline, df.took_part])
    z = np.column_stack([np.ones(len(df)), df.baseline, df.assigned])
    y = df.y.to_numpy()
    zx_inv = np.linalg.inv(z.T @ x)
    beta = zx_inv @ z.T @ y
    e = y - x @ beta
    v = zx_inv @ (z.T * e**2) @ z @ zx_inv.T
    assert found.effect == pytest.approx(beta[2], rel=1e-10)
    assert found.se == pytest.approx(np.sqrt(v[2, 2]), rel=1e-8)
    assert found.ci_low < 5.0 < found.ci_high


def test_taking_part_unrelated_to_assignment_is_refused():
    df = pilot()
    df["took_part"] = 1
    with pytest.raises(ValueError, match="does not follow assignment"):
        iv.complier_effect(df, outcome="y", assigned="assigned", took_part="took_part")

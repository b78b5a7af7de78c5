"""The staggered difference in differences as weights on a balanced unit × period table, for randomisation
inference and for simulating the power of a waitlist.

Callaway & Sant'Anna's (2021) overall effect without covariates is linear in the outcome. For a cohort g (first
treated period) and a period t ≥ g, with base period g − 1,

    ATT(g, t) = mean_{units of g}(Y_t − Y_{g−1}) − mean_{controls}(Y_t − Y_{g−1}),

the controls being the units never treated (`control="never"`) or not yet treated by t (`"notyet"`: first
treated after t, or never). The "simple" aggregate (R did's default) averages the ATT(g, t) that have
controls, weighted by the size of g. So the estimate is Σ w·Y over the table for a weight table w that depends
only on which unit is in which cohort — computed here, for one assignment or for many at once. It equals
`core.effects.staggered_did` (the `differences` package) on a balanced panel (tests/test_staggered.py).
"""

from __future__ import annotations

import numpy as np

NEVER = -1  # cohort code of a unit never treated within the table


def weights(cohorts: np.ndarray, periods: int, *, control: str = "notyet") -> np.ndarray:
    """Weight tables (…, units, periods) whose sum against the outcome table is the overall effect.

    `cohorts`: (units,) or (assignments, units) — the index of each unit's first treated period, NEVER for
    never treated. A cohort treated from period 0 has no period before it and is left out, as in R's did. Rows
    of an assignment without any ATT(g, t) that has controls are all 0.
    """
    cohorts = np.asarray(cohorts)
    single = cohorts.ndim == 1
    cohorts = np.atleast_2d(cohorts)
    count, units = cohorts.shape
    out = np.zeros((count, units, periods))
    total = np.zeros(count)
    for g in np.unique(cohorts):
        if g == NEVER or g < 1 or g >= periods:
            continue
        members = cohorts == g
        size = members.sum(axis=1)
        for t in range(g, periods):
            controls = (cohorts == NEVER) if control == "never" else ((cohorts == NEVER) | (cohorts > t))
            n_controls = controls.sum(axis=1)
            usable = (size > 0) & (n_controls > 0)
            if not usable.any():
                continue
            weight = np.where(usable, size, 0.0)
            treated_share = np.where(usable[:, None], members / np.maximum(size, 1)[:, None], 0.0)
            control_share = np.where(usable[:, None], controls / np.maximum(n_controls, 1)[:, None], 0.0)
            contrast = (treated_share - control_share) * weight[:, None]
            out[:, :, t] += contrast
            out[:, :, g - 1] -= contrast
            total += weight
    out /= np.where(total > 0, total, 1.0)[:, None, None]
    return out[0] if single else out


def treated_cells(cohorts: np.ndarray, periods: int) -> np.ndarray:
    """(…, units, periods) indicator of the cells on or after each unit's first treated period."""
    cohorts = np.asarray(cohorts)
    t = np.arange(periods)
    return ((cohorts[..., None] != NEVER) & (t >= cohorts[..., None])).astype(float)

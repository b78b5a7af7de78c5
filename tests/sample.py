"""The sample organisation with a pilot already run, for tests that need the pilot period.

Half the teams of each job family are treated (drawn by a fixed seed, as a cluster randomisation would), from the
sample's pilot start; the files are the bundled ones with the simulated pilot period appended
(sample_data.generate.simulate_pilot), exactly as "Run the sample pilot" makes them.
"""

from __future__ import annotations

import functools
from datetime import date

import numpy as np
import pandas as pd

from sample_data import generate

START = generate.PILOT_START
UNTIL = date(2026, 10, 1)


@functools.cache
def pilot_teams() -> tuple[str, ...]:
    hris = pd.read_csv(generate.HERE / "hris.csv", dtype=str)
    rng = np.random.default_rng(7)
    chosen = []
    for family in generate.FAMILIES:
        teams = sorted(hris.loc[hris["job_family"] == family, "team"].dropna().unique())
        chosen += list(rng.choice(teams, size=len(teams) // 2, replace=False))
    return tuple(sorted(chosen))


@functools.cache
def files() -> dict[str, tuple[str, bytes]]:
    """kind → (name, bytes): the bundled HRIS and the other three files with the pilot period simulated."""
    hris = pd.read_csv(generate.HERE / "hris.csv", dtype=str)
    treated = hris.loc[hris["team"].isin(pilot_teams()), "employee_id"].unique()
    out = {"hris": ("hris.csv", (generate.HERE / "hris.csv").read_bytes())}
    out.update(generate.simulate_pilot({i: START for i in treated}, until=UNTIL))
    return out

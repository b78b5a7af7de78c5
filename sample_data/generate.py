"""Generate the bundled sample organisation (deterministic: same seed, same files).

    python -m sample_data.generate

Writes hris.csv, lms_events.csv, assessments.csv and kpis_monthly.csv next to this file. What is in
them, the planted training effect and the planted data faults are documented in README.md.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20_261_124
HERE = Path(__file__).resolve().parent
SITES = ["London", "Leeds", "Manchester", "Dublin", "Berlin", "Madrid"]
FAMILIES = {"Sales": 16, "Customer Service": 16, "Operations": 8}
TEAM_SIZE = 30
PILOT_START = date(2026, 7, 1)
MONTHS_BEFORE, MONTHS_AFTER = 12, 3
DEAL_SIZE_EFFECT = 0.04  # +4% average deal size for reps in treated teams, from the pilot start
CSAT_EFFECT = 2.0  # +2 CSAT points for agents in treated teams
ASSESSMENT_EFFECT = 8.0  # +8 points on the post-program assessment
WEEKS_SAVED = 3.0  # new hires in treated Operations teams reach productivity 3 weeks sooner
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Maria", "Chen", "Aisha", "Liam", "Sofia", "Noah", "Emma", "Ravi", "Olga",
               "Kwame", "Lucía", "Jonas", "Zoë", "Mateo", "Hana", "Omar", "Ingrid"]
LAST_NAMES = ["Smith", "García", "Müller", "Okafor", "Nowak", "Kim", "Rossi", "Dubois", "Patel", "O'Brien",
              "Jensen", "Silva", "Ivanova", "Haddad", "Tanaka", "Murphy"]
MODULES = ["Discovery questioning", "Value selling", "Negotiation", "Product essentials", "Customer empathy",
           "Tools onboarding", "Compliance refresher"]


def months() -> list[date]:
    first = date(PILOT_START.year - 1, PILOT_START.month, 1)
    out = []
    y, m = first.year, first.month
    for _ in range(MONTHS_BEFORE + MONTHS_AFTER):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def build(seed: int = SEED) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    teams = []
    for family, count in FAMILIES.items():
        for i in range(count):
            teams.append({"team": f"{family[:3].upper()}-{i + 1:02d}", "job_family": family,
                          "site": SITES[(len(teams)) % len(SITES)]})
    teams = pd.DataFrame(teams)
    # The pilot: half the teams of each family, drawn by the seed (cluster randomisation).
    teams["treated"] = False
    for family in FAMILIES:
        names = teams.loc[teams.job_family == family, "team"].to_numpy()
        chosen = rng.choice(names, size=len(names) // 2, replace=False)
        teams.loc[teams.team.isin(chosen), "treated"] = True

    people = []
    for t in teams.itertuples():
        for j in range(TEAM_SIZE):
            people.append({"team": t.team, "job_family": t.job_family, "site": t.site, "treated": t.treated,
                           "is_manager": j == 0})
    hris = pd.DataFrame(people)
    n = len(hris)
    hris.insert(0, "employee_id", [f"E{i + 1:05d}" for i in range(n)])
    hris.insert(1, "name", [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(n)])
    managers = hris[hris.is_manager].set_index("team")["employee_id"]
    hris["manager_id"] = [("" if m else managers[t]) for t, m in zip(hris.team, hris.is_manager, strict=True)]
    tenure_days = rng.gamma(2.0, 700, n).astype(int) + 30
    new_hire = rng.random(n) < 0.12
    tenure_days[new_hire] = rng.integers(-85, 400, new_hire.sum())  # some join during the pilot
    hris["hire_date"] = [(PILOT_START - timedelta(days=int(d))).isoformat() for d in tenure_days]
    base_salary = hris.job_family.map({"Sales": 52_000, "Customer Service": 36_000, "Operations": 41_000})
    hris["salary"] = (base_salary * rng.lognormal(0, 0.15, n) * np.where(hris.is_manager, 1.35, 1)).round(-2)
    hris["salary"] = hris["salary"].astype(int)
    hris["gender"] = rng.choice(["Female", "Male", "Non-binary", "Prefer not to say"], n, p=[0.48, 0.48, 0.02, 0.02])
    hris["ethnicity"] = rng.choice(["White", "Asian", "Black", "Mixed", "Other", "Prefer not to say"], n,
                                   p=[0.62, 0.14, 0.1, 0.06, 0.04, 0.04])

    # -- monthly KPIs: team effect (ICC), person effect (pre/post correlation), seasonality, planted effect --
    calendar = months()
    season = {m: 1 + 0.06 * np.sin(2 * np.pi * (m.month - 3) / 12) for m in calendar}
    team_deal = dict(zip(teams.team, rng.normal(0, 0.08, len(teams)), strict=True))
    team_csat = dict(zip(teams.team, rng.normal(0, 2.0, len(teams)), strict=True))
    person_deal = rng.normal(0, 0.15, n)
    person_csat = rng.normal(0, 4.0, n)
    rows = []
    for i, p in enumerate(hris.itertuples()):
        for m in calendar:
            after = m >= PILOT_START
            row = {"employee_id": p.employee_id, "month": m.strftime("%Y-%m")}
            if p.job_family == "Sales" and not p.is_manager:
                lift = DEAL_SIZE_EFFECT if (after and p.treated) else 0.0
                noise = rng.normal(0, 0.12)
                size = 25_000 * season[m] * np.exp(team_deal[p.team] + person_deal[i] + noise) * (1 + lift)
                row["deals_closed"] = int(rng.poisson(4 * season[m]))
                row["avg_deal_size"] = round(float(size), 2)
            elif p.job_family == "Customer Service" and not p.is_manager:
                lift = CSAT_EFFECT if (after and p.treated) else 0.0
                row["csat"] = round(float(np.clip(78 + team_csat[p.team] + person_csat[i] + rng.normal(0, 4)
                                                  + lift, 0, 100)), 1)
            rows.append(row)
    kpis = pd.DataFrame(rows)
    # Weeks to productivity: one value per new hire in Operations, in the month they were hired.
    ops_new = hris[(hris.job_family == "Operations") & new_hire & ~hris.is_manager]
    kpis["weeks_to_productivity"] = np.nan
    for p in ops_new.itertuples():
        hired = date.fromisoformat(p.hire_date)
        month = hired.strftime("%Y-%m")
        mask = (kpis.employee_id == p.employee_id) & (kpis.month == month)
        if mask.any():
            weeks = rng.normal(12, 2.5) - (WEEKS_SAVED if (p.treated and hired >= PILOT_START) else 0)
            kpis.loc[mask, "weeks_to_productivity"] = round(float(max(weeks, 4)), 1)

    # -- assessments: pre and post for every non-manager, correlated, planted effect for the treated --
    ability = rng.normal(0, 1, n)
    assess = hris.loc[~hris.is_manager, ["employee_id", "treated"]].copy()
    a = ability[~hris.is_manager.to_numpy()]
    assess["pre_score"] = np.clip(62 + 10 * a + rng.normal(0, 7, len(a)), 0, 100).round(0).astype(int)
    assess["post_score"] = np.clip(64 + 10 * a + rng.normal(0, 7, len(a)) + ASSESSMENT_EFFECT * assess.treated,
                                   0, 100).round(0).astype(int)
    assess["pre_date"] = (PILOT_START - timedelta(days=7)).isoformat()
    assess["post_date"] = (PILOT_START + timedelta(days=95)).isoformat()

    # -- LMS events: background learning for everyone, the program's modules for the treated --
    events = []
    start = PILOT_START - timedelta(days=365)
    for p in hris.itertuples():
        background = rng.poisson(55)
        days = rng.integers(0, 365 + 92, background)
        for d in days:
            events.append((p.employee_id, start + timedelta(days=int(d)), "login", "", 0))
        if p.treated:
            for module in MODULES[:5] if p.job_family != "Operations" else MODULES[3:]:
                day = PILOT_START + timedelta(days=int(rng.integers(0, 60)))
                minutes = int(rng.gamma(3, 12))
                events.append((p.employee_id, day, "module_start", module, 0))
                if rng.random() < 0.85:
                    events.append((p.employee_id, day + timedelta(days=int(rng.integers(0, 10))), "module_complete",
                                   module, minutes))
        for _ in range(rng.poisson(12)):
            module = MODULES[int(rng.integers(0, len(MODULES)))]
            day = start + timedelta(days=int(rng.integers(0, 365 + 92)))
            events.append((p.employee_id, day, "module_start", module, 0))
            events.append((p.employee_id, day, "module_complete", module, int(rng.gamma(2, 10))))
    lms = pd.DataFrame(events, columns=["employee_id", "date", "event", "module", "minutes"])
    lms["timestamp"] = [f"{d.isoformat()} {h:02d}:{mm:02d}" for d, h, mm in
                        zip(lms.date, rng.integers(7, 19, len(lms)), rng.integers(0, 60, len(lms)), strict=True)]
    lms = lms.sort_values(["timestamp", "employee_id"]).reset_index(drop=True)
    lms.insert(0, "event_id", [f"ev{i + 1:06d}" for i in range(len(lms))])
    lms = lms[["event_id", "employee_id", "timestamp", "event", "module", "minutes"]]

    plant_faults(hris, kpis, lms, rng)
    hris = hris.drop(columns=["treated", "is_manager"])
    assess = assess.drop(columns=["treated"])
    return {"hris": hris, "lms_events": lms, "assessments": assess, "kpis_monthly": kpis,
            "pilot_teams": teams[["team", "job_family", "site", "treated"]]}


def plant_faults(hris: pd.DataFrame, kpis: pd.DataFrame, lms: pd.DataFrame, rng: np.random.Generator) -> None:
    """The realistic faults README.md lists: duplicates, blanks, impossible dates, unknown ids."""
    duplicate = hris.iloc[[101, 517]].copy()  # two people re-hired under the same id
    duplicate["hire_date"] = ["2026-01-12", "2025-11-03"]
    hris.loc[len(hris)] = duplicate.iloc[0]
    hris.loc[len(hris)] = duplicate.iloc[1]
    hris.loc[[33, 250, 731], "site"] = ""  # blank sites
    hris.loc[[404, 405], "manager_id"] = ""
    hris.loc[612, "hire_date"] = "2024-02-30"  # a date that does not exist
    hris.loc[877, "hire_date"] = "03/04/2022"  # day/month ambiguous
    kpis.loc[rng.choice(kpis.index[kpis.avg_deal_size.notna()], 25, replace=False), "avg_deal_size"] = np.nan
    typo = kpis.index[kpis.avg_deal_size.notna()][500]
    kpis.loc[typo, "avg_deal_size"] = round(kpis.loc[typo, "avg_deal_size"] * 10, 2)  # an extra zero typed
    lms.loc[lms.index[[10, 20_000, 55_555]], "employee_id"] = ["E09999", "E09999", "X-TEMP-1"]  # not in HRIS


def write(frames: dict[str, pd.DataFrame]) -> None:
    for name, frame in frames.items():
        frame.to_csv(HERE / f"{name}.csv", index=False)


if __name__ == "__main__":
    write(build())
    for f in sorted(HERE.glob("*.csv")):
        print(f.name, sum(1 for _ in f.open()) - 1, "rows")

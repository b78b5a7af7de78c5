"""The bundled sample organisation before its pilot, and the simulator of the pilot the user draws.

    python -m sample_data.generate

writes hris.csv, lms_events.csv, assessments.csv and kpis_monthly.csv next to this file: the organisation's
twelve months *before* the pilot (July 2025 – June 2026). `simulate_pilot` then generates the pilot period for
whichever people the user's assignment list treats, with the documented effects (README.md), so that the most
obvious clicks (draw a list, run the sample pilot, read Results) give the planted effect back.

Everything random is drawn from streams keyed by the seed and by what is drawn (a month, a person), never from
one shared sequence: the history is the same whichever list is simulated later, and the same list always gives
the same pilot.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20_261_124
HERE = Path(__file__).resolve().parent
SITES = ["London", "Leeds", "Manchester", "Dublin", "Berlin", "Madrid"]
FAMILIES = {"Sales": 16, "Customer Service": 16, "Operations": 8}
TEAM_SIZE = 30
PILOT_START = date(2026, 7, 1)  # the sample's files end the month before; the simulator starts here
HISTORY_MONTHS = 12
RECENT_HIRES = 0.10  # hired in the 12 months before the pilot: they have a weeks-to-productivity value
JOINERS = 0.05  # hired during the 90 days from the pilot start (listed in the HRIS with their start date)
DEAL_SIZE_EFFECT = 0.04  # +4% average deal size for treated reps, from the pilot's start month
CSAT_EFFECT = 2.0  # +2 CSAT points for treated agents
ASSESSMENT_EFFECT = 8.0  # +8 points on the post-program assessment for the treated
WEEKS_SAVED = 3.0  # treated new hires reach productivity 3 weeks sooner
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Maria", "Chen", "Aisha", "Liam", "Sofia", "Noah", "Emma", "Ravi", "Olga",
               "Kwame", "Lucía", "Jonas", "Zoë", "Mateo", "Hana", "Omar", "Ingrid"]
LAST_NAMES = ["Smith", "García", "Müller", "Okafor", "Nowak", "Kim", "Rossi", "Dubois", "Patel", "O'Brien",
              "Jensen", "Silva", "Ivanova", "Haddad", "Tanaka", "Murphy"]
MODULES = ["Discovery questioning", "Value selling", "Negotiation", "Product essentials", "Customer empathy",
           "Tools onboarding", "Compliance refresher"]
PROGRAM = "Pilot programme: "  # the program's own modules in the LMS (background learning has other names)
FILES = {"hris": "hris.csv", "lms": "lms_events.csv", "assessments": "assessments.csv", "kpis": "kpis_monthly.csv"}
SIMULATED = " (simulated pilot)"  # added to a simulated file's name, so every page that names it says so


def _rng(*keys: int, seed: int = SEED) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Organisation:
    """Who works where, and what the generator alone knows about them (never written to a file)."""

    hris: pd.DataFrame  # employee_id, name, team, job_family, site, manager_id, hire_date, salary, gender, ethnicity
    is_manager: np.ndarray
    hired: np.ndarray  # hire dates as datetime64[D]
    deal_level: np.ndarray  # log-scale team + person effect on deal size
    csat_level: np.ndarray
    ability: np.ndarray  # assessment ability (z)
    ramp_weeks: np.ndarray  # weeks to productivity without the program


def organisation(seed: int = SEED) -> Organisation:
    rng = _rng(0, seed=seed)
    teams = []
    for family, count in FAMILIES.items():
        for i in range(count):
            teams.append((f"{family[:3].upper()}-{i + 1:02d}", family, SITES[len(teams) % len(SITES)]))
    rows = [(t, f, s, j == 0) for t, f, s in teams for j in range(TEAM_SIZE)]
    hris = pd.DataFrame(rows, columns=["team", "job_family", "site", "is_manager"])
    n = len(hris)
    hris.insert(0, "employee_id", [f"E{i + 1:05d}" for i in range(n)])
    hris.insert(1, "name", [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(n)])
    is_manager = hris["is_manager"].to_numpy()
    managers = hris[is_manager].set_index("team")["employee_id"]
    hris["manager_id"] = ["" if m else managers[t] for t, m in zip(hris.team, is_manager, strict=True)]
    tenure = rng.gamma(2.0, 700, n).astype(int) + 366  # most people were here before the history starts
    kind = rng.random(n)
    recent = (kind < RECENT_HIRES) & ~is_manager
    joiner = (kind >= RECENT_HIRES) & (kind < RECENT_HIRES + JOINERS) & ~is_manager
    tenure[recent] = rng.integers(1, 366, recent.sum())
    tenure[joiner] = -rng.integers(0, 90, joiner.sum())  # start during the pilot's 90 days
    hired = np.array([PILOT_START - timedelta(days=int(d)) for d in tenure], dtype="datetime64[D]")
    hris["hire_date"] = [str(d) for d in hired]
    base = hris.job_family.map({"Sales": 52_000, "Customer Service": 36_000, "Operations": 41_000})
    hris["salary"] = (base * rng.lognormal(0, 0.15, n) * np.where(is_manager, 1.35, 1)).round(-2).astype(int)
    hris["gender"] = rng.choice(["Female", "Male", "Non-binary", "Prefer not to say"], n, p=[0.48, 0.48, 0.02, 0.02])
    hris["ethnicity"] = rng.choice(["White", "Asian", "Black", "Mixed", "Other", "Prefer not to say"], n,
                                   p=[0.62, 0.14, 0.1, 0.06, 0.04, 0.04])
    team_of = hris["team"].to_numpy()
    team_deal = dict(zip([t for t, _, _ in teams], rng.normal(0, 0.08, len(teams)), strict=True))
    team_csat = dict(zip([t for t, _, _ in teams], rng.normal(0, 2.0, len(teams)), strict=True))
    deal_level = np.array([team_deal[t] for t in team_of]) + rng.normal(0, 0.15, n)
    csat_level = np.array([team_csat[t] for t in team_of]) + rng.normal(0, 4.0, n)
    ability = rng.normal(0, 1, n)
    ramp = rng.normal(12, 2.5, n)
    return Organisation(hris.drop(columns="is_manager"), is_manager, hired, deal_level, csat_level, ability, ramp)


def _season(month: date) -> float:
    return 1 + 0.06 * np.sin(2 * np.pi * (month.month - 3) / 12)


NEVER = np.datetime64("NaT", "D")


def _kpis(org: Organisation, months: list[date], starts: np.ndarray, seed: int) -> pd.DataFrame:
    """Monthly KPIs of everyone employed in each month; each treated person's effects from their start month on
    (`starts`: a date per person, NaT for the untreated)."""
    h = org.hris
    family = h["job_family"].to_numpy()
    rep = (family == "Sales") & ~org.is_manager
    agent = (family == "Customer Service") & ~org.is_manager
    frames = []
    for month in months:
        rng = _rng(1, _month_index(month), seed=seed)
        n = len(h)
        lift = starts.astype("datetime64[M]") <= np.datetime64(month.strftime("%Y-%m"))
        noise, deals, csat_noise = rng.normal(0, 0.12, n), rng.poisson(4 * _season(month), n), rng.normal(0, 4, n)
        employed = org.hired < np.datetime64(_month(_month_index(month) + 1))
        frame = pd.DataFrame({"employee_id": h["employee_id"], "month": month.strftime("%Y-%m")})
        size = 25_000 * _season(month) * np.exp(org.deal_level + noise) * np.where(lift, 1 + DEAL_SIZE_EFFECT, 1)
        frame["deals_closed"] = pd.Series(deals, dtype="Int64").where(rep)
        frame["avg_deal_size"] = np.where(rep, size.round(2), np.nan)
        score = np.clip(78 + org.csat_level + csat_noise + np.where(lift, CSAT_EFFECT, 0), 0, 100).round(1)
        frame["csat"] = np.where(agent, score, np.nan)
        hire_month = org.hired.astype("datetime64[M]") == np.datetime64(month.strftime("%Y-%m"))
        new_hire = hire_month & ~org.is_manager
        saved = np.where(org.hired >= starts, WEEKS_SAVED, 0)  # NaT compares False: the untreated
        frame["weeks_to_productivity"] = np.where(new_hire, np.maximum(org.ramp_weeks - saved, 4).round(1), np.nan)
        frames.append(frame[employed])
    return pd.concat(frames, ignore_index=True)


def _events(org: Organisation, first: date, end: date, seed: int) -> pd.DataFrame:
    """Background LMS activity between `first` and `end` (logins, other modules), month by month."""
    h = org.hris
    parts = []
    month = first
    while month < end:
        following = _month(_month_index(month) + 1)
        rng = _rng(3, _month_index(month), seed=seed)
        days = (following - month).days
        employed = np.flatnonzero(org.hired < np.datetime64(following))
        for event, rate in (("login", 3.7), ("module", 0.8)):
            counts = rng.poisson(rate, len(employed))
            who = np.repeat(employed, counts)
            when = [month + timedelta(days=int(d)) for d in rng.integers(0, days, len(who))]
            if event == "login":
                parts.append(pd.DataFrame({"person": who, "day": when, "event": "login", "module": "",
                                           "minutes": 0}))
            else:
                modules = np.array(MODULES)[rng.integers(0, len(MODULES), len(who))]
                minutes = rng.gamma(2, 10, len(who)).astype(int)
                parts.append(pd.DataFrame({"person": who, "day": when, "event": "module_start", "module": modules,
                                           "minutes": 0}))
                parts.append(pd.DataFrame({"person": who, "day": when, "event": "module_complete",
                                           "module": modules, "minutes": minutes}))
        month = following
    out = pd.concat(parts, ignore_index=True)
    out = out[np.asarray(org.hired[out["person"]] <= np.array(out["day"], dtype="datetime64[D]"))]
    out["employee_id"] = h["employee_id"].to_numpy()[out["person"]]
    return out.drop(columns="person")


def _program_events(org: Organisation, starts: np.ndarray, seed: int) -> pd.DataFrame:
    """The program's modules for the treated: started in their first 60 days, 85% of them completed."""
    rng = _rng(4, seed=seed)
    family = org.hris["job_family"].to_numpy()
    rows = []
    for i in np.flatnonzero(~np.isnat(starts)):
        modules = MODULES[:5] if family[i] != "Operations" else MODULES[3:]
        begin = max(starts[i], org.hired[i]).astype(object)
        for module in modules:
            day = begin + timedelta(days=int(rng.integers(0, 60)))
            rows.append((org.hris["employee_id"].iat[i], day, "module_start", PROGRAM + module, 0))
            if rng.random() < 0.85:
                rows.append((org.hris["employee_id"].iat[i], day + timedelta(days=int(rng.integers(0, 10))),
                             "module_complete", PROGRAM + module, int(rng.gamma(3, 12))))
    return pd.DataFrame(rows, columns=["employee_id", "day", "event", "module", "minutes"])


def _event_log(events: pd.DataFrame, seed: int, key: int) -> pd.DataFrame:
    rng = _rng(5, key, seed=seed)
    events = events.assign(timestamp=[f"{d.isoformat()} {hh:02d}:{mm:02d}" for d, hh, mm in zip(
        events["day"], rng.integers(7, 19, len(events)), rng.integers(0, 60, len(events)), strict=True)])
    return events.sort_values(["timestamp", "employee_id"], kind="stable").reset_index(drop=True)


def _assessments(org: Organisation, treated: np.ndarray | None, seed: int) -> pd.DataFrame:
    """Pre-program scores (a week before the start) for non-managers employed then; post scores (95 days after
    the start) once the pilot has run, with the program's effect for the treated."""
    rng = _rng(6, seed=seed)
    n = len(org.hris)
    pre = np.clip(62 + 10 * org.ability + rng.normal(0, 7, n), 0, 100).round(0).astype(int)
    post = np.clip(64 + 10 * org.ability + rng.normal(0, 7, n), 0, 100)
    pre_day = PILOT_START - timedelta(days=7)
    here = ~org.is_manager & (org.hired <= np.datetime64(pre_day))
    out = pd.DataFrame({"employee_id": org.hris["employee_id"], "pre_score": pre, "pre_date": pre_day.isoformat()})
    if treated is not None:
        out["post_score"] = (post + ASSESSMENT_EFFECT * treated).clip(0, 100).round(0).astype(int)
        out["post_date"] = (PILOT_START + timedelta(days=95)).isoformat()
        out = out[["employee_id", "pre_score", "post_score", "pre_date", "post_date"]]
    return out[here].reset_index(drop=True)


def _history_months() -> list[date]:
    first = _month_index(PILOT_START) - HISTORY_MONTHS
    return [_month(first + k) for k in range(HISTORY_MONTHS)]


def build(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The organisation's files before the pilot (README.md), with its planted data faults."""
    org = organisation(seed)
    months = _history_months()
    kpis = _kpis(org, months, np.full(len(org.hris), NEVER), seed)
    events = _event_log(_events(org, months[0], PILOT_START, seed), seed, 0)
    hris, kpis, lms = plant_faults(org.hris.copy(), kpis, _lms_columns(events), _rng(9, seed=seed))
    return {"hris": hris, "lms_events": lms, "assessments": _assessments(org, None, seed), "kpis_monthly": kpis}


def _lms_columns(events: pd.DataFrame) -> pd.DataFrame:
    out = events.copy()
    out.insert(0, "event_id", [f"ev{i + 1:06d}" for i in range(len(out))])
    return out[["event_id", "employee_id", "timestamp", "event", "module", "minutes"]]


def plant_faults(hris: pd.DataFrame, kpis: pd.DataFrame, lms: pd.DataFrame, rng: np.random.Generator
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The realistic faults README.md lists: duplicates, blanks, impossible dates, unknown ids."""
    duplicate = hris.iloc[[101, 517]].copy()  # two people re-hired under the same id
    duplicate["hire_date"] = ["2026-01-12", "2025-11-03"]
    hris = pd.concat([hris, duplicate], ignore_index=True)
    hris.loc[[33, 250, 731], "site"] = ""  # blank sites
    hris.loc[[404, 405], "manager_id"] = ""
    hris.loc[612, "hire_date"] = "2024-02-30"  # a date that does not exist
    hris.loc[877, "hire_date"] = "03/04/2022"  # day/month ambiguous
    sized = kpis.index[kpis["avg_deal_size"].notna()]
    kpis.loc[rng.choice(sized, 25, replace=False), "avg_deal_size"] = np.nan
    typo = kpis.index[kpis["avg_deal_size"].notna()][500]
    kpis.loc[typo, "avg_deal_size"] = round(kpis.loc[typo, "avg_deal_size"] * 10, 2)  # an extra zero typed
    lms.loc[lms.index[[10, 20_000, 55_555]], "employee_id"] = ["E09999", "E09999", "X-TEMP-1"]  # not in HRIS
    return hris, kpis, lms


def simulate_pilot(treated: Mapping[str, date], *, until: date, seed: int = SEED,
                   folder: Path = HERE) -> dict[str, tuple[str, bytes]]:
    """The pilot period for the people `treated` names (id → the day their program starts), appended to the
    bundled files.

    Months from the end of the bundled history up to `until` (exclusive) are generated for everyone; from their
    start month on, the treated get the documented effects: +4% average deal size, +2 CSAT, −3 weeks to
    productivity for those hired on or after their start, +8 assessment points; their program modules appear
    in the LMS. Returns kind → (file name, bytes); the history is byte for byte the bundled file's. Who is
    treated, and when, is all the simulation needs, so the user's own list decides it.
    """
    org = organisation(seed)
    starts = org.hris["employee_id"].map({str(k): np.datetime64(v, "D") for k, v in treated.items()})
    starts = starts.to_numpy(dtype="datetime64[D]")
    mask = ~np.isnat(starts)
    first = _month_index(PILOT_START)
    months = [_month(k) for k in range(first, max(_month_index(until), first + 1))]
    out = {}
    kpis = _kpis(org, months, starts, seed)
    out["kpis"] = _appended(folder / FILES["kpis"], kpis)
    background = _events(org, months[0], _month(_month_index(months[-1]) + 1), seed)
    events = _event_log(pd.concat([background, _program_events(org, starts, seed)], ignore_index=True), seed, 1)
    bundled = pd.read_csv(folder / FILES["lms"], dtype=str, keep_default_na=False)
    numbered = events.assign(event_id=[f"ev{len(bundled) + i + 1:06d}" for i in range(len(events))])
    out["lms"] = _appended(folder / FILES["lms"], numbered[bundled.columns.tolist()])
    assessed = _assessments(org, mask, seed)
    buffer = io.StringIO()
    assessed.to_csv(buffer, index=False, lineterminator="\n")
    out["assessments"] = (_simulated_name(FILES["assessments"]), buffer.getvalue().encode())
    return out


def _appended(path: Path, rows: pd.DataFrame) -> tuple[str, bytes]:
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False, header=False, lineterminator="\n")
    history = path.read_bytes()
    joined = history + (b"" if history.endswith(b"\n") else b"\n") + buffer.getvalue().encode()
    return _simulated_name(path.name), joined


def _simulated_name(name: str) -> str:
    stem, _, ext = name.rpartition(".")
    return f"{stem}{SIMULATED}.{ext}"


def write(frames: dict[str, pd.DataFrame], folder: Path = HERE) -> None:
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    write(build())
    for f in sorted(HERE.glob("*.csv")):
        print(f.name, sum(1 for _ in f.open()) - 1, "rows")

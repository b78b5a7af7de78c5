"""The bundled sample organisation's pilot, simulated for the list the user drew (a teaching path).

The sample files hold the organisation *before* its pilot. Once step 4 has drawn an assignment list, the pilot
period is generated for exactly that list (`sample_data.generate.simulate_pilot`): the treated arm gets the
effects sample_data/README.md documents (+4% average deal size, +2 CSAT, −3 weeks to productivity for new hires,
+8 assessment points) from its start; waitlist waves each from their own start. The files it returns replace the
plan's KPI, LMS and assessment files, named "… (simulated pilot).csv", and their mappings record which list they
were simulated for (`SourceMapping.simulated_for`): `label` is what every page, the summary and the workbook show
beside figures from them, and `is_stale` says when the list has changed since.
"""

from __future__ import annotations

from datetime import date

from core import pilot as pl
from core import waves
from core.plan import Plan
from sample_data import generate


def treated_starts(plan: Plan) -> dict[str, date]:
    """Who starts the program when, by the plan's assignment list: the treated arm on the start date, or each
    wave's people on their wave's start."""
    start = pl.start_date(plan.pilot)
    if start is None:
        raise ValueError("set the pilot's start date in step 4 first")
    listed = plan.design.assignment
    if not listed:
        raise ValueError("draw the assignment list in step 4 first: the simulated pilot treats the people it lists")
    if plan.design.design == "waves" and any(a.wave for a in listed):
        starts = waves.wave_starts(plan)
        return {a.id: starts[a.wave - 1] for a in listed if 0 < a.wave <= len(starts)}
    return {a.id: start for a in listed if a.arm == pl.TREATMENT}


def until(plan: Plan) -> date:
    """The first month after the last month any window of the pilot measures."""
    w = pl.windows(plan.pilot)
    if w is None:
        raise ValueError("set the pilot's start date in step 4 first")
    end = w.measurement[1]
    if plan.design.design == "waves":
        last = waves.wave_starts(plan)[-1]
        end = max(end, pl.add_months(last, plan.pilot.measurement_months + (1 if last.day > 1 else 0)))
    return end


def problem(plan: Plan) -> str:
    """Why the sample pilot cannot be simulated for this plan, or ""."""
    start = pl.start_date(plan.pilot)
    if start is None:
        return "set the pilot's start date in step 4 first"
    if start < generate.PILOT_START:
        last = pl.add_months(generate.PILOT_START, -1)
        return (f"the sample organisation's history ends in {last:%B %Y}: a simulated pilot starts on "
                f"{generate.PILOT_START:%-d %B %Y} or later (step 4's start date is {start:%-d %B %Y})")
    if pl.add_months(until(plan), 0) > pl.add_months(generate.PILOT_START, 24):
        return "the sample simulates at most two years after its history: choose an earlier start date"
    if not plan.design.assignment:
        return "draw the assignment list in step 4 first: the simulated pilot treats the people it lists"
    return ""


def running_options(plan: Plan) -> list[date]:
    """The months a pilot still running can be simulated through (exclusive ends: 1 Aug 2026 is "through July"):
    each month of the measurement window but the last."""
    w = pl.windows(plan.pilot)
    if w is None:
        return []
    return [pl.add_months(w.measurement[0], k) for k in range(1, pl.months_between(w.measurement))]


def simulate(plan: Plan, *, through: date | None = None) -> dict[str, tuple[str, bytes]]:
    """kind → (file name, bytes) of the sample's files with the pilot period for this plan's list; with
    `through` (one of `running_options`), only up to that month, as a pilot still running has it."""
    why = problem(plan)
    if why:
        raise ValueError(why)
    return generate.simulate_pilot(treated_starts(plan), until=min(until(plan), through or until(plan)))


def mark(plan: Plan, through: date | None = None) -> str:
    """What `SourceMapping.simulated_for` records: the fingerprint, and "@through" for a pilot still running."""
    return fingerprint(plan) + (f"@{through.isoformat()}" if through else "")


def simulated_through(plan: Plan) -> date | None:
    """The month the simulated data stops before (a pilot still running), or None for the whole pilot."""
    marks = [m.simulated_for for m in plan.data.sources.values() if "@" in m.simulated_for]
    return date.fromisoformat(marks[0].split("@")[1]) if marks else None


def fingerprint(plan: Plan) -> str:
    """Who starts when, and until when, in a short hash: the simulated files are those of exactly this."""
    import hashlib
    import json

    try:
        what = {"starts": sorted((k, v.isoformat()) for k, v in treated_starts(plan).items()),
                "until": until(plan).isoformat()}
    except ValueError:
        return ""
    return hashlib.sha256(json.dumps(what).encode()).hexdigest()[:16]


def is_simulated(plan: Plan) -> bool:
    """Whether the plan's data holds a simulated pilot period."""
    return any(m.simulated_for for m in plan.data.sources.values())


def is_stale(plan: Plan) -> bool:
    """Whether the simulated pilot was run for another list, start date or windows than the plan has now."""
    made = {m.simulated_for.split("@")[0] for m in plan.data.sources.values() if m.simulated_for}
    return bool(made) and made != {fingerprint(plan)}


def label(plan: Plan) -> str:
    """The words every page, the summary and the workbook put beside figures from a simulated pilot."""
    if not is_simulated(plan):
        return ""
    through = simulated_through(plan)
    running = (f", up to {pl.add_months(through, -1):%B %Y} only (a pilot still running: the later months have "
               "no data yet)" if through else "")
    return ("Simulated data: the pilot period (from the start date on) was generated by the sample organisation's "
            f"simulator for this plan's assignment list{running}, with the effects sample_data/README.md documents. "
            "It teaches the path; it is not evidence about any real program.")

"""Range checks for a plan read from storage or an import: every value a page relies on, field by field.

`Plan.from_dict` checks types; this module checks that numbers are in the ranges the pages and formulas
accept (a share between 0 and 1, a horizon of 1 to 120 months, …). `repair` puts an out-of-range value back
to its default and says what it did, so a plan edited by hand or saved by a faulty tool opens safely, with a
message naming each field, instead of crashing a page.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

from core.plan import DesignPlan, Pilot, Plan, RoiAssumptions

BIG = 10_000_000  # people, seeds and the like beyond this are typing mistakes, not pilots


def _number(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Callable[[object], bool]:
    def ok(value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        try:
            x = float(value)
        except OverflowError:
            return False
        if not math.isfinite(x):
            return False
        above = x > low if low_open else x >= low
        below = x < high if high_open else x <= high
        return above and below
    return ok


def _iso_date(value: object) -> bool:
    if value == "":
        return True
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


PILOT = {
    "start": (_iso_date, "a date (YYYY-MM-DD) or blank"),
    "baseline_months": (_number(1, 36), "1 to 36 months"),
    "intervention_days": (_number(1, 730), "1 to 730 days"),
    "measurement_gap_months": (_number(0, 24), "0 to 24 months"),
    "measurement_months": (_number(1, 24), "1 to 24 months"),
    "waves": (_number(2, 6), "2 to 6 waves"),
    "treated_people": (_number(0, BIG), f"0 to {BIG:,} people"),
    "control_people": (_number(0, BIG), f"0 to {BIG:,} people"),
    "effect": (_number(-1e12, 1e12), "a number below a trillion"),
    "p_control": (_number(0, 1, low_open=True, high_open=True), "a rate between 0 and 1"),
    "sd": (_number(0, 1e12, low_open=True), "a positive number"),
    "icc": (_number(0, 1, high_open=True), "at least 0 and below 1"),
    "baseline_corr": (_number(0, 1, high_open=True), "at least 0 and below 1"),
    "cluster_size": (_number(1, 1e6), "1 to 1,000,000 people"),
}
DESIGN = {
    "alpha": (_number(0, 0.5, low_open=True), "above 0 and at most 0.5"),
    "power": (_number(0.5, 1, high_open=True), "at least 0.5 and below 1"),
    "attrition": (_number(0, 0.9), "0 to 90%"),
    "seed": (_number(0, 2**31 - 1), "0 to 2,147,483,647"),
}
ROI = {
    "rollout_participants": (_number(0, BIG), f"0 to {BIG:,} people"),
    "participant_hours": (_number(0, 10_000), "0 to 10,000 hours"),
    "loaded_hourly_wage": (_number(0, 100_000), "$0 to $100,000 an hour"),
    "adoption": (_number(0, 1), "0 to 100%"),
    "contribution_margin": (_number(0, 1), "0 to 100%"),
    "attribution": (_number(0, 1), "0 to 100%"),
    "confidence": (_number(0, 1), "0 to 100%"),
    "monthly_decay": (_number(0, 1, high_open=True), "at least 0% and below 100%"),
    "horizon_months": (_number(1, 120), "1 to 120 months"),
    "realisation_months": (_number(1, 120), "1 to 120 months"),
    "program_months": (_number(1, 60), "1 to 60 months"),
    "discount_rate": (_number(0, 1), "0 to 100% a year"),
}


def repair(plan: Plan) -> list[str]:
    """Put every out-of-range value of `plan` back to its default (in place); one message per field."""
    from core import roi as roi_model

    found: list[str] = []
    for section, rules, default in (("pilot", PILOT, Pilot()), ("design", DESIGN, DesignPlan()),
                                    ("roi", ROI, RoiAssumptions())):
        holder = getattr(plan, section)
        for name, (ok, allowed) in rules.items():
            value = getattr(holder, name)
            if not ok(value):
                setattr(holder, name, getattr(default, name))
                found.append(f"{section}.{name}: {_show(value)} is outside {allowed}; reset to "
                             f"{getattr(default, name)!r}.")
    if plan.roi.realisation_months > plan.roi.horizon_months:
        plan.roi.realisation_months = plan.roi.horizon_months
        found.append("roi.realisation_months: longer than the horizon; set to the horizon.")
    for i, line in enumerate(plan.roi.costs):
        if not _number(0, 1e12)(line.amount):
            found.append(f"roi.costs[{i}].amount: {_show(line.amount)} is outside $0 to $1 trillion; reset to 0.")
            line.amount = 0.0
    for name, r in list(plan.roi.ranges.items()):
        if name not in roi_model.ASSUMPTIONS:
            del plan.roi.ranges[name]
            found.append(f"roi.ranges.{name}: not an ROI assumption; the range was removed.")
        elif not (_number(-1e12, 1e12)(r.low) and _number(-1e12, 1e12)(r.high)) or r.low > r.high:
            del plan.roi.ranges[name]
            found.append(f"roi.ranges.{name}: {_show(r.low)} to {_show(r.high)} is not a range; it was removed.")
    for i, k in enumerate(plan.kpis):
        for name in ("value_per_unit", "manual_baseline", "target"):
            value = getattr(k, name)
            if value is not None and not _number(-1e12, 1e12)(value):
                setattr(k, name, None)
                found.append(f"kpis[{i}].{name}: {_show(value)} is not a usable number; cleared.")
        if k.value_per_unit is not None and k.value_per_unit < 0:
            found.append(f"kpis[{i}].value_per_unit: a negative money value; cleared.")
            k.value_per_unit = None
    for i, h in enumerate(plan.hypotheses):
        if h.assumed_size is not None and not _number(-1e12, 1e12)(h.assumed_size):
            found.append(f"hypotheses[{i}].assumed_size: {_show(h.assumed_size)} is not a usable number; cleared.")
            h.assumed_size = None
    for scenario in plan.scenarios:
        bad = [n for n, v in scenario.values.items() if n not in roi_model.ASSUMPTIONS
               or not _number(-1e12, 1e12)(v)]
        for name in bad:
            del scenario.values[name]
            found.append(f"scenarios “{scenario.name}”.{name}: not a usable assumption value; removed.")
    return found


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"a {len(text):,}-character number"



"""Range checks for a plan read from storage or an import: every value a page relies on, field by field.

`Plan.from_dict` checks types; this module checks that numbers are inside the `Limit` declared beside each field
in core/plan.py — the same bounds the pages' widgets take (ui/widgets.limits), so a value that passes here can
never crash the widget that shows it. `repair` puts an out-of-range value back to its default and says what it
did, so a plan edited by hand or saved by a faulty tool opens safely, with a message naming each field.
"""

from __future__ import annotations

from datetime import date

from core.plan import CostLine, Hypothesis, Kpi, Observed, Plan, limits

FIRST_YEAR, LAST_YEAR = 1900, 2200  # a pilot start outside these years is a typing mistake (and breaks dates)


def start_ok(value: object) -> bool:
    """A start date is blank or an ISO date (YYYY-MM-DD) between FIRST_YEAR and LAST_YEAR."""
    if value == "":
        return True
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return False
    return FIRST_YEAR <= day.year <= LAST_YEAR


def repair(plan: Plan) -> list[str]:
    """Put every out-of-range value of `plan` back to its default (in place); one message per field."""
    from core import roi as roi_model

    found: list[str] = []
    for section, holder in (("pilot", plan.pilot), ("design", plan.design), ("roi", plan.roi)):
        found += _reset(holder, section, type(holder)())
    if not start_ok(plan.pilot.start):
        found.append(f"pilot.start: {_show(plan.pilot.start)} is not a date (YYYY-MM-DD) between {FIRST_YEAR} and "
                     f"{LAST_YEAR}; cleared.")
        plan.pilot.start = ""
    o = plan.results.observed
    if o is not None and (_reset(o, "results.observed", Observed()) or o.ci_low > o.ci_high):
        plan.results.observed, plan.roi.mode = None, "forecast"  # a measured effect is not guessed at
        found.append("results.observed: the kept estimate holds a value outside what the app can use; it was "
                     "removed, and the ROI is a forecast again: measure it again in step 5.")
    if plan.roi.realisation_months > plan.roi.horizon_months:
        plan.roi.realisation_months = plan.roi.horizon_months
        found.append("roi.realisation_months: longer than the horizon; set to the horizon.")
    for i, line in enumerate(plan.roi.costs):
        found += _reset(line, f"roi.costs[{i}]", CostLine())
    for i, k in enumerate(plan.kpis):
        found += _reset(k, f"kpis[{i}]", Kpi(), cleared=True)
    for i, h in enumerate(plan.hypotheses):
        found += _reset(h, f"hypotheses[{i}]", Hypothesis(), cleared=True)
    for name, r in list(plan.roi.ranges.items()):
        bound = roi_model.assumption_limit(name) if name in roi_model.ASSUMPTIONS else None
        if bound is None:
            del plan.roi.ranges[name]
            found.append(f"roi.ranges.{name}: not an ROI assumption; the range was removed.")
        elif not (bound.holds(r.low) and bound.holds(r.high)) or r.low > r.high:
            del plan.roi.ranges[name]
            found.append(f"roi.ranges.{name}: {_show(r.low)} to {_show(r.high)} is not a range inside "
                         f"{bound.words}; it was removed.")
    for scenario in plan.scenarios:
        bad = [n for n, v in scenario.values.items() if n not in roi_model.ASSUMPTIONS
               or not roi_model.assumption_limit(n).holds(v)]
        for name in bad:
            del scenario.values[name]
            found.append(f"scenarios “{scenario.name}”.{name}: not a usable assumption value; removed.")
    return found


def _reset(holder: object, where: str, default: object, *, cleared: bool = False) -> list[str]:
    """Each field of `holder` outside its declared Limit back to the default (or blank, when it may be blank)."""
    found = []
    for name, bound in limits(type(holder)).items():
        value = getattr(holder, name)
        if value is None or bound.holds(value):
            continue
        fallback = getattr(default, name)
        setattr(holder, name, fallback)
        said = "cleared" if fallback is None else f"reset to {fallback!r}"
        found.append(f"{where}.{name}: {_show(value)} is outside {bound.words}; {said}.")
    return found


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"a {len(text):,}-character number"


"""A pilot while it runs (step 5 before the measurement window is complete): its health month by month, and how
soon it can tell the break-even effect from chance.

* Health by month: for each month of the measurement window, the people of each arm with a value of the primary
  KPI, the share of the listed people without one (drop-out) and the sample-ratio check of that month (χ² against
  the list's split, as core/results.health does for the whole window).
* "Know by": the registered analysis is re-run on the first 1, 2, … months of outcome data seen (a copy of the plan
  with a shorter measurement window), its standard errors projected by core.monitoring.project, and the baseline
  months give the shape of that projection while only one month is in (the same comparison over 1, 2, … months
  before anyone was trained).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from core import design, monitoring, results, reviews
from core import pilot as pl
from core import words as words_
from core.plan import Observation, Plan
from core.privacy import MIN_GROUP

if TYPE_CHECKING:
    import pandas as pd

    from core.effects import Estimate
    from core.panel import Panel


def standard_errors(plan: Plan, panel: Panel, method: str, months: int) -> tuple[dict[int, float], float | None]:
    """The standard error of `method`'s estimate with the first 1…`months` months of the measurement window, and
    the degrees of freedom of its test at the latest month (None for a z test)."""
    found: dict[int, float] = {}
    df = None
    for m in range(1, months + 1):
        short = Plan.from_json(plan.to_json())
        short.pilot.measurement_months = m
        try:
            estimate = results.estimate(short, pl.facts(short, panel), panel, method)
        except ValueError:
            continue
        if results.has_interval(estimate) and estimate.se > 0:
            found[m] = float(estimate.se)
            df = estimate.diagnostics.get("df")
    return found, df


def baseline_shape(facts: pl.PilotFacts, panel: Panel, who: dict[str, str]) -> dict[int, float]:
    """The standard error of treated minus control in person means over the first 1…k baseline months (Welch,
    unadjusted): how the comparison sharpens with months when nothing differs yet."""
    import numpy as np
    import pandas as pd

    w = facts.windows
    if w is None or not pl.is_monthly(panel, facts.column):
        return {}
    months = panel.monthly[["employee_id", "period", facts.column]].dropna()
    months = months[(months["period"] >= pd.Timestamp(w.baseline[0])) & (months["period"] < pd.Timestamp(w.baseline[1]))
                    & months["employee_id"].isin(list(who))]
    found: dict[int, float] = {}
    for k, last in enumerate(sorted(months["period"].unique()), start=1):
        means = months[months["period"] <= last].groupby("employee_id")[facts.column].mean()
        arm = means.index.map(who)
        treated, control = means[arm == pl.TREATMENT], means[arm == pl.CONTROL]
        if min(len(treated), len(control)) < 2:
            return {}
        found[k] = float(np.sqrt(treated.var() / len(treated) + control.var() / len(control)))
    return found if all(v > 0 for v in found.values()) else {}


def projection(plan: Plan, facts: pl.PilotFacts, panel: Panel, who: dict[str, str], method: str, *,
               seen: int, break_even: float | None) -> monitoring.Projection | None:
    """The registered analysis's precision projected from the `seen` months of outcome data, or None when no
    month gives a standard error."""
    observed, df = standard_errors(plan, panel, method, seen)
    if not observed or facts.windows is None:
        return None
    return monitoring.project(observed, wanted=pl.months_between(facts.windows.measurement), alpha=plan.design.alpha,
                              power=plan.design.power, looks=design.registered_looks(plan), break_even=break_even,
                              shape=baseline_shape(facts, panel, who), df=df)


def month_end(window_start: date, months: int) -> date:
    """The last day of the `months`-th month from `window_start`."""
    return pl.add_months(window_start, months) - timedelta(days=1)


def know_by_words(found: monitoring.Projection, facts: pl.PilotFacts, unit: str) -> str:
    """"At this rate you will know by …; by the end date the pilot can detect …, break-even is …" in plain words."""
    from scipy import stats

    start = facts.windows.measurement[0]
    end = month_end(start, found.wanted)

    def shown(effect: float) -> str:
        pct = facts.effect_pct(effect)
        return f"{effect:+,.3g} {unit}" + (f" ({pct:+.1f}%)" if pct is not None else "")

    said = (f"By {end:%d %b %Y} (the end of the measurement window) the pilot can detect an improvement of "
            f"{shown(found.detectable(found.wanted))} with {stats.norm.cdf(found.z_power):.0%} power")
    if not found.break_even:
        return said + " (fill in the ROI step to compare it with the break-even effect)."
    said += f"; break-even is {shown(abs(found.break_even))}, detected by then with " \
            f"{found.power(found.wanted, found.break_even):.0%} power. "
    know = found.know_by
    if know is None:
        said += (f"At this rate even {max(found.se)} months of data would not detect the break-even effect: a "
                 "longer pilot will not settle it; more people (or teams) would.")
    elif know <= found.wanted:
        said += f"At this rate you will know by {month_end(start, know):%d %b %Y}."
    else:
        said += (f"At this rate you will know by {month_end(start, know):%d %b %Y}, {know - found.wanted} "
                 f"month{'s' if know - found.wanted > 1 else ''} after the registered window ends (extending it is a "
                 "deviation to record).")
    if found.proportional:
        said += (" With one month in and no baseline months to learn from, this assumes each month adds as much as "
                 "the first: an optimistic projection until the second month is in.")
    return said


def monthly_health(plan: Plan, facts: pl.PilotFacts, panel: Panel, who: dict[str, str]) -> pd.DataFrame:
    """One row per month of the measurement window: people measured per arm, drop-out per arm (listed people with
    no value that month) and that month's sample-ratio check. A month with fewer than MIN_GROUP people measured in
    an arm shows no counts for it (privacy)."""
    import pandas as pd

    w = facts.windows
    listed = pd.Series(who).value_counts().reindex([pl.TREATMENT, pl.CONTROL], fill_value=0)
    months = pd.date_range(pd.Timestamp(w.measurement[0]), periods=pl.months_between(w.measurement), freq="MS")
    frame = panel.monthly[["employee_id", "period", facts.column]].dropna() if pl.is_monthly(panel, facts.column) \
        else None
    rows = []
    for month in months:
        row: dict[str, object] = {"month": f"{month:%b %Y}"}
        if frame is None:
            rows.append(row)
            continue
        people = frame.loc[(frame["period"] == month) & frame["employee_id"].isin(list(who)), "employee_id"]
        measured = people.map(who).value_counts().reindex(listed.index, fill_value=0)
        if measured.sum() == 0:
            row["status"] = "no data yet"
        elif measured.min() < MIN_GROUP:
            row["status"] = f"fewer than {MIN_GROUP} measured in an arm: not shown"
        else:
            p = results.sample_ratio_p(measured, listed)
            row.update({"treated measured": int(measured[pl.TREATMENT]), "control measured": int(measured[pl.CONTROL]),
                        "drop-out treated": 1 - measured[pl.TREATMENT] / listed[pl.TREATMENT],
                        "drop-out control": 1 - measured[pl.CONTROL] / listed[pl.CONTROL],
                        "sample-ratio p": p,
                        "status": "sample-ratio mismatch" if p < results.SRM_ALPHA else "healthy"})
        rows.append(row)
    return pd.DataFrame(rows, columns=["month", "treated measured", "control measured", "drop-out treated",
                                       "drop-out control", "sample-ratio p", "status"])


def monthly_shown(table: pd.DataFrame) -> pd.DataFrame:
    """`monthly_health` as people read it: counts with separators, shares in whole percent, blanks (not None)
    for months without data."""
    from core.words import or_blank

    shown = table.copy()
    for column in ("treated measured", "control measured"):
        shown[column] = [or_blank(v, lambda x: f"{int(x):,}") for v in table[column]]
    for column in ("drop-out treated", "drop-out control"):
        shown[column] = [or_blank(v, lambda x: f"{x:.0%}") for v in table[column]]
    shown["sample-ratio p"] = [or_blank(v, lambda x: f"{x:.3f}") for v in table["sample-ratio p"]]
    return shown


def month_problems(table: pd.DataFrame) -> list[str]:
    """The months of `monthly_health` whose sample ratio is off, in words (a problem in one month can hide in the
    whole window's totals, where a person measured in any month counts as measured). The sample-ratio check is
    the test of drop-out differing between the arms: a KPI that only some people have each month (new hires'
    weeks to productivity) has high drop-out in both arms, which is no problem."""
    return [f"{row['month']}: sample-ratio mismatch (p = {row['sample-ratio p']:.4f}); drop-out "
            f"{row['drop-out treated']:.0%} treated, {row['drop-out control']:.0%} control"
            for row in table.to_dict("records") if row.get("status") == "sample-ratio mismatch"]


@dataclass(frozen=True)
class Snapshot:
    """The pilot as a review sees it: its reading for the living registry, the numbers and the health, in words."""

    reading: Observation | None
    numbers: list[str]
    health: list[str]


def interim_look(plan: Plan, found: Estimate, *, seen: int, wanted: int) -> monitoring.Look:
    """The registered look at an early estimate: its improvement against the boundary of the looks the
    pre-registration locked, on the t scale of its test when it has one, a month between looks judged by nothing
    (step 5 and the reviews both read this one)."""
    gain = results.improvement(plan, found.effect)
    return monitoring.look(effect=gain, se=found.se, fraction=seen / wanted, looks=design.registered_looks(plan),
                           planned=plan.pilot.effect or abs(gain), alpha=plan.design.alpha, step=1 / wanted,
                           df=found.diagnostics.get("df"))


def final_verdict(plan: Plan, effect: float, se: float, df: float | None = None) -> str:
    """The final analysis's verdict: |z| (|t| with `df`) against c_K of the registered looks (z₁₋α/₂ without
    interim looks), on the t scale when the estimate's test is a t."""
    critical = monitoring.final_boundary(looks=design.registered_looks(plan), alpha=plan.design.alpha, df=df)
    statistic = "t" if df is not None else "z"
    value = abs(effect / se)
    return (f"final analysis: |{statistic}| = {value:.2f} against {critical:.2f} — "
            + ("a real change" if value >= critical else "not distinguishable from chance"))


def snapshot(plan: Plan, panel: Panel | None) -> Snapshot:
    """The registered analysis on the data so far, judged as step 5 judges it (the interim boundary while the
    window is incomplete, c_K at the end), with the pilot's health and when it will know."""
    from core import sample_pilot

    facts = pl.facts(plan, panel)
    if panel is None or facts.windows is None or not facts.column:
        return Snapshot(None, [], [])
    if sample_pilot.is_stale(plan):
        return Snapshot(None, ["the simulated pilot was run for another list or other windows: no number until it "
                               "is run again (step 4)"], [])
    who = results.arms(plan, panel)
    if not who:
        return Snapshot(None, ["nobody is in an arm yet (step 4 draws the list)"], [])
    health = results.health(results.person_frame(plan, facts, panel, who))
    lines = [f"{label}: {health.listed[arm]:,} listed, {health.measured[arm]:,} measured "
             f"({health.attrition[arm]:.0%} drop-out)" for arm, label in ((pl.TREATMENT, "treated"),
                                                                         (pl.CONTROL, "control"))]
    if health.srm_p is not None:
        lines.append(f"sample-ratio check {words_.p_value(health.srm_p)}"
                     + (" — a mismatch: find the cause before trusting the effect" if health.srm_flag else ""))
    if pl.is_monthly(panel, facts.column):
        lines += month_problems(monthly_health(plan, facts, panel, who))
    if min(health.measured.values()) == 0:
        return Snapshot(None, ["no outcome data in an arm yet: the numbers come once the measurement window has "
                               "data for both"], lines)
    if min(health.measured.values()) < MIN_GROUP:
        return Snapshot(None, [f"fewer than {MIN_GROUP} people measured in an arm: no number yet (privacy)"], lines)
    method = results.registered_method(plan)
    try:
        found = results.estimate(plan, facts, panel, method)
    except ValueError as exc:
        return Snapshot(None, [f"the effect cannot be estimated yet: {exc}"], lines)
    seen, wanted = results.months_with_data(facts, panel), pl.months_between(facts.windows.measurement)
    bounded = results.has_interval(found) and found.se > 0
    words = (results.observed_for(plan, facts, 0, found) if plan.hypotheses
             else f"{results.improvement(plan, found.effect):+,.3g} {facts.kpi.unit if facts.kpi else ''}")
    numbers = [f"observed so far ({seen} of {wanted} months): {words}"]
    if not bounded:
        verdict = "no 95% interval with so few teams: no verdict"
    elif 0 < seen < wanted:
        look = interim_look(plan, found, seen=seen, wanted=wanted)
        verdict = monitoring.said(look, alpha=plan.design.alpha).replace("**", "")
        ahead = projection(plan, facts, panel, who, method, seen=seen, break_even=design.break_even_effect(plan, facts))
        if ahead is not None:
            numbers.append(know_by_words(ahead, facts, facts.kpi.unit if facts.kpi else "KPI units"))
    else:
        verdict = final_verdict(plan, found.effect, found.se, found.diagnostics.get("df"))
    numbers.insert(1, verdict)
    if sample_pilot.is_simulated(plan):
        numbers.insert(0, sample_pilot.label(plan))
    observed = reviews.reading(words=words, effect=found.effect, ci_low=found.ci_low, ci_high=found.ci_high,
                               months=seen, wanted=wanted, verdict=verdict) if bounded else None
    return Snapshot(observed, numbers, lines)

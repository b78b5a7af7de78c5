"""The pilot definition, derived: its windows, eligible roster, clusters, arms, participants and variance.

`Plan.pilot` holds what the user chooses (core/plan.py); everything here is computed from it and from the
step-2 panel, never stored, so that every page, the summary and the workbook show the same pilot:

* windows — the baseline window is the `baseline_months` whole months before the start month; the
  measurement window opens `measurement_gap_months` after the first whole month of the pilot (the start month
  itself when the pilot starts on the 1st). Months are compared with the first day of the start month, so a
  mid-month start never counts a pilot month as baseline nor a pre-pilot fortnight as outcome. For
  estimating sd, ICC and ρ, the same two windows (same lengths, same gap) are placed just before the start;
* the eligible roster — step 2's people, kept by the saved filter, who have the primary KPI before the start
  (or, for a pilot of new hires, who join during the intervention: they have no baseline);
* clusters — the number and sizes (mean, coefficient of variation) of the eligible roster's clusters;
* arms — from the assignment list when there is one, else the planned people; clusters per arm from the
  mean cluster size; the ROI's participants are the treated arm (or the labelled roll-out forecast). These are
  the *planned* arms: who actually took part is step 5's own record (core.as_run), never written here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from core import designs
from core.as_run import CONTROL, TREATMENT, AsRun, as_run
from core.plan import Kpi, Pilot, Plan
from core.privacy import MIN_GROUP
from core.words import count

if TYPE_CHECKING:
    import pandas as pd

    from core.estimates import PanelEstimates
    from core.panel import Panel
    from core.waves import MonthlyNoise

Window = tuple[date, date]  # [first day of the first month, first day after the last month)


def start_date(p: Pilot) -> date | None:
    """The pilot's start date, or None when it is not set (or not a date)."""
    try:
        return date.fromisoformat(p.start) if p.start else None
    except ValueError:
        return None


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Windows:
    start: date
    baseline: Window
    intervention: tuple[date, date]
    measurement: Window
    history_baseline: Window  # the baseline window's stand-in before the pilot (for sd, ICC, ρ)
    history_outcome: Window  # the measurement window's stand-in before the pilot


def windows(p: Pilot) -> Windows | None:
    """The pilot's windows, or None without a start date."""
    start = start_date(p)
    if start is None:
        return None
    month = add_months(start, 0)
    gap = p.measurement_gap_months + (1 if start.day > 1 else 0)  # a mid-month start: from the first whole month
    measured = add_months(month, gap)
    outcome_start = add_months(month, -p.measurement_months)
    baseline_end = add_months(outcome_start, -gap)
    return Windows(
        start=start,
        baseline=(add_months(month, -p.baseline_months), month),
        intervention=(start, start + timedelta(days=p.intervention_days)),
        measurement=(measured, add_months(measured, p.measurement_months)),
        history_baseline=(add_months(baseline_end, -p.baseline_months), baseline_end),
        history_outcome=(outcome_start, month),
    )


def months_between(window: Window) -> int:
    """How many whole months [start, end) spans."""
    return (window[1].year - window[0].year) * 12 + window[1].month - window[0].month


def months_label(window: Window) -> str:
    """"Apr–Jun 2026" style label for the whole months in [start, end)."""
    first, last = window[0], add_months(window[1], -1)
    if first == last:
        return first.strftime("%b %Y")
    if first.year == last.year:
        return f"{first:%b}–{last:%b %Y}"
    return f"{first:%b %Y}–{last:%b %Y}"


def history_needed(p: Pilot) -> int:
    """Months of KPI history before the start that estimating sd, ICC and ρ needs."""
    start = start_date(p)
    mid_month = 1 if start is not None and start.day > 1 else 0
    return p.baseline_months + p.measurement_gap_months + mid_month + p.measurement_months


# -- the outcome -------------------------------------------------------------------------------------------
def kpi_column(plan: Plan, panel: Panel | None) -> str:
    """The primary KPI's data column when the panel has it, else ""."""
    kpi = plan.primary_kpi()
    if kpi is None or not kpi.column or panel is None:
        return ""
    in_periods = panel.periods is not None and kpi.column in panel.periods.columns
    return kpi.column if in_periods or kpi.column in panel.people.columns else ""


def is_monthly(panel: Panel, column: str) -> bool:
    return panel.periods is not None and column in panel.periods.columns


def direction(plan: Plan) -> int:
    """+1 when a higher KPI is better, −1 when lower is better: the KPI change = direction × effect."""
    kpi = plan.primary_kpi()
    return -1 if kpi is not None and kpi.better == "lower" else 1


def baseline_values(plan: Plan, panel: Panel, column: str, people=None) -> pd.Series:
    """Each person's outcome over the baseline window (monthly KPI; values the quality report flags left
    out, as for the estimates) or the per-person value."""
    import pandas as pd

    from core.estimates import person_outcome, without_flagged

    w = windows(plan.pilot)
    if is_monthly(panel, column):
        periods, _ = without_flagged(panel.periods[["employee_id", "period", column]], column)
        if w is not None:
            values = person_outcome(periods, column, w.baseline, how=plan.pilot.outcome)
        else:
            values = periods.dropna(subset=[column]).groupby("employee_id")[column].mean()
    else:
        values = pd.to_numeric(panel.people[column], errors="coerce").dropna()
    return values if people is None else values[values.index.isin(people)]


# -- the eligible roster -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Roster:
    people: pd.DataFrame  # eligible people, index employee_id
    in_data: int  # people in step 2
    filtered_out: int  # left out by the saved eligibility filter
    without_kpi: int  # left out for having no value of the primary KPI in the baseline window
    not_joining: int = 0  # a pilot of new hires: left out for not joining during the intervention
    hire_column: str = ""  # the hire-date column that says who joins (a pilot of new hires)


HIRE_WORDS = ("hire", "hiring", "join", "start", "entry", "eintritt", "embauche", "alta")


def hire_column(panel: Panel) -> str:
    """The people table's hire-date column (a date column named for hiring, joining or starting), or ""."""
    dates = [c for c, r in panel.roles.items() if r == "date" and c in panel.people.columns]
    return next((c for c in dates if any(w in str(c).lower() for w in HIRE_WORDS)), "")


def eligible(plan: Plan, panel: Panel | None) -> Roster | None:
    """Step 2's people kept by the saved filter (column → values) who have the primary KPI at baseline; for a
    pilot of new hires, those whose hire date falls in the intervention (they have no baseline)."""
    if panel is None:
        return None
    people = panel.people
    kept = people
    for column, values in plan.pilot.eligible.items():
        if column in kept.columns and values:
            kept = kept[kept[column].astype("string").fillna("").isin(values)]
    filtered_out = len(people) - len(kept)
    column = kpi_column(plan, panel)
    without = 0
    if plan.pilot.population == "joiners":
        hired = hire_column(panel)
        w = windows(plan.pilot)
        if not hired or w is None:
            return Roster(kept.iloc[:0], len(people), filtered_out, 0, len(kept), hired)
        import pandas as pd

        day = pd.to_datetime(kept[hired], errors="coerce")
        joins = (day >= pd.Timestamp(w.intervention[0])) & (day < pd.Timestamp(w.intervention[1]))
        return Roster(kept[joins.to_numpy()], len(people), filtered_out, 0, int((~joins).sum()), hired)
    if column and is_monthly(panel, column):
        measured = baseline_values(plan, panel, column).index
        has_kpi = kept.index.isin(measured)
        without = int((~has_kpi).sum())
        kept = kept[has_kpi]
    return Roster(kept, len(people), filtered_out, without)


# -- clusters and arms -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clusters:
    column: str
    count: int | None  # None when typed (no roster to count)
    mean: float
    cv: float  # coefficient of variation of the cluster sizes (sd ÷ mean)
    smallest: int | None = None
    largest: int | None = None
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def from_roster(self) -> bool:
        return self.count is not None


BLANK_GROUP = "(blank)"  # people whose team or site cell is empty: a group of their own, never a site


def group_labels(values: pd.Series) -> pd.Series:
    """Team or site names as text, an empty or blank cell as BLANK_GROUP (so "" and a missing value are one)."""
    text = values.astype("string").str.strip()
    return text.mask(text == "").fillna(BLANK_GROUP)


def clusters(plan: Plan, roster: Roster | None) -> Clusters | None:
    """The eligible roster's clusters (None when people are randomised one by one). Without a roster, the
    typed cluster size stands in."""
    column = plan.pilot.cluster_column
    if not column:
        return None
    if roster is None or column not in roster.people.columns:
        return Clusters(column, None, max(float(plan.pilot.cluster_size), 1.0), 0.0)
    sizes = group_labels(roster.people[column]).value_counts()
    if sizes.empty:  # nobody eligible: the typed size stands in until the roster has people
        return Clusters(column, None, max(float(plan.pilot.cluster_size), 1.0), 0.0)
    mean = float(sizes.mean())
    cv = float(sizes.std(ddof=0) / mean) if len(sizes) > 1 else 0.0
    return Clusters(column, int(len(sizes)), mean, cv, int(sizes.min()), int(sizes.max()),
                    {str(k): int(v) for k, v in sizes.items()})


@dataclass(frozen=True)
class Arms:
    treated_people: int
    control_people: int
    treated_clusters: int | None
    control_clusters: int | None
    source: str  # "assignment list" or "plan"

    @property
    def ratio(self) -> float:
        """Controls per treated person."""
        return self.control_people / self.treated_people if self.treated_people else 1.0


def clusters_for(people: int, c: Clusters | None) -> int | None:
    """Clusters needed to hold `people` at the mean cluster size (at least one when there are people)."""
    if c is None:
        return None
    return max(1, round(people / c.mean)) if people > 0 else 0


def arms(plan: Plan, c: Clusters | None, roster: Roster | None = None) -> Arms:
    """The planned arms: as the assignment list has them, else as planned. What step 5 learns about who actually
    took part never changes them (core.as_run sets the two side by side)."""
    listed = plan.design.assignment
    if listed:
        treated = [a for a in listed if a.arm == TREATMENT]
        control = [a for a in listed if a.arm == CONTROL]
        by_cluster = c is not None and plan.design.design in {s.kind for s in designs.SPECS.values()
                                                              if s.whole_clusters}
        return Arms(len(treated), len(control),
                    len({a.group for a in treated}) if by_cluster else None,
                    len({a.group for a in control}) if by_cluster else None, "assignment list")
    p = plan.pilot
    if plan.design.design == "site" and c is not None and c.from_roster and c.count:
        # everyone eligible: the piloted site against all the others
        size = c.sizes.get(plan.design.site, 0)
        others = {s: n for s, n in c.sizes.items() if s not in (plan.design.site, BLANK_GROUP)}  # blank: no site
        return Arms(size, sum(others.values()), 1 if size else 0, len(others), "site")
    if plan.design.design == "waves" and c is not None and c.from_roster and c.count:
        # everyone eligible, in waves: while wave 1 is measured, the waves still waiting are its controls
        k1 = -(-c.count // max(p.waves, 1))
        k2 = c.count - k1
        return Arms(round(k1 * c.mean), round(k2 * c.mean), k1, k2, "waves")
    k1, k2 = clusters_for(p.treated_people, c), clusters_for(p.control_people, c)
    if c is None or not c.from_roster:
        return Arms(p.treated_people, p.control_people, k1, k2, "plan")
    # whole clusters of the roster's mean size: 120 people in teams of 29 are 4 teams, about 116 people
    return Arms(round(k1 * c.mean), round(k2 * c.mean), k1, k2, "plan")


def treated_people(plan: Plan, facts: PilotFacts | None = None) -> int:
    """People in the treated arm: the assignment list's, else the plan's (in whole clusters when `facts` know
    the roster's cluster size)."""
    if facts is not None:
        return facts.arms.treated_people
    listed = plan.design.assignment
    return sum(a.arm == TREATMENT for a in listed) if listed else plan.pilot.treated_people


def roi_participants(plan: Plan, facts: PilotFacts | None = None) -> int:
    """Whose benefits the ROI counts: the pilot's treated arm, or the labelled roll-out forecast."""
    return plan.roi.rollout_participants if plan.roi.scope == "rollout" else treated_people(plan, facts)


def analysis_key(plan: Plan) -> str:
    """A fingerprint of what an observed effect depends on — who is in which arm, the windows, the outcome, the
    KPI, the design, the data files (a later month uploaded changes the estimate) and the registered secondary
    KPIs and guardrails — so an estimate measured on other arms or other data is never used as if it were this
    plan's."""
    import hashlib
    import json

    kpi = plan.primary_kpi()
    p = plan.pilot
    arms = sorted((a.id, a.arm, a.wave) for a in plan.design.assignment)
    took_part = {} if plan.design.assignment else plan.results.participation  # without a list it defines the arms
    what = {"took_part": took_part, "arms": arms, "start": p.start, "outcome": p.outcome,
            "windows": [p.baseline_months, p.measurement_gap_months, p.measurement_months],
            "kpi": kpi.column if kpi else "", "cluster": p.cluster_column, "design": plan.design.design,
            "data": sorted((kind, m.sha256, m.database, m.query) for kind, m in plan.data.sources.items()),
            "registered": sorted((k.name, k.column, k.registered_as) for k in plan.kpis
                                 if k.registered_as and not k.primary)}
    return hashlib.sha1(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]


# -- variance inputs ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variance:
    sd: float
    icc: float
    baseline_corr: float
    p_control: float
    source: str  # "data" or "typed"
    note: str  # where the values come from, in words
    estimates: PanelEstimates | None = None
    problem: str = ""  # why the data could not give them (the typed values are then used)


def variance(plan: Plan, panel: Panel | None, roster: Roster | None) -> Variance:
    """sd, ICC and ρ from the data over the pilot's own windows and outcome, or as typed."""
    p = plan.pilot
    typed = Variance(p.sd, p.icc, p.baseline_corr, p.p_control, "typed",
                     f"typed{': ' + p.variance_note if p.variance_note else ''}")
    if p.variance_source != "data":
        return typed
    problem = estimate_problem(plan, panel)
    if not problem and roster is not None and len(roster.people) < MIN_GROUP:
        problem = ("fewer than 5 people are eligible: too few to estimate from (their sd would describe them); "
                   "type the values or widen the filter")
    if problem:
        return Variance(**{**vars(typed), "problem": problem})
    from core.estimates import from_panel

    w = windows(p)
    column = kpi_column(plan, panel)
    try:
        if p.population == "joiners":  # earlier new hires stand in for the ones to come; nobody has a baseline
            year = (add_months(w.start, -12), add_months(w.start, 0))
            found = from_panel(panel.periods, column, group=p.cluster_column or None, outcome=year,
                               baseline=(add_months(w.start, -24), year[0]), how=p.outcome)
        else:
            found = from_panel(panel.periods, column, group=p.cluster_column or None, outcome=w.history_outcome,
                               baseline=w.history_baseline, how=p.outcome,
                               people=roster.people.index if roster is not None else None)
    except ValueError as exc:
        return Variance(**{**vars(typed), "problem": str(exc)})
    if not (math.isfinite(found.sd.value) and found.sd.value > 0):
        return Variance(**{**vars(typed), "estimates": found,
                           "problem": f"{column} does not vary between people in {found.second_window[0]}–"
                                      f"{found.second_window[1]} (sd 0): type the sd you expect"})
    rho = found.baseline_corr.value
    rho = min(max(rho, 0.0), 0.99) if math.isfinite(rho) else 0.0
    icc = min(found.icc.for_power, 0.99) if p.cluster_column else 0.0
    p_control = min(max(found.mean, 0.001), 0.999) if p.kpi_type == "binary" else p.p_control
    left_out = f"; {count(found.left_out, 'value')} the quality report flags left out" if found.left_out else ""
    if p.population == "joiners":
        rho = 0.0
        note = (f"estimated from {column}: {found.sd.n:,} people who have it in {found.second_window[0]}–"
                f"{found.second_window[1]} (the new hires before the pilot; no baseline){left_out}")
    else:
        note = (f"estimated from {column}: {found.sd.n:,} people's {p.outcome} over {found.second_window[0]}–"
                f"{found.second_window[1]} (ρ against {found.first_window[0]}–{found.first_window[1]}){left_out}")
    return Variance(found.sd.value, icc, rho, p_control, "data", note, found)


def estimate_problem(plan: Plan, panel: Panel | None) -> str:
    """Why sd, ICC and ρ cannot be estimated from the data yet, or "" when they can."""
    kpi = plan.primary_kpi()
    if panel is None:
        return "load the data in step 2 first"
    if kpi is None:
        return "mark the primary KPI in step 3 first"
    column = kpi_column(plan, panel)
    if not column:
        return f"give the primary KPI “{kpi.name}” a data column in step 3 first"
    if not is_monthly(panel, column):
        return f"{column} has one value per person, not a monthly history: type the sd you expect"
    if start_date(plan.pilot) is None:
        return "set the pilot's start date first (estimates use only the months before it)"
    w = windows(plan.pilot)
    months = panel.monthly.loc[panel.monthly[column].notna(), "period"]
    if plan.pilot.population == "joiners":
        year = (add_months(w.start, -12), add_months(w.start, 0))
        inside = months[(months >= _timestamp(year[0])) & (months < _timestamp(year[1]))]
        return "" if inside.nunique() else (f"no one has {column} in {months_label(year)}, the year before the "
                                            "start (the new hires the estimate learns from): type the values")
    before = months[months < _timestamp(w.history_outcome[1])].nunique()
    first = months[months >= _timestamp(w.history_baseline[0])]
    if before < history_needed(plan.pilot) or first.empty or first.min() > _timestamp(w.history_baseline[0]):
        return (f"estimating needs {history_needed(plan.pilot)} months of {column} before the start "
                f"({months_label((w.history_baseline[0], w.history_outcome[1]))}); the data has {before}. Shorten "
                "the baseline or measurement window, or type the values")
    return ""


def _timestamp(day: date) -> Any:
    import pandas as pd

    return pd.Timestamp(day)


# -- everything a page needs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PilotFacts:
    kpi: Kpi | None
    column: str
    windows: Windows | None
    roster: Roster | None
    clusters: Clusters | None
    arms: Arms
    variance: Variance
    baseline: float | None  # the outcome's mean over the baseline window (eligible people), or typed
    ran: AsRun | None = None  # planned beside as-run (step 5's record), when there is a list and data
    monthly_noise: MonthlyNoise | None = None  # a waitlist's monthly noise, from the history (other designs: None)
    site_history: pd.DataFrame | None = None  # a one-site pilot's site × month KPI means before the start

    def effect_pct(self, effect: float) -> float | None:
        """The effect as a % of the baseline (derived; never stored)."""
        if self.baseline is None or not math.isfinite(self.baseline) or self.baseline == 0:
            return None
        return effect / abs(self.baseline) * 100


def facts(plan: Plan, panel: Panel | None) -> PilotFacts:
    """The derived pilot for `plan` and its step-2 panel (None without data)."""
    roster = eligible(plan, panel)
    c = clusters(plan, roster)
    column = kpi_column(plan, panel)
    kpi = plan.primary_kpi()
    base = None
    spread = variance(plan, panel, roster)
    if column and plan.pilot.population == "joiners":  # the new hires before the pilot stand in for a baseline
        found = spread.estimates
        base = found.mean if found is not None and found.sd.n >= MIN_GROUP else None
    elif column:
        values = baseline_values(plan, panel, column, roster.people.index if roster is not None else None)
        base = float(values.mean()) if len(values) >= MIN_GROUP else None  # 1–4 people's mean is nearly theirs
    elif kpi is not None and kpi.manual_baseline is not None:
        base = float(kpi.manual_baseline)
    else:
        base = None
    try:
        ran = as_run(plan, panel) if panel is not None else None
    except ValueError:  # the column that says who took part is gone: step 5 says so
        ran = None
    found = PilotFacts(kpi, column, windows(plan.pilot), roster, c, arms(plan, c, roster), spread, base, ran)
    if plan.design.design == "waves" and roster is not None and len(roster.people) and found.windows is not None:
        from core import waves  # waves reads this module

        found = dataclasses.replace(found, monthly_noise=waves.monthly_noise(plan, panel, found))
    if (plan.design.design == "site" and roster is not None and len(roster.people) and found.windows is not None
            and column and is_monthly(panel, column) and plan.pilot.cluster_column in roster.people.columns):
        from core import sites  # sites reads this module

        found = dataclasses.replace(found, site_history=sites.site_months(plan, panel, roster, column))
    return found

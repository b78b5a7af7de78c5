"""KPI mapping: inputs → outputs → outcomes, learning KPIs linked to business KPIs, baselines from the data.

Baselines (from the panel): for a monthly KPI, the months before the pilot start — mean and sd of each
person's average (the unit a pilot compares), n people, and the trend as the least-squares slope of the
monthly means per month; for a per-person measure, its mean, sd and n.
Associations between a learning measure and a business KPI are Pearson correlations of person-level values
with the Fisher-z 95% CI (as scipy's pearsonr): association, not effect.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import estimates
from core.plan import Kpi, Plan
from core.privacy import MIN_GROUP

CREDIBILITY_ORDER = ["standard value", "historical cost", "expert", "external database", "linked measure", "estimate"]
ACTIVITY = re.compile(r"complet|attend|enrol|enroll|login|session|participat|registr|minutes|time.?spent|views?\b",
                      re.IGNORECASE)
MIN_N = 5


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    tier: str
    kind: str
    unit: str
    better: str
    conversion: str
    ltem: str = ""


CATALOGUE = [
    CatalogueEntry("Time to productivity", "outcome", "business", "weeks", "lower",
                   "Historical cost: weeks saved × fully loaded cost of a new hire per week", "Effects of transfer"),
    CatalogueEntry("Average deal size", "outcome", "business", "$ per deal", "higher",
                   "Standard value: extra revenue × contribution margin (Finance)", "Effects of transfer"),
    CatalogueEntry("Win rate", "outcome", "business", "% of opportunities", "higher",
                   "Linked measure: extra wins × average deal size × margin", "Effects of transfer"),
    CatalogueEntry("Customer satisfaction (CSAT)", "outcome", "business", "points", "higher",
                   "Linked measure: CSAT → retention → customer lifetime value; often intangible",
                   "Effects of transfer"),
    CatalogueEntry("First contact resolution", "outcome", "business", "% of contacts", "higher",
                   "Historical cost: repeat contacts avoided × cost per contact", "Effects of transfer"),
    CatalogueEntry("Error rate", "outcome", "business", "errors per 1,000", "lower",
                   "Historical cost: errors avoided × cost to fix one", "Effects of transfer"),
    CatalogueEntry("Safety incidents", "outcome", "business", "incidents per 100 staff", "lower",
                   "Historical cost: incidents avoided × average cost of an incident", "Effects of transfer"),
    CatalogueEntry("Readmission rate", "outcome", "business", "% of discharges", "lower",
                   "External database: readmissions avoided × average cost of a readmission", "Effects of transfer"),
    CatalogueEntry("Staff turnover", "outcome", "business", "% per year", "lower",
                   "Historical cost: leavers avoided × replacement cost (often 50–200% of salary)",
                   "Effects of transfer"),
    CatalogueEntry("Assessment score", "output", "learning", "points", "higher",
                   "Not monetised directly: a leading indicator of the business KPI", "Task competence"),
    CatalogueEntry("Manager-rated behaviour", "output", "learning", "rating 1–5", "higher",
                   "Not monetised directly: evidence of transfer", "Transfer"),
    CatalogueEntry("Completion rate", "input", "learning", "% completed", "higher",
                   "Never an outcome: activity, not impact", "Activity"),
    CatalogueEntry("Learning hours", "input", "learning", "hours", "higher",
                   "A cost driver (participant time), not a benefit", "Attendance"),
]

LTEM = ["Attendance", "Activity", "Learner perceptions", "Knowledge", "Decision-making competence", "Task competence",
        "Transfer", "Effects of transfer"]


def from_catalogue(entry: CatalogueEntry) -> Kpi:
    """A KPI to fill in; learning KPIs start as intangible (they are leading indicators, not money)."""
    return Kpi(name=entry.name, tier=entry.tier, kind=entry.kind, unit=entry.unit,  # type: ignore[arg-type]
               better=entry.better, intangible=entry.kind == "learning")  # type: ignore[arg-type]


@dataclass(frozen=True)
class Baseline:
    mean: float
    sd: float
    n: int
    trend_per_month: float | None
    window: str


def baseline(people: pd.DataFrame, periods: pd.DataFrame | None, column: str, *, window=None) -> Baseline | None:
    """Mean, sd, n and monthly trend of `column` over the pilot's baseline window [start, end) (every month
    when None); None when the panel has no such column."""
    if periods is not None and column in periods.columns:
        frame = periods[["employee_id", "period", column]].dropna()
        if window is not None:
            frame = frame[(frame["period"] >= pd.Timestamp(window[0])) & (frame["period"] < pd.Timestamp(window[1]))]
        if frame.empty:
            return None
        person = frame.groupby("employee_id")[column].mean()
        monthly = frame.groupby("period")[column].mean()
        trend = None
        if len(monthly) >= 3:
            x = (monthly.index.year - monthly.index[0].year) * 12 + (monthly.index.month - monthly.index[0].month)
            trend = float(np.polyfit(np.asarray(x, dtype=float), monthly.to_numpy(), 1)[0])
        window = f"{frame['period'].min():%b %Y} – {frame['period'].max():%b %Y}"
        return Baseline(float(person.mean()), float(person.std(ddof=1)) if len(person) > 1 else math.nan,
                        int(len(person)), trend, window)
    if column in people.columns:
        values = pd.to_numeric(people[column], errors="coerce").dropna()
        if values.empty:
            return None
        return Baseline(float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else math.nan,
                        int(len(values)), None, "per person")
    return None


@dataclass(frozen=True)
class Association:
    learning: str
    business: str
    r: float
    n: int
    ci: tuple[float, float]
    x: list[float]
    y: list[float]


def person_values(people: pd.DataFrame, periods: pd.DataFrame | None, column: str, *, before=None
                  ) -> pd.Series | None:
    if column in people.columns:
        return pd.to_numeric(people[column], errors="coerce")
    if periods is not None and column in periods.columns:
        frame = periods if before is None else periods[periods["period"] < pd.Timestamp(before)]
        return frame.groupby("employee_id")[column].mean()
    return None


def association(people: pd.DataFrame, periods: pd.DataFrame | None, learning: str, business: str, *,
                before=None) -> Association | None:
    """Person-level correlation of a learning measure with a business KPI (monthly KPIs averaged over the
    months before `before`, the pilot start); None under MIN_N pairs."""
    x = person_values(people, periods, learning, before=before)
    y = person_values(people, periods, business, before=before)
    if x is None or y is None:
        return None
    paired = pd.concat([x.rename("x"), y.rename("y")], axis=1).dropna()
    if len(paired) < MIN_N:
        return None
    r, ci = estimates.correlation(paired["x"], paired["y"])
    return Association(learning, business, r.value, r.n, ci, paired["x"].tolist(), paired["y"].tolist())


@dataclass(frozen=True)
class Warning:
    kpi: str
    message: str


def is_activity(kpi: Kpi) -> bool:
    return bool(ACTIVITY.search(kpi.name) or ACTIVITY.search(kpi.column))


def warnings(plan: Plan, *, columns: set[str] | None = None) -> list[Warning]:
    """What would make a business leader or Finance doubt the KPI map."""
    found = []
    for k in plan.kpis:
        label = k.name or "(unnamed KPI)"
        if k.tier == "outcome" and is_activity(k):
            found.append(Warning(label, "An attendance, completion or activity measure is used as an outcome: it "
                                        "shows that training happened, not that work improved. Use a business KPI."))
        if k.tier == "outcome" and not k.owner.strip():
            found.append(Warning(label, "This outcome has no owner: name the business person accountable for it."))
        if k.primary and not k.column and k.manual_baseline is None:  # only the primary KPI is compared
            found.append(Warning(label, "No data column and no manual baseline: the pilot has nothing to compare."))
        elif k.primary and columns is not None and k.column and k.column not in columns:
            found.append(Warning(label, f"Column “{k.column}” is not in the joined data (step 2)."))

        if k.value_per_unit is not None and not k.value_source.strip():
            found.append(Warning(label, "The money value has no source: say where it comes from (Finance's standard "
                                        "value, historical cost, an expert…)."))
        if k.kind == "business" and k.tier == "outcome" and k.value_per_unit is None and not k.intangible:
            found.append(Warning(label, "Neither monetised nor marked intangible: give a value per unit with its "
                                        "source, or mark it intangible and report it beside the ROI."))
    names = {k.name for k in plan.kpis}
    for link in plan.kpi_links:
        missing = [n for n in (link.learning, link.business) if n and n not in names]
        if missing:
            found.append(Warning(", ".join(missing), "A link points to a KPI that is no longer in the table."))
    if sum(k.primary for k in plan.kpis) > 1:
        found.append(Warning("primary", "More than one KPI is marked primary: a pilot registers one primary outcome."))
    return found

def not_in_data(plan: Plan, columns: set[str]) -> list[str]:
    """Names of the KPIs other than the primary whose column the data does not have (yet): a learning measure
    taken after the program arrives with the pilot's data."""
    return [k.name for k in plan.kpis if not k.primary and k.column and k.column not in columns]


def baseline_rows(plan: Plan, facts, panel) -> list[dict]:
    """Step 3's table of baselines, one row per KPI: its mean, sd, people and monthly trend over step 4's baseline
    window (every month before a start date is set), or its manual baseline; for the primary KPI, the pilot's
    own baseline (its eligible people, flagged values left out) beside the effect to detect and its % of it."""
    from core import pilot

    window = facts.windows.baseline if facts.windows is not None else None
    chosen = plan.primary_kpi()
    rows = []
    for k in plan.kpis:
        b = baseline(panel.people, panel.periods, k.column, window=window) if panel is not None and k.column else None
        is_primary = chosen is not None and k is chosen
        mean, sd, n = (b.mean, b.sd, b.n) if b else (k.manual_baseline, None, None)
        if is_primary and facts.column:
            values = pilot.baseline_values(plan, panel, facts.column, facts.roster.people.index)
            mean, sd, n = facts.baseline, values.std(ddof=1), len(values)
        few = n is not None and n < MIN_GROUP  # the mean of 1 to 4 people is nearly their own values
        if few:
            mean = sd = b = None
        rows.append({"KPI": k.name, "column": k.column or "(manual)", "mean": mean, "sd": sd, "people": n,
                     "trend per month": b.trend_per_month if b else None, "window": b.window if b else "",
                     "pilot effect": plan.pilot.effect if is_primary else None,
                     "% of baseline": facts.effect_pct(plan.pilot.effect) if is_primary and not few else None})
    return rows

"""Secondary KPIs and guardrails: the pilot's other pre-registered outcomes, each estimated as the primary is (the
same arms, windows and method), with a summary that stays honest about multiplicity.

* Secondary KPIs: Holm's step-down adjustment over the secondary family (Holm 1979, Scand. J. Statist. 6:65;
  statsmodels `multipletests(method="holm")`), so saying "any of them improved" keeps the family-wise error rate at
  the plan's alpha.
* Guardrails: KPIs that must not get worse (voluntary attrition, time away from work, customer complaints). Each is
  tested on its own, one-sided in its worse direction and not adjusted — adjusting would make harm harder to see:
  harmed when the one-sided p for "worse" is below alpha (the 90% interval, at alpha 5%, lies wholly on the worse
  side). A harmed guardrail blocks "expand" (core/decision.py reads `Results.harmed`, kept with the observed effect).
* Privacy: an outcome with fewer than 5 people measured in an arm shows no number (core/privacy.MIN_GROUP).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import pandas as pd
from statsmodels.stats.multitest import multipletests

from core import pilot as pl
from core import privacy, results
from core.panel import Panel
from core.plan import Kpi, Plan

ROLES = {"secondary": "secondary KPI", "guardrail": "guardrail"}


@dataclass(frozen=True)
class Outcome:
    kpi: str
    role: str  # "secondary" | "guardrail"
    unit: str
    improvement: float | None  # the change as an improvement (positive = better), KPI units
    low: float | None  # its 95% interval, as an improvement, low end first
    high: float | None
    p_value: float | None  # two-sided, unadjusted
    adjusted: float | None  # Holm-adjusted (secondary KPIs); one-sided p for "worse" (guardrails)
    verdict: str  # "improved" | "worse" | "no clear change" | "harmed" | "not harmed" | "not estimated"
    reason: str = ""


def registered(plan: Plan) -> list[Kpi]:
    """The plan's secondary KPIs and guardrails, in its order (the primary is never one of them)."""
    return [k for k in plan.kpis if not k.primary and k.registered_as in ROLES]


def as_primary(plan: Plan, kpi: Kpi) -> Plan:
    """A copy of the plan whose primary KPI is `kpi`: the same pilot measured on another outcome."""
    other = copy.deepcopy(plan)
    for k in other.kpis:
        k.primary = k.name == kpi.name and k.column == kpi.column
    return other


def estimate_all(plan: Plan, panel: Panel, method: str) -> list[Outcome]:
    """Every registered secondary KPI and guardrail, estimated by `method`; Holm over the secondary ones."""
    found = [_one(plan, panel, method, k) for k in registered(plan)]
    secondary = [i for i, o in enumerate(found) if o.role == "secondary" and o.p_value is not None]
    if secondary:
        reject, adjusted, _, _ = multipletests([found[i].p_value for i in secondary], alpha=plan.design.alpha,
                                               method="holm")
        for i, rejected, p in zip(secondary, reject, adjusted, strict=True):
            o = found[i]
            verdict = ("improved" if o.improvement > 0 else "worse") if rejected else "no clear change"
            found[i] = Outcome(o.kpi, o.role, o.unit, o.improvement, o.low, o.high, o.p_value, float(p), verdict)
    return found


def harmed(outcomes: list[Outcome]) -> list[str]:
    """The guardrails the pilot harmed."""
    return [o.kpi for o in outcomes if o.verdict == "harmed"]


def _one(plan: Plan, panel: Panel, method: str, kpi: Kpi) -> Outcome:
    def unusable(reason: str) -> Outcome:
        return Outcome(kpi.name, kpi.registered_as, kpi.unit, None, None, None, None, None, "not estimated", reason)

    other = as_primary(plan, kpi)
    if not pl.kpi_column(other, panel):
        return unusable("its data column is not in the data")
    facts = pl.facts(other, panel)
    who = results.arms(other, panel)
    if not who or facts.windows is None:
        return unusable("no one is in an arm yet, or the pilot has no start date")
    measured = results.person_frame(other, facts, panel, who).dropna(subset=["outcome"])["treated"]
    if min(int((measured == 1).sum()), int((measured == 0).sum())) < privacy.MIN_GROUP:
        return unusable(f"fewer than {privacy.MIN_GROUP} people are measured in an arm (privacy)")
    try:
        found = results.estimate(other, facts, panel, method)
    except (ValueError, KeyError) as exc:
        return unusable(str(exc).strip("'"))
    if not results.has_interval(found) or not math.isfinite(found.p_value):
        return unusable("no 95% interval with so few teams")
    gain = results.improvement(other, found.effect)
    low, high = results.improvement_interval(other, found.ci_low, found.ci_high)
    if kpi.registered_as == "guardrail":
        worse_p = found.p_value / 2 if gain < 0 else 1 - found.p_value / 2  # one-sided, in the worse direction
        verdict = "harmed" if worse_p < plan.design.alpha else "not harmed"
        return Outcome(kpi.name, "guardrail", kpi.unit, gain, low, high, found.p_value, worse_p, verdict)
    return Outcome(kpi.name, "secondary", kpi.unit, gain, low, high, found.p_value, None, "no clear change")


VERDICTS = {"improved": "improved", "worse": "worse", "no clear change": "no clear change", "harmed": "harmed ⚠",
            "not harmed": "not harmed", "not estimated": "not estimated"}


def table(found: list[Outcome]) -> pd.DataFrame:
    """The outcomes as step 5 shows them: each with its role, estimate, interval and verdict."""
    from core import words

    rows = []
    for o in found:
        shown = o.improvement is not None
        rows.append({
            "KPI": o.kpi, "registered as": ROLES[o.role],
            "improvement": words.amount(o.improvement, o.unit) if shown else "—",
            "95% CI": words.interval(o.low, o.high, o.unit) if shown else "—",
            "p": words.p_value(o.p_value) if shown else "—",
            "adjusted p": (("Holm " if o.role == "secondary" else "one-sided, worse: ") + words.p_value(o.adjusted))
            if shown and o.adjusted is not None else "—",
            "verdict": VERDICTS[o.verdict] + (f": {o.reason}" if o.reason else ""),
        })
    return pd.DataFrame(rows)


def caption(alpha: float) -> str:
    """How the table's verdicts were reached, in one sentence."""
    return (f"Each is estimated like the primary KPI (same arms, windows and method). A secondary KPI counts as "
            f"improved only when its Holm-adjusted p is below {alpha:g}, so several KPIs together keep the false-alarm "
            f"rate at {alpha:g}; a guardrail is harmed when its one-sided p for “worse” is below {alpha:g}, "
            "unadjusted, so harm is not hidden by the adjustment. Fewer than 5 people in an arm: no number.")

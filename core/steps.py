"""Each step's status for the sidebar: not started / in progress / done / needs attention."""

from __future__ import annotations

from typing import Literal

from core.plan import GOAL_QUESTIONS, Plan

Status = Literal["not started", "in progress", "done", "needs attention"]

STEPS: dict[str, str] = {
    "goals": "1 Goals",
    "data": "2 Data",
    "kpis": "3 KPI mapping",
    "design": "4 Pilot design",
    "results": "5 Results",
    "roi": "6 ROI",
}

ICONS: dict[Status, str] = {
    "not started": "⚪", "in progress": "🟡", "done": "🟢", "needs attention": "🔴",
}


def goals_status(plan: Plan) -> Status:
    answered = [bool(getattr(plan.goals, name).strip()) for name in GOAL_QUESTIONS]
    hypotheses = [h for h in plan.hypotheses if h.kpi.strip()]
    if any(h.assumed_size is None for h in hypotheses):
        return "needs attention"
    parts = answered + [bool(plan.program_type), bool(plan.stakeholders), bool(hypotheses)]
    if all(parts):
        return "done"
    return "in progress" if any(parts) else "not started"


def roi_status(plan: Plan) -> Status:
    from core import roi  # late import: roi pulls in numpy, the sidebar should not wait for it

    r = roi.inputs(plan)
    if not any(line.amount for line in r.costs) and r.participants == 0 and r.effect == 0:
        return "not started"
    try:
        roi.evaluate(r)
    except ValueError:
        return "needs attention"
    return "done" if r.value_source.strip() else "in progress"


def data_status(plan: Plan) -> Status:
    """Done once the HRIS and at least one outcome source (KPIs or assessments) are in with an id column."""
    sources = plan.data.sources
    if not sources:
        return "not started"
    if any("employee_id" not in m.roles.values() for m in sources.values()):
        return "needs attention"
    return "done" if "hris" in sources and ({"kpis", "assessments"} & set(sources)) else "in progress"


def kpis_status(plan: Plan) -> Status:
    from core import kpis

    if not plan.kpis:
        return "not started"
    if kpis.warnings(plan):
        return "needs attention"
    return "done" if plan.primary_kpi() is not None and plan.kpi_links else "in progress"


def design_status(plan: Plan) -> Status:
    from core import design, pilot

    d = plan.design
    if not d.design and not plan.pilot.treated_people and not d.assignment:
        return "not started"
    if d.preregistration is not None:
        return "needs attention" if design.deviations(plan, pilot.facts(plan, None)) else "done"
    return "in progress"


def results_status(plan: Plan) -> Status:
    """Done once an observed effect of the whole measurement window is kept; in progress once anyone is in an arm
    (an interim read kept is still in progress)."""
    if plan.results.observed is not None and not plan.results.observed.interim:
        return "done"
    return "in progress" if plan.design.assignment or plan.results.participation else "not started"


def step_statuses(plan: Plan) -> dict[str, Status]:
    """Status per step key of STEPS; steps whose issue has not landed report "not started"."""
    statuses: dict[str, Status] = {key: "not started" for key in STEPS}
    statuses["goals"] = goals_status(plan)
    statuses["data"] = data_status(plan)
    statuses["kpis"] = kpis_status(plan)
    statuses["design"] = design_status(plan)
    statuses["results"] = results_status(plan)
    statuses["roi"] = roi_status(plan)
    return statuses

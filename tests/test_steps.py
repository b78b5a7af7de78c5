from core.plan import Goals, Hypothesis, Plan, Preregistration, Stakeholder
from core.steps import design_status, goals_status, roi_status
from core.templates import onboarding, sales_skills


def test_goals_status_moves_from_not_started_to_done():
    plan = Plan(name="x")
    assert goals_status(plan) == "not started"
    plan.goals.activities = "workshops"
    assert goals_status(plan) == "in progress"
    plan.goals = Goals("a", "b", "c", "d", "e")
    plan.program_type = "training"
    plan.stakeholders = [Stakeholder("A", "Sponsor", "")]
    plan.hypotheses = [Hypothesis("CSAT", "increase", 0.2)]
    assert goals_status(plan) == "done"
    plan.hypotheses.append(Hypothesis("NPS"))
    assert goals_status(plan) == "needs attention"


def test_roi_status():
    assert roi_status(Plan(name="x")) == "not started"
    assert roi_status(sales_skills()) == "done"
    broken = sales_skills()
    broken.roi.costs = []
    broken.roi.participant_hours = 0
    assert roi_status(broken) == "needs attention"


def test_design_status_flags_deviations_after_registration():
    plan = onboarding()
    assert design_status(Plan(name="x")) == "not started"
    assert design_status(plan) == "in progress"
    from core import design, pilot

    registered = design.registered_fields(plan, pilot.facts(plan, None))
    plan.design.preregistration = Preregistration("2026-11-24T10:00:00+00:00", registered)
    assert design_status(plan) == "done"
    plan.design.alpha = 0.1
    assert design_status(plan) == "needs attention"


def test_data_and_kpi_statuses():
    from core.plan import Kpi, SourceMapping
    from core.steps import data_status, kpis_status

    plan = Plan(name="x")
    assert data_status(plan) == "not started" and kpis_status(plan) == "not started"
    plan.data.sources["hris"] = SourceMapping("h.csv", "s", {"id": "employee_id"})
    assert data_status(plan) == "in progress"
    plan.data.sources["kpis"] = SourceMapping("k.csv", "s", {"month": "period"})
    assert data_status(plan) == "needs attention"
    plan.data.sources["kpis"].roles["emp"] = "employee_id"
    assert data_status(plan) == "done"
    assert kpis_status(sales_skills()) == "done"
    plan.kpis = [Kpi("Completion rate", "outcome", "learning", column="c")]
    assert kpis_status(plan) == "needs attention"

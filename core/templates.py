"""The two starting plans from the seed article on learning-system ROI (seed 004).

*Onboarding acceleration*: time-to-productivity 12 → 9 weeks, new-hire cost $10,000 per month.
*Sales skills program*: about +4% average deal size for trained reps, times contribution margin.
Cost lines follow Phillips' fully loaded categories; every figure carries its source in a note.
"""

from __future__ import annotations

from collections.abc import Callable

from core.plan import (
    CostLine,
    DesignPlan,
    Goals,
    Hypothesis,
    Kpi,
    KpiLink,
    Pilot,
    Plan,
    Range,
    RoiAssumptions,
    Stakeholder,
)

WEEKS_PER_MONTH = 52 / 12


def blank() -> Plan:
    return Plan(name="Untitled plan")


def onboarding() -> Plan:
    per_week = round(10_000 / WEEKS_PER_MONTH, 2)
    return Plan(
        name="Onboarding acceleration",
        template="onboarding",
        program_type="training",
        goals=Goals(
            business_improvement="New hires reach full productivity sooner (time-to-productivity 12 → 9 weeks).",
            who_and_skills="New hires in their first quarter: product knowledge, tools, customer handling.",
            work_differently="Handle standard cases unaided by week 6; ask for help through the buddy system.",
            activities="Blended onboarding: self-paced modules, weekly practice labs, buddy coaching.",
            decisions_change="Managers sign off readiness from a checklist instead of a fixed 12-week wait.",
        ),
        stakeholders=[
            Stakeholder("Head of Operations", "KPI/OKR owner", "Time-to-productivity target and its data"),
            Stakeholder("Finance business partner", "Finance partner", "New-hire cost per month; ROI sign-off"),
            Stakeholder("HRIS analyst", "Data steward", "Hire dates, productivity milestones, data quality"),
            Stakeholder("Team leads", "Manager", "Readiness sign-off; coaching time"),
            Stakeholder("VP People", "Sponsor", "Budget and roll-out decision"),
        ],
        hypotheses=[
            Hypothesis("Weeks to productivity", "decrease", 3.0, "weeks", "90 days after the first cohort"),
        ],
        kpis=[
            Kpi("Assessment score", "output", "learning", "points", "higher", column="post_score",
                owner="Team leads", intangible=True),
            Kpi("Time to productivity", "outcome", "business", "weeks", "lower", column="weeks_to_productivity",
                owner="Head of Operations", value_per_unit=per_week,
                value_source="new-hire cost $10,000 per month ÷ 4.33 weeks (Finance)", credibility="historical cost",
                primary=True),
        ],
        kpi_links=[KpiLink("Assessment score", "Time to productivity", "Weeks to productivity")],
        pilot=Pilot(
            baseline_months=3, measurement_months=3, population="joiners", treated_people=20, control_people=20,
            effect=3.0, variance_source="data", sd=2.5,
            variance_note="about 2.5 weeks between new hires (operations leads' estimate until the data is loaded)",
        ),
        design=DesignPlan(
            randomise="yes", contamination="no", history="yes", design="rct", alternative="two-sided",
            attrition=0.1,
            analysis_method="Difference in mean weeks to productivity (no baseline exists for new hires)",
        ),
        roi=RoiAssumptions(
            scope="rollout",
            rollout_participants=40,
            participant_hours=24,
            loaded_hourly_wage=45,
            costs=[
                CostLine("Needs analysis", 3_000, False, "Two workshops with operations leads"),
                CostLine("Design & development", 25_000, False, "Instructional designer, 10 weeks part-time"),
                CostLine("Licences & content", 150, True, "LMS seat per new hire"),
                CostLine("Delivery", 12_000, False, "Lab facilitators and coordinator"),
                CostLine("Facilities & travel", 2_000, False, "Training room"),
                CostLine("Evaluation", 8_000, False, "Pilot analysis and report"),
                CostLine("Overhead", 5_000, False, "Share of L&D overhead"),
            ],
            benefit_kind="one_time",
            adoption=0.9,
            contribution_margin=1.0,
            attribution=1.0,  # a randomised pilot isolates the effect: no further discount (Phillips)
            confidence=1.0,
            monthly_decay=0.0,
            horizon_months=12,
            realisation_months=3,
            program_months=3,
            isolation_method="control_group",
            ranges={
                "effect": Range(1.0, 4.0),
                "adoption": Range(0.7, 1.0),
                "value_per_unit": Range(round(per_week * 0.8, 2), round(per_week * 1.2, 2)),
            },
        ),
    )


def sales_skills() -> Plan:
    return Plan(
        name="Sales skills program",
        template="sales",
        program_type="training",
        goals=Goals(
            business_improvement="Larger average deal size: about +4% ($1,125 on a $28,000 deal) for trained reps.",
            who_and_skills="Account executives: discovery questioning, value selling, negotiation.",
            work_differently="Run a structured discovery call and propose bundles tied to customer value.",
            activities="Six virtual workshops, role-play with coaching, manager-led deal reviews.",
            decisions_change="Managers review pipeline deals against the value-selling checklist weekly.",
        ),
        stakeholders=[
            Stakeholder("VP Sales", "KPI/OKR owner", "Average deal size target"),
            Stakeholder("Finance business partner", "Finance partner", "Contribution margin; ROI sign-off"),
            Stakeholder("Sales operations", "Data steward", "CRM deal data"),
            Stakeholder("Regional sales managers", "Manager", "Weekly deal reviews; coaching"),
            Stakeholder("Chief Revenue Officer", "Sponsor", "Budget and roll-out decision"),
        ],
        hypotheses=[
            Hypothesis("Average deal size", "increase", 1_125.0, "$ per deal",
                       "the end of the 90-day pilot (about +4% of a $28,000 deal)"),
        ],
        kpis=[
            Kpi("Assessment score", "output", "learning", "points", "higher", column="post_score",
                owner="Regional sales managers", intangible=True),
            Kpi("Average deal size", "outcome", "business", "$ per deal", "higher", column="avg_deal_size",
                owner="VP Sales", value_per_unit=4.0,
                value_source="4 closed deals per rep per month (CRM, last 12 months)", credibility="linked measure",
                primary=True),
        ],
        kpi_links=[KpiLink("Assessment score", "Average deal size", "Average deal size")],
        pilot=Pilot(  # 8 teams per arm: fewer clusters give intervals too wide to trust (see step 4)
            baseline_months=3, measurement_months=3, cluster_column="team", treated_people=220,
            control_people=220, effect=1_125.0, variance_source="data", sd=6_000.0, icc=0.05, baseline_corr=0.5,
            cluster_size=27.5, variance_note="sales ops' estimate until the CRM data is loaded",
        ),
        design=DesignPlan(
            randomise="yes", contamination="yes", history="yes", design="rct", attrition=0.1,
        ),
        roi=RoiAssumptions(
            participant_hours=16,
            loaded_hourly_wage=60,
            costs=[
                CostLine("Needs analysis", 5_000, False, "Win/loss review with sales ops"),
                CostLine("Design & development", 20_000, False, "Vendor customisation"),
                CostLine("Licences & content", 1_200, True, "Vendor licence per rep (workshops, coaching app)"),
                CostLine("Delivery", 15_000, False, "Facilitators for six workshops"),
                CostLine("Facilities & travel", 5_000, False, "Kick-off day"),
                CostLine("Evaluation", 10_000, False, "Pilot analysis"),
                CostLine("Overhead", 8_000, False, "Share of L&D overhead"),
            ],
            benefit_kind="recurring",
            adoption=0.8,
            contribution_margin=0.25,
            attribution=1.0,  # the cluster-randomised pilot isolates the effect: no further discount (Phillips)
            confidence=1.0,
            monthly_decay=0.02,
            horizon_months=12,
            realisation_months=3,
            program_months=2,
            isolation_method="control_group",
            ranges={
                "effect": Range(500.0, 1_700.0),
                "adoption": Range(0.6, 0.95),
                "contribution_margin": Range(0.2, 0.3),
                "monthly_decay": Range(0.0, 0.08),
            },
        ),
    )


TEMPLATES: dict[str, tuple[str, Callable[[], Plan]]] = {
    "blank": ("Blank plan", blank),
    "onboarding": ("Onboarding acceleration (12 → 9 weeks to productivity)", onboarding),
    "sales": ("Sales skills program (+4% average deal size)", sales_skills),
}

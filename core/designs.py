"""The design registry: all the app knows about each pilot design, one entry per design, which every page, the
summary, the workbook, the ROI and the decision read. Adding a design is one `DesignSpec` here (its `kind` a
value of `core.plan.DesignKind`) plus its estimator in core/results.py (docs/ARCHITECTURE.md has the checklist).

The chooser's keys are the specs' keys: "cluster_rct" is the stored kind "rct" with a cluster column (whole teams
or sites randomised), so the two share the kind and differ in `whole_clusters`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.plan import DesignKind, IsolationMethod, Plan


@dataclass(frozen=True)
class Method:
    """An analysis step 5 can run: its label, and what its n counts ("units": teams with a cluster column, else
    people)."""

    label: str
    counts: str


METHODS: dict[str, Method] = {
    "ancova": Method("Difference in means adjusted for the baseline (ANCOVA)", "people"),
    "did": Method("Difference-in-differences (two-way fixed effects)", "person-months"),
    "matched": Method("Matched comparison (propensity score)", "people"),
    "its": Method("Interrupted time series (treated people only)", "months"),
    "waves": Method("Staggered difference-in-differences (waves, Callaway & Sant'Anna)", "units"),
    "synthetic_did": Method("Synthetic difference-in-differences (the site against its synthetic twin)",
                            "site-months"),
    "synthetic_control": Method("Synthetic control (the site against a weighted mix of the others)", "site-months"),
}


@dataclass(frozen=True)
class DesignSpec:
    """One design: the chooser's words (title, when it fits, what it assumes, its threats, its analysis in words),
    and the facts the steps act on."""

    title: str
    fits: str
    assumes: str
    threats: str
    analysis: str
    kind: DesignKind  # the value stored in plan.design.design
    randomised: bool  # chance decided who was trained (the decision's "strong evidence" needs it)
    whole_clusters: bool  # the arms are whole teams or sites (the list, the power and the count read clusters)
    cluster_column: Literal["set", "clear", "keep"]  # what choosing it does to the plan's cluster column
    isolation: IsolationMethod  # how the ROI isolates the effect (Phillips)
    methods: tuple[str, ...]  # the registered analysis first, then the deviations worth reporting


SPECS: dict[str, DesignSpec] = {
    "rct": DesignSpec(
        "Individual randomised pilot (RCT)",
        "You can pick who is trained by lot, and trained people rarely pass the skills to untrained colleagues.",
        "Random assignment; people stay in their arm; the KPI is measured the same way in both arms.",
        "Contamination when trained and untrained people share work; attrition that differs between arms.",
        "ANCOVA: post-pilot KPI on arm and the baseline KPI (difference in means when there is no baseline).",
        kind="rct", randomised=True, whole_clusters=False, cluster_column="clear", isolation="control_group",
        methods=("ancova", "did"),
    ),
    "cluster_rct": DesignSpec(
        "Cluster-randomised pilot (whole teams or sites)",
        "You can randomise, but people in a team learn from each other, so whole teams must share an arm.",
        "Random assignment of clusters; enough clusters (8+ per arm) for a credible estimate.",
        "Few clusters give wide intervals; teams differ at baseline; the ICC (how alike people in one team "
        "are) inflates the sample needed.",
        "ANCOVA (the outcome adjusted for each person's baseline) with standard errors clustered by team "
        "(degrees of freedom from the number of clusters).",
        kind="rct", randomised=True, whole_clusters=True, cluster_column="set", isolation="control_group",
        methods=("ancova", "did"),
    ),
    "waves": DesignSpec(
        "Waitlist: teams rolled out in random waves",
        "Everyone will get the program, but not all at once: managers accept a later start more readily than a "
        "control group that never gets it.",
        "The order of the waves is random; teams waiting for their wave carry on as before.",
        "Later waves learn from earlier ones (contamination); the last wave's patience; a shorter comparison "
        "for the later waves.",
        "Staggered difference-in-differences (Callaway & Sant'Anna): each wave against the waves not yet "
        "trained, averaged by wave size.",
        kind="waves", randomised=True, whole_clusters=True, cluster_column="set", isolation="control_group",
        methods=("waves", "did"),
    ),
    "site": DesignSpec(
        "One site first, against a synthetic twin",
        "The program starts at one site (a plant, a region, a store, a team) and the other sites carry on; you "
        "have a year or so of the KPI by month for every site.",
        "A weighted mix of the other sites that moved like the piloted site before the start would have kept "
        "moving like it without the program; nothing else changed at that site alone.",
        "Something else happening at the piloted site at the same time; a site so unusual that no mix of the "
        "others tracks it; few other sites make the interval approximate.",
        "Synthetic difference-in-differences (Arkhangelsky et al. 2021) on site-by-month means, with placebo "
        "standard errors (each other site in turn in the piloted site's place).",
        kind="site", randomised=False, whole_clusters=True, cluster_column="set", isolation="control_group",
        methods=("synthetic_did", "synthetic_control"),
    ),
    "matched": DesignSpec(
        "Matched cohorts (non-randomised)",
        "Managers choose who is trained; you have the HRIS and baseline KPI to find look-alike controls.",
        "No unmeasured difference between trained and matched people once the covariates are matched.",
        "Selection bias from what is not measured (motivation); regression to the mean when people are "
        "picked for low scores.",
        "Propensity-score matching (logit, caliper 0.2 sd) and the average effect on the trained (ATT).",
        kind="matched", randomised=False, whole_clusters=False, cluster_column="clear", isolation="control_group",
        methods=("matched", "did", "ancova"),
    ),
    "did": DesignSpec(
        "Difference-in-differences",
        "Some groups start the program and others do not yet; you have KPI history before and after for both.",
        "Parallel trends: without the program, both groups' KPIs would have moved alike.",
        "Different seasonality or shocks by group; groups chosen because their KPI was moving.",
        "Regression with unit and period fixed effects and standard errors clustered by unit.",
        kind="did", randomised=False, whole_clusters=False, cluster_column="keep", isolation="control_group",
        methods=("did", "matched"),
    ),
    "its": DesignSpec(
        "Interrupted time series",
        "Everyone is trained at once and no comparison group exists, but you have 12+ months of KPI history.",
        "The pre-program trend and seasonality would have continued; nothing else changed at the same time.",
        "Seasonality, other initiatives launched at the same time, changes in how the KPI is measured.",
        "Segmented regression of the monthly KPI with a level and slope change at the start.",
        kind="its", randomised=False, whole_clusters=False, cluster_column="keep", isolation="trend_line",
        methods=("its",),
    ),
}


def choice(plan: Plan) -> str:
    """The design as the chooser shows it: an RCT with a cluster column is a cluster RCT."""
    kind = plan.design.design
    return "cluster_rct" if kind == "rct" and plan.pilot.cluster_column else kind


def spec(plan: Plan) -> DesignSpec | None:
    """The plan's design entry (None before a design is chosen)."""
    return SPECS.get(choice(plan))

"""Step 4's logic: the design chooser, power against break-even in plain words, the timeline, the
pre-registration and its deviations.

Power reads the one pilot definition (core/pilot.py): the effect is the improvement in KPI units (positive =
better), so a one-sided test always looks in the better direction and the sign convention is the same for
KPIs where higher and where lower is better. Clustered pilots use the roster's mean cluster size and its
spread (design effect 1 + ((1 + cv²)·m̄ − 1)·ICC, Eldridge et al. 2006) and whole clusters for the degrees
of freedom (core/power.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from core import designs, effects, roi
from core import pilot as pl
from core import power as pw
from core.plan import DesignPlan, Plan
from core.words import number

if TYPE_CHECKING:
    from core.sites import SitePower
    from core.waves import WavePower


DESIGNS = designs.SPECS  # the registry (core/designs.py), by the chooser's keys


def recommend(d: DesignPlan) -> tuple[str, str]:
    """(design choice, reason) from the three situation questions; "cluster_rct" is an RCT by cluster."""
    if d.randomise == "yes":
        if d.contamination == "yes":
            return "cluster_rct", "You can randomise, but colleagues would share what they learn: randomise teams."
        return "rct", "You can randomise individuals and contamination is unlikely: the cleanest attribution."
    if d.randomise == "no":
        if d.history == "yes":
            return "did", ("Without randomisation, KPI history before and after for a comparison group supports "
                           "difference-in-differences (or matched cohorts on the baseline).")
        return "matched", "Without randomisation or history, match each trained person to similar colleagues."
    return "", "Answer the questions above for a recommendation."


choice = designs.choice


def choose(plan: Plan, key: str, *, cluster_column: str = "team") -> None:
    """Apply the chooser's choice (a key of the registry): a cluster RCT is an RCT randomised by `cluster_column`."""
    chosen = designs.SPECS[key]
    plan.design.design = chosen.kind
    if chosen.cluster_column == "set":
        plan.pilot.cluster_column = plan.pilot.cluster_column or cluster_column
    elif chosen.cluster_column == "clear":
        plan.pilot.cluster_column = ""


def set_cluster_column(plan: Plan, column: str) -> None:
    """The column whose groups are randomised (or, for a one-site pilot, that names the sites); a piloted site
    chosen under another column no longer means anything and is cleared."""
    if column != plan.pilot.cluster_column:
        plan.design.site = ""
    plan.pilot.cluster_column = column or ""


def matching_column(name: str, columns: list[str]) -> str:
    """The column whose words best match a KPI name ("Average deal size" → "avg_deal_size")."""
    import re

    synonyms = {"avg": "average", "mean": "average", "no": "number", "num": "number"}

    def words(text: str) -> set[str]:
        return {synonyms.get(w, w) for w in re.split(r"[^a-z0-9]+", text.lower()) if w}

    wanted = words(name)
    return max(columns, key=lambda c: (len(wanted & words(c)), -columns.index(c))) if columns else ""


# -- power -----------------------------------------------------------------------------------------------------
def test_alpha(plan: Plan) -> float:
    """The level the final analysis tests at: the plan's α, or with interim looks the nominal level of the last
    O'Brien–Fleming boundary (2 − 2Φ(c_K): about 0.046 for α = 0.05 and three looks), so the power and the
    smallest detectable effect carry the price of looking early (Jennison & Turnbull 2000, ch. 2: the early
    looks' small chance of stopping is left out, which errs on the safe side)."""
    from scipy import stats

    from core import monitoring

    d = plan.design
    if d.looks <= 1:
        return d.alpha
    two_sided = d.alpha if d.alternative == "two-sided" else min(2 * d.alpha, 0.99)
    nominal = float(2 * stats.norm.sf(monitoring.final_boundary(looks=d.looks, alpha=two_sided)))
    return nominal if d.alternative == "two-sided" else nominal / 2


def _options(plan: Plan, facts: pl.PilotFacts) -> dict:
    c = facts.clusters
    return {"alpha": test_alpha(plan), "icc": facts.variance.icc if c else 0.0,
            "cluster_size": c.mean if c else 1, "cluster_cv": c.cv if c else 0.0,
            "attrition": plan.design.attrition}


def _binary(plan: Plan) -> bool:
    return plan.pilot.kpi_type == "binary"


def _alternative(plan: Plan, change: float) -> str:
    """The test's alternative for a KPI change of sign `change` (one-sided looks at improvement only)."""
    if plan.design.alternative == "two-sided":
        return "two-sided"
    return "larger" if change >= 0 else "smaller"


def power_at(plan: Plan, facts: pl.PilotFacts, effect: float, n1: float, n2: float) -> float:
    """Power to detect an improvement `effect` (KPI units) with n1 treated and n2 control people."""
    options = _options(plan, facts)
    if _binary(plan):
        p0 = facts.variance.p_control
        change = pl.direction(plan) * effect
        p1 = min(max(p0 + change, 0.0), 1.0)
        return pw.power_proportions(p1, p0, n1, n2, alternative=_alternative(plan, change), **options)
    return pw.power(effect, n1, n2, sd=facts.variance.sd, baseline_corr=facts.variance.baseline_corr,
                    alternative=_alternative(plan, 1.0), **options)


def needed(plan: Plan, facts: pl.PilotFacts, effect: float, ratio: float) -> pw.SampleSize:
    """People (and clusters) per arm to detect an improvement `effect` with the target power."""
    options = _options(plan, facts)
    target = plan.design.power
    if _binary(plan):
        p0 = facts.variance.p_control
        change = pl.direction(plan) * effect
        p1 = min(max(p0 + change, 0.0), 1.0)
        return pw.sample_size_proportions(p1, p0, power=target, ratio=ratio,
                                          alternative=_alternative(plan, change), **options)
    return pw.sample_size(effect, sd=facts.variance.sd, power=target, ratio=ratio,
                          baseline_corr=facts.variance.baseline_corr, alternative=_alternative(plan, 1.0), **options)


def mde(plan: Plan, facts: pl.PilotFacts, n1: float, n2: float) -> float:
    """The smallest improvement (KPI units, positive) the pilot detects with the target power."""
    options = _options(plan, facts)
    if _binary(plan):
        sign = pl.direction(plan)
        alternative = _alternative(plan, sign)
        found = pw.mde_proportions(facts.variance.p_control, n1, n2, power=plan.design.power,
                                   alternative=alternative, **options)
        return abs(found)
    return pw.mde(n1, n2, sd=facts.variance.sd, power=plan.design.power, baseline_corr=facts.variance.baseline_corr,
                  alternative=_alternative(plan, 1.0), **options)


def break_even_effect(plan: Plan, facts: pl.PilotFacts | None = None) -> float | None:
    """The ROI model's break-even effect (KPI units), or None when the ROI step is not filled in."""
    try:
        return roi.evaluate(roi.inputs(plan, facts)).break_even_effect
    except ValueError:
        return None


def power_curve(plan: Plan, facts: pl.PilotFacts, *, points: int = 40, up_to: float | None = None
                ) -> tuple[list[float], list[float]]:
    """Power against treated people (controls by the planned ratio) for the planned effect, from a few
    people (or clusters) to four times the plan, or past `up_to` people."""
    arms = facts.arms
    step = facts.clusters.mean if facts.clusters else 1.0
    top = max(4 * max(arms.treated_people, 10), 40, 1.2 * (up_to or 0))
    ns = sorted({max(step * round(top * (i + 1) / points / step), step * 3) for i in range(points)})
    return [float(n) for n in ns], [_safe(lambda n=n: power_at(plan, facts, plan.pilot.effect, n, n * arms.ratio))
                                    for n in ns]


def power_by_effect(plan: Plan, facts: pl.PilotFacts, *, points: int = 40, up_to: float | None = None
                    ) -> tuple[list[float], list[float]]:
    """Power of the planned pilot against the true improvement, from 0 to twice the larger of the planned
    effect and `up_to` (e.g. the break-even effect)."""
    arms = facts.arms
    top = 2 * max(abs(plan.pilot.effect), abs(up_to or 0), 1e-9)
    effects = [top * i / points for i in range(points + 1)]
    return effects, [_safe(lambda e=e: power_at(plan, facts, e, arms.treated_people, arms.control_people))
                     for e in effects]


def _safe(compute) -> float:
    try:
        return compute()
    except ValueError:
        return float("nan")


@dataclass(frozen=True)
class PowerSummary:
    """Everything the power section shows: the planned pilot's power and MDE, break-even, what would do."""

    effect: float
    unit: str
    arms: pl.Arms
    needed: pw.SampleSize | None
    needed_error: str
    planned_power: float | None
    planned_mde: float | None
    planned_error: str
    break_even: float | None
    enough: pw.SampleSize | None  # the sample that would detect break-even, when the plan cannot
    enough_error: str
    clusters_available: int | None
    people_available: int | None = None  # eligible people in the roster (None without data)
    target_power: float = 0.8  # the plan's target (step 4)
    simulated: WavePower | SitePower | None = None  # waves' or one site's simulated power (→ planned_power, _mde)

    @property
    def uses_everyone(self) -> bool:
        """Whether the planned arms already hold every eligible cluster (or person): "larger" is not an option."""
        a = self.arms
        if self.clusters_available is not None and a.treated_clusters is not None:
            return a.treated_clusters + (a.control_clusters or 0) >= self.clusters_available
        return self.people_available is not None and a.treated_people + a.control_people >= self.people_available

    @property
    def sees_expected(self) -> bool:
        """Whether the pilot has the target power (or more) for the effect it plans for."""
        return self.planned_power is not None and self.effect > 0 and self.planned_power >= self.target_power

    @property
    def detects_break_even(self) -> bool | None:
        if self.break_even is None or self.planned_mde is None:
            return None
        return self.planned_mde <= self.break_even


def power_summary(plan: Plan, facts: pl.PilotFacts) -> PowerSummary:
    arms = facts.arms
    effect = plan.pilot.effect
    kpi = facts.kpi
    unit = "proportion points" if _binary(plan) else (kpi.unit if kpi and kpi.unit else "KPI units")
    required = planned_power = planned_mde = enough = None
    needed_error = planned_error = enough_error = ""
    try:
        required = needed(plan, facts, effect, arms.ratio)
    except ValueError as exc:
        needed_error = str(exc)
    shortfall = _shortfall(facts)
    if shortfall:
        planned_error = shortfall
    elif arms.treated_people > 0 and arms.control_people > 0:
        try:
            planned_power = power_at(plan, facts, effect, arms.treated_people, arms.control_people)
            planned_mde = mde(plan, facts, arms.treated_people, arms.control_people)
        except ValueError as exc:
            planned_error = str(exc)
    else:
        planned_error = "plan both arms' sizes (treated and control people)"
    simulated = None
    simulate = (_placebo_site if plan.design.design == "site" else
                _simulated_waves if facts.monthly_noise is not None else None)
    if not shortfall and simulate is not None:  # no formula fits: the power of step 5's own analysis, simulated
        planned_power = planned_mde = None
        planned_error = ""
        try:
            simulated = simulate(plan, facts)
        except ValueError as exc:
            planned_error = str(exc)
        else:
            planned_power, planned_mde = simulated.power, simulated.mde
            if planned_mde is None:
                planned_error = (f"even a huge effect is detected less than {plan.design.power:.0%} of the time "
                                 "with these teams or sites: too few to compare")
    break_even = break_even_effect(plan, facts) if not _binary(plan) else None
    if simulated is not None:
        pass  # every eligible team is in the rollout: no larger two-arm sample to suggest
    elif break_even is not None and planned_mde is not None and planned_mde > break_even:
        try:
            enough = needed(plan, facts, break_even, arms.ratio)
        except ValueError as exc:
            enough_error = str(exc)
    available = facts.clusters.count if facts.clusters else None
    people = len(facts.roster.people) if facts.roster is not None else None
    return PowerSummary(effect, unit, arms, required, needed_error, planned_power, planned_mde, planned_error,
                        break_even, enough, enough_error, available, people, plan.design.power, simulated)


def _placebo_site(plan: Plan, facts: pl.PilotFacts):
    """A one-site pilot's power and MDE by placebo simulation over the other sites (core.sites)."""
    from core import sites

    if facts.site_history is None:
        raise ValueError("the one-site pilot's power needs the KPI by month for every site (step 2) and the "
                         "column that names the sites")
    if not plan.design.site or facts.clusters is None or plan.design.site not in facts.clusters.sizes:
        raise ValueError("choose the site to pilot first")
    return sites.placebo_power(facts.site_history, plan.design.site, post=plan.pilot.measurement_months,
                               effect=plan.pilot.effect, alpha=test_alpha(plan), target=plan.design.power)


def _simulated_waves(plan: Plan, facts: pl.PilotFacts):
    """The waitlist's power and MDE by simulating step 5's analysis (core.waves)."""
    from core import waves

    return waves.simulate_power(effect=plan.pilot.effect, noise=facts.monthly_noise,
                                plan_of_months=waves.schedule(plan), alpha=test_alpha(plan),
                                target=plan.design.power)


def _shortfall(facts: pl.PilotFacts) -> str:
    """Why the planned arms cannot be drawn from the eligible roster, or ""."""
    arms, c, roster = facts.arms, facts.clusters, facts.roster
    if arms.source != "plan" or roster is None:
        return ""
    if c is not None and c.from_roster and (arms.treated_clusters or 0) + (arms.control_clusters or 0) > c.count:
        return (f"the plan needs {arms.treated_clusters} + {arms.control_clusters} {c.column} clusters but only "
                f"{c.count} are eligible: plan at most {c.count} in all, or widen who is eligible")
    if c is None and arms.treated_people + arms.control_people > len(roster.people):
        return (f"the plan needs {arms.treated_people + arms.control_people:,} people but only "
                f"{len(roster.people):,} are eligible: plan fewer, or widen who is eligible")
    return ""


def _size(value: float, facts: pl.PilotFacts, unit: str) -> str:
    """An effect in words: "+4.0% on Average deal size ($1,000 per deal)"."""
    pct = facts.effect_pct(value)
    amount = f"${number(value)}{unit[1:]}" if unit.startswith("$") else f"{number(value)} {unit}".strip()
    return f"{pct:+.1f}% ({amount})" if pct is not None else amount


def _arm_words(people: int, clusters: int | None, facts: pl.PilotFacts) -> str:
    if clusters is None or facts.clusters is None:
        return f"{people:,} people per arm"
    noun = facts.clusters.column
    return f"{people:,} people in {clusters:,} {noun} cluster{'s' if clusters != 1 else ''} per arm"


def _splits(plan: Plan, arms: pl.Arms) -> int | None:
    """The ways whole clusters could be split into the arms of a cluster-randomised pilot (None otherwise)."""
    import math

    chosen = designs.spec(plan)
    if chosen is None or chosen.kind != "rct" or not arms.treated_clusters or not arms.control_clusters:
        return None
    return math.comb(arms.treated_clusters + arms.control_clusters, arms.treated_clusters)


def headline(plan: Plan, facts: pl.PilotFacts, s: PowerSummary) -> tuple[str, str]:
    """(tone, sentence): the design step's answer in plain words, before any detail.

    tone is "success" (the pilot can see break-even), "info" (it sees the expected effect with the target power but
    not the smaller break-even, or there is not enough to say) or "warning" (it cannot see what it expects).
    """
    arms = s.arms
    kpi = facts.kpi.name if facts.kpi else "the KPI"
    if facts.roster is not None and facts.roster.people.empty:  # no power for a pilot nobody can join
        return "warning", ("Nobody is eligible yet, so there is no pilot to size: see “Who is eligible” below (the "
                           "start date, the KPI's months and the eligibility filter decide it).")
    splits = _splits(plan, arms)
    if splits is not None and splits < effects.MIN_SPLITS:
        column = facts.clusters.column if facts.clusters is not None else "cluster"
        return "warning", (f"With {arms.treated_clusters} + {arms.control_clusters} {column}s there are only {splits} "
                           f"ways to split them into the arms, so step 5 can show no 95% interval, whatever the "
                           f"effect: plan 3 or more {column}s per arm.")
    if s.planned_mde is None:
        why = s.planned_error or s.needed_error
        if _shortfall(facts):
            return "warning", f"This pilot cannot be drawn: {why}."
        return "info", f"Plan the arms and the effect to see what this pilot can detect ({why})."
    unequal = arms.treated_people != arms.control_people
    size = (_arm_words(arms.treated_people, arms.treated_clusters, facts) if not unequal else
            f"{arms.treated_people:,} treated and {arms.control_people:,} control people")
    if s.simulated is not None and plan.design.design == "site":
        column = facts.clusters.column if facts.clusters is not None else "site"
        size = (f"{column} {plan.design.site} ({arms.treated_people:,} people) against a synthetic twin of "
                f"{arms.control_clusters or 0:,} other {column}s")
    elif s.simulated is not None:
        teams = (f"{len(facts.monthly_noise.sd):,} {facts.clusters.column} clusters ("
                 f"{arms.treated_people + arms.control_people:,} people)" if facts.clusters is not None
                 else f"{len(facts.monthly_noise.sd):,} people")
        size = f"all {teams} rolled out in {plan.pilot.waves} waves"
    text = (f"With {size} you can detect {_size(s.planned_mde, facts, s.unit)} on {kpi} "
            f"({plan.design.power:.0%} power).")
    if s.break_even is None:
        return "info", text + " Fill in the ROI step to compare this with the effect that pays for the program."
    scope = (f" (rolled out to {plan.roi.rollout_participants:,} people, step 6)" if plan.roi.scope == "rollout"
             else "")
    pays = f" The program{scope} pays for itself at {_size(s.break_even, facts, s.unit)}"
    if s.detects_break_even:
        return "success", text + pays + ": the pilot can see it."
    more = ""
    if s.enough is not None:
        if s.enough.clusters_treatment is not None and facts.clusters is not None:
            more = (f" To see it you need {s.enough.clusters_treatment:,} {facts.clusters.column} clusters per arm "
                    f"(about {s.enough.n_treatment:,} people)")
            if s.clusters_available is not None and s.enough.clusters_treatment + (
                    s.enough.clusters_control or 0) > s.clusters_available:
                more += f", but only {s.clusters_available:,} are eligible in all"
            more += "."
        else:
            more = f" To see it you need {s.enough.n_treatment:,} treated and {s.enough.n_control:,} control people"
            eligible = len(facts.roster.people) if facts.roster is not None else None
            if eligible is not None and s.enough.n_treatment + s.enough.n_control > eligible:
                more += f", but only {eligible:,} are eligible in all"
            more += "."
    elif s.enough_error:
        more = f" No practical pilot can see it ({s.enough_error})."
    if s.sees_expected:  # the pilot sees the effect it expects; only a smaller, still paying one could be missed
        return "info", (text + f" That covers the expected {_size(s.effect, facts, s.unit)} "
                        f"({s.planned_power:.0%} power)." + pays + ", below what it can detect: if the true effect is "
                        "that small, the pilot will likely call it not significant, so read its interval against "
                        "break-even rather than against zero." + more)
    return "warning", text + pays + ": too small to see." + more


# -- timeline and pre-registration ---------------------------------------------------------------------------------
def timeline(facts: pl.PilotFacts, plan: Plan) -> list[tuple[str, date, date]]:
    """(phase, start, end) for the baseline window, the intervention and the measurement window."""
    w = facts.windows
    if w is None:
        return []
    p = plan.pilot
    return [
        (f"Baseline ({pl.months_label(w.baseline)})", *w.baseline),
        (f"Intervention ({p.intervention_days} days)", *w.intervention),
        (f"Measurement ({pl.months_label(w.measurement)})", *w.measurement),
    ]


def registered_fields(plan: Plan, facts: pl.PilotFacts) -> dict[str, str]:
    """What a pre-registration locks, as text so later changes can be listed."""
    d, p = plan.design, plan.pilot
    hypothesis = plan.hypotheses[0] if plan.hypotheses else None
    kpi = facts.kpi
    arms = facts.arms
    w = facts.windows
    chosen = choice(plan)
    return {
        "Primary KPI": f"{kpi.name} ({kpi.column or 'manual'}; {kpi.better} is better)" if kpi else "",
        "Outcome": (f"each person's {p.outcome} of {kpi.column or kpi.name} over {pl.months_label(w.measurement)}"
                    if kpi and w else ""),
        "Hypothesis": (f"{hypothesis.kpi} {hypothesis.direction} by {hypothesis.assumed_size} {hypothesis.unit} "
                       f"by {hypothesis.by_when}") if hypothesis else "",
        "Design": DESIGNS[chosen].title if chosen else "",
        "Unit of randomisation": p.cluster_column or "person",
        "Eligible people": "; ".join(f"{k} in {', '.join(v)}" for k, v in sorted(p.eligible.items())) or "everyone",
        "Effect to detect": f"{p.effect:g}",
        "Alpha": f"{d.alpha:g}",
        "Power": f"{d.power:g}",
        "Looks at the data": looks_words(d.looks),
        "Secondary KPIs (Holm-adjusted)": ", ".join(k.name for k in plan.kpis
                                                    if not k.primary and k.registered_as == "secondary") or "none",
        "Guardrails (must not get worse)": ", ".join(k.name for k in plan.kpis
                                                     if not k.primary and k.registered_as == "guardrail") or "none",
        "Segments (Holm-adjusted)": ", ".join(d.segments) or "none",
        "People per arm (treatment / control)": f"{arms.treated_people} / {arms.control_people}",
        "Assignment seed": str(d.seed) if d.seed else "",
        "Analysis method": d.analysis_method or (DESIGNS[chosen].analysis if chosen else ""),
        "Start date": p.start,
        "Baseline window": pl.months_label(w.baseline) if w else "",
        "Measurement window": pl.months_label(w.measurement) if w else "",
    }


def registered_looks(plan: Plan) -> int:
    """The looks the analysis follows: those the pre-registration locked (a later change in step 4 is a deviation
    and does not move the boundaries), or step 4's number before the lock."""
    registration = plan.design.preregistration
    text = registration.registered.get("Looks at the data", "") if registration is not None else ""
    first = text.split(" ", 1)[0]
    return int(first) if first.isdigit() and 1 <= int(first) <= 6 else plan.design.looks


def looks_words(looks: int) -> str:
    """The registered looks in words: how many, and how the error rate is kept across them."""
    if looks <= 1:
        return "1 (the final analysis only)"
    return (f"{looks} ({looks - 1} interim, equally spaced in the measurement months, and the final analysis; "
            "O'Brien–Fleming boundaries by Lan–DeMets alpha spending)")


def deviations(plan: Plan, facts: pl.PilotFacts) -> list[tuple[str, str, str]]:
    """(field, registered, now) for every registered field that changed after the lock."""
    registration = plan.design.preregistration
    if registration is None:
        return []
    now = registered_fields(plan, facts)
    return [(k, v, now.get(k, "")) for k, v in registration.registered.items() if now.get(k, "") != v]


# -- the assignment list -------------------------------------------------------------------------------------
def covariate_choices(roster: pl.Roster | None, roles: dict[str, str]) -> list[str]:
    """Columns a balance table or matching may use: measures and groupings, never names or sensitive
    attributes (gender, ethnicity, salary: core/privacy.py)."""
    if roster is None:
        return []
    return [c for c in roster.people.columns if roles.get(c) in ("measure", "category", "team", "site")]


def balance_choices(facts: pl.PilotFacts, roles: dict[str, str], *, baseline: bool = True) -> list[str]:
    """What the arms can be compared on: the primary KPI's baseline first (unless there is none: new hires), then
    the roster's covariates."""
    base = [baseline_name(facts)] if facts.column and baseline else []
    return base + [c for c in covariate_choices(facts.roster, roles) if c not in (facts.column, facts.clusters
                                                                                   and facts.clusters.column)]


def sensitive_choices(roster: pl.Roster | None, roles: dict[str, str]) -> list[str]:
    """Sensitive attributes (gender, ethnicity, salary) the arms may be compared on after an explicit opt-in:
    only as balance aggregates, where category levels under 5 people are hidden (core/assignment.balance);
    never as strata, which would write the value into the assignment list person by person."""
    if roster is None:
        return []
    return [c for c in roster.people.columns if roles.get(c) == "sensitive"]


def cluster_choices(roster: pl.Roster | None, roles: dict[str, str]) -> list[str]:
    """Columns people can be randomised by as whole groups (team, site)."""
    if roster is None:
        return []
    return [c for c in roster.people.columns if roles.get(c) in ("team", "site")]


def new_seed() -> int:
    """A fresh seed for a first assignment list (recorded in the plan, so the list can be drawn again)."""
    import secrets

    return secrets.randbelow(999_999) + 1


def generate_list(plan: Plan, facts: pl.PilotFacts, *, everyone: bool = False) -> list:
    """The assignment list for the plan: the planned arms drawn from the eligible roster by the recorded seed,
    or (`everyone`) every eligible person split in the planned ratio. Raises ValueError saying why not."""
    from core import assignment
    from core.plan import Assigned

    if pl.start_date(plan.pilot) is None:
        raise ValueError("set the pilot's start date first: eligibility and the baseline depend on it")
    if facts.roster is None:
        raise ValueError("load the employees (HRIS) in step 2 first: the list is drawn from them")
    if facts.roster.people.empty:
        raise ValueError("nobody is eligible: widen the eligibility filter")
    if not plan.design.seed:
        raise ValueError("the seed is not set")
    frame = facts.roster.people.reset_index()
    cluster = plan.pilot.cluster_column or None
    if plan.design.design == "waves":
        return _wave_list(plan, frame, cluster)
    if plan.design.design == "site":
        return _site_list(plan, frame, cluster)
    strata = [] if cluster else [s for s in plan.design.strata if s in frame.columns]
    arms = facts.arms if facts.arms.source == "plan" else pl.arms(_without_list(plan), facts.clusters)
    if everyone:
        total = arms.treated_people + arms.control_people
        sizes: dict = {"treat_share": arms.treated_people / total if total else 0.5}
    elif cluster:
        sizes = {"n_treatment": arms.treated_clusters, "n_control": arms.control_clusters}
    else:
        sizes = {"n_treatment": arms.treated_people, "n_control": arms.control_people}
    if not everyone and not (sizes["n_treatment"] and sizes["n_control"]):
        raise ValueError("plan both arms' sizes first")
    method = "cluster" if cluster else ("stratified" if strata else "simple")
    table = assignment.assign(frame, id_col="employee_id", seed=plan.design.seed, method=method, strata=strata,
                              cluster=cluster, **sizes)
    return [Assigned(str(r.id), str(r.arm), str(r.group)) for r in table.itertuples()]


def _wave_list(plan: Plan, frame, cluster: str | None) -> list:
    """Everyone eligible, their whole cluster randomly ordered into the plan's waves; wave 1 is treated first
    (the treatment arm while it is measured), the later waves wait (its controls)."""
    from core import waves
    from core.plan import Assigned

    if not cluster:
        raise ValueError("a waitlist pilot rolls out whole teams: choose the team (or site) column")
    groups = pl.group_labels(frame[cluster])
    order = waves.order_into_waves(sorted(groups.unique()), waves=plan.pilot.waves, seed=plan.design.seed)
    rows = [Assigned(str(i), pl.TREATMENT if order[g] == 1 else pl.CONTROL, str(g), order[g])
            for i, g in zip(frame["employee_id"], groups, strict=True)]
    return sorted(rows, key=lambda a: a.id)


def _site_list(plan: Plan, frame, cluster: str | None) -> list:
    """Everyone eligible: the piloted site's people treated, every other site's people its comparison."""
    from core.plan import Assigned

    if not cluster:
        raise ValueError("a one-site pilot compares sites: choose the column that names the sites")
    groups = pl.group_labels(frame[cluster])
    if plan.design.site == pl.BLANK_GROUP or plan.design.site not in set(groups):
        raise ValueError(f"choose the piloted site first (a {cluster} with eligible people)")
    rows = [Assigned(str(i), pl.TREATMENT if g == plan.design.site else pl.CONTROL, str(g))
            for i, g in zip(frame["employee_id"], groups, strict=True) if g != pl.BLANK_GROUP]
    return sorted(rows, key=lambda a: a.id)


def _without_list(plan: Plan) -> Plan:
    import dataclasses

    return dataclasses.replace(plan, design=dataclasses.replace(plan.design, assignment=[]))


def apply_list(plan: Plan, rows: list, facts: pl.PilotFacts | None = None) -> str:
    """Keep the list in the plan; the plan's arm sizes become the list's. Returns what changed, in words, against
    the arms step 4 showed before the draw (`facts`: in whole clusters, or everyone eligible for waves and one
    site), else against the typed arm sizes."""
    treated = sum(r.arm == pl.TREATMENT for r in rows)
    control = sum(r.arm == pl.CONTROL for r in rows)
    shown = pl.arms(_without_list(plan), facts.clusters, facts.roster) if facts is not None else None
    before = ((shown.treated_people, shown.control_people) if shown is not None
              else (plan.pilot.treated_people, plan.pilot.control_people))
    plan.design.assignment = rows
    plan.pilot.treated_people, plan.pilot.control_people = treated, control
    text = f"Assignment list drawn: {treated:,} treated and {control:,} control people (seed {plan.design.seed})."
    if before != (treated, control):
        about = "about " if shown is not None and shown.treated_clusters is not None else ""
        text += (f" The plan's arms were {about}{before[0]:,} + {before[1]:,} people; they are now the list's "
                 f"{treated:,} + {control:,}.")
    return text


def baseline_name(facts: pl.PilotFacts) -> str:
    """The balance table's name for the primary KPI's baseline (the covariate that matters most)."""
    return f"{facts.column} (baseline)" if facts.column else ""


def default_balance(choices: list[str], facts: pl.PilotFacts) -> list[str]:
    """The baseline KPI and a few groupings and pre-pilot measures; LMS activity during the pilot and a score
    named as taken after it (post_score) are consequences of training, not baselines, so they are not balanced by
    default."""
    import re

    first = [baseline_name(facts)] if baseline_name(facts) in choices else []
    after = re.compile(r"(^|[^a-z])(post|after|final)([^a-z]|$)", re.IGNORECASE)  # measured after the program
    return first + [c for c in choices if c not in first and not c.startswith("lms_") and not after.search(c)][:3]


def balance_table(plan: Plan, facts: pl.PilotFacts, panel, covariates: list[str]):
    """Standardised mean differences between the arms of the assignment list (core/assignment.py), with the
    primary KPI's baseline among the covariates when asked."""
    import pandas as pd

    from core import assignment

    people = facts.roster.people.copy()
    name = baseline_name(facts)
    if name in covariates:
        people[name] = pl.baseline_values(plan, panel, facts.column).reindex(people.index)
    listed = pd.DataFrame([vars(a) for a in plan.design.assignment])
    merged = people.reset_index().merge(listed, left_on="employee_id", right_on="id", how="inner")
    return assignment.balance(merged, arm_col="arm", covariates=covariates)


def match_list(plan: Plan, roster: pl.Roster, *, by: str, values: list[str], covariates: list[str],
               caliper: float = 0.2, replace: bool = False):
    """Trained people (whose `by` is one of `values`) and their nearest-neighbour controls from the roster:
    (assignment rows, the matching, the balance table)."""
    from core import assignment
    from core.plan import Assigned

    frame = roster.people.reset_index()
    treated = frame[by].astype("string").fillna("").isin(values)
    table, result, balance = assignment.matched_controls(frame, id_col="employee_id", treated=treated,
                                                         covariates=covariates, caliper_sd=caliper,
                                                         replace=replace, seed=plan.design.seed or 1)
    return [Assigned(str(r.id), str(r.arm), str(r.group)) for r in table.itertuples()], result, balance


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _wave_starts(plan: Plan) -> list:
    from core import waves

    return waves.wave_starts(plan)


def assignment_csv(plan: Plan, key: str = "") -> bytes:
    """The assignment list as CSV for managers; a cell that a spreadsheet would run as a formula (starting
    with = + - @ tab or CR) is written with a leading apostrophe, as text (OWASP CSV injection). With the
    installation's pseudonym `key`, a pseudonym column maps the app's pseudonyms (success cases) back to people."""
    import csv
    import io

    from core.privacy import pseudonym

    out = io.StringIO()
    writer = csv.writer(out)
    starts = {w: day.isoformat() for w, day in enumerate(_wave_starts(plan), start=1)}
    waves = any(a.wave for a in plan.design.assignment)
    header = ["id", "arm", "group"] + (["wave", "wave starts"] if waves else []) + (["pseudonym"] if key else [])
    writer.writerow(header)
    for a in plan.design.assignment:
        cells = [a.id, a.arm, a.group] + ([str(a.wave), starts.get(a.wave, "")] if waves else []) \
            + ([pseudonym(a.id, key)] if key else [])
        writer.writerow(["'" + v if v.startswith(FORMULA_PREFIXES) else v for v in cells])
    return out.getvalue().encode("utf-8")

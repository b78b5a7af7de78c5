"""Step 5's logic: who was in which arm, the pilot's health, the data each method needs, the estimate.

Everything reads the one pilot definition (core/pilot.py): the outcome is each person's mean (or sum) of the
primary KPI over the measurement window, the baseline the same over the baseline window.

Pilot health (before any outcome):
* sample-ratio check: the people measured in each arm against the split the assignment list planned,
  Pearson's χ² goodness of fit with 1 df (scipy.stats.chisquare); flagged at p < 0.001 (Kohavi et al.,
  *Trustworthy Online Controlled Experiments*, 2020: a sample-ratio mismatch means the arms are not what was
  randomised);
* attrition by arm: the share of listed people with no outcome in the measurement window;
* balance of who actually took part: standardised mean differences on the baseline (core/assignment.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from core import designs
from core import pilot as pl
from core.as_run import AsRun, as_run, as_run_words, departures, took_part_ids  # noqa: F401 (step 5's names)
from core.plan import Observed, Plan
from core.words import count, interval

if TYPE_CHECKING:
    import pandas as pd

    from core.effects import Estimate
    from core.panel import Panel

SRM_ALPHA = 0.001
METHODS = {key: m.label for key, m in designs.METHODS.items()}  # the registry's (core/designs.py)


def methods_for(plan: Plan, facts: pl.PilotFacts, panel: Panel) -> dict[str, str]:
    """The methods that fit this plan and its data (key → label), the registered one first: the others need a
    monthly KPI, a baseline, or waves in the list, and are not offered without them."""
    monthly = bool(facts.column) and pl.is_monthly(panel, facts.column)
    baseline = plan.pilot.population != "joiners"  # new hires have no KPI before the pilot
    fits = {
        "ancova": True,
        "did": monthly and baseline,
        "matched": baseline,
        "its": monthly and baseline,
        "waves": monthly and plan.design.design == "waves" and any(a.wave for a in plan.design.assignment),
        "synthetic_did": monthly and baseline and bool(plan.pilot.cluster_column),
        "synthetic_control": monthly and baseline and bool(plan.pilot.cluster_column),
    }
    registered = registered_method(plan)
    chosen = designs.spec(plan)
    sensible = chosen.methods if chosen else tuple(METHODS)  # a randomised pilot is not re-analysed as if it
    labels = dict(METHODS)                                    # were not (matching, treated-only ITS)
    if not baseline:
        labels["ancova"] = "Difference in means (new hires have no baseline)"
    order = [registered] + [k for k in sensible if k != registered]
    return {k: labels[k] for k in order if fits.get(k) or k == registered}


def counted_as(plan: Plan, method: str) -> str:
    """What an estimate's n counts, for the sentence under it."""
    counts = designs.METHODS[method].counts if method in designs.METHODS else "people"
    if counts == "units":
        return "teams" if plan.pilot.cluster_column else "people"
    return counts


def registered_method(plan: Plan) -> str:
    """The analysis the design registers (core/designs.py): ANCOVA until a design is chosen."""
    chosen = designs.spec(plan)
    return chosen.methods[0] if chosen else "ancova"


def arms(plan: Plan, panel: Panel) -> dict[str, str]:
    """employee id → arm, as the registered analysis compares them: the assignment list as drawn (intent to
    treat), whoever actually took part. Without a list, the people step 5 says took part are the treated and
    everyone else eligible is a control (a non-randomised pilot's groups)."""
    if plan.design.assignment:
        return {a.id: a.arm for a in plan.design.assignment}
    took_part = took_part_ids(plan, panel)
    roster = pl.eligible(plan, panel)
    if took_part is None or roster is None:
        return {}
    return {str(i): pl.TREATMENT if str(i) in took_part else pl.CONTROL for i in roster.people.index}


def arms_statement(plan: Plan, ran: AsRun | None = None) -> str:
    """Which arms the estimate and the ROI use, in words every export repeats (`ran`: planned beside as-run,
    core.pilot.PilotFacts.ran, so a difference is said in numbers)."""
    if not plan.design.assignment:
        if plan.results.participation:
            column, values = next(iter(plan.results.participation.items()))
            return (f"No assignment list: the treated group is who took part as step 5 records it ({column} is one "
                    f"of {', '.join(values)}); the ROI counts the planned treated people.")
        return "Planned arms (step 4); no assignment list has been drawn yet."
    counts = (f"the ROI counts a roll-out forecast of {plan.roi.rollout_participants:,} people (step 6)"
              if plan.roi.scope == "rollout" else "the ROI counts its treated arm")
    said = ("Planned arms: the assignment list drawn in step 4. The estimate compares them as drawn (intent to "
            f"treat) and {counts}.")
    if plan.results.participation:
        column, values = next(iter(plan.results.participation.items()))
        said += (f" Step 5 records who actually took part ({column} is one of {', '.join(values)}); step 4's plan "
                 "is unchanged by it.")
        if ran is not None and departures(ran):
            said += f" As run: {departures(ran)}."
    return said


def person_frame(plan: Plan, facts: pl.PilotFacts, panel: Panel, who: dict[str, str]) -> pd.DataFrame:
    """One row per person in an arm: treated (0/1), outcome (measurement window), baseline, cluster."""
    import pandas as pd

    from core.estimates import person_outcome, without_flagged

    if facts.windows is None:
        raise ValueError("set the pilot's start date in step 4 first")
    if not facts.column:
        raise ValueError("the primary KPI needs a data column (step 3)")
    frame = pd.DataFrame({"employee_id": list(who), "arm": list(who.values())}).set_index("employee_id")
    if not plan.design.assignment and facts.roster is not None:  # a list is drawn from the roster already
        frame = frame[frame.index.isin(facts.roster.people.index)]
    frame["treated"] = (frame["arm"] == pl.TREATMENT).astype(int)
    if pl.is_monthly(panel, facts.column):
        periods, _ = without_flagged(panel.periods[["employee_id", "period", facts.column]], facts.column)
        frame["outcome"] = person_outcome(periods, facts.column, facts.windows.measurement,
                                          how=plan.pilot.outcome).reindex(frame.index)
    else:
        frame["outcome"] = pd.to_numeric(panel.people[facts.column], errors="coerce").reindex(frame.index)
    # a per-person value (an LMS total, one assessment) has no value before the pilot: its "baseline" would be the
    # outcome itself, and adjusting for it would estimate nothing with a perfect fit
    frame["baseline"] = (pl.baseline_values(plan, panel, facts.column).reindex(frame.index)
                         if pl.is_monthly(panel, facts.column) else float("nan"))
    column = plan.pilot.cluster_column
    if column and column in panel.people.columns and column not in frame.columns:
        frame[column] = panel.people[column].astype("string").reindex(frame.index)
    return frame.reset_index()


def monthly_frame(plan: Plan, facts: pl.PilotFacts, panel: Panel, who: dict[str, str]) -> pd.DataFrame:
    """One row per person and month of the baseline and measurement windows: y, treated, post."""
    import pandas as pd

    from core.estimates import without_flagged

    if facts.windows is None or not facts.column or not pl.is_monthly(panel, facts.column):
        raise ValueError("difference-in-differences needs a monthly KPI and the pilot's start date")
    w = facts.windows
    periods, _ = without_flagged(panel.periods[["employee_id", "period", facts.column]], facts.column)
    first, last = pd.Timestamp(w.baseline[0]), pd.Timestamp(w.measurement[1])
    inside = periods[(periods["period"] >= first) & (periods["period"] < last)]
    inside = inside[inside["employee_id"].isin(list(who))].dropna(subset=[facts.column])
    baseline_end, measured = pd.Timestamp(w.baseline[1]), pd.Timestamp(w.measurement[0])
    inside = inside[(inside["period"] < baseline_end) | (inside["period"] >= measured)]
    out = pd.DataFrame({
        "employee_id": inside["employee_id"].to_numpy(),
        "period": inside["period"].to_numpy(),
        "y": inside[facts.column].to_numpy(dtype=float),
        "treated": [int(who[i] == pl.TREATMENT) for i in inside["employee_id"]],
        "post": (inside["period"] >= measured).astype(int).to_numpy(),
    })
    column = plan.pilot.cluster_column
    if column and column in panel.people.columns and column not in out.columns:
        out[column] = panel.people[column].astype("string").reindex(out["employee_id"]).to_numpy()
    return out


@dataclass(frozen=True)
class Health:
    listed: dict[str, int]  # people per arm in the list
    measured: dict[str, int]  # people per arm with an outcome
    srm_p: float | None  # sample-ratio check, None when it cannot run
    attrition: dict[str, float]  # share of listed people without an outcome, per arm
    balance: pd.DataFrame | None  # SMD on the baseline of who took part

    @property
    def srm_flag(self) -> bool:
        return self.srm_p is not None and self.srm_p < SRM_ALPHA


def sample_ratio_p(measured: pd.Series, listed: pd.Series) -> float | None:
    """The sample-ratio check: Pearson's χ² of the people measured per arm against the split the list planned
    (scipy.stats.chisquare, 1 df); None when an arm is empty or nobody is measured."""
    from scipy import stats

    if listed.min() <= 0 or measured.sum() <= 0:
        return None
    expected = measured.sum() * listed / listed.sum()
    return float(stats.chisquare(measured.to_numpy(), expected.to_numpy()).pvalue)


def health(frame: pd.DataFrame) -> Health:
    """Sample-ratio check, attrition and baseline balance of the people in `frame` (person_frame)."""
    from core import assignment

    listed = frame["arm"].value_counts().reindex([pl.TREATMENT, pl.CONTROL], fill_value=0)
    has = frame[frame["outcome"].notna()]
    measured = has["arm"].value_counts().reindex([pl.TREATMENT, pl.CONTROL], fill_value=0)
    srm = sample_ratio_p(measured, listed)
    attrition = {arm: 1 - measured[arm] / listed[arm] if listed[arm] else 0.0 for arm in listed.index}
    balance = None
    if measured.min() >= 2 and has["baseline"].notna().sum() >= 4:
        balance = assignment.balance(has.rename(columns={"baseline": "baseline KPI"}), arm_col="arm",
                                     covariates=["baseline KPI"])
    return Health({k: int(v) for k, v in listed.items()}, {k: int(v) for k, v in measured.items()}, srm,
                  attrition, balance)


def estimate(plan: Plan, facts: pl.PilotFacts, panel: Panel, method: str) -> Estimate:
    """The pilot's effect on the primary KPI (treated minus control, KPI units) by `method` (METHODS)."""
    from core import effects

    who = arms(plan, panel)
    if not who:
        raise ValueError("no one is in an arm yet: draw the assignment list in step 4, or say who took part")
    cluster = plan.pilot.cluster_column or None
    if method == "ancova":
        frame = person_frame(plan, facts, panel, who).dropna(subset=["outcome"])
        covariates = ("baseline",) if frame["baseline"].notna().all() and frame["baseline"].std() > 0 else ()
        found = effects.difference_in_means(frame, outcome="outcome", treated="treated", covariates=covariates,
                                            cluster=cluster if cluster in frame else None)
        if not covariates and plan.pilot.population != "joiners":
            missing = int(frame["baseline"].isna().sum())
            why = (f"{count(missing, 'person has', 'people have')} no {facts.column} in the baseline window" if missing
                   else f"{facts.column} did not vary in the baseline window")
            found.diagnostics["warnings"].append(f"Not adjusted for the baseline: {why}, so the interval is wider "
                                                 "than the registered ANCOVA's would be.")
        return found
    if method == "did":
        frame = monthly_frame(plan, facts, panel, who)
        return effects.diff_in_diff(frame, outcome="y", treated="treated", post="post", unit="employee_id",
                                    period="period", cluster=cluster if cluster in frame else "employee_id")
    if method == "matched":
        frame = person_frame(plan, facts, panel, who).dropna(subset=["outcome", "baseline"])
        return effects.matched_effect(frame, outcome="outcome", treated="treated", covariates=["baseline"])
    if method == "waves":
        return _waves(plan, facts, panel)
    if method in ("synthetic_did", "synthetic_control"):
        return _one_site(plan, facts, panel, who, method)
    if method == "its":
        frame = monthly_frame(plan, facts, panel, who)
        treated = frame[frame["treated"] == 1].groupby("period", as_index=False)["y"].mean()
        return effects.interrupted_time_series(treated, outcome="y", period="period",
                                               start=facts.windows.measurement[0])
    raise ValueError(f"unknown method {method!r}")


def complier_estimate(plan: Plan, facts: pl.PilotFacts, panel: Panel) -> Estimate | None:
    """When step 5's record of who took part departs from the list: the effect on those who took part (core/iv.py,
    assignment as the instrument), beside the registered intent-to-treat estimate. None when they agree."""
    from core import iv

    if facts.ran is None or facts.ran.took_part is None or not facts.ran.differs:
        return None
    took_part = took_part_ids(plan, panel) or set()
    frame = person_frame(plan, facts, panel, arms(plan, panel)).dropna(subset=["outcome"])
    frame = frame.assign(took_part=frame["employee_id"].astype(str).isin(took_part).astype(int))
    covariates = ["baseline"] if frame["baseline"].notna().all() and frame["baseline"].std() > 0 else []
    cluster = plan.pilot.cluster_column
    return iv.complier_effect(frame, outcome="outcome", assigned="treated", took_part="took_part",
                              covariates=covariates, cluster=cluster if cluster in frame else None)


def observed(plan: Plan, found: Estimate, method: str) -> Observed:
    """The estimate as the plan keeps it for the ROI step, the registry and the exports."""
    return Observed(found.effect, found.se, found.ci_low, found.ci_high, found.p_value, found.n, found.method,
                    method == registered_method(plan), datetime.now(UTC).isoformat(timespec="seconds"),
                    pl.analysis_key(plan))


def group_means(plan: Plan, facts: pl.PilotFacts, panel: Panel, who: dict[str, str]) -> pd.DataFrame:
    """Mean of the KPI per month and arm, from the first baseline month to the end of measurement (chart)."""
    import pandas as pd

    from core.estimates import without_flagged

    w = facts.windows
    periods, _ = without_flagged(panel.periods[["employee_id", "period", facts.column]], facts.column)
    inside = periods[(periods["period"] >= pd.Timestamp(w.baseline[0]))
                     & (periods["period"] < pd.Timestamp(w.measurement[1]))]
    inside = inside[inside["employee_id"].isin(list(who))].assign(
        arm=lambda f: f["employee_id"].map(who))
    return inside.groupby(["period", "arm"], as_index=False)[facts.column].mean().rename(
        columns={facts.column: "mean"})


def improvement(plan: Plan, change: float) -> float:
    """A KPI change as an improvement (positive = better, whichever direction is better)."""
    return pl.direction(plan) * change


def has_interval(found: Estimate) -> bool:
    """Whether the estimate has a 95% interval (with too few teams to split it has none: core.effects)."""
    return math.isfinite(found.ci_low) and math.isfinite(found.ci_high)


def improvement_interval(plan: Plan, low: float, high: float) -> tuple[float, float]:
    """A KPI change's interval as an improvement, low end first (a fall of 2 to 5 weeks is 2 to 5 weeks saved)."""
    return tuple(sorted((improvement(plan, low), improvement(plan, high))))


INTERVIEW_GUIDE = [
    "What did you do differently after the program? Walk me through one recent example.",
    "What in the program helped you most to do that? What got in the way?",
    "What result did it lead to (a deal, a customer, time saved)? How do you know?",
    "Who or what else helped (your manager, a tool, a colleague)? Would it have happened without the program?",
    "What would you change so that more colleagues get the same result?",
]


def success_cases(frame: pd.DataFrame, key: str, *, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The treated people whose outcome beat (top) and fell short of (bottom) what their baseline predicts,
    for follow-up interviews (Brinkerhoff's Success Case Method), as keyed pseudonyms — never real ids.

    Expected outcome: OLS of outcome on baseline among the controls (statsmodels), applied to the treated;
    the gap between observed and expected ranks them. With fewer than 2n treated, no list (too few to
    choose from without pointing at individuals)."""
    import statsmodels.api as sm

    from core.privacy import pseudonym

    have = frame.dropna(subset=["outcome", "baseline"])
    control, treated = have[have["treated"] == 0], have[have["treated"] == 1]
    if len(treated) < 2 * n or len(control) < 3:
        return frame.iloc[:0], frame.iloc[:0]
    fit = sm.OLS(control["outcome"].to_numpy(float), sm.add_constant(control["baseline"].to_numpy(float))).fit()
    expected = fit.predict(sm.add_constant(treated["baseline"].to_numpy(float), has_constant="add"))
    ranked = treated.assign(beyond=treated["outcome"].to_numpy(float) - expected).sort_values("beyond")
    shown = ranked.assign(person=[pseudonym(str(i), key) for i in ranked["employee_id"]])[["person", "beyond"]]
    return shown.tail(n).iloc[::-1].reset_index(drop=True), shown.head(n).reset_index(drop=True)


def _waves(plan: Plan, facts: pl.PilotFacts, panel: Panel) -> Estimate:
    """Staggered DiD on the monthly KPI: each person's cohort is the first month of their wave; the months run
    from the baseline window to the last measured one, and a wave starting after them counts as never treated."""
    import pandas as pd

    from core import effects, waves
    from core.estimates import without_flagged

    listed = {a.id: a.wave for a in plan.design.assignment if a.wave}
    if not listed:
        raise ValueError("the waitlist's waves are in the assignment list: draw it in step 4 first")
    starts = waves.wave_starts(plan)
    periods, _ = without_flagged(panel.monthly[["employee_id", "period", facts.column]], facts.column)
    inside = periods[periods["employee_id"].isin(list(listed))
                     & (periods["period"] >= pd.Timestamp(facts.windows.baseline[0]))].dropna(subset=[facts.column])
    last = inside["period"].max()
    first_month = {w: pd.Timestamp(pl.add_months(day, 0 if day.day == 1 else 1)) for w, day in enumerate(starts, 1)}
    cohort = inside["employee_id"].map(lambda i: first_month[listed[i]])
    inside = inside.assign(cohort=[c if c <= last else pd.NaT for c in cohort])
    cluster = plan.pilot.cluster_column
    if cluster and cluster in panel.people.columns:
        # whole teams were ordered into waves: analyse team-by-month means, so the uncertainty is by team
        inside = inside.assign(**{cluster: panel.people[cluster].astype("string").reindex(
            inside["employee_id"]).to_numpy()})
        inside = inside.groupby([cluster, "period"], as_index=False).agg(
            **{facts.column: (facts.column, "mean"), "cohort": ("cohort", "first")})
        return effects.staggered_did(inside, outcome=facts.column, unit=cluster, period="period", cohort="cohort",
                                     control="notyet")
    return effects.staggered_did(inside, outcome=facts.column, unit="employee_id", period="period", cohort="cohort",
                                 control="notyet")


def _one_site(plan: Plan, facts: pl.PilotFacts, panel: Panel, who: dict[str, str], method: str) -> Estimate:
    """The piloted site against its synthetic twin on site-by-month means: every month of history before the
    start (the twin is fitted on them), then the measurement window; the months in between are left out."""
    import pandas as pd

    from core import effects, sites

    site = plan.pilot.cluster_column
    if not site or site not in panel.people.columns:
        raise ValueError("the column that names the sites is not in the data: choose it in step 4")
    piloted = {g for g in panel.people[site].astype("string").reindex(
        [i for i, arm in who.items() if arm == pl.TREATMENT]).dropna()}
    if len(piloted) != 1:
        raise ValueError(f"the treated people are in {len(piloted)} {site}s: a one-site pilot treats one {site}")
    roster = pl.Roster(panel.people.loc[panel.people.index.isin(list(who))], 0, 0, 0)
    table = sites.site_months(plan, panel, roster, facts.column, until=facts.windows.measurement[1])
    start, measured = pd.Timestamp(facts.windows.start.replace(day=1)), pd.Timestamp(facts.windows.measurement[0])
    table = table.loc[:, (table.columns < start) | (table.columns >= measured)]
    long = table.stack().rename("y").reset_index().rename(columns={"site": site})
    long["piloted"] = ((long[site] == next(iter(piloted))) & (long["period"] >= measured)).astype(int)
    return effects.synthetic_control(long, outcome="y", unit=site, period="period", treated="piloted", method=method)


def observed_for(plan: Plan, facts: pl.PilotFacts, hypothesis_index: int, found: Estimate | None = None) -> str:
    """What the hypothesis registry shows as observed — one wording for step 5's table and the workbook. The first
    hypothesis is the pilot's: `found` (the estimate step 5 shows), else the kept estimate when it was measured on
    the plan's current arms; in % of the baseline (the KPI's change, interval low end first) when the hypothesis
    is in %, else as an improvement in the KPI's units. Other hypotheses show a typed value, else "not measured"."""
    from core.words import amount, number

    h = plan.hypotheses[hypothesis_index]
    kept = plan.results.observed
    if found is None and kept is not None and kept.basis == pl.analysis_key(plan):
        found = kept
    if hypothesis_index == 0 and found is not None:
        bounded = math.isfinite(found.ci_low) and math.isfinite(found.ci_high)
        pct = facts.effect_pct(found.effect)
        if "%" in h.unit and pct is not None:
            low, high = sorted((facts.effect_pct(found.ci_low), facts.effect_pct(found.ci_high)))
            return f"{pct:+.1f}% (95% CI {low:+.1f}% to {high:+.1f}%)" if bounded else f"{pct:+.1f}% (no 95% interval)"
        unit = facts.kpi.unit if facts.kpi else ""
        gain = amount(improvement(plan, found.effect), unit)
        if not bounded:
            return f"{gain} (no 95% interval)"
        return f"{gain} (95% CI {interval(*improvement_interval(plan, found.ci_low, found.ci_high), unit)})"
    if h.observed is not None:
        return f"{number(h.observed)} {h.unit} (typed)"
    return "not measured"


def months_with_data(facts: pl.PilotFacts, panel: Panel) -> int:
    """Months of the measurement window in which the primary KPI has any value."""
    import pandas as pd

    if not pl.is_monthly(panel, facts.column) or facts.windows is None:
        return 0
    w = facts.windows.measurement
    months = panel.monthly.loc[panel.monthly[facts.column].notna(), "period"]
    return int(months[(months >= pd.Timestamp(w[0])) & (months < pd.Timestamp(w[1]))].nunique())

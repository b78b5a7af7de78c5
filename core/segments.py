"""The pilot's effect by segment (site, tenure band, role …): pre-registered in step 4, estimated in step 5.

Each level of a segment gets the treated − control difference in the registered outcome, adjusted for the baseline
(ANCOVA, core.effects.difference_in_means, cluster-robust when teams were randomised) among the people of that
level. Honest about multiplicity:

* the levels' p-values are Holm-adjusted across every level of every registered segment (statsmodels
  ``multipletests(method="holm")``): with seven levels, one p below 0.05 by chance alone is likely;
* for each segment, whether the effect differs between its levels at all: the joint Wald test of the
  treated × level interactions in OLS of outcome ~ treated × level + baseline (HC2, or cluster-robust), as an F
  test whose denominator has G − 1 degrees of freedom with G teams (statsmodels ``use_t``: with 16 teams a χ²
  test would be far too ready to find a difference), a single test per segment (Holm across segments).

A segment that was not registered can be explored, labelled exploratory: its p-values claim nothing.
Privacy: a level with fewer than MIN_GROUP people measured in an arm shows no figure and no name (a level's name
alone can say that such a person exists); such levels are counted in one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from core import pilot as pl
from core import results
from core.privacy import MIN_GROUP, groupable

if TYPE_CHECKING:
    import pandas as pd

    from core.panel import Panel
    from core.plan import Plan

TENURE = "tenure band"
BANDS = ((0, 1, "under 1 year"), (1, 3, "1 to 3 years"), (3, 200, "3 years or more"))
HIRED = ("hire", "hired", "joined", "start_date", "seniority")


def candidates(panel: Panel, plan: Plan) -> list[str]:
    """Columns people can be segmented by: team, site or category columns of few levels (never a measure or a
    sensitive attribute, nor the unit randomised: each team is wholly in one arm), and the tenure band when the
    HR file has a hire date."""
    roles = panel.roles
    found = groupable(panel.people, [c for c, r in roles.items() if r in ("site", "category", "team")
                                     and c in panel.people.columns and c != plan.pilot.cluster_column])
    return found + ([TENURE] if _hire_column(panel) else [])


def _hire_column(panel: Panel) -> str:
    return next((c for c, r in panel.roles.items() if r == "date" and c in panel.people.columns
                 and any(word in c.lower() for word in HIRED)), "")


def levels(panel: Panel, segment: str, start: date) -> pd.Series:
    """Each person's level of `segment` (a column, or the tenure band at the pilot's start)."""
    import pandas as pd

    if segment != TENURE:
        return panel.people[segment].astype("string")
    hired = pd.to_datetime(panel.people[_hire_column(panel)], errors="coerce")
    years = (pd.Timestamp(start) - hired).dt.days / 365.25
    band = pd.Series(pd.NA, index=panel.people.index, dtype="string")
    for low, high, label in BANDS:
        band[(years >= low) & (years < high)] = label
    return band


@dataclass(frozen=True)
class Segment:
    name: str
    registered: bool
    rows: pd.DataFrame  # level, treated, control, effect, 95% CI, p, adjusted p (or the hidden levels' row)
    differs_p: float | None  # the interaction test: does the effect differ between levels?
    differs_adjusted: float | None


def estimate(plan: Plan, panel: Panel, names: list[str], *, registered: bool) -> list[Segment]:
    """The effect in each level of each segment in `names`, with Holm across all their levels and across the
    segments' interaction tests."""
    from statsmodels.stats.multitest import multipletests

    facts = pl.facts(plan, panel)
    who = results.arms(plan, panel)
    frame = results.person_frame(plan, facts, panel, who).dropna(subset=["outcome"]).set_index("employee_id")
    cluster = plan.pilot.cluster_column if plan.pilot.cluster_column in frame.columns else None
    found = []
    for name in names:
        frame["level"] = levels(panel, name, facts.windows.start).reindex(frame.index)
        found.append(_one(frame.dropna(subset=["level"]), name, cluster, plan))
    ps = [p for s in found for p in s[0]["p"] if p == p]
    adjusted = list(multipletests(ps, method="holm")[1]) if ps and registered else []
    differs = [s[1] for s in found if s[1] is not None]
    differs_adjusted = list(multipletests(differs, method="holm")[1]) if differs and registered else []
    out = []
    for name, (rows, differs_p) in zip(names, found, strict=True):
        rows = rows.copy()
        rows["adjusted p (Holm)"] = [adjusted.pop(0) if p == p and adjusted else float("nan") for p in rows["p"]]
        out.append(Segment(name, registered, rows, differs_p,
                           differs_adjusted.pop(0) if differs_p is not None and differs_adjusted else None))
    return out


def shown(segment: Segment) -> pd.DataFrame:
    """The segment's table as people read it: counts with thousands separators, the improvement and its interval
    in the KPI's units as core.words.number writes them, p-values in words; blanks, not "None", where a level is
    hidden. An exploratory segment has no adjusted p-values."""
    from core.words import number, or_blank, p_value

    table = segment.rows.copy()
    for column in ("treated", "control"):
        table[column] = [or_blank(v, lambda x: f"{int(x):,}") for v in table[column]]
    for column in ("improvement", "95% CI low", "95% CI high"):
        table[column] = [or_blank(v, number) for v in table[column]]
    for column in ("p", "adjusted p (Holm)"):
        table[column] = [or_blank(v, lambda x: p_value(x).removeprefix("p ").removeprefix("= ")) for v in table[column]]
    return table if segment.registered else table.drop(columns="adjusted p (Holm)")


def _one(frame: pd.DataFrame, name: str, cluster: str | None, plan: Plan) -> tuple[pd.DataFrame, float | None]:
    import pandas as pd

    from core import effects

    rows, small = [], 0
    for level, people in frame.groupby("level", sort=True):
        counts = people["treated"].value_counts()
        if min(counts.get(1, 0), counts.get(0, 0)) < MIN_GROUP:
            small += 1
            continue
        covariates = ("baseline",) if people["baseline"].notna().all() and people["baseline"].std() > 0 else ()
        try:
            est = effects.difference_in_means(people.reset_index(), outcome="outcome", treated="treated",
                                              covariates=covariates, cluster=cluster)
        except ValueError as exc:  # enough people, but not an estimate (too few teams in an arm, say)
            rows.append({"level": f"{level}: not estimated ({exc})", "treated": int(counts.get(1, 0)),
                         "control": int(counts.get(0, 0)), "p": float("nan")})
            continue
        if not results.has_interval(est):
            rows.append({"level": f"{level}: no 95% interval with so few teams", "treated": int(counts.get(1, 0)),
                         "control": int(counts.get(0, 0)), "p": float("nan")})
            continue
        gain_low, gain_high = results.improvement_interval(plan, est.ci_low, est.ci_high)
        rows.append({"level": str(level), "treated": int(counts.get(1, 0)), "control": int(counts.get(0, 0)),
                     "improvement": results.improvement(plan, est.effect), "95% CI low": gain_low,
                     "95% CI high": gain_high, "p": est.p_value})
    if small:
        rows.append({"level": f"{small} level{'s' if small > 1 else ''} with fewer than {MIN_GROUP} people in an "
                              "arm (not shown)", "p": float("nan")})
    table = pd.DataFrame(rows, columns=["level", "treated", "control", "improvement", "95% CI low", "95% CI high",
                                        "p"])
    shown_levels = [r["level"] for r in rows if r.get("improvement") is not None]
    return table, _differs(frame[frame["level"].isin(shown_levels)], cluster) if len(shown_levels) >= 2 else None


def _differs(frame: pd.DataFrame, cluster: str | None) -> float | None:
    """p of the joint Wald test that every treated × level interaction is zero."""
    import numpy as np
    import statsmodels.formula.api as smf

    data = frame.assign(level=frame["level"].astype(str))
    adjust = " + baseline" if data["baseline"].notna().all() and data["baseline"].std() > 0 else ""
    model = smf.ols(f"outcome ~ treated * C(level){adjust}", data=data)
    fit = (model.fit(cov_type="cluster", cov_kwds={"groups": data[cluster].astype(str)}, use_t=True) if cluster
           else model.fit(cov_type="HC2", use_t=True))
    names = [n for n in fit.params.index if n.startswith("treated:")]
    if not names:
        return None
    test = fit.wald_test(np.array([[1.0 if p == n else 0.0 for p in fit.params.index] for n in names]),
                         use_f=True, scalar=True)  # F with G − 1 denominator df for clusters: few teams, honest p
    return float(test.pvalue)

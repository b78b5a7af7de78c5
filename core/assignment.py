"""Assignment of people to the pilot, matched controls, and balance.

* Randomisation (simple, stratified, cluster) is reproducible: the roster is sorted by id first, so the
  same people and the same seed give the same list whatever order the file had. Strata get both arms
  in proportion; a cluster (team or site) goes whole to one arm. Neither arm is ever empty. Planned arm
  sizes draw the pilot from the eligible people; with strata the sizes are shared out by largest
  remainder (Hamilton's method), so the list has exactly the planned sizes.
* Matched controls for a non-randomised pilot: logit propensity score from statsmodels' Logit, nearest
  neighbour on the logit within a caliper of 0.2 sd of the logit (Austin 2011), greedy, in random
  order of the treated, with or without replacement.
* Common support on categories: a level of a categorical covariate found in one arm only (every Madrid rep
  was trained) has no comparable people. Positivity fails there (Rosenbaum & Rubin 1983), the logit
  separates and its coefficient runs off, widening the caliper and leaving imbalance. Those people are set
  aside before the logit is fitted — trained ones are reported as having no common support, untrained
  ones are simply unused — and the step is repeated until every remaining level has both arms (discarding
  units outside common support: Stuart 2010; Caliendo & Kopeinig 2008). The rest are matched on the
  propensity score as before, which balances the remaining levels in expectation. Exact matching on the
  whole covariate was not chosen: it is not needed once positivity holds, and it would split the pool by
  every level (40 teams) and leave trained people unmatched for want of a same-team control within the
  caliper; data without one-sided levels give the same pairs as before.
* Balance: standardised mean difference SMD = (x̄ₜ − x̄꜀) / √((sₜ² + s꜀²)/2) (Austin 2009);
  |SMD| > 0.1 is flagged.
"""

from __future__ import annotations

import bisect
import math
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

Method = Literal["simple", "stratified", "cluster"]
TREATMENT, CONTROL = "treatment", "control"
SMD_FLAG = 0.1


def _check(roster: pd.DataFrame, id_col: str, columns: list[str]) -> None:
    for column in [id_col, *columns]:
        if column not in roster.columns:
            raise ValueError(f"column {column!r} is not in the list (columns: {', '.join(map(str, roster.columns))})")
    ids = roster[id_col].astype(str).str.strip()
    if ids.eq("").any() or roster[id_col].isna().any():
        raise ValueError(f"some rows have no {id_col}: every person needs an id")
    duplicated = ids[ids.duplicated()].unique()
    if len(duplicated):
        raise ValueError(f"{len(duplicated)} ids appear more than once (e.g. {duplicated[0]}); remove duplicates first")


def _units(cluster: str | None) -> str:
    if cluster is None:
        return "people"
    return "teams" if "team" in cluster.lower() else f"clusters ({cluster})"


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        arm = "treated" if name == "n_treatment" else "control"
        raise ValueError(f"the {arm} arm needs a whole number of at least 1, got {value!r}")
    return int(value)


def _largest_remainder(total: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`total` split in proportion to `weights` (whole numbers): each gets the floor of its quota total·wᵢ/Σw,
    and the units left over go to the largest remainders, ties broken at random (Hamilton's method; Balinski &
    Young 1982). No share exceeds its weight when total ≤ Σw.

    >>> _largest_remainder(33, np.array([60, 30, 10]), np.random.default_rng(0)).tolist()  # 19.8, 9.9, 3.3
    [20, 10, 3]
    """
    weights = np.asarray(weights, dtype=np.int64)
    whole, remainder = np.divmod(total * weights, weights.sum())  # exact: remainders compared as integers
    order = rng.permutation(len(weights))
    order = order[np.argsort(-remainder[order], kind="stable")]
    whole[order[: total - whole.sum()]] += 1
    return whole


def assign(roster: pd.DataFrame, *, id_col: str, seed: int, method: Method = "simple", treat_share: float = 0.5,
           strata: list[str] | None = None, cluster: str | None = None, n_treatment: int | None = None,
           n_control: int | None = None) -> pd.DataFrame:
    """A table id, arm, group (stratum or cluster) of the people in the pilot, reproducible by seed.

    Units are people, or clusters with method "cluster" (a cluster goes whole to one arm); there must be at
    least 2. Without planned sizes every unit is in the list and round(treat_share · units) of them are
    treated, kept between 1 and units − 1 so that neither arm is empty; in stratified randomisation each
    stratum treats treat_share of its people, rounded up or down at random (a stratum of one goes either
    way), and a draw that leaves an arm empty overall is refused. With `n_treatment` and `n_control`, that
    many units are drawn into each arm and the others are not in the list; with strata the pilot
    (n_treatment + n_control) is shared across strata in proportion to their size, then the treated in
    proportion to each stratum's part of the pilot, both by largest remainder, so the list has exactly the
    planned sizes (`treat_share` is not used then).

    >>> people = pd.DataFrame({"id": ["E1", "E2", "E3", "E4", "E5"]})
    >>> assign(people, id_col="id", seed=1, n_treatment=2, n_control=1)["arm"].value_counts().to_dict()
    {'treatment': 2, 'control': 1}
    """
    if not 0 < treat_share < 1:
        raise ValueError(f"treat_share must be between 0 and 1, got {treat_share}")
    planned = n_treatment is not None or n_control is not None
    if planned:
        if n_treatment is None or n_control is None:
            raise ValueError("give both n_treatment and n_control (or neither, to split everyone by treat_share)")
        n_treatment, n_control = _count(n_treatment, "n_treatment"), _count(n_control, "n_control")
    strata = strata or []
    if method == "stratified" and not strata:
        raise ValueError("stratified randomisation needs at least one stratum column (e.g. site)")
    if method == "cluster" and not cluster:
        raise ValueError("cluster randomisation needs the cluster column (e.g. team)")
    _check(roster, id_col, strata + ([cluster] if cluster else []))
    rng = np.random.default_rng(seed)
    table = roster.assign(**{id_col: roster[id_col].astype(str).str.strip()}).sort_values(id_col, kind="stable")
    table = table.reset_index(drop=True)
    group = (table[cluster].astype(str) if method == "cluster" else
             table[strata].astype(str).agg(" · ".join, axis=1) if method == "stratified" else
             pd.Series("all", index=table.index))
    units = _units(cluster if method == "cluster" else None)
    available = group.nunique() if method == "cluster" else len(table)
    if available < 2:
        raise ValueError(f"{method} randomisation needs at least 2 {units}: found {available}")
    if planned and n_treatment + n_control > available:
        raise ValueError(f"the plan asks for {n_treatment:,} treated and {n_control:,} control {units} "
                         f"({n_treatment + n_control:,} in all), but only {available:,} are eligible: plan fewer, "
                         "or widen who is eligible")
    arm = np.full(len(table), None if planned else CONTROL, dtype=object)
    if method == "simple":
        order = rng.permutation(len(table))
        if planned:
            arm[order[n_treatment: n_treatment + n_control]] = CONTROL
        treated = n_treatment if planned else min(max(round(treat_share * len(table)), 1), len(table) - 1)
        arm[order[:treated]] = TREATMENT
    elif method == "stratified":
        members = [np.asarray(rows) for _, rows in sorted(table.groupby(group, sort=True).groups.items())]
        if planned:
            pilot = _largest_remainder(n_treatment + n_control, np.array([len(m) for m in members]), rng)
            treated = _largest_remainder(n_treatment, pilot, rng)
            for rows, k, t in zip(members, pilot, treated, strict=True):
                drawn = rng.permutation(rows)[:k]
                arm[drawn[:t]], arm[drawn[t:]] = TREATMENT, CONTROL
        else:
            for rows in members:
                exact = treat_share * len(rows)
                count = math.floor(exact) + (1 if rng.random() < exact - math.floor(exact) else 0)
                arm[rng.permutation(rows)[:count]] = TREATMENT
            empty = next((a for a in (TREATMENT, CONTROL) if a not in set(arm)), None)
            if empty is not None:
                raise ValueError(f"this draw left the {empty} arm empty: the {len(members)} strata are too small "
                                 f"to split ({len(table)} people); use fewer strata, or plan the arm sizes")
    else:
        clusters = np.array(sorted(group.unique()))
        order = rng.permutation(clusters)
        if planned:
            arm[group.isin(order[n_treatment: n_treatment + n_control]).to_numpy()] = CONTROL
        treated = n_treatment if planned else min(max(round(treat_share * len(clusters)), 1), len(clusters) - 1)
        arm[group.isin(order[:treated]).to_numpy()] = TREATMENT
    drawn = pd.notna(arm)  # planned sizes leave out the units not drawn
    return pd.DataFrame({"id": table[id_col], "arm": arm, "group": group.to_numpy()})[drawn].reset_index(drop=True)


def smd(treated, control) -> float:
    """Standardised mean difference with the pooled sd √((s²ₜ + s²꜀)/2); 0 when both sds are 0."""
    t = np.asarray(treated, dtype=float)
    c = np.asarray(control, dtype=float)
    t, c = t[np.isfinite(t)], c[np.isfinite(c)]
    if t.size < 2 or c.size < 2:
        return math.nan
    pooled = math.sqrt((t.var(ddof=1) + c.var(ddof=1)) / 2)
    difference = t.mean() - c.mean()
    if pooled == 0:
        return 0.0 if difference == 0 else math.copysign(math.inf, difference)
    return float(difference / pooled)


def _is_number(series: pd.Series) -> bool:
    """A covariate is a number when at least 90% of its filled values read as numbers; else a category."""
    numeric = pd.to_numeric(series, errors="coerce")
    return bool(series.notna().any() and numeric.notna().sum() >= 0.9 * series.notna().sum())


def numeric_covariates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Numbers as they are; categories as 0/1 indicators (one per level) so SMDs and logits can use them."""
    parts = []
    for column in columns:
        series = frame[column]
        if _is_number(series):
            parts.append(pd.to_numeric(series, errors="coerce").rename(column).astype(float))
        else:
            parts.append(pd.get_dummies(series.astype(str), prefix=column, prefix_sep=" = ", dtype=float))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


def balance(frame: pd.DataFrame, *, arm_col: str, covariates: list[str],
            matched: pd.DataFrame | None = None) -> pd.DataFrame:
    """SMD of each covariate between arms (and after matching when `matched` is given); flags |SMD| > 0.1."""
    x = numeric_covariates(frame, covariates)
    treated = (frame[arm_col] == TREATMENT).to_numpy()
    rows = []
    for column in x.columns:
        row = {"covariate": column, "mean treatment": x.loc[treated, column].mean(),
               "mean control": x.loc[~treated, column].mean(),
               "SMD": smd(x.loc[treated, column], x.loc[~treated, column])}
        if matched is not None:
            xm = numeric_covariates(matched, covariates).reindex(columns=x.columns, fill_value=0.0)
            mt = (matched[arm_col] == TREATMENT).to_numpy()
            row["SMD after matching"] = smd(xm.loc[mt, column], xm.loc[~mt, column])
        rows.append(row)
    table = pd.DataFrame(rows)
    last = "SMD after matching" if matched is not None else "SMD"
    table["flag"] = np.where(table[last].abs() > SMD_FLAG, "imbalanced (|SMD| > 0.1)", "")
    return _suppress_small_groups(table, x, treated)


def readable(table: pd.DataFrame):
    """The balance table as people read it: means to 2 decimals (shares of a level as %), SMDs to 3, and a hidden
    cell (a group under 5) says "hidden" rather than showing as blank or None."""
    def mean(value, covariate):
        return f"{value:.0%}" if " = " in str(covariate) else f"{value:,.2f}"

    out = table.copy()
    for column in out.columns:
        if column.startswith("mean"):
            out[column] = [("hidden" if pd.isna(v) else mean(v, c)) for v, c in zip(out[column], out["covariate"],
                                                                                   strict=True)]
        elif column.startswith("SMD"):
            out[column] = ["hidden" if pd.isna(v) else f"{v:+.3f}" for v in out[column]]
    return out


def _suppress_small_groups(table: pd.DataFrame, x: pd.DataFrame, treated: np.ndarray) -> pd.DataFrame:
    """Privacy (groups under 5, complementary suppression, core/privacy.py): when an arm has fewer than 5 people
    the table is one row saying so (even the levels present would describe them); otherwise, per arm and
    covariate, the levels held by 1 to 4 people are hidden, and more levels with them until what is hidden could
    not be worked out by subtracting the visible shares from 100% (a blank value counts as a level)."""
    from core.privacy import MIN_GROUP, suppressed_groups

    if min(treated.sum(), (~treated).sum()) < MIN_GROUP:  # an arm's mean of 1 to 4 people is nearly their values
        row = {c: np.nan for c in table.columns}
        return pd.DataFrame([{**row, "covariate": "every covariate", "flag": "hidden: an arm has fewer than 5 people"}])
    hidden: set[str] = set()
    levels = [c for c in x.columns if " = " in c]
    for covariate in dict.fromkeys(c.split(" = ")[0] for c in levels):
        own = [c for c in levels if c.split(" = ")[0] == covariate]
        for arm in (treated, ~treated):
            hidden |= suppressed_groups(x.loc[arm, own].sum(), min_size=MIN_GROUP)
    if hidden:
        rows = table["covariate"].isin(hidden)
        columns = [c for c in table.columns if c not in ("covariate", "flag")]
        table[columns] = table[columns].astype(float)
        table.loc[rows, columns] = np.nan
        table.loc[rows, "flag"] = "hidden: fewer than 5 people in an arm, or would reveal such a group"
    return table


@dataclass(frozen=True)
class OneSided:
    """A level of a categorical covariate found in one arm only: its people have no one to be compared with."""

    covariate: str
    level: str
    arm: str  # the only arm at this level: TREATMENT (no untrained people there) or CONTROL (no trained people)


@dataclass(frozen=True)
class Matching:
    pairs: pd.DataFrame  # treated index, control index, distance on the logit
    unmatched: list  # treated rows with no control within the caliper
    caliper: float
    logit: pd.Series  # NaN for people with a missing covariate or outside common support
    incomplete: list  # treated rows with a missing covariate (never matched)
    no_support: list = field(default_factory=list)  # treated rows at a one-sided level (never matched)
    excluded_levels: tuple[OneSided, ...] = ()  # levels set aside for lack of common support


def common_support(frame: pd.DataFrame, *, treated_col: str, covariates: list[str]
                   ) -> tuple[pd.Series, tuple[OneSided, ...]]:
    """Who is in common support, and the levels set aside: among people with every covariate, those whose
    level of each categorical covariate is found in both arms.

    Setting aside one level's people can leave a level of another covariate one-sided (the only untrained
    people of team X were in Madrid), so the check repeats until every remaining level has both arms.

    >>> people = pd.DataFrame({"site": ["Leeds", "Leeds", "Madrid", "Madrid"], "trained": [1, 0, 1, 1]})
    >>> rows, levels = common_support(people, treated_col="trained", covariates=["site"])
    >>> rows.tolist(), levels
    ([True, True, False, False], (OneSided(covariate='site', level='Madrid', arm='treatment'),))
    """
    treated = frame[treated_col].astype(bool)
    keep = numeric_covariates(frame, covariates).notna().all(axis=1)
    categories = {c: frame[c].astype(str) for c in covariates if not _is_number(frame[c])}
    excluded: list[OneSided] = []
    while keep.any():
        before = int(keep.sum())
        for column, level in categories.items():
            arms = treated[keep].groupby(level[keep], sort=True).agg(["min", "max"])
            one_sided = arms[arms["min"] == arms["max"]]
            excluded += [OneSided(column, str(name), TREATMENT if only else CONTROL)
                         for name, only in one_sided["min"].items()]
            keep &= ~level.isin(one_sided.index)
        if keep.sum() == before:
            break
    return keep, tuple(excluded)


def _propensity(frame: pd.DataFrame, treated_col: str, covariates: list[str]
                ) -> tuple[pd.Series, pd.Series, pd.Series, tuple[OneSided, ...]]:
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    x = numeric_covariates(frame, covariates)
    complete = x.notna().all(axis=1)
    if frame.loc[complete, treated_col].astype(bool).nunique() < 2:
        raise ValueError("matching needs both trained and untrained people")
    supported, excluded = common_support(frame, treated_col=treated_col, covariates=covariates)
    if not supported.any():
        columns = ", ".join(dict.fromkeys(level.covariate for level in excluded))
        raise ValueError(f"the covariates predict exactly who was trained (no value of {columns} has both trained "
                         "and untrained people), so no comparable controls exist; drop that covariate")
    x = x[supported]
    x = x.loc[:, x.std() > 0]
    dummies = [c for c in x.columns if " = " in c]
    if dummies:  # drop one level per categorical so the design is full rank
        for column in covariates:
            levels = [c for c in dummies if c.startswith(f"{column} = ")]
            if levels:
                x = x.drop(columns=levels[0])
    x = sm.add_constant((x - x.mean()) / x.std().replace(0, 1), has_constant="add")
    y = frame.loc[supported, treated_col].astype(float).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model = sm.Logit(y, x.to_numpy()).fit(disp=False, method="newton", maxiter=100)
        except (PerfectSeparationWarning, np.linalg.LinAlgError):
            raise ValueError("the covariates predict exactly who was trained (for example, everyone in one team "
                             "was trained), so no comparable controls exist; drop that covariate") from None
    logit = pd.Series(x.to_numpy() @ model.params, index=x.index).reindex(frame.index)
    return logit, complete, supported, excluded


def propensity_logit(frame: pd.DataFrame, *, treated_col: str, covariates: list[str]) -> pd.Series:
    """Linear predictor (log-odds) of a logistic regression of treatment on the covariates (statsmodels), fitted
    on the people in common support (`common_support`); NaN for people with a missing covariate or at a
    category level found in one arm only, who cannot be matched."""
    return _propensity(frame, treated_col, covariates)[0]


def match(frame: pd.DataFrame, *, treated_col: str, covariates: list[str], caliper_sd: float = 0.2,
          replace: bool = False, seed: int = 0) -> Matching:
    """1:1 nearest-neighbour matching on the logit of the propensity score within a caliper of `caliper_sd` sd
    of the logit (Austin 2011), greedy in random order of the treated (the seed's permutation of the treated
    sorted by score and content, so the pairs do not depend on the rows' order); the ATT among trained people in
    common support.

    Trained people at a category level with no untrained people are left out as `no_support` (positivity fails
    there: Rosenbaum & Rubin 1983; Stuart 2010), and untrained people at a level with no trained people are not
    used; `excluded_levels` names those levels.
    """
    logit, complete, supported, excluded = _propensity(frame, treated_col, covariates)
    caliper = caliper_sd * float(logit.std(ddof=1))
    is_treated = frame[treated_col].astype(bool).to_numpy()
    usable = logit.notna().to_numpy()
    # ties are broken by what a row holds, never by where it sits: the same people in another order give the same
    # pairs (identical rows are interchangeable); scores are compared at 12 decimals so rounding noise is no tie-break
    content = pd.util.hash_pandas_object(frame.drop(columns=[treated_col]), index=False)
    rounded = logit.round(12)
    chosen = ~is_treated & usable
    controls = sorted(zip(rounded[chosen].to_numpy(), content[chosen].to_numpy(), frame.index[chosen], strict=True))
    keys = [value for value, _, _ in controls]
    rng = np.random.default_rng(seed)
    treated_index = np.array(sorted(frame.index[is_treated], key=lambda i: (
        rounded[i] if pd.notna(rounded[i]) else np.inf, content[i])), dtype=object)
    pairs, unmatched, incomplete, no_support = [], [], [], []
    for t in rng.permutation(treated_index):
        if not complete[t]:
            incomplete.append(t)
            continue
        if not supported[t]:
            no_support.append(t)
            continue
        score = rounded[t]
        position = bisect.bisect_left(keys, score)
        best = None
        for candidate in (position - 1, position):
            if 0 <= candidate < len(keys):
                distance = abs(keys[candidate] - score)
                if distance <= caliper and (best is None or distance < best[1]):
                    best = (candidate, distance)
        if best is None:
            unmatched.append(t)
            continue
        pairs.append((t, controls[best[0]][2], best[1]))
        if not replace:
            del keys[best[0]]
            del controls[best[0]]
    return Matching(pd.DataFrame(pairs, columns=["treated", "control", "distance"]), unmatched, caliper, logit,
                    incomplete, no_support, excluded)


def matched_controls(roster: pd.DataFrame, *, id_col: str, treated: pd.Series, covariates: list[str],
                     caliper_sd: float = 0.2, replace: bool = False, seed: int = 0
                     ) -> tuple[pd.DataFrame, Matching, pd.DataFrame]:
    """Assignment (id, arm, group = the pair) of the trained people and their matched controls, the matching
    (with the trained people left out for lack of common support and the levels that caused it), and the
    balance table before (everyone) and after matching."""
    if not covariates:
        raise ValueError("choose at least one covariate to match on")
    _check(roster, id_col, covariates)
    frame = roster.reset_index(drop=True).assign(_treated=np.asarray(treated, dtype=bool))
    result = match(frame, treated_col="_treated", covariates=covariates, caliper_sd=caliper_sd, replace=replace,
                   seed=seed)
    if result.pairs.empty:
        raise ValueError("no trained person has a control within the caliper; widen the caliper or use fewer "
                         "covariates")
    pairs = result.pairs.reset_index(drop=True)
    rows = [(frame.at[t, id_col], TREATMENT, f"pair {k + 1}") for k, t in enumerate(pairs["treated"])]
    controls: dict[int, list[str]] = {}
    for k, c in enumerate(pairs["control"]):
        controls.setdefault(int(c), []).append(f"pair {k + 1}")
    rows += [(frame.at[c, id_col], CONTROL, ", ".join(groups)) for c, groups in controls.items()]
    assignment = pd.DataFrame(rows, columns=["id", "arm", "group"]).astype({"id": str})
    arms = np.where(frame["_treated"], TREATMENT, CONTROL)
    matched = pd.concat([frame.loc[pairs["treated"]].assign(arm=TREATMENT),
                         frame.loc[pairs["control"]].assign(arm=CONTROL)])
    table = balance(frame.assign(arm=arms), arm_col="arm", covariates=covariates, matched=matched)
    return assignment, result, table

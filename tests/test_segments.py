"""Effects by segment on the sample pilot (teams randomised, the planted effect): each level's estimate against
statsmodels on that level's people, Holm against multipletests, small levels hidden without their names, and the
randomised unit never offered as a segment."""

import numpy as np
import pytest
import statsmodels.formula.api as smf
from statsmodels.stats.multitest import multipletests

from core import pilot, results, segments
from core.store import Store
from tests.views.test_results_page import sample_pilot
from ui import datasets


@pytest.fixture
def piloted(db_file):
    plan = sample_pilot(db_file)
    plan, _ = Store(db_file).load(plan.id)
    return plan, datasets.joined(plan)


def test_the_segments_offered_leave_out_the_randomised_teams_and_sensitive_columns(piloted):
    plan, joined = piloted
    offered = segments.candidates(joined, plan)
    assert plan.pilot.cluster_column == "team" and "team" not in offered
    assert "tenure band" in offered and not {"gender", "ethnicity", "salary", "name"} & set(offered)


def test_each_level_matches_statsmodels_and_holm_runs_across_every_level(piloted):
    plan, joined = piloted
    found = segments.estimate(plan, joined, ["tenure band", "job_family"], registered=True)
    facts = pilot.facts(plan, joined)
    frame = results.person_frame(plan, facts, joined, results.arms(plan, joined)).dropna(subset=["outcome"])
    frame["band"] = segments.levels(joined, "tenure band", facts.windows.start).reindex(frame["employee_id"]).to_numpy()
    tenure = found[0].rows
    shown = tenure[tenure["treated"].notna()]
    assert len(shown) >= 2
    for row in shown.itertuples():
        people = frame[frame["band"] == row.level]
        fit = smf.ols("outcome ~ treated + baseline", data=people).fit()
        assert row.improvement == pytest.approx(fit.params["treated"], rel=1e-9)  # higher is better here
        assert (row.treated, row.control) == (int(people["treated"].sum()), int((1 - people["treated"]).sum()))
    ps = [p for s in found for p in s.rows["p"] if p == p]
    adjusted = [p for s in found for p in s.rows["adjusted p (Holm)"] if p == p]
    assert np.allclose(adjusted, multipletests(ps, method="holm")[1])
    assert found[0].differs_p is not None and 0 <= found[0].differs_p <= 1


def test_a_level_with_fewer_than_five_in_an_arm_shows_no_figure_and_no_name(piloted):
    plan, joined = piloted
    site = segments.estimate(plan, joined, ["site"], registered=True)[0].rows
    hidden = site[site["treated"].isna()]
    assert len(hidden) == 1 and "fewer than 5 people in an arm (not shown)" in hidden["level"].iloc[0]
    names = set(joined.people["site"].dropna().astype(str)) - {""}
    assert not any(name in hidden["level"].iloc[0] for name in names)
    assert (site["treated"].dropna() >= 5).all() and (site["control"].dropna() >= 5).all()


def test_an_exploratory_segment_has_no_adjusted_p_values(piloted):
    plan, joined = piloted
    found = segments.estimate(plan, joined, ["tenure band"], registered=False)[0]
    assert not found.registered and found.rows["adjusted p (Holm)"].isna().all() and found.differs_adjusted is None

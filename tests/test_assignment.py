import math
import statistics

import numpy as np
import pandas as pd
import pytest

from core import assignment


def roster(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "employee_id": [f"{i:05d}" for i in range(n)],
        "site": rng.choice(["North", "South", "East"], n),
        "team": [f"T{i % 20:02d}" for i in range(n)],
        "tenure": rng.gamma(2, 2, n),
    })


@pytest.mark.parametrize(("method", "kwargs"), [
    ("simple", {}), ("stratified", {"strata": ["site"]}), ("cluster", {"cluster": "team"}),
    ("simple", {"n_treatment": 30, "n_control": 40}),
    ("stratified", {"strata": ["site"], "n_treatment": 30, "n_control": 40}),
    ("cluster", {"cluster": "team", "n_treatment": 4, "n_control": 5})])
def test_same_seed_same_list_whatever_the_row_order(method, kwargs):
    people = roster()
    first = assignment.assign(people, id_col="employee_id", seed=42, method=method, **kwargs)
    shuffled = people.sample(frac=1, random_state=3)
    again = assignment.assign(shuffled, id_col="employee_id", seed=42, method=method, **kwargs)
    pd.testing.assert_frame_equal(first, again)
    other = assignment.assign(people, id_col="employee_id", seed=43, method=method, **kwargs)
    assert not first.equals(other)


def test_simple_randomisation_treats_the_requested_share():
    table = assignment.assign(roster(201), id_col="employee_id", seed=1, treat_share=0.3)
    assert (table["arm"] == assignment.TREATMENT).sum() == round(0.3 * 201)


def test_strata_get_both_arms_in_proportion():
    people = roster(300)
    table = assignment.assign(people, id_col="employee_id", seed=5, method="stratified", strata=["site"])
    for site, group in table.groupby("group"):
        treated = (group["arm"] == assignment.TREATMENT).sum()
        assert treated in (math.floor(len(group) / 2), math.ceil(len(group) / 2)), site


def test_clusters_are_never_split():
    table = assignment.assign(roster(), id_col="employee_id", seed=9, method="cluster", cluster="team")
    arms_per_team = table.groupby("group")["arm"].nunique()
    assert (arms_per_team == 1).all()
    assert (table.groupby("group")["arm"].first() == assignment.TREATMENT).sum() == 10


def test_two_teams_at_75_percent_still_leave_a_control_team():
    people = roster(20).assign(team=["T1"] * 10 + ["T2"] * 10)
    for seed in range(10):  # round(0.75 × 2 teams) = 2 would treat both; each arm gets one team
        table = assignment.assign(people, id_col="employee_id", seed=seed, method="cluster", cluster="team",
                                  treat_share=0.75)
        assert table.groupby("arm")["group"].nunique().to_dict() == {"control": 1, "treatment": 1}


@pytest.mark.parametrize("share", [0.1, 0.9])
def test_two_people_are_one_in_each_arm_whatever_the_share(share):
    table = assignment.assign(roster(2), id_col="employee_id", seed=1, treat_share=share)
    assert sorted(table["arm"]) == ["control", "treatment"]


@pytest.mark.parametrize(("method", "kwargs", "message"), [
    ("simple", {}, "simple randomisation needs at least 2 people: found 1"),
    ("stratified", {"strata": ["site"]}, "stratified randomisation needs at least 2 people: found 1"),
    ("cluster", {"cluster": "team"}, "cluster randomisation needs at least 2 teams: found 1")])
def test_fewer_than_two_units_are_refused_with_the_reason(method, kwargs, message):
    people = roster(1) if method != "cluster" else roster(30).assign(team="T1")
    with pytest.raises(ValueError, match=message):
        assignment.assign(people, id_col="employee_id", seed=1, method=method, **kwargs)


def test_strata_of_one_never_give_a_list_with_one_arm():
    # two strata of one person: each goes to treatment with probability 1/2, so about half the seeds put both
    # people in the same arm; those draws are refused, the others have one person in each arm
    people = roster(2).assign(site=["North", "South"])
    refused = 0
    for seed in range(40):
        try:
            table = assignment.assign(people, id_col="employee_id", seed=seed, method="stratified", strata=["site"])
        except ValueError as exc:
            assert "arm empty" in str(exc) and "plan the arm sizes" in str(exc)
            refused += 1
        else:
            assert sorted(table["arm"]) == ["control", "treatment"]
        planned = assignment.assign(people, id_col="employee_id", seed=seed, method="stratified", strata=["site"],
                                    n_treatment=1, n_control=1)
        assert sorted(planned["arm"]) == ["control", "treatment"]
    assert 5 < refused < 35


def test_planned_sizes_draw_the_pilot_from_the_eligible_people():
    people = roster(200)
    table = assignment.assign(people, id_col="employee_id", seed=3, n_treatment=30, n_control=50)
    assert list(table.columns) == ["id", "arm", "group"]
    assert table["arm"].value_counts().to_dict() == {"control": 50, "treatment": 30}
    assert table["id"].is_unique and set(table["id"]) <= set(people["employee_id"])
    assert table["id"].tolist() == sorted(table["id"])  # in id order, like the full list


def test_planned_sizes_with_clusters_count_whole_teams():
    table = assignment.assign(roster(200), id_col="employee_id", seed=3, method="cluster", cluster="team",
                              n_treatment=3, n_control=4)
    teams = table.groupby("arm")["group"].nunique().to_dict()
    assert teams == {"control": 4, "treatment": 3}
    assert table["arm"].value_counts().to_dict() == {"control": 4 * 10, "treatment": 3 * 10}  # 10 people a team


def test_planned_sizes_are_shared_across_strata_by_largest_remainder():
    people = roster(100).assign(site=["North"] * 60 + ["South"] * 30 + ["East"] * 10)
    table = assignment.assign(people, id_col="employee_id", seed=8, method="stratified", strata=["site"],
                              n_treatment=13, n_control=20)
    # pilot 33 in proportion 60:30:10 → quotas 19.8, 9.9, 3.3 → floors 19, 9, 3 and the 2 left go to the largest
    # remainders (South .9, North .8): 20, 10, 3. Treated 13 in proportion 20:10:3 → 7.88, 3.94, 1.18 → floors
    # 7, 3, 1 and the 2 left to South (.94) and North (.88): 8, 4, 1; controls 12, 6, 2.
    counts = table.groupby(["group", "arm"]).size().unstack().to_dict("index")
    assert counts == {"East": {"control": 2, "treatment": 1}, "North": {"control": 12, "treatment": 8},
                      "South": {"control": 6, "treatment": 4}}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_treatment": 0, "n_control": 5}, "the treated arm needs a whole number of at least 1"),
    ({"n_treatment": 5, "n_control": 2.5}, "the control arm needs a whole number of at least 1"),
    ({"n_treatment": 5}, "give both n_treatment and n_control"),
    ({"n_treatment": 150, "n_control": 51}, r"\(201 in all\), but only 200 are eligible: plan fewer"),
    ({"n_treatment": 10, "n_control": 11, "method": "cluster", "cluster": "team"},
     r"10 treated and 11 control teams \(21 in all\), but only 20 are eligible")])
def test_planned_sizes_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        assignment.assign(roster(200), id_col="employee_id", seed=1, **kwargs)


def test_ids_keep_leading_zeros_and_duplicates_are_refused():
    people = roster(10)
    assert assignment.assign(people, id_col="employee_id", seed=1)["id"].str.startswith("0000").any()
    people.loc[3, "employee_id"] = "00001"
    with pytest.raises(ValueError, match="more than once"):
        assignment.assign(people, id_col="employee_id", seed=1)


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="'region' is not in the list"):
        assignment.assign(roster(), id_col="employee_id", seed=1, method="stratified", strata=["region"])


def test_smd_against_a_hand_computation():
    t, c = [1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 3.0, 5.0]
    pooled = math.sqrt((statistics.variance(t) + statistics.variance(c)) / 2)
    assert assignment.smd(t, c) == pytest.approx((2.5 - 3.0) / pooled)


def confounded(n=4_000, seed=11):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"tenure": rng.normal(5, 2, n), "score": rng.normal(60, 10, n),
                          "site": rng.choice(["A", "B", "C"], n)})
    lin = -3 + 0.4 * (frame.tenure - 5) + 0.05 * (frame.score - 60) + (frame.site == "A") * 0.8
    frame["treated"] = rng.random(n) < 1 / (1 + np.exp(-lin))
    return frame


def test_logit_equals_a_glm_binomial_fit():
    import statsmodels.api as sm

    frame = confounded()
    logit = assignment.propensity_logit(frame, treated_col="treated", covariates=["tenure", "score"])
    x = sm.add_constant(frame[["tenure", "score"]])
    glm = sm.GLM(frame["treated"].astype(float), x, family=sm.families.Binomial()).fit()
    assert np.allclose(logit, glm.predict(x, which="linear"), atol=1e-4)


@pytest.mark.parametrize("replace", [False, True])
def test_matching_respects_the_caliper_and_improves_balance(replace):
    frame = confounded()
    covariates = ["tenure", "score", "site"]
    result = assignment.match(frame, treated_col="treated", covariates=covariates, replace=replace, seed=1)
    assert result.caliper == pytest.approx(0.2 * result.logit.std(ddof=1))
    assert (result.pairs["distance"] <= result.caliper).all()
    if not replace:
        assert result.pairs["control"].is_unique
    assert len(result.pairs) + len(result.unmatched) + len(result.incomplete) == frame["treated"].sum()
    matched = pd.concat([frame.loc[result.pairs["treated"]], frame.loc[result.pairs["control"]]])
    arms = np.where(matched["treated"], assignment.TREATMENT, assignment.CONTROL)
    table = assignment.balance(frame.assign(arm=np.where(frame.treated, assignment.TREATMENT, assignment.CONTROL)),
                           arm_col="arm", covariates=covariates, matched=matched.assign(arm=arms))
    assert table["SMD"].abs().max() > 0.1  # confounded before
    assert table["SMD after matching"].abs().max() < 0.1
    assert (table["flag"] == "").all()


def test_perfect_separation_is_explained():
    frame = pd.DataFrame({"team": ["A"] * 20 + ["B"] * 20, "tenure": range(40), "treated": [True] * 20 + [False] * 20})
    with pytest.raises(ValueError, match="predict exactly who was trained"):
        assignment.match(frame, treated_col="treated", covariates=["team", "tenure"])


def test_people_with_missing_covariates_are_left_unmatched():
    frame = confounded(1_000)
    frame.loc[frame.index[frame.treated][:3], "score"] = np.nan
    frame.loc[frame.index[~frame.treated][:50], "score"] = np.nan
    result = assignment.match(frame, treated_col="treated", covariates=["tenure", "score"])
    assert set(result.incomplete) == set(frame.index[frame.treated][:3])
    assert not set(result.pairs["control"]) & set(frame.index[~frame.treated][:50])


def hand_smd(t, c):
    return (t.mean() - c.mean()) / math.sqrt((t.var(ddof=1) + c.var(ddof=1)) / 2)


def one_site_all_trained(n=4_000, seed=7):
    """Every Madrid person is trained and nobody in York is; elsewhere training depends on tenure and site.
    The outcome is +2 for training, +0.5 a year of tenure, and −10 in Madrid."""
    rng = np.random.default_rng(seed)
    site = rng.choice(["Leeds", "London", "Dublin", "Madrid", "York"], n, p=[0.3, 0.3, 0.25, 0.1, 0.05])
    tenure = rng.normal(5, 2, n)
    lin = -1.5 + 0.5 * (tenure - 5) + 0.8 * (site == "Leeds")
    treated = (site == "Madrid") | ((site != "York") & (rng.random(n) < 1 / (1 + np.exp(-lin))))
    outcome = 2.0 * treated + 0.5 * tenure - 10.0 * (site == "Madrid") + rng.normal(0, 1, n)
    return pd.DataFrame({"site": site, "tenure": tenure, "treated": treated, "outcome": outcome})


def test_a_site_with_only_trained_people_is_left_out_and_the_rest_balance():
    frame = one_site_all_trained()
    result = assignment.match(frame, treated_col="treated", covariates=["tenure", "site"], seed=2)
    madrid = frame.index[frame.site == "Madrid"]
    assert sorted(result.no_support) == sorted(madrid)  # all of Madrid is trained
    assert result.excluded_levels == (assignment.OneSided("site", "Madrid", assignment.TREATMENT),
                                      assignment.OneSided("site", "York", assignment.CONTROL))
    assert len(result.pairs) + len(result.unmatched) + len(result.incomplete) + len(result.no_support) == \
        frame.treated.sum()
    t, c = frame.loc[result.pairs["treated"]], frame.loc[result.pairs["control"]]
    assert not {"Madrid", "York"} & (set(t.site) | set(c.site))
    assert len(t) > 0.8 * (frame.treated & (frame.site != "Madrid")).sum()
    assert abs(hand_smd(t.tenure, c.tenure)) < 0.1
    for site in ("Leeds", "London", "Dublin"):
        assert abs(hand_smd((t.site == site).astype(float), (c.site == site).astype(float))) < 0.1, site
    # before common support, Madrid's runaway logit widened the caliper to ≈ 2.2 (0.2 sd of the logit), tenure
    # stayed imbalanced (SMD ≈ 0.13) and Madrid's trained people were reported as outside the caliper
    assert result.caliper < 1.0
    # the planted effect is +2 (a hand-set value; Madrid's −10 must not leak in)
    assert (t.outcome.mean() - c.outcome.mean()) == pytest.approx(2.0, abs=0.3)


def test_common_support_repeats_until_every_level_has_both_arms():
    # York has no trained people; once York is set aside, team X's untrained people are gone too, so X's
    # trained person in Leeds has no comparison either
    frame = pd.DataFrame({"site": ["Leeds", "York", "Leeds", "Leeds", "Leeds", "Leeds"],
                          "team": ["X", "X", "Y", "Y", "Z", "Z"],
                          "trained": [True, False, True, False, True, False]})
    rows, levels = assignment.common_support(frame, treated_col="trained", covariates=["site", "team"])
    assert rows.tolist() == [False, False, True, True, True, True]
    assert levels == (assignment.OneSided("site", "York", assignment.CONTROL),
                      assignment.OneSided("team", "X", assignment.TREATMENT))


def test_balance_hides_category_levels_of_fewer_than_five_people_and_their_complement():
    frame = pd.DataFrame({
        "arm": ["treatment"] * 20 + ["control"] * 20,
        "site": ["A"] * 16 + ["B"] * 3 + ["C"] * 1 + ["A"] * 10 + ["B"] * 6 + ["C"] * 4,
        "score": list(range(40)),
    })
    table = assignment.balance(frame, arm_col="arm", covariates=["site", "score"]).set_index("covariate")
    assert table.loc["site = C", "flag"].startswith("hidden") and np.isnan(table.loc["site = C", "mean treatment"])
    assert table.loc["site = B", "flag"].startswith("hidden")  # 3 in the treated arm
    assert not table.loc["score", "flag"].startswith("hidden") and table.loc["score", "mean treatment"] == 9.5


def test_balance_hides_everything_when_an_arm_has_fewer_than_five_people():
    frame = pd.DataFrame({"arm": ["treatment"] * 2 + ["control"] * 2, "salary": [50_000, 52_000, 61_000, 64_000]})
    table = assignment.balance(frame, arm_col="arm", covariates=["salary"])
    assert table["mean treatment"].isna().all() and table["SMD"].isna().all()
    assert table["flag"].str.startswith("hidden").all()
    levels = pd.DataFrame({"arm": ["treatment", "control"], "gender": ["Female", "Female"]})
    table = assignment.balance(levels, arm_col="arm", covariates=["gender"])
    assert list(table["covariate"]) == ["every covariate"]  # not even the levels present are named


def test_no_hidden_level_can_be_recovered_by_subtracting_the_visible_shares():
    """116 people in each arm: 55 + 57 visible, 3 + 1 hidden (sum 4 < 5), so a third level must go too; a blank
    site held by one person, and a level absent from an arm, are handled the same way."""
    gender = ["Female"] * 55 + ["Male"] * 57 + ["Non-binary"] * 3 + ["Prefer not to say"] * 1
    site = ["London"] * 60 + ["Leeds"] * 40 + ["York"] * 15 + [""]
    frame = pd.DataFrame({"arm": ["treatment"] * 116 + ["control"] * 116, "gender": gender * 2,
                          "site": site + ["London"] * 70 + ["Leeds"] * 46})
    table = assignment.balance(frame, arm_col="arm", covariates=["gender", "site"]).set_index("covariate")
    x = assignment.numeric_covariates(frame, ["gender", "site"])
    for arm in ("treatment", "control"):
        in_arm = (frame["arm"] == arm).to_numpy()
        for covariate in ("gender", "site"):
            rows = [r for r in table.index if r.startswith(f"{covariate} = ")]
            hidden = [r for r in rows if np.isnan(table.loc[r, f"mean {arm}"])]
            people = x.loc[in_arm, hidden].sum().sum() if hidden else 0
            assert people == 0 or people >= 5, (arm, covariate, hidden, people)

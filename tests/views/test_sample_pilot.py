"""The obvious path in AppTest: a template, the sample organisation, the list, the simulated pilot, Results, ROI.

The planted effects come from sample_data/README.md (+4% average deal size for treated reps, −3 weeks to
productivity for treated new hires), never from the code under test.
"""

import pytest

from core.store import Store
from core.templates import onboarding, sales_skills
from tests.views.conftest import texts, with_sample_data

SIMULATE = "Run the sample pilot (simulated, 90 days)"


def button(at, label):
    return next(b for b in at.button if b.label == label)


def metric(at, label):
    return next(m for m in at.metric if m.label.startswith(label))


def own_warnings(at) -> list[str]:
    return texts(at, "warning") + texts(at, "error")


def walk_to_results(app, db_file, template, seed):
    template.pilot.start = "2026-07-01"  # as "Load sample data" sets it
    template.design.seed = seed
    plan = with_sample_data(db_file, template)
    at = app(plan.id, "views/design.py")
    assert not own_warnings(at), own_warnings(at)
    button(at, "Draw the assignment list").click().run()
    assert not at.exception, at.exception
    button(at, SIMULATE).click().run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.label == SIMULATE], "the simulated pilot is current: nothing to run again"
    saved = Store(db_file).load(plan.id)[0]
    assert {m.filename for m in saved.data.sources.values() if m.simulated_for} == {
        "kpis_monthly (simulated pilot).csv", "lms_events (simulated pilot).csv", "assessments (simulated pilot).csv"}
    results = app(plan.id, "views/results.py")
    assert not results.exception, results.exception
    return plan, saved, results


@pytest.mark.parametrize("seed", [11, 2026])
def test_the_sales_template_on_the_sample_recovers_the_planted_four_percent(app, db_file, seed):
    plan, saved, at = walk_to_results(app, db_file, sales_skills(), seed)
    low, high = (float(x.rstrip("%")) for x in metric(at, "As % of the baseline").help.split("CI ")[1].split(" to "))
    assert low < 4.0 < high, (low, high)
    assert any("Simulated data" in i for i in texts(at, "info"))
    assert not own_warnings(at), own_warnings(at)
    # the money it is worth follows the ROI's chain for an observed effect: $4 a unit × 25% margin (the
    # intent-to-treat effect already averages over who applied it: no adoption discount on top)
    effect = float(metric(at, "Observed effect").value.replace(",", "").lstrip("+"))
    sentence = next(m for m in texts(at, "markdown") if "worth about $" in m)
    worth = float(sentence.split("worth about $")[1].split(" ")[0].replace(",", ""))
    assert worth == pytest.approx(effect * 4 * 0.25, abs=1.5)
    treated = sum(a.arm == "treatment" for a in saved.design.assignment)
    planned = next(df.value for df in at.dataframe if "planned (step 4)" in df.value.columns)
    assert planned["planned (step 4)"].tolist() == [treated, len(saved.design.assignment) - treated, 0]
    roi = app(plan.id, "views/roi.py")
    assert metric(roi, "Participants").value == f"{treated:,}"


def test_the_onboarding_template_on_the_sample_recovers_three_weeks(app, db_file):
    plan, saved, at = walk_to_results(app, db_file, onboarding(), 5)
    assert len(saved.design.assignment) == 40  # 20 + 20 of the new hires who join during the pilot
    effect = metric(at, "Observed effect").value
    low, high = (float(x.replace(",", "")) for x in metric(at, "95% confidence interval").value.split(" to "))
    assert low < -3.0 < high, (effect, low, high)  # fewer weeks: the KPI falls by 3
    assert not own_warnings(at), own_warnings(at)


def test_saying_who_took_part_shows_cross_overs_and_never_changes_step_4(app, db_file):
    plan, saved, at = walk_to_results(app, db_file, sales_skills(), 11)
    treated_teams = sorted({a.group for a in saved.design.assignment if a.arm == "treatment"})
    control_teams = sorted({a.group for a in saved.design.assignment if a.arm == "control"})
    took_part = treated_teams[1:] + control_teams[:1]  # one treated team stayed away, one control team joined in
    next(r for r in at.radio if r.label == "Who took part").set_value("took_part").run()
    next(s for s in at.selectbox if s.label == "Those whose…").set_value("team").run()
    next(m for m in at.multiselect if m.label == "is one of").set_value(took_part).run()
    assert not at.exception, at.exception
    warning = next(w for w in texts(at, "warning") if "Who took part is not the list that was drawn" in w)
    assert "did not take part" in warning and "took part anyway" in warning and "intent to treat" in warning
    assert any("Among those who actually took part" in m and "of the assigned" in m for m in texts(at, "markdown"))
    after = Store(db_file).load(plan.id)[0]
    assert after.design.assignment == saved.design.assignment
    assert (after.pilot.treated_people, after.pilot.control_people) == (saved.pilot.treated_people,
                                                                        saved.pilot.control_people)
    design = app(plan.id, "views/design.py")
    treated = sum(a.arm == "treatment" for a in saved.design.assignment)
    assert metric(design, "Per arm").value == f"{treated:,} + {len(saved.design.assignment) - treated:,}"
    roi = app(plan.id, "views/roi.py")
    assert metric(roi, "Participants").value == f"{treated:,}"  # the plan's arm, with as-run said beside it
    assert any("did not take part" in c and "intent to treat" in c for c in texts(roi, "caption"))


def test_redrawing_the_list_asks_to_run_the_simulated_pilot_again(app, db_file):
    plan, saved, _ = walk_to_results(app, db_file, sales_skills(), 11)
    store = Store(db_file)
    current, version = store.load(plan.id)
    current.design.assignment = [a for a in current.design.assignment if a.arm == "control"][:3] + [
        a for a in current.design.assignment if a.arm == "treatment"][:3]
    store.save(current, expected_version=version)
    at = app(plan.id, "views/results.py")
    assert any("run it again" in w for w in texts(at, "warning"))
    assert [b for b in at.button if b.label == SIMULATE]
    assert not [m for m in at.metric if m.label.startswith("Observed effect")]  # no estimate from stale data
    assert not [b for b in at.button if b.label.startswith("Use this observed effect")]
    current, version = store.load(plan.id)
    current.design.assignment = []  # the list deleted: the data was simulated for a list that is gone
    store.save(current, expected_version=version)
    at = app(plan.id, "views/results.py")
    assert any("draw a list in step 4 first" in w for w in texts(at, "warning"))
    assert not [m for m in at.metric if m.label.startswith("Observed effect")]


def test_a_start_before_the_samples_history_ends_says_why_the_pilot_cannot_run(app, db_file):
    template = sales_skills()
    template.pilot.start, template.design.seed = "2026-05-01", 3
    plan = with_sample_data(db_file, template)
    at = app(plan.id, "views/design.py")
    button(at, "Draw the assignment list").click().run()
    assert button(at, SIMULATE).disabled
    assert any("history ends in June 2026" in c and "1 July 2026 or later" in c for c in texts(at, "caption"))


def test_a_pilot_still_running_can_be_simulated_and_step_5_follows_it(app, db_file):
    """Through July only: step 5 reads one month of three (an early read, no verdict without looks), shows the
    month-by-month health and when it will know, says the data stops in July, and can simulate the rest."""
    template = sales_skills()
    template.pilot.start = "2026-07-01"
    template.design.seed = 11
    plan = with_sample_data(db_file, template)
    at = app(plan.id, "views/design.py")
    button(at, "Draw the assignment list").click().run()
    how_far = next(s for s in at.selectbox if s.label == "How far")
    assert how_far.options[1:] == [
        "Through July 2026 only: a pilot still running", "Through August 2026 only: a pilot still running"]
    how_far.select_index(1).run()
    button(at, SIMULATE).click().run()
    assert not at.exception, at.exception
    at.switch_page("views/results.py").run()
    assert not at.exception, at.exception
    said = " ".join(texts(at, "info"))
    assert "up to July 2026 only (a pilot still running" in said and "no interim look was pre-registered" in said
    assert "the pilot can detect an improvement of" in said
    months = next(df.value for df in at.dataframe if "sample-ratio p" in df.value.columns)
    assert list(months["status"][1:]) == ["no data yet", "no data yet"]
    button(at, "Simulate the rest of the pilot (from August 2026)").click().run()
    assert not at.exception, at.exception
    assert Store(db_file).load(plan.id)[0].data.sources["kpis"].simulated_for.count("@") == 0

"""Step 4 in AppTest: the answer first, the pilot definition, the list, the registration."""

import re

import pandas as pd
import pytest

from core import power as pw
from core.plan import Plan
from core.store import Store
from core.templates import onboarding, sales_skills
from tests.views.conftest import texts, with_sample_data


def metric(at, label):
    return next(m.value for m in at.metric if m.label.startswith(label))


def button(at, label):
    return next(b for b in at.button if b.label == label)


def sales_with_sample(db_file, **design):
    template = sales_skills()
    template.pilot.start = "2026-07-01"  # the sample organisation's pilot start
    for name, value in design.items():
        setattr(template.design, name, value)
    return with_sample_data(db_file, template)


def test_sales_template_without_data_says_the_pilot_cannot_see_break_even(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/design.py")
    reference = pw.mde(220, 220, sd=6_000, icc=0.05, cluster_size=27.5, baseline_corr=0.5, attrition=0.1)
    shown = metric(at, "Smallest detectable effect").replace("\\", "")
    assert shown.endswith(" per deal")  # with its unit, as the ROI page shows the break-even
    assert float(re.search(r"[\d,.]+", shown)[0].replace(",", "")) == pytest.approx(reference, rel=1e-3)
    headline = texts(at, "warning")[0]
    assert "With 220 people in 8 team clusters per arm you can detect" in headline.replace("\\", "")
    assert "too small to see" in headline


def test_onboarding_template_sees_its_expected_effect_and_says_how_to_read_break_even(app, db_file):
    plan, _ = Store(db_file).create(onboarding())
    at = app(plan.id, "views/design.py")
    assert any("covers the expected" in s.replace("\\", "") for s in texts(at, "info"))
    assert not texts(at, "warning")
    assert metric(at, "Per arm") == "20 + 20"


def test_with_the_sample_data_power_uses_the_real_teams_and_the_estimates(app, db_file):
    plan = sales_with_sample(db_file)
    at = app(plan.id, "views/design.py")
    headline = texts(at, "info")[0].replace("\\", "")
    assert "With 220 people in 8 team clusters per arm" in headline  # 8 teams of 441 / 16 = 27.6 people
    assert any("16 team clusters are eligible: 27.6 people each" in c for c in texts(at, "caption"))
    varies = next(c for c in texts(at, "caption") if c.startswith("How much the KPI varies"))
    assert "(data)" in varies and "ρ 0.85" in varies
    # the page's power is the power function's for 4 teams of 29 per arm in teams of 29, with the estimated inputs
    from core import pilot

    v = pilot.facts(at.session_state["plan"], _panel(db_file, plan)).variance
    reference = pw.power(1_125.0, 220, 220, sd=v.sd, icc=v.icc, cluster_size=441 / 16,
                         baseline_corr=v.baseline_corr, attrition=0.1)
    assert metric(at, "Power of this pilot") == f"{reference:.0%}"


def _panel(db_file, plan):
    from ui import datasets

    return datasets.joined(Store(db_file).load(plan.id)[0])


def test_the_drawn_list_has_the_planned_teams_and_downloads(app, db_file, downloads):
    store = Store(db_file)
    plan = sales_with_sample(db_file, seed=11)
    at = app(plan.id, "views/design.py")
    button(at, "Draw the assignment list").click().run()
    assert not at.exception
    saved = store.load(plan.id)[0]
    teams: dict = {}
    for a in saved.design.assignment:
        teams.setdefault(a.group, set()).add(a.arm)
    assert len(teams) == 16 and all(len(arms) == 1 for arms in teams.values()), "8 + 8 whole teams"
    treated = sum(a.arm == "treatment" for a in saved.design.assignment)
    assert saved.pilot.treated_people == treated and sum(arms == {"treatment"} for arms in teams.values()) == 8
    assert metric(at, "Per arm") == f"{treated} + {len(saved.design.assignment) - treated}"
    csv = downloads()["assignment-list.csv"].decode()
    assert csv.startswith("id,arm,group") and len(csv.splitlines()) == len(saved.design.assignment) + 1
    button(at, "Delete the list").click().run()
    assert store.load(plan.id)[0].design.assignment == saved.design.assignment, "deleting asks first"
    assert any("Delete the assignment list of" in w for w in texts(at, "warning"))
    button(at, "Yes, delete the list").click().run()
    assert store.load(plan.id)[0].design.assignment == []
    button(at, "Draw the assignment list").click().run()
    assert store.load(plan.id)[0].design.assignment == saved.design.assignment, "same seed, same list"


def test_the_eligibility_filter_is_saved_with_the_plan(app, db_file):
    store = Store(db_file)
    plan = sales_with_sample(db_file)
    at = app(plan.id, "views/design.py")
    next(s for s in at.selectbox if s.label == "Only people whose…").set_value("site").run()
    next(m for m in at.multiselect if m.label == "is one of").set_value(["Leeds", "London"]).run()
    assert store.load(plan.id)[0].pilot.eligible == {"site": ["Leeds", "London"]}
    assert any("eligible people of 1,200" in c for c in texts(at, "caption"))


def test_a_list_needs_a_start_date(app, db_file):
    template = sales_skills()
    plan = with_sample_data(db_file, template)
    at = app(plan.id, "views/design.py")
    assert any("start date" in i for i in texts(at, "info"))
    assert not [b for b in at.button if b.label == "Draw the assignment list"]


def test_preregistration_locks_and_then_lists_deviations(app, db_file):
    store = Store(db_file)
    plan = sales_with_sample(db_file, seed=5)
    at = app(plan.id, "views/design.py")
    button(at, "Lock the pre-registration").click().run()
    assert store.load(plan.id)[0].design.preregistration is not None
    next(n for n in at.number_input if n.label == "Target power").set_value(0.9).run()
    assert any("deviation" in w for w in texts(at, "warning"))


def test_blank_plan_design_page_asks_for_inputs(app, db_file):
    plan, _ = Store(db_file).create(Plan(name="Blank"))
    at = app(plan.id, "views/design.py")
    assert not at.exception
    assert any("primary KPI" in i for i in texts(at, "info"))


def test_matched_controls_from_the_sample_data(app, db_file):
    plan = sales_with_sample(db_file, design="matched")
    at = app(plan.id, "views/design.py")
    next(s for s in at.selectbox if s.label == "Trained people are those whose…").set_value("team").run()
    next(m for m in at.multiselect if m.label == "is one of" and "SAL-02" in m.options).set_value(
        ["SAL-02", "SAL-05"]).run()
    # pre-treatment covariates only (LMS minutes during the pilot are a consequence of training)
    next(m for m in at.multiselect if m.label == "Match on").set_value(["pre_score", "site"]).run()
    button(at, "Find matched controls").click().run()
    assert not at.exception
    assigned = Store(db_file).load(plan.id)[0].design.assignment
    treated = [a for a in assigned if a.arm == "treatment"]
    controls = [a for a in assigned if a.arm == "control"]
    assert 40 <= len(treated) <= 58 and len(controls) == len(treated)  # 1:1 without replacement
    balance = next(df.value for df in at.dataframe if "SMD after matching" in df.value.columns)
    smd = balance[["SMD", "SMD after matching"]].apply(pd.to_numeric, errors="coerce").abs()  # text: "+0.012"
    assert smd["SMD after matching"].max() < smd["SMD"].max()
    assert balance["mean treatment"].str.fullmatch(r"-?[\d,]+\.\d\d|\d+%|hidden").all()


def test_more_teams_than_are_eligible_is_said_plainly_and_no_power_is_claimed(app, db_file):
    template = sales_skills()
    template.pilot.start = "2026-07-01"
    template.pilot.eligible = {"site": ["London"]}  # 3 sales teams
    plan = with_sample_data(db_file, template)
    at = app(plan.id, "views/design.py")
    assert any("This pilot cannot be drawn" in w and "only 3 are eligible" in w.replace("\\", "")
               for w in texts(at, "warning"))
    assert metric(at, "Power of this pilot") == "—"


def test_a_negative_effect_and_a_start_before_the_data_show_messages_not_tracebacks(app, db_file):
    template = sales_skills()
    template.pilot.start, template.pilot.effect = "2025-03-01", -500.0
    plan = with_sample_data(db_file, template)
    at = app(plan.id, "views/design.py")
    assert not at.exception
    assert any("Nobody is eligible" in w for w in texts(at, "warning"))


def test_a_waitlist_in_waves_draws_every_team_and_states_its_simulated_power(app, db_file):
    store = Store(db_file)
    plan = sales_with_sample(db_file, design="waves", seed=2)
    at = app(plan.id, "views/design.py")
    assert any("Waves start: 1 on 01 Jul 2026, 2 on 01 Oct 2026, 3 on 01 Jan 2027" in c for c in texts(at, "caption"))
    button(at, "Draw the assignment list").click().run()
    saved = store.load(plan.id)[0].design.assignment
    assert len(saved) == 441 and {a.wave for a in saved} == {1, 2, 3}
    assert not at.exception
    power = metric(at, "Power of the waves (simulated)")
    assert power.endswith("%") and 50 <= int(power.rstrip("%")) <= 100
    assert any("rolled out in 3 waves" in t for t in texts(at, "info") + texts(at, "success") + texts(at, "warning"))
    assert any("analysed exactly as step 5 will" in c for c in texts(at, "caption"))


def test_a_pilot_of_new_hires_is_chosen_on_the_page_and_counts_who_joins(app, db_file):
    store = Store(db_file)
    plan = sales_with_sample(db_file)
    at = app(plan.id, "views/design.py")
    next(r for r in at.radio if r.label == "Who can take part").set_value("joiners").run()
    assert not at.exception, at.exception
    assert store.load(plan.id)[0].pilot.population == "joiners"
    # sample_data/README.md: 59 people join during the pilot's 90 days
    assert any("59 eligible people of 1,200" in c and "not joining during the intervention" in c
               for c in texts(at, "caption"))


def test_one_site_first_is_chosen_drawn_and_powered_by_placebo_simulation(app, db_file):
    store = Store(db_file)
    plan = sales_with_sample(db_file)
    at = app(plan.id, "views/design.py")
    next(r for r in at.radio if r.label == "Design").set_value("site").run()
    assert not at.exception, at.exception
    assert next(s for s in at.selectbox if s.label == "Sites are").value == "team"
    next(s for s in at.selectbox if s.label == "Piloted team").set_value("SAL-04").run()
    assert not at.exception, at.exception
    saved = store.load(plan.id)[0]
    assert saved.design.design == "site" and saved.design.site == "SAL-04"
    power = metric(at, "Power of this pilot (placebo simulation)")
    assert power.endswith("%")
    assert any("against a synthetic twin of 15 other teams" in t
               for t in texts(at, "info") + texts(at, "success") + texts(at, "warning"))
    assert any("each of 15 other sites in turn plays the piloted one" in c for c in texts(at, "caption"))
    button(at, "Draw the assignment list").click().run()
    listed = store.load(plan.id)[0].design.assignment
    assert {a.group for a in listed if a.arm == "treatment"} == {"SAL-04"} and len(listed) == 441

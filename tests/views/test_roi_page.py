
from core import roi, sensitivity
from core.plan import CostLine, Plan
from core.store import Store
from core.templates import onboarding, sales_skills
from tests.views.conftest import texts


def metric(at, label):
    return next(m.value for m in at.metric if m.label.startswith(label))


def slider(at, label):
    return next(s for s in at.slider if s.label.startswith(label))


def test_template_roi_page_shows_every_figure(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/roi.py")
    # By hand (tests/test_roi.py): the 220 treated reps cost $538,200 and bring 198,000 × Σ 0.98^m = $2,131,074
    assert metric(at, "ROI") == "296%"
    assert metric(at, "Benefit-cost ratio") == "3.96"
    # payback: 198,000 + 194,040 = 392,040 after two months; the third month's 190,159 covers the other 146,160
    assert metric(at, "Payback") == "2.8 months"
    # 538,200 ÷ (220 × 0.8 × 4 × 0.25 × Σ 0.98^m) = $284; escaped: the unit is user text
    assert metric(at, "Break-even effect").replace("\\", "") == "$284 per deal"
    charts = at.get("plotly_chart")
    assert len(charts) >= 4
    markdown = " ".join(texts(at, "markdown"))
    assert "P10" in markdown and "P90" in markdown and "probability ROI > 0" in markdown
    flags = " ".join(texts(at, "markdown"))
    assert "discounts the effect twice" not in flags and "has not run yet" not in flags  # the template's own rules


def test_slider_changes_the_metric_but_not_the_saved_plan(app, db_file):
    store = Store(db_file)
    plan, version = store.create(sales_skills())
    at = app(plan.id, "views/roi.py")
    slider(at, "Adoption").set_value(60).run()
    assert not at.exception
    # Independent: benefit scales with adoption, so ROI = (B × 0.6/0.8 − C) / C.
    from core import roi

    saved = roi.evaluate(roi.inputs(sales_skills()))
    expected = (saved.total_benefit * 0.6 / 0.8 - saved.total_cost) / saved.total_cost * 100
    assert metric(at, "ROI") == f"{expected:,.0f}%"
    assert store.load(plan.id) == (plan, version)
    assert any("The saved plan is unchanged" in c for c in texts(at, "caption"))


def test_save_as_scenario_then_reload_finds_it(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(onboarding())
    at = app(plan.id, "views/roi.py")
    slider(at, "Adoption").set_value(60).run()
    next(t for t in at.text_input if t.label == "Scenario name").set_value("Low adoption").run()
    next(b for b in at.button if b.label == "Save as scenario").click().run()
    saved, _ = store.load(plan.id)
    assert [s.name for s in saved.scenarios] == ["Low adoption"]
    assert saved.scenarios[0].values == {"adoption": 0.6}
    assert saved.roi.adoption == 0.9, "a scenario never overwrites the plan's assumptions"

    again = app(plan.id, "views/roi.py")
    chooser = next(s for s in again.selectbox if s.label == "Scenario")
    assert "Saved: Low adoption" in chooser.options
    chooser.set_value("Saved: Low adoption").run()
    assert slider(again, "Adoption").value == 60


def test_conservative_scenario_lowers_the_roi(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/roi.py")
    expected = float(metric(at, "ROI").rstrip("%"))
    next(s for s in at.selectbox if s.label == "Scenario").set_value(sensitivity.STRESS).run()
    assert float(metric(at, "ROI").rstrip("%").replace(",", "")) < expected


def test_editing_an_input_saves_the_plan(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(sales_skills())
    at = app(plan.id, "views/roi.py")
    next(n for n in at.number_input if n.label == "Hours each participant spends").set_value(20).run()
    assert store.load(plan.id)[0].roi.participant_hours == 20
    assert not at.exception


def test_participants_are_the_treated_arm_or_a_labelled_roll_out(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(sales_skills())
    at = app(plan.id, "views/roi.py")
    assert metric(at, "Participants") == "220"  # the pilot's treated arm (step 4)
    next(r for r in at.radio if r.label == "Whose benefits and costs are counted").set_value("rollout").run()
    next(n for n in at.number_input if n.label.startswith("Roll-out")).set_value(1_200).run()
    saved = store.load(plan.id)[0]
    assert (saved.roi.scope, saved.roi.rollout_participants, saved.pilot.treated_people) == ("rollout", 1_200, 220)
    assert any(m.label == "ROI (forecast, roll-out)" for m in at.metric)


def test_the_effect_typed_here_is_the_pilot_effect(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(sales_skills())
    at = app(plan.id, "views/roi.py")
    next(n for n in at.number_input if n.label.startswith("Effect per participant")).set_value(1_250.0).run()
    assert store.load(plan.id)[0].pilot.effect == 1_250.0
    design = app(plan.id, "views/design.py")
    assert next(n for n in design.number_input if n.label.startswith("Effect to detect")).value == 1_250.0


def test_zero_costs_show_a_message_next_to_the_costs(app, db_file):
    plan = Plan(name="Blank")
    plan.pilot.treated_people = 10
    plan.pilot.effect = 1
    plan.roi.costs = [CostLine("Delivery", 0)]
    plan, _ = Store(db_file).create(plan)
    at = app(plan.id, "views/roi.py")
    assert not at.exception
    assert any("Total cost must be above zero" in e for e in texts(at, "error"))
    assert [m.label for m in at.metric] == ["Participants"]  # no ROI figures


def test_blank_plan_roi_page_lists_the_phillips_flags(app, db_file):
    plan, _ = Store(db_file).create(Plan(name="Blank"))
    at = app(plan.id, "views/roi.py")
    assert any("Cost categories left at zero" in m for m in texts(at, "markdown"))


def test_break_even_values_are_shown(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/roi.py")
    # Independent: benefit is proportional to adoption, so break-even adoption = 80% × cost / benefit.
    from core import roi

    result = roi.evaluate(roi.inputs(sales_skills()))
    expected = 0.8 * result.total_cost / result.total_benefit
    assert any(f"adoption {expected:.0%}" in c for c in texts(at, "caption"))


def test_a_stored_range_that_lets_participants_reach_zero_shows_a_message(app, db_file):
    from core.plan import Range

    plan = sales_skills()
    plan.roi.costs = [CostLine("Licences", 300, True)]
    plan.roi.participant_hours = 0
    plan.roi.ranges["participants"] = Range(0, 200)
    plan, _ = Store(db_file).create(plan)
    at = app(plan.id, "views/roi.py")
    assert not at.exception
    assert any("costs nothing" in e for e in texts(at, "error"))


def test_the_headline_says_which_value_it_is_and_why_the_median_differs(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/roi.py")
    note = next(c for c in texts(at, "caption") if c.startswith("The headline ROI puts every assumption"))
    assert "simulated median" in note
    assert any(o.startswith("Stress test") for o in next(s for s in at.selectbox if s.label == "Scenario").options)


def test_the_presenter_view_shows_big_numbers_the_range_and_scenarios_side_by_side(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/present.py")
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert labels[0] == "ROI (forecast)" and "Chance ROI > 0" in labels and "Simulated median (P50)" in labels
    assert not at.number_input and not at.text_input  # no editing chrome: sliders only
    assert len(at.slider) == 8
    table = next(df.value for df in at.dataframe if "in the Monte Carlo" in df.value.columns)
    stress = table[table["scenario"].str.startswith("Stress test")]
    assert stress["in the Monte Carlo"].iloc[0] == "rarer than 1 draw in 100"
    before = next(m.value for m in at.metric if m.label == "ROI (forecast)")
    next(s for s in at.slider if s.label.startswith("Adoption")).set_value(40.0).run()
    assert next(m.value for m in at.metric if m.label == "ROI (forecast)") != before
    assert Store(db_file).load(plan.id)[0].roi.adoption == plan.roi.adoption  # the saved plan is unchanged


def test_going_straight_from_the_roi_page_to_the_presenter_keeps_the_saved_values(app, db_file):
    """Both pages have sliders; a key shared between them would reset every slider to its minimum (ROI −100%)."""
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/roi.py")
    at.switch_page("views/present.py").run()
    assert slider(at, "Adoption").value == 80.0
    assert next(m.value for m in at.metric if m.label == "ROI (forecast)") == "296%"
    at.switch_page("views/roi.py").run()
    assert slider(at, "Adoption").value == 80.0


def test_the_stress_test_is_placed_in_the_plans_range_and_the_range_follows_it(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/present.py")
    saved_range = next(m.value for m in at.metric if m.label.startswith("Range"))
    scenario = next(s for s in at.selectbox if s.label == "Scenario")
    scenario.set_value(next(o for o in scenario.options if o.startswith("Stress test"))).run()
    assert not at.exception, at.exception
    moved = next(m for m in at.metric if m.label.startswith("Range"))
    assert moved.value != saved_range and f"(saved plan: {saved_range})" in moved.help
    assert any(c.startswith("What-if:") and "rarer than 1 draw in 100" in c for c in texts(at, "caption"))
    assert not any("most likely value" in c for c in texts(at, "caption"))


def _chart_text(at, needle: str) -> str:
    return next(c.proto.spec for c in at.get("plotly_chart") if needle in c.proto.spec)


def test_a_what_if_moves_the_tornado_the_range_and_the_scenario_chart_with_the_headline(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/present.py")
    assert "expected 296%" in _chart_text(at, "expected ")
    slider(at, "Adoption").set_value(40.0).run()
    assert not at.exception, at.exception
    headline = metric(at, "ROI (forecast)")
    assert headline != "296%"
    assert f"expected {headline}" in _chart_text(at, "expected ")  # the tornado is drawn around the what-if
    # the range is the Monte Carlo of the slider values (an independent call of the same model)
    inputs = roi.with_values(roi.inputs(sales_skills()), {"adoption": 0.4})
    mc = sensitivity.monte_carlo(inputs)
    assert metric(at, "Range (P10 to P90)") == f"{mc.p10:,.0f}% to {mc.p90:,.0f}%"
    table = next(df.value for df in at.dataframe if "in the Monte Carlo" in df.value.columns)
    assert table[table["scenario"] == "What-if (the sliders now)"]["ROI"].iloc[0] == headline


def test_a_saved_decay_beyond_the_sliders_usual_range_opens_as_saved(app, db_file):
    """The decay slider stopped at 30%: a plan saved at 95% opened with the headline at 30% ("vs saved")."""
    plan = sales_skills()
    plan.roi.monthly_decay = 0.95
    plan.roi.ranges.pop("monthly_decay", None)
    plan, _ = Store(db_file).create(plan)
    at = app(plan.id, "views/roi.py")
    assert not at.exception
    assert metric(at, "ROI") == f"{roi.evaluate(roi.inputs(plan)).roi_pct:,.0f}%"
    assert slider(at, "Monthly decay of the effect").value == 95.0

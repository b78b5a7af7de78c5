import pytest

from core.plan import CostLine, Plan
from core.store import Store
from core.templates import onboarding, sales_skills
from tests.pages.conftest import texts


def metric(at, label):
    return next(m.value for m in at.metric if m.label.startswith(label))


def slider(at, label):
    return next(s for s in at.slider if s.label.startswith(label))


def test_template_roi_page_shows_every_figure(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "pages/roi.py")
    assert metric(at, "ROI") == "49%"
    assert metric(at, "Benefit-cost ratio") == "1.49"
    assert metric(at, "Payback") == "7.7 months"
    assert float(metric(at, "Break-even effect")) == pytest.approx(670.6, abs=0.05)
    charts = at.get("plotly_chart")
    assert len(charts) >= 4
    markdown = " ".join(texts(at, "markdown"))
    assert "P10" in markdown and "P90" in markdown and "probability ROI > 0" in markdown
    assert any("No flags" in s for s in texts(at, "success"))


def test_slider_changes_the_metric_but_not_the_saved_plan(app, db_file):
    store = Store(db_file)
    plan, version = store.create(sales_skills())
    at = app(plan.id, "pages/roi.py")
    slider(at, "Adoption").set_value(60).run()
    assert not at.exception
    # Independent: benefit scales with adoption, so ROI = (B × 0.6/0.8 − C) / C.
    from core import roi

    saved = roi.evaluate(sales_skills().roi)
    expected = (saved.total_benefit * 0.6 / 0.8 - saved.total_cost) / saved.total_cost * 100
    assert metric(at, "ROI") == f"{expected:,.0f}%"
    assert store.load(plan.id) == (plan, version)
    assert any("The saved plan is unchanged" in c for c in texts(at, "caption"))


def test_save_as_scenario_then_reload_finds_it(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(onboarding())
    at = app(plan.id, "pages/roi.py")
    slider(at, "Adoption").set_value(60).run()
    next(t for t in at.text_input if t.label == "Scenario name").set_value("Low adoption").run()
    next(b for b in at.button if b.label == "Save as scenario").click().run()
    saved, _ = store.load(plan.id)
    assert [s.name for s in saved.scenarios] == ["Low adoption"]
    assert saved.scenarios[0].values == {"adoption": 0.6}
    assert saved.roi.adoption == 0.9, "a scenario never overwrites the plan's assumptions"

    again = app(plan.id, "pages/roi.py")
    chooser = next(s for s in again.selectbox if s.label == "Scenario")
    assert "Saved: Low adoption" in chooser.options
    chooser.set_value("Saved: Low adoption").run()
    assert slider(again, "Adoption").value == 60


def test_conservative_scenario_lowers_the_roi(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "pages/roi.py")
    expected = float(metric(at, "ROI").rstrip("%"))
    next(s for s in at.selectbox if s.label == "Scenario").set_value("Conservative").run()
    assert float(metric(at, "ROI").rstrip("%").replace(",", "")) < expected


def test_editing_an_input_saves_the_plan(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(sales_skills())
    at = app(plan.id, "pages/roi.py")
    next(n for n in at.number_input if n.label == "Participants").set_value(90).run()
    assert store.load(plan.id)[0].roi.participants == 90
    assert not at.exception


def test_zero_costs_show_a_message_next_to_the_costs(app, db_file):
    plan = Plan(name="Blank")
    plan.roi.participants = 10
    plan.roi.effect = 1
    plan.roi.costs = [CostLine("Delivery", 0)]
    plan, _ = Store(db_file).create(plan)
    at = app(plan.id, "pages/roi.py")
    assert not at.exception
    assert any("Total cost must be above zero" in e for e in texts(at, "error"))
    assert not at.metric


def test_blank_plan_roi_page_lists_the_phillips_flags(app, db_file):
    plan, _ = Store(db_file).create(Plan(name="Blank"))
    at = app(plan.id, "pages/roi.py")
    assert any("Cost categories left at zero" in m for m in texts(at, "markdown"))


def test_break_even_values_are_shown(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "pages/roi.py")
    # Independent: benefit is proportional to adoption, so break-even adoption = 80% × cost / benefit.
    from core import roi

    result = roi.evaluate(sales_skills().roi)
    expected = 0.8 * result.total_cost / result.total_benefit
    assert any(f"adoption {expected:.0%}" in c for c in texts(at, "caption"))

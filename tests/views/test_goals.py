from core.plan import Plan
from core.store import Store
from core.templates import sales_skills
from tests.views.conftest import texts


def test_goals_page_without_a_plan_points_to_plans(app):
    at = app(page="views/goals.py")
    assert any("Open or create a plan first" in i for i in texts(at, "info"))


def test_program_type_and_questions_autosave(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(Plan(name="G"))
    at = app(plan.id, "views/goals.py")
    at.selectbox[0].set_value("development").run()
    for i, box in enumerate(at.text_area):
        box.set_value(f"answer {i} ✓")
    at.run()
    saved, version = store.load(plan.id)
    assert saved.program_type == "development"
    assert saved.goals.decisions_change == "answer 4 ✓"
    assert version >= 3
    assert at.session_state["save_state"] == "saved"


def test_template_stakeholders_and_hypotheses_are_shown(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/goals.py")
    frames = at.dataframe
    assert list(frames[0].value["role"])[:2] == ["KPI/OKR owner", "Finance partner"]
    assert frames[1].value["kpi"][0] == "Average deal size"
    assert not at.warning


def test_hypothesis_without_size_is_flagged(app, db_file):
    plan = Plan(name="H")
    plan.hypotheses = []
    store = Store(db_file)
    plan, v = store.create(plan)
    from core.plan import Hypothesis

    plan.hypotheses = [Hypothesis(kpi="CSAT")]
    store.save(plan, expected_version=v)
    at = app(plan.id, "views/goals.py")
    assert any("Give an assumed size for: CSAT" in w for w in texts(at, "warning"))

import json

from core.plan import Plan
from core.store import Store
from tests.views.conftest import texts


def create(at, name, template="blank"):
    form_inputs = [w for w in at.text_input if w.label == "Name"]
    form_inputs[0].set_value(name)
    at.selectbox[0].set_value(template)
    next(b for b in at.button if b.label == "Create plan").click().run()
    assert not at.exception, at.exception
    return at


def test_app_starts_on_the_plans_page(app):
    at = app()
    assert "Pilot ROI" in texts(at, "title")
    assert any("No plans yet" in s for s in texts(at, "subheader"))


def test_create_from_template_answer_a_goal_and_find_it_after_reload(app, db_file):
    at = create(app(), "Sales pilot Q1", "sales")
    plan = at.session_state["plan"]
    assert plan.name == "Sales pilot Q1" and plan.pilot.treated_people == 220
    assert at.query_params["plan"] == plan.id

    goals = app(plan.id, "views/goals.py")
    box = goals.text_area[0]
    box.set_value("Bigger average deals, measured in the CRM").run()
    assert not goals.exception

    reopened = app(plan.id, "views/goals.py")
    assert reopened.text_area[0].value == "Bigger average deals, measured in the CRM"
    assert Store(db_file).load(plan.id)[0].goals.business_improvement.startswith("Bigger average deals")


def test_empty_and_overlong_names_get_specific_messages(app, db_file):
    at = create(app(), "   ")
    assert any("cannot be empty" in e for e in texts(at, "error"))
    at = create(at, "x" * 10_000)
    assert any("10,000 characters is too long" in e for e in texts(at, "error"))
    assert Store(db_file).list_plans() == []


def test_names_with_html_sql_and_emoji_are_shown_literally(app, db_file):
    name = "<b>Q1</b> 🚀 'x'); DROP TABLE plans;--"
    at = create(app(), name)
    assert Store(db_file).list_plans()[0].name == name
    assert not at.exception


def test_import_of_a_broken_file_says_what_is_wrong_and_keeps_plans(app, db_file):
    store = Store(db_file)
    store.create(Plan(name="Existing"))
    at = app()
    at.file_uploader[0].set_value(("old.json", b'{"name": "x"', "application/json")).run()
    next(b for b in at.button if b.label == "Import").click().run()
    errors = texts(at, "error")
    assert any("old.json could not be imported" in e and "line 1" in e for e in errors), errors
    newer = json.dumps({"schema_version": 99, "name": "From the future"}).encode()
    at.file_uploader[0].set_value(("new.json", newer, "application/json")).run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert any("newer Pilot ROI" in e for e in texts(at, "error"))
    assert [r.name for r in store.list_plans()] == ["Existing"]


def test_import_of_a_valid_export_opens_it(app, db_file):
    at = app()
    data = Plan(name="Exported elsewhere").to_json().encode()
    at.file_uploader[0].set_value(("plan.json", data, "application/json")).run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert at.session_state["plan"].name == "Exported elsewhere"


def test_delete_asks_for_confirmation(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(Plan(name="Doomed"))
    at = app()
    at.button(key=f"del-{plan.id}").click().run()
    assert store.list_plans(), "one click must not delete"
    assert any("cannot be undone" in w for w in texts(at, "warning"))
    at.button(key=f"del-yes-{plan.id}").click().run()
    assert store.list_plans() == []


def test_duplicate_and_archive(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(Plan(name="Base"))
    at = app()
    at.button(key=f"dup-{plan.id}").click().run()
    assert sorted(r.name for r in store.list_plans()) == ["Base", "Base (copy)"]
    at.button(key=f"arch-{plan.id}").click().run()
    assert [r.name for r in store.list_plans()] == ["Base (copy)"]


def test_export_button_downloads_the_plan_as_json(app, db_file, downloads):
    from core.templates import sales_skills

    plan, _ = Store(db_file).create(sales_skills())
    app()
    exported = Plan.from_json(downloads()["Sales-skills-program.json"])
    assert exported == plan  # the file imports back to the same plan


def test_a_conflict_offers_reload_or_copy(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(Plan(name="Meeting plan"))
    at = app(plan.id, "views/goals.py")
    other, version = store.load(plan.id)
    other.goals.business_improvement = "Someone else's words"
    store.save(other, expected_version=version)

    at.text_area[0].set_value("My words").run()
    assert at.session_state["save_state"] == "conflict"
    assert any("Someone else saved this plan" in w for w in texts(at, "warning"))
    at.button(key="conflict-copy").click().run()
    names = sorted(r.name for r in store.list_plans())
    assert names == ["Meeting plan", "Meeting plan (my copy)"]
    copy_id = at.session_state["plan"].id
    assert store.load(copy_id)[0].goals.business_improvement == "My words"
    assert store.load(plan.id)[0].goals.business_improvement == "Someone else's words"


def test_restore_an_earlier_version(app, db_file):
    store = Store(db_file)
    plan, v = store.create(Plan(name="Versions"))
    plan.goals.activities = "second"
    store.save(plan, expected_version=v)
    at = app(plan.id)
    assert any("The next version changed: goals activities — → second" in c for c in texts(at, "caption"))
    first = store.history(plan.id)[0]
    at.button(key=f"restore-{first.id}").click().run()
    assert store.load(plan.id)[0].goals.activities == ""
    assert at.session_state["plan"].goals.activities == ""


def test_unusable_database_path_shows_a_message(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("PILOT_ROI_DB", str(blocker / "plans.db"))
    from tests.views.conftest import new_app

    at = new_app()
    assert any("Cannot use the database file" in e and "PILOT_ROI_DB" in e for e in texts(at, "error"))

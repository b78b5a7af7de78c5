import pandas as pd

from core.plan import Plan
from core.store import Store
from core.templates import sales_skills
from tests.views.conftest import texts, with_sample_data


def test_load_sample_data_shows_the_report_and_survives_a_reload(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(sales_skills())
    at = app(plan.id, "views/data.py")
    next(b for b in at.button if b.label == "Load sample data").click().run(timeout=120)
    assert not at.exception
    assert {d.kind for d in store.datasets(plan.id)} == {"hris", "lms", "assessments", "kpis"}
    warnings = " ".join(texts(at, "warning"))
    assert "2024-02-30" in warnings and "03/04/2022" in warnings and "more than once (lines 103" in warnings
    assert "2 ids in lms_events.csv are not in hris.csv (lines" in warnings  # counted and located, never quoted
    for raw in ("E00102", "E00518", "E09999", "X-TEMP-1"):
        assert raw not in warnings
    markdown = " ".join(texts(at, "markdown"))
    assert "**1,200 people**" in markdown and "13,035 employee-months" in markdown

    again = app(plan.id, "views/data.py")  # a new session: nothing re-uploaded
    assert any("**1,200 people**" in m for m in texts(again, "markdown"))
    table = again.dataframe[-2].value if len(again.dataframe) > 1 else again.dataframe[0].value
    assert "person (pseudonym)" in table.columns or any(
        "person (pseudonym)" in df.value.columns for df in again.dataframe)
    shown = " ".join(str(df.value.to_string()) for df in again.dataframe)
    assert "E00001" not in shown and "Female" not in shown and "O'Brien" not in shown


def test_bad_upload_says_what_is_wrong_and_keeps_the_saved_file(app, db_file):
    plan = with_sample_data(db_file, Plan(name="Data"))
    at = app(plan.id, "views/data.py")
    at.file_uploader[0].set_value(("hris.xlsx", b"employee_id,team\n1,A\n", "application/octet-stream")).run()
    errors = " ".join(texts(at, "error"))
    assert "hris.xlsx is not a real .xlsx workbook" in errors and "hris.csv is still in use" in errors
    assert Store(db_file).load(plan.id)[0].data.sources["hris"].filename == "hris.csv"


def test_upload_replace_and_remove(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(Plan(name="Mine"))
    at = app(plan.id, "views/data.py")
    at.file_uploader[0].set_value(("people.csv", b"employee_id,team\n001,A\n002,B\n", "text/csv")).run()
    assert store.load(plan.id)[0].data.sources["hris"].roles["employee_id"] == "employee_id"
    assert any("people.csv" in m and "2 rows" in m for m in texts(at, "markdown"))
    at.button(key=f"{plan.id}.{at.session_state['epoch']}.data.remove.hris").click().run()
    assert "hris" not in store.load(plan.id)[0].data.sources and store.datasets(plan.id) == []
    previous = next(e for e in store.history(plan.id) if "hris" in store.load_history(e.id).data.sources)
    assert store.owns_file(plan.id, store.load_history(previous.id).data.sources["hris"].sha256)  # kept for restore


def test_group_comparison_hides_small_groups(app, db_file):
    plan, _ = Store(db_file).create(Plan(name="Groups"))
    rows = [(f"{i:03d}", site, 50 + i) for i, site in enumerate(["A"] * 4 + ["B"] * 10 + ["C"] * 16)]
    text = "employee_id,site,score\n" + "".join(f"{i},{site},{score}\n" for i, site, score in rows)
    at = app(plan.id, "views/data.py")
    at.file_uploader[0].set_value(("people.csv", text.encode(), "text/csv")).run()
    next(s for s in at.selectbox if s.label == "Group by").set_value("site")
    next(s for s in at.selectbox if s.label == "Measure").set_value("score").run()
    summary = at.dataframe[-1].value.set_index("site")
    assert set(summary.index) == {"C", "2 hidden groups"}  # B would reveal A; their names go with them
    assert pd.isna(summary.loc["2 hidden groups", "people"]) and summary.loc["C", "people"] == 16
    assert any("fewer than 5 people" in c for c in texts(at, "caption"))


def test_a_plan_imported_without_its_files_asks_for_them_again(app, db_file):
    import hashlib

    from core.plan import SourceMapping

    plan = Plan(name="Imported")
    plan.data.sources["hris"] = SourceMapping("hris.csv", hashlib.sha256(b"x").hexdigest(), {"id": "employee_id"})
    plan, _ = Store(db_file).import_json(plan.to_json())
    at = app(plan.id, "views/data.py")
    assert not at.exception
    assert any("hris.csv can no longer be read" in e and "Upload it again" in e for e in texts(at, "error"))
    for page in ("views/kpis.py", "views/design.py", "views/export.py"):
        assert not app(plan.id, page).exception


def test_an_hr_export_shaped_like_the_public_ibm_dataset(app, db_file):
    """35 CamelCase columns, constant columns, gaps in the ids: upload, roles, report, panel, groups."""
    import numpy as np

    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({
        "Age": rng.integers(18, 61, n), "Attrition": rng.choice(["Yes", "No"], n),
        "Department": rng.choice(["Sales", "Research & Development", "Human Resources"], n, p=[.3, .68, .02]),
        "EmployeeCount": 1, "EmployeeNumber": np.sort(rng.choice(np.arange(1, 2000), n, replace=False)),
        "Gender": rng.choice(["Male", "Female"], n), "MonthlyIncome": rng.integers(1009, 20000, n),
        "Over18": "Y", "PerformanceRating": rng.choice([3, 4], n), "YearsAtCompany": rng.integers(0, 41, n),
    })
    plan, _ = Store(db_file).create(Plan(name="HR"))
    at = app(plan.id, "views/data.py")
    at.file_uploader[0].set_value(("WA_Fn-UseC_-HR-Employee-Attrition.csv", frame.to_csv(index=False).encode(),
                                   "text/csv")).run()
    assert not at.exception
    roles = Store(db_file).load(plan.id)[0].data.sources["hris"].roles
    assert roles["EmployeeNumber"] == "employee_id" and roles["MonthlyIncome"] == "sensitive"
    assert any("**300 people**" in m for m in texts(at, "markdown"))
    shown = " ".join(df.value.to_string() for df in at.dataframe)
    assert "Female" not in shown  # gender never row by row
    next(s for s in at.selectbox if s.label == "Group by").set_value("Department")
    next(s for s in at.selectbox if s.label == "Measure").set_value("YearsAtCompany").run()
    summary = at.dataframe[-1].value.set_index("Department")
    counts = frame["Department"].value_counts()
    for department, people in counts.items():
        hidden = pd.isna(summary.loc[department, "people"])
        assert hidden == (people < 5 or (counts < 5).sum() == 1 and people == counts[counts >= 5].min())


def test_the_chosen_date_order_is_said_and_flipped_in_one_click(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(Plan(name="Dates"))
    at = app(plan.id, "views/data.py")
    data = b"employee_id,hired\nE1,25/03/2024\nE2,04/05/2024\nE3,01/02/2024\n"
    at.file_uploader[0].set_value(("people.csv", data, "text/csv")).run()
    assert any("Dates read as day/month/year" in i for i in texts(at, "info"))
    next(b for b in at.button if b.label == "Read the dates as month/day/year").click().run()
    assert not at.exception
    assert store.load(plan.id)[0].data.sources["hris"].date_order == "month-first"
    assert any("25/03/2024" in w and "not a valid date" in w for w in texts(at, "warning"))  # no 25th month


def test_a_new_file_starts_from_the_dates_own_order_and_ambiguous_dates_get_two_buttons(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(Plan(name="Dates"))
    at = app(plan.id, "views/data.py")
    at.file_uploader[0].set_value(("a.csv", b"employee_id,hired\nE1,25/03/2024\nE2,04/05/2024\n", "text/csv")).run()
    next(b for b in at.button if b.label == "Read the dates as month/day/year").click().run()
    assert any("month/day/year (as chosen for this file)" in i for i in texts(at, "info"))
    at.file_uploader[0].set_value(("b.csv", b"employee_id,hired\nE1,03/04/2024\nE2,05/06/2024\n", "text/csv")).run()
    assert not at.exception
    assert store.load(plan.id)[0].data.sources["hris"].date_order == "auto"  # not the last file's choice
    assert any("2 dates could be day/month or month/day" in w for w in texts(at, "warning"))
    labels = [b.label for b in at.button]
    assert "Read the dates as day/month/year" in labels and "Read the dates as month/day/year" in labels
    next(b for b in at.button if b.label == "Read the dates as day/month/year").click().run()
    assert store.load(plan.id)[0].data.sources["hris"].date_order == "day-first"
    assert not any("could be day/month" in w for w in texts(at, "warning"))


def test_people_are_never_grouped_by_a_sensitive_attribute_or_a_number(app, db_file):
    plan = with_sample_data(db_file, sales_skills())
    at = app(plan.id, "views/data.py")
    options = set(next(s for s in at.selectbox if s.label == "Group by").options)
    assert "team" in options and not options & {"gender", "ethnicity", "salary", "employee_id", "name"}

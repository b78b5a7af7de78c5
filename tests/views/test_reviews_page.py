"""The Reviews & sign-off page: plan the cadence, hold a review (the registry keeps the reading), download the
status report, sign, and see a signature turn into a deviation after a later edit."""

from core.store import Store
from tests.views.conftest import texts
from tests.views.test_results_page import sample_pilot


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_a_review_cycle_on_the_running_sample_pilot(app, db_file, downloads):
    store = Store(db_file)
    plan = sample_pilot(db_file)
    plan, version = store.load(plan.id)
    plan.pilot.measurement_months = 9  # the sample's data ends three months into the window: a running pilot
    plan.design.looks = 3
    store.save(plan, expected_version=version)

    at = app(plan.id, "views/reviews.py")
    assert not at.exception, at.exception
    _button(at, "Plan the reviews (day 30, 60, 90, then quarterly)").click().run()
    saved = store.load(plan.id)[0]
    assert [r.title for r in saved.reviews][:3] == ["Day 30 review", "Day 60 review", "Day 90 review"]
    assert saved.reviews[0].due == "2026-07-31" and len(saved.reviews) == 7

    said = " ".join(texts(at, "markdown"))
    assert "observed so far (3 of 9 months)" in said and "Interim look 1 of 2" in said, said
    at.text_input[0].input("Ana (L&D)")
    at.text_area[0].input("Sponsor saw the interim number.")
    at.text_area[1].input("Whether to extend to a second site.")
    at.button[-2].click().run()  # the hold form's submit (the sign form's is last)
    assert not at.exception, at.exception
    saved = store.load(plan.id)[0]
    held = saved.reviews[0]
    assert held.held_on and held.held_by == "Ana (L&D) (typed name)" and held.pending.startswith("Whether")
    reading = saved.hypotheses[0].observations[-1]
    assert reading.kind == "interim" and reading.months == 3 and reading.reviewed_by == "Ana (L&D) (typed name)"
    assert "Interim look 1 of 2" in reading.verdict
    registry = next(df.value for df in at.dataframe if "reviewed by" in df.value.columns)
    assert "interim" in registry["read"].iloc[0]

    files = downloads()
    html = next(v for k, v in files.items() if k.endswith(".html")).decode()
    assert "Day 30 review" in html and "held " in html and "The numbers so far" in html and "Pilot health" in html
    assert "Sponsor saw the interim number." in html and "Interim look 1 of 2" in html
    assert next(v for k, v in files.items() if k.endswith(".pdf")).startswith(b"%PDF")
    step5 = app(plan.id, "views/results.py")  # step 5 shows the same reading
    kept = next(df.value for df in step5.dataframe if "reviewed by" in df.value.columns)
    assert kept["observed"].iloc[0] == reading.words and kept["reviewed by"].iloc[0] == "Ana (L&D) (typed name)"


def test_a_signature_becomes_a_deviation_when_an_assumption_changes(app, db_file):
    store = Store(db_file)
    plan = sample_pilot(db_file)
    at = app(plan.id, "views/reviews.py")
    at.radio[0].set_value("decision")
    at.text_input[-2].input("Fay")
    at.text_input[-1].input("Finance")
    at.button[-1].click().run()
    assert not at.exception, at.exception
    assert any("Fay (Finance) signed the final decision" in s and "still holds" in s for s in texts(at, "success"))
    saved, version = store.load(plan.id)
    assert saved.signoffs[0].signed_as == "typed name"
    assert any(h.kind == "saved" for h in store.history(plan.id))

    saved.roi.attribution = 0.5
    store.save(saved, expected_version=version)
    at = app(plan.id, "views/reviews.py")
    warning = " ".join(texts(at, "warning"))
    assert "ROI: attribution changed" in warning and "needs a new signature" in warning, warning


def test_an_empty_name_is_refused_and_nothing_is_signed(app, db_file):
    store = Store(db_file)
    plan = sample_pilot(db_file)
    at = app(plan.id, "views/reviews.py")
    at.radio[0].set_value("decision")
    at.button[-1].click().run()
    assert any("a signature needs a name" in e for e in texts(at, "error"))
    assert store.load(plan.id)[0].signoffs == []


def test_plans_and_portfolio_show_an_overdue_review_and_the_plan_versus_actual(app, db_file, downloads):
    from core import reviews
    from core.templates import sales_skills

    store = Store(db_file)
    plan = sales_skills()
    plan.pilot.start = "2025-01-06"  # long past: its day-30 review is overdue
    plan.reviews = reviews.cadence(plan)
    plan.reviews[0].owner = "<b>Ana</b>"
    plan, _ = store.create(plan)
    at = app()
    assert any("Reviews: overdue: Day 30 review (due 05 Feb 2025; owner <b>Ana</b>)" in w
               for w in texts(at, "warning")), texts(at, "warning")
    at = app(page="views/portfolio.py")
    assert not at.exception, at.exception
    versus = next(df.value for df in at.dataframe if "forecast ROI" in df.value.columns)
    assert versus["reviews"].iloc[0].startswith("overdue: Day 30 review")
    assert versus["basis"].iloc[0].startswith("forecast only")
    assert any("Reviews overdue: Sales skills" in w for w in texts(at, "warning"))
    import io

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(downloads()["portfolio.xlsx"]))
    assert book["Plan vs actual"]["H2"].value.startswith("overdue")

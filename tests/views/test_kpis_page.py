import pandas as pd
import pytest

from core.plan import Plan
from core.store import Store
from core.templates import sales_skills
from tests.views.conftest import texts, with_sample_data
from ui.datasets import SAMPLE


def test_add_from_catalogue_map_to_a_column_and_see_its_baseline(app, db_file):
    plan = with_sample_data(db_file, Plan(name="KPIs"))
    at = app(plan.id, "views/kpis.py")
    next(s for s in at.selectbox if s.label == "Start from a common KPI").set_value("Average deal size")
    next(b for b in at.button if b.label == "Add").click().run()
    saved = Store(db_file).load(plan.id)[0]
    assert [k.name for k in saved.kpis] == ["Average deal size"]
    saved.kpis[0].column = "avg_deal_size"
    Store(db_file).save(saved, expected_version=Store(db_file).load(plan.id)[1])
    again = app(plan.id, "views/kpis.py")
    table = again.dataframe[1].value
    row = table[table["KPI"] == "Average deal size"].iloc[0]
    assert row["people"] == 441 and 25_000 < row["mean"] < 32_000
    assert any("Neither monetised nor marked intangible" in w for w in texts(again, "warning"))


def test_sales_template_shows_the_link_to_money_and_the_association(app, db_file):
    plan = with_sample_data(db_file, sales_skills(), piloted=True)  # the post-program score arrives with the pilot
    at = app(plan.id, "views/kpis.py")
    link = "**Assessment score** → **Average deal size** → $4 per extra $1 of average deal size"
    assert any(link in m.replace("\\", "") for m in texts(at, "markdown"))
    assert any("Association, not effect: r =" in c and "people" in c for c in texts(at, "caption"))


def test_the_primary_kpi_and_the_pilot_effect_have_one_home_shown_on_steps_3_and_6(app, db_file):
    store = Store(db_file)
    template = sales_skills()
    template.pilot.start = "2026-07-01"
    plan = with_sample_data(db_file, template)
    roi_page = app(plan.id, "views/roi.py")
    value = next(n for n in roi_page.number_input if n.label.startswith("Value of the KPI"))
    assert value.value == 4.0
    value.set_value(5.0).run()
    assert store.load(plan.id)[0].primary_kpi().value_per_unit == 5.0  # the KPI's own field, not a copy
    at = app(plan.id, "views/kpis.py")
    table = at.dataframe[1].value
    row = table[table["KPI"] == "Average deal size"].iloc[0]
    # Independent: Apr–Jun 2026 person means of the 441 reps (the 3-month baseline window), typo left out
    kpis = pd.read_csv(SAMPLE / "kpis_monthly.csv", dtype={"employee_id": str})
    kpis = kpis[kpis.avg_deal_size < 5 * kpis.avg_deal_size.median()]
    window = kpis[kpis.month.isin(["2026-04", "2026-05", "2026-06"])].groupby("employee_id").avg_deal_size.mean()
    assert row["pilot effect"] == 1_125.0 and row["people"] == 441
    assert row["mean"] == pytest.approx(window.mean(), rel=1e-9)
    assert row["% of baseline"] == pytest.approx(1_125.0 / window.mean() * 100, rel=1e-9)


def test_each_kpi_is_a_short_form_that_saves_as_it_is_edited(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(sales_skills())
    at = app(plan.id, "views/kpis.py")
    value = next(n for n in at.number_input if n.label.replace("\\", "").startswith("$ per extra $1 of average"))
    value.set_value(5.0).run()
    assert store.load(plan.id)[0].primary_kpi().value_per_unit == 5.0
    # marking the learning KPI primary unmarks the business one: one primary outcome
    boxes = [c for c in at.checkbox if c.label == "Primary"]
    assert [c.value for c in boxes] == [False, True]
    boxes[0].check().run()
    assert [k.primary for k in store.load(plan.id)[0].kpis] == [True, False]
    next(b for b in at.button if b.label == "Add a KPI of your own").click().run()
    assert store.load(plan.id)[0].kpis[-1].name == "New KPI 3"
    owners = next(s for s in at.selectbox if s.label == "Owner")
    assert "VP Sales" in owners.options  # owners are step 1's stakeholders

import pandas as pd
import pytest

from core.plan import Plan
from core.store import Store
from core.templates import sales_skills
from tests.pages.conftest import texts, with_sample_data
from ui.datasets import SAMPLE


def test_add_from_catalogue_map_to_a_column_and_see_its_baseline(app, db_file):
    plan = with_sample_data(db_file, Plan(name="KPIs"))
    at = app(plan.id, "pages/kpis.py")
    next(s for s in at.selectbox if s.label == "Start from a common KPI").set_value("Average deal size")
    next(b for b in at.button if b.label == "Add").click().run()
    saved = Store(db_file).load(plan.id)[0]
    assert [k.name for k in saved.kpis] == ["Average deal size"]
    saved.kpis[0].column = "avg_deal_size"
    Store(db_file).save(saved, expected_version=Store(db_file).load(plan.id)[1])
    again = app(plan.id, "pages/kpis.py")
    table = again.dataframe[1].value
    row = table[table["KPI"] == "Average deal size"].iloc[0]
    assert row["people"] == 464 and 25_000 < row["mean"] < 32_000
    assert any("Neither monetised nor marked intangible" in w for w in texts(again, "warning"))


def test_sales_template_shows_the_link_to_money_and_the_association(app, db_file):
    plan = with_sample_data(db_file, sales_skills())
    at = app(plan.id, "pages/kpis.py")
    assert any("**Assessment score** → **Average deal size** → $4 per unit" in m for m in texts(at, "markdown"))
    assert any("Association, not effect: r =" in c and "464 people" in c for c in texts(at, "caption"))


def test_primary_kpi_goes_to_the_roi_step(app, db_file):
    store = Store(db_file)
    template = sales_skills()
    template.design.start_date = "2026-07-01"
    plan = with_sample_data(db_file, template)
    at = app(plan.id, "pages/kpis.py")
    next(b for b in at.button if b.label == "Use the primary KPI in steps 4 and 6").click().run()
    saved = store.load(plan.id)[0]
    assert saved.roi.value_per_unit == 4.0
    kpis = pd.read_csv(SAMPLE / "kpis_monthly.csv", dtype={"employee_id": str})
    before = kpis[kpis.month < "2026-07"].groupby("employee_id").avg_deal_size.mean()
    assert saved.roi.effect == pytest.approx(0.04 * before.mean(), rel=1e-9)  # 4% of the pre-pilot baseline
    assert saved.design.sd == pytest.approx(before.std(ddof=1), rel=1e-9)
    roi_page = app(plan.id, "pages/roi.py")
    assert any(n.label.startswith("Value per unit") and n.value == 4.0 for n in roi_page.number_input)

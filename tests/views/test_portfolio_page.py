"""Portfolio page in AppTest: every plan side by side, ranked, with a chart and an Excel download."""

from core.plan import Plan
from core.store import Store
from core.templates import onboarding, sales_skills
from tests.views.conftest import texts


def test_the_portfolio_shows_every_plan_ranked_with_a_chart_and_a_download(app, db_file, downloads):
    store = Store(db_file)
    losing = sales_skills()
    losing.name, losing.pilot.effect = "Losing program", 50.0
    for plan in (onboarding(), sales_skills(), losing, Plan(name="[Empty](https://evil.example)")):
        store.create(plan)
    at = app(page="views/portfolio.py")
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if "decision" in df.value.columns)
    assert len(table) == 4 and table["plan"].iloc[-1] == "[Empty](https://evil.example)"
    assert "rethink" in set(table["decision"]) and "Losing program" in set(table["plan"])
    assert at.get("plotly_chart")
    assert "portfolio.xlsx" in downloads()
    assert not any("](https" in m.value for m in at.markdown)  # the name is escaped: never a live link


def test_without_plans_the_portfolio_says_where_to_start(app):
    at = app(page="views/portfolio.py")
    assert any("No plans yet" in i for i in texts(at, "info"))

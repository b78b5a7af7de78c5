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


def test_one_plan_that_cannot_be_read_or_computed_is_a_row_that_says_why(app, db_file):
    """A stored plan that no longer validates, and one with 10^4000 people, never break the view for everyone."""
    import json
    import sqlite3

    store = Store(db_file)
    broken, _ = store.create(sales_skills())
    huge, _ = store.create(onboarding())
    store.create(sales_skills())
    with sqlite3.connect(db_file) as db:
        for plan_id, change in ((broken.id, lambda d: d["pilot"].update(sd="abc")),
                                (huge.id, lambda d: d["pilot"].update(treated_people=10**4000))):
            (text,) = db.execute("select json from plans where id = ?", [plan_id]).fetchone()
            data = json.loads(text)
            change(data)
            db.execute("update plans set json = ? where id = ?", [json.dumps(data), plan_id])
    at = app(page="views/portfolio.py")
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if "decision" in df.value.columns)
    assert len(table) == 3
    assert (table["decision"] == "cannot say yet").sum() == 1 and (table["status"] == "cannot be read").sum() == 1
    said = " ".join(texts(at, "markdown"))
    assert "does not validate (pilot.sd: expected a number" in said
    home = app()  # the Plans list survives it too, and says why
    assert not home.exception and any("cannot be opened" in w for w in texts(home, "warning"))

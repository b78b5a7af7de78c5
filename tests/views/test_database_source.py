"""The Data page with a database source (a DuckDB file named in secrets): pick a table or write a SELECT, map
its columns, see the summary and the joined panel; a bad query says so and changes nothing."""

from __future__ import annotations

import ibis
import pytest
from streamlit.testing.v1 import AppTest

from core.plan import Plan
from core.store import Store
from tests.test_warehouse import duckdb_file, typed
from tests.views.conftest import APP, texts

NAMES = ("Noah O'Brien", "Jordan Nowak")


@pytest.fixture
def warehouse_file(tmp_path):
    return duckdb_file(tmp_path / "hr.duckdb", hris="hris", lms_events="lms")


def new_plan_on_the_data_page(db_file, warehouse_file) -> tuple[Store, str, AppTest]:
    store = Store(db_file)
    plan, _ = store.create(Plan(name="Warehouse"))
    return store, plan.id, open_data_page(plan.id, f"duckdb://{warehouse_file}")


def open_data_page(plan_id: str, url: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["pilot_roi"] = {"databases": {"hr": url}}
    at.query_params["plan"] = plan_id
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    return at


def read(at: AppTest, index: int, query: str) -> None:
    """In the `index`-th source box: choose the database, type the query, press Read."""
    at.radio(key=next(r.key for r in at.radio if r.key.endswith(f"data.where.{KINDS[index]}"))).set_value(
        "A table or query in a database").run()
    area = next(t for t in at.text_area if t.key.endswith(f"data.db.query.{KINDS[index]}"))
    area.set_value(query)
    next(b for b in at.button if b.label == "Read from the database" and KINDS[index] in b.key).click().run()
    assert not at.exception, at.exception


KINDS = ["hris", "lms", "assessments", "kpis"]


def test_a_table_and_a_query_become_sources_summarised_in_the_database(db_file, warehouse_file):
    store, plan_id, at = new_plan_on_the_data_page(db_file, warehouse_file)
    read(at, 0, "hris")
    read(at, 1, "SELECT * FROM lms_events WHERE event IS NOT NULL")

    saved = store.load(plan_id)[0].data.sources
    assert saved["hris"].database == "hr" and saved["hris"].query == "hris" and saved["hris"].sha256 == ""
    assert saved["lms"].roles["employee_id"] == "employee_id"
    assert "duckdb" not in store.load(plan_id)[0].to_json()  # the address is never in the plan
    infos = " ".join(texts(at, "info"))
    events = typed("lms")
    assert f"Summarised in the database “hr”: {events['event'].notna().sum():,} rows read there" in infos
    assert f"{events['employee_id'].nunique():,} people fetched" in infos
    markdown = " ".join(texts(at, "markdown"))
    assert "**1,200 people**" in markdown
    shown = " ".join(texts(at, "markdown") + texts(at, "info") + texts(at, "warning")) + " ".join(
        df.value.to_string() for df in at.dataframe)
    assert not any(name in shown for name in NAMES) and "E00001" not in shown


def test_a_bad_query_says_what_is_wrong_and_keeps_the_source(db_file, warehouse_file):
    store, plan_id, at = new_plan_on_the_data_page(db_file, warehouse_file)
    read(at, 0, "hris")
    read(at, 0, "DROP TABLE hris")
    assert any("neither a table name" in e and "Nothing was changed" in e for e in texts(at, "error"))
    read(at, 0, "SELECT nope FROM hris")
    assert any("nope" in e and "Nothing was changed" in e for e in texts(at, "error"))
    assert store.load(plan_id)[0].data.sources["hris"].query == "hris"
    assert ibis.duckdb.connect(str(warehouse_file)).table("hris").count().execute() == len(typed("hris"))


def test_a_database_no_longer_configured_is_said_and_can_be_removed(db_file, warehouse_file):
    store, plan_id, at = new_plan_on_the_data_page(db_file, warehouse_file)
    read(at, 0, "hris")
    again = AppTest.from_file(APP, default_timeout=120)
    again.secrets["pilot_roi"] = {"databases": {"other": f"duckdb://{warehouse_file}"}}
    again.query_params["plan"] = plan_id
    again.run()
    again.switch_page("views/data.py").run()
    assert not again.exception
    assert any("“hr” is not named in .streamlit/secrets.toml" in e for e in texts(again, "error"))
    next(b for b in again.button if b.label == "Remove").click().run()
    assert "hris" not in store.load(plan_id)[0].data.sources


def test_a_database_that_is_down_is_said_in_the_sidebar(db_file, warehouse_file, tmp_path):
    store, plan_id, at = new_plan_on_the_data_page(db_file, warehouse_file)
    read(at, 0, "hris")
    warehouse_file.rename(tmp_path / "moved.duckdb")
    next(b for b in at.button if b.label == "Refresh").click().run()
    assert any("no DuckDB file" in e and "When the database is back, Refresh" in e for e in texts(at, "error"))
    assert any("cannot be read now" in w and "no DuckDB file" in w for w in texts(at.sidebar, "warning"))
    assert any(b.label == "Remove" for b in at.button)


def test_a_protected_attribute_in_a_database_stays_hidden_whatever_role_it_is_given(db_file, tmp_path):
    """The audit relabelled free-text gender as a Category: from a file it stayed sensitive; from a database it
    was offered as a group and shown per row."""
    frame = typed("hris")
    frame["identity"] = (["trans woman", "man", "woman", "non-binary", "woman", "man"] * len(frame))[:len(frame)]
    con = ibis.duckdb.connect(str(tmp_path / "hr.duckdb"))
    con.create_table("people", frame)
    con.disconnect()
    store, plan_id, at = new_plan_on_the_data_page(db_file, tmp_path / "hr.duckdb")
    read(at, 0, "people")
    plan, version = store.load(plan_id)
    plan.data.sources["hris"].roles["identity"] = "category"  # as one click in the roles table would set it
    store.save(plan, expected_version=version)
    at = open_data_page(plan_id, f"duckdb://{tmp_path / 'hr.duckdb'}")
    assert any("“identity” looks like a protected attribute" in w for w in texts(at, "warning"))
    assert all("identity" not in s.options for s in at.selectbox)  # never a group
    shown = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert at.dataframe and "trans woman" not in shown and "non-binary" not in shown  # never per row

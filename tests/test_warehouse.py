"""Warehouse sources against a real PostgreSQL server (and a DuckDB file): the same panel as from the exported
CSV files, aggregation in the database, and clear messages for a bad query or a refused connection."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from core import engine, ingest, panel, quality, warehouse
from tests import postgres
from ui.datasets import SAMPLE, SAMPLE_FILES

TABLES = {"hris": "hris", "lms": "lms_events", "assessments": "assessments", "kpis": "kpis_monthly"}


def typed(kind: str) -> pd.DataFrame:
    """A sample file as a database holds it: ids as text, dates and times as timestamps, numbers as numbers."""
    frame = pd.read_csv(SAMPLE / SAMPLE_FILES[kind], dtype={"employee_id": str, "manager_id": str})
    for column in ("timestamp", "hire_date", "pre_date", "post_date"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")  # a bad date is NULL in a database
    return frame


def duckdb_file(path, **tables: str):
    """A DuckDB database at `path` holding sample files as typed tables: duckdb_file(p, hris="hris")."""
    con = ibis.duckdb.connect(str(path))
    for name, kind in tables.items():
        con.create_table(name, typed(kind))
    con.disconnect()
    return path


@pytest.fixture(scope="module")
def pg():
    if postgres.binaries() is None:
        pytest.fail("PostgreSQL is not installed: `make test` installs Debian's package")
    with postgres.server() as url:
        con = ibis.connect(url)
        for kind, name in TABLES.items():
            con.create_table(name, typed(kind))
        yield url


def from_files() -> panel.Panel:
    sources = {}
    for kind, file_name in SAMPLE_FILES.items():
        table = ingest.read_table((SAMPLE / file_name).read_bytes(), file_name)
        roles = ingest.guess_roles(table)
        sources[kind] = panel.Source(kind, table, roles, quality.parse(table, roles)[0])
    return panel.build(sources)


def from_database(url: str) -> tuple[panel.Panel, dict[str, warehouse.Summary]]:
    con = warehouse.connect("hr", url)
    found = {}
    for kind, name in TABLES.items():
        roles = warehouse.guess_roles(con, name, warehouse.sample(con, name, name))  # as a user confirms them
        found[kind] = warehouse.summary(con, name, kind=kind, roles=roles, name=name)
    return panel.build({k: warehouse.as_source(k, s) for k, s in found.items()}), found


def test_a_postgres_table_gives_the_same_panel_as_the_exported_csv(pg):
    expected = from_files()
    got, _ = from_database(pg)
    assert sorted(got.people.columns) == sorted(expected.people.columns)
    pd.testing.assert_frame_equal(got.people[expected.people.columns].sort_index(), expected.people.sort_index(),
                                  check_dtype=False, check_exact=False, rtol=1e-9)
    key = ["employee_id", "period"]
    left = got.periods.sort_values(key).reset_index(drop=True)
    right = expected.periods.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left[right.columns], right, check_dtype=False, rtol=1e-9)


def test_events_are_aggregated_in_the_database_one_row_per_person(pg):
    _, found = from_database(pg)
    events = typed("lms")
    lms = found["lms"]
    assert lms.source_rows == len(events) > 50_000
    assert len(lms.table.frame) == events["employee_id"].nunique()  # the rows that crossed the wire
    assert lms.table.frame["employee_id"].is_unique
    kpis = found["kpis"]
    assert len(kpis.table.frame) == len(typed("kpis").drop_duplicates(["employee_id", "month"]))


def test_a_select_query_is_a_source_too(pg):
    con = warehouse.connect("hr", pg)
    query = "SELECT employee_id, event, minutes, timestamp FROM lms_events WHERE event <> 'login'"
    roles = ingest.guess_roles(warehouse.sample(con, query, "q"))
    found = warehouse.summary(con, query, kind="lms", roles=roles, name="q")
    events = typed("lms")
    kept = events[events["event"] != "login"]
    frame = found.table.frame.set_index("employee_id")
    assert found.source_rows == len(kept)
    assert frame["lms_completions"].astype(int).sum() == kept["event"].str.contains("complet").sum()
    assert frame["lms_minutes"].astype(float).sum() == pytest.approx(kept["minutes"].sum())


@pytest.mark.parametrize("query, words", [
    ("SELECT nope FROM lms_events", "refused .*nope.* does not exist"),
    ("no_such_table", "no table “no_such_table”"),
    ("hirs", "no table “hirs”.*close names: hris"),
    ("SELECT employe_id FROM hris", "refused .*employe_id.*Check the query"),
    ("-- the people\nSELECT employee_id FROM \"hris\"", None),
    ("DROP TABLE hris", "neither a table name"),
    ("SELECT 1; DELETE FROM hris", "Only one SELECT"),
    ("WITH x AS (DELETE FROM hris RETURNING *) SELECT * FROM x", "Only one SELECT"),
    ("", "Name a table"),
])
def test_a_bad_query_gets_a_clear_message_and_changes_nothing(pg, query, words):
    con = warehouse.connect("hr", pg)
    if words is None:  # a comment before the SELECT, a quoted name: fine
        assert len(warehouse.sample(con, query, "q").frame) == len(typed("hris"))
        return
    with pytest.raises(warehouse.WarehouseError, match=words):
        warehouse.sample(con, query, "q")
    assert con.table("hris").count().execute() == len(typed("hris"))


def test_a_refused_connection_is_said_without_the_password():
    with pytest.raises(warehouse.WarehouseError) as caught:
        warehouse.connect("hr", f"postgres://pilot:s3cret-pw@127.0.0.1:{postgres._free_port()}/postgres")
    message = str(caught.value)
    assert "refused" in message and "“hr”" in message and "s3cret-pw" not in message
    assert "127.0.0.1" in message and "secrets.toml" in message


def test_a_duckdb_file_is_a_warehouse_too(tmp_path):
    path = duckdb_file(tmp_path / "hr.duckdb", lms_events="lms")
    db = warehouse.connect("local", f"duckdb://{path}")
    roles = ingest.guess_roles(warehouse.sample(db, "lms_events", "lms_events"))
    found = warehouse.summary(db, "lms_events", kind="lms", roles=roles, name="lms_events")
    table = ingest.read_table((SAMPLE / SAMPLE_FILES["lms"]).read_bytes(), "lms_events.csv")
    file_roles = ingest.guess_roles(table)
    expected = panel.engagement(panel.Source("lms", table, file_roles, quality.parse(table, file_roles)[0]))
    got = panel.engagement(warehouse.as_source("lms", found))
    pd.testing.assert_frame_equal(got.sort_index()[expected.columns], expected.sort_index(), check_dtype=False)


def test_a_duckdb_database_cannot_read_the_servers_files_nor_write(tmp_path):
    """A DuckDB database runs inside the app's server: a query must not read secrets.toml or the plans database,
    nor write; a folder named in secrets may be read."""
    path = duckdb_file(tmp_path / "hr.duckdb", hris="hris")
    secret = tmp_path / "secrets.toml"
    secret.write_text('[pilot_roi.databases]\npg = "postgres://u:TOPSECRET@host/db"\n')
    db = warehouse.connect("local", f"duckdb://{path}")
    for query in (f"SELECT * FROM read_csv('{secret}', header = false, delim = '|')",
                  f"SELECT h.employee_id, s.column0 FROM hris h CROSS JOIN read_csv('{secret}', header = false) s"):
        with pytest.raises(warehouse.WarehouseError) as caught:
            warehouse.sample(db, query, "q")
        assert "TOPSECRET" not in str(caught.value)
    with pytest.raises(Exception):  # noqa: B017 - read-only: whatever the driver raises
        db.raw_sql("CREATE TABLE x AS SELECT 1")
    allowed = tmp_path / "exports"
    allowed.mkdir()
    (allowed / "events.csv").write_text("employee_id,event\nE1,login\n")
    logs = warehouse.connect("logs", "duckdb://", folders=(str(allowed),))
    assert len(warehouse.sample(logs, f"SELECT * FROM read_csv('{allowed / 'events.csv'}')", "q").frame) == 1
    with pytest.raises(warehouse.WarehouseError):
        warehouse.sample(logs, f"SELECT * FROM read_csv('{secret}')", "q")


def test_a_missing_duckdb_file_is_said_and_not_created(tmp_path):
    with pytest.raises(warehouse.WarehouseError, match="no DuckDB file"):
        warehouse.connect("local", f"duckdb://{tmp_path / 'typo.duckdb'}")
    assert not (tmp_path / "typo.duckdb").exists()


def test_numbers_held_as_text_in_the_database_are_read_and_checked_here(pg):
    """One bad value or a decimal comma in a text column must not fail the source, nor be misread."""
    con = ibis.connect(pg)
    kpis = typed("kpis").head(300).astype({"csat": str})
    kpis["deals_closed"] = kpis["deals_closed"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}".replace(".", ","))
    kpis.loc[5, "deals_closed"] = "12x3"
    con.create_table("kpis_text", kpis, overwrite=True)
    roles = {"employee_id": "employee_id", "month": "period", "deals_closed": "measure", "avg_deal_size": "measure",
             "csat": "measure", "weeks_to_productivity": "measure"}
    found = warehouse.summary(con, "kpis_text", kind="kpis", roles=roles, name="k")
    assert any("deals_closed, csat are text in the database" in n for n in found.notes)
    source = warehouse.as_source("kpis", found)
    report = quality.file_report(found.table, found.roles, kind="kpis", parsed=source.parsed)
    said = " ".join(f.message for f in report.findings)
    assert "12x3" in said and "comma as decimal mark" in said
    deals = source.parsed.numbers["deals_closed"]
    expected = typed("kpis").head(300)["deals_closed"]
    assert deals.drop(5).dropna().tolist() == pytest.approx(expected.drop(5).dropna().tolist())

    events = typed("lms").head(2_000).astype({"minutes": str})
    events.loc[3, "minutes"] = "3,5"
    con.create_table("lms_text", events, overwrite=True)
    roles = {"employee_id": "employee_id", "timestamp": "date", "event": "category", "minutes": "measure"}
    found = warehouse.summary(con, "lms_text", kind="lms", roles=roles, name="e")
    assert any("1 value of minutes in the database is not a plain number" in n for n in found.notes)
    total = found.table.frame["lms_minutes"].astype(float).sum()
    assert total == pytest.approx(pd.to_numeric(events["minutes"], errors="coerce").sum())
    assert found.date_range == (str(events["timestamp"].min().date()), str(events["timestamp"].max().date()))


def test_two_connections_to_one_duckdb_file_at_once_and_list_columns(tmp_path):
    """Two sessions reading one DuckDB file at the same time; a query returning a list column is text, not a crash."""
    path = duckdb_file(tmp_path / "hr.duckdb", hris="hris")
    first = warehouse.connect("local", f"duckdb://{path}")
    second = warehouse.connect("local", f"duckdb://{path}")
    assert len(warehouse.sample(first, "hris", "a").frame) == len(warehouse.sample(second, "hris", "b").frame)
    listed = warehouse.sample(first, "SELECT employee_id, [1, 2] AS pair FROM hris", "q")
    assert listed.frame["pair"].iloc[0] == "[1, 2]"
    with pytest.raises(warehouse.WarehouseError):
        warehouse.sample(second, "SELECT * FROM read_csv('/etc/passwd')", "q")


def test_a_duckdb_source_gets_the_apps_memory_limit_unless_its_entry_names_one(tmp_path):
    """DuckDB's own default is 80% of the machine's memory: inside a shared server one SELECT reached 6.5 GB."""
    path = duckdb_file(tmp_path / "hr.duckdb", hris="hris")

    def limit(url):
        con = warehouse.connect("local", url)
        return con.raw_sql("SELECT current_setting('memory_limit')").fetchone()[0]

    assert limit(f"duckdb://{path}") == duckdb_size(engine.MEMORY_LIMIT)
    assert limit(f"duckdb://{path}?memory_limit=256MB") == duckdb_size("256MB")


def duckdb_size(text: str) -> str:
    """How DuckDB prints a memory size it was given ("1GB" → "953.6 MiB")."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{text}'")
    return con.sql("SELECT current_setting('memory_limit')").fetchone()[0]


SLOW = "SELECT a.range AS employee_id, b.range AS minutes FROM range(200000) a, range(200000) b"


def test_a_duckdb_query_that_runs_too_long_is_stopped_and_said(tmp_path, monkeypatch):
    monkeypatch.setattr(warehouse, "QUERY_SECONDS", 1.0)
    db = warehouse.connect("local", f"duckdb://{duckdb_file(tmp_path / 'hr.duckdb', hris='hris')}")
    with pytest.raises(warehouse.WarehouseError, match="ran longer than 1 s and was stopped"):
        warehouse.sample(db, f"SELECT count(*) AS n FROM ({SLOW}) WHERE minutes % 7 = 3", "slow")


def test_a_postgres_query_that_runs_too_long_is_stopped_by_the_server(pg, monkeypatch):
    monkeypatch.setattr(warehouse, "QUERY_SECONDS", 1.0)
    db = warehouse.connect("hr", pg)
    with pytest.raises(warehouse.WarehouseError, match="ran longer than 1 s and was stopped"):
        warehouse.sample(db, "SELECT 1 AS employee_id FROM (SELECT pg_sleep(5)) AS waited", "slow")


def _cancelled_from_another_thread(db, query: str) -> tuple[str, float]:
    """Run `query` in a thread, cancel it after half a second as the page does; (what it raised, seconds taken)."""
    import threading
    import time

    said = []

    def run():
        try:
            warehouse.sample(db, query, "slow")
        except warehouse.WarehouseError as exc:
            said.append(str(exc))

    worker = threading.Thread(target=run)
    start = time.perf_counter()
    worker.start()
    time.sleep(0.5)
    assert warehouse.cancel(worker.ident)
    worker.join(10)
    return (said or ["still running"])[0], time.perf_counter() - start


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_a_running_query_is_cancelled_from_another_thread(backend, tmp_path, request):
    """Cancel (or a session that ends) stops the database's work at once, and says so as a cancel, not a fault."""
    if backend == "duckdb":
        db = warehouse.connect("local", f"duckdb://{duckdb_file(tmp_path / 'hr.duckdb', hris='hris')}")
        query = f"SELECT count(*) AS n FROM ({SLOW}) WHERE minutes % 7 = 3"
    else:
        db = warehouse.connect("hr", request.getfixturevalue("pg"))
        query = "SELECT 1 AS employee_id FROM (SELECT pg_sleep(30)) AS waited"
    said, seconds = _cancelled_from_another_thread(db, query)
    assert "was cancelled" in said and seconds < 5
    assert not warehouse.cancel(12345)  # a thread running no query

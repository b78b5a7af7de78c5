"""A database query that runs long can be cancelled, and stops when its page is closed: the database's work ends
at once instead of burning a core until its timeout."""

import os
import time

from core.plan import Plan
from core.store import Store
from tests.browser.conftest import running_app, screenshot
from tests.test_warehouse import duckdb_file

ENDLESS = ("SELECT count(*) AS employee_id FROM range(1000000) a, range(1000000) b "
           "WHERE (a.range + b.range) % 7 = 3")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads (from /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_pid(port: str) -> int:
    """The streamlit process listening on `port` (the test started it; found by its command line)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmd = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
            except OSError:
                continue
            if b"streamlit" in b" ".join(cmd) and port.encode() in cmd:
                return int(entry)
    raise AssertionError("the app server's process was not found")


def _busy(pid: int, seconds: float = 2.0) -> float:
    """The share of one core the process used over `seconds`."""
    before = _cpu_seconds(pid)
    time.sleep(seconds)
    return (_cpu_seconds(pid) - before) / seconds


def _start_endless_query(page, url: str, plan_id: str) -> None:
    page.goto(f"{url}/data?plan={plan_id}")
    page.get_by_text("A table or query in a database").first.click()
    page.get_by_role("textbox", name="Table (schema.table) or one SELECT query").first.fill(ENDLESS)
    page.get_by_role("button", name="Read from the database").first.click()
    page.get_by_role("button", name="Cancel").wait_for(timeout=30_000)


def test_cancel_and_closing_the_page_stop_a_query_in_the_database(tmp_path, browser):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[pilot_roi.databases]\nhr = "duckdb://{duckdb_file(tmp_path / "hr.duckdb", hris="hris")}"\n')
    plan, _ = Store(tmp_path / "plans.db").create(Plan(name="Warehouse"))
    with running_app(tmp_path / "plans.db", secrets=secrets) as url:
        pid = _server_pid(url.rsplit(":", 1)[1])
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)

        _start_endless_query(page, url, plan.id)
        assert _busy(pid) > 0.5  # the database is at work
        screenshot(page, "query-running")
        page.get_by_role("button", name="Cancel").click()
        page.get_by_text("was stopped in the database").wait_for()
        assert _busy(pid) < 0.3
        assert "hris" not in Store(tmp_path / "plans.db").load(plan.id)[0].data.sources  # nothing changed

        _start_endless_query(page, url, plan.id)
        assert _busy(pid) > 0.5
        context.close()  # the person closes the tab: their session ends, and its query with it
        time.sleep(1)
        assert _busy(pid) < 0.3

"""`make bench` reads each rerun's duration as the server measured it: one line per page run and per live-panel
run, by session, in the file PILOT_ROI_RUN_LOG names (and nothing is written without it)."""

from core.store import Store
from core.templates import sales_skills
from ui import run_log


def test_each_page_run_and_live_panel_run_is_timed_by_session(app, db_file, tmp_path, monkeypatch):
    path = tmp_path / "runs.jsonl"
    monkeypatch.setenv("PILOT_ROI_RUN_LOG", str(path))
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/roi.py")
    next(s for s in at.slider if s.label.startswith("Adoption")).set_value(60).run()
    lines = run_log.read(path)
    assert {line["what"] for line in lines} == {"page", "live panel"}
    assert all(line["ms"] > 0 and line["session"] for line in lines)
    assert len({line["session"] for line in lines}) == 1  # one AppTest, one session
    assert lines[-1]["ended"] == "finished"


def test_nothing_is_written_without_the_setting(app, db_file, tmp_path, monkeypatch):
    monkeypatch.delenv("PILOT_ROI_RUN_LOG", raising=False)
    monkeypatch.chdir(tmp_path)
    plan, _ = Store(db_file).create(sales_skills())
    app(plan.id, "views/roi.py")
    assert list(tmp_path.iterdir()) == [db_file]

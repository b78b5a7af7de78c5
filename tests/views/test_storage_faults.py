"""Storage faults end in a message and keep the user's work: a read-only file, a full disk, a deleted file."""

import os
import sqlite3

import pytest

from core.store import Store, StoreError
from core.store_backends import SQLite
from core.templates import sales_skills
from tests.views.conftest import texts


def test_a_read_only_database_says_so_and_keeps_the_change_in_the_session(app, db_file, monkeypatch):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/goals.py")
    # as a read-only file behaves (chmod does not stop root, who runs CI): SQLite refuses every write
    with monkeypatch.context() as read_only:
        read_only.setattr(SQLite, "reading", _with_pragma(SQLite.reading, "PRAGMA query_only = ON"))
        box = next(t for t in at.text_area if t.label.startswith("Which improvement"))
        box.set_value("Bigger deals").run()
        assert not at.exception
        assert any("read-only" in e for e in texts(at, "error"))
        assert at.session_state["plan"].goals.business_improvement == "Bigger deals"
    next(b for b in at.button if b.label == "Try saving again").click().run()
    assert Store(db_file).load(plan.id)[0].goals.business_improvement == "Bigger deals"


def _with_pragma(original, pragma):
    import contextlib

    @contextlib.contextmanager
    def db(self):
        with original(self) as conn:
            conn.raw.execute(pragma)
            yield conn
    return db


def test_a_full_disk_is_a_message_and_nothing_is_half_written(db_file, monkeypatch):
    store = Store(db_file)
    plan, version = store.create(sales_skills())
    plan.goals.business_improvement = "x" * 10_000
    with sqlite3.connect(db_file) as conn:  # cap the file at its current size: the next growth fails as "full"
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    with monkeypatch.context() as full:
        full.setattr(SQLite, "reading", _with_pragma(SQLite.reading, f"PRAGMA max_page_count = {pages}"))
        with pytest.raises(StoreError, match="disk is full"):
            store.save(plan, expected_version=version)
    assert store.load(plan.id) == (Store(db_file).load(plan.id)[0], version)


def test_a_database_deleted_while_the_app_runs_is_recreated_and_the_page_says_what_to_do(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/goals.py")
    os.remove(db_file)
    box = next(t for t in at.text_area if t.label.startswith("Which improvement"))
    box.set_value("Bigger deals").run()
    assert not at.exception
    assert any("was deleted or replaced" in e or "database was replaced" in e for e in texts(at, "error"))
    next(b for b in at.button if b.label == "Save it as a new plan").click().run()
    assert not at.exception
    saved = Store(db_file).list_plans()
    assert len(saved) == 1 and Store(db_file).load(saved[0].id)[0].goals.business_improvement == "Bigger deals"


def test_an_upload_the_full_disk_refused_goes_with_the_next_save_and_is_never_lost(app, db_file, monkeypatch):
    """The disk fills up while the sample's 5 MB LMS file is written: the page says so, the next uploads still
    save, and the refused file is stored with the next save, so the plan never names a file it does not have."""
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/data.py")
    original = Store._put_file
    refused = []

    def full_once(db, plan_id, sha, data):
        if len(data) > 3_000_000 and not refused:
            refused.append(sha)
            raise StoreError("The disk is full: nothing was saved.")
        return original(db, plan_id, sha, data)

    monkeypatch.setattr(Store, "_put_file", staticmethod(full_once))
    next(b for b in at.button if b.label.startswith("Load sample data")).click().run()
    assert not at.exception, at.exception
    assert refused
    store = Store(db_file)
    stored, _ = store.load(plan.id)
    for mapping in stored.data.sources.values():  # every file the stored plan names can be read
        assert store.file_bytes(plan.id, mapping.sha256)
    assert refused[0] in {m.sha256 for m in stored.data.sources.values()}
    assert at.session_state["save_state"] == "saved"


def test_a_save_naming_a_file_that_was_never_stored_is_refused(db_file):
    from core.plan import SourceMapping

    store = Store(db_file)
    plan, version = store.create(sales_skills())
    plan.data.sources["lms"] = SourceMapping("lms.csv", "0" * 64, {})
    with pytest.raises(StoreError, match="lms.csv is not stored"):
        store.save(plan, expected_version=version)
    assert not store.load(plan.id)[0].data.sources  # nothing was saved


def test_with_the_database_deleted_the_unsaved_plan_is_never_dropped_by_creating_another(app, db_file):
    """The audit: with the database deleted, creating a new plan dropped the unsaved one without asking."""
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/goals.py")
    os.remove(db_file)
    next(t for t in at.text_area if t.label.startswith("Which improvement")).set_value("Only here").run()
    at.switch_page("views/plans.py").run()
    assert not at.exception
    assert any("changes that are not stored" in w for w in texts(at, "warning"))
    assert next(b for b in at.button if b.label == "Create plan").disabled  # asks first: keep or discard
    assert at.session_state["plan"].goals.business_improvement == "Only here"
    next(b for b in at.button if b.label == "Save it as a new plan").click().run()
    saved = Store(db_file).list_plans()
    assert [Store(db_file).load(p.id)[0].goals.business_improvement for p in saved] == ["Only here"]
    assert not next(b for b in at.button if b.label == "Create plan").disabled


def test_a_plan_deleted_elsewhere_stays_open_as_the_last_copy_until_its_person_chooses(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/goals.py")
    Store(db_file).delete(plan.id)  # on another app server, or in another window
    next(t for t in at.text_area if t.label.startswith("Which improvement")).set_value("Mine").run()
    assert not at.exception
    assert any("is no longer stored" in e for e in texts(at, "error"))
    assert not [t for t in at.text_area if t.label.startswith("Which improvement")]  # the page stops there
    next(b for b in at.button if b.label == "Close it without saving").click().run()
    assert "plan" not in at.session_state
    assert Store(db_file).list_plans() == []

    other, _ = Store(db_file).create(sales_skills())
    at = app(other.id, "views/goals.py")
    Store(db_file).delete(other.id)
    at.switch_page("views/plans.py").run()
    next(b for b in at.button if b.label == "Save it as a new plan").click().run()
    assert [p.name for p in Store(db_file).list_plans()] == ["Sales skills program (my copy)"]


def test_the_loser_of_two_uploads_sees_the_conflict_at_once(app, db_file):
    """Two people upload to one plan at once: the second save is refused, and its page says so right away (it
    said "read" and showed the file as saved until the next click)."""
    store = Store(db_file)
    plan, version = store.create(sales_skills())
    at = app(plan.id, "views/data.py")
    winner, _ = store.load(plan.id)
    winner.goals.business_improvement = "Saved first, elsewhere"
    store.save(winner, expected_version=version)
    at.file_uploader[0].set_value(("people.csv", b"employee_id,team\n001,A\n002,B\n", "text/csv")).run()
    assert not at.exception
    assert any("Someone else saved this plan" in w for w in texts(at, "warning"))
    assert "conflict" in " ".join(texts(at.sidebar, "markdown") + texts(at.sidebar, "caption"))

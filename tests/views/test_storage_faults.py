"""Storage faults end in a message and keep the user's work: a read-only file, a full disk, a deleted file."""

import os
import sqlite3

import pytest

from core.store import Store, StoreError
from core.templates import sales_skills
from tests.views.conftest import texts


def test_a_read_only_database_says_so_and_keeps_the_change_in_the_session(app, db_file, monkeypatch):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "views/goals.py")
    # as a read-only file behaves (chmod does not stop root, who runs CI): SQLite refuses every write
    with monkeypatch.context() as read_only:
        read_only.setattr(Store, "_db", _with_pragma(Store._db, "PRAGMA query_only = ON"))
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
        with original(self) as database:
            database.conn.execute(pragma)
            yield database
    return db


def test_a_full_disk_is_a_message_and_nothing_is_half_written(db_file, monkeypatch):
    store = Store(db_file)
    plan, version = store.create(sales_skills())
    plan.goals.business_improvement = "x" * 10_000
    with sqlite3.connect(db_file) as conn:  # cap the file at its current size: the next growth fails as "full"
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    with monkeypatch.context() as full:
        full.setattr(Store, "_db", _with_pragma(Store._db, f"PRAGMA max_page_count = {pages}"))
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
    assert any("was deleted or replaced" in e for e in texts(at, "error"))
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

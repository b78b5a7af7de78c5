import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from core.plan import Goals, Plan, PlanFormatError
from core.store import MIGRATIONS, ConflictError, NotFoundError, Store, StoreError
from core.store_backends import open_backend

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_create_load_list_rename_archive_delete(store):
    plan, version = store.create(Plan(name="First", goals=Goals(business_improvement="Faster onboarding")))
    assert version == 1
    loaded, loaded_version = store.load(plan.id)
    assert loaded == plan and loaded_version == 1
    assert [r.name for r in store.list_plans()] == ["First"]

    assert store.rename(plan.id, "Renamed", expected_version=1) == 2
    assert store.load(plan.id)[0].name == "Renamed"

    store.set_archived(plan.id, True)
    assert store.list_plans() == []
    assert store.list_plans(include_archived=True)[0].archived is True

    store.delete(plan.id)
    with pytest.raises(NotFoundError):
        store.load(plan.id)
    assert store.history(plan.id) == []


def test_duplicate_is_an_independent_plan(store):
    plan, _ = store.create(Plan(name="Original"))
    copy, _ = store.duplicate(plan.id)
    assert copy.id != plan.id and copy.name == "Original (copy)"
    copy.goals.activities = "changed"
    store.save(copy, expected_version=1)
    assert store.load(plan.id)[0].goals.activities == ""


def test_every_save_keeps_the_previous_version_and_restore_brings_it_back(store):
    plan, v = store.create(Plan(name="P"))
    for text in ("one", "two", "three"):
        plan.goals.activities = text
        v = store.save(plan, expected_version=v)
    history = store.history(plan.id)
    assert [h.version for h in history] == [3, 2, 1]
    assert store.load_history(history[0].id).goals.activities == "two"
    v = store.restore(history[1].id, expected_version=v)  # version 2 held "one"
    assert store.load(plan.id) == (store.load_history(history[1].id), v)
    assert store.load(plan.id)[0].goals.activities == "one"


def test_conflicting_save_keeps_both_versions(store):
    plan, v = store.create(Plan(name="Shared"))
    alice, _ = store.load(plan.id)
    bob, _ = store.load(plan.id)
    alice.goals.activities = "Alice's answer"
    bob.goals.activities = "Bob's answer"
    assert store.save(alice, expected_version=v) == 2
    with pytest.raises(ConflictError) as info:
        store.save(bob, expected_version=v)
    assert info.value.current == 2 and info.value.expected == 1
    assert store.load(plan.id)[0].goals.activities == "Alice's answer"
    kept = store.load_history(info.value.history_id)
    assert kept.goals.activities == "Bob's answer"
    copy, _ = store.save_as_copy(bob)
    assert store.load(copy.id)[0].goals.activities == "Bob's answer"


def _save_in_thread(path, plan_id, version, text, barrier, results):
    s = Store(path)
    plan, _ = s.load(plan_id)
    plan.goals.activities = text
    barrier.wait()
    try:
        results.append(("ok", s.save(plan, expected_version=version)))
    except ConflictError:
        results.append(("conflict", None))


def test_two_simultaneous_writers_exactly_one_wins(store, db_location):
    plan, v = store.create(Plan(name="Race"))
    barrier, results = threading.Barrier(2), []
    threads = [threading.Thread(target=_save_in_thread, args=(db_location, plan.id, v, t, barrier, results))
               for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r[0] for r in results) == ["conflict", "ok"]
    kinds = [h.kind for h in store.history(plan.id)]
    assert sorted(kinds) == ["conflict", "saved"]


def test_ten_threads_saving_different_plans_never_see_locked(store, db_location):
    plans = [store.create(Plan(name=f"P{i}"))[0] for i in range(10)]
    errors = []

    def work(plan):
        try:
            s = Store(db_location)
            version = 1
            for n in range(20):
                plan.goals.activities = f"edit {n}"
                version = s.save(plan, expected_version=version)
        except Exception as exc:  # noqa: BLE001 - any error fails the test below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(p,)) for p in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {store.load(p.id)[1] for p in plans} == {21}


def test_migrations_run_once_and_are_idempotent(db_location):
    Store(db_location)
    store = Store(db_location)
    assert store.applied_migrations() == sorted(m.__name__ for m in MIGRATIONS)
    if store.kind == "SQLite":
        assert sqlite3.connect(db_location).execute("pragma journal_mode").fetchone()[0] == "wal"


def test_a_database_made_before_postgresql_support_opens_as_it_was(tmp_path):
    """A SQLite file written by the previous store (sqlite-utils' migrations table, five steps applied): every
    plan, version, file, share and the pseudonym key are read as they were, and no step runs twice."""
    import shutil

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(ROOT, "tests", "data", "store_v5.db"), path)
    store = Store(path)
    assert store.applied_migrations() == sorted(m.__name__ for m in MIGRATIONS)
    plans = {p.name: p for p in store.list_plans(include_archived=True)}
    assert set(plans) == {"Made before PostgreSQL", "Archived one"} and plans["Archived one"].archived
    plan, version = store.load(plans["Made before PostgreSQL"].id)
    assert version == 3 and plan.design.preregistration is not None
    assert store.file_bytes(plan.id, plan.data.sources["hris"].sha256) == b"employee_id,team\nE1,A\nE2,B\n"
    assert store.access(plan.id) == [("ana@example.com", "owner"), ("bo@example.com", "shared")]
    assert [(h.version, h.saved_by) for h in store.history(plan.id)] == [(2, "ana@example.com"), (1, "")]
    assert store.installation_secret().startswith("8ea8883f")
    assert store.save(plan, expected_version=3) == 4


def _open_store(location, barrier):
    barrier.wait()
    Store(location).installation_secret()


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(3))
def test_processes_starting_at_once_migrate_safely(db_location, trial):
    """Six app processes open a fresh database at the same moment (repeated: the race is intermittent)."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(6)
    procs = [ctx.Process(target=_open_store, args=(db_location, barrier)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 6
    store = Store(db_location)
    assert store.applied_migrations() == sorted(m.__name__ for m in MIGRATIONS)
    with open_backend(db_location).reading() as db:
        assert len(db.query("select value from settings")) == 1  # one pseudonym key, whoever wrote it
    if store.kind == "SQLite":
        assert sqlite3.connect(db_location).execute("pragma journal_mode").fetchone()[0] == "wal"


WRITER = """
import sys, time
from core.store_backends import open_backend
with open_backend(sys.argv[1]).writing() as db:
    db.execute("update plans set json = 'half-written', version = 99 where id = ?", [sys.argv[2]])
    print("in-transaction", flush=True)
    time.sleep(60)
"""


def test_writer_killed_mid_transaction_leaves_the_old_plan_intact(store, db_location):
    plan, _ = store.create(Plan(name="Survivor", goals=Goals(activities="kept")))
    proc = subprocess.Popen([sys.executable, "-c", WRITER, db_location, plan.id], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})
    assert proc.stdout.readline().strip() == "in-transaction"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    loaded, version = store.load(plan.id)
    assert loaded.goals.activities == "kept" and version == 1
    if store.kind == "SQLite":
        assert sqlite3.connect(db_location).execute("pragma integrity_check").fetchone()[0] == "ok"
    assert store.save(loaded, expected_version=1) == 2  # PostgreSQL dropped the dead writer's row lock


def test_missing_database_directory_is_created(tmp_path):
    Store(tmp_path / "a" / "b" / "x.db")
    assert (tmp_path / "a" / "b" / "x.db").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_directory_gives_a_clear_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    with pytest.raises(StoreError, match="PILOT_ROI_DB"):
        Store(ro / "x.db")


def test_unusable_path_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="PILOT_ROI_DB"):
        Store(blocker / "x.db")


def test_invalid_names_are_refused_and_nothing_is_written(store):
    with pytest.raises(PlanFormatError):
        store.create(Plan(name=""))
    with pytest.raises(PlanFormatError):
        store.create(Plan(name="x" * 10_000))
    assert store.list_plans() == []


def test_sql_in_a_name_is_just_text(store):
    name = "x'); DROP TABLE plans; --"
    plan, _ = store.create(Plan(name=name))
    assert store.load(plan.id)[0].name == name and len(store.list_plans()) == 1


def test_import_validates_before_writing(store):
    with pytest.raises(PlanFormatError, match="schema_version"):
        store.import_json('{"name": "x"}')
    assert store.list_plans() == []
    plan, _ = store.import_json(Plan(name="Imported").to_json())
    assert store.load(plan.id)[0].name == "Imported"


def test_reads_do_not_wait_for_a_writer(store, db_location):
    plan, _ = store.create(Plan(name="R"))
    backend = open_backend(db_location)
    with backend.writing() as db:  # another writer holds the plan's lock (SQLite: the database's write lock)
        db.execute("update plans set json = json where id = ?", [plan.id])
        start = time.perf_counter()
        assert store.load(plan.id)[0].name == "R"
        assert time.perf_counter() - start < 5


def _with_file(store, plan, version, data=b"employee_id\n1\n"):
    import hashlib

    from core.plan import SourceMapping

    sha = hashlib.sha256(data).hexdigest()
    plan.data.sources["hris"] = SourceMapping("hris.csv", sha, {"employee_id": "employee_id"})
    return sha, store.save(plan, expected_version=version, files={sha: data})


def test_duplicate_and_delete_carry_the_uploaded_files(store):
    plan, version = store.create(Plan(name="With files"))
    sha, _ = _with_file(store, plan, version)
    copy, _ = store.duplicate(plan.id)
    assert store.file_bytes(copy.id, sha) == b"employee_id\n1\n"
    store.delete(plan.id)
    assert store.datasets(plan.id) == [] and len(store.datasets(copy.id)) == 1
    assert not store.owns_file(plan.id, sha)


def test_a_losing_upload_never_replaces_the_winners_file(store):
    """Two people on one plan: B's save is refused as a conflict; A's file stays what A's version names."""
    plan, version = store.create(Plan(name="Shared"))
    a_sha, a_version = _with_file(store, plan, version, b"employee_id\nA\n")
    b_plan = store.load(plan.id)[0]
    b_sha = None
    try:
        b_sha, _ = _with_file(store, b_plan, version, b"employee_id\nB\n")  # stale version: a conflict
    except Exception as exc:  # noqa: BLE001 - the conflict is the point
        assert type(exc).__name__ == "ConflictError"
    current = store.load(plan.id)[0]
    assert current.data.sources["hris"].sha256 == a_sha
    assert store.file_bytes(plan.id, a_sha) == b"employee_id\nA\n"
    assert b_sha is None
    copy, _ = store.save_as_copy(b_plan)  # "save mine as a copy" keeps B's file
    assert store.file_bytes(copy.id, b_plan.data.sources["hris"].sha256) == b"employee_id\nB\n"


def test_restoring_a_version_brings_its_file_back_and_bytes_are_checked(store, db_location):

    plan, version = store.create(Plan(name="Versions"))
    old_sha, version = _with_file(store, plan, version, b"employee_id\nold\n")
    new_sha, version = _with_file(store, plan, version, b"employee_id\nnew\n")
    entry = next(e for e in store.history(plan.id) if e.version == 2)
    store.restore(entry.id, expected_version=version)
    assert store.load(plan.id)[0].data.sources["hris"].sha256 == old_sha
    assert store.file_bytes(plan.id, old_sha) == b"employee_id\nold\n"
    with open_backend(db_location).writing() as db:
        db.execute("update files set data = ? where sha256 = ?", [b"tampered", old_sha])
    with pytest.raises(StoreError, match="damaged"):
        store.file_bytes(plan.id, old_sha)
    other, _ = store.create(Plan(name="Stranger"))
    with pytest.raises(NotFoundError):
        store.file_bytes(other.id, new_sha)  # knowing a file's hash is not owning it


def test_installation_secret_is_generated_once(store, db_location):
    first = store.installation_secret()
    assert first == Store(db_location).installation_secret() and len(first) == 64


def test_with_sign_in_people_see_only_what_is_theirs_or_shared_with_them(store):
    mine, version = store.create(Plan(name="Mine"), owner="Ana@Example.com")
    theirs, _ = store.create(Plan(name="Theirs"), owner="bo@example.com")
    legacy, _ = store.create(Plan(name="Before sign-in"))
    assert {p.name for p in store.list_plans(person="ana@example.com")} == {"Mine"}
    assert {p.name for p in store.list_plans(person="ana@example.com", admin=True)} == {"Mine", "Before sign-in"}
    assert not store.can_see(legacy.id, "ana@example.com") and store.can_see(legacy.id, "ana@example.com", admin=True)
    store.claim(legacy.id, "ana@example.com")
    assert store.access(legacy.id) == [("ana@example.com", "owner")]
    with pytest.raises(StoreError, match="already has an owner"):
        store.claim(legacy.id, "bo@example.com")
    assert not store.can_see(theirs.id, "ana@example.com") and store.can_see(mine.id, "ana@example.com")
    assert store.can_see(theirs.id, None)  # without sign-in, single-user: everything
    store.share(theirs.id, "ana@example.com")
    assert store.can_see(theirs.id, "ANA@example.com ")
    assert store.access(theirs.id) == [("bo@example.com", "owner"), ("ana@example.com", "shared")]
    store.unshare(theirs.id, "ana@example.com")
    assert not store.can_see(theirs.id, "ana@example.com")
    with pytest.raises(StoreError, match="not an email"):
        store.share(mine.id, "not an address")
    store.save(mine, expected_version=version, by="ana@example.com")
    assert store.history(mine.id)[0].saved_by == ""  # version 1 was created, not saved, by anyone
    mine.name = "Mine, again"
    store.save(mine, expected_version=2, by="bo@example.com")
    assert store.history(mine.id)[0].saved_by == "ana@example.com"  # version 2 was Ana's


@pytest.mark.parametrize("url, kind", [("mysql://x@y/z", "mysql"), ("sqlserver://x@y/z", "sqlserver"),
                                       ("https://example.com/plans.db", "https")])
def test_a_database_url_the_store_cannot_serve_is_refused_in_words_that_name_its_kind(monkeypatch, tmp_path, url,
                                                                                        kind):
    from core.store import db_location

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PILOT_ROI_DB", url)
    with pytest.raises(StoreError, match=f"PILOT_ROI_DB is a {kind} URL"):
        db_location()
    monkeypatch.delenv("PILOT_ROI_DB")
    with pytest.raises(StoreError, match=rf"\[pilot_roi\] database is a {kind} URL"):
        db_location(url)
    assert not list(tmp_path.iterdir())  # no folder named after the URL's scheme


def test_the_database_setting_reads_the_environment_then_secrets_then_the_default(monkeypatch):
    from core.store import DEFAULT_DB, db_location

    monkeypatch.delenv("PILOT_ROI_DB", raising=False)
    assert db_location() == DEFAULT_DB
    assert db_location("postgres://pilot@db/plans") == "postgres://pilot@db/plans"
    monkeypatch.setenv("PILOT_ROI_DB", "postgresql://pilot@db/plans")
    assert db_location("/elsewhere.db") == "postgresql://pilot@db/plans"
    monkeypatch.setenv("PILOT_ROI_DB", "file:///srv/plans.db")
    assert db_location() == "/srv/plans.db"


@pytest.mark.postgres
def test_a_postgres_server_that_cannot_be_used_is_said_without_its_password(pg_url):
    port = pg_url.rsplit(":", 1)[1].split("/")[0]
    closed = pg_url.replace("pilot@", "pilot:s3cret@").replace(f":{port}/", ":1/")
    with pytest.raises(StoreError, match="cannot be reached") as info:
        Store(closed)
    assert "s3cret" not in str(info.value) and "***" in str(info.value)
    with pytest.raises(StoreError, match="does not exist"):
        Store(pg_url.rsplit("/", 1)[0] + "/no_such_database")


def test_tables_that_vanish_while_the_app_runs_are_said_and_recreated(store, db_location):
    """The SQLite file replaced, or the tables dropped on PostgreSQL: the next action says so (the open plan stays
    in its window) and the store works again, empty."""
    plan, version = store.create(Plan(name="Before"))
    with open_backend(db_location).writing() as db:
        for table in ("plans", "plan_history", "datasets", "settings", "files", "file_owners", "plan_access",
                      "schema_migrations"):
            db.execute(f"drop table {table}")
    with pytest.raises(StoreError, match="save it as a new plan"):
        store.save(plan, expected_version=version)
    assert store.list_plans() == []
    assert store.create(Plan(name="After"))[1] == 1


def test_the_history_keeps_locked_versions_and_conflicts_and_thins_old_autosaves(store):
    """An autosave per edit kept a full copy of the plan forever: the last KEEP_RECENT stay, and the last of each
    day; every pre-registered version and every rejected save (a person's work) stays for good."""
    from core import store as store_module
    from core.plan import Preregistration

    plan, version = store.create(Plan(name="Busy"))
    plan.design.preregistration = Preregistration("2026-06-01T09:00:00", {"seed": "7"})
    version = store.save(plan, expected_version=version)  # the version kept next is the unlocked one
    plan.design.preregistration = None
    for i in range(store_module.KEEP_RECENT + 30):
        plan.goals.business_improvement = f"edit {i}"
        version = store.save(plan, expected_version=version)
    with pytest.raises(ConflictError):
        store.save(plan, expected_version=version - 1)  # a stale save: kept as a rejected version
    entries = store.history(plan.id)
    saved = [e for e in entries if e.kind == "saved"]
    assert len(saved) <= store_module.KEEP_RECENT + 2  # the recent ones, the day's last, the locked one
    assert any(e.kind == "conflict" for e in entries)
    locked = [e for e in saved if store.load_history(e.id).design.preregistration is not None]
    assert len(locked) == 1
    assert saved[0].version == version - 1  # the newest autosave is kept


@pytest.mark.parametrize("code, said", [("ENOSPC", "the disk is full"), ("EROFS", "read-only"),
                                        ("EACCES", "may not write there"), ("ENOENT", "check that its folder exists")])
def test_a_database_that_cannot_be_opened_is_said_with_its_cause(tmp_path, monkeypatch, code, said):
    """A full disk was told to "check that its folder exists and is writable"."""
    import errno
    from pathlib import Path

    def fail(*args, **kwargs):
        raise OSError(getattr(errno, code), "refused")

    monkeypatch.setattr(Path, "mkdir", fail)
    with pytest.raises(StoreError, match=said):
        Store(tmp_path / "new-folder" / "plans.db")


def test_passwords_in_a_url_query_or_keywords_are_never_shown_and_keywords_are_refused(monkeypatch):
    from core.store import db_location
    from core.store_backends import shown

    assert "Secret9" not in shown("postgresql://h:1/team?user=pilot&password=Secret9")
    monkeypatch.setenv("PILOT_ROI_DB", "host=127.0.0.1 dbname=team password=KwSecret7")
    with pytest.raises(StoreError, match="connection keywords") as info:
        db_location()
    assert "KwSecret7" not in str(info.value)


def test_the_move_command_refuses_other_urls_and_a_missing_source(tmp_path, monkeypatch, capsys):
    from core import store_move

    monkeypatch.chdir(tmp_path)
    assert store_move.main([str(tmp_path / "nope.db"), "mysql://u:pw@h/d"]) == 1
    assert store_move.main([str(tmp_path / "nope.db"), str(tmp_path / "target.db")]) == 1
    assert "does not exist" in capsys.readouterr().err and not list(tmp_path.iterdir())

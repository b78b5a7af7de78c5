"""Moving an installation's plans SQLite → PostgreSQL → SQLite loses nothing: every plan, version, share and file
read back through the Store is what it was."""

import hashlib
import shutil
from pathlib import Path

import pytest

from core import store_move
from core.plan import Plan, Preregistration, SourceMapping
from core.store import ConflictError, Store, StoreError
from core.templates import onboarding, sales_skills
from tests import postgres

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).parent


def _installation(path: Path) -> Store:
    """A store with what an installation holds: plans with files, autosaves, a locked version, a rejected save, a
    share, an archived plan, a copy sharing its original's file, odd names; and one made by the previous store."""
    shutil.copy(ROOT / "data" / "store_v5.db", path)
    store = Store(path)
    plan, version = store.create(sales_skills(), owner="ana@example.com")
    for kind, data in {"hris": b"employee_id,team\nE1,A\n", "kpi": bytes(range(256)) * 400}.items():
        sha = hashlib.sha256(data).hexdigest()
        plan.data.sources[kind] = SourceMapping(f"{kind}.csv", sha, {"employee_id": "employee_id"})
        version = store.save(plan, expected_version=version, files={sha: data}, by="ana@example.com")
    plan.design.preregistration = Preregistration("2026-06-01T09:00:00", {"seed": "7"})
    version = store.save(plan, expected_version=version, by="ana@example.com")
    with pytest.raises(ConflictError):
        store.save(plan, expected_version=version - 1, by="bo@example.com")
    store.share(plan.id, "bo@example.com")
    store.duplicate(plan.id, name="Ünïcode ‘quotes’ — and 'SQL'); --", owner="bo@example.com")
    archived, _ = store.create(onboarding())
    store.set_archived(archived.id, True)
    store.installation_secret()
    return store


def _as_read(store: Store) -> dict:
    """Everything a person can read of an installation, through the Store's own API."""
    out = {"secret": store.installation_secret()}
    for row in store.list_plans(include_archived=True):
        plan, version = store.load(row.id)
        files = {m.sha256: store.file_bytes(row.id, m.sha256) for m in plan.data.sources.values() if m.sha256}
        versions = [(h.version, h.kind, h.saved_by, h.saved_at, store.load_history(h.id).to_json())
                    for h in store.history(row.id)]
        out[row.id] = (row, plan.to_json(), version, files, versions, store.access(row.id))
    return out


def test_sqlite_to_postgresql_and_back_loses_nothing(tmp_path, pg_url):
    source = _installation(tmp_path / "source.db")
    before = _as_read(source)
    assert len(before) == 6  # the key and five plans

    on_postgres = Store(postgres.fresh_schema(pg_url))
    report = store_move.move(source, on_postgres)
    assert report.differences == [] and report.plans == 5 and report.files == 3
    assert _as_read(on_postgres) == before

    back = Store(tmp_path / "back.db")
    assert store_move.move(on_postgres, back).differences == []
    assert _as_read(back) == before
    assert store_move.compare(source, back).differences == []
    assert _as_read(source) == before  # the source is left as it was


def test_compare_finds_a_changed_file_a_missing_share_and_a_lost_version(tmp_path):
    source = _installation(tmp_path / "source.db")
    target = Store(tmp_path / "target.db")
    store_move.move(source, target)
    sha = next(iter(r["sha256"] for r in _query(target, "select sha256 from files")))
    with target.backend.writing() as db:
        db.execute("update files set data = ? where sha256 = ?", [b"changed", sha])
        db.execute("delete from plan_access where role = 'shared'")
        db.execute("delete from plan_history where id = (select max(id) from plan_history)")
    found = " | ".join(store_move.compare(source, target).differences)
    assert "content differs" in found and "plan_access" in found and "kept versions differ" in found


def test_a_target_that_already_holds_plans_is_refused_and_left_alone(tmp_path, pg_url):
    source = _installation(tmp_path / "source.db")
    target = Store(postgres.fresh_schema(pg_url))
    mine, _ = target.create(Plan(name="Already here"))
    with pytest.raises(StoreError, match="already holds plans"):
        store_move.move(source, target)
    assert [p.name for p in target.list_plans()] == ["Already here"]


def test_a_fault_mid_copy_leaves_the_target_empty(tmp_path, monkeypatch):
    source = _installation(tmp_path / "source.db")
    target = Store(tmp_path / "target.db")
    real = store_move._insert

    def fail_on_history(db, table, rows):
        if table == "plan_history":
            raise StoreError("the disk is full")
        real(db, table, rows)

    monkeypatch.setattr(store_move, "_insert", fail_on_history)
    with pytest.raises(StoreError):
        store_move.move(source, target)
    assert target.list_plans(include_archived=True) == [] and _query(target, "select * from files") == []


def test_the_command_says_what_it_moved(tmp_path, pg_url, capsys):
    _installation(tmp_path / "source.db")
    url = postgres.fresh_schema(pg_url)
    assert store_move.main([str(tmp_path / "source.db"), url]) == 0
    said = capsys.readouterr().out
    assert "Moved 5 plans" in said and "identical" in said and "is unchanged" in said
    assert store_move.main([str(tmp_path / "source.db"), url]) == 1
    assert "already holds plans" in capsys.readouterr().err
    assert store_move.main(["only-one"]) == 2


def _query(store: Store, sql: str) -> list[dict]:
    with store.backend.reading() as db:
        return db.query(sql)

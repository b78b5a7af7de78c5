"""Plans, their history, sharing and uploaded files, kept in SQLite or PostgreSQL with optimistic locking.

`PILOT_ROI_DB` (or ``[pilot_roi] database`` in secrets.toml) names the store: a SQLite file path (the embedded
default, data/pilot_roi.db) or a ``postgresql://`` URL, so several app servers can share one database. The Store
writes SQL both understand; `core.store_backends` holds what differs (connections, locks, fault messages).

Optimistic locking: every plan row has a ``version``. ``save(plan, expected_version=v)`` succeeds only if
the stored version is still ``v``; otherwise it raises :class:`ConflictError` and records the rejected
copy in the history, so neither person's work is lost. The check and the update happen in one transaction that
holds the plan's lock (SQLite's write lock; PostgreSQL's row lock), on one app server or many.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.plan import Plan, PlanFormatError, validate_name
from core.store_backends import POSTGRES_SCHEMES, Backend, Connection, StoreError, open_backend, scheme_of

__all__ = ["ConflictError", "NotFoundError", "Store", "StoreError", "db_location"]

DEFAULT_DB = "data/pilot_roi.db"

Migration = Callable[[Connection, dict[str, str]], None]
MIGRATIONS: list[Migration] = []


def migration(step: Migration) -> Migration:
    """Register a schema step; each runs once per database, in order, recorded in ``schema_migrations`` by its
    name. Steps are written in SQL both backends understand; `types` gives the two column types that differ."""
    MIGRATIONS.append(step)
    return step


@migration
def m001_plans(db: Connection, types: dict[str, str]) -> None:
    db.execute("create table plans (id text primary key, name text not null, json text not null, "
               "version integer not null default 1, created_at text not null, updated_at text not null, "
               "archived integer not null default 0)")
    db.execute(f"create table plan_history (id {types['serial']}, plan_id text, version integer, name text, "
               "json text, saved_at text, kind text)")
    db.execute("create index idx_plan_history_plan_id_id on plan_history (plan_id, id)")


@migration
def m002_datasets_and_settings(db: Connection, types: dict[str, str]) -> None:
    db.execute(f"create table datasets (plan_id text, kind text, filename text, sha256 text, size integer, "
               f"data {types['blob']}, uploaded_at text, primary key (plan_id, kind))")
    db.execute("create table settings (key text primary key, value text)")


@migration
def m003_files_by_hash(db: Connection, types: dict[str, str]) -> None:
    """Uploaded files stored once by their SHA-256 and owned by the plans whose versions reference them."""
    db.execute(f"create table files (sha256 text primary key, size integer, data {types['blob']}, stored_at text)")
    db.execute("create table file_owners (sha256 text, plan_id text, primary key (sha256, plan_id))")
    db.execute("insert into files (sha256, size, data, stored_at) select sha256, size, data, uploaded_at "
               "from datasets where true on conflict do nothing")
    db.execute("insert into file_owners (sha256, plan_id) select sha256, plan_id from datasets where true "
               "on conflict do nothing")


@migration
def m004_access(db: Connection, types: dict[str, str]) -> None:
    """Who may see a plan (with sign-in): its owner and the people it is shared with; who saved each version."""
    db.execute("create table plan_access (plan_id text, person text, role text, primary key (plan_id, person))")
    db.execute("alter table plan_history add column saved_by text")
    db.execute("alter table plans add column saved_by text")


@migration
def m005_history_locked(db: Connection, types: dict[str, str]) -> None:
    """Which kept versions were pre-registered (locked): the history's retention keeps every one of them."""
    db.execute("alter table plan_history add column locked integer not null default 0")
    for row in db.query("select id, json from plan_history"):
        if _locked(row["json"]):
            db.execute("update plan_history set locked = 1 where id = ?", [row["id"]])


class ConflictError(StoreError):
    """Someone else saved the plan after this copy was loaded."""

    def __init__(self, plan_id: str, expected: int, current: int, history_id: int) -> None:
        self.plan_id, self.expected, self.current, self.history_id = plan_id, expected, current, history_id
        super().__init__(
            f"Someone else saved this plan (now version {current}) after you opened version {expected}. "
            "Your changes were kept aside: reload theirs, or save yours as a copy."
        )


class NotFoundError(StoreError):
    """No plan with that id."""


@dataclass(frozen=True)
class PlanRow:
    id: str
    name: str
    version: int
    created_at: str
    updated_at: str
    archived: bool


@dataclass(frozen=True)
class DatasetRow:
    plan_id: str
    kind: str
    filename: str
    sha256: str
    size: int
    uploaded_at: str


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    plan_id: str
    version: int
    name: str
    saved_at: str
    kind: str  # "saved" (an earlier version), "conflict" (a rejected save), "deleted"
    saved_by: str = ""  # who saved it, with sign-in


def db_location(configured: str | None = None) -> str:
    """Where plans are kept: `PILOT_ROI_DB`, else `configured` (``[pilot_roi] database`` in secrets.toml), else
    data/pilot_roi.db. A SQLite file path or a postgresql:// URL; any other URL (mysql://…) is refused in words
    that name its kind — taking a URL for a path once made a folder called "postgresql:" in the working folder."""
    value = os.environ.get("PILOT_ROI_DB") or configured or DEFAULT_DB
    setting = "PILOT_ROI_DB" if os.environ.get("PILOT_ROI_DB") else "[pilot_roi] database"
    kind = scheme_of(value)
    if re.match(r"^\s*(host|hostaddr|dbname|user|port|password|service)\s*=", value, flags=re.IGNORECASE):
        raise StoreError(f"{setting} looks like PostgreSQL connection keywords: write it as a URL, "
                         "postgresql://user@host:5432/database (a password as ?password=… or in PGPASSWORD).")
    if kind and kind not in (*POSTGRES_SCHEMES, "file"):
        raise StoreError(f"{setting} is a {kind} URL, but plans are kept in a SQLite file or a PostgreSQL "
                         "database: set it to a file path such as /srv/pilot-roi/plans.db, or to a "
                         "postgresql://user@host/database URL (or leave it unset for data/pilot_roi.db).")
    return value.removeprefix("file://")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_id() -> str:
    return secrets.token_hex(4)


class Store:
    """All reads and writes of plans. Cheap to construct; holds no open connection."""

    def __init__(self, location: str | Path | None = None) -> None:
        self.location = str(location) if location is not None else db_location()
        self.backend: Backend = open_backend(self.location)
        self.kind = self.backend.name
        self._ensure_schema()

    # -- connections -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _db(self) -> Iterator[Connection]:
        with self._faults(), self.backend.reading() as db:
            yield db

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction (`core.store_backends` says which locks it holds); rolled back on any error."""
        with self._faults(), self.backend.writing() as db:
            yield db

    @contextlib.contextmanager
    def _faults(self) -> Iterator[None]:
        """A fault of the database, its file or its disk becomes a StoreError that says what to do, never a
        traceback on screen; tables that vanished (the file deleted or replaced, the tables dropped while the app
        ran) are recreated empty through the migrations first."""
        try:
            yield
        except self.backend.errors as exc:
            if self.backend.tables_gone(exc):
                with contextlib.suppress(StoreError, *self.backend.errors):
                    self._ensure_schema()
                raise StoreError(f"{self.backend.gone_message()} The plan open in this window is kept here: save it "
                                 "as a new plan.") from None
            raise StoreError(self.backend.fault(exc)) from None

    def _ensure_schema(self) -> None:
        """Apply the migrations not yet applied. App servers starting together queue on the backend's migration
        lock, so each step runs once; a SQLite file made before PostgreSQL support names its applied steps in
        sqlite-utils' ``_sqlite_migrations`` table, and those count as applied."""
        self.backend.prepare()
        with self._faults(), self.backend.migrating() as db:
            db.execute("create table if not exists schema_migrations (name text primary key, applied_at text)")
            if self.kind == "SQLite" and db.query("select 1 from sqlite_master where name = '_sqlite_migrations'"):
                db.execute("insert into schema_migrations (name, applied_at) select name, applied_at "
                           "from _sqlite_migrations where migration_set = 'pilot_roi' on conflict do nothing")
            applied = {r["name"] for r in db.query("select name from schema_migrations")}
            for step in MIGRATIONS:
                if step.__name__ not in applied:
                    step(db, self.backend.types)
                    db.execute("insert into schema_migrations (name, applied_at) values (?, ?)",
                               [step.__name__, now()])

    def applied_migrations(self) -> list[str]:
        with self._db() as db:
            return [r["name"] for r in db.query("select name from schema_migrations order by name")]

    # -- reads -------------------------------------------------------------------------------------
    def list_plans(self, *, include_archived: bool = False, person: str | None = None,
                   admin: bool = False) -> list[PlanRow]:
        """Plans, newest first; with `person` (sign-in), only those they own or that are shared with them.
        Plans made before sign-in was configured have no owner; only an admin sees them (and may claim them)."""
        conditions, params = [], []
        if not include_archived:
            conditions.append("archived = 0")
        if person is not None:
            unowned = " or id not in (select plan_id from plan_access)" if admin else ""
            conditions.append(f"(id in (select plan_id from plan_access where person = ?){unowned})")
            params.append(_person(person))
        where = f"where {' and '.join(conditions)}" if conditions else ""
        with self._db() as db:
            rows = db.query(
                f"select id, name, version, created_at, updated_at, archived from plans {where} "
                "order by updated_at desc", params
            )
            return [PlanRow(**{**r, "archived": bool(r["archived"])}) for r in rows]

    def exists(self, plan_id: str) -> bool:
        """Whether the plan is stored (a plan deleted on another app server is gone for every session at once)."""
        with self._db() as db:
            return bool(db.query("select 1 from plans where id = ?", [plan_id]))

    def can_see(self, plan_id: str, person: str | None, *, admin: bool = False) -> bool:
        """Without sign-in (person None) everyone may; with it, the owner and the people it is shared with, and
        an admin for a plan made before sign-in was configured (no owner)."""
        if person is None:
            return True
        with self._db() as db:
            people = [r["person"] for r in db.query("select person from plan_access where plan_id = ?", [plan_id])]
        return _person(person) in people or (admin and not people)

    def claim(self, plan_id: str, person: str) -> None:
        """Make `person` the owner of a plan that has none (made before sign-in was configured)."""
        with self._write() as db:
            db.query(f"select 1 from plans where id = ?{self.backend.row_lock}", [plan_id])  # one claim at a time
            if db.query("select 1 from plan_access where plan_id = ?", [plan_id]):
                raise StoreError("This plan already has an owner; ask them to share it with you.")
            db.execute("insert into plan_access (plan_id, person, role) values (?, ?, 'owner')",
                       [plan_id, _person(person)])

    def access(self, plan_id: str) -> list[tuple[str, str]]:
        """(person, "owner" | "shared") for a plan, owner first."""
        with self._db() as db:
            rows = db.query("select person, role from plan_access where plan_id = ? "
                            "order by role != 'owner', person",
                            [plan_id])
            return [(r["person"], r["role"]) for r in rows]

    def share(self, plan_id: str, person: str, *, role: str = "shared") -> None:
        """Let `person` (their sign-in email) see and edit the plan."""
        who = _person(person)
        if "@" not in who or len(who) > 320:
            raise StoreError(f"“{person}” is not an email address; share with the address people sign in with.")
        with self._write() as db:
            db.execute("insert into plan_access (plan_id, person, role) values (?, ?, ?) "
                       "on conflict (plan_id, person) do update set role = excluded.role", [plan_id, who, role])

    def unshare(self, plan_id: str, person: str) -> None:
        with self._write() as db:
            db.execute("delete from plan_access where plan_id = ? and person = ? and role != 'owner'",
                       [plan_id, _person(person)])

    def load(self, plan_id: str) -> tuple[Plan, int]:
        """The plan and its stored version (pass the version back to `save`); PlanFormatError when the stored
        document no longer validates (`stored_json` still gives it, to export and correct)."""
        text, version = self._stored(plan_id)
        plan = Plan.from_json(text)
        plan.id = plan_id
        return plan, version

    def stored_json(self, plan_id: str) -> str:
        """The plan's stored document as it is, valid or not."""
        return self._stored(plan_id)[0]

    def _stored(self, plan_id: str) -> tuple[str, int]:
        with self._db() as db:
            rows = db.query("select json, version from plans where id = ?", [plan_id])
        if not rows:
            raise NotFoundError(f"No plan with id {plan_id!r}; it may have been deleted.")
        return rows[0]["json"], rows[0]["version"]

    def history(self, plan_id: str) -> list[HistoryEntry]:
        with self._db() as db:
            rows = db.query(
                "select id, plan_id, version, name, saved_at, kind, coalesce(saved_by, '') as saved_by "
                "from plan_history "
                "where plan_id = ? order by id desc",
                [plan_id],
            )
            return [HistoryEntry(**r) for r in rows]

    def load_history(self, history_id: int) -> Plan:
        with self._db() as db:
            rows = db.query("select plan_id, json from plan_history where id = ?", [history_id])
        if not rows:
            raise NotFoundError(f"No saved version with id {history_id}.")
        plan = Plan.from_json(rows[0]["json"])
        plan.id = rows[0]["plan_id"]
        return plan

    # -- writes ------------------------------------------------------------------------------------
    def create(self, plan: Plan, *, files_of: str | None = None, owner: str | None = None,
               files: dict[str, bytes] | None = None) -> tuple[Plan, int]:
        """Insert `plan` under a fresh id; returns the stored plan and its version (1). `files_of`: a plan whose
        files this one may read too (a duplicate or a copy made after a conflict keeps its files); `files`
        (SHA-256 → bytes): uploads written with it (those a failed save could not write)."""
        plan.name = validate_name(plan.name)
        source = files_of
        plan.id = new_id()
        stamp = now()
        with self._write() as db:
            db.execute("insert into plans (id, name, json, version, created_at, updated_at, archived) "
                       "values (?, ?, ?, 1, ?, ?, 0)", [plan.id, plan.name, plan.to_json(), stamp, stamp])
            if source:
                db.execute("insert into file_owners (sha256, plan_id) select sha256, ? from file_owners "
                           "where plan_id = ? on conflict do nothing", [plan.id, source])
            for sha, data in (files or {}).items():
                self._put_file(db, plan.id, sha, data)
            if owner:
                db.execute("insert into plan_access (plan_id, person, role) values (?, ?, 'owner')",
                           [plan.id, _person(owner)])
        return plan, 1

    def save(self, plan: Plan, *, expected_version: int, files: dict[str, bytes] | None = None,
             by: str = "") -> int:
        """Store `plan` if nobody saved since `expected_version`; returns the new version.

        The previous version goes to the history first, so it can be seen and restored. `files` (SHA-256 →
        bytes) are the uploads this version references: written in the same transaction, by content, so a
        file never replaces another; a rejected save keeps its files with its history entry.
        """
        plan.name = validate_name(plan.name)
        with self._write() as db:
            current = db.query(f"select * from plans where id = ?{self.backend.row_lock}", [plan.id])
            if not current:
                raise NotFoundError(f"No plan with id {plan.id!r}; it may have been deleted.")
            for sha, data in (files or {}).items():
                self._put_file(db, plan.id, sha, data)
            row = current[0]
            self._check_new_files(db, plan, row["json"])
            if row["version"] != expected_version:
                history_id = self._keep(db, plan.id, expected_version, plan.name, plan.to_json(),
                                        "conflict", by)
                conflict = ConflictError(plan.id, expected_version, row["version"], history_id)
            else:
                self._keep(db, row["id"], row["version"], row["name"], row["json"], "saved", row["saved_by"] or "")
                version = row["version"] + 1
                db.execute(
                    "update plans set name = ?, json = ?, version = ?, updated_at = ?, saved_by = ? where id = ?",
                    [plan.name, plan.to_json(), version, now(), by, plan.id],
                )
                return version
        raise conflict  # after the commit, so the rejected copy stays in the history

    @staticmethod
    def _check_new_files(db: Connection, plan: Plan, stored_json: str) -> None:
        """Refuse a save whose plan newly names a file that is not stored with it (its upload was never
        written, say when the disk was full): saving would leave the plan pointing at nothing."""
        before = {m.get("sha256") for m in json.loads(stored_json).get("data", {}).get("sources", {}).values()}
        for mapping in plan.data.sources.values():
            if not mapping.sha256 or mapping.sha256 in before:
                continue
            owned = db.query("select 1 from file_owners o join files f on f.sha256 = o.sha256 "
                             "where o.plan_id = ? and o.sha256 = ?", [plan.id, mapping.sha256])
            if not owned:
                raise StoreError(f"{mapping.filename} is not stored yet (its upload was not saved): nothing was "
                                 "saved. Try again once there is room, or upload the file again.")

    def rename(self, plan_id: str, name: str, *, expected_version: int) -> int:
        plan, _ = self.load(plan_id)
        plan.name = name
        return self.save(plan, expected_version=expected_version)

    def duplicate(self, plan_id: str, *, name: str | None = None, owner: str | None = None) -> tuple[Plan, int]:
        """A copy of the plan and its uploaded files."""
        plan, _ = self.load(plan_id)
        plan.name = name or _copy_name(plan.name)
        return self.create(plan, files_of=plan_id, owner=owner)

    def save_as_copy(self, plan: Plan, *, owner: str | None = None,
                     files: dict[str, bytes] | None = None) -> tuple[Plan, int]:
        """The "save mine as a copy" answer to a conflict or a fault (it keeps the files its version references,
        and `files` not stored yet)."""
        copy = Plan.from_dict(plan.to_dict())
        copy.name = _copy_name(plan.name, suffix="my copy")
        return self.create(copy, files_of=plan.id, owner=owner, files=files)

    def set_archived(self, plan_id: str, archived: bool) -> None:
        with self._write() as db:
            db.execute("update plans set archived = ?, updated_at = ? where id = ?",
                       [int(archived), now(), plan_id])

    def delete(self, plan_id: str) -> None:
        """Remove a plan and its history for good (the page asks for confirmation first)."""
        with self._write() as db:
            db.execute("delete from plan_history where plan_id = ?", [plan_id])
            db.execute("delete from datasets where plan_id = ?", [plan_id])
            db.execute("delete from plans where id = ?", [plan_id])
            db.execute("delete from file_owners where plan_id = ?", [plan_id])
            db.execute("delete from plan_access where plan_id = ?", [plan_id])
            db.execute("delete from files where sha256 not in (select sha256 from file_owners)")

    def restore(self, history_id: int, *, expected_version: int) -> int:
        """Make an earlier version current again (itself a save, so it is undoable)."""
        plan = self.load_history(history_id)
        return self.save(plan, expected_version=expected_version)

    def import_json(self, text: str | bytes, *, owner: str | None = None) -> tuple[Plan, int]:
        """Validate an exported plan and store it as a new plan (raises PlanFormatError). Its files stay
        behind: an import names them by hash but owns none of them, so they must be uploaded again."""
        plan = Plan.from_json(text)
        return self.create(plan, owner=owner)

    # -- files, by content ----------------------------------------------------------------------------------
    @staticmethod
    def _put_file(db: Connection, plan_id: str, sha: str, data: bytes) -> None:
        if hashlib.sha256(data).hexdigest() != sha:
            raise StoreError("An upload changed between reading and saving; upload it again.")
        db.execute("insert into files (sha256, size, data, stored_at) values (?, ?, ?, ?) on conflict do nothing",
                   [sha, len(data), data, now()])
        db.execute("insert into file_owners (sha256, plan_id) values (?, ?) on conflict do nothing", [sha, plan_id])

    def file_bytes(self, plan_id: str, sha: str) -> bytes:
        """The bytes of a file `plan_id` owns, checked against their SHA-256 (raises NotFoundError or
        StoreError): a deleted plan's or another plan's file is never served."""
        with self._db() as db:
            rows = db.query("select f.data from files f join file_owners o on o.sha256 = f.sha256 "
                            "where o.plan_id = ? and f.sha256 = ?", [plan_id, sha])
        if not rows:
            raise NotFoundError("This plan's file is not stored (it was removed, or the plan came from an "
                                "import without its files): upload it again.")
        data = rows[0]["data"]
        if hashlib.sha256(data).hexdigest() != sha:
            raise StoreError("The stored file is damaged (its content no longer matches its fingerprint): "
                             "upload it again.")
        return data

    def owns_file(self, plan_id: str, sha: str) -> bool:
        with self._db() as db:
            return bool(db.query("select 1 from file_owners where plan_id = ? and sha256 = ?", [plan_id, sha]))

    def put_dataset(self, plan_id: str, kind: str, filename: str, data: bytes) -> DatasetRow:
        """Keep an uploaded file for the plan (by content: it replaces nothing; the plan's version that names its
        SHA-256 is what uses it). The app saves files with the plan version instead (`save(files=…)`)."""
        row = {"plan_id": plan_id, "kind": kind, "filename": filename, "sha256": hashlib.sha256(data).hexdigest(),
               "size": len(data), "uploaded_at": now()}
        with self._write() as db:
            self._put_file(db, plan_id, row["sha256"], data)
        return DatasetRow(**row)

    def datasets(self, plan_id: str) -> list[DatasetRow]:
        """The files the plan's current version names that the store holds for it, by kind."""
        try:
            plan, _ = self.load(plan_id)
        except NotFoundError:
            return []
        with self._db() as db:
            rows = {r["sha256"]: r for r in db.query(
                "select f.sha256, f.size, f.stored_at from files f join file_owners o on o.sha256 = f.sha256 "
                "where o.plan_id = ?", [plan_id])}
        return [DatasetRow(plan_id, kind, m.filename, m.sha256, rows[m.sha256]["size"], rows[m.sha256]["stored_at"])
                for kind, m in sorted(plan.data.sources.items()) if m.sha256 in rows]

    def installation_secret(self) -> str:
        """The per-installation pseudonym key, generated once and kept in the database (two servers that generate
        one at once keep the first written: `on conflict do nothing`)."""
        from core.privacy import new_secret

        with self._db() as db:
            if found := db.query("select value from settings where key = 'pseudonym_key'"):
                return found[0]["value"]
        with self._write() as db:
            db.execute("insert into settings (key, value) values ('pseudonym_key', ?) on conflict do nothing",
                       [new_secret()])
            return db.query("select value from settings where key = 'pseudonym_key'")[0]["value"]

    @staticmethod
    def _keep(db: Connection, plan_id: str, version: int, name: str, text: str, kind: str, by: str = "") -> int:
        """Keep a version in the history, then thin the plan's autosaves (`_thin`)."""
        kept = int(db.query(
            "insert into plan_history (plan_id, version, name, json, saved_at, kind, saved_by, locked) "
            "values (?, ?, ?, ?, ?, ?, ?, ?) returning id",
            [plan_id, version, name, text, now(), kind, by, int(_locked(text))])[0]["id"])
        _thin(db, plan_id)
        return kept


KEEP_RECENT = 50  # autosaves kept as they are; older ones are thinned to the last of each day


def _thin(db: Connection, plan_id: str) -> None:
    """The history's retention rule. Kept for good: every rejected save (a person's work after a conflict), every
    pre-registered (locked) or signed version, the last KEEP_RECENT versions, and the last version of every day.
    Only the other autosaves go — an autosave per edit kept a full copy of the plan, assignment list included,
    forever."""
    db.execute(
        "delete from plan_history where plan_id = ? and kind = 'saved' and locked = 0 "
        "and id not in (select id from plan_history where plan_id = ? order by id desc limit ?) "
        "and id not in (select max(id) from plan_history where plan_id = ? group by substr(saved_at, 1, 10))",
        [plan_id, plan_id, KEEP_RECENT, plan_id])


def _locked(text: str) -> bool:
    """Whether a stored plan document was pre-registered (step 4's lock) or signed by a stakeholder."""
    try:
        document = json.loads(text)
        return bool(document.get("design", {}).get("preregistration") or document.get("signoffs"))
    except (ValueError, AttributeError):
        return False


def _person(email: str) -> str:
    """A person as the access table keeps them: their sign-in email, trimmed and lower-case."""
    return email.strip().lower()


def _copy_name(name: str, *, suffix: str = "copy") -> str:
    base = f"{name} ({suffix})"
    try:
        return validate_name(base)
    except PlanFormatError:
        return validate_name(name[: 200 - len(suffix) - 3] + f" ({suffix})")

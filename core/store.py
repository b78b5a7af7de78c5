"""SQLite persistence for plans, with history and optimistic locking (sqlite-utils 4).

One short-lived connection per operation (Streamlit runs every rerun on its own thread), WAL so readers
never block the writer, a busy timeout so concurrent writers wait instead of failing, and
``BEGIN IMMEDIATE`` for every write so the version check and the update happen under one write lock.

Optimistic locking: every plan row has a ``version``. ``save(plan, expected_version=v)`` succeeds only if
the stored version is still ``v``; otherwise it raises :class:`ConflictError` and records the rejected
copy in the history, so neither person's work is lost.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database, Migrations

from core.plan import Plan, PlanFormatError, validate_name

DEFAULT_DB = "data/pilot_roi.db"
BUSY_TIMEOUT_MS = 30_000

migrations = Migrations("pilot_roi")


@migrations()
def m001_plans(db: Database) -> None:
    db["plans"].create(
        {"id": str, "name": str, "json": str, "version": int, "created_at": str, "updated_at": str,
         "archived": int},
        pk="id",
        not_null={"name", "json", "version", "created_at", "updated_at", "archived"},
        defaults={"archived": 0, "version": 1},
    )
    db["plan_history"].create(
        {"id": int, "plan_id": str, "version": int, "name": str, "json": str, "saved_at": str,
         "kind": str},
        pk="id",
    )
    db["plan_history"].create_index(["plan_id", "id"])


@migrations()
def m002_datasets_and_settings(db: Database) -> None:
    db["datasets"].create(
        {"plan_id": str, "kind": str, "filename": str, "sha256": str, "size": int, "data": bytes,
         "uploaded_at": str},
        pk=("plan_id", "kind"),
    )
    db["settings"].create({"key": str, "value": str}, pk="key")


@migrations()
def m003_files_by_hash(db: Database) -> None:
    """Uploaded files stored once by their SHA-256 and owned by the plans whose versions reference them."""
    db["files"].create({"sha256": str, "size": int, "data": bytes, "stored_at": str}, pk="sha256")
    db["file_owners"].create({"sha256": str, "plan_id": str}, pk=("sha256", "plan_id"))
    db.execute("insert or ignore into files (sha256, size, data, stored_at) "
               "select sha256, size, data, uploaded_at from datasets")
    db.execute("insert or ignore into file_owners (sha256, plan_id) select sha256, plan_id from datasets")


@migrations()
def m004_access(db: Database) -> None:
    """Who may see a plan (with sign-in): its owner and the people it is shared with; who saved each version."""
    db["plan_access"].create({"plan_id": str, "person": str, "role": str}, pk=("plan_id", "person"))
    db["plan_history"].add_column("saved_by", str)
    db["plans"].add_column("saved_by", str)


@migrations()
def m005_history_locked(db: Database) -> None:
    """Which kept versions were pre-registered (locked): the history's retention keeps every one of them."""
    db["plan_history"].add_column("locked", int, not_null_default=0)
    for row in list(db.query("select id, json from plan_history")):
        if _locked(row["json"]):
            db.execute("update plan_history set locked = 1 where id = ?", [row["id"]])


class StoreError(RuntimeError):
    """The database cannot be opened or written; the message says what to do."""


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


def db_path() -> Path:
    """The SQLite file `PILOT_ROI_DB` names (default data/pilot_roi.db). A URL (postgresql://…, mysql://…) is
    refused in words that name its kind: this store keeps plans in a SQLite file, and taking a URL for a path once
    made a folder called "postgresql:" in the working directory."""
    value = os.environ.get("PILOT_ROI_DB") or str(DEFAULT_DB)
    if (scheme := re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", value)) and scheme[1].lower() != "file":
        raise StoreError(f"PILOT_ROI_DB is a {scheme[1]} URL, but plans are kept in a SQLite file: set "
                         "PILOT_ROI_DB to a file path such as /srv/pilot-roi/plans.db (or leave it unset for "
                         "data/pilot_roi.db).")
    return Path(value.removeprefix("file://"))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_id() -> str:
    return secrets.token_hex(4)


class Store:
    """All reads and writes of plans. Cheap to construct; holds no open connection."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else db_path()
        self._ensure_schema()

    # -- connections -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _db(self) -> Iterator[Database]:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.OperationalError as exc:
            raise StoreError(self._unwritable(exc)) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            yield Database(conn, execute_plugins=False)
        except sqlite3.DatabaseError as exc:  # a fault of the file or the disk, never a traceback on screen
            raise StoreError(self._fault(exc)) from None
        finally:
            conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[Database]:
        """A write transaction that holds SQLite's write lock from its first statement."""
        with self._db() as db:
            try:
                db.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(self._fault(exc)) from None
            try:
                yield db
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.conn.rollback()
                raise
            else:
                db.conn.commit()  # a full disk fails here; _db turns it into a StoreError, nothing half-written

    def _fault(self, exc: sqlite3.DatabaseError) -> str:
        """A plain message for a storage fault; a database whose tables vanished (the file was deleted or
        replaced while the app ran) is recreated empty through the migrations first."""
        text = str(exc).lower()
        if "no such table" in text:
            with contextlib.suppress(StoreError, sqlite3.Error):
                self._ensure_schema()
            return (f"The database file {self.path} was deleted or replaced while the app was running; an empty one "
                    "has been created. The plan open in this window is kept here: save it as a new plan.")
        if "readonly" in text or "read-only" in text:
            return (f"The database file {self.path} is read-only, so nothing can be saved. Your changes are kept in "
                    "this window; make the file writable (or set PILOT_ROI_DB to another path) and try again.")
        if "full" in text:
            return ("The disk is full, so the change was not saved (nothing was half-written). Your changes are kept "
                    "in this window; free some space and try again.")
        return self._unwritable(exc)

    def _unwritable(self, exc: Exception) -> str:
        """The cause in words (a full disk, a read-only file system, no permission, no such folder), then the
        details; "check that its folder exists and is writable" was said for a full disk too."""
        code = getattr(exc, "errno", None)
        text = str(exc).lower()
        if code == errno.ENOSPC or "full" in text:
            cause = "the disk is full: free some space"
        elif code == errno.EROFS or "read-only" in text or "readonly" in text:
            cause = "the file system is read-only: use a writable location"
        elif code in (errno.EACCES, errno.EPERM) or "permission" in text:
            cause = "this app's user may not write there: give it permission"
        else:
            cause = "check that its folder exists and is writable"
        return f"Cannot use the database file {self.path}: {cause}, or set PILOT_ROI_DB to another path ({exc})."

    def _ensure_schema(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(self._unwritable(exc)) from None
        self._enable_wal()
        # Two processes may start at once: the write lock makes one apply the migrations and the
        # other then find nothing pending (Migrations.apply nests its work in savepoints).
        with self._write() as db:
            migrations.apply(db)

    def _enable_wal(self) -> None:
        """Switch the file to WAL (once: the mode is stored in the file).

        Changing the journal mode needs the file to itself, and SQLite answers "database is locked" at once
        instead of waiting for the busy timeout when another process has it open (two app processes starting
        together), so retry with a little jitter until the timeout.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)  # raw: the retry reads its error
                try:
                    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                        Database(conn, execute_plugins=False).enable_wal()
                finally:
                    conn.close()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise StoreError(self._unwritable(exc)) from None
                time.sleep(random.uniform(0.005, 0.05))

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
            if list(db.query("select 1 from plan_access where plan_id = ?", [plan_id])):
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
            db.execute("insert or replace into plan_access (plan_id, person, role) values (?, ?, ?)",
                       [plan_id, who, role])

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
            rows = list(db.query("select json, version from plans where id = ?", [plan_id]))
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
            rows = list(db.query("select plan_id, json from plan_history where id = ?", [history_id]))
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
            db["plans"].insert(
                {"id": plan.id, "name": plan.name, "json": plan.to_json(), "version": 1,
                 "created_at": stamp, "updated_at": stamp, "archived": 0}
            )
            if source:
                db.execute("insert or ignore into file_owners (sha256, plan_id) select sha256, ? from file_owners "
                           "where plan_id = ?", [plan.id, source])
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
            current = list(db.query("select * from plans where id = ?", [plan.id]))
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
                self._keep(db, row["id"], row["version"], row["name"], row["json"], "saved", row.get("saved_by") or "")
                version = row["version"] + 1
                db.execute(
                    "update plans set name = ?, json = ?, version = ?, updated_at = ?, saved_by = ? where id = ?",
                    [plan.name, plan.to_json(), version, now(), by, plan.id],
                )
                return version
        raise conflict  # after the commit, so the rejected copy stays in the history

    @staticmethod
    def _check_new_files(db: Database, plan: Plan, stored_json: str) -> None:
        """Refuse a save whose plan newly names a file that is not stored with it (its upload was never
        written, say when the disk was full): saving would leave the plan pointing at nothing."""
        before = {m.get("sha256") for m in json.loads(stored_json).get("data", {}).get("sources", {}).values()}
        for mapping in plan.data.sources.values():
            if not mapping.sha256 or mapping.sha256 in before:
                continue
            owned = list(db.query("select 1 from file_owners o join files f on f.sha256 = o.sha256 "
                                  "where o.plan_id = ? and o.sha256 = ?", [plan.id, mapping.sha256]))
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

    # -- uploaded files ----------------------------------------------------------------------------------
    # -- files, by content ----------------------------------------------------------------------------------
    @staticmethod
    def _put_file(db: Database, plan_id: str, sha: str, data: bytes) -> None:
        import hashlib

        if hashlib.sha256(data).hexdigest() != sha:
            raise StoreError("An upload changed between reading and saving; upload it again.")
        db.execute("insert or ignore into files (sha256, size, data, stored_at) values (?, ?, ?, ?)",
                   [sha, len(data), data, now()])
        db.execute("insert or ignore into file_owners (sha256, plan_id) values (?, ?)", [sha, plan_id])

    def file_bytes(self, plan_id: str, sha: str) -> bytes:
        """The bytes of a file `plan_id` owns, checked against their SHA-256 (raises NotFoundError or
        StoreError): a deleted plan's or another plan's file is never served."""
        import hashlib

        with self._db() as db:
            rows = list(db.query("select f.data from files f join file_owners o on o.sha256 = f.sha256 "
                                 "where o.plan_id = ? and f.sha256 = ?", [plan_id, sha]))
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
            return bool(list(db.query("select 1 from file_owners where plan_id = ? and sha256 = ?", [plan_id, sha])))

    def put_dataset(self, plan_id: str, kind: str, filename: str, data: bytes) -> DatasetRow:
        """Keep an uploaded file for the plan (by content: it replaces nothing; the plan's version that names its
        SHA-256 is what uses it). The app saves files with the plan version instead (`save(files=…)`)."""
        import hashlib

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
        """The per-installation pseudonym key, generated once (under the write lock) and kept in the database."""
        from core.privacy import new_secret

        with self._write() as db:
            rows = list(db.query("select value from settings where key = 'pseudonym_key'"))
            if rows:
                return rows[0]["value"]
            value = new_secret()
            db["settings"].insert({"key": "pseudonym_key", "value": value})
            return value

    @staticmethod
    def _keep(db: Database, plan_id: str, version: int, name: str, text: str, kind: str, by: str = "") -> int:
        """Keep a version in the history, then thin the plan's autosaves (`_thin`)."""
        table = db["plan_history"]
        table.insert({"plan_id": plan_id, "version": version, "name": name, "json": text,
                      "saved_at": now(), "kind": kind, "saved_by": by, "locked": int(_locked(text))})
        kept = int(table.last_pk)
        _thin(db, plan_id)
        return kept


KEEP_RECENT = 50  # autosaves kept as they are; older ones are thinned to the last of each day


def _thin(db: Database, plan_id: str) -> None:
    """The history's retention rule. Kept for good: every rejected save (a person's work after a conflict), every
    pre-registered (locked) version, the last KEEP_RECENT versions, and the last version of every day. Only the
    other autosaves go — an autosave per edit kept a full copy of the plan, assignment list included, forever."""
    db.execute(
        "delete from plan_history where plan_id = ? and kind = 'saved' and locked = 0 "
        "and id not in (select id from plan_history where plan_id = ? order by id desc limit ?) "
        "and id not in (select max(id) from plan_history where plan_id = ? group by substr(saved_at, 1, 10))",
        [plan_id, plan_id, KEEP_RECENT, plan_id])


def _locked(text: str) -> bool:
    """Whether a stored plan document was pre-registered (step 4's lock)."""
    try:
        return bool(json.loads(text).get("design", {}).get("preregistration"))
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

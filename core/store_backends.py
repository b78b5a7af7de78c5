"""Where plans are kept: a SQLite file (the embedded default) or a PostgreSQL database.

The Store writes one dialect of SQL that both understand (``?`` parameters, ``insert … on conflict``,
``returning``); a backend opens connections, runs transactions with the right locks, and names its faults in
plain words. What differs is only how a write takes its lock:

- SQLite: ``BEGIN IMMEDIATE`` takes the database's one write lock at the first statement, so a version check and
  its update can never interleave with another writer's. WAL lets readers go on meanwhile.
- PostgreSQL: each write transaction locks the rows it checks (``select … for update``, `row_lock`), so two
  saves of one plan queue on that row while saves of other plans run side by side. Schema migrations take a
  transaction-scoped advisory lock, so app servers starting together apply each migration once.
"""

from __future__ import annotations

import contextlib
import errno
import random
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BUSY_TIMEOUT_MS = 30_000
CONNECT_SECONDS = 10
POSTGRES_SCHEMES = ("postgresql", "postgres")
MIGRATION_LOCK = 7_311_955_482  # any fixed number: the advisory lock one migrating app server holds


class StoreError(RuntimeError):
    """The database cannot be opened or written; the message says what to do."""


class Connection:
    """One open connection: `query` gives rows as dicts, `execute` the number of rows it touched."""

    def __init__(self, raw: Any, translate: bool) -> None:
        self.raw, self._translate = raw, translate

    def _sql(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if self._translate else sql

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.raw.execute(self._sql(sql), list(params))
        names = [c[0] for c in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.raw.execute(self._sql(sql), list(params)).rowcount


def scheme_of(value: str) -> str:
    """The URL scheme of a database setting, lower-case ("" for a file path)."""
    found = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", value)
    return found[1].lower() if found else ""


def shown(location: str) -> str:
    """A database location as messages may show it: a URL without its password."""
    location = re.sub(r"(password\s*=\s*)[^&\s]+", r"\1***", location, flags=re.IGNORECASE)  # query or keywords
    if not scheme_of(location):
        return location
    parts = urlsplit(location)
    if parts.password is None:
        return location
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class SQLite:
    """A SQLite file; one short-lived connection per operation (Streamlit runs every rerun on its own thread)."""

    name = "SQLite"
    row_lock = ""  # BEGIN IMMEDIATE already holds the whole database's write lock
    types = {"blob": "blob", "serial": "integer primary key"}

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.location = str(self.path)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        try:
            raw = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise StoreError(self.unusable(exc)) from None
        try:
            raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            yield Connection(raw, translate=False)
        finally:
            raw.close()

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction that holds SQLite's write lock from its first statement; rolled back on any error."""
        with self.reading() as conn:
            conn.raw.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.raw.execute("ROLLBACK")
                raise
            conn.raw.execute("COMMIT")  # a full disk fails here: nothing is half-written

    migrating = writing  # the write lock makes one process apply the migrations; the others find none pending

    def prepare(self) -> None:
        """Create the file's folder and switch the file to WAL (once: the mode is stored in the file).

        Changing the journal mode needs the file to itself, and SQLite answers "database is locked" at once
        instead of waiting for the busy timeout when another process has it open (two app processes starting
        together), so retry with a little jitter until the timeout."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(self.unusable(exc)) from None
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                raw = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
                try:
                    if raw.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                        raw.execute("PRAGMA journal_mode = wal")
                finally:
                    raw.close()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise StoreError(self.unusable(exc)) from None
                time.sleep(random.uniform(0.005, 0.05))

    errors = (sqlite3.Error,)

    @staticmethod
    def tables_gone(exc: Exception) -> bool:
        return "no such table" in str(exc).lower()

    def fault(self, exc: Exception) -> str:
        """A plain message for a fault while working with an open file."""
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text:
            return (f"The database file {self.path} is read-only, so nothing can be saved. Your changes are kept in "
                    "this window; make the file writable (or set PILOT_ROI_DB to another path) and try again.")
        if "full" in text:
            return ("The disk is full, so the change was not saved (nothing was half-written). Your changes are kept "
                    "in this window; free some space and try again.")
        return self.unusable(exc)

    def unusable(self, exc: Exception) -> str:
        """The cause in words (a full disk, a read-only file system, no permission, no such folder), then the
        details; "check that its folder exists and is writable" was once said for a full disk too."""
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

    def gone_message(self) -> str:
        return (f"The database file {self.path} was deleted or replaced while the app was running; an empty one "
                "has been created.")


class PostgreSQL:
    """A PostgreSQL database (psycopg 3); one connection per operation, so any number of app servers share it."""

    name = "PostgreSQL"
    row_lock = " for update"
    types = {"blob": "bytea", "serial": "bigint generated by default as identity primary key"}

    def __init__(self, url: str) -> None:
        import psycopg

        self._psycopg = psycopg
        self.url, self.location = url, shown(url)
        self.errors = (psycopg.Error,)

    def _connect(self, *, autocommit: bool) -> Any:
        try:
            return self._psycopg.connect(self.url, autocommit=autocommit, connect_timeout=CONNECT_SECONDS,
                                         application_name="pilot-roi")
        except self._psycopg.Error as exc:
            raise StoreError(self.unusable(exc)) from None

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        raw = self._connect(autocommit=True)
        try:
            yield Connection(raw, translate=True)
        finally:
            raw.close()

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction (read committed); the Store locks the rows it checks with `row_lock`."""
        raw = self._connect(autocommit=False)
        try:
            with raw.transaction():  # commits at the end, rolls back on any error
                yield Connection(raw, translate=True)
        finally:
            raw.close()

    @contextlib.contextmanager
    def migrating(self) -> Iterator[Connection]:
        """A transaction that holds the migration lock: app servers starting together wait for each other, and
        PostgreSQL's DDL is transactional, so a migration is applied whole or not at all."""
        with self.writing() as conn:
            conn.query("select pg_advisory_xact_lock(?)", [MIGRATION_LOCK])
            yield conn

    def prepare(self) -> None:
        """Nothing to create before the migrations: the database itself is the administrator's."""

    @staticmethod
    def tables_gone(exc: Exception) -> bool:
        return getattr(exc, "sqlstate", None) == "42P01"  # undefined_table

    def fault(self, exc: Exception) -> str:
        state = getattr(exc, "sqlstate", None) or ""
        if state == "53100":
            return ("The database server's disk is full, so the change was not saved (nothing was half-written). "
                    "Your changes are kept in this window; ask its administrator to free some space.")
        if state == "25006":
            return ("The PostgreSQL database is read-only (a replica, or in recovery), so nothing can be saved. Your "
                    "changes are kept in this window; point PILOT_ROI_DB at the primary server.")
        if state == "42501":
            return (f"The database user in {self.location} may not read or write the plans' tables: grant it "
                    f"those rights (details: {_first_line(exc)}).")
        return self.unusable(exc)

    def unusable(self, exc: Exception) -> str:
        text = _first_line(exc)
        lowered = text.lower()
        if "password" in lowered or "authentication" in lowered:
            cause = "the server refused the user name or password"
        elif "does not exist" in lowered and "database" in lowered:
            cause = "that database does not exist: create it first"
        elif "connect" in lowered or "timeout" in lowered or "could not translate" in lowered:
            cause = "the server cannot be reached: check that it runs and the host and port are right"
        else:
            cause = "see the details"
        return (f"Cannot use the PostgreSQL database {self.location}: {cause}. Your changes are kept in this window; "
                f"try again, or set PILOT_ROI_DB to another database (details: {text}).")

    def gone_message(self) -> str:
        return (f"The plans' tables in {self.location} were dropped while the app was running; empty ones have "
                "been created.")


Backend = SQLite | PostgreSQL


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def open_backend(location: str) -> Backend:
    """The backend for a database setting: a postgresql:// (or postgres://) URL, or a SQLite file path."""
    if scheme_of(location) in POSTGRES_SCHEMES:
        return PostgreSQL(location)
    return SQLite(location)

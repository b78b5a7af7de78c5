"""Move an installation's plans from one store to another — SQLite to PostgreSQL, or back — with nothing lost.

    python -m core.store_move data/pilot_roi.db postgresql://pilot@db.example.com/pilot_roi

Everything is copied in one transaction of the target (all or nothing): plans, every kept version with who saved
it, sharing, uploaded files and the installation's pseudonym key (so pseudonyms stay the same). Then every plan
and file is read back from the target and compared with the source, field by field and byte by byte (each file
by its SHA-256). The source is left as it was. The target must hold no plans yet: merging two installations would
mix two pseudonym keys.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from core.store import Store, StoreError
from core.store_backends import POSTGRES_SCHEMES, Connection, scheme_of, shown

# Tables copied as they are (their rows carry their own keys), in an order that respects what refers to what.
KEYED = {"settings": ("key",), "plans": ("id",), "file_owners": ("sha256", "plan_id"),
         "plan_access": ("plan_id", "person"), "datasets": ("plan_id", "kind")}
HISTORY = ("plan_id", "version", "name", "json", "saved_at", "kind", "saved_by", "locked")


@dataclass
class MoveReport:
    plans: int = 0
    versions: int = 0
    files: int = 0
    file_bytes: int = 0
    differences: list[str] = field(default_factory=list)

    def words(self) -> str:
        said = (f"Moved {self.plans} plans, {self.versions} kept versions and {self.files} files "
                f"({self.file_bytes / 1e6:,.1f} MB).")
        if self.differences:
            return said + " But the target differs from the source:\n- " + "\n- ".join(self.differences)
        return said + " Every plan, version, share and file was read back and is identical (files by SHA-256)."


def move(source: Store, target: Store) -> MoveReport:
    """Copy every plan of `source` into `target` (which must hold none), then compare the two."""
    with target.backend.reading() as db:
        if db.query("select 1 from plans limit 1"):
            raise StoreError(f"{target.backend.location} already holds plans: move into an empty database, so two "
                             "installations' plans and pseudonym keys are never mixed.")
    with source.backend.reading() as src, target.backend.writing() as dst:
        dst.execute("delete from settings")  # a fresh target made its own pseudonym key: the source's replaces it
        for table in ("settings", "plans"):
            _copy(src, dst, table)
        for sha in [r["sha256"] for r in src.query("select sha256 from files order by sha256")]:
            _copy(src, dst, "files", "where sha256 = ?", [sha])  # one file in memory at a time
        for table in ("file_owners", "plan_access", "datasets"):
            _copy(src, dst, table)
        for plan_id in [r["id"] for r in src.query("select id from plans order by id")]:
            rows = src.query(f"select {', '.join(HISTORY)} from plan_history where plan_id = ? order by id",
                             [plan_id])
            _insert(dst, "plan_history", rows)  # new ids, in the same order: ids are the store's own
    return compare(source, target)


def compare(source: Store, target: Store) -> MoveReport:
    """What differs between two stores' plans, versions, sharing, settings and files (nothing, after a move)."""
    report = MoveReport()
    with source.backend.reading() as a, target.backend.reading() as b:
        for table, key in KEYED.items():
            left, right = (_keyed(db.query(f"select * from {table}"), key) for db in (a, b))
            for k in sorted(left.keys() ^ right.keys()):
                report.differences.append(f"{table} {k}: only in the {'source' if k in left else 'target'}")
            report.differences += [f"{table} {k}: differs" for k in sorted(left.keys() & right.keys())
                                   if left[k] != right[k]]
        order = f"select {', '.join(HISTORY)} from plan_history order by plan_id, id"
        left, right = a.query(order), b.query(order)
        if left != right:
            report.differences.append(f"the kept versions differ ({len(left)} in the source, {len(right)} in the "
                                      "target)")
        report.plans, report.versions = len(_keyed(a.query("select id from plans"), ("id",))), len(left)
        for sha in [r["sha256"] for r in a.query("select sha256 from files order by sha256")]:
            found = b.query("select data from files where sha256 = ?", [sha])
            data = bytes(found[0]["data"]) if found else None
            if data is None or hashlib.sha256(data).hexdigest() != sha:
                report.differences.append(f"file {sha[:12]}…: {'missing' if data is None else 'content differs'}")
                continue
            report.files, report.file_bytes = report.files + 1, report.file_bytes + len(data)
    return report


def _copy(src: Connection, dst: Connection, table: str, where: str = "", params: list | None = None) -> None:
    _insert(dst, table, src.query(f"select * from {table} {where}", params or []))


def _insert(db: Connection, table: str, rows: list[dict]) -> None:
    for row in rows:
        names = list(row)
        db.execute(f"insert into {table} ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                   [bytes(v) if isinstance(v, memoryview) else v for v in row.values()])


def _keyed(rows: list[dict], key: tuple[str, ...]) -> dict[tuple, dict]:
    return {tuple(r[k] for k in key): {k: bytes(v) if isinstance(v, memoryview) else v for k, v in r.items()}
            for r in rows}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] == argv[1]:
        print("Usage: python -m core.store_move SOURCE TARGET\n  SOURCE, TARGET: a SQLite file path or a "
              "postgresql://user@host/database URL (different from each other).", file=sys.stderr)
        return 2
    try:
        for location in argv:  # the app's own rule: a SQLite path or a postgresql:// URL, never a stray folder
            if scheme_of(location) not in ("", "file", *POSTGRES_SCHEMES) or "=" in location.split("/")[0]:
                raise StoreError(f"{shown(location)} is not a SQLite file path or a postgresql:// URL.")
        if not scheme_of(argv[0]) and not Path(argv[0].removeprefix("file://")).is_file():
            raise StoreError(f"The source {argv[0]} does not exist: check the path of the SQLite file.")
        source, target = Store(argv[0]), Store(argv[1])
        report = move(source, target)
    except StoreError as exc:
        print(f"Nothing was moved: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, psycopg.Error) as exc:  # a database fault mid-copy: the target rolled back
        print(f"Nothing was moved (the target rolled back): {exc}", file=sys.stderr)
        return 1
    print(report.words())
    if not report.differences:
        print(f"The source ({source.backend.location}) is unchanged. Point PILOT_ROI_DB at "
              f"{target.backend.location} and restart the app servers.")
    return 1 if report.differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

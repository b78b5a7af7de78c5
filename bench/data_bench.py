"""Data benchmarks: the upload path against DuckDB's own read, a 50M-row event log, and a PostgreSQL table.

1. **1M-row LMS CSV** (~50 MB): read + check + aggregate (what the Data page does with an upload) as a ratio to
   DuckDB materialising the same file as text (`CREATE TABLE t AS SELECT * FROM read_csv(path, all_varchar =
   true)`). Both sides run in one process, alternately, seven times each, after each has run once on a small file
   (a warm server). The fastest run of each counts (noise only adds time). Target ≤ 3×; the wall time is printed
   (it should stay under about 2 s on 2 cores). Peak memory of each side once more in its own process (VmHWM).
2. **50M-row event log** (~2.5 GB CSV, generated into a temporary folder by DuckDB, never committed):
   summarised per person through the product's warehouse path (a DuckDB connection, `SELECT * FROM
   read_csv(...)`), in its own process. Target: peak resident memory ≤ 1.5 GB.
3. **The same aggregation against PostgreSQL** (a real server, as in the tests) on the 1M events: the rows that
   come back must be one per person.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import Row

ROOT = Path(__file__).resolve().parents[1]
ROWS = 1_000_000
LOG_ROWS = 50_000_000
PEOPLE = 50_000
REPEAT = 7

SETUP = """
import gc, json, sys, time
sys.path.insert(0, {root!r})
import duckdb
from core import ingest, panel, quality

def ours(path):
    data = open(path, "rb").read()
    table = ingest.read_table(data, "lms_events.csv")
    roles = ingest.guess_roles(table)
    parsed, _ = quality.parse(table, roles)
    quality.file_report(table, roles, kind="lms", parsed=parsed)
    engaged = panel.engagement(panel.Source("lms", table, roles, parsed))
    assert len(table.frame) == {rows} or path == {small!r}, len(table.frame)
    return engaged


def base(path):
    con = duckdb.connect()
    con.sql(f"CREATE TABLE t AS SELECT * FROM read_csv('{{path}}', all_varchar = true)")
    con.close()


def timed(function):
    gc.collect()
    start = time.perf_counter()
    function({path!r})
    return (time.perf_counter() - start) * 1000


def peak_mb():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
"""

TIMES = SETUP + """
ours({small!r}), base({small!r})  # warm, as a running server is
runs = [(timed(ours), timed(base)) for _ in range({repeat})]
print(json.dumps({{"ours": [o for o, _ in runs], "base": [b for _, b in runs]}}))
"""

PEAK = SETUP + """
{side}({small!r})
timed({side})
print(json.dumps({{"mb": peak_mb()}}))
"""

GENERATE = """
import duckdb
duckdb.connect().sql('''
COPY (
  SELECT 'ev' || i AS event_id,
         'E' || lpad(CAST(hash(i) % {people} AS VARCHAR), 5, '0') AS employee_id,
         TIMESTAMP '2025-07-01' + to_seconds(CAST(i % 31536000 AS BIGINT)) AS timestamp,
         ['login', 'module_start', 'module_complete'][CAST(i % 3 AS INTEGER) + 1] AS event,
         CASE WHEN i % 3 = 2 THEN CAST(hash(i) % 90 AS INTEGER) ELSE 0 END AS minutes
  FROM range({rows}) t(i)
) TO '{path}' (HEADER, DELIMITER ',')
''')
"""

LOG = """
import json, sys, time
sys.path.insert(0, {root!r})
from core import warehouse
start = time.perf_counter()
con = warehouse.connect("log", "duckdb://?memory_limit=1GB&threads=2", folders=({folder!r},))
query = "SELECT * FROM read_csv('{path}')"
roles = {{"event_id": "ignore", "employee_id": "employee_id", "timestamp": "date", "event": "category",
         "minutes": "measure"}}
found = warehouse.summary(con, query, kind="lms", roles=roles, name="events")
frame = found.table.frame
counted = sum(frame[c].astype(int).sum() for c in ("lms_sessions", "lms_module_starts", "lms_completions"))
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
print(json.dumps({{"mb": peak, "s": time.perf_counter() - start, "people": len(frame), "events": int(counted),
                  "rows": found.source_rows}}))
"""


def write_lms(path: Path, rows: int = ROWS, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 20_001, rows)
    seconds = np.sort(rng.integers(0, 365 * 86_400, rows))
    stamps = pd.to_datetime("2025-07-01") + pd.to_timedelta(seconds, unit="s")
    events = rng.choice(["login", "module_start", "module_complete"], rows, p=[0.5, 0.25, 0.25])
    frame = pd.DataFrame({
        "event_id": [f"ev{i:07d}" for i in range(rows)],
        "employee_id": [f"E{i:05d}" for i in ids],
        "timestamp": stamps.strftime("%Y-%m-%d %H:%M"),
        "event": events,
        "module": np.where(events == "login", "", rng.choice(["Negotiation", "Value selling", "Tools"], rows)),
        "minutes": np.where(events == "module_complete", rng.integers(1, 90, rows), 0),
    })
    frame.to_csv(path, index=False)


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ingest_rows(repeat: int = REPEAT) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        path, small = Path(tmp) / "lms_events.csv", Path(tmp) / "lms_small.csv"
        write_lms(path)
        small.write_text("".join(path.open().readlines()[:1_001]))
        size_mb = path.stat().st_size / 2**20
        names = {"root": str(ROOT), "path": str(path), "small": str(small), "rows": ROWS, "repeat": repeat}
        times = _run(TIMES.format(**names))
        ours_mb = _run(PEAK.format(side="ours", **names))["mb"]
        base_mb = _run(PEAK.format(side="base", **names))["mb"]
        fetched, people = postgres_rows(path)
    ours_ms, base_ms = min(times["ours"]), min(times["base"])
    return [
        Row(f"LMS CSV {ROWS:,} rows ({size_mb:.0f} MB): read+check+aggregate vs DuckDB all_varchar", ours_ms,
            base_ms, "ms", "≤ 3× (wall < 2 s)", ours_ms <= 3 * base_ms),
        Row("  peak memory (VmHWM) vs DuckDB's read", ours_mb, base_mb, "MB", "reported", True),
        Row(f"  PostgreSQL, {ROWS:,} events: rows fetched vs people", fetched, people, "rows", "one per person",
            fetched == people),
    ]


def postgres_rows(path: Path) -> tuple[int, int]:
    """(rows the summary fetched, distinct people) for the LMS file loaded into a real PostgreSQL table."""
    import psycopg

    from core import warehouse
    from tests import postgres

    with postgres.server() as url, psycopg.connect(url.replace("postgres://", "postgresql://")) as pg:
        pg.execute("CREATE TABLE lms_events (event_id text, employee_id text, timestamp timestamp, event text, "
                   "module text, minutes integer)")
        with pg.cursor().copy("COPY lms_events FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, \
                path.open("rb") as handle:
            while block := handle.read(1 << 20):
                copy.write(block)
        pg.commit()
        people = pg.execute("SELECT count(DISTINCT employee_id) FROM lms_events").fetchone()[0]
        con = warehouse.connect("bench", url)
        roles = {"event_id": "ignore", "employee_id": "employee_id", "timestamp": "date", "event": "category",
                 "module": "category", "minutes": "measure"}
        found = warehouse.summary(con, "lms_events", kind="lms", roles=roles, name="lms_events")
    return len(found.table.frame), int(people)


def event_log_rows(rows: int = LOG_ROWS) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        _run(GENERATE.format(people=PEOPLE, rows=rows, path=path) + "\nprint('{}')")
        size_gb = path.stat().st_size / 2**30
        found = _run(LOG.format(root=str(ROOT), path=path, folder=tmp))
    complete = found["events"] == rows == found["rows"]
    return [Row(f"Event log {rows:,} rows ({size_gb:.1f} GB) per person: peak memory", found["mb"], None, "MB",
                "≤ 1,536 MB", found["mb"] <= 1536 and complete),
            Row(f"  the same: wall time ({found['people']:,} people, every event counted: {complete})",
                found["s"] * 1000, None, "ms", "reported", complete)]


if __name__ == "__main__":
    from bench.common import print_table

    print_table(ingest_rows() + event_log_rows(int(sys.argv[1]) if len(sys.argv) > 1 else LOG_ROWS))

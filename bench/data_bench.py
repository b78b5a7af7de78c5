"""Data benchmark: ingest + validate + aggregate a 1,000,000-row LMS CSV against a bare pyarrow read.

Both sides start as a running server would be: modules imported, and the same code already run once on a
small file (the first 1,000 lines), so one-time costs — lazy imports, compiled patterns, the thread pool —
are not counted on either side. Each side runs in its own process, so that peak memory is its own: VmHWM,
the high-water mark of resident memory, which unlike ru_maxrss does not carry over from the parent process.
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

OURS = """
import json, sys, time
sys.path.insert(0, {root!r})
from core import ingest, panel, quality
import pyarrow.compute, pyarrow.csv  # loaded before timing, as in a running server


def run(path):
    data = open(path, "rb").read()
    table = ingest.read_table(data, "lms_events.csv")
    roles = ingest.guess_roles(table)
    parsed, _ = quality.parse(table, roles)
    report = quality.file_report(table, roles, kind="lms", parsed=parsed)
    return table, panel.engagement(panel.Source("lms", table, roles, parsed))


run({small!r})  # warm, as a running server is
start = time.perf_counter()
table, engaged = run({path!r})
elapsed = time.perf_counter() - start
assert len(table.frame) == {rows} and len(engaged) > 1000, (len(table.frame), len(engaged))
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({{"ms": elapsed * 1000, "rss_mb": hwm / 1024}}))
"""

BASELINE = """
import json, time
import pandas as pd
import pyarrow.compute, pyarrow.csv  # loaded before timing, as in a running server
pd.read_csv({small!r}, engine="pyarrow")  # warm, as a running server is
start = time.perf_counter()
frame = pd.read_csv({path!r}, engine="pyarrow")
elapsed = time.perf_counter() - start
assert len(frame) == {rows}
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({{"ms": elapsed * 1000, "rss_mb": hwm / 1024}}))
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


def ingest_rows(repeat: int = 3) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        path, small = Path(tmp) / "lms_events.csv", Path(tmp) / "lms_small.csv"
        write_lms(path)
        small.write_text("".join(path.open().readlines()[:1_001]))
        size_mb = path.stat().st_size / 2**20
        paths = {"path": str(path), "small": str(small), "rows": ROWS}
        ours, base = [], []
        for _ in range(repeat):  # alternated, so that a slow spell of the machine hits both sides
            ours.append(_run(OURS.format(root=str(ROOT), **paths)))
            base.append(_run(BASELINE.format(**paths)))
    ours_ms = float(np.median([o["ms"] for o in ours]))
    base_ms = float(np.median([b["ms"] for b in base]))
    ours_mb = max(o["rss_mb"] for o in ours)
    base_mb = max(b["rss_mb"] for b in base)
    return [
        Row(f"LMS CSV {ROWS:,} rows ({size_mb:.0f} MB): ingest+validate+aggregate vs pyarrow read", ours_ms, base_ms,
            "ms", "≤ 2×", ours_ms <= 2 * base_ms),
        Row("  peak memory (VmHWM) vs the bare read", ours_mb, base_mb, "MB", "reported", True),
    ]

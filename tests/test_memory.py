"""Memory returns: after a large upload is read, checked, aggregated and then removed, the process's resident
memory falls back to within 20% of its level before the upload; and when 20 sessions that each uploaded 10 MB have
ended, their tables leave memory with them. Measured in a fresh subprocess (VmRSS)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.data_bench import write_lms

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = """
import gc, hashlib, json, sys
sys.path.insert(0, {root!r})
from core import ingest, panel
from ui import datasets, in_use

held = {{}}  # the current session's state: what it holds
in_use.session_holder = lambda name: held.setdefault(name, {{}})

def rss():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS")) / 1024

def use(data, name):
    sha = hashlib.sha256(data).hexdigest()
    table = datasets._table(sha, name, lambda: data)
    roles = ingest.guess_roles(table)
    parsed, _ = datasets._analysed(roles, "auto", "lms", table)
    panel.engagement(panel.Source("lms", table, roles, parsed))
    return sha

data = open({path!r}, "rb").read()
small = b"".join(data.splitlines(keepends=True)[:2001])
datasets.forget(use(small, "small.csv"), "small.csv")  # a warm server: imports and pools ready
del small
gc.collect()
before = rss()
"""

ONE_UPLOAD_REMOVED = PRELUDE + """
sha = use(data, "lms_events.csv")
del data
peak = rss()
datasets.forget(sha, "lms_events.csv")
print(json.dumps({{"before": before, "peak": peak, "after": rss(), "left": len(datasets._TABLES)}}))
"""

TWENTY_SESSIONS_END = PRELUDE + """
sessions = []
lines = data.splitlines(keepends=True)
for i in range(20):  # 20 people, each uploading their own 10 MB file (a different header: a different content)
    held = {{}}
    use(lines[0].replace(b"minutes", b"minutes_%d" % i) + b"".join(lines[1:]), f"lms_{{i}}.csv")
    sessions.append(held)
del data, lines
peak = rss()
del sessions, held  # every session ends: Streamlit drops its state
held = {{}}
gc.collect()
print(json.dumps({{"before": before, "peak": peak, "after": rss(), "left": len(datasets._TABLES)}}))
"""


def _run(script: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", script.format(root=str(ROOT), path=str(path))], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_memory_returns_after_a_large_upload_is_removed(tmp_path):
    path = tmp_path / "lms_events.csv"
    write_lms(path, rows=600_000)
    found = _run(ONE_UPLOAD_REMOVED, path)
    assert found["peak"] > found["before"] + 100  # the upload did take memory
    assert found["after"] <= 1.2 * found["before"] and found["left"] == 0, found


def test_twenty_sessions_with_10_mb_each_leave_nothing_behind_when_they_end(tmp_path):
    """The audit: 20 sessions × 10 MB left ~1 GB in the upload cache after every session had closed."""
    path = tmp_path / "lms_events.csv"
    write_lms(path, rows=200_000)
    assert 8e6 < path.stat().st_size < 14e6
    found = _run(TWENTY_SESSIONS_END, path)
    assert found["peak"] > found["before"] + 500  # twenty tables were held at once
    assert found["left"] == 0 and found["after"] <= 1.2 * found["before"], found

"""Memory returns: after a large upload is read, checked, aggregated and then removed, the process's resident
memory falls back to within 20% of its level before the upload. Measured in a fresh subprocess (VmRSS)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.data_bench import write_lms

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import gc, hashlib, json, sys
sys.path.insert(0, {root!r})
from core import ingest, panel
from ui import datasets

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
before = rss()
sha = use(data, "lms_events.csv")
del data
peak = rss()
datasets.forget(sha, "lms_events.csv")
print(json.dumps({{"before": before, "peak": peak, "after": rss()}}))
"""


def test_memory_returns_after_a_large_upload_is_removed(tmp_path):
    path = tmp_path / "lms_events.csv"
    write_lms(path, rows=600_000)
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT), path=str(path))], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=300)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["peak"] > found["before"] + 100  # the upload did take memory
    assert found["after"] <= 1.2 * found["before"], found

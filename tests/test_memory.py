"""The server's memory policy: a freed large block is reused without faulting its pages in again."""

import subprocess
import sys
from pathlib import Path

import pytest

from core import memory

ROOT = Path(__file__).resolve().parents[1]

# fill 64 MB of bytes (as an upload is read), free them, then count the page faults of filling 64 MB again
FAULTS = """
import resource, sys
sys.path.insert(0, {root!r})
from core import memory
applied = memory.keep_freed_memory() if {keep} else False
len(b"x" * 2**26)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
len(b"x" * 2**26)
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(keep: bool) -> tuple[bool, int]:
    out = subprocess.run([sys.executable, "-c", FAULTS.format(root=str(ROOT), keep=keep)], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout.split()
    return out[0] == "True", int(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt only")
def test_freed_memory_is_reused_without_page_faults():
    applied, without = _faults(keep=False)
    assert not applied  # here, 64 MB of 4 KB pages are faulted in again: 16,384 (fewer with huge pages)
    applied, faults = _faults(keep=True)
    assert applied
    assert faults < 1_000 and faults <= without


def test_policy_is_set_once_and_says_whether_it_applied(monkeypatch):
    monkeypatch.setattr(memory, "_applied", None)
    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert memory.keep_freed_memory() is False
    monkeypatch.setattr(memory.sys, "platform", "linux")
    assert memory.keep_freed_memory() is False  # the first answer stands for the life of the process

"""Timing helpers and the printed table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    name: str
    ours: float
    baseline: float | None
    unit: str
    target: str
    ok: bool

    def line(self) -> str:
        ratio = f"{self.ours / self.baseline:6.2f}×" if self.baseline else "      –"
        base = f"{self.baseline:10.1f}" if self.baseline is not None else " " * 10
        return f"{self.name:<64} {self.ours:10.1f} {base} {self.unit:<4} {ratio}  {self.target:<18} " \
               f"{'ok' if self.ok else 'MISSED'}"


def median_time(fn: Callable[[], object], *, repeat: int = 7, warmup: int = 1) -> float:
    """Median wall time of `fn` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def print_table(rows: list[Row]) -> None:
    print(f"{'benchmark':<64} {'ours':>10} {'baseline':>10} {'unit':<4} {'ratio':>7}  {'target':<18} result")
    for row in rows:
        print(row.line())

"""Column-by-column work on both cores.

Arrow's kernels and NumPy's loops release the GIL, so independent columns parsed or checked in threads run
side by side. One small shared pool; results keep the order of the inputs, and an exception in any task is
raised in the caller, as if the work had run in a plain loop.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
WORKERS = max(2, min(4, os.cpu_count() or 2))
_POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pilot-roi")


def each(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`[function(item) for item in items]`, two or more at a time: the calling thread takes the first item
    itself (so work goes on even while the pool is busy with background tasks), the pool the others."""
    items = list(items)
    if len(items) < 2:
        return [function(item) for item in items]
    futures = [_POOL.submit(function, item) for item in items[1:]]
    try:
        first = function(items[0])
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return [first, *(future.result() for future in futures)]


def start(function: Callable[[], R]):
    """Run `function` in the pool now; `.result()` gives its value (or raises its exception)."""
    return _POOL.submit(function)

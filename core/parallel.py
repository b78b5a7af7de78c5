"""Column-by-column work on both cores.

Arrow's kernels and NumPy's loops release the GIL, so independent columns parsed or checked in threads run
side by side. One small shared pool; results keep the order of the inputs, and an exception in any task is
raised in the caller, as if the work had run in a plain loop.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
# two more threads than cores: while a caller waits for a result, its core goes to the pool
WORKERS = min(8, (os.cpu_count() or 2) + 2)
_POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pilot-roi")


def each(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`[function(item) for item in items]`, two or more at a time: the pool takes the items it can, and the
    calling thread takes the first itself and then every item the pool has not started — so the work never
    waits in the queue behind background tasks (see `Task`)."""
    items = list(items)
    if len(items) < 2:
        return [function(item) for item in items]
    tasks = [Task(lambda item=item: function(item)) for item in items[1:]]
    try:
        return [function(items[0]), *(task.result() for task in tasks)]
    except BaseException:
        for task in tasks:
            task.cancel()
        raise


class Task(Generic[R]):
    """`function()` started in the pool. `result()` waits for it — or, when the pool has not started it yet,
    runs it in the calling thread, so a caller never queues behind other background work."""

    def __init__(self, function: Callable[[], R]) -> None:
        self._function = function
        self._lock = threading.Lock()
        self._future: Future[R] = _POOL.submit(function)

    def result(self) -> R:
        with self._lock:
            if self._future.cancel():
                done: Future[R] = Future()
                try:
                    done.set_result(self._function())
                except BaseException as exc:  # kept, so a second caller gets the same exception
                    done.set_exception(exc)
                self._future = done
        return self._future.result()

    def cancel(self) -> None:
        """Drop the work if the pool has not started it (its result is then never needed)."""
        self._future.cancel()


def start(function: Callable[[], R]) -> Task[R]:
    """Run `function` in the pool now; `.result()` gives its value (or raises its exception)."""
    return Task(function)

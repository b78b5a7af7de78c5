"""Tables read from uploads, kept in memory within a byte budget, least recently used dropped first.

A 52 MB upload of a million LMS events holds about 155 MB once read and checked (its text, column profiles,
parsed measures and dates, id codes), so a 100 MB upload about 0.3 GB. A cache bounded only by a count of
entries could hold several gigabytes on a busy server, so this one counts bytes. Everything derived from a
table (its parsed columns, reports: see `ingest.Table.memo`) lives on the table, so dropping a table frees
all of it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from core import ingest


def default_budget() -> int:
    """A quarter of the machine's memory, at most 2 GB (and at least 256 MB)."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 4 * 1024**3
    return max(256 * 1024**2, min(2 * 1024**3, memory // 4))


class TableCache:
    """`get(key, read)`: the table read once per key, shared by every session (threads) of the server.

    The newest table is always kept, even alone over the budget; older ones go, least recently used first,
    until the total fits."""

    def __init__(self, budget: int | None = None) -> None:
        self.budget = budget if budget is not None else default_budget()
        self._lock = threading.Lock()
        self._tables: OrderedDict[Hashable, tuple[ingest.Table, int]] = OrderedDict()

    def get(self, key: Hashable, read: Callable[[], ingest.Table]) -> ingest.Table:
        with self._lock:
            if key in self._tables:
                self._tables.move_to_end(key)
                return self._tables[key][0]
        table = read()  # outside the lock: reading a large file must not hold up other sessions
        with self._lock:
            self._tables[key] = (table, table.nbytes())
            self._tables.move_to_end(key)
            while len(self._tables) > 1 and self.size() > self.budget:
                self._tables.popitem(last=False)
        return table

    def size(self) -> int:
        """Bytes held, as estimated when each table was read."""
        return sum(size for _, size in self._tables.values())

    def __len__(self) -> int:
        return len(self._tables)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._tables

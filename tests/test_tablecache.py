"""The table cache keeps the most recently used tables within its byte budget."""

import pandas as pd

from core import ingest, tablecache


def table(rows: int, name: str = "t.csv") -> ingest.Table:
    return ingest.read_table(("id,minutes\n" + "".join(f"E{i:05d},{i % 7}\n" for i in range(rows))).encode(), name)


def test_a_table_is_read_once_and_shared():
    cache = tablecache.TableCache(budget=10**9)
    reads = []
    first = cache.get("a", lambda: reads.append(1) or table(10))
    again = cache.get("a", lambda: reads.append(1) or table(10))
    assert first is again and reads == [1]


def test_least_recently_used_tables_go_first_when_over_budget():
    one = table(1_000).nbytes()
    cache = tablecache.TableCache(budget=int(2.5 * one))
    cache.get("a", lambda: table(1_000))
    cache.get("b", lambda: table(1_000))
    cache.get("a", lambda: table(1_000))  # a is now the most recently used
    cache.get("c", lambda: table(1_000))
    assert "a" in cache and "c" in cache and "b" not in cache
    assert cache.size() <= cache.budget


def test_the_newest_table_stays_even_alone_over_budget():
    cache = tablecache.TableCache(budget=1)
    cache.get("a", lambda: table(10))
    big = cache.get("b", lambda: table(1_000))
    assert len(cache) == 1 and "b" in cache and cache.get("b", lambda: table(1)) is big


def test_the_estimate_covers_the_text_and_what_is_derived_from_it():
    t = table(20_000)
    text = sum(pd.array(t.frame[c]).nbytes for c in t.frame.columns)
    assert t.nbytes() >= text + 8 * t.frame.size  # profiles (2 bytes a cell), parsed values and codes (8)


def test_a_failed_read_is_not_kept():
    cache = tablecache.TableCache(budget=10**9)

    def bad() -> ingest.Table:
        return ingest.read_table(b"", "empty.csv")

    try:
        cache.get("x", bad)
    except ingest.TableError:
        pass
    assert "x" not in cache and len(cache) == 0


def test_memo_computes_once_per_key():
    t = table(5)
    calls = []
    assert t.memo(("k", 1), lambda: calls.append(1) or 42) == 42
    assert t.memo(("k", 1), lambda: calls.append(1) or 43) == 42
    assert t.memo(("k", 2), lambda: 7) == 7 and calls == [1]


def test_the_default_budget_is_bounded():
    assert 256 * 1024**2 <= tablecache.default_budget() <= 2 * 1024**3

"""DuckDB, the embedded engine: CSV files read by its multi-threaded reader, and aggregation run out of core.

Each call opens its own in-memory database and closes it when done, so nothing is shared between the
server's sessions (no locks to get wrong) and the memory DuckDB used is returned when the call ends.
DuckDB spills to a temporary folder when an aggregation outgrows `MEMORY_LIMIT`.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa

MEMORY_LIMIT = os.environ.get("PILOT_ROI_DUCKDB_MEMORY", "1GB")
Error = duckdb.Error


@contextmanager
def connect(database: str = ":memory:", *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection with a memory limit and a spill folder, closed (and its memory freed) on exit."""
    with tempfile.TemporaryDirectory(prefix="pilot-roi-duckdb-") as spill:
        config = {"memory_limit": MEMORY_LIMIT, "temp_directory": spill, "preserve_insertion_order": True,
                  "allocator_flush_threshold": "8MB"}  # DuckDB keeps up to 128 MB of freed memory by default
        con = duckdb.connect(database, read_only=read_only, config=config)
        try:
            yield con
        finally:
            con.close()


@dataclass(frozen=True)
class Rejected:
    """The first line DuckDB's reader refused: its line in the file, what was wrong, and the line's text."""

    line: int
    kind: str  # DuckDB's error type: "TOO MANY COLUMNS", "MISSING COLUMNS", "UNQUOTED VALUE", …
    text: str
    fields: int  # how many fields the line has, as the csv module splits it


def read_csv(data: bytes, *, delimiter: str, skip: int, width: int) -> tuple[pa.Table, Rejected | None]:
    """Every row after the first `skip` lines as `width` text columns (c0, c1, …), in file order, through
    `read_csv(..., all_varchar = true)`; empty fields are "" (never null). The reader's rejected lines are kept
    (`store_rejects`); the first one that is a real problem — not a blank line, nor trailing empty fields — is
    returned with its line in the file (from its byte position, so a value spanning lines does not shift it).
    `data` must be UTF-8."""
    with connect() as con:  # the bytes are read where they are (a file-like object), never written to disk
        relation = con.read_csv(io.BytesIO(data), header=False, skiprows=skip, sep=delimiter, quotechar='"',
                                escapechar='"', all_varchar=True, auto_detect=False, strict_mode=True,
                                store_rejects=True, columns={f"c{i}": "VARCHAR" for i in range(width)})
        table = relation.to_arrow_table()
        rejects = con.sql("SELECT line_byte_position, error_type, csv_line FROM reject_errors "
                          "ORDER BY line_byte_position").fetchall()
    table = pa.table({name: column.fill_null("") for name, column in zip(table.column_names, table.columns,
                                                                          strict=True)})
    for position, kind, text in rejects:
        fields = next(csv.reader([text], delimiter=delimiter), [])
        if not any(field.strip() for field in fields):
            continue  # a line of blanks: skipped, as the careful reader skips it
        if kind == "TOO MANY COLUMNS" and not any(field.strip() for field in fields[width:]):
            continue  # trailing empty fields, as some exports write
        line = data.count(b"\n", 0, int(position)) + 1
        return table, Rejected(line, str(kind), text, len(fields))
    return table, None


__all__ = ["MEMORY_LIMIT", "Error", "Rejected", "connect", "read_csv"]

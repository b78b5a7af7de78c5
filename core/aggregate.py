"""Aggregations written once, in Ibis, and run where the data is.

An upload's events are aggregated by DuckDB (`engine`); a warehouse table by the company's own database
(`warehouse`), so only one row per person crosses the wire. The same expression runs in both places, which is
why a PostgreSQL table and the CSV exported from it give the same panel.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

# a measure per pattern, matched against the lower-cased event type (a "session_start" counts as both)
EVENTS = (("lms_sessions", "login|session"), ("lms_module_starts", "start"), ("lms_completions", "complet"))
ORDER = ["lms_minutes", "lms_sessions", "lms_module_starts", "lms_completions", "lms_last_activity"]


def person_id(value: ir.Value) -> ir.StringValue:
    """Ids as join keys, as `ingest.normalise_ids` makes them: trimmed and upper-case."""
    return value.cast("string").strip().upper()


def engagement(events: ir.Table, *, person: str, event: str | None = None, minutes: str | None = None,
               when: str | None = None) -> ir.Table:
    """One row per person: total minutes, sessions, module starts and completions, and the last activity.

    - minutes: the sum of `minutes` (blank counts 0); without that column, no `lms_minutes`.
    - sessions, starts, completions: rows whose `event` matches each pattern of EVENTS, case-insensitive;
      without an event column every row is a session.
    - last activity: the latest `when`.
    Rows without an id come back as one row with a blank or null employee_id, for the caller to drop: a filter
    on the id would be pushed down by the database and run on every event rather than once per person.
    """
    # first per id and event type as written (a few per person), then per person: each id is normalised and each
    # pattern matched against those few rows, not every event (counts, sums and maxima add up across the steps)
    parts = {"n": events.count()}
    if minutes is not None:
        parts["minutes"] = events[minutes].cast("float64").fill_null(0).sum()
    if when is not None:
        parts["last"] = events[when].max()
    written = [person] + ([event] if event else [])
    kinds = events.group_by(written).aggregate(**parts)
    kinds = kinds.mutate(employee_id=person_id(kinds[person]),
                         kind=kinds[event].cast("string").lower() if event else ibis.literal(""))
    measures: dict[str, ir.Scalar] = {}
    if minutes is not None:
        measures["lms_minutes"] = kinds.minutes.sum().fill_null(0)
    if event is not None:
        for name, pattern in EVENTS:
            measures[name] = kinds.n.sum(where=kinds.kind.re_search(pattern).fill_null(False)).fill_null(0)
    else:
        measures["lms_sessions"] = kinds.n.sum()
    if when is not None:
        measures["lms_last_activity"] = kinds["last"].max()
    return kinds.group_by("employee_id").aggregate(**{k: measures[k] for k in ORDER if k in measures})


def people(result: pa.Table) -> pa.Table:
    """The result of `engagement` without its row of blank or null ids (see there why it is dropped here)."""
    ids = result["employee_id"]
    return result.filter(pc.and_(pc.is_valid(ids), pc.not_equal(ids, "")).fill_null(False))


def per_person(rows: ir.Table, *, person: str, numbers: list[str], dates: list[str]) -> ir.Table:
    """One row per person: the mean of each number and the latest of each date (assessments)."""
    keyed = rows.mutate(employee_id=person_id(rows[person]))
    keyed = keyed.filter(keyed.employee_id.notnull() & (keyed.employee_id != ""))
    measures = {c: keyed[c].cast("float64").mean() for c in numbers}
    measures.update({c: keyed[c].max() for c in dates})
    return keyed.group_by("employee_id").aggregate(**measures) if measures else keyed.select("employee_id").distinct()


def per_month(rows: ir.Table, *, person: str, period: str, numbers: list[str]) -> ir.Table:
    """One row per person and month: the mean of each number (monthly KPIs). A date or timestamp period is cut
    to its month in the database; a text period (2026-01) is grouped as written and read by the app."""
    keyed = rows.mutate(employee_id=person_id(rows[person]))
    when = keyed[period]
    month = when.truncate("M") if when.type().is_temporal() else when.cast("string")
    keyed = keyed.mutate(**{period: month})
    keyed = keyed.filter(keyed.employee_id.notnull() & (keyed.employee_id != "") & keyed[period].notnull())
    return keyed.group_by(["employee_id", period]).aggregate(**{c: keyed[c].cast("float64").mean() for c in numbers})


def duckdb_backend(con) -> ibis.BaseBackend:
    """An Ibis backend on an open DuckDB connection (see `engine.connect`)."""
    return ibis.duckdb.from_connection(con)


__all__ = ["EVENTS", "duckdb_backend", "engagement", "people", "per_month", "per_person", "person_id"]

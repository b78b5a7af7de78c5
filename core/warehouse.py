"""A fifth kind of source: a table or a SELECT in a company database, read through Ibis.

Connections are named in `.streamlit/secrets.toml` (`[pilot_roi.databases]`: a name and an Ibis URL); the
plan stores only the name and the table or query, never an address or a password. The user maps columns to
roles on a sample, as for a file; then the aggregation runs in the database (`core/aggregate.py`) and only
per-person rows come back: engagement per person from an event table, the mean per person of assessments,
the mean per person and month of KPIs. An employee table is already one row per person.

What comes back is turned into text, as if it had been exported, so the same parsing, quality report and
panel apply to it as to an upload. A summary comes back ordered by employee id (and month), so the report's
line numbers (the header is line 1, as in an export) are the same every time it is read.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import aggregate, engine, ingest, panel, quality
from core.panel import MAX_KINDS, MINUTES
from core.words import count

SAMPLE_ROWS = 2_000


class WarehouseError(ingest.TableError):
    """A database that cannot be reached or a query that cannot run; the message says what to do. (A source
    that cannot be read, as an unreadable file is: every page handles both alike.)"""


@dataclass(frozen=True)
class Summary:
    """What came back from the database: a table of text (one row per person, or per person and month), the
    roles of its columns, and how many rows the database read to make it."""

    table: ingest.Table
    roles: dict[str, str]
    source_rows: int
    summarised: bool  # events or repeated rows were aggregated in the database
    notes: tuple[str, ...] = ()  # what the report should say about how it was read
    date_range: tuple[str, str] | None = None  # of the source's own dates (events), not of the summary's


def where(url: str) -> str:
    """The URL without its user and password, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}" if host else \
        f"{parts.scheme}:{parts.path or parts.netloc}"


def connect(name: str, url: str, folders: tuple[str, ...] = ()) -> ibis.BaseBackend:
    """An Ibis connection (`ibis.connect(url)`: postgres://, duckdb://, snowflake://, bigquery://, trino://…).

    A DuckDB database runs inside this server, so it is opened read-only and cut off from the file system (no
    read_csv of secrets.toml, no ATTACH of the plans database): only files under `folders` can be read by a
    query, and DuckDB refuses to enable access again. Other databases enforce their own users' rights (use a
    read-only user)."""
    try:
        if urlsplit(url).scheme == "duckdb":
            return _duckdb(url, folders)
        con = ibis.connect(url)
        if con.name == "postgres":  # the server stops a query that runs too long, whoever is waiting for it
            con.raw_sql(f"SET statement_timeout = {int(QUERY_SECONDS * 1000)}").close()
        return con
    except WarehouseError:
        raise
    except Exception as exc:  # noqa: BLE001 - every driver's failure becomes one clear message
        reason = _reason(exc, url)
        raise WarehouseError(f"Could not connect to the database “{name}” ({where(url)}): {reason}. Check that the "
                             f"server is running and reachable, and the [pilot_roi.databases] entry “{name}” in "
                             ".streamlit/secrets.toml.") from None


def _duckdb(url: str, folders: tuple[str, ...]) -> ibis.BaseBackend:
    import duckdb

    parts = urlsplit(url)
    path = (parts.netloc + parts.path) or ":memory:"
    if path != ":memory:" and not Path(path).is_file():
        raise WarehouseError(f"There is no DuckDB file at {path}. Check the path in .streamlit/secrets.toml "
                             "([pilot_roi.databases]).")
    config = {key: values[-1] for key, values in parse_qs(parts.query).items()}  # memory_limit, threads…
    # the app's own limit unless the entry names one: DuckDB's default is 80% of the machine's memory, and one
    # SELECT inside this server once took 6.5 GB
    config.setdefault("memory_limit", engine.MEMORY_LIMIT)
    con = duckdb.connect(path, read_only=path != ":memory:", config=config)
    backend = ibis.duckdb.from_connection(con)  # Ibis sets its own options first
    # Connections to one file share one database: the first sets these, and DuckDB refuses to undo them while it
    # runs (external access cannot be enabled again, nor the folders changed), so later connections find them set.
    if con.sql("SELECT current_setting('enable_external_access')").fetchone()[0]:
        con.execute("SET allowed_directories = $folders", {"folders": [str(Path(f).resolve()) for f in folders]})
        con.execute("SET enable_external_access = false")
    return backend


def _reason(exc: Exception, url: str) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    password = urlsplit(url).password
    if password:
        text = text.replace(password, "…")
    if "refused" in text.lower():
        return "the connection was refused"
    return text[:200].rstrip(".!")  # the message adds its own full stop


def relation(con: ibis.BaseBackend, query: str) -> ir.Table:
    """The table named by `query` (table, schema.table, quoted names too), or the result of one SELECT (or WITH …
    SELECT, comments allowed). Anything else is refused before it reaches the database: this app only reads."""
    text = query.strip().rstrip(";").strip()
    if not text:
        raise WarehouseError("Name a table or write a SELECT query.")
    bare = re.sub(r"(?s)^(\s*(--[^\n]*(\n|$)|/\*.*?\*/))*\s*", "", text)  # leading comments
    query_given = bool(re.match(r"(?is)^(select|with)\b", bare))
    try:
        if query_given:
            _only_a_select(text)
            return con.sql(text)
        table = _table_name(text)
        return con.table(table.name, database=tuple(p.name for p in table.parts[:-1]) or None
                         if len(table.parts) > 2 else (table.parts[0].name if len(table.parts) == 2 else None))
    except WarehouseError:
        raise
    except Exception as exc:  # noqa: BLE001 - a driver's error becomes a message about the query
        missing = "not found" in str(exc).lower() or type(exc).__name__ == "TableNotFound"
        if query_given or not missing:  # the database's own words name what it could not find or refused
            raise WarehouseError(f"The database refused “{_short(text)}”: {_reason(exc, '')}. Check the "
                                 f"{'query' if query_given else 'table name'}, or run it in your own SQL tool "
                                 "first.") from None
        raise WarehouseError(f"There is no table “{_short(text)}” in this database{_tables_like(con, text)}. "
                             "Check the name (schema.table).") from None


_PART = r'("[^"]+"|`[^`]+`|[A-Za-z_][\w$]*)'  # a name, or a quoted one


def _table_name(text: str):
    """`text` as a table reference (sqlglot: quoted names allowed); anything else is refused."""
    from sqlglot import exp

    try:
        table = exp.to_table(text)
    except Exception:  # noqa: BLE001 - not a name: said below
        table = None
    if table is None or not isinstance(table, exp.Table) or not re.fullmatch(rf"{_PART}(\.{_PART}){{0,2}}", text):
        raise WarehouseError(f"“{_short(text)}” is neither a table name (schema.table) nor a SELECT query.")
    return table


def _tables_like(con: ibis.BaseBackend, text: str) -> str:
    """“ (tables with close names: a, b)”, when the database lists them."""
    import difflib

    try:
        names = con.list_tables()
    except Exception:  # noqa: BLE001 - a hint only
        return ""
    close = difflib.get_close_matches(text.split(".")[-1].strip('"`'), names, n=3, cutoff=0.6)
    return f" (tables with close names: {', '.join(close)})" if close else ""


def _only_a_select(text: str) -> None:
    import sqlglot
    from sqlglot import exp

    try:
        statements = [s for s in sqlglot.parse(text) if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise WarehouseError(f"The query could not be read: {str(exc).splitlines()[0][:200]}.") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query) or any(
            isinstance(node, exp.DML | exp.Command | exp.Create | exp.Drop | exp.Alter)
            for node in statements[0].walk()):
        raise WarehouseError("Only one SELECT query is accepted (this app only reads from the database).")


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:79] + "…"


def as_text(result: pa.Table, name: str) -> ingest.Table:
    """Rows from the database as a table of text, as an export would have written them: numbers in their
    shortest exact form, dates and times in ISO form, nulls blank."""
    columns = {}
    for column_name, column in zip(result.column_names, result.columns, strict=True):
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            column = pc.cast(column, pa.timestamp(column.type.unit))
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            text = column
        elif pa.types.is_nested(column.type) or pa.types.is_binary(column.type):  # lists, structs: as written
            text = pa.chunked_array([pa.array([None if v is None else str(v) for v in column.to_pylist()],
                                              pa.string())])
        else:
            text = pc.cast(column, pa.string())
        columns[column_name] = pd.Series(pd.arrays.ArrowStringArray(text.fill_null(""), dtype=ingest.TEXT))
    frame = pd.DataFrame(columns)
    frame.index = pd.RangeIndex(len(frame))
    return ingest.Table(name, frame, encoding="database", line_per_row=True)


def sample(con: ibis.BaseBackend, query: str, name: str) -> ingest.Table:
    """A few thousand rows spread through the table (the database draws them), to recognise the columns by:
    their roles are guessed and confirmed on these. The first rows alone may all be blank in a column."""
    table = relation(con, query)
    total = int(_scalar(table.count(), query))
    if total > SAMPLE_ROWS:
        table = table.sample(min(1.0, 2 * SAMPLE_ROWS / total), method="row")
    rows = _run(table.limit(SAMPLE_ROWS), query)
    if rows.num_rows == 0:
        raise WarehouseError(f"“{_short(query)}” returned no rows.")
    return as_text(rows, name)


def guess_roles(con: ibis.BaseBackend, query: str, sampled: ingest.Table) -> dict[str, str]:
    """Roles guessed from the sample, as for a file; where the sample shows a column blank, the database's own
    type decides (a number is a measure, a date or time is a date), so a KPI filled for a few people is kept."""
    roles = ingest.guess_roles(sampled)
    schema = relation(con, query).schema()
    for column, kind in schema.items():
        if column in roles and sampled.blank(column).all():
            roles[column] = "measure" if kind.is_numeric() else "date" if kind.is_temporal() else roles[column]
    return roles


QUERY_SECONDS = float(os.environ.get("PILOT_ROI_QUERY_SECONDS", "120"))  # a query running longer is stopped


_RUNNING: dict[int, Callable[[], None]] = {}  # the thread running a query → how to stop it
_CANCELLED: set[int] = set()  # threads whose query was cancelled (said as such, not as a failure)


def cancel(thread_id: int) -> bool:
    """Stop the query the thread `thread_id` is waiting for (a person pressed Cancel, or their session ended);
    False when it runs none. Thread-safe: it only asks the database (DuckDB's interrupt, PostgreSQL's cancel
    request) to stop; the waiting thread then gets a WarehouseError that says so."""
    stop = _RUNNING.get(thread_id)
    if stop is None:
        return False
    _CANCELLED.add(thread_id)
    with contextlib.suppress(Exception):  # the query may have just ended
        stop()
    return True


def _stopper(backend) -> Callable[[], None] | None:
    """How to stop a running query from another thread: DuckDB's interrupt, or PostgreSQL's cancel request (psycopg);
    None for backends without one (their own timeouts apply)."""
    con = getattr(backend, "con", None)
    if getattr(backend, "name", "") == "duckdb":
        return con.interrupt
    return getattr(con, "cancel_safe", None) or getattr(con, "cancel", None)


def _fetch(expression: ir.Expr, query: str):
    """The expression's result as Arrow, stopped after QUERY_SECONDS or when `cancel` is called for this thread.
    PostgreSQL also enforces its statement_timeout (set on connecting), so a query stops even if this server dies;
    any other query is stopped from here, so one that never ends does not keep a core busy after its page is gone.
    Any failure becomes a message about the query."""
    me = threading.get_ident()
    stop = _stopper(ibis.get_backend(expression))
    timed_out = threading.Event()

    def time_up() -> None:
        timed_out.set()  # before the stop, so the waiting thread knows why its query ended
        stop()

    timer = threading.Timer(QUERY_SECONDS, time_up) if stop is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
        _RUNNING[me] = stop
    try:
        return expression.to_pyarrow()
    except Exception as exc:  # noqa: BLE001 - a driver's error becomes a message about the query
        if me in _CANCELLED:
            raise WarehouseError(f"“{_short(query)}” was cancelled: nothing was changed.") from None
        if timed_out.is_set() or "statement timeout" in str(exc).lower():
            raise WarehouseError(f"“{_short(query)}” ran longer than {QUERY_SECONDS:.0f} s and was stopped: narrow "
                                 "it (fewer rows, months or columns), or ask the database's owner for a summary "
                                 "table.") from None
        raise WarehouseError(f"The database could not run “{_short(query)}”: {_reason(exc, '')}.") from None
    finally:
        _RUNNING.pop(me, None)
        _CANCELLED.discard(me)
        if timer is not None:
            timer.cancel()


def _run(expression: ir.Table, query: str) -> pa.Table:
    return _fetch(expression, query)


def summary(con: ibis.BaseBackend, query: str, *, kind: str, roles: dict[str, str], name: str) -> Summary:
    """The source aggregated in the database for `kind` (see the module docstring); only its result is fetched.

    Numbers the database holds as text are never cast there (one bad value would fail the whole query, and a
    decimal comma would be misread): assessments and KPIs with such a column come back row by row, to be read
    and checked here like an upload; an event table's minutes count only where they are plain numbers, and the
    others are counted and said."""
    rows = relation(con, query)
    present = [c for c in rows.columns if roles.get(c, "ignore") != "ignore"]
    of = {role: [c for c in present if roles[c] == role] for role in set(roles.values())}
    ids = of.get("employee_id", [])
    if not ids:
        raise WarehouseError("Mark the column that holds the employee id: the rows are summarised per person.")
    person = ids[0]
    numbers = of.get("measure", [])
    dates = of.get("date", []) + of.get("period", [])
    schema = rows.schema()
    texts = [c for c in numbers if schema[c].is_string()]
    source_rows = int(_scalar(rows.count(), query))
    if kind == "lms":
        return _engagement(rows, query, name, person=person, numbers=numbers, dates=dates, source_rows=source_rows,
                           events=of.get("category", []) + of.get("text", []))
    notes: list[str] = []
    if texts and kind in ("kpis", "assessments"):
        notes.append(f"{', '.join(texts)} {'is' if len(texts) == 1 else 'are'} text in the database: the rows were "
                     "fetched to be read as numbers here, so every value that is not a number is reported.")
    if kind == "kpis" and dates and not texts:
        period = dates[0]
        expression = aggregate.per_month(rows, person=person, period=period, numbers=numbers).order_by(
            ["employee_id", period])
        derived = {"employee_id": "employee_id", period: "period", **{c: "measure" for c in numbers}}
    elif kind == "assessments" and not texts:
        expression = aggregate.per_person(rows, person=person, numbers=numbers, dates=dates).order_by("employee_id")
        derived = {"employee_id": "employee_id", **{c: "measure" for c in numbers},
                   **{c: "date" for c in dates}}
    else:  # employees (one row per person already), or numbers to be read here: the mapped columns as they are
        expression = rows.select(present)  # in the database's order: of repeated ids, the last is kept
        derived = {c: roles[c] for c in present}
    result = _run(expression, query)
    return Summary(as_text(result, name), derived, source_rows, len(result) < source_rows, notes=tuple(notes))


PLAIN_NUMBER = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"


def _engagement(rows: ir.Table, query: str, name: str, *, person: str, numbers: list[str], dates: list[str],
                events: list[str], source_rows: int) -> Summary:
    event = _event_column(rows, events, query)
    minutes = next((c for c in numbers if MINUTES.search(c)), None)
    when = dates[0] if dates else None
    notes: list[str] = []
    if minutes is not None and rows[minutes].type().is_string():
        plain = rows[minutes].re_search(PLAIN_NUMBER).fill_null(False)
        written = rows[minutes].strip().fill_null("").length() > 0
        odd = int(_scalar((~plain & written).sum(), query) or 0)
        rows = rows.mutate(**{minutes: plain.ifelse(rows[minutes], ibis.null()).cast("float64")})
        if odd:
            notes.append(f"{count(odd, 'value', 'values')} of {minutes} in the database "
                         f"{'is not a plain number' if odd == 1 else 'are not plain numbers'} (such as 3,5 or 12 min): "
                         f"{'it counts' if odd == 1 else 'they count'} as 0 minutes. Store minutes as numbers to "
                         "count them.")
    if when is not None and rows[when].type().is_string():  # ISO text sorts as time does; read here afterwards
        rows = rows.mutate(**{when: rows[when].re_search(ISO_DATE).fill_null(False).ifelse(rows[when],
                                                                                            ibis.null())})
    span = None
    if when is not None:
        ends = _run(rows.aggregate(low=rows[when].min(), high=rows[when].max()), query).to_pylist()[0]
        span = (str(ends["low"])[:10], str(ends["high"])[:10]) if ends["low"] is not None else None
    expression = aggregate.engagement(rows, person=person, event=event, minutes=minutes, when=when)
    result = aggregate.people(_run(expression.order_by("employee_id"), query))
    derived = {c: ("date" if c == "lms_last_activity" else "measure") for c in result.column_names}
    derived["employee_id"] = "employee_id"
    return Summary(as_text(result, name), derived, source_rows, True, notes=tuple(notes), date_range=span)


def _scalar(expression: ir.Scalar, query: str):
    return _fetch(expression, query).as_py()


def _event_column(rows: ir.Table, candidates: list[str], query: str) -> str | None:
    """The first column with at most MAX_KINDS distinct values, one naming an event type (read in the database:
    only the distinct values come back)."""
    for column in candidates:
        if panel.names_event_types(_run(rows.select(column).distinct().limit(MAX_KINDS + 1), query)[column]
                                   .to_pylist()):
            return column
    return None


__all__ = ["Summary", "WarehouseError", "as_source", "as_text", "connect", "guess_roles", "relation", "sample",
           "summary", "where"]


def as_source(kind: str, found: Summary, *, date_order: str = "auto") -> panel.Source:
    """The summary as a panel source, parsed as an upload is (numbers, dates, the quality findings)."""
    parsed, _ = quality.parse(found.table, found.roles, date_order=date_order)
    return panel.Source(kind, found.table, found.roles, parsed, summarised=found.summarised and kind == "lms")

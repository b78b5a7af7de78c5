"""The current plan's sources — uploaded files, parsed once per content (cached by SHA-256), and tables or queries
in a company database (`core/warehouse.py`), summarised there — and the panel joined from them."""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from core import ingest, panel, quality, warehouse
from core import pilot as pl
from core.plan import Plan, SourceMapping
from ui import in_use, session
from ui.text import md

T = TypeVar("T")

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
SAMPLE_FILES = {"hris": "hris.csv", "lms": "lms_events.csv", "assessments": "assessments.csv",
                "kpis": "kpis_monthly.csv"}


_TABLES, _PANELS = in_use.InUse("tables"), in_use.InUse("panels")


def _table(sha: str, name: str, load: Callable[[], bytes]) -> ingest.Table:
    """Every session's uploads, read once per content and name while a session uses them (two sessions never
    read the same file at once), and dropped when the last session using them ends (`ui.in_use`)."""
    return _TABLES.get((sha, name), lambda: ingest.read_table(load(), name), in_use.session_holder("tables"))


def _analysed(roles: dict[str, str], date_order: str, kind: str, table: ingest.Table,
              summarised: bool = False) -> tuple[quality.Parsed, quality.FileReport]:
    """The parsed columns and the report, kept with the table (and dropped with it)."""

    def analyse() -> tuple[quality.Parsed, quality.FileReport]:
        parsed, _ = quality.parse(table, roles, date_order=date_order)
        return parsed, quality.file_report(table, roles, kind=kind, parsed=parsed, date_order=date_order,
                                           outliers_of_rows=not summarised)

    return table.memo(("analysed", json.dumps(roles, sort_keys=True), date_order, kind), analyse)


def _panel(key: str, sources: dict[str, panel.Source]) -> panel.Panel:
    """The joined panel, built once per data key while a session uses it."""
    return _PANELS.get(key, lambda: panel.build(sources), in_use.session_holder("panels"))


def table(plan: Plan, kind: str) -> ingest.Table:
    """The plan's parsed file; the store must say the plan owns it even when the parse is cached, so a
    deleted plan's data (or a file another plan names by its hash) is never served."""
    mapping = plan.data.sources[kind]
    store = session.store()
    if not store.owns_file(plan.id, mapping.sha256):
        raise session.StoreError(f"{mapping.filename} is not stored with this plan any more: upload it again.")
    return _table(mapping.sha256, mapping.filename, lambda: store.file_bytes(plan.id, mapping.sha256))


def _resolved(plan: Plan, kind: str) -> tuple[ingest.Table, dict[str, str], bool]:
    """(the table the report and panel read, its column roles, whether it is already one row per person)."""
    mapping = plan.data.sources[kind]
    if not mapping.database:
        t = table(plan, kind)
        return t, ingest.effective_roles(t, mapping.roles, mapping.not_sensitive), False
    # a column whose values look protected stays sensitive in the database too, until its owner declares otherwise
    roles = ingest.effective_roles(_sample(mapping.database, mapping.query)[0], mapping.roles, mapping.not_sensitive)
    found = _summary(mapping.database, mapping.query, kind, json.dumps(roles, sort_keys=True))
    return found.table, found.roles, found.summarised and kind == "lms"


def analysed(plan: Plan, kind: str) -> tuple[ingest.Table, quality.Parsed, quality.FileReport]:
    mapping = plan.data.sources[kind]
    t, roles, summarised = _resolved(plan, kind)
    try:
        parsed, report = _analysed(roles, mapping.date_order, kind, t, summarised)
    except Exception as exc:  # noqa: BLE001 - a message naming the file, never a traceback
        raise ingest.TableError(f"{mapping.filename} could not be checked ({type(exc).__name__}: "
                                f"{str(exc)[:200]}). Try other column roles, or report it.") from exc
    if mapping.database:
        found = _summary(mapping.database, mapping.query, kind, json.dumps(mapping.roles, sort_keys=True))
        what = "people" if kind != "kpis" else "employee-months"
        said = (f"Summarised in the database “{mapping.database}”: {found.source_rows:,} rows read there, "
                f"{len(t.frame):,} {what} fetched." if found.summarised else
                f"Read from the database “{mapping.database}”: {len(t.frame):,} rows.")
        order = "ordered by employee id" if found.summarised else "in the order the database returned them"
        said += (f" Line numbers above count those rows {order}, as an export of them would (the first is line "
                 "2)." if any(f.lines for f in report.findings) else "")
        notes = [quality.Finding("worth a look", "", note) for note in found.notes]
        report = dataclasses.replace(report, findings=[*notes, *report.findings, quality.Finding("fine", "", said)],
                                     date_range=found.date_range or report.date_range)
    return t, parsed, report


def sources(plan: Plan) -> dict[str, panel.Source]:
    out = {}
    for kind in plan.data.sources:
        t, roles, summarised = _resolved(plan, kind)
        out[kind] = panel.Source(kind, t, roles, analysed(plan, kind)[1], summarised=summarised)
    return out


# -- databases ---------------------------------------------------------------------------------------------------
def databases() -> dict[str, tuple[str, tuple[str, ...]]]:
    """`[pilot_roi.databases]` in .streamlit/secrets.toml: each connection's name, its Ibis URL, and (for DuckDB)
    the folders its queries may read files from. An entry is a URL, or a table with `url` and `folders`."""
    found = session.setting("databases", {})
    out = {}
    for name, entry in dict(found).items():
        if isinstance(entry, str):
            out[str(name)] = (entry, ())
        elif hasattr(entry, "get") and entry.get("url"):
            out[str(name)] = (str(entry["url"]), tuple(str(f) for f in entry.get("folders", ())))
    return out


def _url(name: str) -> tuple[str, tuple[str, ...]]:
    found = databases().get(name)
    if found is None:
        raise warehouse.WarehouseError(f"The database “{name}” is not named in .streamlit/secrets.toml any more "
                                       "([pilot_roi.databases]): add it back, or choose files for this source.")
    return found


def _sample(name: str, query: str) -> tuple[ingest.Table, dict[str, str]]:
    """A sample of the table or query (to map its columns) and the roles guessed on it."""
    url = _url(name)
    return _waiting(name, query, lambda: _sampled(name, url, query))


CANCELLED = "cancelled_queries"  # session key: the (database, query) pairs this person cancelled, until read again
_calls = itertools.count()


def _waiting(name: str, query: str, work: Callable[[], T]) -> T:
    """`work` (which may run a query in database `name`) in a worker thread, while this run shows how long it has
    taken and a Cancel button. Cancel, any other click, or the end of the session stops this run at its next update,
    and the query with it (`warehouse.cancel`): no query outlives the page that waits for it. A cancelled query is
    not run again until the person reads or refreshes it; answers from the cache come back at once, unseen."""
    if (name, query) in st.session_state.get(CANCELLED, set()):
        raise warehouse.WarehouseError(f"You cancelled “{_label(name, query)}”: press Refresh on the Data page to "
                                       "read it again.")
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - raised again in the page's thread below
            out["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    add_script_run_ctx(worker, get_script_run_ctx())
    worker.start()
    worker.join(0.3)
    if worker.is_alive():
        started, area = time.monotonic(), st.empty()
        with area.container():
            note = st.empty()
            st.button("Cancel", key=f"cancel-query.{next(_calls)}", icon="✋", on_click=_cancel, args=(name, query))
        try:
            while worker.is_alive():
                note.caption(md(f"Reading {_label(name, query)} in the database… {time.monotonic() - started:.0f} s"))
                worker.join(0.5)
        except BaseException:  # this run was stopped (Cancel, another click, the session ended): stop the query
            warehouse.cancel(worker.ident)
            worker.join(10)
            raise
        area.empty()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _cancel(name: str, query: str) -> None:
    st.session_state.setdefault(CANCELLED, set()).add((name, query))
    st.session_state["flash"] = ("info", f"Cancelled: “{_label(name, query)}” was stopped in the database, and "
                                         "nothing was changed.")


@st.cache_resource(max_entries=12, ttl="15m", show_spinner=False)
def _sampled(name: str, url: tuple[str, tuple[str, ...]], query: str) -> tuple[ingest.Table, dict[str, str]]:
    con = warehouse.connect(name, *url)
    found = warehouse.sample(con, query, _label(name, query))
    return found, warehouse.guess_roles(con, query, found)


def _summary(name: str, query: str, kind: str, roles: str) -> warehouse.Summary:
    """The source summarised in the database, kept 15 minutes (Refresh reads it again at once). The URL is part
    of the key, so a connection pointed elsewhere is read again."""
    url = _url(name)
    return _waiting(name, query, lambda: _summarised(name, url, query, kind, roles))


@st.cache_resource(max_entries=12, ttl="15m", show_spinner=False)
def _summarised(name: str, url: tuple[str, tuple[str, ...]], query: str, kind: str, roles: str) -> warehouse.Summary:
    return warehouse.summary(warehouse.connect(name, *url), query, kind=kind, roles=json.loads(roles),
                             name=_label(name, query))


def _label(name: str, query: str) -> str:
    flat = " ".join(query.split())
    return f"{name}: {flat if len(flat) <= 60 else flat[:59] + '…'}"


def columns_table(plan: Plan, kind: str) -> ingest.Table:
    """The table whose columns the user maps: the file, or the database's sample."""
    mapping = plan.data.sources[kind]
    return _sample(mapping.database, mapping.query)[0] if mapping.database else table(plan, kind)


def add_query(plan: Plan, kind: str, database: str, query: str) -> None:
    """Use a database's table or SELECT as this source (raises WarehouseError, changing nothing)."""
    query = query.strip()
    st.session_state.get(CANCELLED, set()).discard((database, query))
    _sampled.clear(database, _url(database), query)
    _, roles = _sample(database, query)
    _summary(database, query, kind, json.dumps(roles, sort_keys=True))  # it must run before it replaces anything
    session.update(lambda p: p.data.sources.__setitem__(
        kind, SourceMapping(_label(database, query), "", roles, database=database, query=query)))


def refresh(plan: Plan, kind: str) -> None:
    """Read the source from the database again (its rows may have changed)."""
    mapping = plan.data.sources[kind]
    st.session_state.get(CANCELLED, set()).discard((mapping.database, mapping.query))
    _sampled.clear(mapping.database, _url(mapping.database), mapping.query)
    _summarised.clear()
    _PANELS.clear()  # rebuilt from the fresh summary


def joined(plan: Plan) -> panel.Panel | None:
    """The plan's panel, or None when it has no usable files."""
    if not plan.data.sources:
        return None
    try:
        found = sources(plan)
    except (ingest.TableError, session.StoreError):
        return None
    return _panel(data_key(plan), found)


def unreadable(plan: Plan) -> str | None:
    """Why the plan's data cannot be read now (a database that is down, a file no longer stored), or None."""
    for kind, mapping in plan.data.sources.items():
        try:
            analysed(plan, kind)
        except (ingest.TableError, session.StoreError) as exc:
            return f"{mapping.filename}: {exc}"
    return None


def data_key(plan: Plan) -> str:
    """Changes whenever the plan's files or their roles change (a cache key for results computed from them)."""
    return json.dumps({k: [m.sha256, m.roles, m.date_order, m.database, m.query, m.not_sensitive]
                       for k, m in plan.data.sources.items()}, sort_keys=True)


def uses_sample(plan: Plan) -> bool:
    """Whether the plan's KPI file is the bundled sample's (before its pilot, or with a simulated pilot)."""
    import hashlib

    mapping = plan.data.sources.get("kpis")
    return mapping is not None and (bool(mapping.simulated_for) or mapping.sha256 == hashlib.sha256(
        (SAMPLE / SAMPLE_FILES["kpis"]).read_bytes()).hexdigest())


def run_sample_pilot(plan: Plan, through: date | None = None) -> str:
    """Generate the sample organisation's pilot period for the plan's list and use those files (one save); with
    `through`, only up to that month (a pilot still running). Raises ValueError saying why it cannot run;
    returns what was done, in words."""
    import hashlib

    from core import sample_pilot

    made = sample_pilot.simulate(plan, through=through)
    mark = sample_pilot.mark(plan, through)
    mappings, files = {}, {}
    for kind, (name, data) in made.items():
        sha = hashlib.sha256(data).hexdigest()
        t = _table(sha, name, lambda data=data: data)
        old = plan.data.sources.get(kind)
        roles = ingest.guess_roles(t)
        if old is not None:  # the history is the same file's: keep the roles the user confirmed
            roles = {c: r for c, r in old.roles.items() if c in t.frame.columns} | {
                c: r for c, r in roles.items() if c not in old.roles}
        mappings[kind], files[sha] = SourceMapping(name, sha, roles, simulated_for=mark), data

    def use(p: Plan) -> None:
        p.data.sources.update(mappings)

    session.update(use, files=files)
    last = pl.add_months(min(sample_pilot.until(plan), through or sample_pilot.until(plan)), -1)
    return (f"Simulated the sample pilot for this plan's list, through {last:%B %Y}"
            + (" (a pilot still running)" if through else "")
            + ": the KPI, LMS and assessment files are now the sample's with the pilot period added (labelled "
              "simulated wherever they show).")


def reports(plan: Plan) -> list[quality.FileReport]:
    """The quality report of every file of the plan that can still be read."""
    found = []
    for kind in plan.data.sources:
        try:
            found.append(analysed(plan, kind)[2])
        except (ingest.TableError, session.StoreError):
            continue
    return found


def add(plan: Plan, kind: str, name: str, data: bytes) -> ingest.Table:
    """Read a new upload (raises TableError, changing nothing), keep it with the plan, guess its roles."""
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    t = _table(sha, name, lambda: data)
    try:
        roles = ingest.guess_roles(t)
    except Exception as exc:  # noqa: BLE001 - a message naming the file, never a traceback
        raise ingest.TableError(f"{name}: its columns could not be recognised ({type(exc).__name__}: "
                                f"{str(exc)[:200]}).") from exc
    session.update(lambda p: p.data.sources.__setitem__(kind, SourceMapping(name, sha, roles)), files={sha: data})
    return t


def remove(plan: Plan, kind: str) -> None:
    """The plan stops naming the file; earlier versions keep it (restoring one brings it back). Its table and
    the panels built from it leave memory now, not when the cache is full."""
    mapping = plan.data.sources.get(kind)
    session.update(lambda p: p.data.sources.pop(kind, None))
    if mapping is not None and not mapping.database:
        forget(mapping.sha256, mapping.filename)


def forget(sha: str, name: str) -> None:
    """This session stops holding a file's table and its panels (another session using them keeps them); what
    nobody holds any more leaves memory now, and the freed memory goes back to the system."""
    import gc

    for registry, keep in (("tables", lambda key: key != (sha, name)), ("panels", lambda key: False)):
        held = in_use.session_holder(registry)
        if held is not None:
            for key in [k for k in held if not keep(k)]:
                del held[key]
    gc.collect()
    in_use.release_memory()


SAMPLE_START = "2026-07-01"  # the first day after the sample organisation's history (sample_data/README.md)


def load_sample(plan: Plan) -> None:
    """Attach the sample files; a plan without a start date takes the sample pilot's, and says so."""
    for kind, file_name in SAMPLE_FILES.items():
        add(plan, kind, file_name, (SAMPLE / file_name).read_bytes())
    if not plan.pilot.start:
        session.update(lambda p: setattr(p.pilot, "start", SAMPLE_START))
        st.session_state["flash"] = ("info", "Sample data loaded: the organisation's twelve months before its pilot. "
                                             "Its pilot starts on 1 July 2026, now this plan's start date (step 4 "
                                             "can change it); draw the list in step 4, then run the simulated pilot.")


def pseudonym_key() -> str:
    """`[pilot_roi] pseudonym_key` from .streamlit/secrets.toml, else the installation's own secret."""
    configured = session.setting("pseudonym_key")
    return str(configured) if configured else session.store().installation_secret()

"""One tidy panel from the uploaded sources: a row per employee, and a row per employee-period for KPIs.

Joins go through normalised ids (trimmed, upper-case, leading zeros kept). The HRIS gives one row per
person (the last row of a duplicated id wins, as the quality report says); LMS events become engagement
measures per person (minutes, sessions, module starts and completions, last activity); assessments and
other per-person measures are averaged per person; KPIs stay per employee and period at the file's own grain —
weekly, monthly or quarterly (averaged when a pair repeats). Rows whose id is not in the HRIS are left out, and
the join report counts them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import ibis
import pandas as pd
import pyarrow as pa

from core import aggregate, engine, ingest
from core import periods as periods_
from core.quality import Parsed

KINDS = {"hris": "Employees (HRIS)", "lms": "Engagement (LMS events)", "assessments": "Performance (assessments)",
         "kpis": "Business KPIs"}
ENGAGEMENT = ["lms_minutes", "lms_sessions", "lms_module_starts", "lms_completions", "lms_last_activity"]


@dataclass(frozen=True)
class Source:
    """One parsed upload: the table, the confirmed roles, the parsed measures and dates."""

    kind: str
    table: ingest.Table
    roles: dict[str, str]
    parsed: Parsed
    summarised: bool = False  # already one row per person (a database did the aggregation)

    def columns(self, *roles: str) -> list[str]:
        return [c for c, r in self.roles.items() if r in roles and c in self.table.frame.columns]

    def ids(self) -> pd.Series:
        column = self.columns("employee_id")
        if not column:
            return pd.Series("", index=self.table.frame.index)
        return self.table.ids(column[0])


@dataclass(frozen=True)
class Panel:
    people: pd.DataFrame  # one row per employee; index employee_id
    periods: pd.DataFrame | None  # one row per employee and period (KPIs), or None
    roles: dict[str, str]  # role of every panel column (for privacy and the later steps)
    grain: periods_.Grain = "month"  # the KPI file's own grain: each period is its week's Monday, month's or
    # quarter's first day

    @functools.cached_property
    def monthly(self) -> pd.DataFrame | None:
        """The periods averaged into calendar months: the grain of the analyses built on monthly means (waves,
        one site) and of the history the design counts in months. The periods themselves when already monthly.
        A week counts in the month of its Monday."""
        if self.periods is None or self.grain == "month":
            return self.periods
        months = self.periods.assign(period=self.periods["period"].dt.to_period("M").dt.to_timestamp())
        keys = ["employee_id", "period"]
        context = [c for c in months.columns if c not in keys and not pd.api.types.is_numeric_dtype(months[c])]
        out = months.groupby(keys, as_index=False).mean(numeric_only=True)
        if context:
            out = out.merge(months.drop_duplicates("employee_id").set_index("employee_id")[context],
                            left_on="employee_id", right_index=True, how="left")
        return out

    def says_grain(self) -> str:
        """The KPI periods' grain in words, for the data page: "weekly (52 weeks, 2025-W27 to 2026-W26)"."""
        if self.periods is None or self.periods.empty:
            return ""
        codes = periods_.codes(self.periods["period"], self.grain)
        count = int(codes.nunique())
        first, last = periods_.label(codes.min(), self.grain), periods_.label(codes.max(), self.grain)
        return f"{periods_.ADJECTIVE[self.grain]} ({count} {self.grain}{'s' if count != 1 else ''}, {first} to {last})"


MAX_KINDS = 200  # more distinct values than this is not a column of event types
# a number becomes lms_minutes only when its name says so: a quiz score or an attempt count is not time spent
MINUTES = re.compile(r"minute|(?<![a-z])mins?(?![a-z])|duration|time[\s_-]*spent", re.IGNORECASE)


def event_column(frame: pd.DataFrame, candidates: list[str]) -> str | None:
    """The first column of at most MAX_KINDS distinct values, one of which names an event type (login, start,
    complete, session); ids and free text are not."""
    for column in candidates:
        values = frame[column]
        if values.iloc[:: max(len(values) // 2_000, 1)].nunique() > MAX_KINDS:
            continue
        if names_event_types(values.unique()):
            return column
    return None


def names_event_types(kinds) -> bool:
    """Whether these distinct values (at most MAX_KINDS of them) include an event type: login, start, complete,
    session. Ids and free text have more values, or none of these words."""
    named = pd.Series(list(kinds), dtype=object).dropna().astype(str)
    return len(named) <= MAX_KINDS and bool(named.str.contains(ingest.EVENT_TYPES, case=False).any())


def engagement(lms: Source) -> pd.DataFrame:
    """Per person: total minutes, sessions (logins), module starts and completions, last activity
    (`aggregate.engagement`, run by DuckDB on the upload's columns: the same expression a warehouse runs).

    Minutes are the sum of the first numeric column whose name says minutes, duration or time spent; without
    one there is no `lms_minutes` (another number, such as a quiz score, is never taken for time). Rows
    without an id are left out. A source a database already summarised per person is taken as it is.
    """
    if lms.summarised:
        return _per_person(lms)
    frame = lms.table.frame
    columns = {"person": lms.ids()}
    event = event_column(frame, lms.columns("category") + lms.columns("text"))
    if event is not None:
        columns["event"] = frame[event]
    minutes = next((c for c in lms.parsed.numbers if MINUTES.search(str(c))), None)
    if minutes is not None:
        columns["minutes"] = lms.parsed.numbers[minutes]
    if lms.parsed.dates:
        columns["when"] = next(iter(lms.parsed.dates.values()))
    events = pa.table({k: pa.Array.from_pandas(v) if k in ("minutes", "when") else ingest.arrow(v)
                       for k, v in columns.items()})
    with engine.connect() as con:
        backend = aggregate.duckdb_backend(con)
        expression = aggregate.engagement(ibis.memtable(events), person="person",
                                          event="event" if event else None,
                                          minutes="minutes" if minutes else None,
                                          when="when" if "when" in columns else None)
        out = aggregate.people(backend.to_pyarrow(expression)).to_pandas()
    out = out.set_index("employee_id")
    if "lms_last_activity" in out:
        out["lms_last_activity"] = out["lms_last_activity"].astype("datetime64[ns]")
    return out


def _per_person(source: Source) -> pd.DataFrame:
    ids = source.ids()
    keep = ids != ""
    parts = {c: v[keep] for c, v in source.parsed.numbers.items()}
    parts.update({c: v[keep] for c, v in source.parsed.dates.items()})
    if not parts:
        return pd.DataFrame(index=pd.Index([], name="employee_id"))
    frame = pd.DataFrame(parts)
    frame.index = ids[keep].to_numpy()
    numeric = frame.select_dtypes("number").groupby(level=0).mean()
    dated = frame.select_dtypes("datetime").groupby(level=0).max()
    out = pd.concat([numeric, dated], axis=1)
    out.index.name = "employee_id"
    return out


def build(sources: dict[str, Source]) -> Panel:
    """Join the sources. Without an HRIS file the people are those found in the other files."""
    roles: dict[str, str] = {}
    hris = sources.get("hris")
    if hris is not None:
        frame = hris.table.frame
        ids = hris.ids()
        keep = (ids != "") & ~ids.duplicated(keep="last")
        people = pd.DataFrame(index=pd.Index(ids[keep].to_numpy(), name="employee_id"))
        for column, role in hris.roles.items():
            if role in ("ignore", "employee_id") or column not in frame.columns:
                continue
            if column in hris.parsed.numbers:
                people[column] = hris.parsed.numbers[column][keep].to_numpy()
            elif column in hris.parsed.dates:
                people[column] = hris.parsed.dates[column][keep].to_numpy()
            else:
                people[column] = frame.loc[keep, column].to_numpy()
            roles[column] = role
        if "manager_id" in roles.values():
            manager = next(c for c, r in roles.items() if r == "manager_id")
            people[manager] = ingest.normalise_ids(people[manager])
    else:
        every = pd.concat([s.ids() for s in sources.values()]) if sources else pd.Series(dtype=str)
        people = pd.DataFrame(index=pd.Index(sorted(set(every) - {""}), name="employee_id"))
    known = people.index
    if "lms" in sources:
        engaged = engagement(sources["lms"]).reindex(known)
        for column in engaged.columns:
            people[column] = engaged[column]
            roles[column] = "measure" if column != "lms_last_activity" else "date"
        for column in ("lms_sessions", "lms_module_starts", "lms_completions", "lms_minutes"):
            if column in people:
                people[column] = people[column].fillna(0)
    for kind in ("assessments",):
        if kind in sources:
            measures = _per_person(sources[kind]).reindex(known)
            for column in measures.columns:
                name = column if column not in people.columns else f"{column} ({kind})"
                people[name] = measures[column]
                roles[name] = "measure" if pd.api.types.is_numeric_dtype(measures[column]) else "date"
    periods, grain = _periods(sources["kpis"], people, roles) if "kpis" in sources else (None, "month")
    return Panel(people, periods, roles, grain)


def _periods(kpis: Source, people: pd.DataFrame, roles: dict[str, str]) -> tuple[pd.DataFrame | None, str]:
    """One row per employee and period at the KPI file's own grain (weekly data stay weekly), and that grain."""
    ids = kpis.ids()
    when_col = next(iter(kpis.columns("period", "date")), None)
    if when_col is None or when_col not in kpis.parsed.dates:
        return None, "month"
    dates = kpis.parsed.dates[when_col]
    grain = periods_.grain_of(dates)
    period = periods_.start_of(dates, grain)
    keep = (ids != "") & period.notna() & ids.isin(people.index)
    frame = pd.DataFrame({c: v[keep] for c, v in kpis.parsed.numbers.items()})
    frame.insert(0, "period", period[keep])
    frame.insert(0, "employee_id", ids[keep])
    out = frame.groupby(["employee_id", "period"], as_index=False).mean(numeric_only=True)
    context = [c for c, r in roles.items() if r in ("team", "site", "category") and c in people.columns]
    if context:
        out = out.merge(people[context], left_on="employee_id", right_index=True, how="left")
    for column in kpis.parsed.numbers:
        roles.setdefault(column, "measure")
    return out, grain

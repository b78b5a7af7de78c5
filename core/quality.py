"""The data-quality report, per file and for the join, in plain language.

Severity: **blocks** (the analysis cannot use the file until it is fixed), **worth a look** (usable, but
something may be wrong), **fine**. Every finding names the column, the lines (spreadsheet numbering: the
header is line 1) and the offending text, so a user can find and fix it in their own export.

Outliers: |x − median| > 5 × 1.4826 × MAD (a robust z-score above 5; Iglewicz & Hoaglin 1993 use 3.5
for "potential" outliers — 5 keeps the report to values that are truly far out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import ingest
from core.words import count

Severity = Literal["blocks", "worth a look", "fine"]
ORDER = {"blocks": 0, "worth a look": 1, "fine": 2}
PER_PERSON = ("hris", "assessments")  # files with one row per person
PRIVATE_ROLES = ("employee_id", "manager_id", "name", "sensitive")
SHOW = 5


@dataclass(frozen=True)
class Finding:
    severity: Severity
    column: str
    message: str
    lines: tuple[int, ...] = ()
    date_order: str = ""  # dates read as "day-first" or "month-first" (the page offers the other), or "ambiguous"


@dataclass(frozen=True)
class FileReport:
    name: str
    kind: str
    rows: int
    columns: int
    missing: dict[str, int]
    findings: list[Finding]
    date_range: tuple[str, str] | None = None

    @property
    def severity(self) -> Severity:
        return min((f.severity for f in self.findings), key=ORDER.get, default="fine")


@dataclass
class Parsed:
    """A file's measures and dates parsed once, shared by the report and the panel."""

    numbers: dict[str, pd.Series] = field(default_factory=dict)
    dates: dict[str, pd.Series] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def _lines(table: ingest.Table, index) -> tuple[int, ...]:
    return tuple(table.line(i) for i in index)


def _examples(pairs: list[tuple[int, str]], table: ingest.Table) -> str:
    shown = ", ".join(f"line {table.line(i)}: “{_short(text)}”" for i, text in pairs[:SHOW])
    more = f" and {len(pairs) - SHOW:,} more" if len(pairs) > SHOW else ""
    return shown + more


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse(table: ingest.Table, roles: dict[str, str], *, date_order: str = "auto") -> tuple[Parsed, list[Finding]]:
    """Parse the measure and date columns; findings for values that do not parse."""
    parsed = Parsed()
    findings = parsed.findings
    wanted = [(c, r) for c, r in roles.items() if c in table.frame.columns and r in ("measure", "date", "period")]

    mark = _file_mark([table.parsing(c, r) for c, r in wanted if r == "measure"])
    for column, role in wanted:
        result = table.parsing(column, role, date_order)
        if role == "measure" and result.ambiguous and mark != "auto":
            result = table.parsing(column, role, mark=mark)  # the rest of the file shows its decimal mark
        if role == "measure":
            parsed.numbers[column] = result.values
            if result.note.startswith("decimal marks disagree"):
                left = count(len(result.bad), "value is", "values are")
                findings.append(Finding("worth a look", column,
                                        f"{result.note.capitalize()}: {left} left out rather than guessed "
                                        f"({_examples(result.bad, table)}). Write every number of the column the "
                                        "same way and upload the file again.",
                                        _lines(table, [i for i, _ in result.bad])))
            elif result.bad:
                findings.append(Finding("worth a look", column,
                                        f"{count(len(result.bad), 'value is not a number', 'values are not numbers')} "
                                        f"({_examples(result.bad, table)}); {_left_out(len(result.bad))}.",
                                        _lines(table, [i for i, _ in result.bad])))
            if result.note == "decimal comma":
                findings.append(Finding("fine", column,
                                        "Read with the comma as decimal mark (1.234,56 is one thousand two hundred "
                                        "thirty-four and 56 hundredths), as its values show."))
            elif result.note.startswith("decimal comma"):
                findings.append(Finding("fine", column,
                                        "Read with the comma as decimal mark, as the file's other columns show "
                                        "(its own values, such as 2.500, could be read either way: 2.500 is two "
                                        "thousand five hundred)."))
            if result.ambiguous:
                findings.append(Finding("worth a look", column,
                                        f"{count(len(result.ambiguous), 'value', 'values')} could be read with "
                                        f"either decimal mark ({_examples(result.ambiguous, table)}: 2.007 is two "
                                        "thousand and seven with a decimal comma, two point zero zero seven with "
                                        "a dot). Nothing in the file shows which, so they are read with the dot. "
                                        "If that is wrong, write them without thousands separators.",
                                        _lines(table, [i for i, _ in result.ambiguous])))
        else:
            parsed.dates[column] = result.values
            if result.bad:
                what = count(len(result.bad), "value is not a valid date", "values are not valid dates")
                findings.append(Finding("worth a look", column, f"{what} "
                                        f"({_examples(result.bad, table)}); {_left_out(len(result.bad))}.",
                                        _lines(table, [i for i, _ in result.bad])))
            if result.note:
                chosen = "day-first" if result.note.startswith("day/") else "month-first"
                findings.append(Finding("fine", column, f"Dates read as {result.note}; if that is wrong, read them "
                                        "the other way (one click, beside the column on the Data page).",
                                        date_order=chosen))
            if result.mixed:
                day_first, month_first = result.mixed
                findings.append(Finding("worth a look", column,
                                        f"The dates are written both ways: day/month "
                                        f"({_examples(day_first, table)}) and month/day "
                                        f"({_examples(month_first, table)}). Choose the order most of the file was "
                                        "written in (on the Data page, beside the column); the dates written the "
                                        f"other way are then listed to fix. Until then all "
                                        f"{count(len(result.ambiguous), 'date', 'dates')} written with slashes are "
                                        "left out.",
                                        _lines(table, [i for i, _ in result.ambiguous]), date_order="ambiguous"))
            elif result.ambiguous:
                findings.append(Finding("worth a look", column,
                                        f"{count(len(result.ambiguous), 'date', 'dates')} could be "
                                        f"day/month or month/day ({_examples(result.ambiguous, table)}): choose the "
                                        "date order for this file (on the Data page, beside the column); until then "
                                        "they are left out.",
                                        _lines(table, [i for i, _ in result.ambiguous]), date_order="ambiguous"))
    return parsed, findings


def _file_mark(measures: list[ingest.Parsed]) -> str:
    """The decimal mark the file's measures show ("comma" or "dot"), or "auto" when none shows one or they
    disagree."""
    comma = any(p.note == "decimal comma" for p in measures)
    dot = any(p.note == "decimal dot" for p in measures)
    return "comma" if comma and not dot else "dot" if dot and not comma else "auto"


def _stray_quotes(table: ingest.Table) -> list[Finding]:
    """A CSV value that runs over several lines: a quote opened and closed far apart (a stray quote) merges the
    rows between into one field, and the file seems to have fewer rows than it has. Said, with where it starts."""
    found = []
    for column in table.frame.columns:
        values = table.frame[column]
        spans = values[pc.match_substring(ingest.arrow(values).fill_null(""), "\n").to_numpy(zero_copy_only=False)]
        if len(spans):
            found.append(Finding("worth a look", column,
                                 f"{count(len(spans), 'value runs', 'values run')} over several lines of the file "
                                 f"(starting at line {table.line(spans.index[0])}): a quote opened and not closed "
                                 "where the value ends merges the rows after it into one. Check for a stray "
                                 "quote; the rows it swallowed are not in this file's count.",
                                 _lines(table, spans.index[:SHOW])))
    return found


def file_report(table: ingest.Table, roles: dict[str, str], *, kind: str, parsed: Parsed | None = None,
                date_order: str = "auto", outliers_of_rows: bool = True) -> FileReport:
    """The report of one source. `outliers_of_rows=False` for rows a database summarised per person: a far
    total of events is a busy person, not a typo."""
    frame = table.frame
    findings = [Finding("worth a look", "", note) for note in table.notes if not note.startswith("read the")]
    if parsed is None:
        parsed, _ = parse(table, roles, date_order=date_order)
    findings += parsed.findings
    blank = {c: pd.Series(table.blank(c), index=frame.index) for c in frame.columns}
    missing = {c: int(b.sum()) for c, b in blank.items() if b.any()}
    if table.encoding != "xlsx" and not table.line_per_row:
        findings += _stray_quotes(table)

    ids = [c for c, r in roles.items() if r == "employee_id" and c in frame.columns]
    if not ids:
        findings.append(Finding("blocks", "", "No column is marked as the employee id, so this file cannot be joined "
                                "to the others. Choose the id column in the mapping."))
    else:
        column = ids[0]
        key = table.ids(column)
        empty = key.eq("")
        if empty.any():
            findings.append(Finding("worth a look", column,
                                    f"{count(int(empty.sum()), 'row has', 'rows have')} no employee id "
                                    f"({_line_list(table, frame.index[empty])}); {_left_out(int(empty.sum()))}.",
                                    _lines(table, frame.index[empty][:1000])))
        if kind in PER_PERSON:
            dup = key.duplicated(keep=False) & ~empty
            if dup.any():
                groups = frame.index[dup].to_series().groupby(key[dup].to_numpy()).apply(list)
                # lines, never the ids themselves: ids are shown only as pseudonyms outside the assignment list
                described = "; ".join(f"lines {', '.join(str(table.line(i)) for i in v)}"
                                      for v in list(groups.values)[:SHOW])
                findings.append(Finding("worth a look", column,
                                        f"{count(len(groups), 'id appears', 'ids appear')} more than once "
                                        f"({described}). The panel keeps the last row of each.",
                                        _lines(table, frame.index[dup][:1000])))
        periods = [c for c, r in roles.items() if r == "period" and c in frame.columns]
        if kind == "kpis" and periods:
            pair = key + "|" + frame[periods[0]].str.strip()
            dup = pair.duplicated(keep=False) & ~empty
            if dup.any():
                findings.append(Finding("worth a look", column, f"{int(dup.sum()):,} rows repeat an employee and "
                                        f"{periods[0]} ({_line_list(table, frame.index[dup])}); values are "
                                        "averaged.", _lines(table, frame.index[dup][:1000])))
    for column, n in missing.items():
        if roles.get(column) in ("team", "site", "date", "period"):
            empty = frame.index[blank[column]]
            findings.append(Finding("worth a look", column, f"{count(n, 'row has', 'rows have')} no {column} ("
                                    f"{_line_list(table, empty)}).", _lines(table, empty[:1000])))
    findings += _gaps(table, parsed, blank)
    for column, values in parsed.numbers.items() if outliers_of_rows else ():
        far = outliers(values)
        if len(far):
            shown = ", ".join(f"line {table.line(i)}: {frame.at[i, column]}" for i in far[:SHOW])
            findings.append(Finding("worth a look", column,
                                    f"{count(len(far), 'value is', 'values are')} far from the rest "
                                    f"({shown}). Check they are not typos or a different unit.",
                                    _lines(table, far[:1000])))
    for column in frame.columns:
        if roles.get(column) in ("measure", "ignore"):
            continue
        values = frame[column]
        private = roles.get(column) in PRIVATE_ROLES  # names, ids and sensitive attributes are never quoted
        long = _long(values)
        if long.any():
            first = frame.index[long][0]
            findings.append(Finding("worth a look", column, f"{int(long.sum()):,} cells are very long (line "
                                    f"{table.line(first)}: {len(values.at[first]):,} characters); they are kept "
                                    "but shortened on screen.", _lines(table, frame.index[long][:1000])))
        formula = _formula_like(values)
        if formula.any():
            first = frame.index[formula][0]
            quoted = "" if private else f": “{_short(values.at[first])}”"
            findings.append(Finding("worth a look", column, f"{int(formula.sum()):,} cells start with =, +, - or @ "
                                    f"(line {table.line(first)}{quoted}). "
                                    "They are kept as text, never run as spreadsheet formulas.",
                                    _lines(table, frame.index[formula][:1000])))
    date_range = None
    ends = [(v.min(), v.max()) for v in parsed.dates.values()]  # NaT-skipping, without a copy
    ends = [(low, high) for low, high in ends if pd.notna(low)]
    if ends:
        low = min(low for low, _ in ends)
        high = max(high for _, high in ends)
        date_range = (low.date().isoformat(), high.date().isoformat())
    findings.sort(key=lambda f: ORDER[f.severity])
    return FileReport(table.name, kind, len(frame), frame.shape[1], missing, findings, date_range)


def _long(values: pd.Series) -> pd.Series:
    """Cells over LONG_CELL characters (bytes first, from Arrow's offsets: a cell has at least as many bytes as
    characters)."""
    if (pc.max(pc.binary_length(ingest.arrow(values))).as_py() or 0) <= ingest.LONG_CELL:
        return pd.Series(False, index=values.index)
    return values.str.len() > ingest.LONG_CELL


def _formula_like(values: pd.Series) -> pd.Series:
    """Cells a spreadsheet would read as a formula: starting with = + - or @, except plain numbers (-3, +44 20…)."""
    first = pc.utf8_slice_codeunits(ingest.arrow(values).fill_null(""), 0, 1)
    found = pd.Series(pc.is_in(first, pa.array(["=", "+", "-", "@"])).to_numpy(zero_copy_only=False),
                      index=values.index)
    if found.any():
        found[found] = ~values[found].str.match(r"[+-]?[0-9]")
    return found


def _line_list(table: ingest.Table, index) -> str:
    return _said_lines([table.line(i) for i in list(index)[:SHOW]], len(index))


def _said_lines(first: list[int], total: int) -> str:
    """“line 31” or “lines 31, 45, 20002 and 3 more” (no thousands separators: commas separate the lines)."""
    word = "line" if total == 1 else "lines"
    return f"{word} " + ", ".join(map(str, first)) + (f" and {total - len(first):,} more" if total > len(first) else "")


def _left_out(n: int) -> str:
    return "it is left out" if n == 1 else "they are left out"


def _gaps(table: ingest.Table, parsed: Parsed, blank_cells: dict[str, pd.Series]) -> list[Finding]:
    """Blanks in a measure where a sibling measure (blank on the same rows almost everywhere) has a value.

    KPI exports are often blank by design (sales KPIs for sales staff only); what is worth a look is a value
    missing where its sibling is present, like an average deal size missing beside a count of deals.
    """
    findings: list[Finding] = []
    if len(parsed.numbers) < 2:
        return findings
    names = list(parsed.numbers)
    blank = np.column_stack([(parsed.numbers[c].isna() & blank_cells[c]).to_numpy(dtype=bool) for c in names])
    b = blank.astype(np.float32)
    both = b.T @ b  # rows blank in both columns, for every pair at once (no loop over pairs)
    empties = blank.sum(axis=0).astype(np.float64)
    n = len(blank)
    gaps = empties[:, None] - both  # blank in the column, present in the other
    present = n - empties[None, :]
    agree = (n - empties[:, None] - empties[None, :] + 2 * both) / max(n, 1)
    sibling = (gaps > 0) & (gaps <= 0.05 * np.maximum(present, 1)) & (agree > 0.95)
    np.fill_diagonal(sibling, False)
    for i, column in enumerate(names):
        others = np.flatnonzero(sibling[i])
        if not len(others):
            continue
        other = names[others[0]]  # the first sibling in column order, as before
        rows = blank[:, i] & ~blank[:, others[0]]
        findings.append(Finding("worth a look", column,
                                f"{count(int(rows.sum()), 'row has', 'rows have')} {other} but no "
                                f"{column} ({_line_list(table, table.frame.index[rows])}).",
                                _lines(table, table.frame.index[rows][:1000])))
    return findings


def _robust_z(values: np.ndarray) -> np.ndarray | None:
    """|x − median| / (1.4826 × MAD); None when the MAD is 0 — known without a second median when more than
    half the values equal the median (count measures that are mostly zero: then without even one median)."""
    majority = len(values) // 2 + 1
    if np.count_nonzero(values == 0) >= majority:  # mostly zero: the median is 0, and so is the MAD
        return None
    median = np.median(values)
    if np.count_nonzero(values == median) >= majority:
        return None
    deviation = np.abs(np.subtract(values, median))
    mad = np.median(deviation) * 1.4826
    if not mad or not np.isfinite(mad):
        return None
    deviation /= mad
    return deviation


def outliers(values: pd.Series) -> list[int]:
    """Rows with a robust z-score above 5 — and, for measures that cannot be negative, above 5 on the
    log scale too, so that the long right tail of sizes and counts is not flagged but a typed extra zero is."""
    numbers = values.to_numpy(dtype=float)
    filled = ~np.isnan(numbers)
    clean = numbers if filled.all() else numbers[filled]
    if len(clean) < 20:
        return []
    z = _robust_z(clean)
    if z is None:
        return []
    far = z > 5
    if far.any() and clean.min() >= 0:
        z_log = _robust_z(np.log1p(clean))
        far &= (z_log > 5) if z_log is not None else False
    return [int(i) for i in values.index[filled][far]]


def join_findings(ids: dict[str, tuple[str, pd.Series]]) -> list[Finding]:
    """Ids present in one file and not in the HRIS (kind → (file name, normalised ids))."""
    findings: list[Finding] = []
    if "hris" not in ids:
        if ids:
            findings.append(Finding("blocks", "", "Upload the employee (HRIS) file: the other files are joined "
                                    "through its employee ids."))
        return findings
    hris_name, people = ids["hris"]
    known = set(people[people != ""])
    for kind, (name, values) in ids.items():
        if kind == "hris":
            continue
        present = set(values[values != ""])
        unknown = sorted(present - known)
        if unknown:
            rows = values.index[values.isin(unknown)]
            verb, own = ("is", "its") if len(unknown) == 1 else ("are", "their")
            lines = _said_lines([int(i) + 2 for i in rows[:SHOW]], len(rows))
            findings.append(Finding("worth a look", "", f"{count(len(unknown), 'id', 'ids')} in {name} {verb} not in "
                                    f"{hris_name} ({lines}); {own} {count(len(rows), 'row is', 'rows are')} left "
                                    "out of the panel.", tuple(int(i) + 2 for i in rows[:1000])))
        if kind in ("lms", "kpis", "assessments"):
            absent = len(known - present)
            if absent and absent / max(len(known), 1) > 0.5:
                findings.append(Finding("worth a look", "", f"{absent:,} of {len(known):,} people in {hris_name} "
                                        f"have no rows in {name}. Check that the ids use the same format."))
    return findings

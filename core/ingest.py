"""Reading uploaded tables (CSV or XLSX) robustly, and guessing what each column is.

Every column is read as text, so ids keep their leading zeros (``00123`` stays ``00123``); numbers and
dates are parsed later, column by column, and every value that does not parse is reported with its line
and its text (see core/quality.py).

CSV: UTF-8 with or without BOM, UTF-16 (BOM, or NUL-byte pattern), cp1252, then Latin-1 (others are converted
to UTF-8 first); comma, semicolon, tab or pipe delimiters, chosen by which gives the same field count on the
first lines; read by DuckDB (core/engine.py), or by Python's csv module when blank lines or values spanning lines
make DuckDB's rows differ from the file's lines. Rows with the wrong number of fields and quotes never closed are
reported with their line, never dropped.
XLSX: refused before parsing when it is not a zip (a renamed CSV), encrypted (an OLE container),
macro-enabled, or a zip bomb (declared size over the cap or compression over 100:1); parsed by
openpyxl with defusedxml installed (no entity expansion).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import engine, periods

MAX_COLUMNS = 1_000  # an HR or KPI export with more columns is a pivoted table: refused before it is parsed
MAX_BYTES = 100_000_000  # 100 MB, counted as the uploader counts (10^6 bytes): a 1M-row LMS export fits
MAX_UNZIPPED = 500 * 1024 * 1024
MAX_RATIO = 100
LONG_CELL = 10_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3's default "str" dtype
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Role = Literal["employee_id", "manager_id", "name", "date", "period", "team", "site", "measure", "category",
               "sensitive", "text", "ignore"]
ROLES: dict[str, str] = {
    "employee_id": "Employee id", "manager_id": "Manager id", "name": "Person's name (never shown)",
    "date": "Date / time", "period": "Period (month, week…)", "team": "Team", "site": "Site / location",
    "measure": "Numeric measure", "category": "Category", "sensitive": "Sensitive attribute (never shown row by row)",
    "text": "Free text", "ignore": "Ignore",
}
# Sensitive attributes: short words must match a whole word ("age" but not "average"), stems anywhere.
SENSITIVE_WORDS = {"sex", "race", "age", "pay", "dob", "union", "sexo", "genre", "wage", "wages", "income", "bonus",
                   "alter", "edad", "lohn", "identity"}
SENSITIVE_STEMS = ("gender", "ethni", "religi", "salary", "compensation", "disab", "marital", "birth", "nationalit",
                   "pregnan", "earning",
                   # a few common words in German, French and Spanish exports
                   "gehalt", "geschlecht", "salaire", "salario", "genero", "herkunft", "etnia", "raza", "sexe",
                   "geburt", "naissance", "nacimiento", "handicap", "behinder", "familienstand", "nacional",
                   "staatsang", "religion", "konfession", "remunera", "verguetung", "vergütung", "pronoun")
# Names in English, German, French, Spanish, Italian and Dutch exports (whole words).
NAME_WORDS = {"name", "first_name", "last_name", "surname", "forename", "fullname", "full", "vorname", "nachname",
              "familienname", "prenom", "nom", "apellido", "apellidos", "nombre", "cognome", "nome", "naam",
              "voornaam", "achternaam"}
EVENT_TYPES = "login|complet|session|start"  # words in LMS event types, which the panel counts per person
ID_WORDS = ("personalnummer", "personnel", "matricule", "empno", "emp_no", "badge", "staff_number",
            "employee_number", "worker_number", "numero_empleado", "mitarbeiter")


T = TypeVar("T")


class TableError(ValueError):
    """An upload that cannot be read; the message names the file (and line) and says what to do."""


@dataclass
class Table:
    """A file read as text: the frame (original row order; file line = index + 2) and how it was read."""

    name: str
    frame: pd.DataFrame
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)
    has_controls: bool = False
    line_per_row: bool = False  # every row is one line of the file (no value runs over several lines)

    def line(self, index: int) -> int:
        """The spreadsheet / file line of a data row (the header is line 1)."""
        return int(index) + 2

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per key, kept with the table: what is derived from it (parsed columns, reports for a
        set of column roles) goes when the table goes."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def ids(self, column: str) -> pd.Series:
        """The column's normalised ids, computed once (the report and the panel both need them)."""
        return self.memo(("ids", column), lambda: normalise_ids(self.frame[column]))

    def blank(self, column: str) -> np.ndarray:
        """Where the column's cells are empty or only spaces, computed once."""
        return self.memo(("blank", column), lambda: blank(self.frame[column]))

    def parsing(self, column: str, role: str, date_order: str = "auto", mark: str = "auto") -> Parsed:
        """A measure's numbers (`parse_numbers`, with the file's decimal `mark` where its values show none) or a
        date or period column's dates (`parse_dates`), parsed once."""
        if role == "measure":
            return self.memo(("numbers", column, mark),
                             lambda: parse_numbers(self.frame[column], mark))  # type: ignore[arg-type]
        return self.memo(("dates", column, date_order),
                         lambda: parse_dates(self.frame[column], order=date_order))  # type: ignore[arg-type]


def blank(values: pd.Series) -> np.ndarray:
    """Cells that are empty, only spaces, or missing."""
    array = arrow(values).fill_null("")
    return pc.or_(pc.equal(array, ""), pc.utf8_is_space(array)).to_numpy(zero_copy_only=False)


def arrow(values: pd.Series):
    """The column's Arrow strings (no copy for pyarrow-backed text)."""
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        return values.array.__arrow_array__()
    return pa.chunked_array([pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)])


# -- reading -------------------------------------------------------------------------------------------------
def read_table(data: bytes, name: str) -> Table:
    """Read an upload; every failure, expected or not, becomes a TableError naming the file."""
    try:
        return _read_table(data, name)
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - an unexpected failure still becomes a message, not a traceback
        raise TableError(f"{name} could not be read ({type(exc).__name__}: {str(exc)[:200]}). Save it again as "
                         "CSV UTF-8 and upload it; if it still fails, please report it with the file's first "
                         "lines.") from exc


def _read_table(data: bytes, name: str) -> Table:
    if not data:
        raise TableError(f"{name} is empty (0 bytes). Export the file again and upload it.")
    if len(data) > MAX_BYTES:
        raise TableError(f"{name} is {len(data) / 1e6:.1f} MB; files up to {MAX_BYTES / 1e6:.0f} MB are accepted. "
                         "Export only the columns and months the pilot needs.")
    lower = name.lower()
    if data.startswith(OLE_MAGIC):
        raise TableError(f"{name} is an encrypted (password-protected) workbook or a legacy .xls file. Remove the "
                         "password or save it as .xlsx or CSV, then upload it again.")
    if lower.endswith(".xls"):
        raise TableError(f"{name} is a legacy .xls workbook: open it and save it as .xlsx or CSV.")
    workbook_bytes = data.startswith(b"PK\x03\x04")  # an .xlsx is a zip file, whatever its name says
    if lower.endswith((".xlsx", ".xlsm")):
        table = _read_xlsx(data, name)
    elif workbook_bytes:
        table = _read_xlsx(data, name)
        table.notes.append(f"{name} is an Excel workbook with a .csv name: it was read as a workbook (its first "
                           "sheet). Rename it to .xlsx to avoid surprises elsewhere.")
    else:
        table = _read_csv(data, name)
    _tidy(table)
    return table


def _not_too_wide(columns: int, name: str) -> None:
    """Refuse a table wider than MAX_COLUMNS early: the checks after it compare columns, and a 20,000-column file
    once never finished."""
    if columns > MAX_COLUMNS:
        raise TableError(f"{name} has {columns:,} columns; at most {MAX_COLUMNS:,} are read. Export one column per "
                         "measure and one row per person (or per person and month), not a pivoted table.")


def _check_zip(data: bytes, name: str) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TableError(f"{name} is not a real .xlsx workbook (it may be a CSV renamed to .xlsx). Open it in Excel "
                         "and save it as .xlsx, or rename it to .csv.")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        names = {i.filename for i in infos}
        if "EncryptionInfo" in names or "EncryptedPackage" in names:
            raise TableError(f"{name} is password-protected. Remove the password and upload it again.")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise TableError(f"{name} contains macros. Save it as a plain .xlsx workbook (without macros) or CSV.")
        declared = sum(i.file_size for i in infos)
        packed = max(sum(i.compress_size for i in infos), 1)
        if declared > MAX_UNZIPPED or declared / packed > MAX_RATIO:
            raise TableError(f"{name} unpacks to {declared / 1e6:,.0f} MB from {packed / 1e6:,.1f} MB (ratio "
                             f"{declared / packed:,.0f}:1): refused as a possible zip bomb. Save it as CSV instead.")
        if "xl/workbook.xml" not in names:
            raise TableError(f"{name} is a zip file but not an Excel workbook.")


def _read_xlsx(data: bytes, name: str) -> Table:
    _check_zip(data, name)
    import defusedxml  # noqa: F401 - openpyxl parses with defusedxml when it is installed

    try:
        raw = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl", header=None)
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes a message about the file
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise TableError(f"{name} could not be read as a workbook ({reason}). Save it again as .xlsx or CSV.") from None
    if raw.empty:
        raise TableError(f"{name} has no columns: the first sheet is empty.")
    _not_too_wide(raw.shape[1], name)
    filled = raw.head(40).notna().sum(axis=1).tolist()
    widest = max(filled)
    header = next(i for i, n in enumerate(filled) if n >= max(2, widest // 2) or n == widest)
    names = ["" if pd.isna(v) else str(v) for v in raw.iloc[header]]
    frame = raw.iloc[header + 1:].fillna("")
    frame.columns = names
    frame.index = frame.index - 1  # sheet row r (0-based) is line r + 1: index = line − 2
    notes = ["read the first sheet"] + ([f"Skipped {header} row{'s' if header > 1 else ''} above the header "
                                         "(titles)."] if header else [])
    has_controls = any(CONTROLS.search(c) for c in frame.columns) or bool(
        frame.apply(lambda c: c.str.contains(CONTROLS, regex=True).any()).any())
    return Table(name, frame, encoding="xlsx", notes=notes, has_controls=has_controls)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): BOMs first, then UTF-16 by its NUL bytes, UTF-8, cp1252, Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    head = data[:4000]
    if len(head) >= 4 and head.count(b"\x00") > len(head) // 4:
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return data.decode(encoding, errors="replace"), encoding
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter among , ; tab | that splits the first lines into the same number of fields (> 1)."""
    return sniff(lines)[0]


def sniff(lines: list[str]) -> tuple[str, int]:
    """(delimiter, index of the header line): the delimiter whose most common field count (> 1) holds for
    most of the first lines, and the first line with more than one field (lines above it are titles)."""
    best, best_score, best_header = ",", -1.0, 0
    for delimiter in (",", ";", "\t", "|"):
        counts = [len(row) for row in csv.reader(lines[:40], delimiter=delimiter)]
        wide = [c for c in counts if c > 1]
        if not wide:
            continue
        modal = max(set(wide), key=wide.count)
        header = next(i for i, c in enumerate(counts) if c > 1)  # titles above it are one field wide
        if header > 10:
            continue
        rest = counts[header:]
        score = sum(1 for c in rest if c == modal) / len(rest) * 10 + min(modal, 50) / 100 - header
        # (each line called a title costs a point: a delimiter that reads the first line as a header wins)
        if score > best_score:
            best, best_score, best_header = delimiter, score, header
    return best, best_header


def _read_csv(data: bytes, name: str) -> Table:
    cut = len(data) if len(data) <= 65536 else data.rfind(b"\n", 0, 65536) + 1 or 65536
    head, encoding = decode(data[:cut])  # whole lines, so a character is never cut in two
    if len(CONTROLS.findall(head)) > max(20, 0.05 * len(head)):  # random bytes, an image, a PDF…: not text
        raise TableError(f"{name} does not look like a CSV (text) file or an Excel workbook. Save the data as CSV "
                         "UTF-8 or .xlsx and upload that.")
    lines = head.replace("\x00", "").splitlines()
    if not any(line.strip() for line in lines):
        raise TableError(f"{name} has no header row (the file is blank).")
    delimiter, header = sniff(lines)
    while header < len(lines) and not lines[header].strip():
        header += 1
    _not_too_wide(len(next(csv.reader([lines[header]], delimiter=delimiter), [])) if header < len(lines) else 0,
                  name)
    if encoding not in ("utf-8", "utf-8-sig") or not _utf8(data):  # DuckDB reads UTF-8: others are converted
        text, encoding = decode(data)
        data = text.replace("\x00", "").encode("utf-8")
    frame = _duckdb_csv(data, name, delimiter, header, lines)
    line_per_row = frame is not None
    if frame is None:
        frame = _careful_csv(decode(data)[0].replace("\x00", ""), delimiter, name, header)
    frame.columns = [str(c).strip() for c in frame.columns]
    has_controls = bool(data.translate(None, NOT_CONTROL)) or any(CONTROLS.search(c) for c in frame.columns)
    table = Table(name, frame, encoding=encoding, delimiter={"\t": "tab"}.get(delimiter, delimiter),
                  has_controls=has_controls, line_per_row=line_per_row)
    if header:
        table.notes.append(f"Skipped {header} line{'s' if header > 1 else ''} above the header (titles).")
    return table


def _utf8(data: bytes) -> bool:
    """Whether all of the file is UTF-8 (the first 64 KB being UTF-8 does not prove it)."""
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


NOT_CONTROL = bytes(b for b in range(256) if not CONTROLS.match(chr(b)))  # deleted, what is left are controls


def _duckdb_csv(data: bytes, name: str, delimiter: str, header: int, lines: list[str]) -> pd.DataFrame | None:
    """DuckDB's multi-threaded reader, every column as text; None when the file needs the careful path.

    DuckDB skips blank lines and joins a quoted value that spans lines, so its rows are the file's lines one
    for one only when it returns exactly as many rows as the file has lines below the header: then row i is
    file line header + i + 2. Otherwise Python's csv module reads it (it knows the line of every row). A line
    the reader rejects (a wrong number of fields, a quote never closed) is reported with its line.
    """
    try:
        names = next(csv.reader([lines[header].lstrip("\ufeff")], delimiter=delimiter))
    except (StopIteration, IndexError, csv.Error):
        return None
    try:
        arrow, rejected = engine.read_csv(data, delimiter=delimiter, skip=header + 1, width=len(names))
    except engine.Error:  # bytes its reader cannot make sense of: the careful reader names the line
        return None
    if rejected is not None:
        raise TableError(_rejected(rejected, name, delimiter, len(names)))
    below = data.count(b"\n") + (not data.endswith(b"\n")) - (header + 1)
    if arrow.num_rows != below:
        return None
    frame = arrow.to_pandas(types_mapper=lambda t: TEXT if t in (pa.string(), pa.large_string()) else None)
    frame.columns = names
    frame.index = pd.RangeIndex(header, header + len(frame))
    return frame


def _rejected(rejected: engine.Rejected, name: str, delimiter: str, width: int) -> str:
    if rejected.kind in ("TOO MANY COLUMNS", "MISSING COLUMNS"):
        return (f"{name}, line {rejected.line}: {rejected.fields} field{'s' if rejected.fields != 1 else ''} where "
                f"the header has {width}. Check for a "
                f"{_describe(delimiter)} inside a value that is not quoted, or a missing value.")
    if rejected.kind == "UNQUOTED VALUE":
        return (f"{name}, line {rejected.line}: a quoted value is not closed properly — a quote (\") opened on "
                "that line is never closed, or text follows its closing quote. Fix that line and upload again.")
    return (f"{name}, line {rejected.line}: this line could not be read ({rejected.kind.lower()}). Fix that line "
            "and upload again.")


def _careful_csv(text: str, delimiter: str, name: str, skip: int = 0) -> pd.DataFrame:
    """Python's csv module: slower, but it knows the line of every problem. Each row is indexed by the file
    line it starts on, minus 2."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    starts: list[int] = []
    last = 0
    try:
        for _ in range(skip):
            next(reader)
        header = next(reader)
        last = reader.line_num
        for row in reader:
            if not row or not any(cell.strip() for cell in row):
                last = reader.line_num
                continue
            if len(row) > len(header) and not any(cell.strip() for cell in row[len(header):]):
                row = row[: len(header)]  # trailing empty fields, as some exports write: dropped
            if len(row) != len(header):
                raise TableError(
                    f"{name}, line {last + 1}: {len(row)} fields where the header has {len(header)}. Check "
                    f"for a {_describe(delimiter)} inside a value that is not quoted, or a missing value.")
            rows.append(row)
            starts.append(last + 1)
            last = reader.line_num
    except csv.Error as exc:
        raise TableError(f"{name}, line {last + 1}: {_csv_problem(exc)}. A quote (\") opened on that line is "
                         "probably never closed; fix that line and upload again.") from None
    return pd.DataFrame(rows, columns=header, dtype=object, index=[line - 2 for line in starts])


def _describe(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[delimiter]


def _csv_problem(exc: csv.Error) -> str:
    message = str(exc)
    if "unexpected end" in message or "EOF" in message:
        return "the file ends inside a quoted value"
    if "new-line character seen in unquoted field" in message:
        return "a line break inside a value that is not quoted (a lone carriage return)"
    return message


def _tidy(table: Table) -> None:
    """Unique column names, no control characters, no all-blank rows; notes say what changed."""
    frame = table.frame
    if frame.columns.size == 0 or all(not str(c).strip() for c in frame.columns):
        raise TableError(f"{table.name} has no header row.")
    seen: dict[str, int] = {}
    columns = []
    for i, column in enumerate(frame.columns):
        label = str(column).strip() or f"column {i + 1}"
        if label in seen:
            seen[label] += 1
            new = f"{label} ({seen[label]})"
            table.notes.append(f"Column “{label}” appears more than once; the copy is called “{new}”.")
            label = new
        else:
            seen[label] = 1
        columns.append(label)
    frame.columns = columns
    if any(dtype != TEXT for dtype in frame.dtypes):
        frame = frame.astype(TEXT).fillna("")  # pyarrow-backed text: string operations run in C++
    if table.has_controls:
        frame.columns = [CONTROLS.sub("", c) for c in frame.columns]
        cleaned = 0
        for column in frame.columns:
            values = frame[column].astype(str)
            has = values.str.contains(CONTROLS, regex=True)
            cleaned += int(has.sum())
            frame[column] = values.str.replace(CONTROLS, "", regex=True)
        table.notes.append(f"Removed control characters from {cleaned:,} cells.")
    table.frame = frame
    if len(frame):
        empty = np.logical_and.reduce([table.blank(c) for c in frame.columns])
        if empty.any():
            table.frame = frame = frame[~empty]
            table.__dict__.pop("_memo", None)
    if frame.empty:
        raise TableError(f"{table.name} has a header but no rows of data.")


# -- numbers and dates -------------------------------------------------------------------------------------------
_CURRENCY = re.compile(r"[\s\u00a0\u202f$€£¥%]|^\+")


@dataclass(frozen=True)
class Parsed:
    values: pd.Series  # float64 for numbers, datetime64 for dates; NaN/NaT where blank or bad
    bad: list[tuple[int, str]]  # (row index, text) that could not be parsed
    ambiguous: list[tuple[int, str]] = field(default_factory=list)
    note: str = ""
    # dates written both ways in one column (13/01/2024 and 01/13/2024): examples of each, day-first first
    mixed: tuple[list[tuple[int, str]], list[tuple[int, str]]] | None = None


def _cast(series: pd.Series, to) -> tuple[pd.Series, np.ndarray] | None:
    """(values, empty-cell mask) when Arrow casts every non-empty cell of the column as it stands (plain numbers,
    or valid ISO dates and times — Arrow refuses 2024-02-30); None when any cell needs the careful path."""
    array = arrow(series).fill_null("")
    empty = pc.equal(array, "")
    try:
        values = pc.cast(pc.if_else(empty, pa.scalar(None, array.type), array), to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return (pd.Series(values.to_numpy(zero_copy_only=False), index=series.index),
            empty.to_numpy(zero_copy_only=False))


def parse_numbers(series: pd.Series, mark: Literal["auto", "comma", "dot"] = "auto") -> Parsed:
    """Numbers with thousands separators and decimal commas, the decimal mark decided per column from evidence.

    Values that show their decimal mark (1,5 · 12,25 · 1.234,56 for a comma; 0.5 · 1,234.56 for a dot) decide
    it (`note` "decimal comma" or "decimal dot"). A column where both kinds appear is never guessed: the values
    showing the less common mark are left out and reported (all of both when they are as many). Values such as
    2.007 or 1,234 show nothing: they follow the column's evidence, else `mark` (the rest of the file's, see
    `quality.parse`), else they are read with the dot and listed in `ambiguous` to be reported. Plain numbers
    take a fast vectorised path; only the rest is cleaned.
    """
    fast = _cast(series, "float64") if series.dtype == TEXT else None
    if fast is not None:
        values, blank = fast
        dotted = pc.any(pc.match_substring(arrow(series).fill_null(""), ".")).as_py()
        if not dotted or mark == "dot" or (mark == "auto" and not _grouped(series).any()):
            bad = values.isna().to_numpy() & ~blank  # "nan" in a cell
            return Parsed(values, _examples(series, bad))
    text = series.astype(TEXT).fillna("").str.strip()
    blank = text.eq("")
    values = pd.to_numeric(text.where(~blank, None), errors="coerce").astype(float)
    rest = values.isna() & ~blank
    cleaned = text.str.replace(_CURRENCY, "", regex=True).str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    comma_mark = cleaned.str.contains(_DECIMAL_COMMA, regex=True) & ~blank
    dot_mark = cleaned.str.contains(_DECIMAL_DOT, regex=True) & ~blank
    disagree = pd.Series(False, index=text.index)
    ambiguous: list[tuple[int, str]] = []
    if comma_mark.any() and dot_mark.any():  # the values disagree: a finding, never a guess
        commas, dots = int(comma_mark.sum()), int(dot_mark.sum())
        comma = commas > dots
        if commas == dots:
            disagree = comma_mark | dot_mark
            note = "decimal marks disagree: as many values use the comma (1.234,56) as the dot (1,234.56)"
        else:
            disagree = dot_mark if comma else comma_mark
            note = (f"decimal marks disagree: most values use the {'comma' if comma else 'dot'} "
                    f"({'1.234,56' if comma else '1,234.56'}) but some the other")
    elif comma_mark.any() or dot_mark.any():
        comma = bool(comma_mark.any())
        note = "decimal comma" if comma else "decimal dot"
    else:  # nothing in the column shows its mark
        comma = mark == "comma"
        grouped = _grouped(cleaned) & ~blank.to_numpy()
        note = "decimal comma (as the file's other columns show)" if comma else ""
        if mark == "auto" and grouped.any():
            ambiguous = _examples(series, pd.Series(grouped, index=text.index))
    separated = cleaned.str.contains(r"[.,]", regex=True) & ~blank
    if comma:  # 1.234,56 and 2.500 (two thousand five hundred) alike
        normalised = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        normalised = cleaned.str.replace(",", "", regex=False)
    redo = (rest | separated) & ~disagree
    values[redo] = pd.to_numeric(normalised[redo], errors="coerce")
    values[disagree] = np.nan
    return Parsed(values, _examples(series, values.isna() & ~blank), ambiguous, note)


def _grouped(values: pd.Series) -> np.ndarray:
    """Values that could be read either way: 2.007, 1,234, 1.234.567 (groups of three after one to three)."""
    return pc.match_substring_regex(arrow(values).fill_null(""), r"^\s*-?[0-9]{1,3}(?:[.,][0-9]{3})+\s*$").to_numpy(
        zero_copy_only=False)


# A decimal mark shown by the value itself: a comma (or dot) followed by other than exactly three digits, or
# after thousands groups of the other mark. 2.500 or 1,234 alone could be either and decide nothing.
_DECIMAL_COMMA = r"^-?[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+$|^-?[0-9]*,(?:[0-9]{1,2}|[0-9]{4,})$"
_DECIMAL_DOT = r"^-?[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]+$|^-?[0-9]*\.(?:[0-9]{1,2}|[0-9]{4,})$"


_PERIOD = re.compile(r"^[0-9]{4}-[0-9]{1,2}$")
_SLASH = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_SERIAL = re.compile(r"^[0-9]{5}(?:\.[0-9]+)?$")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _examples(series: pd.Series, mask: pd.Series, limit: int = 1000) -> list[tuple[int, str]]:
    """(row index, original text) of the first `limit` rows where `mask` holds."""
    if not mask.any():
        return []
    picked = series[mask].head(limit)
    return [(int(i), str(v)) for i, v in zip(picked.index, picked.to_numpy(), strict=True)]


_YMD = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_MONTH_NAME = re.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b")


def _other_forms(text: pd.Series, rows: pd.Series, out: pd.Series) -> None:
    """Fill `out` for year-first dates with slashes or dots (2024/01/05) and dates with a month name and a
    four-digit year (05-Jan-2024, Jan 5, 2024): neither order is ambiguous."""
    left = text[rows]
    ymd = left.str.extract(_YMD)
    found = ymd[0].notna()
    if found.any():
        parts = ymd[found].astype(int)
        out[parts.index] = _plausible(pd.to_datetime(
            pd.DataFrame({"year": parts[0], "month": parts[1], "day": parts[2]}), errors="coerce"))
    named = left.str.contains(_MONTH_NAME) & left.str.contains(r"\b\d{4}\b", regex=True) & ~found
    if named.any():
        out[named[named].index] = _plausible(pd.to_datetime(left[named], errors="coerce", format="mixed"))
    _quarters_and_weeks(left[~found & ~named], out)


def _quarters_and_weeks(left: pd.Series, out: pd.Series) -> None:
    """Quarter labels ("2024 Q1", "Q1 2024", "2024-Q1": the quarter's first day) and ISO weeks ("2024-W05": its
    Monday, or the day given), filled into `out` (core/periods.py)."""
    if left.empty:
        return
    found, _ = periods.labelled_dates(left)
    found = found.dropna()
    if len(found):
        out[found.index] = _plausible(found)


MIN_YEAR, MAX_YEAR = 1800, 2200


def _plausible(found: pd.Series) -> pd.Series:
    """Dates with a plausible year (1800–2200) as datetime64[ns]; others NaT (then reported as not valid).
    This also keeps every value inside pandas' nanosecond range (1677–2262), so 9999-01-01 cannot overflow."""
    return found.where(found.dt.year.between(MIN_YEAR, MAX_YEAR)).astype("datetime64[ns]")


FAST_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


def _fast_dates(text: pd.Series, blank: pd.Series) -> pd.Series:
    """Arrow's strptime with the one ISO format a sample of the column uses; NaT where it does not fit."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    sample = text[~blank].head(200)
    if sample.empty:
        return out
    array = pa.array(text.where(~blank, None), type=pa.string(), from_pandas=True)
    for fmt in FAST_FORMATS:
        probe = pc.strptime(pa.array(sample, type=pa.string()), format=fmt, unit="s", error_is_null=True)
        if probe.null_count <= len(sample) // 10:
            parsed = pc.strptime(array, format=fmt, unit="s", error_is_null=True)
            # Arrow rolls impossible days over (2024-02-30 becomes 1 March): keep only dates whose day is the
            # day written in the text; the rest go to the careful path, which reports them.
            digits = pc.utf8_slice_codeunits(array, 8, 10)
            day = pc.cast(pc.if_else(pc.utf8_is_digit(digits), digits, "0"), pa.int64())
            parsed = pc.if_else(pc.equal(pc.day(parsed), day), parsed, pa.scalar(None, parsed.type))
            years = pc.year(parsed)
            parsed = pc.if_else(pc.and_(pc.greater_equal(years, MIN_YEAR), pc.less_equal(years, MAX_YEAR)), parsed,
                                pa.scalar(None, parsed.type))
            return pd.Series(parsed.to_numpy(zero_copy_only=False), index=text.index).astype("datetime64[ns]")
    return out


def parse_dates(series: pd.Series, *, order: Literal["auto", "day-first", "month-first"] = "auto") -> Parsed:
    """Dates in ISO form, YYYY-MM periods, d/m/y or m/d/y, and Excel serial numbers.

    For d/m/y versus m/d/y the column decides: a first part above 12 means day-first, a second part above
    12 means month-first. When nothing decides, values like 03/04/2022 are reported as ambiguous and left
    blank unless `order` says which it is. Impossible dates (2024-02-30) are reported as bad.
    """
    fast = None
    if series.dtype == TEXT:  # whole seconds parse a fifth faster; Arrow refuses fractions of a second in them
        fast = _cast(series, "timestamp[s]") or _cast(series, "timestamp[ns]")
    if fast is not None and (fast[0].isna().all() or MIN_YEAR <= fast[0].min().year <= fast[0].max().year <= MAX_YEAR):
        return Parsed(fast[0].astype("datetime64[ns]"), [])
    text = series.astype(TEXT).fillna("").str.strip()
    blank = text.eq("")
    out = _fast_dates(text, blank)
    rest = out.isna() & ~blank
    if rest.any():
        left = text[rest]
        # bare numbers (2024, 5993, 45123) and slashed dates are not ISO dates; plausible years only, which
        # also keeps every date inside pandas' nanosecond range (1677–2262)
        plain = left.where(~left.str.contains("/", regex=False) & ~left.str.fullmatch(r"\d{1,8}"), None)
        found = pd.to_datetime(plain, errors="coerce", format="ISO8601", utc=True).dt.tz_localize(None)
        out[rest] = _plausible(found)
    todo = out.isna() & ~blank
    serial = todo & text.str.match(_SERIAL)
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        plausible = days.between(20_000, 80_000)
        out[serial[serial].index[plausible]] = EXCEL_EPOCH + pd.to_timedelta(days[plausible], unit="D")
    candidates = todo & ~serial
    if candidates.any():
        _other_forms(text, candidates, out)
        candidates &= out.isna()
    slash = text[candidates].str.extract(_SLASH) if candidates.any() else pd.DataFrame({0: []}, dtype=object)
    is_slash = slash[0].notna()
    ambiguous: list[tuple[int, str]] = []
    note = ""
    if is_slash.any():
        first = slash.loc[is_slash, 0].astype(int)
        second = slash.loc[is_slash, 1].astype(int)
        year = slash.loc[is_slash, 2].astype(int)
        year = year.where(year >= 100, year + 2000)
        chosen = order
        mixed = None
        if chosen != "auto":
            note = f"{'day/month' if chosen == 'day-first' else 'month/day'}/year (as chosen for this file)"
        elif (first > 12).any() and (second > 12).any():
            # both orders in one column: no guess; every slashed date waits for the file's order to be chosen
            # (then the ones written the other way are listed as bad, with their lines)
            mixed = ([(int(i), str(series.at[i])) for i in first.index[first > 12]][:5],
                     [(int(i), str(series.at[i])) for i in first.index[second > 12]][:5])
            bad_mask = out.isna() & ~blank & ~candidates
            return Parsed(out, _examples(series, bad_mask), [(int(i), str(series.at[i])) for i in first.index],
                          "", mixed)
        else:
            if (first > 12).any() and not (second > 12).any():
                chosen, note = "day-first", "day/month/year (a day above 12 was found)"
            elif (second > 12).any() and not (first > 12).any():
                chosen, note = "month-first", "month/day/year (a day above 12 was found)"
        if chosen == "auto":
            decided = (first > 12) | (second > 12) | (first == second)
            day = first.where(first > 12, second.where(second > 12, first))
            month = second.where(first > 12, first.where(second > 12, second))
            ambiguous = [(int(i), str(series.at[i])) for i in first.index[~decided]]
            day, month, year = day[decided], month[decided], year[decided]
        elif chosen == "day-first":
            day, month = first, second
        else:
            day, month = second, first
        built = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
        out[built.index] = _plausible(built)
    bad_mask = out.isna() & ~blank & ~series.index.isin([i for i, _ in ambiguous])
    return Parsed(out, _examples(series, bad_mask), ambiguous, note)


# -- roles ---------------------------------------------------------------------------------------------------------
def _name_role(column: str) -> str | None:
    split = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", column)  # EmployeeNumber → Employee_Number
    c = re.sub(r"[^a-z0-9]+", "_", split.lower()).strip("_")
    words = set(c.split("_"))
    if words & {"manager", "supervisor", "vorgesetzter", "vorgesetzte", "fuehrungskraft", "chef", "responsable",
                "jefe", "manager_id"} or "reports_to" in c:
        return "manager_id"
    if c in ("id", "emp", "empid", "employee", "employee_id", "emp_id", "employee_number", "staff_id", "person_id",
             "user_id", "userid", "worker_id", "learner_id", "employeeid", "personnel_number") or \
            (("employee" in words or "staff" in words or "learner" in words or "person" in words)
             and ("id" in words or "number" in words or "no" in words)):
        return "employee_id"
    if words & SENSITIVE_WORDS or any(stem in c for stem in SENSITIVE_STEMS):
        return "sensitive"
    if words & NAME_WORDS or c.endswith("_name"):
        return "name" if c not in ("module_name", "course_name", "team_name", "site_name") else None
    if any(w in c for w in ID_WORDS):
        return "employee_id"
    if words & {"team", "department", "dept", "unit", "squad", "group", "abteilung", "equipe", "equipo",
                "departement", "departamento"}:
        return "team"
    if words & {"site", "location", "office", "region", "country", "city", "branch", "store", "standort",
                "sede", "lieu", "ort"}:
        return "site"
    if words & {"month", "period", "quarter", "week", "year_month", "yearmonth"}:
        return "period"
    if words & {"date", "time", "timestamp", "datetime", "day", "hired", "start", "end"} or c.endswith("_at"):
        return "date"
    return None


def guess_roles(table: Table) -> dict[str, str]:
    """A role for every column, from its name and its values; the user confirms or changes them."""
    frame = table.frame
    sample = frame.iloc[:: max(len(frame) // 2_000, 1)]  # an even spread of rows: deterministic, cheap on a million
    roles: dict[str, str] = {}
    for column in frame.columns:
        values = sample[column]
        filled = values[values.str.strip() != ""]
        role = _name_role(column)
        # a date has a digit and a separator (or is an Excel serial); a number has a digit. ([0-9] and [ \t]
        # rather than \d and \s keep these in Arrow's regex engine: pandas runs \s through Python's re)
        digits = filled.str.contains(r"[0-9]", regex=True)
        shaped = (digits & (filled.str.contains(r"[-/. \t]", regex=True) | filled.str.match(_SERIAL))).mean() >= 0.5
        if role in ("date", "period", None) and len(filled) and (shaped or role is not None):
            dates = parse_dates(filled)
            dated = dates.values.notna().mean() + len(dates.ambiguous) / len(filled)
            if dated >= 0.9 and not filled.str.match(r"^-?[0-9]+(\.[0-9]+)?$").all():
                labelled = (filled.str.match(_PERIOD) | filled.str.match(periods.QUARTER)
                            | filled.str.match(periods.ISO_WEEK))
                role = "period" if labelled.mean() > 0.9 else (role or "date")
            elif role in ("date", "period") and dated < 0.5:
                role = None  # named like a date, but its values are not dates: let the values decide
        if role is None and len(filled):
            starts = filled.str.match(r"^[ \t]*[-+(.$€£¥0-9]").mean()  # a number starts with one of these
            numbers = parse_numbers(filled)
            disagreeing = len(numbers.bad) if numbers.note.startswith("decimal marks disagree") else 0
            if digits.mean() >= 0.9 and starts >= 0.9 and numbers.values.notna().mean() + disagreeing / len(
                    filled) >= 0.9:  # numbers whose marks disagree are still numbers (and reported as such)
                role = "measure"
            elif _looks_like_names(filled):
                role = "name"  # whatever the header says: people's names are never shown
            elif filled.nunique() <= max(20, 0.05 * len(filled)):
                role = "category"
            else:
                role = "text"
        if role in ("category", "text", "name", "team", "site") and _looks_sensitive(filled):
            role = "sensitive"  # gender or ethnicity under any header ("grp", "origin"): never shown row by row
        roles[column] = role or "ignore"
    ids = next((c for c in frame.columns if roles[c] == "employee_id"), None)
    if ids is not None:  # a column of other people's ids (a manager's, under any header) is never shown as is
        known = set(sample[ids].str.strip().str.upper())
        # plain numbers as ids (1, 2, … 1200) would make every score or count look like one: only codes then
        coded = not sample[ids].str.strip().str.fullmatch(r"[1-9][0-9]*").all()
        for column in [c for c in frame.columns if roles[c] in ("category", "text") + (("measure",) if coded else ())]:
            filled = sample[column][sample[column].str.strip() != ""]
            if len(filled) >= 2 and filled.str.strip().str.upper().isin(known).mean() >= 0.8:
                roles[column] = "manager_id"
    if "employee_id" not in roles.values():
        named = [c for c in frame.columns if roles[c] in ("text", "measure", "category")
                 and re.search(r"\bid\b|_id$|^id", c.lower())]
        coded = [c for c in frame.columns if roles[c] in ("text", "measure", "category")
                 and _looks_like_ids(sample[c])]
        for column in (named + coded)[:1]:
            roles[column] = "employee_id"
    return roles


_PERSON_NAME = r"^[ \t]*[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’.-]+([ \t]+[A-ZÀ-ÖØ-Þa-z][A-Za-zÀ-ÖØ-öø-ÿ'’.-]+){0,3}[ \t]*$"


def _looks_like_names(values: pd.Series) -> bool:
    """Capitalised words, one value in five rows or more: people's names (sites or job families repeat far more;
    and a column of names repeats little). Used whatever the header says, so a "Person" column is caught."""
    if len(values) < 5:
        return False
    shaped = values.str.match(_PERSON_NAME).mean() >= 0.8
    return bool(shaped and values.nunique() >= 0.2 * len(values))


# Words that answer "gender?" or "ethnicity?" in HR exports (English, German, French, Spanish). A column whose
# values are nearly all of one list, with at least one word only such a column would hold, is sensitive.
GENDER_WORDS = {"female", "male", "woman", "man", "women", "men", "f", "m", "weiblich", "männlich", "maennlich",
                "femme", "homme", "mujer", "hombre", "femenino", "masculino", "féminin", "masculin", "non-binary",
                "nonbinary", "non binary", "divers", "diverse", "genderqueer", "agender", "she/her", "he/him",
                "they/them", "she/they", "he/they", "trans woman", "trans man", "transgender", "trans", "cis woman",
                "cis man", "cisgender", "gender fluid", "genderfluid", "two-spirit", "intersex", "woman (trans)",
                "man (trans)"}
ETHNICITY_WORDS = {"white", "black", "asian", "hispanic", "latino", "latina", "latinx", "mixed", "caucasian",
                   "black or african american", "african american", "american indian or alaska native",
                   "native hawaiian or other pacific islander", "two or more races", "hispanic or latino",
                   "not hispanic or latino", "white british", "white other", "white irish", "asian british",
                   "black british", "mixed race", "multiracial", "indigenous", "aboriginal", "pacific islander",
                   "middle eastern", "arab", "caribbean", "african", "indian", "pakistani", "bangladeshi", "chinese"}
UNSAID = {"other", "unknown", "prefer not to say", "not disclosed", "undisclosed", "declined", "n/a", "x", ""}


def protected(table: Table, column: str) -> bool:
    """Whether a column looks like a protected attribute — by its header (in the languages the stems know) or by
    its values (gender or ethnicity words under any header). Such a column stays sensitive whatever role it is
    given, until the plan's owner declares otherwise (`effective_roles`)."""
    if _name_role(column) == "sensitive":
        return True
    values = table.frame[column].iloc[:: max(len(table.frame) // 2_000, 1)].astype("string").fillna("")
    return _looks_sensitive(values[values.str.strip() != ""])


def effective_roles(table: Table, roles: dict[str, str], declared: list[str]) -> dict[str, str]:
    """The confirmed roles, except that a column that looks protected (`protected`) is "sensitive" — never shown
    per row, never a group or a stratum — unless it is ignored or declared not sensitive (listed in `declared`,
    which the Data page records in the plan, and so in its history)."""
    return {c: "sensitive" if r not in ("sensitive", "ignore") and c not in declared and c in table.frame.columns
            and protected(table, c) else r for c, r in roles.items()}


def _looks_sensitive(values: pd.Series) -> bool:
    """Nine values in ten are gender or ethnicity words (or "prefer not to say"), and at least two distinct words
    only such a column holds appear: Female/Male, White/Asian. Used whatever the header says."""
    words = values.str.strip().str.lower()
    if len(words) < 5:
        return False
    for vocabulary in (GENDER_WORDS, ETHNICITY_WORDS):
        if words.isin(vocabulary | UNSAID).mean() >= 0.9 and words[words.isin(vocabulary)].nunique() >= 2:
            return True
    return False


def _looks_like_ids(values: pd.Series) -> bool:
    """Unique, short codes without decimals or spaces, that look like codes rather than counts: letters in
    every value (E-1042, AB12), leading zeros (00017), or numbers of four digits or more (10234)."""
    filled = values[values.str.strip() != ""]
    if len(filled) < 2 or filled.nunique() < 0.95 * len(filled):
        return False
    if filled.str.contains(r"[., \t]", regex=True).any() or filled.str.len().max() > 20:
        return False
    lettered = filled.str.contains(r"[A-Za-z]", regex=True).all()
    zero_padded = filled.str.match(r"^0[0-9]").any()
    long_numbers = filled.str.fullmatch(r"[0-9]{4,}").all()
    return bool(lettered or zero_padded or long_numbers)


def normalise_ids(series: pd.Series) -> pd.Series:
    """Ids as join keys: trimmed, upper-case, leading zeros kept (`" e00042 "` → `"E00042"`)."""
    if series.dtype != TEXT:
        return series.astype(str).str.strip().str.upper()
    array = pc.utf8_upper(pc.utf8_trim_whitespace(arrow(series).fill_null("")))
    return pd.Series(pd.arrays.ArrowStringArray(array, dtype=TEXT), index=series.index)


__all__ = ["ROLES", "Parsed", "Table", "TableError", "decode", "guess_roles", "normalise_ids", "parse_dates",
           "parse_numbers", "read_table", "sniff_delimiter"]

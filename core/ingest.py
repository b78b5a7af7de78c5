"""Reading uploaded tables (CSV or XLSX) into text columns, with plain-language errors.

Ids stay text (``00123`` stays ``00123``): every column is read as text and converted where a step
needs numbers. CSV: UTF-8 (with or without BOM), then cp1252; delimiter sniffed among comma, semicolon
and tab; rows with the wrong number of fields are reported with their line, never dropped silently.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd

MAX_BYTES = 50 * 1024 * 1024


class TableError(ValueError):
    """An upload that cannot be read; the message names the file and says what to do."""


def read_table(data: bytes, name: str) -> pd.DataFrame:
    if not data:
        raise TableError(f"{name} is empty. Export the file again and upload it.")
    if len(data) > MAX_BYTES:
        raise TableError(f"{name} is {len(data) / 1e6:.0f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB.")
    lower = name.lower()
    if lower.endswith(".xls"):
        raise TableError(f"{name} is a legacy .xls workbook: save it as .xlsx or .csv and upload that.")
    if lower.endswith((".xlsx", ".xlsm")):
        frame = _read_xlsx(data, name)
    else:
        frame = _read_csv(data, name)
    if frame.empty:
        raise TableError(f"{name} has a header but no rows of data.")
    return frame


def _read_xlsx(data: bytes, name: str) -> pd.DataFrame:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TableError(f"{name} is not a real .xlsx workbook (perhaps a CSV renamed, or password-protected). "
                         "Open it in Excel and save it as .xlsx or .csv.")
    try:
        return pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl").fillna("")
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes a message about the file
        raise TableError(f"{name} could not be read as a workbook ({type(exc).__name__}). "
                         "Save it again as .xlsx or .csv.") from None


def _read_csv(data: bytes, name: str) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise TableError(f"{name} is not UTF-8 or Windows text; save it as CSV UTF-8.")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise TableError(f"{name} has no header row.")
    sample = "\n".join(lines[:50])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = rows[0]
    for line_number, row in enumerate(rows[1:], start=2):
        if row and len(row) != len(header):
            raise TableError(f"{name}, line {line_number}: {len(row)} fields where the header has {len(header)}. "
                             "Check for an unquoted delimiter or a missing value on that line.")
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    return pd.DataFrame(body, columns=[h.strip() for h in header], dtype=str)

"""Reading uploads: encodings, delimiters, numbers, dates, ids, and every bad input the Data issue lists."""

import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from core import ingest

ROWS = [["employee_id", "name", "amount", "hired"], ["00123", "Zoë Müller", "1,5", "2024-01-31"],
        ["00456", "José Núñez", "2,25", "2023-12-01"]]


def csv_text(rows, delimiter=","):
    return "\n".join(delimiter.join(r) for r in rows) + "\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encodings_and_delimiters_round_trip(encoding, delimiter):
    rows = [[c.replace(",", ".") if delimiter == "," else c for c in r] for r in ROWS]
    table = ingest.read_table(csv_text(rows, delimiter).encode(encoding), "people.csv")
    assert list(table.frame.columns) == ROWS[0]
    assert table.frame["employee_id"].tolist() == ["00123", "00456"]
    assert table.frame["name"].tolist() == ["Zoë Müller", "José Núñez"]


def test_bom_does_not_stick_to_the_first_column():
    table = ingest.read_table(b"\xef\xbb\xbfemployee_id,x\n1,2\n", "a.csv")
    assert table.frame.columns[0] == "employee_id"


def test_decimal_commas_and_thousands_separators():
    european = ingest.parse_numbers(pd.Series(["1.234,56", "12,5", "-3,0", "(7,5)", "€ 10,00"]))
    assert european.values.tolist() == [1234.56, 12.5, -3.0, -7.5, 10.0] and european.note == "decimal comma"
    english = ingest.parse_numbers(pd.Series(["1,234.56", "12.5", "1,000", "$2,500", "15%"]))
    assert english.values.tolist() == [1234.56, 12.5, 1000.0, 2500.0, 15.0]


def test_bad_numbers_are_reported_with_their_text():
    parsed = ingest.parse_numbers(pd.Series(["1", "n/a", "", "3x"]))
    assert parsed.bad == [(1, "n/a"), (3, "3x")]
    assert pd.isna(parsed.values[2])


def test_dates_iso_periods_serials_and_slashes():
    parsed = ingest.parse_dates(pd.Series(["2024-01-31", "2024-02", "45292", "31/12/2023", "2024-01-05 07:30"]))
    expected = ["2024-01-31", "2024-02-01", "2024-01-01", "2023-12-31", "2024-01-05 07:30"]
    assert parsed.values.tolist() == [pd.Timestamp(e) for e in expected]
    assert parsed.bad == [] and parsed.ambiguous == []


def test_ambiguous_dates_are_reported_not_guessed():
    parsed = ingest.parse_dates(pd.Series(["03/04/2022", "05/06/2022"]))
    assert parsed.ambiguous == [(0, "03/04/2022"), (1, "05/06/2022")]
    assert parsed.values.isna().all()
    chosen = ingest.parse_dates(pd.Series(["03/04/2022"]), order="day-first")
    assert chosen.values[0] == pd.Timestamp("2022-04-03")
    assert ingest.parse_dates(pd.Series(["03/04/2022"]), order="month-first").values[0] == pd.Timestamp("2022-03-04")


def test_month_first_is_detected_from_the_column():
    parsed = ingest.parse_dates(pd.Series(["12/31/2023", "03/04/2022"]))
    assert parsed.values.tolist() == [pd.Timestamp("2023-12-31"), pd.Timestamp("2022-03-04")]


def test_impossible_dates_are_bad():
    parsed = ingest.parse_dates(pd.Series(["2024-02-30", "2024-02-29", "31/02/2023"]))
    assert [t for _, t in parsed.bad] == ["2024-02-30", "31/02/2023"]


def test_role_guesses():
    table = ingest.read_table(
        b"Employee ID,Full name,Team,Office,Gender,Salary,Hire date,Month,Score,Grade\n"
        b"007,A B,T1,Leeds,F,50000,2020-01-01,2024-01,70,A\n008,C D,T2,York,M,60000,2021-05-04,2024-02,80,B\n",
        "hris.csv")
    assert ingest.guess_roles(table) == {
        "Employee ID": "employee_id", "Full name": "name", "Team": "team", "Office": "site", "Gender": "sensitive",
        "Salary": "sensitive", "Hire date": "date", "Month": "period", "Score": "measure", "Grade": "category"}


def test_ids_are_normalised_for_joining():
    assert ingest.normalise_ids(pd.Series([" e00042 ", "00123", "Ab-1"])).tolist() == ["E00042", "00123", "AB-1"]


# -- bad inputs -------------------------------------------------------------------------------------------------
def expect(data: bytes, name: str, *fragments: str):
    with pytest.raises(ingest.TableError) as info:
        ingest.read_table(data, name)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_empty_file():
    expect(b"", "empty.csv", "empty.csv is empty")


def test_header_only():
    expect(b"employee_id,score\n", "head.csv", "head.csv has a header but no rows")


def test_blank_lines_only():
    expect(b"\n\n  \n", "blank.csv", "no header row")


def test_csv_renamed_xlsx():
    expect(b"employee_id,score\n1,2\n", "renamed.xlsx", "not a real .xlsx", "renamed.xlsx")


def test_encrypted_or_legacy_workbook():
    expect(ingest.OLE_MAGIC + b"\x00" * 600, "secret.xlsx", "password-protected")
    expect(b"anything", "old.xls", "legacy .xls")


def xlsx_bytes(**extra: bytes) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["employee_id", "score"])
    wb.active.append(["001", 5])
    buffer = io.BytesIO()
    wb.save(buffer)
    if not extra:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            z.writestr(item, extra.pop(item.filename, source.read(item.filename)))
        for name, data in extra.items():
            z.writestr(name, data)
    return out.getvalue()


def test_a_real_xlsx_keeps_ids_as_text():
    table = ingest.read_table(xlsx_bytes(), "ok.xlsx")
    assert table.frame["employee_id"].tolist() == ["001"]


def test_macro_enabled_workbook():
    expect(xlsx_bytes(**{"xl/vbaProject.bin": b"macro"}), "macros.xlsm", "contains macros")


def test_zip_bomb_is_refused_before_parsing():
    expect(xlsx_bytes(**{"xl/media/padding.bin": b"\x00" * 20_000_000}), "bomb.xlsx", "zip bomb")


def test_billion_laughs_is_not_expanded():
    entities = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    sheet = (f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol0 "lol">{entities}]>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>employee_id</t></is></c></row>'
             '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    data = xlsx_bytes(**{"xl/worksheets/sheet1.xml": sheet.encode()})
    expect(data, "laughs.xlsx", "could not be read as a workbook")


def test_ragged_rows_report_the_line():
    expect(b"employee_id,score\n1,2\n3,4,5\n", "ragged.csv", "ragged.csv, line 3", "3 fields", "header has 2")


def test_unbalanced_quote_reports_the_line():
    expect(b'employee_id,note\n1,"fine"\n2,"never closed\n3,x\n', "quotes.csv", "quotes.csv, line", "quote")


def test_file_over_the_size_cap():
    expect(b"x" * (ingest.MAX_BYTES + 1), "huge.csv", "files up to 100 MB", "huge.csv is 100.0 MB")


def test_formula_like_cells_stay_text():
    table = ingest.read_table(b"employee_id,note\n1,=HYPERLINK(\"x\")\n2,+cmd\n3,@SUM(A1)\n4,-x\n", "f.csv")
    assert table.frame["note"].tolist() == ['=HYPERLINK("x")', "+cmd", "@SUM(A1)", "-x"]


def test_control_characters_are_removed_and_noted():
    table = ingest.read_table(b"employee_id,note\n1,a\x07b\x00c\n", "ctl.csv")
    assert table.frame["note"].tolist() == ["abc"]
    assert any("control characters" in n for n in table.notes)


def test_long_cells_are_kept():
    table = ingest.read_table(b"employee_id,note\n1," + b"y" * 40_000 + b"\n", "long.csv")
    assert len(table.frame["note"][0]) == 40_000


def test_duplicate_column_names_are_renamed_and_noted():
    table = ingest.read_table(b"employee_id,score,score\n1,2,3\n", "dup.csv")
    assert list(table.frame.columns) == ["employee_id", "score", "score (2)"]
    assert any("appears more than once" in n for n in table.notes)


def test_one_column_file():
    table = ingest.read_table(b"employee_id\n001\n002\n", "ids.csv")
    assert table.frame["employee_id"].tolist() == ["001", "002"]


def test_impossible_dates_are_bad_in_a_long_column_too():
    values = [f"2024-01-{d:02d}" for d in range(1, 29)] * 10 + ["2024-02-30", "2023-02-29 10:00", "2024-02-29"]
    parsed = ingest.parse_dates(pd.Series(values))
    assert [t for _, t in parsed.bad] == ["2024-02-30", "2023-02-29 10:00"]
    assert parsed.values.iloc[-1] == pd.Timestamp("2024-02-29")


@pytest.mark.parametrize("values", [
    ["2024-03-01 09:15:07", "2024-03-01 23:59:59", "", "1999-12-31"],  # whole seconds
    ["2024-03-01 09:15:07.25", "2024-03-01T23:59:59.000001", "2024-03-02"],  # fractions of a second
])
def test_iso_timestamps_match_pandas(values):
    """The fast path (Arrow's cast) against pandas' own ISO 8601 parser, to the nanosecond."""
    parsed = ingest.parse_dates(pd.Series(values, dtype=ingest.TEXT))
    expected = pd.to_datetime(pd.Series(values).replace("", None), format="ISO8601")
    assert parsed.values.dtype == "datetime64[ns]" and parsed.bad == []
    assert parsed.values.tolist() == expected.astype("datetime64[ns]").tolist()


def test_year_first_slashes_and_month_names_are_unambiguous():
    values = ["2024/01/05", "05-Jan-2024", "Jan 5, 2024", "5 January 2024", "2024.01.05", "May", "2024/02/30"]
    parsed = ingest.parse_dates(pd.Series(values))
    assert parsed.values.tolist()[:5] == [pd.Timestamp("2024-01-05")] * 5
    assert [t for _, t in parsed.bad] == ["May", "2024/02/30"] and parsed.ambiguous == []


def test_us_export_with_times():
    parsed = ingest.parse_dates(pd.Series(["1/5/2024 7:30", "12/31/2024 18:05"]))
    assert parsed.values.tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-12-31")]


def test_trailing_empty_fields_are_dropped_but_extra_values_are_not():
    table = ingest.read_table(b"id,a\r\n1,2,\r\n3,4,\r\n", "trailing.csv")
    assert table.frame.values.tolist() == [["1", "2"], ["3", "4"]]
    with pytest.raises(ingest.TableError, match="line 3"):
        ingest.read_table(b"id,a\n1,2,\n3,4,5\n", "extra.csv")


def test_line_numbers_survive_blank_lines_and_multi_line_values():
    text = b'employee_id,note\n1,ok\n\n2,"two\nlines"\n3,2024-02-30\n'
    table = ingest.read_table(text, "gaps.csv")
    assert [table.line(i) for i in table.frame.index] == [2, 4, 6]
    assert table.frame["note"].tolist() == ["ok", "two\nlines", "2024-02-30"]


def test_title_lines_above_the_header_are_skipped():
    text = b"Headcount report\nExported 2024-01-31\n\nemployee_id,score\n001,5\n002,6\n"
    table = ingest.read_table(text, "report.csv")
    assert list(table.frame.columns) == ["employee_id", "score"]
    assert [table.line(i) for i in table.frame.index] == [5, 6]
    assert any("above the header" in n for n in table.notes)


def test_xlsx_title_rows_and_line_numbers():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Headcount report"])
    ws.append([])
    ws.append(["employee_id", "score"])
    ws.append(["001", 5])
    ws.append(["002", 6])
    buffer = io.BytesIO()
    wb.save(buffer)
    table = ingest.read_table(buffer.getvalue(), "report.xlsx")
    assert list(table.frame.columns) == ["employee_id", "score"]
    assert table.frame["employee_id"].tolist() == ["001", "002"]
    assert [table.line(i) for i in table.frame.index] == [4, 5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(b"Code,Score\nAB12,3\nCD34,4\nEF56,5\n", "Code"), (b"Nr,Score\n10234,3\n10235,4\n10236,5\n", "Nr"),
     ("Personalnummer;Gehalt\n00017;52.300,00\n00018;48.100,50\n".encode("cp1252"), "Personalnummer")],
)
def test_id_columns_are_found_by_name_or_by_their_codes(text, expected):
    roles = ingest.guess_roles(ingest.read_table(text, "ids.csv"))
    assert [c for c, r in roles.items() if r == "employee_id"] == [expected]


def test_small_counts_are_not_mistaken_for_ids():
    roles = ingest.guess_roles(ingest.read_table(b"Score,Amount\n3,10.5\n4,11.5\n", "s.csv"))
    assert "employee_id" not in roles.values()


def test_hr_dataset_headers_in_camel_case():
    header = b"Age,Attrition,Department,EmployeeNumber,Gender,MonthlyIncome,average_score,YearsAtCompany\n"
    rows = b"41,Yes,Sales,1,Female,5993,3.2,6\n49,No,R&D,2,Male,5130,3.9,10\n37,Yes,R&D,4,Male,2090,2.8,0\n"
    roles = ingest.guess_roles(ingest.read_table(header + rows, "hr.csv"))
    assert roles == {"Age": "sensitive", "Attrition": "category", "Department": "team",
                     "EmployeeNumber": "employee_id", "Gender": "sensitive", "MonthlyIncome": "sensitive",
                     "average_score": "measure", "YearsAtCompany": "measure"}


@pytest.mark.parametrize("value", ["5993", "9999-01-01", "Jan 5, 9999", "31/12/9999", "9999/01/01", "1066-10-14"])
def test_implausible_years_are_bad_dates_not_crashes(value):
    long = pd.Series([f"2024-01-{d:02d}" for d in range(1, 29)] * 10 + [value])
    for series in (pd.Series([value, "2024-01-05"]), long):
        parsed = ingest.parse_dates(series)
        assert (series.index[-1] if series is long else 0, value) in parsed.bad


def test_a_non_utf8_byte_after_the_first_64kb_falls_back_to_cp1252():
    """The fast reader sees only valid UTF-8; a cp1252 'é' far down the file sends it to the careful path."""
    rows = "".join(f"E{i:05d},Leeds\n" for i in range(8_000))
    data = ("employee_id,site\n" + rows).encode() + "E99999,Besançon\n".encode("cp1252")
    table = ingest.read_table(data, "late.csv")
    assert table.encoding == "cp1252"
    assert table.frame["site"].iloc[-1] == "Besançon" and len(table.frame) == 8_001


def test_windows_line_endings_on_the_fast_path():
    table = ingest.read_table(b"employee_id,note\r\n1,a\r\n\r\n2,b\r\n", "crlf.csv")
    assert table.frame["note"].tolist() == ["a", "b"]
    assert [table.line(i) for i in table.frame.index] == [2, 4]


def test_names_sensitive_attributes_and_manager_ids_are_found_under_other_languages_headers():
    """A German export: the roles that keep people private must not depend on English headers."""
    from pathlib import Path

    import pandas as pd

    hris = pd.read_csv(Path(__file__).resolve().parents[1] / "sample_data" / "hris.csv", dtype=str)
    hris[["Vorname", "Nachname"]] = hris["name"].str.split(" ", n=1, expand=True)
    german = hris.drop(columns="name").rename(columns={
        "employee_id": "Personalnummer", "team": "Team", "site": "Standort", "manager_id": "Chef",
        "salary": "Grundgehalt", "gender": "Geschlecht", "ethnicity": "Ethnie"})
    german["Person"] = hris["name"]
    roles = ingest.guess_roles(ingest.read_table(german.to_csv(index=False).encode(), "hris-de.csv"))
    assert roles["Personalnummer"] == "employee_id"
    assert roles["Vorname"] == roles["Nachname"] == roles["Person"] == "name"
    assert roles["Grundgehalt"] == roles["Geschlecht"] == roles["Ethnie"] == "sensitive"
    assert roles["Chef"] == "manager_id"
    boss = german.rename(columns={"Chef": "Boss"})  # a manager column under any header: its values are ids
    assert ingest.guess_roles(ingest.read_table(boss.to_csv(index=False).encode(), "b.csv"))["Boss"] == "manager_id"


def test_a_workbook_with_a_csv_name_is_read_as_a_workbook_and_says_so():
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["employee_id", "score"])
    book.active.append(["E1", 5])
    buffer = io.BytesIO()
    book.save(buffer)
    table = ingest.read_table(buffer.getvalue(), "scores.csv")
    assert list(table.frame.columns) == ["employee_id", "score"] and len(table.frame) == 1
    assert any("Excel workbook with a .csv name" in note for note in table.notes)


def test_a_stray_quote_that_swallows_rows_is_a_finding():
    from core import quality

    data = b'employee_id,name,score\nE1,"Smith, John,1\nE2,Ann,2\nE3,Bo",3\nE4,Cy,4\n'
    table = ingest.read_table(data, "scores.csv")
    report = quality.file_report(table, {"employee_id": "employee_id", "name": "name", "score": "measure"},
                                 kind="assessments")
    finding = next(f for f in report.findings if "stray quote" in f.message)
    assert finding.lines[0] == 2


def test_the_date_order_chosen_from_the_values_is_said():
    from core import quality

    data = b"employee_id,hired\nE1,25/03/2024\nE2,04/05/2024\n"
    table = ingest.read_table(data, "hris.csv")
    parsed, findings = quality.parse(table, {"employee_id": "employee_id", "hired": "date"})
    assert str(parsed.dates["hired"].iloc[1].date()) == "2024-05-04"
    assert any(f.severity == "fine" and "day/month/year" in f.message for f in findings)


def test_duckdb_and_pythons_csv_module_agree_on_a_messy_file():
    """DuckDB's reader against Python's csv module, the independent reference (quotes, delimiters inside values,
    spaces, formulas, accents, tabs); and with a blank line, the line numbers after it still match."""
    rng = np.random.default_rng(3)
    pool = ["", " ", "a,b", 'say "hi"', "=1+1", "Zoë", "  padded ", "x\ty", "-", "00123", "1;2"]
    rows = [[str(rng.choice(pool)) for _ in range(4)] for _ in range(3_000)]
    frame = pd.DataFrame(rows, columns=["employee_id", "a", "b", "c"])
    frame["employee_id"] = [f"E{i:05d}" for i in range(len(frame))]
    data = frame.to_csv(index=False).encode()
    fast = ingest.read_table(data, "messy.csv")
    assert fast.line_per_row  # read by DuckDB, not the careful path
    careful = ingest._careful_csv(data.decode(), ",", "messy.csv").astype(ingest.TEXT)
    pd.testing.assert_frame_equal(fast.frame, careful, check_index_type=False)
    gapped = data.replace(b"\nE00100,", b"\n\nE00100,")  # a blank line: every later line number moves by one
    table = ingest.read_table(gapped, "messy.csv")
    assert table.frame.index[100] == 101 and table.line(table.frame.index[100]) == 103
    pd.testing.assert_frame_equal(table.frame.reset_index(drop=True), careful.reset_index(drop=True))


def test_a_rejected_line_is_reported_by_its_line_in_a_large_file():
    body = "".join(f"E{i:06d},login,{i % 90}\n" for i in range(200_000))
    data = ("employee_id,event,minutes\n" + body + "E9,login,3,extra\n" + body).encode()
    with pytest.raises(ingest.TableError, match=r"line 200,?002: 4 fields where the header has 3"):
        ingest.read_table(data, "events.csv")
    quoted = ("employee_id,event\n" + "E1,ok\n" * 5 + 'E2,"never closed\n' + "E3,ok\n" * 5).encode()
    with pytest.raises(ingest.TableError, match=r"line 7: .*quote"):
        ingest.read_table(quoted, "quote.csv")


def test_gender_and_ethnicity_are_sensitive_whatever_the_header_says():
    rows = [("E1", "Female", "White", "Sales"), ("E2", "Male", "Asian", "Sales"), ("E3", "Prefer not to say",
            "Mixed", "Ops"), ("E4", "Female", "Black", "Ops"), ("E5", "Male", "White", "Sales"),
            ("E6", "Male", "White", "HR")]
    text = "employee_id,grp,origin,unit_kind\n" + "".join(",".join(r) + "\n" for r in rows)
    roles = ingest.guess_roles(ingest.read_table(text.encode(), "hris.csv"))
    assert roles["grp"] == "sensitive" and roles["origin"] == "sensitive"
    assert roles["unit_kind"] != "sensitive"  # Sales / Ops / HR is not


def test_bytes_that_are_not_text_are_said_plainly():
    data = bytes(np.random.default_rng(5).integers(0, 256, 3_000, dtype=np.uint8))
    for upload in (data, b"employee_id,a\n" + data):
        with pytest.raises(ingest.TableError, match="does not look like a CSV"):
            ingest.read_table(upload, "r.csv")


def test_scores_are_not_taken_for_manager_ids_when_ids_are_plain_numbers():
    text = "employee_id,score,boss\n" + "".join(f"{i},{i % 90 + 5},{(i % 7) + 1}\n"
                                                 for i in range(1, 201))
    roles = ingest.guess_roles(ingest.read_table(text.encode(), "a.csv"))
    assert roles["score"] == "measure"
    coded = "employee_id,manager\n" + "".join(f"E{i:04d},E{(i % 7) + 1:04d}\n" for i in range(1, 201))
    assert ingest.guess_roles(ingest.read_table(coded.encode(), "b.csv"))["manager"] == "manager_id"


def test_quarters_and_iso_weeks_are_periods_as_people_write_them():
    parsed = ingest.parse_dates(pd.Series(["2024 Q1", "Q4 2010", "2024-Q3", "2024q2", "2024-W05", "2024W05-3",
                                           "2020-W53", "2024-W54", "2024-Q5"]))
    assert parsed.values.tolist()[:7] == [pd.Timestamp(d) for d in (
        "2024-01-01", "2010-10-01", "2024-07-01", "2024-04-01",
        "2024-01-29", "2024-01-31", "2020-12-28")]  # ISO 8601: week 5 of 2024 starts on Monday 29 January
    assert [text for _, text in parsed.bad] == ["2024-W54", "2024-Q5"]
    for header, rows in (("wk", "2024-W01\n2024-W02\n2024-W03"), ("when", "2024 Q1\nQ2 2024\n2024-Q3")):
        body = "employee_id," + header + ",kpi\n" + "".join(f"E{i},{v},{i}\n" for i, v in enumerate(rows.split("\n")))
        table = ingest.read_table(body.encode(), "kpis.csv")
        assert ingest.guess_roles(table)[header] == "period"


def test_a_protected_attribute_stays_sensitive_whatever_role_it_is_given_until_declared():
    """One click once relabelled gender as a Category, after which it showed per pseudonym and was offered as
    strata; free-text gender under "identity", pay as "remuneration" and age as "Alter" were shown per row."""
    rows = [("E1", "Female", "she/her", "51,000", "34", "A"), ("E2", "Male", "he/him", "48,500", "41", "B"),
            ("E3", "Female", "trans woman", "50,250", "29", "A"), ("E4", "Male", "they/them", "61,000", "52", "B"),
            ("E5", "Female", "she/her", "47,800", "38", "A"), ("E6", "Male", "he/him", "52,300", "45", "B")]
    text = "employee_id,grp,identity,remuneration,Alter,team\n" + "".join(",".join(f'"{v}"' for v in r) + "\n"
                                                                       for r in rows)
    table = ingest.read_table(text.encode(), "hris.csv")
    relabelled = {"employee_id": "employee_id", "grp": "category", "identity": "text", "remuneration": "measure",
                  "Alter": "measure", "team": "team"}
    effective = ingest.effective_roles(table, relabelled, declared=[])
    assert {c for c, r in effective.items() if r == "sensitive"} == {"grp", "identity", "remuneration", "Alter"}
    assert effective["team"] == "team"
    declared = ingest.effective_roles(table, relabelled, declared=["grp"])
    assert declared["grp"] == "category" and declared["identity"] == "sensitive"
    assert ingest.effective_roles(table, {**relabelled, "grp": "ignore"}, declared=[])["grp"] == "ignore"


def test_pronouns_and_gender_identity_terms_under_a_neutral_header_are_sensitive():
    values = ["she/her", "they/them", "trans woman", "non-binary", "he/him", "she/her", "prefer not to say"]
    text = "employee_id,about\n" + "".join(f"E{i},{v}\n" for i, v in enumerate(values))
    assert ingest.guess_roles(ingest.read_table(text.encode(), "hris.csv"))["about"] == "sensitive"

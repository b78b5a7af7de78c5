"""The data-quality report's exact counts on a small handmade file."""

import numpy as np
import pandas as pd
import pytest

from core import ingest, quality

HANDMADE = (
    "employee_id,team,score,hired\n"      # line 1
    "001,A,10,2024-01-05\n"               # 2
    "002,A,12,2024-02-30\n"               # 3  impossible date
    "003,,11,03/04/2023\n"                # 4  blank team, ambiguous date
    "001,B,abc,2024-03-01\n"              # 5  duplicate id, not a number
    ",B,9,2024-03-02\n"                   # 6  no id
    "006,B,=SUM(A1),2024-03-03\n"         # 7  formula-like text in a measure column: not a number
)
ROLES = {"employee_id": "employee_id", "team": "team", "score": "measure", "hired": "date"}


def report():
    table = ingest.read_table(HANDMADE.encode(), "handmade.csv")
    return quality.file_report(table, ROLES, kind="hris")


def by_column(rep, column, words):
    return [f for f in rep.findings if f.column == column and words in f.message]


def test_rows_columns_and_missing_counts():
    rep = report()
    assert (rep.rows, rep.columns) == (6, 4)
    assert rep.missing == {"employee_id": 1, "team": 1}
    assert rep.date_range == ("2024-01-05", "2024-03-03")
    assert rep.severity == "worth a look"


def test_each_problem_names_its_lines_and_text():
    rep = report()
    (numbers,) = by_column(rep, "score", "not numbers")
    assert numbers.lines == (5, 7) and "line 5: “abc”" in numbers.message and "2 values" in numbers.message
    (bad_date,) = by_column(rep, "hired", "1 value is not a valid date")
    assert bad_date.lines == (3,) and "2024-02-30" in bad_date.message
    (ambiguous,) = by_column(rep, "hired", "day/month or month/day")
    assert ambiguous.lines == (4,) and "03/04/2023" in ambiguous.message
    (duplicates,) = by_column(rep, "employee_id", "more than once")
    assert duplicates.lines == (2, 5) and "(lines 2, 5)" in duplicates.message
    assert "001" not in duplicates.message  # the line numbers find it; the id itself is never quoted
    (no_id,) = by_column(rep, "employee_id", "no employee id")
    assert no_id.lines == (6,)
    (blank_team,) = by_column(rep, "team", "no team")
    assert blank_team.lines == (4,)


def test_no_id_column_blocks():
    table = ingest.read_table(b"score\n1\n2\n", "scores.csv")
    rep = quality.file_report(table, {"score": "measure"}, kind="assessments")
    assert rep.severity == "blocks" and "No column is marked as the employee id" in rep.findings[0].message


def test_formula_like_text_is_reported():
    table = ingest.read_table(b"employee_id,note\n1,=cmd\n2,fine\n", "n.csv")
    rep = quality.file_report(table, {"employee_id": "employee_id", "note": "text"}, kind="hris")
    assert any("start with =, +, - or @" in f.message and f.lines == (2,) for f in rep.findings)


def test_a_typed_extra_zero_is_an_outlier_but_a_long_tail_is_not():
    values = [str(20_000 + 150 * i) for i in range(60)] + ["45000", "250000"]
    text = "employee_id,deal\n" + "\n".join(f"{i},{v}" for i, v in enumerate(values)) + "\n"
    rep = quality.file_report(ingest.read_table(text.encode(), "d.csv"),
                              {"employee_id": "employee_id", "deal": "measure"}, kind="kpis")
    (outlier,) = by_column(rep, "deal", "far from the rest")
    assert outlier.lines == (63,)


def test_clean_file_is_fine():
    table = ingest.read_table(b"employee_id,score\n1,2\n2,3\n", "ok.csv")
    assert quality.file_report(table, {"employee_id": "employee_id", "score": "measure"}, kind="hris").severity == \
        "fine"


def test_sample_data_flags_exactly_the_planted_faults():
    from ui.datasets import SAMPLE

    found = {}
    for kind, name in (("hris", "hris.csv"), ("lms", "lms_events.csv"), ("assessments", "assessments.csv"),
                       ("kpis", "kpis_monthly.csv")):
        table = ingest.read_table((SAMPLE / name).read_bytes(), name)
        rep = quality.file_report(table, ingest.guess_roles(table), kind=kind)
        found[kind] = sorted((f.column, f.lines[:2]) for f in rep.findings)
    assert found["hris"] == [("employee_id", (103, 519)), ("hire_date", (614,)), ("hire_date", (879,)),
                             ("site", (35, 252))]
    assert found["lms"] == [] and found["assessments"] == []
    assert [c for c, _ in found["kpis"]] == ["avg_deal_size", "avg_deal_size"]


@pytest.mark.parametrize("repeated", [0.0, 8.0])
@pytest.mark.parametrize("zeros", [9, 10, 11, 12])
def test_robust_z_matches_the_definition_when_many_values_are_equal(zeros, repeated):
    """The shortcuts for a zero MAD (mostly zeros, or mostly one other value) agree with scipy's
    median_abs_deviation around the boundary."""
    from scipy.stats import median_abs_deviation

    values = np.array([repeated] * zeros + [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0, 89.0])
    mad = median_abs_deviation(values, scale="normal")
    z = quality._robust_z(values)
    if mad == 0:
        assert z is None
    else:
        assert np.allclose(z, np.abs(values - np.median(values)) / mad)


def test_a_column_whose_values_show_no_decimal_mark_follows_the_rest_of_the_file():
    """2.007 alone could be 2007 or 2.007: in a file whose other numbers use the decimal comma it is 2007, and
    the report says why; in a file that shows nothing it is read with the dot and reported, never silently."""
    rows = "".join(f"E{i};1.0{i % 90 + 10:02d},{i % 89 + 10};{i % 5 + 1}.{i % 900 + 100:03d}\n" for i in range(50))
    table = ingest.read_table(("id;revenue;units\n" + rows).encode(), "x.csv")
    parsed, findings = quality.parse(table, {"id": "employee_id", "revenue": "measure", "units": "measure"})
    assert parsed.numbers["units"].iloc[0] == 1100 and parsed.numbers["revenue"].iloc[0] == 1010.1
    assert any(f.column == "units" and "as the file's other columns show" in f.message for f in findings)
    alone = ingest.read_table(("id;units\n" + "".join(f"E{i};{i % 5 + 1}.{i % 900 + 100:03d}\n"
                                                     for i in range(50))).encode(), "y.csv")
    parsed, findings = quality.parse(alone, {"id": "employee_id", "units": "measure"})
    assert parsed.numbers["units"].iloc[0] == 1.1
    said = [f for f in findings if f.column == "units"]
    assert said and said[0].severity == "worth a look" and "either decimal mark" in said[0].message
    assert said[0].lines[:2] == (2, 3)


def test_a_column_split_evenly_between_decimal_marks_is_a_measure_with_a_finding_and_nothing_guessed():
    text = "id,amount\n" + "".join(f"E{i},\"{'1.234,56' if i % 2 else '1,234.56'}\"\n" for i in range(40))
    table = ingest.read_table(text.encode(), "m.csv")
    roles = ingest.guess_roles(table)
    assert roles["amount"] == "measure"
    parsed, findings = quality.parse(table, roles)
    assert parsed.numbers["amount"].isna().all()
    assert any("as many values use the comma" in f.message and len(f.lines) == 40 for f in findings)


def test_sibling_gaps_are_found_for_every_pair_at_once_as_a_pair_by_pair_loop_finds_them():
    """The gaps check compares every measure with every other by one matrix product (a 1,000-column file took
    81 s pair by pair); its findings equal the pair-by-pair rule written out here."""
    import numpy as np

    from core import ingest

    rng = np.random.default_rng(7)
    rows, cols = 400, 12
    base = rng.random((rows, 1)) < 0.4  # columns blank together (a KPI only some roles have) …
    blank = np.repeat(base, cols, axis=1)
    for j in range(0, cols, 3):  # … with a few gaps where a sibling has a value
        blank[rng.choice(rows, 3, replace=False), j] = True
    header = "employee_id," + ",".join(f"m{j}" for j in range(cols))
    lines = [f"E{r}," + ",".join("" if blank[r, j] else str(r + j) for j in range(cols)) for r in range(rows)]
    table = ingest.read_table(("\n".join([header, *lines]) + "\n").encode(), "kpis.csv")
    report = quality.file_report(table, ingest.guess_roles(table), kind="kpis")
    found = {f.column: f.message for f in report.findings if "but no" in f.message}

    expected = {}
    for i in range(cols):
        for k in range(cols):
            gaps = blank[:, i] & ~blank[:, k]
            if k != i and 0 < gaps.sum() <= 0.05 * max((~blank[:, k]).sum(), 1) and \
                    (blank[:, i] == blank[:, k]).mean() > 0.95:
                expected[f"m{i}"] = f"m{k} but no m{i}"
                break
    assert set(found) == set(expected) and len(expected) >= 3
    assert all(expected[c] in found[c] for c in expected)


def test_a_pivoted_table_of_thousands_of_columns_is_refused_before_it_is_parsed():
    from core import ingest

    wide = ("a," * 20_000 + "b\n" + "1," * 20_000 + "2\n").encode()
    with pytest.raises(ingest.TableError, match="20,001 columns; at most 1,000"):
        ingest.read_table(wide, "pivot.csv")


def test_a_date_column_written_both_ways_is_a_finding_with_its_lines_not_a_guess():
    """13/01/2024 and 01/13/2024 were both read as 13 January with no word said."""
    text = "employee_id,hire_date\nE1,13/01/2024\nE2,01/13/2024\nE3,05/06/2024\nE4,2024-02-01\n"
    table = ingest.read_table(text.encode(), "hris.csv")
    roles = ingest.guess_roles(table)
    parsed, findings = quality.parse(table, roles)
    (mixed,) = [f for f in findings if "written both ways" in f.message]
    assert "line 2: “13/01/2024”" in mixed.message and "line 3: “01/13/2024”" in mixed.message
    assert mixed.lines == (2, 3, 4) and mixed.date_order == "ambiguous"
    dates = parsed.dates["hire_date"]
    assert dates.iloc[:3].isna().all() and dates.iloc[3] == pd.Timestamp("2024-02-01")  # no guess meanwhile
    _, chosen = quality.parse(table, roles, date_order="day-first")
    assert any("not a valid date (line 3: “01/13/2024”)" in f.message for f in chosen)

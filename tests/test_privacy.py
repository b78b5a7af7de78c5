import hashlib
import itertools

import pandas as pd
import pytest

from core import privacy


def test_pseudonyms_are_stable_keyed_and_not_a_plain_hash():
    a = privacy.pseudonym("E00042", "key-1")
    assert a == privacy.pseudonym(" e00042 ", "key-1")
    assert a != privacy.pseudonym("E00042", "key-2")
    assert a != privacy.pseudonym("E00043", "key-1")
    plain = hashlib.sha256(b"E00042").hexdigest()
    assert a[2:].lower() not in plain and a.startswith("P-") and len(a) == 12


def reveals(counts: pd.Series, hidden: set) -> bool:
    """Could a hidden group's size be worked out from the total minus the visible groups?"""
    return len(hidden) == 1 or (0 < counts[list(hidden)].sum() < privacy.MIN_GROUP)


@pytest.mark.parametrize("sizes", [(4, 20, 30), (4, 2, 50), (3, 7, 9, 40), (1, 1, 1, 100), (6, 7, 8)])
def test_small_groups_are_hidden_and_no_subtraction_reveals_them(sizes):
    counts = pd.Series(sizes, index=[f"g{i}" for i in range(len(sizes))])
    hidden = privacy.suppressed_groups(counts)
    assert {g for g, n in counts.items() if n < 5} <= hidden
    if hidden:
        assert not reveals(counts, hidden)
        # and no combination of visible groups with the total pins down a single hidden group
        visible_sum = counts.drop(list(hidden)).sum()
        assert counts.sum() - visible_sum == counts[list(hidden)].sum() >= privacy.MIN_GROUP


def test_group_of_four_is_hidden_in_a_summary():
    frame = pd.DataFrame({"site": ["A"] * 4 + ["B"] * 20 + ["C"] * 30, "score": range(54)})
    table = privacy.group_summary(frame, by="site", value="score")
    assert set(table["site"]) == {"C", "2 hidden groups"}  # B is the complement that would reveal A; and a
    assert table.loc[table.site == "C", "people"].item() == 30  # hidden group's name is hidden with it
    assert table.loc[table.site == "2 hidden groups", ["people", "mean", "median"]].isna().all().all()


def test_people_are_grouped_only_by_columns_of_a_few_named_groups():
    """Grouping by salary listed all 385 salaries as row labels (a unique one is one person)."""
    frame = pd.DataFrame({"salary": [str(50_000 + 500 * i) for i in range(200)], "team": ["A", "B"] * 100,
                          "employee_code": [f"X{i}" for i in range(200)], "gender": ["F", "M"] * 100})
    assert privacy.groupable(frame, ["salary", "team", "employee_code", "gender"]) == ["team", "gender"]


def test_min_size_never_below_three():
    with pytest.raises(ValueError):
        privacy.suppressed_groups(pd.Series([1, 10]), min_size=2)


def test_safe_rows_drop_names_and_sensitive_attributes():
    people = pd.DataFrame({"name": ["Ann"], "gender": ["F"], "salary": ["50000"], "team": ["A"],
                           "manager_id": ["E00001"]}, index=pd.Index(["E00042"], name="employee_id"))
    roles = {"name": "name", "gender": "sensitive", "salary": "sensitive", "team": "team", "manager_id": "manager_id"}
    shown = privacy.safe_rows(people, roles, "k")
    assert list(shown.columns) == ["person (pseudonym)", "team", "manager_id"]
    assert shown.iloc[0, 0] == privacy.pseudonym("E00042", "k") and shown.iloc[0, 2] == privacy.pseudonym("E00001", "k")
    assert "E00042" not in shown.to_string()


def test_exhaustive_small_cases_never_reveal():
    for sizes in itertools.product([0, 1, 3, 4, 5, 8], repeat=3):
        counts = pd.Series(sizes, index=["a", "b", "c"])
        hidden = privacy.suppressed_groups(counts)
        if hidden and len(hidden) < (counts > 0).sum():
            assert not reveals(counts, hidden), sizes

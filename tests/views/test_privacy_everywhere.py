"""Privacy on every page and in every download, audited on the bundled sample (names, gender, ethnicity and
salary in the HRIS file): no name, no sensitive value and no raw id outside the assignment list anywhere a
person can see or download it."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from google.protobuf import text_format

from core.store import Store
from core.templates import sales_skills
from tests.sample import pilot_teams
from tests.views.conftest import with_sample_data
from tests.views.test_pages_run import PAGES
from ui.datasets import SAMPLE

HRIS = pd.read_csv(SAMPLE / "hris.csv", dtype=str)
NAMES = set(HRIS["name"])
SENSITIVE = set(HRIS["gender"]) | set(HRIS["ethnicity"]) - {"Other"}  # "Other" is an ordinary word
RAW_ID = re.compile(r"\bE\d{5}\b")


def _walk(node):
    yield node
    children = getattr(node, "children", None)
    for child in (children.values() if isinstance(children, dict) else children or []):
        yield from _walk(child)


def screen_text(at) -> tuple[str, list[pd.DataFrame]]:
    """What the page puts on screen: element protos (labels, options, help, chart specs) as text, and tables."""
    parts, tables = [], []
    for root in (at.main, at.sidebar):
        for node in _walk(root):
            if type(node).__name__ == "Dataframe":
                tables.append(node.value)
                parts.append(node.value.to_csv())
            elif getattr(node, "proto", None) is not None:
                parts.append(text_format.MessageToString(node.proto, as_utf8=True))
    return re.sub(r"\\+", "", "\n".join(parts)), tables


def per_row_sensitive(tables: list[pd.DataFrame]) -> list[str]:
    """Sensitive values that a table repeats down a column: one row per person, not an aggregate per level."""
    found = []
    for table in tables:
        for column in table.columns:
            counts = table[column].astype(str).value_counts()
            found += [f"{v} per row in {column}" for v in SENSITIVE if counts.get(v, 0) > 1]
    return found


def workbook_text(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                     if cell.value is not None)


def leaks(text: str, allowed_ids: set[str], *, sensitive: bool = True) -> list[str]:
    found = [f"name {n}" for n in NAMES if n in text]
    if sensitive:
        found += [f"sensitive value {v}" for v in SENSITIVE if re.search(rf"\b{re.escape(v)}\b", text)]
    found += [f"raw id {i}" for i in set(RAW_ID.findall(text)) - allowed_ids]
    return found


@pytest.fixture
def sample_plan(db_file):
    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    plan.results.participation = {"team": list(pilot_teams())}
    return with_sample_data(db_file, plan, piloted=True)


def _draw_list(app, plan_id):
    at = app(plan_id, "views/design.py")
    next(b for b in at.button if b.label == "Draw the assignment list").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_a_name_a_sensitive_value_or_a_raw_id(app, db_file, sample_plan, page, downloads):
    _draw_list(app, sample_plan.id)
    listed = {a.id for a in Store(db_file).load(sample_plan.id)[0].design.assignment}
    assert listed
    at = app(sample_plan.id, page)
    assert not at.exception, at.exception
    text, tables = screen_text(at)
    problems = leaks(text, listed, sensitive=False) + per_row_sensitive(tables)  # aggregates by level may show
    for name, content in downloads().items():
        if name.endswith(".xlsx"):
            text = workbook_text(content)
        else:
            text = content.decode("utf-8", errors="replace")
        problems += [f"{name}: {p}" for p in leaks(text, listed)]
    assert not problems, problems


def test_the_summaries_carry_no_name_sensitive_value_or_raw_id(app, db_file, sample_plan, sample_panel):
    from pypdf import PdfReader

    from core import brief
    from core import pilot as pl

    _draw_list(app, sample_plan.id)
    plan = Store(db_file).load(sample_plan.id)[0]
    facts = pl.facts(plan, sample_panel)
    listed = {a.id for a in plan.design.assignment}
    pdf = PdfReader(io.BytesIO(brief.summary_pdf(plan, facts)))
    assert not leaks(" ".join(page.extract_text() for page in pdf.pages), listed)
    assert not leaks(brief.executive_summary(plan, facts), listed)


def test_the_assignment_list_and_plan_export_carry_only_listed_ids(app, db_file, sample_plan, downloads):
    _draw_list(app, sample_plan.id)
    files = downloads()
    listed = {a.id for a in Store(db_file).load(sample_plan.id)[0].design.assignment}
    csv = files["assignment-list.csv"].decode()
    assert set(RAW_ID.findall(csv)) == listed and not leaks(csv, listed)
    exported = json.loads(Store(db_file).load(sample_plan.id)[0].to_json())
    assert not leaks(json.dumps(exported, ensure_ascii=False), listed)


def test_sensitive_attributes_only_after_opting_in_and_only_as_arm_aggregates(app, db_file, sample_plan):
    at = _draw_list(app, sample_plan.id)
    balance_on = next(m for m in at.multiselect if m.label == "Balance on")
    assert not {"gender", "ethnicity", "salary", "name"} & set(balance_on.options)
    next(t for t in at.toggle if t.label == "Also compare the arms on sensitive attributes").set_value(True).run()
    balance_on = next(m for m in at.multiselect if m.label == "Balance on")
    assert {"gender", "ethnicity", "salary"} <= set(balance_on.options) and "name" not in balance_on.options
    balance_on.set_value(["gender", "salary"]).run()
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if "SMD" in df.value.columns)
    assert len(table) <= 6  # one row per level or measure, never one per person
    hidden = table["covariate"] == "gender = Non-binary"
    assert table.loc[hidden, "flag"].str.startswith("hidden").all()
    assert (table.loc[hidden, ["mean treatment", "mean control", "SMD"]] == "hidden").all().all()  # not "None"


def test_sensitive_attributes_are_never_strata(app, db_file, sample_plan):
    plan, version = Store(db_file).load(sample_plan.id)
    plan.pilot.cluster_column = ""  # people, not teams: the draw may be stratified
    Store(db_file).save(plan, expected_version=version)
    at = app(plan.id, "views/design.py")
    strata = next(m for m in at.multiselect if m.label.startswith("Balance the draw within"))
    assert strata.options and not {"gender", "ethnicity", "salary", "name"} & set(strata.options)

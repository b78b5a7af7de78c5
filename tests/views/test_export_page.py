import io

import openpyxl
import pytest

from core import export
from core.plan import Plan
from core.store import Store
from core.templates import onboarding, sales_skills
from tests.views.conftest import texts


@pytest.mark.parametrize("template", [sales_skills, onboarding])
def test_download_returns_the_workbook_and_the_summary(app, db_file, downloads, template):
    plan, _ = Store(db_file).create(template())
    at = app(plan.id, "views/export.py")
    labels = [b.proto.label for b in at.download_button]
    assert labels == ["Download the Excel workbook", "Download the one-page summary (PDF)",
                      "Download the one-page summary (HTML)"]
    files = downloads()  # the summaries are built when clicked (core/brief.py has their tests)
    name = export.file_name(plan)
    workbook = openpyxl.load_workbook(io.BytesIO(files[name]))
    assert workbook.sheetnames == export.SHEETS


def test_export_of_an_incomplete_roi_model_says_what_to_fix(app, db_file):
    plan, _ = Store(db_file).create(Plan(name="Empty"))
    at = app(plan.id, "views/export.py")
    assert any("Total cost must be above zero" in e for e in texts(at, "error"))
    assert not at.download_button

"""One pilot, one set of numbers: Sales template → sample data → design → list → ROI → export, in a real browser.

Reads the participants, arm sizes, clusters, effect and sd from each page, the summary and the workbook, and
finds them equal.
"""

import io
import re

import openpyxl

from tests.browser.conftest import create_plan, screenshot


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def number(text: str) -> float:
    return float(text.replace(",", "").replace("$", ""))


def test_every_page_the_summary_and_the_workbook_describe_the_same_pilot(server, page, tmp_path):
    create_plan(page, server, "One pilot", "Sales skills program (+4% average deal size)")
    page.get_by_role("link", name="2 Data").click()
    page.get_by_role("button", name="Load sample data").click()
    page.get_by_text("1,200 people", exact=False).first.wait_for(timeout=90_000)  # (the button's tooltip says it too)
    page.get_by_text("now this plan's start date", exact=False).wait_for()

    # -- step 4: the answer first, with the real team sizes and the data's sd
    page.get_by_role("link", name="4 Pilot design").click()
    headline = page.get_by_text(re.compile(r"^With \d+ people in \d+ team clusters per arm")).first
    headline.wait_for(timeout=60_000)
    found = re.search(r"With (\d+) people in (\d+) team clusters per arm", headline.inner_text())
    people, clusters = int(found[1]), int(found[2])
    assert (people, clusters) == (220, 8)  # 220 planned reps are 8 teams of 441 / 16 = 27.6
    assert metric(page, "Per arm") == f"{people} + {people}"
    sd_label = page.get_by_text(re.compile(r"How much the KPI varies \(data\): sd [\d,.]+")).first.inner_text()
    sd = number(re.search(r"sd ([\d,.]+)", sd_label)[1])
    effect = number(page.get_by_role("spinbutton", name=re.compile(r"^Effect to detect")).input_value())
    pct = float(re.search(r"= ([\d.]+)% of the baseline", page.get_by_text(re.compile(r"% of the baseline"))
                          .first.inner_text())[1])
    assert effect == 1_125 and 5_000 < sd < 6_000
    page.get_by_role("button", name="Draw the assignment list").click()
    listed = page.get_by_text(re.compile(r"Assignment list: \d+ treated")).first
    listed.wait_for(timeout=60_000)
    drawn = re.search(r"(\d+) treated and (\d+) control people in (\d+) \+ (\d+) clusters", listed.inner_text())
    treated, control = int(drawn[1]), int(drawn[2])
    assert (int(drawn[3]), int(drawn[4])) == (clusters, clusters)
    assert metric(page, "Per arm") == f"{treated} + {control}"
    screenshot(page, "design-sample")

    # -- step 6: the ROI counts the treated arm and values the same effect
    page.get_by_role("link", name="6 ROI").click()
    page.get_by_text("ROI (forecast)").first.wait_for(timeout=60_000)
    assert metric(page, "Participants") == f"{treated}"
    assert page.get_by_text(f"The pilot's treated arm ({treated} people, step 4)").is_visible()
    assert number(page.get_by_role("spinbutton", name=re.compile(r"^Effect per participant")).input_value()) == effect

    # -- export: the workbook and the summary carry the same numbers
    page.get_by_role("link", name="Export").click()
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("button", name="Download the Excel workbook").click()
    workbook = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    summary = {row[0].value: row[1].value for row in workbook["Summary"].iter_rows() if row[0].value}
    assert summary["Treated people"] == treated and summary["Control people"] == control
    assert summary["Treated team clusters"] == clusters == summary["Control team clusters"]
    assert summary["Effect to detect ($ per deal, improvement)"] == effect
    assert f"{summary['Standard deviation of the outcome ($ per deal)']:,.4g}" == f"{sd:,.4g}"
    assert round(summary["Effect as % of the baseline"] * 100, 1) == pct
    assert summary["ROI participants"] == treated
    model = {row[0].value: row[1].value for row in workbook["ROI model"].iter_rows() if row[0].value}
    assert model["Participants"] == treated and model["Effect per participant (per month if recurring)"] == effect
    design = {row[0].value: row[1].value for row in workbook["Pilot design & power"].iter_rows() if row[0].value}
    assert design["Treated people"] == treated and design["Treated team clusters"] == clusters
    assigned = [row[1].value for row in workbook["Assignment list"].iter_rows(min_row=6) if row[0].value]
    assert assigned.count("treatment") == treated and assigned.count("control") == control
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download the one-page summary (HTML)").click()
    html = download.value.path().read_text()
    assert f"{treated} treated and {control} control people in {clusters} + {clusters} team clusters" in html
    assert f"benefits counted for the {treated} treated people" in html


import pandas as pd
import pytest

from core import power as pw
from core.plan import Plan
from core.store import Store
from core.templates import onboarding, sales_skills
from tests.pages.conftest import texts, with_sample_data
from ui.datasets import SAMPLE


def metric(at, label):
    return next(m.value for m in at.metric if m.label.startswith(label))


def roster_csv(n=120) -> bytes:
    frame = pd.DataFrame({
        "employee_id": [f"{i:05d}" for i in range(n)],
        "team": [f"T{i % 12:02d}" for i in range(n)],
        "site": ["North" if i % 3 else "South" for i in range(n)],
        "deal_size_before": [20_000 + 37 * i % 5_000 for i in range(n)],
        "deal_size_after": [21_000 + 41 * i % 5_200 for i in range(n)],
    })
    return frame.to_csv(index=False).encode()


def test_sales_template_warns_that_the_pilot_cannot_detect_break_even(app, db_file):
    plan, _ = Store(db_file).create(sales_skills())
    at = app(plan.id, "pages/design.py")
    d = plan.design
    reference = pw.mde(60, 60, sd=6_000, icc=0.05, cluster_size=6, baseline_corr=0.5, attrition=0.1)
    assert float(metric(at, "Smallest detectable effect").replace(",", "")) == pytest.approx(reference, abs=1)
    assert any("cannot detect the effect that pays for the program" in w for w in texts(at, "warning"))
    assert d.design == "cluster_rct"


def test_onboarding_template_can_detect_break_even(app, db_file):
    plan, _ = Store(db_file).create(onboarding())
    at = app(plan.id, "pages/design.py")
    assert any("can detect the break-even effect" in s for s in texts(at, "success"))
    assert metric(at, "Needed per arm") == "14 + 14"


def test_assignment_from_an_uploaded_list_is_reproducible_and_downloads(app, db_file, downloads):
    store = Store(db_file)
    plan, _ = store.create(onboarding())
    at = app(plan.id, "pages/design.py")
    at.file_uploader[0].set_value(("people.csv", roster_csv(), "text/csv")).run()
    assert not at.exception
    seed = at.session_state["plan"].design.seed
    assert seed > 0
    next(b for b in at.button if b.label == "Generate the assignment list").click().run()
    saved = store.load(plan.id)[0].design.assignment
    assert len(saved) == 120 and saved[0].id == "00000"
    assert sum(a.arm == "treatment" for a in saved) == 60
    csv = downloads()["assignment-list.csv"].decode()
    assert csv.startswith("id,arm,group") and "00007" in csv
    next(b for b in at.button if b.label == "Generate the assignment list").click().run()
    assert store.load(plan.id)[0].design.assignment == saved, "same seed, same list"
    assert any("SMD" in str(df.value.columns.tolist()) for df in at.dataframe)


def test_estimates_from_the_sample_data(app, db_file):
    template = sales_skills()
    template.design.start_date = "2026-07-01"  # the sample organisation's pilot start
    plan = with_sample_data(db_file, template)
    at = app(plan.id, "pages/design.py")
    assert next(s for s in at.selectbox if s.label == "KPI").value == "avg_deal_size"
    next(b for b in at.button if b.label == "Use these estimates").click().run()
    d = at.session_state["plan"].design
    # Independent: person means of avg_deal_size over Apr–Jun 2026 (the 3 months before the pilot), reps only.
    kpis = pd.read_csv(SAMPLE / "kpis_monthly.csv", dtype={"employee_id": str})
    window = kpis[kpis.month.isin(["2026-04", "2026-05", "2026-06"])].groupby("employee_id").avg_deal_size.mean()
    assert d.sd == pytest.approx(window.std(ddof=1), rel=1e-9)
    assert 0.05 < d.icc < 0.5 and 0.4 < d.baseline_corr < 0.9


def test_assignment_from_the_sample_data_filters_to_sales(app, db_file):
    store = Store(db_file)
    plan = with_sample_data(db_file, sales_skills())
    at = app(plan.id, "pages/design.py")
    assert next(r for r in at.radio if r.label == "Eligible people").value == "data"
    next(s for s in at.selectbox if s.label == "Only people whose…").set_value("job_family").run()
    next(m for m in at.multiselect if m.label == "is one of").set_value(["Sales"]).run()
    next(b for b in at.button if b.label == "Generate the assignment list").click().run()
    assigned = store.load(plan.id)[0].design.assignment
    assert len(assigned) == 480
    teams = {}
    for a in assigned:
        teams.setdefault(a.group, set()).add(a.arm)
    assert len(teams) == 16 and all(len(arms) == 1 for arms in teams.values()), "whole teams per arm"


def test_a_bad_upload_says_which_line(app, db_file):
    plan, _ = Store(db_file).create(onboarding())
    at = app(plan.id, "pages/design.py")
    at.file_uploader[0].set_value(("people.csv", b"id,team\n1,A\n2,B,extra\n", "text/csv")).run()
    assert any("people.csv, line 3" in e for e in texts(at, "error"))


def test_preregistration_locks_and_then_lists_deviations(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(onboarding())
    at = app(plan.id, "pages/design.py")
    at.file_uploader[0].set_value(("people.csv", roster_csv(), "text/csv")).run()
    next(b for b in at.button if b.label == "Lock the pre-registration").click().run()
    assert store.load(plan.id)[0].design.preregistration is not None
    next(n for n in at.number_input if n.label == "Target power").set_value(0.9).run()
    assert any("deviation" in w for w in texts(at, "warning"))


def test_blank_plan_design_page_asks_for_inputs(app, db_file):
    plan, _ = Store(db_file).create(Plan(name="Blank"))
    at = app(plan.id, "pages/design.py")
    assert not at.exception
    assert any("Fill in the ROI step" in i for i in texts(at, "info"))


def test_matched_controls_from_the_sample_data(app, db_file):
    template = sales_skills()
    template.design.design = "matched"
    plan = with_sample_data(db_file, template)
    at = app(plan.id, "pages/design.py")
    next(s for s in at.selectbox if s.label == "Only people whose…").set_value("job_family").run()
    next(m for m in at.multiselect if m.label == "is one of").set_value(["Sales"]).run()
    next(s for s in at.selectbox if s.label == "Trained people are those whose…").set_value("team").run()
    next(m for m in at.multiselect if m.label == "is one of" and "SAL-02" in m.options).set_value(["SAL-02",
                                                                                                   "SAL-05"]).run()
    # pre-treatment covariates only (LMS minutes during the pilot are a consequence of training)
    next(m for m in at.multiselect if m.label == "Match on").set_value(["pre_score", "site"]).run()
    next(b for b in at.button if b.label == "Find matched controls").click().run()
    assert not at.exception
    assigned = Store(db_file).load(plan.id)[0].design.assignment
    treated = [a for a in assigned if a.arm == "treatment"]
    controls = [a for a in assigned if a.arm == "control"]
    assert 50 <= len(treated) <= 58 and len(controls) == len(treated)  # 1:1 without replacement
    balance = next(df.value for df in at.dataframe if "SMD after matching" in df.value.columns)
    assert balance["SMD after matching"].abs().max() < balance["SMD"].abs().max()
    # the two team managers have no pre_score, so they cannot be matched
    assert any("2 trained people have a missing value in a covariate" in w for w in texts(at, "warning"))

"""Review cadence, due and overdue, the living registry and sign-off invalidated by a later edit."""

from datetime import date

import pytest

from core import pilot as pl
from core import reviews, signoff
from core.plan import Plan, Preregistration, Stakeholder
from core.templates import sales_skills


def _plan() -> Plan:
    plan = sales_skills()
    plan.pilot.start = "2026-07-01"
    plan.pilot.intervention_days = 90
    return plan


def test_the_cadence_is_day_30_60_90_then_quarterly_with_the_kpi_owner():
    plan = _plan()
    plan.primary_kpi().owner = "Sales director"
    found = reviews.cadence(plan)
    assert [(r.title, r.due) for r in found[:3]] == [("Day 30 review", "2026-07-31"), ("Day 60 review", "2026-08-30"),
                                                     ("Day 90 review", "2026-09-29")]
    # quarterly from the end of the measurement window (30 Sep), the later of it and the 90 days
    assert [r.due for r in found[3:]] == ["2026-12-30", "2027-03-30", "2027-06-30", "2027-09-30"]
    assert {r.owner for r in found} == {"Sales director"}


def test_a_long_pilot_gets_a_review_every_30_days_and_one_on_its_last_day():
    plan = _plan()
    plan.pilot.intervention_days = 100
    plan.primary_kpi().owner = ""
    plan.stakeholders = [Stakeholder("", "sponsor"), Stakeholder("Bo", "sponsor")]
    found = reviews.cadence(plan)
    assert [r.title for r in found[:4]] == ["Day 30 review", "Day 60 review", "Day 90 review", "Day 100 review"]
    assert found[0].owner == "Bo"


def test_without_a_start_date_there_is_no_cadence():
    with pytest.raises(ValueError, match="start date"):
        reviews.cadence(sales_skills())


def test_due_overdue_and_held_in_words():
    plan = _plan()
    plan.reviews = reviews.cadence(plan)
    plan.reviews[0].owner = "Ana"
    assert reviews.due_words(plan, date(2026, 7, 1)) == "next: Day 30 review (due 31 Jul 2026; owner Ana)"
    assert reviews.due_words(plan, date(2026, 7, 20)).startswith("due: Day 30 review")
    assert reviews.due_words(plan, date(2026, 9, 1)) == "overdue: Day 30 review (due 31 Jul 2026; owner Ana) and 1 more"
    reviews.hold(plan, 0, by="Ana", notes="", pending="", reading=None)
    assert reviews.status(plan.reviews[0], date(2026, 9, 1)) == "held"
    assert reviews.due_words(plan, date(2026, 9, 1)).startswith("overdue: Day 60 review")
    assert reviews.due_words(Plan(), date(2026, 9, 1)) == "no cadence"


def test_holding_a_review_keeps_the_reading_with_its_reviewer_and_the_registry_lists_every_value():
    plan = _plan()
    plan.reviews = reviews.cadence(plan)
    first = reviews.reading(words="+900 $ (95% CI 300 to 1,500)", effect=900, ci_low=300, ci_high=1500, months=1,
                            wanted=3, verdict="continue")
    last = reviews.reading(words="+1,000 $ (95% CI 600 to 1,400)", effect=1000, ci_low=600, ci_high=1400, months=3,
                           wanted=3, verdict="a real change")
    reviews.hold(plan, 0, by="Ana", notes="n", pending="p", reading=first)
    reviews.hold(plan, 2, by="Fay", notes="", pending="", reading=last)
    rows = reviews.registry_rows(plan)
    assert [r["read"].split(",")[0] for r in rows] == ["interim", "final"]
    assert [r["reviewed by"] for r in rows] == ["Ana", "Fay"] and rows[0]["assumed"] == rows[1]["assumed"]


def test_the_status_report_escapes_user_text_and_prints_as_pdf():
    plan = _plan()
    plan.name = "<script>alert(1)</script>"
    plan.reviews = reviews.cadence(plan)
    found = reviews.report(plan, plan.reviews[0], changes=["effect to detect 1,000 → 1,125"], numbers=["n"],
                           health=["h"], signatures=[], today=date(2026, 7, 30))
    html = reviews.report_html(found)
    assert "<script>" not in html and "&lt;script&gt;" in html and "effect to detect 1,000 → 1,125" in html
    assert "due 31 Jul 2026 (due)" in html
    assert reviews.report_pdf(found).startswith(b"%PDF")


def test_a_signature_holds_until_what_was_signed_changes():
    plan = _plan()
    facts = pl.facts(plan, None)
    signoff.sign(plan, facts, "decision", name="Fay", role="Finance", signed_in=False)
    assert signoff.standings(plan, facts)[0].holds
    plan.goals.business_improvement = "something else"  # not part of the decision
    assert signoff.standings(plan, facts)[0].holds
    plan.roi.attribution = 0.5
    standing = signoff.standings(plan, pl.facts(plan, None))[0]
    assert standing.changed == ["ROI: attribution"] and "typed name" in standing.words()
    assert "needs a new signature" in standing.words()


def test_the_preregistration_is_signed_only_once_locked_and_a_later_edit_is_a_deviation():
    from core import design

    plan = _plan()
    facts = pl.facts(plan, None)
    with pytest.raises(ValueError, match="lock the pre-registration"):
        signoff.sign(plan, facts, "preregistration", name="Sam", role="KPI owner", signed_in=True)
    plan.design.preregistration = Preregistration("2026-06-30T10:00:00+00:00", design.registered_fields(plan, facts))
    signoff.sign(plan, facts, "preregistration", name="sam@example.com", role="KPI owner", signed_in=True)
    assert plan.signoffs[0].signed_as == "sign-in" and signoff.standings(plan, facts)[0].holds
    plan.pilot.effect = 2 * plan.pilot.effect
    assert signoff.standings(plan, pl.facts(plan, None))[0].changed == ["Effect to detect"]
    with pytest.raises(ValueError, match="needs a name"):
        signoff.sign(plan, facts, "decision", name="  ", role="", signed_in=False)


def test_the_report_compares_with_the_review_before_it_or_else_the_preregistration():
    plan = _plan()
    plan.reviews = reviews.cadence(plan)
    first = reviews.report(plan, plan.reviews[0], changes=[], numbers=[], health=[], signatures=[],
                           today=date(2026, 7, 30))
    assert first.sections[0] == ("What changed", ["the first review, with no pre-registration to compare with: "
                                                  "lock it in step 4"])
    reviews.hold(plan, 0, by="Ana", notes="", pending="", reading=None)
    plan.reviews[0].held_on = "2026-07-31T09:00:00+00:00"
    second = reviews.report(plan, plan.reviews[1], changes=["effect to detect 1,000 → 1,125"], numbers=[],
                            health=[], signatures=[], today=date(2026, 8, 30))
    assert second.sections[0] == ("What changed since the day 30 review (31 Jul 2026)",
                                  ["effect to detect 1,000 → 1,125"])
    again = reviews.report(plan, plan.reviews[0], changes=[], numbers=[], health=[], signatures=[],
                           today=date(2026, 8, 30))
    assert again.sections[0][0] == "What changed"  # nothing was held before the first review


def test_a_held_review_keeps_what_it_saw_and_hands_its_open_decisions_to_the_next():
    plan = _plan()
    plan.reviews = reviews.cadence(plan)
    reviews.hold(plan, 0, by="Ana", notes="", pending="Extend to Madrid?", reading=None,
                 numbers=["observed so far (1 of 3 months): +900"], health=["treated: 10 listed"])
    later = reviews.report(plan, plan.reviews[0], changes=[], numbers=["observed so far (3 of 3 months): +1,000"],
                           health=[], signatures=[], today=date(2026, 10, 1))
    sections = dict(later.sections)
    assert sections["The numbers so far"] == ["observed so far (1 of 3 months): +900"]
    assert sections["Pilot health"] == ["treated: 10 listed"]
    plan.reviews[0].held_on = "2026-07-31T09:00:00+00:00"
    following = dict(reviews.report(plan, plan.reviews[1], changes=[], numbers=[], health=[], signatures=[],
                                    today=date(2026, 8, 30)).sections)
    assert following["Decisions pending"] == ["from the day 30 review: Extend to Madrid?"]


def test_a_month_whose_sample_ratio_is_off_is_named():
    import pandas as pd

    from core import running

    table = pd.DataFrame([
        {"month": "Oct 2026", "drop-out treated": 0.0, "drop-out control": 0.0, "sample-ratio p": 0.9,
         "status": "healthy"},
        {"month": "Nov 2026", "drop-out treated": 0.0, "drop-out control": 0.33, "sample-ratio p": 1e-6,
         "status": "sample-ratio mismatch"},
        {"month": "Dec 2026", "drop-out treated": 0.55, "drop-out control": 0.75, "sample-ratio p": 0.2,
         "status": "healthy"},  # a KPI only some people have each month: chance, not a problem
        {"month": "Jan 2027", "status": "no data yet"},
    ])
    assert running.month_problems(table) == [
        "Nov 2026: sample-ratio mismatch (p = 0.0000); drop-out 0% treated, 33% control"]


def test_a_preregistration_signature_covers_what_was_locked_and_the_decision_needs_an_roi():
    from core import design

    plan = _plan()
    facts = pl.facts(plan, None)
    plan.design.preregistration = Preregistration("2026-06-30T10:00:00+00:00", design.registered_fields(plan, facts))
    plan.pilot.effect = 2 * plan.pilot.effect  # a deviation before anyone signs
    signoff.sign(plan, facts, "preregistration", name="Sam", role="KPI owner", signed_in=False)
    assert signoff.standings(plan, pl.facts(plan, None))[0].changed == ["Effect to detect"]
    with pytest.raises(ValueError, match="before its ROI can be computed"):
        signoff.sign(Plan(), pl.facts(Plan(), None), "decision", name="Fay", role="", signed_in=False)


def test_review_dates_outside_2000_to_2100_are_refused():
    assert reviews.due_date("2027-01-05 00:00:00") == "2027-01-05"
    assert reviews.due_date("1900-01-01") == reviews.due_date(None) == reviews.due_date("soon") == ""


def test_the_changes_since_the_last_review_come_from_the_history(tmp_path):
    from core.store import Store

    store = Store(tmp_path / "plans.db")
    plan, version = store.create(_plan())
    plan.reviews = reviews.cadence(plan)
    reviews.hold(plan, 0, by="Ana", notes="", pending="", reading=None)
    version = store.save(plan, expected_version=version)
    plan.pilot.effect = 1_500.0  # after the day 30 review (the template plans 1,125)
    store.save(plan, expected_version=version)
    facts = pl.facts(plan, None)
    assert reviews.changes_since(store, plan, plan.reviews[1], facts) == ["effect to detect 1,125 → 1,500"]
    assert reviews.changes_since(store, plan, plan.reviews[0], facts) == []  # the first, nothing registered

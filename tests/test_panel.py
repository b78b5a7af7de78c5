"""Joining sources into the panel: ids with leading zeros, spaces and mixed case; LMS aggregation."""

import pandas as pd
import pytest

from core import ingest, panel, quality


def source(kind, text):
    table = ingest.read_table(text.encode(), f"{kind}.csv")
    roles = ingest.guess_roles(table)
    parsed, _ = quality.parse(table, roles)
    return panel.Source(kind, table, roles, parsed)


HRIS = "employee_id,team,site\n00123,A,Leeds\ne0042,B,York\nX7,B,York\nX7,C,Hull\n"
LMS = ("employee_id,timestamp,event,minutes\n"
       " 00123 ,2024-01-01 09:00,login,0\n00123,2024-01-02 10:00,module_start,0\n"
       "00123,2024-01-03 11:00,module_complete,30\nE0042,2024-02-01 09:00,Login,0\n"
       "e0042 ,2024-02-05 09:00,module_complete,15\n999,2024-02-05 09:00,login,0\n")
SCORES = "employee_id,pre_score,post_score\n00123,50,60\nE0042,70,75\nE0042,72,77\n"
KPIS = "employee_id,month,sales\n00123,2024-01,10\n00123,2024-01,20\n00123,2024-02,30\nx7,2024-01,5\n999,2024-01,1\n"


def build():
    return panel.build({"hris": source("hris", HRIS), "lms": source("lms", LMS),
                        "assessments": source("assessments", SCORES), "kpis": source("kpis", KPIS)})


def test_one_row_per_person_and_the_last_duplicate_wins():
    people = build().people
    assert people.index.tolist() == ["00123", "E0042", "X7"]
    assert people.loc["X7", "team"] == "C"


def test_lms_events_join_despite_spaces_and_case():
    people = build().people
    assert people.loc["00123", ["lms_minutes", "lms_sessions", "lms_module_starts", "lms_completions"]].tolist() == \
        [30, 1, 1, 1]
    assert people.loc["E0042", ["lms_minutes", "lms_sessions", "lms_completions"]].tolist() == [15, 1, 1]
    assert people.loc["X7", "lms_sessions"] == 0
    assert people.loc["00123", "lms_last_activity"] == pd.Timestamp("2024-01-03 11:00")


def test_assessments_average_repeated_rows():
    people = build().people
    assert people.loc["E0042", "pre_score"] == pytest.approx(71)
    assert pd.isna(people.loc["X7", "post_score"])


def test_kpis_per_employee_and_month_with_context():
    periods = build().periods
    jan = periods[(periods.employee_id == "00123") & (periods.period == pd.Timestamp("2024-01-01"))]
    assert jan["sales"].tolist() == [15.0]  # two rows for the same month are averaged
    assert set(periods.employee_id) == {"00123", "X7"}  # unknown id 999 left out
    assert periods.loc[periods.employee_id == "X7", "team"].tolist() == ["C"]


def test_join_report_counts_unknown_ids():
    sources = {"hris": source("hris", HRIS), "lms": source("lms", LMS)}
    findings = quality.join_findings({k: (s.table.name, s.ids()) for k, s in sources.items()})
    found = next(f for f in findings if "1 id in lms.csv is not in hris.csv" in f.message)
    assert "999" not in found.message and "its 1 row is" in found.message and found.lines


def test_without_hris_the_join_is_blocked_but_a_panel_still_forms():
    findings = quality.join_findings({"lms": ("lms.csv", source("lms", LMS).ids())})
    assert findings[0].severity == "blocks"
    assert len(panel.build({"lms": source("lms", LMS)}).people) == 3


def test_engagement_matches_a_pandas_groupby_on_a_messy_export():
    """The bincount aggregation against a plain pandas groupby: blank ids, blank and combined event types,
    blank minutes, padded and lower-case ids."""
    import numpy as np

    rng = np.random.default_rng(11)
    n = 5_000
    ids = rng.choice(["E001", " e001", "E002", "e003 ", "", "E004"], n)
    events = rng.choice(["login", "Module_Start", "module_complete", "session_start", "", "note"], n)
    minutes = rng.choice(["", "5", "12.5", "0"], n)
    days = rng.integers(1, 28, n)
    stamps = np.where(rng.random(n) < 0.05, "", [f"2024-03-{d:02d} 10:00" for d in days])
    frame = pd.DataFrame({"employee_id": ids, "timestamp": stamps, "event": events, "minutes": minutes})
    lms = source("lms", frame.to_csv(index=False))
    got = panel.engagement(lms).sort_index()

    frame["person"] = frame["employee_id"].str.strip().str.upper()
    frame = frame[frame["person"] != ""]
    low = frame["event"].str.lower()
    expected = pd.DataFrame({
        "lms_minutes": pd.to_numeric(frame["minutes"]).fillna(0).groupby(frame["person"]).sum(),
        "lms_sessions": low.str.contains("login|session").groupby(frame["person"]).sum(),
        "lms_module_starts": low.str.contains("start").groupby(frame["person"]).sum(),
        "lms_completions": low.str.contains("complet").groupby(frame["person"]).sum(),
        "lms_last_activity": pd.to_datetime(frame["timestamp"].replace("", None)).groupby(frame["person"]).max(),
    }).sort_index()
    assert got.index.tolist() == expected.index.tolist()
    for column in expected.columns:
        assert got[column].tolist() == expected[column].tolist(), column


def test_a_score_is_never_taken_for_minutes():
    lms = source("lms", "employee_id,timestamp,event,quiz_score\n"
                        "E1,2024-01-01 09:00,login,80\nE1,2024-01-02 09:00,module_complete,95\n")
    got = panel.engagement(lms)
    assert "lms_minutes" not in got.columns
    assert got.loc["E1", "lms_sessions"] == 1  # the other measures are still there


@pytest.mark.parametrize("name", ["minutes", "Duration", "time_spent", "watch mins"])
def test_a_column_named_for_time_spent_becomes_minutes(name):
    lms = source("lms", f"employee_id,timestamp,event,quiz_score,{name}\n"
                        "E1,2024-01-01 09:00,login,80,5\nE1,2024-01-02 09:00,module_complete,95,20\n")
    assert panel.engagement(lms).loc["E1", "lms_minutes"] == 5 + 20


def kpi_panel(kpis: str) -> panel.Panel:
    return panel.build({"hris": source("hris", HRIS), "kpis": source("kpis", kpis)})


def test_weekly_kpis_stay_weekly_and_a_monthly_view_averages_them():
    rows = [("00123", day, value) for day, value in
            (("2024-01-26", 1), ("2024-02-02", 3), ("2024-02-09", 5), ("2024-02-16", 7), ("2024-02-23", 9))]
    joined = kpi_panel("employee_id,week_ending,sales\n" + "".join(f"{i},{d},{v}\n" for i, d, v in rows))
    assert joined.grain == "week"
    mine = joined.periods[joined.periods.employee_id == "00123"]
    assert mine["period"].dt.day_of_week.eq(0).all()  # each week as its Monday
    assert mine["sales"].tolist() == [1, 3, 5, 7, 9]  # five weeks, none folded together
    assert joined.says_grain() == "weekly (5 weeks, 2024-W04 to 2024-W08)"
    monthly = joined.monthly[joined.monthly.employee_id == "00123"].set_index("period")["sales"]
    # the week ending 2 February starts on Monday 29 January, so it counts in January
    assert monthly.to_dict() == {pd.Timestamp("2024-01-01"): 2.0, pd.Timestamp("2024-02-01"): 7.0}


@pytest.mark.parametrize("labels, grain, said", [
    (("2024-W05", "2024-W06", "2024-W07"), "week", "weekly (3 weeks, 2024-W05 to 2024-W07)"),
    (("2024 Q1", "Q2 2024", "2024-Q3"), "quarter", "quarterly (3 quarters, 2024 Q1 to 2024 Q3)"),
    (("2024-01", "2024-02", "2024-03"), "month", "monthly (3 months, 2024-01 to 2024-03)"),
])
def test_the_grain_is_detected_and_said(labels, grain, said):
    joined = kpi_panel("employee_id,period,sales\n" + "".join(f"00123,{p},{i}\n" for i, p in enumerate(labels)))
    assert joined.grain == grain
    assert joined.says_grain() == said
    assert len(joined.periods) == 3

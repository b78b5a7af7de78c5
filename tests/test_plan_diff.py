"""The history's "what changed" line, written out by hand."""

from core import plan_diff
from core.plan import Assigned
from core.templates import sales_skills


def test_a_changed_effect_reads_old_to_new():
    before, after = sales_skills(), sales_skills()
    after.pilot.effect = 1_250.0
    assert plan_diff.changes(before, after) == ["effect to detect 1,125 → 1,250"]


def test_a_drawn_list_is_summarised_not_listed_person_by_person():
    before, after = sales_skills(), sales_skills()
    after.design.assignment = [Assigned(f"E{i}", "treatment") for i in range(220)]
    after.design.seed = 11
    assert plan_diff.changes(before, after) == ["assignment list none → 220 people", "seed 0 → 11"]


def test_many_changes_are_counted_beyond_the_first_few():
    before, after = sales_skills(), sales_skills()
    after.roi.adoption, after.roi.horizon_months, after.pilot.start = 0.5, 24, "2026-07-01"
    after.goals.activities, after.name = "Coaching", "Renamed"
    found = plan_diff.changes(before, after, limit=2)
    assert found[0] == "start date — → 2026-07-01" and found[-1] == "and 3 more"
    assert "adoption 80% → 50%" in plan_diff.changes(before, after, limit=10)
    assert plan_diff.changes(before, sales_skills()) == []

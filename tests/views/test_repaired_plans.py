"""A hand-edited stored plan with values out of range opens on every page, and the page names what was reset."""

import json

from core.store import Store
from core.templates import sales_skills
from tests.views.conftest import texts


def test_the_pages_open_a_hand_edited_plan_and_name_what_was_reset(app, db_file):
    store = Store(db_file)
    plan, _ = store.create(sales_skills())
    data = json.loads(plan.to_json())
    data["roi"]["adoption"], data["design"]["alpha"] = 1.5, 5
    with store._write() as db:
        db.execute("update plans set json = ? where id = ?", [json.dumps(data), plan.id])
    for page in ("views/design.py", "views/roi.py", "views/results.py", "views/export.py"):
        at = app(plan.id, page)
        assert not at.exception
    at = app(plan.id)  # the first page a session opens says what was reset
    assert any("roi.adoption" in w and "design.alpha" in w for w in texts(at, "warning"))

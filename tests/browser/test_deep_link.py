"""A shared link to a step opens that plan's step even as the very first request to a fresh server."""

from core.store import Store
from core.templates import sales_skills
from tests.browser.conftest import running_app, screenshot


def test_link_to_a_step_works_on_a_fresh_server(tmp_path, page):
    db = tmp_path / "fresh.db"
    plan, _ = Store(db).create(sales_skills())
    with running_app(db) as url:
        page.goto(f"{url}/design?plan={plan.id}")
        page.get_by_role("heading", name="The pilot").wait_for()
        page.get_by_text("Current plan").wait_for()
        assert page.get_by_role("link", name="1 Goals").is_visible()
        assert page.get_by_text("too small to see", exact=False).first.is_visible()
        screenshot(page, "design")

"""User text with Markdown links, images, HTML and bare addresses shows as text in a real browser: no link to
another host, no image fetched from one, no dialog, on every page that shows it."""

from urllib.parse import urlparse

from core.store import Store
from core.templates import sales_skills
from tests.browser.conftest import running_app, screenshot

HOSTILE = ("[Re-enter your password](https://evil.example/login) ![t](http://127.0.0.1:9/beacon.png) "
           "<img src=x onerror=alert(1)> https://evil.example/x www.evil.example mail@evil.example")
PAGES = ["", "goals", "kpis", "design", "roi", "present", "export", "portfolio"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def test_hostile_user_text_stays_text_on_every_page(tmp_path, page):
    db = tmp_path / "hostile.db"
    plan = sales_skills()
    plan.name = HOSTILE[:200]
    kpi = plan.primary_kpi()
    plan.goals.business_improvement = HOSTILE
    kpi.unit = "[u](https://evil.example/u) www.evil.example"
    kpi.value_source = HOSTILE
    plan, _ = Store(db).create(plan)
    dialogs, requests = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with running_app(db) as url:
        own = urlparse(url).netloc
        page.on("request", lambda r: requests.append(r.url) if urlparse(r.url).scheme in ("http", "https")
                and urlparse(r.url).netloc != own else None)
        for name in PAGES:
            page.goto(f"{url}/{name}?plan={plan.id}")
            page.wait_for_selector(IDLE, timeout=60_000)
            page.wait_for_timeout(500)
            links = page.eval_on_selector_all(
                "a[href]", "els => els.map(e => e.href).filter(h => new URL(h).host !== location.host)")
            images = page.eval_on_selector_all("img[src]", "els => els.map(e => e.src)"
                                                           ".filter(s => /127\\.0\\.0\\.1:9|\\/x$/.test(s))")
            assert not links, (name, links)
            assert not images, (name, images)
        screenshot(page, "hostile-text")
    assert not dialogs, dialogs
    assert not requests, requests  # nothing fetched from another host

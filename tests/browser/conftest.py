"""A real Streamlit server on a free loopback port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from tests.appserver import streamlit_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


@contextlib.contextmanager
def running_app(db: Path, *, port: int | None = None, secrets: Path | None = None):
    """The app on a free loopback port with database `db` (tests/appserver.py); yields the base URL."""
    try:
        with streamlit_server(db, log=db.with_suffix(".log"), port=port, secrets=secrets) as (url, _):
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("browser") / "pilot_roi.db") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail("Debian's chromium is not installed; `make test` installs it with apt.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def create_plan(page, server: str, name: str, template: str | None = None) -> None:
    """Create a plan on the Plans page, from a template when its label is given, and wait for it."""
    page.goto(server)
    page.get_by_text("New plan").wait_for()
    page.get_by_label("Name").fill(name)
    if template:
        page.get_by_role("combobox").first.click()
        page.get_by_text(template).click()
    page.get_by_role("button", name="Create plan").click()
    page.get_by_text(f"Created “{name}”").wait_for()

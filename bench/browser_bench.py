"""The meeting room in a real browser: slider key presses on the presenter view, and first visits of every page.

What it measures (Playwright driving Debian's chromium, headless, one session on a fresh server with the Sales
skills template and the bundled sample data):

- **slider → ROI figure**: the "Adoption" slider's thumb is focused and ArrowLeft pressed 30 times (80% to 50%,
  so every press changes the ROI); for each
  press, the milliseconds from the key press until the text of the "ROI (forecast)" metric changes. Timed inside
  the page (performance.now() in a MutationObserver armed just before the press), so Playwright's own round trips
  do not count.
- **slider → whole panel**: for the same presses, until the app reports its script as not running and no
  element is still marked stale (everything the fragment redraws is drawn).
- **first visit of each page**: in a session that has opened the app once (a warm server: its imports done, as
  in a meeting), the milliseconds from clicking the page in the sidebar until its script has finished.

Targets: slider → ROI figure p95 ≤ 150 ms, whole panel p95 ≤ 300 ms, every first visit ≤ 1 s. Nothing is
asserted. Run alone: `.venv/bin/python -m bench.browser_bench`.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench.common import Row, print_table
from core.store import Store
from core.templates import sales_skills
from tests.appserver import streamlit_server

CHROMIUM = "/usr/bin/chromium"
PRESSES = 30
SLIDER = "Adoption"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PAGES = ["1 Goals", "2 Data", "3 KPI mapping", "4 Pilot design", "5 Results", "6 ROI", "Present the ROI", "Export",
         "Portfolio"]

# Resolves with [ms until the ROI metric's text changes, ms until the panel is idle] after one key press.
ARM = """() => {
  const roi = () => {
    const metric = [...document.querySelectorAll('[data-testid="stMetric"]')]
      .find(m => m.innerText.trim().startsWith('ROI ('));
    const value = metric && metric.querySelector('[data-testid="stMetricValue"]');
    return value ? value.innerText : null;
  };
  const before = roi();
  const start = performance.now();
  window.__timing = new Promise(resolve => {
    let figure = null;
    const done = () => document.querySelector('[data-testid="stApp"]').dataset.testScriptState === 'notRunning'
      && !document.querySelector('[data-stale="true"]');
    const check = () => {
      const now = performance.now();
      if (figure === null && roi() !== before) figure = now - start;
      if (figure !== null && done()) { observer.disconnect(); resolve([figure, now - start]); }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => { observer.disconnect(); resolve([figure, null]); }, 20000);
  });
}"""


# Resolves with the ms from now until the app has run a script and stopped, with nothing left stale.
ARM_VISIT = """() => {
  const start = performance.now();
  const app = document.querySelector('[data-testid="stApp"]');
  window.__visit = new Promise(resolve => {
    let ran = false;
    const check = () => {
      if (app.dataset.testScriptState === 'running') ran = true;
      if (ran && app.dataset.testScriptState === 'notRunning' && !document.querySelector('[data-stale="true"]')) {
        observer.disconnect(); resolve(performance.now() - start);
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => { observer.disconnect(); resolve(null); }, 30000);
  });
}"""


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def measure(url: str, plan_id: str) -> tuple[list[float], list[float], dict[str, float]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        warm = browser.new_page(viewport={"width": 1440, "height": 1000})  # imports and caches, as in a meeting
        for page_name in ("present", "design", "results", "kpis", "export", "portfolio", "roi", "data"):
            warm.goto(f"{url}/{page_name}?plan={plan_id}")
            warm.wait_for_selector(IDLE, timeout=120_000)
        warm.close()

        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(f"{url}/?plan={plan_id}")
        page.wait_for_selector(IDLE)
        visits = {}
        for name in PAGES:
            link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True)
            page.wait_for_timeout(300)
            page.evaluate(ARM_VISIT)
            link.click()
            visits[name] = page.evaluate("() => window.__visit")

        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Present the ROI", exact=True).click()
        page.get_by_text("ROI (forecast)", exact=True).first.wait_for()
        page.wait_for_selector(IDLE)
        thumb = page.get_by_test_id("stSlider").filter(has_text=SLIDER).get_by_role("slider")
        figure, panel = [], []
        for _ in range(PRESSES):
            thumb.focus()
            page.wait_for_timeout(100)
            page.evaluate(ARM)
            page.keyboard.press("ArrowLeft")
            first, whole = page.evaluate("() => window.__timing")
            figure.append(first)
            panel.append(whole)
        browser.close()
    return figure, panel, visits


def browser_rows() -> list[Row]:
    if not Path(CHROMIUM).exists():
        print(f"browser bench: skipped, {CHROMIUM} is missing (`make test` installs Debian's chromium)")
        return []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        plan, _ = Store(tmp / "bench.db").create(sales_skills())
        with streamlit_server(tmp / "bench.db", log=tmp / "server.log") as (url, _):
            figure, panel, visits = measure(url, plan.id)
    lost = sum(v is None for v in figure + panel)
    if lost:
        print(f"browser bench: {lost} of {2 * PRESSES} timings did not finish within 20 s (left out)")
    figure, panel = [v for v in figure if v is not None], [v for v in panel if v is not None]
    rows = [
        Row(f"presenter slider → ROI figure p50 ({PRESSES} presses)", statistics.median(figure), None, "ms",
            "–", True),
        Row("presenter slider → ROI figure p95", _pct(figure, 95), 150, "ms", "p95 ≤ 150 ms", _pct(figure, 95) <= 150),
        Row("presenter slider → whole panel p50", statistics.median(panel), None, "ms", "–", True),
        Row("presenter slider → whole panel p95", _pct(panel, 95), 300, "ms", "p95 ≤ 300 ms", _pct(panel, 95) <= 300),
    ]
    rows += [Row(f"first visit: {name}", ms, 1000, "ms", "≤ 1 s", ms <= 1000) for name, ms in visits.items()]
    return rows


if __name__ == "__main__":
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    print_table(browser_rows())

"""Many people at once: N browser sessions on one Streamlit server, each moving a ROI slider.

What it measures, for N = 1, 5, 10 (and 20 with PILOT_ROI_BENCH_N20=1):

- **rerun time**: a session focuses the thumb of the "Adoption" slider in the ROI page's live panel and presses
  ArrowRight, ten times; each time, the milliseconds from the key press until the text of the "ROI (forecast)"
  metric changes (the fragment rerun as a person sees it: the slider's own client-side delay, the round trip,
  the server's rerun under load, and the browser drawing the new value). Before the next press the session
  waits until the script has stopped running (not timed). p50 and p95 over every press of every session.
- **server rerun time**: the same reruns timed on the server, script start → finish, by session (each server
  writes one JSON line per run to its PILOT_ROI_RUN_LOG, ui/run_log.py): the live panel's fragment runs after
  "go". This is the decision figure — what one process takes per rerun as sessions are added, without the
  browser's queue — and from it, how many sessions one process serves under 300 ms p95.
- **two processes on one PostgreSQL**: N = 10 (and 20) again, sessions dealt to two app servers that share a
  PostgreSQL store (tests/postgres.py starts it), as a team behind a load balancer runs them.
- **errors**: Python exceptions shown in the page, red error boxes (st.error), browser-side page errors,
  timeouts (a page that does not open within 120 s, a metric that does not change within 60 s, an upload not
  read within 300 s), and tracebacks in the server's log.
- **memory per idle session**: the server process's resident memory (VmRSS in /proc/<pid>/status) once all N
  sessions have opened the ROI page and are idle, minus its resident memory with no session open, divided by N.
- **one upload**: session 0 first opens the ROI page like the others, then (while the others move their
  sliders) goes to "2 Data" through the sidebar, uploads a generated 10 MB HRIS-like CSV to the same plan
  through the HRIS file input, waits for its quality report, returns to "6 ROI" and moves its slider.

How: each N gets its own fresh server (`streamlit run app.py` on a free loopback port with its own temporary
database, as tests/browser/conftest.py's `running_app` starts it) and its own plan from the Sales skills template.
A fresh server per N keeps the memory figure honest: on a server that already served a round, new sessions would
fit into memory the earlier round freed and the allocator kept. Before the
"no session" reading, one throwaway session opens the ROI page and closes, so imports and caches are not counted
as session memory. "Idle" means the server and the browser together use under a quarter of a core for a second.
One Debian chromium (headless) holds all sessions, one browser context each, driven concurrently from one
asyncio loop.

The browser runs at the lowest CPU priority (nice 19, `yield_to_servers`), so the server-side times measure the
server, not a queue behind Chromium; the browser-side times then include Chromium waiting for a core. Read them
with the two CPU rows beside them: the browser runs on the same machine as the server. On
the 2-core machine this was written on, one slider move cost the server about 0.14 s of CPU and Chromium about
0.5 s (it redraws the four Plotly charts), and opening the ROI page about 0.65 s against 4–5 s; from N = 5 on,
Chromium keeps both cores busy while the server uses a third of one. The times under load then measure mostly
the browser's queue; a server with its users on their own machines would see less.

Targets: server-side p95 at N = 10 within 3× of N = 1 on one process; no errors; < 50 MB per idle session.
Nothing is asserted.
Run alone: `.venv/bin/python -m bench.sessions_bench` (PILOT_ROI_BENCH_N20=1 adds N = 20).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import Row, print_table
from core.store import Store
from core.templates import sales_skills
from tests.appserver import streamlit_server
from ui import run_log

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
N20 = os.environ.get("PILOT_ROI_BENCH_N20", "") not in ("", "0")
SIZES = (1, 5, 10, 20) if N20 else (1, 5, 10)
MOVES = 10
UPLOAD_MB = 10
SLIDER = "Adoption"  # a rate slider (0–100 in steps of 1): every step moves the ROI by whole points
OPEN_TIMEOUT_MS, MOVE_TIMEOUT_MS, UPLOAD_TIMEOUT_MS = 120_000, 60_000, 300_000
SERVED_MS = 300.0  # the server-side p95 under which a process counts as serving its sessions

# The text of the ROI metric's value in the live panel (None before it is drawn).
ROI_TEXT = """() => {
  const metric = [...document.querySelectorAll('[data-testid="stMetric"]')]
    .find(m => m.innerText.trim().startsWith('ROI ('));
  const value = metric && metric.querySelector('[data-testid="stMetricValue"]');
  return value ? value.innerText : null;
}"""
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


# -- the server ------------------------------------------------------------------------------------------

def tracebacks(log: Path) -> list[str]:
    """Every traceback in the server's log, as its exception line and the place it was raised."""
    found, place, inside = [], "", False
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Traceback"):
            inside = True
        elif inside and line.lstrip().startswith("File "):
            place = line.strip().removeprefix("File ").replace(str(ROOT) + "/", "")
        elif inside and line and not line[0].isspace():
            found.append(f"{line[:160]} ({place})")
            inside = False
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process `pid` has used so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_cpu_seconds(server_pids: set[int]) -> float:
    """CPU time of the client side: this process and its descendants except the servers (Chromium, the
    Playwright driver). Processes that have exited are not counted, so read it before closing contexts."""
    return sum(cpu_seconds(p) for p in _client_pids(server_pids) | {os.getpid()})


async def quiet(server_pids: set[int], *, cores: float = 0.25, most_s: float = 120) -> None:
    """Wait until the server and the browser together use less than `cores` of CPU over a second (Chromium
    goes on drawing charts after the page says it is done), at most `most_s` seconds."""
    deadline = time.perf_counter() + most_s
    while time.perf_counter() < deadline:
        before = _servers_cpu(server_pids) + browser_cpu_seconds(server_pids)
        await asyncio.sleep(1)
        if _servers_cpu(server_pids) + browser_cpu_seconds(server_pids) - before < cores:
            return


def yield_to_servers(server_pids: set[int]) -> None:
    """Give the browser the lowest CPU priority (nice 19): Chromium and the servers share this machine's cores, and
    at equal priority the browsers' many processes starved the servers (10 sessions: the server got 45% of a core,
    the browsers 150%), so the server-side times measured the browsers' load. New renderer processes inherit the
    browser process's priority."""
    for pid in _client_pids(server_pids):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, 19)


def _client_pids(server_pids: set[int]) -> set[int]:
    """This process's descendants except the servers: Chromium and the Playwright driver."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    ours, grew = {os.getpid()}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in ours and p not in ours and p not in server_pids}
        ours |= more
        grew = bool(more)
    return ours - {os.getpid()}


def _servers_cpu(pids: set[int]) -> float:
    return sum(cpu_seconds(p) for p in pids)


def write_hris(path: Path, mb: float = UPLOAD_MB, seed: int = 11) -> int:
    """An HRIS-like CSV of at least `mb` MB (10^6 bytes, as the uploader counts) with the sample organisation's
    columns (employee_id, name, team, job_family, site, manager_id, hire_date, salary, gender, ethnicity),
    unique ids and teams of ten led by their first member; returns its row count."""
    rows = int(mb * 1e6 / 80)
    while True:
        rng = np.random.default_rng(seed)
        ids = np.arange(rows)
        team = ids // 10
        first = rng.choice(["Noah", "Jordan", "Amira", "Lena", "Kofi", "Mei", "Ravi", "Sofia"], rows)
        last = rng.choice(["O'Brien", "Nowak", "Haddad", "Schmidt", "Mensah", "Chen", "Patel", "Garcia"], rows)
        hired = pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 3_800, rows), unit="D")
        pd.DataFrame({
            "employee_id": [f"E{i + 1:07d}" for i in ids],
            "name": np.char.add(np.char.add(first, " "), last),
            "team": [f"SAL-{t:05d}" for t in team],
            "job_family": rng.choice(["Sales", "Sales", "Sales", "Support"], rows),
            "site": rng.choice(["London", "Leeds", "Berlin", "Madrid", "Paris"], rows),
            "manager_id": ["" if i % 10 == 0 else f"E{t * 10 + 1:07d}" for i, t in zip(ids, team, strict=True)],
            "hire_date": hired.strftime("%Y-%m-%d"),
            "salary": rng.integers(400, 1_200, rows) * 100,
            "gender": rng.choice(["Female", "Male"], rows),
            "ethnicity": rng.choice(["White", "Black", "Asian", "Mixed", "Other"], rows),
        }).to_csv(path, index=False)
        size = path.stat().st_size
        if size >= mb * 1e6:
            return rows
        rows = int(rows * mb * 1e6 / size) + 100


# -- one browser session ------------------------------------------------------------------------------------

@dataclass
class Session:
    index: int
    opened_ms: float | None = None
    reruns_ms: list[float] = field(default_factory=list)
    upload_ms: float | None = None
    errors: list[str] = field(default_factory=list)


async def _problems(page, where: str) -> list[str]:
    """Exceptions and red error boxes on the page now."""
    found = []
    for test_id, kind in (("stException", "exception"), ("stAlertContentError", "error box")):
        for box in await page.get_by_test_id(test_id).all():
            found.append(f"{where}: {kind}: {(await box.inner_text())[:120]!r}")
    return found


async def _open_roi(page) -> None:
    await page.get_by_text("ROI (forecast)", exact=True).first.wait_for(timeout=OPEN_TIMEOUT_MS)
    await page.wait_for_selector(IDLE, timeout=OPEN_TIMEOUT_MS)


async def _upload(page, s: Session, csv: Path, rows: int) -> None:
    await page.get_by_role("link", name="2 Data").click()
    await page.get_by_role("heading", name="2 Data").wait_for(timeout=OPEN_TIMEOUT_MS)
    await page.wait_for_selector(IDLE, timeout=OPEN_TIMEOUT_MS)
    start = time.perf_counter()
    await page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(csv))
    await page.get_by_text(re.compile(rf"{rows:,} rows")).first.wait_for(timeout=UPLOAD_TIMEOUT_MS)
    await page.wait_for_selector(IDLE, timeout=UPLOAD_TIMEOUT_MS)
    s.upload_ms = (time.perf_counter() - start) * 1000
    s.errors += await _problems(page, "data page after the upload")
    await page.get_by_role("link", name="6 ROI").click()
    await _open_roi(page)


async def _move_slider(page, s: Session) -> None:
    thumb = page.get_by_test_id("stSlider").filter(has_text=SLIDER).get_by_role("slider")
    for _ in range(MOVES):
        await thumb.focus()
        before = await page.evaluate(ROI_TEXT)
        start = time.perf_counter()
        await page.keyboard.press("ArrowRight")
        await page.wait_for_function(f"before => [null, before].indexOf(({ROI_TEXT})()) < 0", arg=before,
                                     timeout=MOVE_TIMEOUT_MS)
        s.reruns_ms.append((time.perf_counter() - start) * 1000)
        await page.wait_for_selector(IDLE, timeout=MOVE_TIMEOUT_MS)


async def run_session(browser, index: int, url: str, ready: asyncio.Event, go: asyncio.Event,
                      upload: tuple[Path, int] | None) -> tuple[Session, object]:
    """One person: open the ROI page, say so (`ready`), wait for `go`, (upload,) move the slider. Returns the
    session and its still open browser context (closed by the caller once it has read the CPU times)."""
    from playwright.async_api import Error as PlaywrightError

    s = Session(index)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(MOVE_TIMEOUT_MS)
    page.on("pageerror", lambda exc: s.errors.append(f"browser page error: {exc}"[:160]))
    step = "opening the ROI page"
    try:
        try:
            start = time.perf_counter()
            await page.goto(url, timeout=OPEN_TIMEOUT_MS)
            await _open_roi(page)
            s.opened_ms = (time.perf_counter() - start) * 1000
            s.errors += await _problems(page, "ROI page")
        finally:
            ready.set()
        await go.wait()
        if upload is not None:
            step = "uploading"
            await _upload(page, s, *upload)
        step = "moving the slider"
        await _move_slider(page, s)
        s.errors += await _problems(page, "ROI page after the moves")
    except PlaywrightError as exc:  # a timeout or a lost page: counted, the other sessions go on
        kind = "timeout" if "Timeout" in type(exc).__name__ or "Timeout" in str(exc)[:40] else "error"
        s.errors.append(f"{kind} while {step}: {str(exc).splitlines()[0][:120]}")
        with contextlib.suppress(PlaywrightError):  # what the page shows then (an exception in place of the panel?)
            s.errors += await _problems(page, f"page after the {kind}")
    if s.opened_ms is not None and s.opened_ms > OPEN_TIMEOUT_MS:
        s.errors.append(f"timeout: the ROI page took {s.opened_ms / 1000:.0f} s to open")
    return s, context


# -- one round: N sessions on a fresh server ---------------------------------------------------------------

@dataclass
class Round:
    n: int
    servers: int  # app processes sharing the sessions (and, when 2, one PostgreSQL database)
    sessions: list[Session]
    idle_mb_per_session: float
    base_mb: float
    tracebacks: list[str]
    seconds: float
    busy_seconds: float  # wall time from "go" until the last session finished
    server_cpu: float  # CPU seconds the servers used in that time
    browser_cpu: float  # and the browser
    server_runs_ms: list[float] = field(default_factory=list)  # the live panel's reruns, timed on the server
    server_runs_cpu_ms: list[float] = field(default_factory=list)  # the CPU their threads used

    @property
    def reruns(self) -> list[float]:
        return [t for s in self.sessions for t in s.reruns_ms]

    @property
    def errors(self) -> list[str]:
        return [e for s in self.sessions for e in s.errors] + [f"server log: {t}" for t in self.tracebacks]

    def pct(self, q: float) -> float:
        return float(np.percentile(self.reruns, q)) if self.reruns else float("nan")

    def server_pct(self, q: float) -> float:
        return float(np.percentile(self.server_runs_ms, q)) if self.server_runs_ms else float("nan")


async def run_round(browser, n: int, tmp: Path, upload: tuple[Path, int], *, servers: int = 1,
                    database: str | None = None) -> Round:
    """N sessions on `servers` fresh app processes (sessions dealt round-robin), on `database` (a PostgreSQL URL)
    or a fresh SQLite file. Each server writes its runs' durations to its own run log (ui/run_log.py)."""
    started = time.perf_counter()
    db = database or tmp / f"sessions_{n}.db"
    plan, _ = Store(db).create(sales_skills())
    runs = [tmp / f"runs_{n}_{servers}_{k}.jsonl" for k in range(servers)]
    with contextlib.ExitStack() as stack:
        started_servers = [stack.enter_context(streamlit_server(
            db, log=tmp / f"server_{n}_{servers}_{k}.log", env={"PILOT_ROI_RUN_LOG": str(runs[k])}))
            for k in range(servers)]
        pids = {proc.pid for _, proc in started_servers}
        yield_to_servers(pids)
        urls = [f"{url}/roi?plan={plan.id}" for url, _ in started_servers]
        for url in urls:  # imports and caches, so they do not count as session memory
            warm = await browser.new_context()
            warm_page = await warm.new_page()
            await warm_page.goto(url, timeout=OPEN_TIMEOUT_MS)
            await _open_roi(warm_page)
            await warm.close()
        await quiet(pids)
        base = sum(rss_mb(p) for p in pids)

        readies = [asyncio.Event() for _ in range(n)]
        go = asyncio.Event()
        tasks = [asyncio.create_task(run_session(browser, i, urls[i % servers], readies[i], go,
                                                 upload if i == 0 else None)) for i in range(n)]
        await asyncio.gather(*(r.wait() for r in readies))
        await quiet(pids)  # idle: every session has drawn its ROI page
        idle = sum(rss_mb(p) for p in pids)
        go_at, go_wall = time.perf_counter(), time.time()
        server_at, browser_at = _servers_cpu(pids), browser_cpu_seconds(pids)
        go.set()
        done = await asyncio.gather(*tasks)
        busy = time.perf_counter() - go_at
        server_cpu, browser_cpu = _servers_cpu(pids) - server_at, browser_cpu_seconds(pids) - browser_at
        for _, context in done:
            await context.close()
        sessions = [s for s, _ in done]
        server_errors = [t for k in range(servers) for t in tracebacks(tmp / f"server_{n}_{servers}_{k}.log")]
    timed = [r for path in runs for r in run_log.read(path)
             if r["what"] == "live panel" and r["ended"] == "finished" and r["at"] >= go_wall]
    return Round(n, servers, sessions, (idle - base) / n, base, server_errors, time.perf_counter() - started, busy,
                 server_cpu, browser_cpu, [r["ms"] for r in timed], [r.get("cpu_ms", 0.0) for r in timed])


async def run_all(sizes: tuple[int, ...] = SIZES) -> list[Round]:
    """Every N on one process (SQLite), then the largest sizes on two processes sharing one PostgreSQL."""
    from playwright.async_api import async_playwright

    from tests import postgres

    rounds = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        csv = tmp / "hris_10mb.csv"
        rows = write_hris(csv)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for n in sizes:
                    rounds.append(await run_round(browser, n, tmp, (csv, rows)))
                if postgres.binaries() is not None:
                    with postgres.server() as url:
                        for n in [n for n in sizes if n >= 10]:
                            rounds.append(await run_round(browser, n, tmp, (csv, rows), servers=2,
                                                          database=postgres.fresh_schema(url)))
            finally:
                await browser.close()
    return rounds


# -- the printed rows ---------------------------------------------------------------------------------------

def rows_for(rounds: list[Round]) -> list[Row]:
    one = next((r for r in rounds if r.n == 1 and r.servers == 1), None)
    out = []
    for r in rounds:
        p95_1 = one.pct(95) if one else None
        server_1 = one.server_pct(95) if one else None
        judged = r.n == 10 and r.servers == 1 and p95_1 is not None
        opened = [s.opened_ms for s in r.sessions if s.opened_ms is not None]
        upload = r.sessions[0].upload_ms
        where = "one process, SQLite" if r.servers == 1 else f"{r.servers} processes, one PostgreSQL"
        out += [
            Row(f"{r.n} concurrent sessions ({where}): slider rerun p50 in the browser ({len(r.reruns)} moves)",
                r.pct(50), None, "ms", "reported", True),
            Row("  browser p95 (ratio vs N = 1)", r.pct(95), p95_1, "ms", "reported", True),
            Row(f"  server p95: live-panel rerun, script start → finish ({len(r.server_runs_ms)} runs)",
                r.server_pct(95), server_1, "ms", "≤ 3× at N = 10" if judged else "reported",
                r.server_pct(95) <= 3 * server_1 if judged else True),
            Row("  server p50", r.server_pct(50), None, "ms", "reported", True),
            Row("  server CPU per rerun, median (its thread's own CPU time)",
                float(np.median(r.server_runs_cpu_ms)) if r.server_runs_cpu_ms else float("nan"), None, "ms",
                "reported", True),
            Row("  errors (exceptions, error boxes, timeouts, tracebacks)", len(r.errors), None, "", "0",
                not r.errors),
            Row(f"  server memory per idle session (RSS − {r.base_mb:.0f} MB) ÷ {r.n}", r.idle_mb_per_session, None,
                "MB", "< 50 MB", r.idle_mb_per_session < 50),
            Row("  ROI page open, slowest session", max(opened) if opened else float("nan"), None, "ms", "reported",
                True),
            Row(f"  session 0: {UPLOAD_MB} MB HRIS upload until its report", upload or float("nan"), None, "ms",
                "reported", True),
            Row("  server CPU while the sessions move sliders (% of one core)", 100 * r.server_cpu / r.busy_seconds,
                None, "%", "reported", True),
            Row("  browser + Playwright CPU in that time (% of one core; 2 here)", 100 * r.browser_cpu / r.busy_seconds,
                None, "%", "reported", True),
            Row("  whole round (servers start to last session closed)", r.seconds, None, "s", "reported", True),
        ]
    single = [r for r in rounds if r.servers == 1 and r.server_runs_ms]
    served = max((r.n for r in single if r.server_pct(95) < SERVED_MS), default=0)
    if single:
        out.append(Row(f"sessions one process serves with server p95 < {SERVED_MS:.0f} ms (of N tried: "
                       f"{', '.join(str(r.n) for r in single)})", served, None, "", "reported", True))
    return out


def session_rows() -> list[Row]:
    """The rows for `make bench`; what went wrong is printed above the table, one line each (ten per N)."""
    if not Path(CHROMIUM).exists():
        print(f"sessions bench: skipped, {CHROMIUM} is missing (`make test` installs Debian's chromium)")
        return []
    print(f"sessions bench: N = {', '.join(map(str, SIZES))} concurrent browser sessions, about "
          + ("8–9 minutes" if N20 else "3–4 minutes") + " on a 2-core machine"
          + ("" if N20 else "; N = 20 adds about 5 minutes and runs with PILOT_ROI_BENCH_N20=1"))
    rounds = asyncio.run(run_all())
    for r in rounds:
        for error in r.errors[:10]:
            print(f"sessions bench, N = {r.n}: {error}")
    return rows_for(rounds)


if __name__ == "__main__":
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    print_table(session_rows())

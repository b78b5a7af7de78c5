"""Each script run's duration as the server measures it — start to finish, by session — for `make bench`.

Off unless PILOT_ROI_RUN_LOG names a file; then every page run and every live-panel (fragment) run appends one
JSON line: {"session", "what", "ms", "cpu_ms", "ended", "at"}. "cpu_ms" is the CPU time the run's own thread
used, so a run that waited (for the GIL, a lock, another session's computation) shows as ms ≫ cpu_ms. "ended" is
"finished", or the exception that ended the run early (StopException when a page stops on purpose or its session
ends, RerunException when a click replaced it). The browser's view of the same rerun adds the round trip and the
drawing; this is the server's share alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator

_LOCK = threading.Lock()


@contextlib.contextmanager
def timed(what: str) -> Iterator[None]:
    """Time the block (or, as a decorator, each call) and append a line to PILOT_ROI_RUN_LOG."""
    path = os.environ.get("PILOT_ROI_RUN_LOG")
    if not path:
        yield
        return
    start, cpu, ended = time.perf_counter(), time.thread_time(), "finished"
    try:
        yield
    except BaseException as exc:
        ended = type(exc).__name__
        raise
    finally:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
        line = json.dumps({"session": ctx.session_id if ctx else "", "what": what, "ended": ended,
                           "ms": round((time.perf_counter() - start) * 1000, 2),
                           "cpu_ms": round((time.thread_time() - cpu) * 1000, 2), "at": time.time()})
        with _LOCK, open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")


def read(path: str | os.PathLike) -> list[dict]:
    """The lines a server wrote (none when it wrote nothing)."""
    try:
        with open(path, encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]
    except FileNotFoundError:
        return []

"""`streamlit run app.py` on a free loopback port, as the browser tests and `make bench` start it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        return urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok"
    except OSError:
        return False


@contextlib.contextmanager
def streamlit_server(db: Path | str, *, log: Path, port: int | None = None,
                     secrets: Path | None = None,
                     env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """The app with database `db` (a SQLite file or a postgresql:// URL) and a secrets file (e.g. with [auth]) on
    `port` or a free one, with `env` added to its environment; its output goes to `log`. Yields (base URL,
    process); RuntimeError with the log's tail if it does not start in 60 s."""
    port = port or free_port()
    env = {**os.environ, "PILOT_ROI_DB": str(db), **(env or {})}
    extra = ["--secrets.files", str(secrets)] if secrets else []
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", *extra],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while not healthy(url):
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("streamlit did not start: " + log.read_text(errors="replace")[-2000:])
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

"""A real PostgreSQL server for the tests: Debian's package (installed by `make test`), a temporary data folder,
a loopback port, trust authentication; stopped when the tests end."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on the PATH, or where Debian puts them (/usr/lib/postgresql/N/bin)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server() -> Iterator[str]:
    """Start a server and yield its URL (postgres://pilot@127.0.0.1:PORT/postgres)."""
    folder = binaries()
    if folder is None:
        raise RuntimeError("PostgreSQL is not installed: run `make test`, which installs Debian's package.")
    home = Path(tempfile.mkdtemp(prefix="pilot-roi-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as Debian's postgres user
        shutil.chown(home, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = home / "data", _free_port()
    subprocess.run([*as_user, str(folder / "initdb"), "-D", str(data), "-U", "pilot", "--auth=trust",
                    "--encoding=UTF8", "--no-sync"], check=True, capture_output=True)
    options = f"-h 127.0.0.1 -p {port} -k {home} -c fsync=off -c shared_buffers=32MB"
    subprocess.run([*as_user, str(folder / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"),
                    "-w", "start"], check=True, capture_output=True)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"postgres://pilot@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def fresh_schema(url: str) -> str:
    """A URL whose connections work in a new, empty schema of the server at `url` (one per test: cheaper than a
    database, and nothing one test leaves behind is seen by the next)."""
    import secrets

    import psycopg

    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"create schema {name}")
    return f"{url}?options=-csearch_path%3D{name}"

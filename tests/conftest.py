"""Shared fixtures: a temporary database for every test that needs one; the markers each test carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.store import Store

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items) -> None:
    """`browser` on the tests in tests/browser (a real Chromium and app server), `postgres` on the warehouse tests
    (a PostgreSQL server): `pytest -m "not browser and not postgres"` runs what needs neither."""
    for item in items:
        path = Path(str(item.fspath))
        if HERE / "browser" in path.parents:
            item.add_marker(pytest.mark.browser)
        if path.name == "test_warehouse.py":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    path = tmp_path / "pilot_roi.db"
    monkeypatch.setenv("PILOT_ROI_DB", str(path))
    return path


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL server for this test process (started on first use, stopped at the end)."""
    from tests import postgres

    if postgres.binaries() is None:
        pytest.fail("PostgreSQL is not installed: `make test` installs Debian's package")
    with postgres.server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_location(request, tmp_path, monkeypatch) -> str:
    """Where the store keeps plans, once for each backend: a SQLite file, and a fresh schema on PostgreSQL."""
    from tests import postgres

    if request.param == "sqlite":
        location = str(tmp_path / "pilot_roi.db")
    else:
        location = postgres.fresh_schema(request.getfixturevalue("pg_url"))
    monkeypatch.setenv("PILOT_ROI_DB", location)
    return location


@pytest.fixture
def store(db_location) -> Store:
    return Store(db_location)


def joined(files: dict[str, tuple[str, bytes]]):
    """Files (kind → (name, bytes)) joined into one panel, with the roles the Data step guesses."""
    from core import ingest, panel, quality

    sources = {}
    for kind, (name, data) in files.items():
        table = ingest.read_table(data, name)
        roles = ingest.guess_roles(table)
        parsed, _ = quality.parse(table, roles)
        sources[kind] = panel.Source(kind, table, roles, parsed)
    return panel.build(sources)


@pytest.fixture(scope="session")
def before_pilot_panel():
    """The bundled sample organisation (its twelve months before the pilot) joined into one panel."""
    from ui.datasets import SAMPLE, SAMPLE_FILES

    return joined({kind: (name, (SAMPLE / name).read_bytes()) for kind, name in SAMPLE_FILES.items()})


@pytest.fixture(scope="session")
def sample_panel():
    """The sample organisation with its pilot run for `tests.sample.pilot_teams()` (history unchanged)."""
    from tests import sample

    return joined(sample.files())

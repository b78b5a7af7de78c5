"""Shared fixtures: a temporary database for every test that needs one."""

from __future__ import annotations

import pytest

from core.store import Store


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    path = tmp_path / "pilot_roi.db"
    monkeypatch.setenv("PILOT_ROI_DB", str(path))
    return path


@pytest.fixture
def store(db_file) -> Store:
    return Store(db_file)


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

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


@pytest.fixture(scope="session")
def sample_panel():
    """The bundled sample organisation joined into one panel, with the roles the Data step guesses."""
    from pathlib import Path

    from core import ingest, panel, quality

    folder = Path(__file__).resolve().parents[1] / "sample_data"
    sources = {}
    for kind, name in {"hris": "hris.csv", "lms": "lms_events.csv", "assessments": "assessments.csv",
                       "kpis": "kpis_monthly.csv"}.items():
        table = ingest.read_table((folder / name).read_bytes(), name)
        roles = ingest.guess_roles(table)
        parsed, _ = quality.parse(table, roles)
        sources[kind] = panel.Source(kind, table, roles, parsed)
    return panel.build(sources)

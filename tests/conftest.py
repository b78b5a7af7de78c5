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

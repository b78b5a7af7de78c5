"""AppTest helpers: the app on a temporary database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def new_app(plan_id: str | None = None, page: str | None = None) -> AppTest:
    """A fresh browser session; `plan_id` as if opened with ?plan=<id>."""
    at = AppTest.from_file(APP, default_timeout=60)
    if plan_id:
        at.query_params["plan"] = plan_id
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


@pytest.fixture
def app(db_file):
    return new_app


def texts(at: AppTest, kind: str) -> list[str]:
    """The text of each element of `kind` as a reader sees it (Markdown escapes and the zero-width spaces that
    keep addresses from becoming links removed)."""
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", element.value).replace("\u200b", "")
            if isinstance(element.value, str) else element.value for element in getattr(at, kind)]


@pytest.fixture
def downloads(monkeypatch):
    """Capture what st.download_button serves: {file name: bytes} of the last run."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    stores: list[MemoryMediaFileStorage] = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)

    def files() -> dict[str, bytes]:
        return {f.filename: f.content for f in stores[-1]._files_by_id.values()} if stores else {}

    return files


def with_sample_data(db_file, plan, *, piloted: bool = False):
    """Store `plan` with the bundled sample files attached, as "Load sample data" does (`piloted`: with the pilot
    period simulated for tests.sample's teams); returns the plan."""
    import hashlib

    from core import ingest
    from core.plan import SourceMapping
    from core.store import Store
    from tests import sample
    from ui.datasets import SAMPLE, SAMPLE_FILES

    store = Store(db_file)
    plan, version = store.create(plan)
    files = sample.files() if piloted else {k: (n, (SAMPLE / n).read_bytes()) for k, n in SAMPLE_FILES.items()}
    for kind, (name, data) in files.items():
        store.put_dataset(plan.id, kind, name, data)
        roles = ingest.guess_roles(ingest.read_table(data, name))
        plan.data.sources[kind] = SourceMapping(name, hashlib.sha256(data).hexdigest(), roles)
    store.save(plan, expected_version=version)
    return plan

"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def restore_cache(tmp_path_factory, worker_id) -> Path:
    """One folder of restore snapshots for the whole session, shared by the pytest-xdist workers.

    Snapshots are keyed by the content of the cells they replay and only ever added whole, so
    tests that each start from their own scratch folder can share them: each earlier notebook is
    replayed once per session instead of once per test. Tests of a fresh clone do not use it.
    """
    base = tmp_path_factory.getbasetemp()
    return (base if worker_id == "master" else base.parent) / "restore-cache"


@pytest.fixture
def scratch(tmp_path, monkeypatch, restore_cache) -> Path:
    """An empty scratch folder for the notebooks run by this test (``COURSE_WORKDIR``), with the
    session's shared restore snapshots (``COURSE_CACHE``)."""
    monkeypatch.setenv("COURSE_WORKDIR", str(tmp_path / "work"))
    monkeypatch.setenv("COURSE_CACHE", str(restore_cache))
    return tmp_path / "work"

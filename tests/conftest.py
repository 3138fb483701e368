"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def copy_of_the_course(folder: Path) -> Path:
    """A throwaway clone of the course as its files are now (tracked and new files, not what git
    ignores), committed, with this checkout's ``.venv/`` linked in: the place to run the commands
    the documentation shows, exactly as written, without touching this checkout's ``student/`` or
    ``work/``. Run them with :func:`copy_env`, so that the linked environment imports the copy's
    ``course`` package rather than this checkout's (it is installed in editable mode)."""
    from course.cli import REPO

    if Path(sys.prefix).resolve() != (REPO / ".venv").resolve():
        pytest.skip("the documented commands run with the course's .venv/ (make test), not "
                    f"{Path(sys.prefix).name}/: make would rebuild the environment it runs in")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():  # a file deleted but not yet committed is left out
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, folder / name)
    try:
        (folder / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    except OSError:
        if os.name != "nt":
            raise
        # Windows lets only administrators and developer mode make symbolic links; a junction, the
        # folder link any user may make, does the same here (and rmtree removes it, not its target).
        subprocess.run(["cmd", "/c", "mklink", "/J", str(folder / ".venv"), str(REPO / ".venv")],
                       check=True, capture_output=True)
    git = ["git", "-c", "user.name=course", "-c", "user.email=course@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the course as tested"]):
        subprocess.run([*git, *args], cwd=folder, check=True, capture_output=True)
    return folder


def copy_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment for a command run in the copy ``folder``: this one without the course's
    and pytest's own variables, with the copy's ``course`` package first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "PYTEST_", "JUPYTER_"))}
    return {**env, "PYTHONPATH": str(folder), **extra}

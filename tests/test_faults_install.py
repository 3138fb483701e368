"""An install stopped with Ctrl-C, as a learner does in its first seconds, and the next one."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import copy_env, copy_of_the_course

pytestmark = pytest.mark.faults


def _ctrl_c_once_the_interpreter_exists(folder: Path) -> subprocess.CompletedProcess:
    """``make install`` in ``folder``, with Ctrl-C (SIGINT to its process group, as a terminal sends
    it) as soon as ``.venv/`` has its interpreter and before pip is in it; what it printed."""
    make = subprocess.Popen(["make", "install", "POSTGRES=no"], cwd=folder, env=copy_env(folder),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    python, deadline = folder / ".venv" / "bin" / "python", time.monotonic() + 60
    while not python.exists() and make.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not list(folder.glob(".venv/lib/python*/site-packages/pip")), "pip came too early to test this"
    os.killpg(make.pid, signal.SIGINT)
    out, err = make.communicate(timeout=60)
    return subprocess.CompletedProcess(make.args, make.returncode, out, err)


@pytest.mark.skipif(os.name == "nt", reason="Ctrl-C is sent as SIGINT to the process group (POSIX)")
def test_make_install_stopped_before_pip_is_finished_by_the_next_make_install(tmp_path):
    folder = copy_of_the_course(tmp_path / "course")
    (folder / ".venv").unlink()  # the copy's own environment, made from nothing
    stopped = _ctrl_c_once_the_interpreter_exists(folder)
    assert stopped.returncode != 0
    assert "Install stopped (Ctrl-C): run the same command again to finish it." in stopped.stderr
    assert "Traceback" not in stopped.stdout + stopped.stderr, stopped.stderr

    again = subprocess.run(["make", "install", "POSTGRES=no"], cwd=folder, env=copy_env(folder),
                           capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    added = ".venv/ has no pip (an earlier install was stopped before it was added): adding it."
    assert added in again.stdout
    django = subprocess.run([folder / ".venv" / "bin" / "python", "-c", "import django, course"],
                            cwd=folder, capture_output=True, text=True)
    assert django.returncode == 0, django.stderr


def test_a_course_moved_after_its_install_is_installed_again_for_its_new_folder(tmp_path):
    """The editable install points at the folder it was made from: moved or renamed, every lesson's
    `from course import …` failed, and make install said nothing (its stamp was there)."""
    folder = copy_of_the_course(tmp_path / "course")
    (folder / ".venv").unlink()
    env = {k: v for k, v in copy_env(folder).items() if k != "PYTHONPATH"}  # the course's own .venv alone
    first = subprocess.run(["make", "install", "POSTGRES=no"], cwd=folder, env=env, capture_output=True,
                           text=True, timeout=900)
    assert first.returncode == 0, first.stdout + first.stderr
    moved = folder.rename(tmp_path / "my course")
    again = subprocess.run(["make", "install", "POSTGRES=no"], cwd=moved, env=env, capture_output=True,
                           text=True, timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (".venv/ was installed for the course in another folder (moved or renamed since): installing it "
            "for this one.") in again.stdout
    where = "import course; print(course.__file__)"
    found = subprocess.run([moved / ".venv" / "bin" / "python", "-c", where], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert found.stdout.strip() == str(moved / "course" / "__init__.py"), found.stderr

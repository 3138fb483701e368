"""A second `make lab` while the first one runs: the learner is sent to the running JupyterLab."""

from __future__ import annotations

import subprocess

import pytest
from conftest import copy_env, copy_of_the_course, documented_lab

from course.series import lesson

SETTINGS = lesson("split_settings")  # a lesson whose first cell is quick

pytestmark = pytest.mark.faults


def test_a_second_make_lab_opens_the_running_one_instead_of_a_second_server_on_the_same_copies(tmp_path):
    """Two JupyterLabs on one student/ would each autosave their tabs over the other's edits."""
    folder = copy_of_the_course(tmp_path / "course")
    with documented_lab(folder, "make lab") as first:
        recorder = tmp_path / "browser"
        second = subprocess.run(["make", "lab"], cwd=folder, capture_output=True, text=True, timeout=120,
                                env=copy_env(folder, BROWSER=f"{recorder} %s"))
        assert second.returncode == 0, second.stdout + second.stderr
        said = [line for line in second.stdout.splitlines() if "JupyterLab already serves" in line]
        assert said and said[0].startswith("JupyterLab already serves student/ (process "), second.stdout
        assert said[0].endswith("stop that one first (File › Shut Down, or Ctrl-C where it runs).")
        opened = (tmp_path / "opened.txt").read_text(encoding="utf-8").split()
        assert len(opened) == 2 and opened[1].split("/lab")[0] == first.split("/lab")[0], opened
        servers = subprocess.run(["pgrep", "-f", f"root_dir={folder / 'student'}"],
                                 capture_output=True, text=True)
        assert len(servers.stdout.split()) == 1, servers.stdout


def test_make_clean_and_replacing_copies_wait_until_jupyterlab_is_stopped(tmp_path):
    """make clean would delete work/ under the running lessons (their dev servers, PostgreSQL);
    fresh copies written under open tabs would get the old work saved over them."""
    folder = copy_of_the_course(tmp_path / "course")
    with documented_lab(folder, "make lab"):
        mine = folder / "student" / SETTINGS.name
        before = mine.read_bytes()
        for command in ("make clean", "make clean STUDENT=yes", "make student REPLACE=yes"):
            refused = subprocess.run(command.split(), cwd=folder, capture_output=True, text=True, timeout=120,
                                     env=copy_env(folder))
            assert refused.returncode != 0, (command, refused.stdout)
            line = refused.stderr.splitlines()[0]
            assert line.startswith("JupyterLab serve") and "(File › Shut Down" in line, refused.stderr
            assert "removed" not in refused.stdout and "wrote" not in refused.stdout, refused.stdout
        assert mine.read_bytes() == before and not list(folder.glob("student-*"))
    cleaned = subprocess.run(["make", "clean"], cwd=folder, capture_output=True, text=True,
                             env=copy_env(folder))
    assert cleaned.returncode == 0, cleaned.stderr


def test_make_clean_waits_for_a_kernel_started_without_make_lab(tmp_path, kernels):
    """A kernel of another JupyterLab or an editor holds its lesson's folder: make clean names it."""
    folder = copy_of_the_course(tmp_path / "course")
    kernel = kernels(COURSE_WORKDIR=str(folder / "work"))
    opened = kernel.run(f"from course.workspace import open_project\nopen_project({SETTINGS.stem!r})")
    assert "ready" in opened[0], opened
    refused = subprocess.run(["make", "clean"], cwd=folder, capture_output=True, text=True,
                             env=copy_env(folder))
    assert refused.returncode != 0 and (folder / "work" / SETTINGS.stem / "manage.py").is_file()
    line = refused.stderr.splitlines()[0]
    assert line.startswith(f"A kernel runs in work/{SETTINGS.stem}/ (process {kernel.pid}, since "), line
    assert line.endswith("shut it down first, then run this again."), line
    kernel.shutdown()
    cleaned = subprocess.run(["make", "clean"], cwd=folder, capture_output=True, text=True,
                             env=copy_env(folder))
    assert cleaned.returncode == 0 and not (folder / "work").exists(), cleaned.stdout + cleaned.stderr

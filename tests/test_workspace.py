"""Unit tests of ``course.workspace``: a notebook's project folder, restored from the step cells before it,
and the kernel's versions checked."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from course import series, workspace
from course.lessonformat import STEP


def test_scratch_folder_not_made_by_the_course_is_left_alone(tmp_path):
    folder = tmp_path / series.notebooks()[0].stem
    folder.mkdir()
    (folder / "mine.txt").write_text("a student's file")
    with pytest.raises(FileExistsError, match="left alone"):
        workspace._reset(folder)
    assert (folder / "mine.txt").read_text() == "a student's file"


def test_unknown_notebook_name_lists_the_series():
    with pytest.raises(ValueError, match=series.notebooks()[0].stem):
        workspace.open_project("99_nothing")


def test_a_broken_step_names_its_notebook_and_the_fix(tmp_path, monkeypatch, capsys):
    """One line names the notebook and the fix; the cell and what it printed are printed above it."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('manage("migrate")', metadata={"tags": [STEP]})]
    path = tmp_path / "01_broken.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "manage.py").write_text("import sys\nsys.exit('no such table')\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(workspace.StepFailed) as excinfo:
        workspace.replay(path)
    message = str(excinfo.value)
    assert "01_broken.ipynb" in message and "git checkout notebooks/01_broken.ipynb" in message
    assert "\n" not in message
    printed = capsys.readouterr().out
    assert 'manage("migrate")' in printed and "no such table" in printed


def test_first_cell_can_be_rerun_in_the_same_kernel(tmp_path, monkeypatch, capsys):
    """Running open_project twice (rerunning a notebook from the top) resets the folder again."""
    monkeypatch.setenv("COURSE_WORKDIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    first, second = series.notebooks()[:2]
    for _ in range(2):
        workspace.open_project(second.stem)
        assert Path.cwd() == tmp_path / second.stem
        assert Path("db.sqlite3").is_file()
    lines = capsys.readouterr().out.splitlines()
    ready = f"Project folder {second.stem}/ ready: restored what notebook {first.stem[:2]} built."
    assert lines == [ready] * 2
    from IPython.core.interactiveshell import InteractiveShell

    leaked = {"manage", "django_admin", "Path", "tree"} & set(InteractiveShell.instance().user_ns)
    assert not leaked, "replayed step cells left names in the notebook's namespace"


def test_another_django_version_stops_with_what_to_do(monkeypatch):
    import django

    monkeypatch.setattr(django, "VERSION", (6, 0, 0, "final", 0))
    monkeypatch.setattr(django, "get_version", lambda: "6.0")
    expected = r"runs Django 6\.0 \(.*written for Django 5\.2 LTS.*make lab"
    with pytest.raises(workspace.WrongVersions, match=expected):
        workspace.check_versions()


def test_an_unsupported_python_stops_with_what_to_do(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 10, 13, "final", 0))
    monkeypatch.setattr("platform.python_version", lambda: "3.10.13")
    expected = r"runs Python 3\.10\.13 \(the course supports 3\.11 to 3\.14\)"
    with pytest.raises(workspace.WrongVersions, match=expected):
        workspace.check_versions()


def test_any_environment_with_the_right_versions_is_accepted():
    workspace.check_versions()  # this test's own environment: not necessarily the course's .venv


def test_the_work_folder_is_beside_the_notebooks_the_kernel_started_in(tmp_path, monkeypatch):
    """A learner's own copy (pulled onto a hub where the course is installed once) keeps its work
    beside it, so the lessons' `cd ../work/NN_…` holds; the folder is found once per kernel, which
    open_project then moves elsewhere. Elsewhere, the course's own work/."""
    monkeypatch.delenv("COURSE_WORKDIR", raising=False)
    monkeypatch.setattr(workspace, "_learners", None)
    monkeypatch.chdir(tmp_path)
    assert workspace.work_root() == series.REPO / "work"  # not a folder of lessons
    copies = tmp_path / "course" / "student"
    copies.mkdir(parents=True)
    (copies / series.notebooks()[0].name).write_text("{}")
    monkeypatch.chdir(copies)
    assert workspace.work_root() == tmp_path / "course" / "work"
    monkeypatch.chdir(series.NOTEBOOKS)  # where open_project stands while it restores
    assert workspace.work_root() == tmp_path / "course" / "work"
    monkeypatch.setenv("COURSE_WORKDIR", str(tmp_path / "elsewhere"))
    assert workspace.work_root() == tmp_path / "elsewhere"

"""``python -m course``: the install and test commands for every machine, and what they promise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

import pytest

from course import PYTHONS, cli, lab
from course.series import lesson, notebooks

PYPROJECT = tomllib.loads((cli.REPO / "pyproject.toml").read_text(encoding="utf-8"))


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_supported_versions_are_stated_once_and_agree_with_pyproject():
    assert PYPROJECT["project"]["requires-python"] == f">={PYTHONS[0]},<3.{int(PYTHONS[-1][2:]) + 1}"
    assert [int(v[2:]) for v in PYTHONS] == list(range(int(PYTHONS[0][2:]), int(PYTHONS[-1][2:]) + 1))


def test_an_unsupported_python_gets_one_line_naming_what_works():
    pretend = ("import runpy, sys; sys.version_info = (3, 10, 13); "
               "runpy.run_module('course', run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", pretend, "lab"], cwd=cli.REPO, capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "is not supported: the course needs CPython 3.11 to 3.14" in line
    assert "PYTHON=" in line and "-m course lab" in line


def test_the_lock_pins_every_declared_dependency_exactly():
    pinned = {}
    for line in (cli.REPO / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            name, version = line.split(";")[0].strip().split("==")
            pinned.setdefault(normalised(name), []).append(version)
    project = PYPROJECT["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["postgres"]
    for requirement in declared:
        name = normalised(re.match(r"[A-Za-z0-9_.-]+", requirement).group())
        assert name in pinned, f"{name} is declared in pyproject.toml but not pinned: run `make lock`"
    assert all(version.startswith("5.2.") for version in pinned["django"]), "the series is on 5.2 LTS"


def test_the_lock_says_how_it_is_made():
    header = (cli.REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()[:2]
    assert header[1].strip() == "#    make lock"


def test_this_python_is_found_by_its_version():
    command = cli.find_python(cli.this_python())
    assert command is not None
    probe = [*command, "-c", "import sys; print(sys.version_info[:2])"]
    out = subprocess.run(probe, capture_output=True, text=True)
    assert out.stdout.strip() == str(sys.version_info[:2])


def test_a_version_that_is_not_here_is_not_found():
    assert cli.find_python("3.99") is None


def test_a_requested_python_that_is_missing_fails_and_says_so(monkeypatch, capsys):
    monkeypatch.setattr(cli, "find_python", lambda version: None)
    other = next(v for v in PYTHONS if v != cli.this_python())
    assert cli.test_pythons([other], postgres=False) == 1
    out = capsys.readouterr().out
    assert f"Python {other}: not found" in out and f"Requested but not found: Python {other}" in out


def test_without_a_request_missing_pythons_are_listed_not_failed(monkeypatch, capsys):
    monkeypatch.setattr(cli, "find_python", lambda version: None)
    assert cli.test_pythons([], postgres=False) == 0
    out = capsys.readouterr().out
    assert out.count(": not found") == len(PYTHONS) - 1
    assert f"Python {cli.this_python()}: the reference" in out


def test_an_unsupported_version_cannot_be_requested():
    with pytest.raises(cli.Stop, match="3.10 is not one the course supports"):
        cli.test_pythons(["3.10"], postgres=False)


def test_a_folder_that_is_not_a_venv_is_left_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(cli.Stop, match="not a virtual environment"):
        cli._make_venv(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_clean_keeps_environments_and_the_learners_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "REPO", tmp_path)
    for folder in ["work/01/x", ".venv/lib/__pycache__", "course/__pycache__", "project/core", "student"]:
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "project" / "core" / "db.sqlite3").write_text("")
    (tmp_path / "project" / "core" / "settings.py").write_text("")
    mine = lesson("routers").name
    (tmp_path / "student" / mine).write_text("my work")
    cli.clean()
    out = capsys.readouterr().out
    assert "removed work" in out and "removed project/core/db.sqlite3" in out and "kept student/" in out
    assert not (tmp_path / "work").exists() and not (tmp_path / "course" / "__pycache__").exists()
    assert not (tmp_path / "project" / "core" / "db.sqlite3").exists()
    assert (tmp_path / ".venv" / "lib" / "__pycache__").exists()
    assert (tmp_path / "project" / "core" / "settings.py").exists()
    assert (tmp_path / "student" / mine).read_text() == "my work"
    cli.clean(student=True)
    out = capsys.readouterr().out
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("student-")]
    assert not (tmp_path / "student").exists() and len(aside) == 1, "student/ is set aside, never deleted"
    assert (aside[0] / mine).read_text() == "my work"
    assert f"moved student/ (1 notebook: your copies and your work in them) to {aside[0].name}/" in out, out
    cli.clean(student=False)
    assert (aside[0] / mine).read_text() == "my work", "make clean leaves the set-aside copies"


@pytest.mark.parametrize(("solutions", "lessons", "autosave"),
                         [(False, "student", True), (True, "notebooks", False)])
def test_lab_opens_the_right_copies_with_the_courses_settings(solutions, lessons, autosave):
    import json

    argv, where = lab.lab_command(cli.REPO / ".venv" / "bin" / "python", solutions=solutions)
    assert "--ServerApp.ip=127.0.0.1" in argv and argv[-1] == notebooks()[0].name
    served = cli.REPO if solutions else cli.REPO / "student"  # learners never see notebooks/
    assert f"--ServerApp.root_dir={served}" in argv
    assert where == cli.REPO / lessons, "run in the lessons' folder: the file to open is found from there"
    folder = next(a.split("=", 1)[1] for a in argv if a.startswith("--LabApp.app_settings_dir="))
    overrides = json.loads((cli.Path(folder) / "overrides.json").read_text(encoding="utf-8"))
    documents = overrides["@jupyterlab/docmanager-extension:plugin"]
    assert documents["defaultViewers"]["markdown"] == "Markdown Preview"
    assert documents.get("autosave", True) is autosave
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_every_nbval_run_is_spelt_once_with_its_cell_timeout():
    """The nbval command line is written once (``cli.NBVAL``), with a cell timeout of a few minutes:
    far above the slowest real cell (about 4 s), far below nbval's default (2000 s)."""
    assert cli.NBVAL == ["--nbval", "--nbval-current-env", f"--nbval-cell-timeout={cli.CELL_TIMEOUT}"]
    assert 60 <= cli.CELL_TIMEOUT <= 300
    spelt = re.compile("[\"']--nbval")  # a string that starts an nbval option
    sources = [*(cli.REPO / "course").glob("*.py"), *(cli.REPO / "tests").glob("*.py"), cli.REPO / "Makefile",
               cli.REPO / "pyproject.toml", cli.REPO / ".ci" / "run"]
    sources.remove(cli.Path(__file__).resolve())  # this test's own strings
    found = [f"{path.relative_to(cli.REPO)}: {line.strip()}" for path in sources if path.is_file()
             for line in path.read_text(encoding="utf-8").splitlines() if spelt.search(line)]
    assert found == ['course/cli.py: NBVAL = ["--nbval", "--nbval-current-env", '
                     'f"--nbval-cell-timeout={CELL_TIMEOUT}"]'], "use cli.NBVAL, not a spelling of your own"


@pytest.mark.parametrize("typed", ["make lab POSTGRES=nope", "make student REPLACE=y",
                                   "make clean STUDENT=1"])
def test_a_yes_or_no_variable_of_make_with_another_value_stops_before_anything_runs(typed):
    """`POSTGRES=nope` used to mean yes without a word: make now stops with one line."""
    shell = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}  # not a sub-make
    result = subprocess.run(typed.split(), cwd=cli.REPO, env=shell, capture_output=True, text=True)
    name, value = typed.split()[-1].split("=")
    assert result.returncode == 2 and result.stdout == ""
    assert f"{name} is yes or no, not '{value}'" in result.stderr


def test_jupyterlabs_terminal_gets_bash_where_no_shell_is_set_and_keeps_the_learners_own():
    """Without SHELL, JupyterLab's terminal is sh, where the lessons' `source …/activate` fails."""
    assert lab.terminal_shell({"SHELL": "/bin/zsh"})["SHELL"] == "/bin/zsh"
    assert lab.terminal_shell({})["SHELL"].endswith("bash")


def test_the_other_pythons_run_helpers_tests_that_exist():
    """`test-pythons` names test files one by one (cli.SERIES): a file renamed is found here, in make
    check, not minutes into a run on another Python."""
    assert [path for path in cli.SERIES if not (cli.REPO / path).exists()] == []

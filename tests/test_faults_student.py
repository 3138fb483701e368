"""Faults of the learner's own copies in student/ (issue 25, items 1 and 8, and taking an update).

Each test types the commands as a learner does (``make student``, ``make lab``, ``make clean
STUDENT=yes``) in a throwaway copy of the course, injects the fault for real (a copy emptied or cut
short as a crash or a full disk leaves it, a copy missing, a newer course pulled over edited copies)
and checks the promise: every other copy written, one line per damaged copy naming the way back,
that way back working, and nothing of the learner's lost.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
import urllib.request
from pathlib import Path

import nbformat
import pytest
from conftest import copy_env, copy_of_the_course, documented_lab

from course.cli import REPO
from course.exercises.judges import MIME, RIGHT
from course.series import lesson

pytestmark = pytest.mark.faults

DAMAGED = lesson("testing").name  # emptied: a save cut short before anything was written
SAVED = f"{lesson('testing').stem}-checkpoint.ipynb"  # JupyterLab's last Ctrl+S save of it
CUT = lesson("migrating_each_alias").name  # cut short mid-way
MISSING = lesson("queries_across_databases").name
EDITED = lesson("split_settings").name
ANSWER, CHECK = "c24", "c25"  # its exercise cell (PREDICT_SETTINGS) and its check cell


def make(folder: Path, *args: str) -> tuple[int, str]:
    """``make ARGS`` typed in the copy ``folder``: its exit code and what it printed (both streams)."""
    done = subprocess.run(["make", *args], cwd=folder, env=copy_env(folder), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    return done.returncode, done.stdout


def lines_about(said: str, name: str) -> list[str]:
    """The lines of ``said`` that name the copy ``name``."""
    return [line for line in said.splitlines() if f"student/{name}" in line]


def edit(path: Path, cell_id: str, source: str) -> bytes:
    """Give the cell ``cell_id`` of the notebook ``path`` the source ``source``, add a cell of the
    learner's own, and save it as JupyterLab does; the file's bytes."""
    nb = nbformat.read(path, as_version=4)
    next(c for c in nb.cells if c.id == cell_id).source = source
    nb.cells.append(nbformat.v4.new_code_cell("print('my own work')"))
    nbformat.write(nb, path)
    return path.read_bytes()


def run_up_to(kernel, path: Path, cell_id: str) -> tuple[str, str]:
    """Run the code cells of the notebook ``path`` in ``kernel`` from the top to ``cell_id``, as Run
    All does: what that last cell printed and its error (an earlier cell must not fail)."""
    for code in nbformat.read(path, as_version=4).cells:
        if code.cell_type == "code":
            printed, error = kernel.run(code.source)
            if code.id == cell_id:
                return printed, error
            assert not error, (code.id, error)
    raise AssertionError(f"{path.name} has no cell {cell_id}")


def cell(path: Path, cell_id: str) -> str:
    """The source of the cell ``cell_id`` of the notebook ``path``."""
    return next(c.source for c in nbformat.read(path, as_version=4).cells if c.id == cell_id)


@pytest.fixture
def course(tmp_path) -> Path:
    """A copy of the course whose learner has run ``make student`` once."""
    folder = copy_of_the_course(tmp_path / "course")
    code, said = make(folder, "student")
    assert code == 0, said
    return folder


def damage(student: Path) -> dict[str, bytes]:
    """Empty 06 (with an older Ctrl+S save of it in JupyterLab's checkpoints), cut 05 short, delete
    10: what a crash or a full disk during saves leaves. The damaged files' bytes."""
    checkpoints = student / ".ipynb_checkpoints"
    checkpoints.mkdir()
    saved = checkpoints / DAMAGED.replace(".ipynb", "-checkpoint.ipynb")
    shutil.copy(student / DAMAGED, saved)
    nb = nbformat.read(saved, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("print('saved with Ctrl+S')"))
    nbformat.write(nb, saved)
    (student / DAMAGED).write_bytes(b"")
    whole = (student / CUT).read_bytes()
    (student / CUT).write_bytes(whole[: len(whole) // 2])
    (student / MISSING).unlink()
    return {DAMAGED: b"", CUT: (student / CUT).read_bytes()}


def test_a_damaged_copy_is_left_as_it_is_named_in_one_line_and_the_others_are_written(course):
    student = course / "student"
    damaged = damage(student)

    code, said = make(course, "student")
    assert code != 0, said  # not every copy is usable: a script or a hub's set-up notices (make: 2)
    assert "Traceback" not in said and "NotJSONError" not in said, said
    assert lines_about(said, MISSING) == [f"wrote student/{MISSING}"], said
    assert lines_about(said, DAMAGED) == [
        f"damaged student/{DAMAGED}: the file is empty (a save cut short by a crash or a full disk); it "
        f"stays as it is. Your last Ctrl+S save is student/.ipynb_checkpoints/{SAVED}: "
        f"copy it over student/{DAMAGED} to get your work back, or move the damaged file out of student/ "
        "and `make student` (in the course's folder) writes a fresh copy."], said
    assert lines_about(said, CUT) == [
        f"damaged student/{CUT}: the file ends mid-way (a save cut short by a crash or a full disk); it "
        "stays as it is. JupyterLab kept no save of it: move the damaged file out of student/ and "
        "`make student` (in the course's folder) writes a fresh copy."], said
    assert {name: (student / name).read_bytes() for name in damaged} == damaged, "a damaged copy was touched"

    # The ways back the lines name: the checkpoint copied over 06, 05 moved away.
    shutil.copy(student / ".ipynb_checkpoints" / SAVED, student / DAMAGED)
    (course / "mine").mkdir()
    (student / CUT).rename(course / "mine" / CUT)
    code, said = make(course, "student")
    assert code == 0, said
    assert lines_about(said, CUT) == [f"wrote student/{CUT}"], said
    assert lines_about(said, DAMAGED)[0].startswith(f"kept student/{DAMAGED}: its cells differ"), said
    assert nbformat.read(student / DAMAGED, as_version=4).cells[-1].source == "print('saved with Ctrl+S')"
    assert (course / "mine" / CUT).read_bytes() == damaged[CUT]


def test_replace_moves_a_damaged_copy_aside_and_writes_a_fresh_one(course):
    student = course / "student"
    damaged = damage(student)

    code, said = make(course, "student", "REPLACE=yes")
    assert code == 0 and "Traceback" not in said, said
    assert lines_about(said, DAMAGED) == [
        f"wrote student/{DAMAGED}, yours, damaged, is now student/replaced/{DAMAGED} (your last Ctrl+S save "
        f"is still student/.ipynb_checkpoints/{SAVED})"], said
    assert lines_about(said, CUT) == [f"wrote student/{CUT}, yours, damaged, is now student/replaced/{CUT}"]
    assert lines_about(said, MISSING) == [f"wrote student/{MISSING}"], said
    assert {name: (student / "replaced" / name).read_bytes() for name in damaged} == damaged
    for name in (DAMAGED, CUT, MISSING):
        nbformat.read(student / name, as_version=4)  # fresh, whole copies


def test_make_lab_opens_jupyterlab_past_a_damaged_copy(course):
    """A damaged copy must not keep the learner from the other lessons: its line is printed, then
    JupyterLab starts and serves the copies. documented_lab stops its whole process group."""
    damage(course / "student")
    with documented_lab(course, "make lab") as page:
        with urllib.request.urlopen(page, timeout=30) as response:
            assert response.status == 200
        log = (course.parent / "lab.log").read_text(encoding="utf-8")
        assert lines_about(log, DAMAGED)[0].startswith(f"damaged student/{DAMAGED}: the file is empty"), log
        assert lines_about(log, MISSING) == [f"wrote student/{MISSING}"], log
    assert (course / "student" / DAMAGED).read_bytes() == b""


def test_clean_student_sets_the_copies_aside_whole_and_deletes_nothing(course):
    student = course / "student"
    edited = edit(student / EDITED, ANSWER, 'PREDICT_SETTINGS = "core.settings.multi"')
    make(course, "student", "REPLACE=yes")  # the edited copy into student/replaced/, a fresh one in place
    (student / ".ipynb_checkpoints").mkdir()
    (student / ".ipynb_checkpoints" / f"{lesson('split_settings').stem}-checkpoint.ipynb").write_bytes(edited)
    before = {p.relative_to(student): p.read_bytes() for p in student.rglob("*") if p.is_file()}

    code, said = make(course, "clean", "STUDENT=yes")
    aside = [p for p in course.iterdir() if p.name.startswith("student-")]
    assert code == 0 and len(aside) == 1 and re.fullmatch(r"student-\d{4}-\d\d-\d\d-\d{6}", aside[0].name)
    lessons = len(list((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    assert (f"moved student/ ({lessons} notebooks, and 1 in replaced/: your copies and your work in them) to "
            f"{aside[0].name}/: nothing in it is deleted; `make lab` writes fresh copies, and once you no "
            f"longer need the old ones, delete {aside[0].name}/ yourself") in said.splitlines(), said
    assert not student.exists()
    assert {p.relative_to(aside[0]): p.read_bytes() for p in aside[0].rglob("*") if p.is_file()} == before

    code, said = make(course, "clean")  # make clean never touches what was set aside
    assert code == 0 and not any(aside[0].name in line for line in said.splitlines()), said
    code, said = make(course, "student")
    assert code == 0 and f"wrote student/{EDITED}" in said, said
    assert (aside[0] / "replaced" / EDITED).read_bytes() == edited
    assert subprocess.run(["git", "status", "--porcelain"], cwd=course, capture_output=True,
                          text=True).stdout == "", "the set-aside folder is ignored by git"


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()


def previous_release() -> str | None:
    """The commit of the course's release before this checkout: the newest tag before HEAD or, the
    course having no tags, the newest commit of CHANGELOG.md whose top section is a version, not
    "## Unreleased" (it is renamed to the version at a release). None where git has no such
    history (a shallow clone)."""
    tags = git("tag", "--merged", "HEAD^", "--sort=-creatordate").split()
    if tags:
        return tags[0]
    for commit in git("log", "--format=%H", "--", "CHANGELOG.md").split():
        if "## Unreleased" not in git("show", f"{commit}:CHANGELOG.md"):
            return commit
    return None


def release_copies(commit: str, folder: Path, into: Path) -> str:
    """Write into ``into`` the student copies the release ``commit`` wrote, with its own
    course.student (the release's files go to ``folder``); the release's version."""
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "course", "notebooks"], cwd=REPO,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-m", "course.student", str(into)], cwd=folder,
                   env=copy_env(folder), check=True, capture_output=True)
    return re.search(r'__version__ = "([^"]+)"', (folder / "course" / "__init__.py").read_text()).group(1)


def test_an_update_keeps_the_edits_writes_new_lessons_and_the_checks_run_with_the_new_course(
        tmp_path, kernels):
    """The learner wrote their copies with the previous release, edited 03 and pulled this course,
    in which 03's check was then renamed (a newer release). The newest lesson is one the update adds:
    the release had no copy of it, or its copy is left out to stand for one."""
    release = previous_release()
    if release is None:
        pytest.skip("no earlier release in this clone's history (a shallow clone): nothing to update from")
    course = copy_of_the_course(tmp_path / "course")
    student = course / "student"
    version = release_copies(release, tmp_path / "release", student)
    newest = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))[-1]
    (student / newest).unlink(missing_ok=True)
    edited = edit(student / EDITED, ANSWER, 'PREDICT_SETTINGS = "core.settings.multi"')

    code, said = make(course, "student")
    assert code == 0 and "Traceback" not in said, said
    assert lines_about(said, newest) == [f"wrote student/{newest}"], said
    assert lines_about(said, EDITED)[0].startswith(f"kept student/{EDITED}: its cells differ"), said
    assert (student / EDITED).read_bytes() == edited

    # The edited old copy's check cell runs with the new course (the copy's course/ comes first): the
    # check of its lesson's own module, which gives its result as data.
    kernel = kernels(cwd=student, PYTHONPATH=str(course), COURSE_WORKDIR=str(tmp_path / "work"))
    printed, error = kernel.run("import sys\nfrom course.exercises import check_settings_prediction as c\n"
                                "print(sys.modules[c.__module__].__file__)")
    lesson_module = course / "course" / "exercises" / "split_settings.py"
    assert not error and printed.strip() == str(lesson_module), (printed, error)
    printed, error = run_up_to(kernel, student / EDITED, CHECK)
    assert not error and printed.startswith(RIGHT), (printed, error)
    assert [d[MIME]["passed"] for d in kernel.displayed if MIME in d] == [True], kernel.displayed

    # A newer release renames that check: make student names the copy, the old cell says so in one line.
    lesson_module.write_text(lesson_module.read_text().replace("check_settings_prediction",
                                                               "check_settings_choice"))
    init = course / "course" / "__init__.py"
    init.write_text(re.sub(r'__version__ = "[^"]+"', '__version__ = "9.9.0"', init.read_text()))
    lesson = course / "notebooks" / EDITED
    lesson.write_text(lesson.read_text().replace("check_settings_prediction", "check_settings_choice"))
    code, said = make(course, "student")
    assert code == 0, said
    assert lines_about(said, EDITED) == [
        f"kept student/{EDITED}: its cells differ from a fresh copy (your edits, or a newer course); it "
        f"was written for course {version}, and 1 of its check cells differ from course 9.9.0's "
        "(CHANGELOG.md says what changed): your answers stay, and if a check cell fails, move the copy "
        "into student/replaced/ and `make student` writes a fresh one to carry them into"], said
    kernel.shutdown()
    kernel = kernels(cwd=student, PYTHONPATH=str(course), COURSE_WORKDIR=str(tmp_path / "work"))
    printed, error = run_up_to(kernel, student / EDITED, CHECK)
    assert error == ("OutdatedCheck: check_settings_prediction is not a check of course 9.9.0: this check "
                     "cell comes from a copy of the lesson written for an older course (CHANGELOG.md says "
                     "what changed). Move the copy into student/replaced/ and run `make student`: it writes "
                     "a fresh copy, to carry your answers into."), error

    # The way back it names: the copy into student/replaced/, make student, the answer carried across.
    (student / "replaced").mkdir()
    (student / EDITED).rename(student / "replaced" / EDITED)
    code, said = make(course, "student")
    assert code == 0 and lines_about(said, EDITED) == [f"wrote student/{EDITED}"], said
    assert (student / "replaced" / EDITED).read_bytes() == edited
    printed, error = kernel.run(cell(student / "replaced" / EDITED, ANSWER))  # carried across
    assert not error, error
    printed, error = kernel.run(cell(student / EDITED, CHECK))
    assert not error and printed.startswith(RIGHT), (printed, error)
    assert [d[MIME]["passed"] for d in kernel.displayed if MIME in d] == [True], kernel.displayed

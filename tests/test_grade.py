"""make grade on generated submissions: untouched copies, solved, partly wrong, broken, endless."""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from course import __version__, grade, sandbox
from course.exercises.judges import MIME, RIGHT
from course.gradekernel import sign
from course.lessonformat import CHECK, EXERCISE, SOLUTION
from course.series import lesson, tags
from course.student import student_copy

LESSON = lesson("split_settings")  # several challenges, and quick to run
# Code that never ends, but asleep: it does not take a CPU from the rest of the suite meanwhile.
ENDLESS = 'while True:\n    import time\n    time.sleep(1)'


@pytest.fixture(autouse=True)
def shared_snapshots(monkeypatch, restore_cache):
    """Grading reads the session's restore snapshots, as the notebooks' tests do."""
    monkeypatch.setenv("COURSE_CACHE", str(restore_cache))


def untouched(lesson: Path) -> nbformat.NotebookNode:
    """The student copy as handed out."""
    return student_copy(nbformat.read(lesson, as_version=4))


def solved(lesson: Path, skip: int | None = None) -> nbformat.NotebookNode:
    """The student copy with every exercise solved as the worked solution does (but the ``skip``-th)."""
    teacher = nbformat.read(lesson, as_version=4)
    answers = [c.source for c in teacher.cells if SOLUTION in tags(c)]
    copy = untouched(lesson)
    for index, cell in enumerate(c for c in copy.cells if EXERCISE in tags(c)):
        if index != skip:
            cell.source = answers[index]
    return copy


def handed_in(folder: Path, student: str, lesson: Path, nb: nbformat.NotebookNode | str) -> None:
    (folder / student).mkdir(parents=True, exist_ok=True)
    target = folder / student / lesson.name
    target.write_text(nb if isinstance(nb, str) else nbformat.writes(nb), encoding="utf-8")


def read(folder: Path) -> dict[str, list[dict]]:
    with open(folder / "grades.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_student = {}
    for row in rows:
        by_student.setdefault(row["student"], []).append(row)
    return by_student


@pytest.mark.slow
def test_each_submission_gets_its_own_rows_and_messages(tmp_path):
    names = [name for _, name in grade.challenges(LESSON)]
    class_ = tmp_path / "class"
    handed_in(class_, "ada", LESSON, solved(LESSON))
    extra = lesson("routers")  # a lesson no one else handed in
    handed_in(class_, "ada", extra, untouched(extra))
    handed_in(class_, "bob", LESSON, untouched(LESSON))
    handed_in(class_, "cyd/student", LESSON, solved(LESSON, skip=1))  # unpacked with its folder
    handed_in(class_, "cyd/student/.ipynb_checkpoints", LESSON, "{ an autosave, not graded")
    handed_in(class_, "dee", LESSON, "{ not json")
    cheat = solved(LESSON, skip=len(names) - 1)  # the last exercise left as it was, its check made to "pass"
    last = [c for c in cheat.cells if CHECK in tags(c)][-1]
    last.source, last.outputs = f'print("{RIGHT}: trust me")', []  # says it passed, gives no result
    deleted = [c for c in cheat.cells if CHECK in tags(c)][0]
    cheat.cells.remove(deleted)  # a check deleted: put back
    handed_in(class_, "fay", LESSON, cheat)
    (class_ / "gus").mkdir()  # handed in nothing
    (class_ / "hal").mkdir()  # a second download, renamed by the browser
    (class_ / "hal" / f"{LESSON.stem} (1).ipynb").write_text(nbformat.writes(solved(LESSON)))
    said = []

    grade.grade(class_, timeout=300, jobs=2, say=said.append)
    got = read(class_)

    assert sorted(got) == ["ada", "bob", "cyd", "dee", "fay", "gus", "hal"]
    for rows in got.values():
        assert [r["challenge"] for r in rows] == names and {r["notebook"] for r in rows} == {LESSON.stem}
    number = extra.stem[:2]
    assert f'not graded: {extra.stem}, handed in by 1 of 7 students (LESSONS="{number}" grades it)' in said
    assert f"graded hal/{LESSON.stem} (1).ipynb as {LESSON.name}" in said
    assert all(r["passed"] == "yes" and r["message"].startswith(RIGHT) for r in got["ada"] + got["hal"])
    assert all(r["version"] == __version__ for r in got["ada"])
    assert all(r["passed"] == "no" and r["message"].startswith("Incorrect: ") for r in got["bob"])
    assert [r["passed"] for r in got["cyd"]] == ["yes", "no"] + ["yes"] * (len(names) - 2)
    unreadable = "Not a notebook: the file is not valid JSON (cut short, or another kind of file)."
    assert all(r["passed"] == "no" and r["message"] == unreadable for r in got["dee"])
    assert [r["passed"] for r in got["fay"]] == ["yes"] * (len(names) - 1) + ["no"], "a changed check counts"
    put_back = [r["message"].endswith("the course's own ran.)") for r in got["fay"]]
    assert put_back == [True] + [False] * (len(names) - 2) + [True], "a changed or deleted check is put back"
    assert all(r["message"] == "Not handed in." for r in got["gus"])
    page = (class_ / "grades.html").read_text(encoding="utf-8")
    assert all(f"<tr><th>{student}</th>" in page for student in got) and "✗" in page and "✓" in page
    assert page.count('class="ok"') == sum(r["passed"] == "yes" for rows in got.values() for r in rows)
    assert page.count('class="missing"') == len(got["gus"])
    with open(class_ / "grades.gradebook.csv", encoding="utf-8") as f:
        book = list(csv.reader(f))
    n = len(names)
    assert book == [["student", f"{LESSON.stem} ({n})", f"total ({n})"],
                    *[[student, str(points), str(points)] for student, points in [
                        ("ada", n), ("bob", 0), ("cyd", n - 1), ("dee", 0), ("fay", n - 1), ("gus", 0),
                        ("hal", n)]]]
    counts = sorted(line.split("]")[0] for line in said if line.startswith("["))
    assert counts == [f"[{i}/7" for i in range(1, 8)], said  # a running count, one line per notebook

    for student in got.keys() - {"ada"}:  # a second run, on ada alone: the lesson named, the grades kept
        shutil.rmtree(class_ / student)
    grade.grade(class_, timeout=300, jobs=2, chosen=[extra.stem[:2]], say=said.append)
    graded = {(r["student"], r["notebook"]) for rows in read(class_).values() for r in rows}
    assert graded == {("ada", extra.stem)}
    kept = (class_ / "grades.previous.csv").read_text(encoding="utf-8")
    assert kept.count(LESSON.stem) == len(names) * len(got)


def shown(found: dict) -> dict:
    """A check result as a check cell's output holds it."""
    return nbformat.v4.new_output("display_data", data={MIME: found})


PRINTED = nbformat.v4.new_output("stream", name="stdout", text=f"{RIGHT}: trust me\n")
ERROR = nbformat.v4.new_output("error", ename="NameError", evalue="name 'x' is not defined", traceback=[])
RIGHT_RESULT = {"passed": True, "check": "check_x", "message": f"{RIGHT}: right."}
WRONG_RESULT = {"passed": False, "check": "check_x", "message": "Incorrect: not yet."}


@pytest.mark.parametrize("outputs, verdict", [
    ([PRINTED, shown(RIGHT_RESULT)], (True, f"{RIGHT}: right.")),
    ([PRINTED], (False, "The check cell ran but its check gave no result.")),  # printed, never read
    ([shown(WRONG_RESULT), ERROR], (False, "Incorrect: not yet.")),
    ([shown(RIGHT_RESULT), ERROR], (False, "NameError: name 'x' is not defined")),
    ([ERROR], (False, "NameError: name 'x' is not defined")),
    ([shown(RIGHT_RESULT), shown(WRONG_RESULT)], (False, "Incorrect: not yet.")),  # the check's own is last
    ([], (False, "The check cell ran but its check gave no result.")),
])
def test_a_check_cell_is_judged_by_its_result_as_data_never_by_its_printed_text(outputs, verdict):
    assert grade._verdict(nbformat.v4.new_code_cell(outputs=outputs)) == verdict


def test_wrong_uses_are_refused_with_a_message(tmp_path, capsys):
    assert grade.main([str(tmp_path)]) == 1
    assert "holds no student folder" in capsys.readouterr().err
    assert grade.main([str(tmp_path / "missing")]) == 1
    assert f"{tmp_path / 'missing'} is not a folder" in capsys.readouterr().err
    (tmp_path / "ada").mkdir()
    assert grade.main([str(tmp_path), "--lessons", "99"]) == 1
    assert "No lesson 99" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path), "--timeout", "0"])
    assert "the time limit (TIMEOUT=) is seconds above 0, not '0'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path), "--jobs", "0"])
    assert "the notebooks run at once (JOBS=) are a whole number above 0, not '0'" in capsys.readouterr().err
    assert grade.main([str(tmp_path)]) == 1
    assert "No lesson to grade" in capsys.readouterr().err
    assert not (tmp_path / "grades.csv").exists()


def test_the_gradebook_has_a_row_per_student_and_the_points_of_each_lesson():
    rows = [grade.Row(student, notebook, challenge, passed, "", "")
            for student, notebook, challenge, passed in [
                ("ada", "03_x.ipynb", "a()", True), ("ada", "03_x.ipynb", "b()", True),
                ("ada", "04_y.ipynb", "c()", False), ("bob", "03_x.ipynb", "a()", False),
                ("bob", "03_x.ipynb", "b()", True), ("bob", "04_y.ipynb", "c()", True)]]
    assert grade.gradebook(rows) == [["student", "03_x (2)", "04_y (1)", "total (3)"],
                                     ["ada", "2", "0", "2"], ["bob", "1", "1", "2"]]


@pytest.mark.slow
def test_a_notebook_that_runs_forever_is_stopped_at_its_time_limit(tmp_path):
    """In an exercise cell, or in a check that runs the student's code: the same message."""
    endless = solved(LESSON)
    next(c for c in endless.cells if EXERCISE in tags(c)).source = ENDLESS
    handed_in(tmp_path, "eve", LESSON, endless)
    looping = solved(LESSON)  # the settings module of the last exercise never finishes importing
    [c for c in looping.cells if EXERCISE in tags(c)][-1].source += f"\n{ENDLESS}\n"
    handed_in(tmp_path, "flo", LESSON, looping)
    grade.grade(tmp_path, timeout=12, jobs=2, say=lambda line: None)
    got = read(tmp_path)
    assert all(r["passed"] == "no" and r["message"] == "Not reached: the notebook ran out of its time "
               "limit (12 s), in the cell that starts 'while True:'." for r in got["eve"])
    assert [r["passed"] for r in got["flo"]] == ["yes"] * (len(grade.challenges(LESSON)) - 1) + ["no"]
    assert got["flo"][-1]["message"] == ("Not reached: the notebook ran out of its time limit (12 s), in "
                                         "the cell that starts 'from course.exercises import "
                                         "check_local_settings'.")


def test_without_bubblewrap_grading_refuses_in_one_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "ada").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))  # no bwrap on it
    assert grade.main([str(tmp_path)]) == 1
    said = capsys.readouterr().err.strip()
    assert said == sandbox.INSTALL if sys.platform.startswith("linux") else "needs Linux" in said
    assert "UNSANDBOXED=yes" in said and not (tmp_path / "grades.csv").exists()


@pytest.mark.slow
def test_unsandboxed_grading_says_so_in_the_terminal_and_on_the_page(tmp_path, capsys):
    handed_in(tmp_path, "ada", LESSON, solved(LESSON))
    assert grade.main([str(tmp_path), "--unsandboxed"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Warning: {grade.UNSANDBOXED}\n")
    assert grade.UNSANDBOXED in (tmp_path / "grades.html").read_text(encoding="utf-8")
    assert {r["passed"] for r in read(tmp_path)["ada"]} == {"yes"}


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux's")
def test_a_sandbox_that_cannot_start_stops_grading_in_one_line(tmp_path, capsys, monkeypatch):
    handed_in(tmp_path, "ada", LESSON, solved(LESSON))
    monkeypatch.setattr(sandbox, "UID", -5)  # bwrap refuses this uid before anything runs
    assert grade.main([str(tmp_path)]) == 1
    said = capsys.readouterr().err.strip()
    assert said.startswith("The sandbox could not run the course's own first cell, so no notebook was "
                           "graded. The notebook's runner ended with no result (exit code 1: bwrap:")
    assert said.endswith("or grade with UNSANDBOXED=yes.") and not (tmp_path / "grades.csv").exists()


def test_only_a_result_signed_with_the_runs_key_counts():
    payload = json.dumps({"notebook": "{}", "timed_out": None, "stopped": ""})
    good = json.dumps({"payload": payload, "mac": sign(b"key", payload)}).encode()
    forged = json.dumps({"payload": payload, "mac": sign(b"other", payload)}).encode()
    assert grade._signed(b"noise\n" + good + b"\n" + forged + b"\n", "key") == json.loads(payload)
    assert grade._signed(forged + b"\n{ not json\n", "key") is None


def test_a_check_cell_untagged_or_changed_runs_as_the_course_has_it():
    copy = solved(LESSON)
    check = next(c for c in copy.cells if CHECK in tags(c))
    check.metadata["tags"] = []
    nb, replaced = grade._to_run(copy, LESSON)
    assert replaced == {check.id}
    assert CHECK in tags(next(c for c in nb.cells if c.id == check.id))


def test_a_copy_whose_cells_reach_into_the_checks_is_flagged_and_the_course_is_not():
    copy = solved(LESSON)
    assert grade.tampering(copy, LESSON) == []  # the course's own cells and check cells are not the student's
    copy.cells.insert(1, nbformat.v4.new_code_cell("get_ipython().display_pub.publish = print"))
    assert grade.tampering(copy, LESSON) == ["get_ipython", "display_pub"]


def test_a_result_that_is_not_a_checks_does_not_pass():
    shown = {"output_type": "display_data", "data": {MIME: {"passed": True}}, "metadata": {}}
    assert grade._verdict(nbformat.v4.new_code_cell(outputs=[shown])) == (
        False, "The check cell's result is not one a check gives (something else showed it).")


def test_a_linked_notebook_or_folder_is_not_graded(tmp_path):
    handed_in(tmp_path, "ada", LESSON, solved(LESSON))
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / LESSON.name).symlink_to(tmp_path / "ada" / LESSON.name)
    (tmp_path / "cyd").symlink_to(tmp_path / "ada")
    found, notes = grade.handed_in(tmp_path / "bob", [LESSON])
    assert found == {} and notes == [f"ignored bob/{LESSON.name}: a link (it could point to another "
                                     "student's work); hand in the notebook itself"]
    assert grade.handed_in(tmp_path / "cyd", [LESSON])[0] == {}

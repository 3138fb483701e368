"""Every check, on the untouched student copy and on tables of answers: the stub gets the check's
own message for it, each wrong answer its own message, never a traceback from inside the course's
package; each differently written right answer passes.

Every notebook runs once, as a student copy, in one kernel, as a student would: each check cell
first runs on the stub, then each answer of its table replaces the exercise cell and the check
cell runs again, as a student would rerun it; then the worked solution, and the lesson goes on.
"""

from __future__ import annotations

import nbformat
import pytest
from answers import SOLUTION, tables
from nbclient import NotebookClient

from course.exercises.judges import RIGHT, result_in
from course.lessonformat import CHECK, COURSE, EXERCISE, ON_STUB, RAISES
from course.lessonformat import SOLUTION as SOLUTION_TAG
from course.series import lesson, tags
from course.student import write_all

pytestmark = pytest.mark.slow

FAILED_ABOVE = "The cell run just before this check failed"  # a check run after its answer failed
CASES = tables()  # each lesson's table of answers, from its own module tests/answers/<name>.py


def _output(cell, check: bool) -> tuple[str, str]:
    """(kind, text) of what a cell showed: ("error", "Name: message") or ("text", stdout). A check
    cell's error must be the course's one line, without frames, and its result (the data the grader
    reads) must say the same as what the learner reads."""
    result = result_in(cell.outputs)
    for out in cell.outputs:
        if out.output_type == "error":
            if check:
                assert out.ename == "Incorrect", f"{out.ename}: {out.evalue}"
                assert out.traceback == [f"{out.ename}: {out.evalue}"], f"frames shown: {out.traceback}"
                assert result and not result["passed"] and result["message"] == f"{out.ename}: {out.evalue}"
            return "error", f"{out.ename}: {out.evalue}"
    text = "".join(o.get("text", "") for o in cell.outputs)
    if check:
        assert result and result["passed"], f"the check gave no result that it passed: {text}"
        assert text.rstrip().splitlines()[-1] == result["message"], "the learner reads what the grader does"
    return "text", text


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_check_on_the_stub_and_on_each_answer(name, tmp_path, scratch):
    write_all(tmp_path / "student")
    teacher = nbformat.read(lesson(name), as_version=4)
    solutions = {c.id: c.source for c in teacher.cells if SOLUTION_TAG in tags(c)}
    on_stub = {c.id: c.metadata[COURSE][ON_STUB] for c in teacher.cells if CHECK in tags(c)}
    nb = nbformat.read(tmp_path / "student" / lesson(name).name, as_version=4)
    cells = list(nb.cells)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path / "student")}})
    wrong, tried = [], set()

    def run(source: str, check: bool = False) -> tuple[str, str]:
        cell = nbformat.v4.new_code_cell(source)
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
        return _output(cell, check)

    with client.setup_kernel():
        exercise = None
        for index, cell in enumerate(cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            cell_tags = tags(cell)
            if EXERCISE in cell_tags:
                exercise = cell
            if CHECK in cell_tags:  # on the stub, as the learner first runs it
                kind, shown = _output(cell, check=True)
                assert kind == "error", f"the check passed on the stub: {cell.source}"
                assert on_stub[cell.id] in shown, f"{cell.source}\non the stub it said: {shown}"
            elif RAISES not in cell_tags:
                assert _output(cell, check=False)[0] == "text", f"{cell.source[:80]}: {_output(cell, False)}"
            marker = next((m for m in CASES[name] if CHECK in cell_tags and m in cell.source), None)
            if marker is None:
                continue
            solution = solutions[exercise.id]
            for answer, expected in CASES[name][marker]:
                source = solution if answer is SOLUTION else answer(solution) if callable(answer) else answer
                kind, shown = run(source)
                if kind != "error":  # the answer cell ran: now the check, as the student reruns it
                    kind, shown = run(cell.source, check=True)
                elif FAILED_ABOVE not in run(cell.source, check=True)[1]:  # the check, run all the same
                    wrong.append(f"{marker}, after the failing answer:\n{source}\nthe check did not say so\n")
                passed = kind == "text"  # and _output checked that the check's result says so
                if expected == RIGHT and not passed or expected != RIGHT and (
                        kind != "error" or expected not in shown):
                    wrong.append(f"{marker}, answer:\n{source}\nexpected: {expected}\nshown: {shown}\n")
            run(solution)  # back to the expected state before the lesson goes on
            tried.add(marker)
    assert tried == set(CASES[name]), f"checks not found in {name}: {set(CASES[name]) - tried}"
    assert not wrong, "\n".join(wrong)

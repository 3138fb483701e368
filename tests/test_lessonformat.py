"""The notebook format (``course.lessonformat``): every lesson passes it, and each broken notebook gets
its own line naming the notebook, the cell and what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course import lessonformat, navigation, student
from course.lessonformat import (
    CHECK,
    COURSE,
    EXERCISE,
    HINT,
    LINT_EXEMPT,
    OBJECTIVES,
    ON_PURPOSE,
    ON_STUB,
    RAISES,
    RERUNS,
    SOLUTION,
    STEP,
    STUB,
    SUMMARY,
    TRACK,
    VERSION,
)
from course.series import notebooks

SERIES = notebooks()
CHECKED = {ON_STUB: "Still not yet", OBJECTIVES: ["Route a model."]}  # a well-formed check cell's metadata


def test_every_lesson_follows_the_format():
    assert lessonformat.report(SERIES) == []


def cell(source: str = "x = 1", kinds: tuple[str, ...] = (), number: int = 1, cell_type: str = "code",
         **course) -> dict:
    """A cell as a notebook's JSON holds it, id ``c<number>``."""
    metadata = {"tags": list(kinds)} if kinds else {}
    if course:
        metadata[COURSE] = course
    made = {"cell_type": cell_type, "id": f"c{number}", "metadata": metadata, "source": source}
    return made | ({"outputs": [], "execution_count": None} if cell_type == "code" else {})


def exercise(number: int) -> list[dict]:
    """A solution cell and its check, well formed, as cells ``number`` and ``number + 1``."""
    return [cell("answer = 1", (SOLUTION,), number, **{STUB: "answer = ...", HINT: "Look up."}),
            cell("check(answer)", (CHECK,), number + 1, **CHECKED)]


def notebook(tmp_path: Path, cells: list[dict], name: str = "03_topic.ipynb", **course) -> Path:
    """Write a notebook of ``cells`` (track ``core`` unless ``course`` says otherwise) and return its path."""
    own = {TRACK: "core", SUMMARY: "routers", RERUNS: True, **course}
    meta = {"kernelspec": {"name": "python3"}, COURSE: own}
    path = tmp_path / name
    path.write_text(json.dumps({"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")
    return path


def test_a_well_formed_notebook_has_no_problem(tmp_path):
    cells = [cell("# Title", cell_type="markdown"), *exercise(2), cell("open()", (STEP,), 4),
             cell(f"{ON_PURPOSE}: see why.\nboom(", (RAISES, LINT_EXEMPT), 5)]
    assert lessonformat.problems(notebook(tmp_path, cells)) == []


BROKEN = {
    "an unknown tag": ([cell("x", ("solutoin",), 1)], "cell 1 (id c1): unknown tag 'solutoin'"),
    "a tag of student copies": ([cell("x", (EXERCISE,), 1)], f"tag '{EXERCISE}' belongs to student copies"),
    "a tag on Markdown": ([cell("x", (STEP,), 1, "markdown")], "a markdown cell is tagged step"),
    "two parts": ([cell("x", (SOLUTION, STEP), 1, stub="y"), cell("c", (CHECK,), 2, **CHECKED)],
                  "tagged both solution and step"),
    "a step that fails": ([cell(ON_PURPOSE, (STEP, RAISES), 1)], "a step must succeed"),
    "a solution without its stub": ([cell("a = 1", (SOLUTION,), 1),
                                     cell("check()", (CHECK,), 2, **CHECKED)],
                                    f"cell 1 (id c1): a solution cell without its metadata course.{STUB}"),
    "a check without on_stub": ([cell("a = 1", (SOLUTION,), 1, stub="a = ..."),
                                 cell("check()", (CHECK,), 2, objectives=["x"])],
                                f"cell 2 (id c2): a check cell without its metadata course.{ON_STUB}"),
    "a check that is not code": ([cell("a", (SOLUTION,), 1, stub="a"), cell("b", (CHECK,), 2, "markdown",
                                                                             **CHECKED)],
                                 "cell 2 (id c2): a markdown cell is tagged check"),
    "a check without objectives": ([cell("a = 1", (SOLUTION,), 1, stub="a = ..."),
                                    cell("check()", (CHECK,), 2, on_stub="still a")],
                                   f"a check cell without its metadata course.{OBJECTIVES} (a list"),
    "objectives as text": ([cell("a = 1", (SOLUTION,), 1, stub="a = ..."),
                            cell("check()", (CHECK,), 2, **{**CHECKED, OBJECTIVES: "Route a model."})],
                           f"a check cell without its metadata course.{OBJECTIVES} (a list of text)"),
    "a stub's message that does not say so": ([cell("a = 1", (SOLUTION,), 1, stub="a = ..."),
                                               cell("check()", (CHECK,), 2, **{**CHECKED, ON_STUB: "None"})],
                                              "does not say the answer is still the stub"),
    "a stub on another cell": ([cell("x", (STEP,), 1, stub="y")], "course.stub belongs on a solution cell"),
    "an unknown cell key": ([*exercise(1), cell("x", (), 3, answer="y")], "course.answer is not part of"),
    "a solution with no check": ([cell("a", (SOLUTION,), 1, stub="a")],
                                 "solution cell 1 has no check cell after"),
    "two solutions in a row": ([cell("a", (SOLUTION,), 1, stub="a"), *exercise(2)],
                               "solution cell 1 has no check cell before the next solution"),
    "a check with no solution": ([cell("c", (CHECK,), 1, **CHECKED)],
                                 "check cell 1 has no solution cell before"),
    "the fails-on-purpose line alone": ([cell(f"{ON_PURPOSE}.\nboom()", (), 1)], f"is not tagged {RAISES}"),
    "the fails-on-purpose line in other letters": ([cell(f"{ON_PURPOSE.lower()}.\nboom()", (), 1)],
                                                   f"is not tagged {RAISES}"),
    "the tag alone": ([cell("boom()", (RAISES,), 1)], f"tagged {RAISES} but its first line is not"),
    "a cell without an id": ([{"cell_type": "code", "metadata": {}, "source": ""}], "has no id"),
    "an id used twice": ([cell("a", (), 1), cell("b", (), 1)], "cell id 'c1' is used twice"),
}


@pytest.mark.parametrize("cells, said", BROKEN.values(), ids=BROKEN.keys())
def test_each_broken_cell_is_named_with_what_is_wrong(tmp_path, cells, said):
    found = lessonformat.problems(notebook(tmp_path, cells))
    assert len(found) == 1 and found[0].startswith("03_topic.ipynb") and said in found[0], found


OBJECTIVES_CELL = cell("# 03 · Topic\n\n> **Objectives**\n> - Write a router\n>   of your own.\n"
                       "> - Route a model.\n", cell_type="markdown", number=0)


def test_every_objective_the_lesson_states_is_practised_by_a_check(tmp_path):
    assert lessonformat.objectives([OBJECTIVES_CELL]) == ["Write a router of your own.", "Route a model."]
    found = lessonformat.problems(notebook(tmp_path, [OBJECTIVES_CELL, *exercise(1)]))
    assert found == ["03_topic.ipynb: the objective 'Write a router of your own.' is practised by no check "
                     f"(name it in the course.{OBJECTIVES} of the check of a challenge that practises it, "
                     "where it is taught)"]
    both = {**CHECKED, OBJECTIVES: ["Write a router  of your own.", "Route a model."]}  # spaces do not count
    assert lessonformat.problems(notebook(tmp_path, [OBJECTIVES_CELL, exercise(1)[0],
                                                     cell("check()", (CHECK,), 2, **both)])) == []


def test_a_check_names_only_objectives_the_lesson_states(tmp_path):
    named = {**CHECKED, OBJECTIVES: ["Write a router of your own.", "Route a model.", "Route a modle."]}
    found = lessonformat.problems(notebook(tmp_path, [OBJECTIVES_CELL, exercise(1)[0],
                                                      cell("check()", (CHECK,), 2, **named)]))
    assert found == ["03_topic.ipynb: the check cell 3 names the objective 'Route a modle.', which the "
                     "lesson's **Objectives** do not state (quote one of its bullets)"]


@pytest.mark.parametrize("course, said", [
    ({TRACK: None}, "metadata course.track is None: give one of core, extended"),
    ({TRACK: "advanced"}, "metadata course.track is 'advanced'"),
    ({RERUNS: "yes"}, f"metadata course.{RERUNS} is not true or false"),
    ({SUMMARY: "two\nlines"}, f"metadata course.{SUMMARY} is not one line of text"),
    ({VERSION: "1.1.0"}, f"metadata course.{VERSION} belongs to student copies only"),
    ({"colour": "red"}, "metadata course.colour is not part of the format"),
], ids=["no track", "an unknown track", "reruns not a boolean", "a summary of two lines",
       "a student copy's version", "an unknown key"])
def test_the_notebooks_own_metadata_is_checked(tmp_path, course, said):
    found = lessonformat.problems(notebook(tmp_path, [], **course))
    assert len(found) == 1 and found[0].startswith(f"03_topic.ipynb: {said}"), found


def test_a_name_that_is_no_lesson_and_a_file_that_is_no_notebook(tmp_path):
    assert lessonformat.problems(notebook(tmp_path, [], name="Routers.ipynb")) == [
        "Routers.ipynb: its name is not NN_topic.ipynb"]
    (tmp_path / "04_cut.ipynb").write_text('{"cells": [', encoding="utf-8")
    assert lessonformat.problems(tmp_path / "04_cut.ipynb")[0].startswith("04_cut.ipynb: cannot be read")


def test_the_tracks_come_in_teaching_order(tmp_path):
    paths = [notebook(tmp_path, [], "01_a.ipynb", track="extended"), notebook(tmp_path, [], "02_b.ipynb")]
    assert lessonformat.report(paths) == [
        "02_b.ipynb: a lesson of the core track after one of the extended track (each track's lessons come "
        "together, in the order core, extended)"]


@pytest.fixture
def broken_series(tmp_path, monkeypatch):
    """The series as one notebook whose solution cell lost its stub."""
    path = notebook(tmp_path, [cell("a = 1", (SOLUTION,), 1), cell("check()", (CHECK,), 2, **CHECKED)])
    for module in (navigation, student):
        monkeypatch.setattr(module, "notebooks", lambda: [path])
    return path


@pytest.mark.parametrize("command", [navigation.main, student.main], ids=["make nav", "make student"])
def test_nav_and_student_copies_refuse_a_broken_notebook_problem_by_problem(broken_series, command, tmp_path,
                                                                             capsys):
    args = [] if command is navigation.main else [str(tmp_path / "copies")]
    assert command(args) == 1
    said = capsys.readouterr().err.splitlines()
    assert said[0] == ("03_topic.ipynb, cell 1 (id c1): a solution cell without its metadata course.stub "
                       "(text)")
    assert said[1].startswith("Fix these notebooks (CONTRIBUTING.md") and len(said) == 2
    assert not (tmp_path / "copies").exists(), "nothing written"


def test_contributing_documents_every_tag_and_key():
    text = (navigation.CONTRIBUTING).read_text(encoding="utf-8")
    assert lessonformat.reference() in text  # make nav writes it there; test_notebooks holds it up to date
    for name in [*lessonformat.TAGS, *lessonformat.CELL_KEYS, *lessonformat.NOTEBOOK_KEYS]:
        assert f"`{name}`" in text or f"`course.{name}`" in text
    assert all(f"`{name}`" in text for name in lessonformat.TRACKS)

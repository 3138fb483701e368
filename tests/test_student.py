"""Student copies: solutions swapped for stubs and hidden, the teacher's copy solved, a learner's work kept.

How each check answers the stub and wrong answers, in a real kernel: test_check_messages.py.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from course import __version__, student
from course.exercises.judges import RIGHT, result_in
from course.lessonformat import CHECK, COURSE, EXERCISE, SOLUTION, STUB, VERSION
from course.navigation import INDEX
from course.series import NOTEBOOKS, notebooks, tags
from course.student import (
    HINT_SUMMARY,
    OUTCOME_SUMMARY,
    SOLUTION_SUMMARY,
    WHERE_IT_STOPPED,
    split_at_heading,
    student_copy,
    write_all,
)

WITH_EXERCISES = notebooks()[1:]  # the first lesson has none


def tagged(nb, tag):
    return [c for c in nb.cells if tag in tags(c)]


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_teacher_copy_holds_solutions_that_pass(path):
    """Every check cell's stored output holds its check's result, passed, and ends with the line the
    learner reads, the same. The stored outputs are what nbval compares with a real run of the
    notebook (the main run of make test): together, every worked solution really passes its check."""
    nb = nbformat.read(path, as_version=4)
    assert tagged(nb, SOLUTION) and tagged(nb, CHECK)
    for cell in tagged(nb, CHECK):
        result = result_in(cell.outputs)
        assert result and result["passed"] and result["check"] in cell.source, cell.source
        text = "".join(o.get("text", "") for o in cell.outputs)
        last = text.rstrip().splitlines()[-1]  # after what the check ran
        assert last == result["message"] and last.startswith(f"{RIGHT}: "), cell.source


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_student_copy_swaps_solutions_for_stubs_and_hides_them(path):
    teacher = nbformat.read(path, as_version=4)
    student = student_copy(teacher)
    solutions = [c.source for c in tagged(teacher, SOLUTION)]
    stubs = [c.source for c in tagged(student, EXERCISE)]
    assert stubs == [c.metadata[COURSE][STUB] for c in tagged(teacher, SOLUTION)]
    assert not set(solutions) & set(stubs)
    hidden = [c.source for c in student.cells if c.source.startswith(f"<details><summary>{SOLUTION_SUMMARY}")]
    assert len(hidden) == len(solutions)
    hints = [c.source for c in student.cells if c.source.startswith(f"<details><summary>{HINT_SUMMARY}")]
    assert len(hints) == len(solutions), "every challenge has a hint, between its check and its solution"
    for index, cell in enumerate(student.cells):
        if CHECK in tags(cell):
            assert student.cells[index + 1].source.startswith(f"<details><summary>{HINT_SUMMARY}")
    for solution, block in zip(solutions, hidden, strict=True):
        assert solution in block
    for cell in tagged(student, EXERCISE) + tagged(student, CHECK):
        assert cell.outputs == [] and cell.execution_count is None
    assert nbformat.validate(student) is None
    assert student.metadata[COURSE][VERSION] == __version__, "a copy records the course's version"


def test_student_copies_are_written_outside_the_tracked_notebooks(tmp_path):
    tracked = {p: p.read_bytes() for p in NOTEBOOKS.iterdir() if p.is_file()}
    done = write_all(tmp_path)
    assert {p: p.read_bytes() for p in NOTEBOOKS.iterdir() if p.is_file()} == tracked, \
        "writing student copies changed a file of notebooks/"
    assert done == [f"wrote {tmp_path / p.name}" for p in notebooks()]
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in notebooks()]
    assert (tmp_path / "README.md").is_file()
    for path in notebooks():
        assert (tmp_path / path.name).read_bytes() != path.read_bytes(), "a copy is the teacher's notebook"


def test_a_copy_only_run_or_reopened_is_left_as_it_is_without_a_word(tmp_path):
    write_all(tmp_path)
    mine = tmp_path / notebooks()[0].name
    nb = nbformat.read(mine, as_version=4)
    nb.metadata["language_info"] = {"name": "python", "version": "3.13.0"}  # what JupyterLab adds
    nbformat.write(nb, mine)
    saved = mine.read_bytes()
    assert write_all(tmp_path) == []
    assert mine.read_bytes() == saved


def test_a_copy_of_a_lesson_that_was_renamed_is_kept_and_reported(tmp_path):
    write_all(tmp_path)
    old = tmp_path / "10_primary_and_replica.ipynb"  # 11's name before 09 was split
    old.write_text("my work", encoding="utf-8")
    report = write_all(tmp_path)
    assert report == [f"kept {old}: no lesson has that name any more (the series was renumbered); your "
                      "work in it stays, and the lesson's new copy is beside it"]
    assert old.read_text(encoding="utf-8") == "my work"


def test_a_learners_edited_copy_is_kept_and_replace_moves_it_aside(tmp_path):
    write_all(tmp_path)
    mine = tmp_path / notebooks()[3].name
    edited = mine.read_text(encoding="utf-8").replace("NotesRouter", "MyRouter")
    mine.write_text(edited, encoding="utf-8")
    done = write_all(tmp_path)
    assert len(done) == 1 and done[0].startswith(f"kept {mine}: its cells differ")
    assert "REPLACE=yes" in done[0]
    assert mine.read_text(encoding="utf-8") == edited, "a learner's copy was overwritten"
    assert write_all(tmp_path) == done, "rerunning changes nothing else"
    done = write_all(tmp_path, replace=True)
    aside = tmp_path / "replaced" / mine.name
    assert done == [f"wrote {mine}, yours is now {aside}"]
    assert aside.read_text(encoding="utf-8") == edited and mine.read_text(encoding="utf-8") != edited


@pytest.mark.parametrize("damage, wrong", [
    (lambda text: "", "the file is empty"),
    (lambda text: text[: len(text) // 2], "the file ends mid-way"),
    (lambda text: "{}", "it is not a notebook (ValidationError)"),
])
def test_a_damaged_copy_is_left_as_it_is_and_the_others_are_written(tmp_path, capsys, damage, wrong):
    write_all(tmp_path)
    broken, missing = tmp_path / notebooks()[5].name, tmp_path / notebooks()[9].name
    broken.write_text(damage(broken.read_text(encoding="utf-8")), encoding="utf-8")
    missing.unlink()
    held = broken.read_bytes()
    assert student.main([str(tmp_path)]) == 1, "a damaged copy: exit code 1 (make lab opens all the same)"
    said = capsys.readouterr().out.splitlines()
    assert said[0].startswith(f"damaged {broken}: {wrong}") and "it stays as it is" in said[0], said
    assert said[1:] == [f"wrote {missing}"]
    assert broken.read_bytes() == held, "a damaged copy was touched"
    assert student.main([str(tmp_path), "--replace"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {broken}, yours, damaged, is now {tmp_path / 'replaced' / broken.name}"]
    assert (tmp_path / "replaced" / broken.name).read_bytes() == held
    nbformat.read(broken, as_version=4)


def test_a_damaged_copys_line_names_jupyterlabs_checkpoint_of_it(tmp_path):
    write_all(tmp_path)
    broken = tmp_path / notebooks()[5].name
    saved = tmp_path / ".ipynb_checkpoints" / f"{broken.stem}-checkpoint.ipynb"
    saved.parent.mkdir()
    saved.write_bytes(broken.read_bytes())
    broken.write_bytes(b"")
    (line,) = write_all(tmp_path)
    assert f"Your last Ctrl+S save is {saved}: copy it over {broken}" in line, line


def test_every_link_in_the_learners_copies_opens_something_in_their_folder(tmp_path):
    """The learner's JupyterLab serves student/ alone: a link to ``../README.md`` or ``../project``
    would open nothing there, so the copies keep such a link's text and drop the link."""
    import mistune

    write_all(tmp_path)
    render = mistune.create_markdown(escape=False)
    for path in [*sorted(tmp_path.glob("*.ipynb")), tmp_path / "README.md"]:
        if path.suffix == ".md":
            texts = [path.read_text(encoding="utf-8")]
        else:
            texts = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
        for target in (t for text in texts for t in re.findall(r'href="([^"]+)"', render(text))):
            if not target.startswith(("http://", "https://", "#")):
                assert (tmp_path / target.split("#")[0]).is_file(), f"{path.name} links to {target}"
    assert "[README](../README.md)" in INDEX.read_text(encoding="utf-8"), "the repository's index keeps it"


def _lesson(*cells) -> nbformat.NotebookNode:
    """A small teacher notebook: a first Markdown cell, then ``cells`` ((kind, source, tags) each)."""
    made = [nbformat.v4.new_markdown_cell("# 99 · A lesson\n\nWhat you will learn.")]
    for kind, source, cell_tags in cells:
        cell = getattr(nbformat.v4, f"new_{kind}_cell")(source)
        cell.metadata["tags"] = list(cell_tags)
        made.append(cell)
    made[1].metadata[COURSE] = {STUB: "PREDICT = None", "hint": "Look at the router."}
    return nbformat.v4.new_notebook(cells=made)


def test_what_happened_after_a_check_is_folded_up_to_its_first_heading():
    outcome = "`False`: the post went to the primary.\n\n```python\n# not a heading\n```\n\n## Next\n\nMore."
    teacher = _lesson(("code", "PREDICT = False", [SOLUTION]), ("code", "check(PREDICT)", [CHECK]),
                      ("markdown", outcome, []))
    copy = student_copy(teacher)
    sources = [c.source for c in copy.cells]
    folded = next(c for c in copy.cells if OUTCOME_SUMMARY in c.source)
    assert folded.source.startswith(f"<details><summary>{OUTCOME_SUMMARY}</summary>\n\n`False`")
    assert "# not a heading" in folded.source and "## Next" not in folded.source
    assert folded.source.endswith("</details>") and folded.metadata["editable"] is False
    assert sources[-1] == "## Next\n\nMore.", "the new section stays visible, in a cell of its own"
    assert [c.id for c in copy.cells][-2:] == [teacher.cells[3].id, f"{teacher.cells[3].id}-next"]
    kinds = {"hint": HINT_SUMMARY, "solution": SOLUTION_SUMMARY, "outcome": OUTCOME_SUMMARY,
             "check": "check("}
    order = [next(k for k, v in kinds.items() if v in src) for src in sources[2:-1]]
    assert order == ["check", "hint", "solution", "outcome"], "the outcome comes after the hint and solution"
    assert all(c.metadata.get("editable") is False for c in copy.cells if "<details>" in c.source)
    assert nbformat.validate(copy) is None


@pytest.mark.parametrize("markdown, folded, rest", [
    ("## Key points\n\n- one", "", "## Key points\n\n- one"),
    ("All of it.", "All of it.", ""),
    ("Why.\n#not a heading\n# Next", "Why.\n#not a heading", "# Next"),
    ("Why.\n\n---\n<!-- nav:start -->\n[Contents](README.md)\n<!-- nav:end -->", "Why.\n\n---",
     "<!-- nav:start -->\n[Contents](README.md)\n<!-- nav:end -->"),
])
def test_the_fold_ends_at_a_heading_line_or_the_navigation_bar(markdown, folded, rest):
    assert split_at_heading(markdown) == (folded, rest)


def test_a_markdown_cell_that_starts_with_a_heading_after_a_check_is_left_as_it_is():
    teacher = _lesson(("code", "PREDICT = False", [SOLUTION]), ("code", "check(PREDICT)", [CHECK]),
                      ("markdown", "## Key points", []))
    copy = student_copy(teacher)
    assert copy.cells[-1].source == "## Key points" and copy.cells[-1].id == teacher.cells[-1].id
    assert not any(OUTCOME_SUMMARY in c.source for c in copy.cells)


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_no_outcome_after_a_check_is_visible_in_a_copy_and_the_first_cell_says_where_run_all_stops(path):
    teacher = nbformat.read(path, as_version=4)
    copy = student_copy(teacher)
    after = [teacher.cells[i + 1] for i, c in enumerate(teacher.cells[:-1]) if CHECK in tags(c)]
    for cell in (c for c in after if c.cell_type == "markdown" and split_at_heading(c.source)[0]):
        shown = next(c for c in copy.cells if c.id == cell.id)
        assert shown.source.startswith(f"<details><summary>{OUTCOME_SUMMARY}"), cell.id
    assert copy.cells[0].source.endswith(WHERE_IT_STOPPED)
    plain = nbformat.read(path, as_version=4)
    plain.cells = [c for c in plain.cells if not {SOLUTION, CHECK} & set(tags(c))]
    assert not student_copy(plain).cells[0].source.endswith(WHERE_IT_STOPPED), "no check, nowhere to stop"


def test_the_learners_index_speaks_to_a_learner_in_student(tmp_path):
    write_all(tmp_path)
    index = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "are written to `student/` by" in INDEX.read_text(encoding="utf-8"), "the repository's index"
    assert "are written to `student/`" not in index and "These are your own copies" in index

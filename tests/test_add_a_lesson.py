"""CONTRIBUTING.md's "Add a lesson", followed in a throwaway copy of the course (about a minute).

Part of ``make test-browser``, with the documentation's other commands (``test_documented_commands``):
the recipe's commands are acceptance tests too, and a minute of them would slow ``make test`` past its
bar (``make bench``).

The recipe's console block runs line by line exactly as written, with the guides told of the new
lesson in between, as its steps say; then the suite's own checks run on the result: the new lesson
strictly under nbval, its check on the stub and on each of its answers, the skeleton and the format.
A maintainer who changes the recipe, or what a new lesson needs, finds out here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import copy_of_the_course
from test_documented_commands import environment

from course.cli import REPO
from course.exercises.judges import result_in
from course.lessonformat import CHECK, COURSE, EXTENDED, SUMMARY, track
from course.series import notebooks, tags

pytestmark = pytest.mark.browser

SECTION = re.compile(r"^## Add a lesson\n(.*?)^## ", re.S | re.M)
CONSOLE = re.compile(r"^```console\n(.*?)^```$", re.S | re.M)


def recipe() -> list[str]:
    """The lines of the recipe's console block, each without its ``# comment``."""
    section = SECTION.search((REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")).group(1)
    block = CONSOLE.search(section).group(1)
    return [re.sub(r"\s+#\s.*$", "", line).strip() for line in block.splitlines() if line.strip()]


def run(folder: Path, command: str, check: bool = True) -> str:
    """Run ``command`` in ``folder`` as a shell does; what it printed (after checking that it succeeded,
    unless ``check`` is false)."""
    # A temporary folder of its own: the pytest that make check starts makes its temporary folder's
    # root private again (0o700, pytest's own rule), which would lock the PostgreSQL servers of the
    # suite's other tests out of theirs (they run as a user of their own under root).
    (own := folder.parent / "tmp").mkdir(exist_ok=True)
    done = subprocess.run(command, shell=True, cwd=folder, env=environment(folder, TMPDIR=str(own)),
                          capture_output=True, text=True, timeout=900)
    said = done.stdout + done.stderr
    assert done.returncode == 0 or not check, f"{command} failed:\n{said[-3000:]}"
    return said


def write_the_lesson(path: Path) -> None:
    """Step 2, as briefly as an author could: the text make lesson marks for the author is written
    (here: the marks taken off, and a summary), the example exercise kept."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.source = re.sub(r" ?\(Replace: [^)]*\)", "", cell.source)
    nb.metadata[COURSE][SUMMARY] = "the tables of one SQLite file, read from the file itself"
    nbformat.write(nb, path)


def tell_the_guides(folder: Path, number: str) -> None:
    """Step 3: the guides' span of the extended track ends at the new lesson."""
    extended = [p.stem[:2] for p in notebooks() if track(p) == EXTENDED]
    span = f"{extended[0]}–{extended[-1]}"
    for guide in ("README.md", "TEACHING.md"):
        path = folder / guide
        text = path.read_text(encoding="utf-8")
        assert span in text, f"{guide} no longer names the extended track's span {span}"
        path.write_text(text.replace(span, f"{extended[0]}–{number}"), encoding="utf-8")


def test_a_new_lesson_added_by_the_recipe_passes_the_suites_checks(tmp_path):
    commands = recipe()
    assert commands[0].startswith("make lesson NAME="), commands
    name = re.search(r"NAME=(\w+)", commands[0]).group(1)
    number = f"{len(notebooks()) + 1:02d}"
    stem = f"{number}_{name}"
    copy = copy_of_the_course(tmp_path / "course")

    said = run(copy, commands[0])
    written = [f"notebooks/{stem}.ipynb", f"course/exercises/{name}.py", f"tests/answers/{name}.py"]
    assert [f"wrote {path}" for path in written] == said.splitlines()[:3], said
    said = run(copy, ".venv/bin/python -m course.lessons", check=False)
    assert f"{stem}.ipynb: lacks its own text where make lesson wrote '(Replace: …)'" in said, said
    write_the_lesson(copy / written[0])
    tell_the_guides(copy, number)
    for command in commands[1:]:
        run(copy, command)

    lesson = copy / "notebooks" / f"{stem}.ipynb"
    nb = nbformat.read(lesson, as_version=4)
    check = next(c for c in nb.cells if CHECK in tags(c))
    assert result_in(check.outputs)["passed"], check.outputs  # make outputs ran it, for real
    assert f"[{number} · " in (copy / "notebooks" / "README.md").read_text(encoding="utf-8")  # make nav
    assert (copy / "student" / lesson.name).is_file() and (copy / "build" / "site" / f"{stem}.html").is_file()
    changed = run(copy, "git status --porcelain --untracked-files=all").split("\n")
    generated = ["README.md", "TEACHING.md", "notebooks/README.md"]  # the guides, the index, README's table
    parts = [f"notebooks/{p.name}" for p in notebooks()]  # each lesson's "Part N of M", and the last's bar
    assert sorted(line[3:] for line in changed if line) == sorted([*written, *generated, *parts])

    # The suite's checks on the new lesson: strictly, twice in one kernel as make test runs it, and
    # its check on the stub and on each answer of its table.
    assert " passed" in run(copy, f"python3 -m course test notebooks/{stem}.ipynb")
    assert " passed" in run(copy, f".venv/bin/python -m pytest -q -p no:cacheprovider -p no:randomly "
                                  f"tests/test_check_messages.py -k {name}")
    said = run(copy, ".venv/bin/python -m course.lessons")
    assert f"all {number} notebooks have the full lesson skeleton" in said, said

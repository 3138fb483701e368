"""Write student copies of the notebooks: solutions replaced by stubs, exercise outputs cleared.

``python -m course.student [--replace] [folder]`` (``make student``) writes every notebook of the
series into ``student/`` (ignored by git), with the index; a copy that is there already is the
learner's and is never overwritten (``--replace`` moves it into ``student/replaced/`` first).
In each copy, a cell tagged ``solution`` gets the stub kept in its metadata, the solution moves
into a collapsed "Show a worked solution" block after the exercise's check cell (after a collapsed
hint, where the metadata holds one), the Markdown cell after a check (what happened, and why) is
folded up to its first heading, and the outputs of exercise cells are cleared. The folded cells
are read-only, so a double-click (with the learner's JupyterLab settings) leaves them folded. The
first cell of a lesson with exercises says where Run All stops, and the index is worded for a
learner in ``student/``. The copy's metadata records the course's version (``course.version``).
The committed notebooks keep the solutions: they are what nbval checks.

A copy that cannot be read (a save cut short by a crash or a full disk) is left as it is, with one
line saying what is wrong and the way back (JupyterLab's checkpoint of it, when there is one), and
every other copy is written or checked all the same; the exit code is then 1. A kept copy written
for an older course whose check cells changed since is named, with what to do if a check fails.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

from course import __version__, arguments, lessonformat
from course.lab import serving
from course.lessonformat import CHECK, COURSE, EXERCISE, HINT, SOLUTION, STUB, VERSION
from course.navigation import INDEX
from course.series import REPO, notebooks, tags

STUDENT = REPO / "student"


SOLUTION_SUMMARY = "Show a worked solution (try first: the check tells you what is wrong)"
HINT_SUMMARY = "Show a hint (after the check's message, before the solution)"
OUTCOME_SUMMARY = "What happened, and why (open it after your check passes)"
# Said in the first cell of every lesson with exercises (the check's red box scrolls itself into view:
# course.exercises.judges).
WHERE_IT_STOPPED = ("> **Where Run All stops.** *Run › Run All Cells* (or *Kernel › Restart Kernel and Run "
                    "All Cells…*) stops at the first check whose answer is not right yet, and the page "
                    "scrolls to its red message: fix the cell above it, run the check again, then *Run › "
                    "Run Selected Cell and All Below* goes on from there.")
HEADING = re.compile(r"^#{1,6}(\s|$)")  # a Markdown heading line: where a folded outcome ends
FENCE = re.compile(r"^\s*(```|~~~)")  # a code fence: a '#' line inside it is code, not a heading
NAV_START = "<!-- nav:start -->"  # the navigation bar is never folded


def _folded(summary: str, body: str) -> nbformat.NotebookNode:
    """A read-only Markdown cell holding ``body`` in a closed ``<details>`` under ``summary``:
    JupyterLab keeps a read-only cell rendered on a double-click (jupyter-settings/learner/)."""
    cell = nbformat.v4.new_markdown_cell(f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>")
    cell.metadata["editable"] = False
    return cell


def _solution_block(source: str) -> nbformat.NotebookNode:
    return _folded(SOLUTION_SUMMARY, f"```python\n{source}\n```")


def _hint_block(hint: str) -> nbformat.NotebookNode:
    return _folded(HINT_SUMMARY, hint)


def split_at_heading(markdown: str) -> tuple[str, str]:
    """``markdown`` cut before its first heading line (or navigation bar), code fences aside: the
    part before it (stripped) and the rest."""
    lines, fenced = markdown.splitlines(keepends=True), False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (HEADING.match(line) or line.startswith(NAV_START)):
            return "".join(lines[:index]).strip(), "".join(lines[index:])
    return markdown.strip(), ""


def _outcome(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The Markdown cell after a check as the copy shows it: what happened, and why, folded up to
    its first heading; what comes from the heading on stays visible, in a cell of its own."""
    before, after = split_at_heading(cell.source)
    if not before:
        return [cell]
    folded = _folded(OUTCOME_SUMMARY, before)
    folded.id, cells = cell.id, [folded]
    if after:
        cell.source, cell.id = after, f"{cell.id}-next"
        cells.append(cell)
    return cells


def student_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the student version of a teacher notebook (the argument is not changed)."""
    nb = nbformat.from_dict(nb)  # a deep copy
    cells, pending, hint, after_check = [], None, None, False
    for cell in nb.cells:
        if after_check and cell.cell_type == "markdown":
            cells += _outcome(cell)
            after_check = False
            continue
        after_check = CHECK in tags(cell)
        if SOLUTION in tags(cell):
            pending, hint = cell.source, cell.metadata[COURSE].get(HINT)
            cell.source = cell.metadata[COURSE][STUB]
            cell.metadata.pop(COURSE)
            cell.metadata["tags"] = [EXERCISE]
        if cell.cell_type == "code" and ({SOLUTION, CHECK, EXERCISE} & set(tags(cell))):
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
        if CHECK in tags(cell) and pending is not None:
            if hint:
                cells.append(_hint_block(hint))
                cells[-1].id = f"{cell.id}-hint"
            cells.append(_solution_block(pending))
            cells[-1].id = f"{cell.id}-solution"
            pending = None
    if any(CHECK in tags(cell) for cell in cells):
        first = next(cell for cell in cells if cell.cell_type == "markdown")
        first.source = f"{first.source.rstrip()}\n\n{WHERE_IT_STOPPED}"
    nb.cells = cells
    nb.metadata.setdefault(COURSE, {})[VERSION] = __version__  # what the grades record
    return nb


OUTSIDE = re.compile(r"\[([^\]]+)\]\(\.\./[^)\s]*\)")  # a Markdown link to a file beside the lessons' folder


def unlinked_outside(markdown: str) -> str:
    """``markdown`` with each link that leaves the lessons' folder (``[README](../README.md)``) left
    as its text: the learner's JupyterLab serves student/ alone, where such a link opens nothing."""
    return OUTSIDE.sub(r"\1", markdown)


COPIES = re.compile(r"<!-- copies:start -->.*?<!-- copies:end -->", re.S)  # the index's words on the copies
YOUR_COPIES = """<!-- copies:start -->
These are your own copies of the lessons, in `student/`: the exercises are yours to do, each with its
check cell, a folded hint and a folded worked solution. `make student` (in the course's folder) never
overwrites them: it writes the copy of a lesson that is missing, and `make student REPLACE=yes` moves
yours into `student/replaced/` before writing fresh ones.
<!-- copies:end -->"""


def index_for_learners(markdown: str) -> str:
    """The index as student/ holds it: no link out of the folder, and its words on the student copies
    said to a learner who is reading them."""
    return COPIES.sub(lambda _: YOUR_COPIES, unlinked_outside(markdown))


def _for_learners(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A student copy as written into student/: its links stay inside the folder."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = unlinked_outside(cell.source)
    return nb


REPLACED = "replaced"  # where --replace moves a learner's copy before writing a fresh one


def _aside(path: Path) -> Path:
    """Move ``path`` into ``replaced/`` beside it, under a name not taken yet; return where."""
    folder = path.parent / REPLACED
    folder.mkdir(exist_ok=True)
    target, n = folder / path.name, 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}.{n}{path.suffix}"
    path.rename(target)
    return target


CHECKPOINTS = ".ipynb_checkpoints"  # where JupyterLab keeps the last save made with Ctrl+S
DAMAGED = "damaged"  # how the report's line on a copy that cannot be read starts


def write_all(folder: Path = STUDENT, replace: bool = False) -> list[str]:
    """Write the student copies of the series (and the index) into ``folder``; return what was done.

    A copy that exists already is the learner's: it is never overwritten. If it differs from a fresh
    copy (the learner's work, or a newer course), it is kept and reported; with ``replace`` it is
    moved into ``replaced/`` first, and the report says where. A copy that cannot be read (cut short
    by a crash or a full disk) is left as it is and reported, the way back said; with ``replace`` it
    is moved aside too. Every other copy is written or checked all the same.
    """
    lessonformat.require(notebooks())  # before anything is written: a lesson without its stub, say
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for path in notebooks():
        target = folder / path.name
        fresh = _for_learners(student_copy(nbformat.read(path, as_version=4)))
        done += _one_copy(target, fresh, replace)
    lessons = {path.name for path in notebooks()}
    for old in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        if old.name not in lessons:  # a lesson renamed or renumbered since this copy was written
            done.append(f"kept {_shown(old)}: no lesson has that name any more (the series was "
                        "renumbered); your work in it stays, and the lesson's new copy is beside it")
    index = index_for_learners(INDEX.read_text(encoding="utf-8"))  # generated, never edited: the newest
    (folder / INDEX.name).write_text(index, encoding="utf-8")
    return done


def _one_copy(target: Path, fresh: nbformat.NotebookNode, replace: bool) -> list[str]:
    """Write ``fresh`` at ``target`` unless the learner's copy is there; what was done, as lines."""
    theirs, wrong = None, None
    if target.exists():
        try:
            theirs = nbformat.read(target, as_version=4)
        except Exception as error:  # noqa: BLE001 - whatever the file holds, it is the learner's
            wrong = _what_is_wrong(target, error)
    if theirs is not None and _sources(theirs) == _sources(fresh):
        return []  # the same lesson: at most run or reopened (JupyterLab adds metadata), never edited
    if wrong and not replace:
        return [f"{DAMAGED} {_shown(target)}: {wrong}; it stays as it is. {_way_back(target)}"]
    if theirs is not None and not replace:
        then = (_outdated(theirs, fresh, target.parent)
                or "`make student REPLACE=yes` moves it aside and writes a fresh one")
        return [f"kept {_shown(target)}: its cells differ from a fresh copy (your edits, or a newer course); "
                + then]
    moved = ""
    if target.exists():
        moved = f", yours{', damaged,' if wrong else ''} is now {_shown(_aside(target))}"
        if wrong and _readable(checkpoint(target)):
            moved += f" (your last Ctrl+S save is still {_shown(checkpoint(target))})"
    target.write_text(nbformat.writes(fresh), encoding="utf-8")
    return [f"wrote {_shown(target)}{moved}"]


def _what_is_wrong(path: Path, error: Exception) -> str:
    """Why the notebook at ``path`` cannot be read, in the learner's words."""
    cut = "(a save cut short by a crash or a full disk)"
    if isinstance(error, OSError):
        return f"it cannot be read ({error.strerror or error})"
    if path.stat().st_size == 0:
        return f"the file is empty {cut}"
    if type(error).__name__ == "NotJSONError":
        return f"the file ends mid-way {cut}"
    return f"it is not a notebook ({type(error).__name__})"


def checkpoint(path: Path) -> Path:
    """Where JupyterLab keeps the last save of the notebook ``path`` made with Ctrl+S."""
    return path.parent / CHECKPOINTS / f"{path.stem}-checkpoint{path.suffix}"


def _readable(path: Path) -> bool:
    """Whether ``path`` is a notebook that can be read."""
    try:
        nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001
        return False
    return True


def _way_back(target: Path) -> str:
    """What the learner can do about the damaged copy ``target``, in one sentence."""
    fresh = (f"move the damaged file out of {_shown(target.parent)}/ and `make student` (in the course's "
             "folder) writes a fresh copy")
    if _readable(checkpoint(target)):
        return (f"Your last Ctrl+S save is {_shown(checkpoint(target))}: copy it over {_shown(target)} to "
                f"get your work back, or {fresh}.")
    return f"JupyterLab kept no save of it: {fresh}."


def _checks(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The check cells of a notebook: cell id → source."""
    return {cell.get("id"): cell.source for cell in nb.cells if CHECK in tags(cell)}


def _outdated(theirs: nbformat.NotebookNode, fresh: nbformat.NotebookNode, folder: Path) -> str:
    """If the learner's copy (in ``folder``) was written for an older course whose check cells
    differ from this course's, what to do about it; else ``""``."""
    written = theirs.metadata.get(COURSE, {}).get(VERSION, "before 1.1.0")  # 1.1.0 began recording it
    ours = _checks(fresh)
    changed = [cid for cid, source in _checks(theirs).items() if cid in ours and ours[cid] != source]
    if written == __version__ or not changed:
        return ""
    return (f"it was written for course {written}, and {len(changed)} of its check cells differ from "
            f"course {__version__}'s (CHANGELOG.md says what changed): your answers stay, and if a check "
            f"cell fails, move the copy into {_shown(folder / REPLACED)}/ and `make student` writes a fresh "
            "one to carry them into")


def _sources(nb: nbformat.NotebookNode) -> list[str]:
    """The sources of a notebook's cells: what a learner writes (outputs and metadata aside)."""
    return [cell.source for cell in nb.cells]


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


def main(argv: list[str] | None = None) -> int:
    """``python -m course.student [--replace] [FOLDER]``: write the copies, say what was done."""
    args = arguments.parser("course.student", __doc__).parse_args(argv)
    folder = args.folder or STUDENT
    running = args.replace and serving(Path(sys.executable), folder)
    if running:
        print(f"JupyterLab serves {_shown(folder)}/ (process {running['pid']}): its open tabs would save "
              "your old work over the fresh copies. Stop it first (File › Shut Down, or Ctrl-C where it "
              "runs), then run this again.", file=sys.stderr)
        return 1
    try:
        done = write_all(folder, args.replace)
    except lessonformat.FormatError as error:
        print(error, file=sys.stderr)
        return 1
    print("\n".join(done) or f"student copies in {_shown(folder)}/ are up to date")
    return 1 if any(line.startswith(DAMAGED) for line in done) else 0


if __name__ == "__main__":
    sys.exit(main())

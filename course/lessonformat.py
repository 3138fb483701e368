"""The notebook format of the series: every tag and metadata key a lesson uses, and a validator.

A lesson is ``notebooks/NN_topic.ipynb``. Its cells carry the tags of ``TAGS`` (in the cell's
metadata ``tags``) and, under the cell's metadata ``course``, the keys of ``CELL_KEYS``; the
notebook's own metadata ``course`` holds the keys of ``NOTEBOOK_KEYS``. ``problems(path)`` lists,
one line each naming the notebook and the cell (its number and id), what a notebook does wrong;
``make check`` holds every notebook to it, and ``make nav``, ``make site`` and ``make student``
refuse a notebook with problems. ``python -m course.lessonformat [NOTEBOOK…]`` lists them.
CONTRIBUTING.md's section "The notebook format" is generated from this module (``make nav``).

Standard library only (JSON, not nbformat): ``cleanup`` and ``series`` import it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from course.errors import CourseError

NAME = re.compile(r"^\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")  # a lesson's file name: NN_topic.ipynb

ON_PURPOSE = "# This cell fails on purpose"  # the first line of a cell tagged RAISES, and only of one

# The tags, each on code cells only.
SOLUTION = "solution"
CHECK = "check"
STEP = "step"
RAISES = "raises-exception"
LINT_EXEMPT = "lint-exempt"
EXERCISE = "exercise"
TAGS = {  # what each tag means
    SOLUTION: "an exercise's worked answer; its `course.stub` is what the student copy shows instead, and "
              "a `check` cell follows it",
    CHECK: "runs a check of `course.exercises` on the answer of the `solution` cell above it; what it "
           "says on the untouched stub holds its `course.on_stub`",
    STEP: "changes the project (writes a file, runs a command): later notebooks replay these cells to "
          "restore their starting point, so it must succeed",
    RAISES: f"fails on purpose (nbval's own tag: it compares the error); its first line is `{ON_PURPOSE}`, "
            "and that line goes with this tag",
    LINT_EXEMPT: "code broken on purpose, which ruff does not check (no rule is loosened for it)",
    EXERCISE: "in student copies only: a `solution` cell with its stub in place (`make student` writes it)",
}
ROLES = (SOLUTION, CHECK, STEP)  # a cell plays at most one of these parts

# The metadata: a cell's and the notebook's keys live under COURSE (``metadata["course"]``).
COURSE = "course"
STUB = "stub"
HINT = "hint"
ON_STUB = "on_stub"
OBJECTIVES = "objectives"
CELL_KEYS = {  # the keys of a cell's metadata `course`, the tag of the cells that carry them, and meaning
    STUB: (SOLUTION, "the code the student copy shows in place of the solution"),
    HINT: (SOLUTION, "a hint (Markdown), folded after the check in the student copy"),
    ON_STUB: (CHECK, "a piece of what the check says on the untouched stub, after `Incorrect: ` (the suite "
                     "holds it to that); it says the answer is *still* the stub, in those words"),
    OBJECTIVES: (CHECK, "the objectives this check practises: a list, each the words of one bullet of the "
                        "lesson's **Objectives** (its lines joined); every objective is named by a check"),
}
UNTOUCHED = re.compile(r"\b(still|stub)\b", re.IGNORECASE)  # how an on_stub says the stub is untouched
TRACK = "track"
SUMMARY = "summary"
RERUNS = "reruns_in_same_kernel"
VERSION = "version"
LOCAL_ONLY = "local_only"
NOTEBOOK_KEYS = {  # the keys of the notebook's metadata `course`, and what each means
    TRACK: "the track the lesson belongs to, one of those below; the index adds up each track",
    SUMMARY: "what the lesson teaches, in one line of Markdown (README.md's table of the notebooks shows it)",
    RERUNS: "written by `make outputs`: whether the notebook reruns from the top in the same kernel (false: "
            "its first cell asks for a restart)",
    VERSION: "in student copies only: the course version that wrote the copy (the grades record it)",
    LOCAL_ONLY: "what the lesson starts that the browser edition cannot (\"Django's development server\"), "
                "in a few words: it then runs only where the course is installed, and the index says so; "
                "a lesson without it runs in the browser too",
}
CORE, EXTENDED = "core", "extended"
# The tracks, in teaching order (the lessons of one come before those of the next), and their label
# in the index.
TRACKS = {
    CORE: "the tutorial",  # the tutorial the course follows, from one SQLite file to two routed ones
    EXTENDED: "",  # beyond it: PostgreSQL, relations, replicas, pytest, system checks, the capstone
}
REQUIRED = {STUB, ON_STUB, OBJECTIVES, TRACK, SUMMARY}  # the keys a lesson must give (others: optional)
STUDENT_ONLY = {EXERCISE, VERSION}  # what only `make student` writes, never a lesson of notebooks/


class FormatError(CourseError):
    """Notebooks break the format: the message lists the problems, one line each, then the way back."""


def tags(cell: dict) -> list[str]:
    """The tags of a notebook cell (a dict, or nbformat's node), ``[]`` when it has none."""
    return cell.get("metadata", {}).get("tags", [])


def read(path: Path) -> dict:
    """The notebook at ``path`` as JSON."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def problems(path: Path) -> list[str]:
    """What the notebook at ``path`` does wrong, one line each naming it and the cell; ``[]`` if nothing."""
    path = Path(path)
    try:
        nb = read(path)
        cells = nb["cells"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [f"{path.name}: cannot be read as a notebook ({type(error).__name__}: {error})"]
    found = [] if NAME.match(path.name) else [f"{path.name}: its name is not NN_topic.ipynb"]
    found += [f"{path.name}: {what}" for what in _notebook_problems(nb.get("metadata", {}))]
    for number, cell in enumerate(cells, 1):
        where = f"{path.name}, cell {number} (id {cell.get('id', '?')})"
        found += [f"{where}: {what}" for what in _cell_problems(cell)]
    found += [f"{path.name}: {what}" for what in _pairing_problems(cells)]
    found += [f"{path.name}: {what}" for what in _objective_problems(cells)]
    ids = [cell["id"] for cell in cells if "id" in cell]
    found += [f"{path.name}: cell id {i!r} is used twice" for i in sorted(set(ids)) if ids.count(i) > 1]
    return found


def _notebook_problems(metadata: dict) -> list[str]:
    """What the notebook's metadata does wrong."""
    course = metadata.get(COURSE, {})
    found = [f"metadata {COURSE}.{key} is not part of the format" for key in course
             if key not in NOTEBOOK_KEYS]
    if VERSION in course:
        found.append(f"metadata {COURSE}.{VERSION} belongs to student copies only")
    if course.get(TRACK) not in TRACKS:
        found.append(f"metadata {COURSE}.{TRACK} is {course.get(TRACK)!r}: give one of {', '.join(TRACKS)}")
    if not isinstance(course.get(SUMMARY), str) or not course[SUMMARY].strip() or "\n" in course[SUMMARY]:
        found.append(f"metadata {COURSE}.{SUMMARY} is not one line of text (what the lesson teaches)")
    if LOCAL_ONLY in course and (not isinstance(course[LOCAL_ONLY], str) or not course[LOCAL_ONLY].strip()):
        found.append(f"metadata {COURSE}.{LOCAL_ONLY} is not a few words (what the browser cannot start)")
    if RERUNS in course and not isinstance(course[RERUNS], bool):
        found.append(f"metadata {COURSE}.{RERUNS} is not true or false (make outputs writes it)")
    return found


def _cell_problems(cell: dict) -> list[str]:
    """What one cell does wrong: its tags, its metadata, its first line."""
    kinds = tags(cell)
    if "id" not in cell:  # grading and student copies find cells by it (nbformat 4.5 gives every cell one)
        return ["it has no id: read and write it with nbformat 4.5 or later, which gives it one"]
    if not isinstance(kinds, list) or not all(isinstance(t, str) for t in kinds):
        return ["its tags are not a list of names"]
    found = [f"unknown tag {t!r} (known: {', '.join(TAGS)})" for t in kinds if t not in TAGS]
    found += [f"tag {t!r} belongs to student copies only" for t in kinds if t in STUDENT_ONLY]
    if kinds and cell.get("cell_type") != "code":
        found.append(f"a {cell.get('cell_type')} cell is tagged {', '.join(kinds)}: tags go on code cells")
    roles = [t for t in kinds if t in ROLES]
    if len(roles) > 1:
        found.append(f"tagged both {' and '.join(roles)}: a cell plays one part")
    if STEP in kinds and RAISES in kinds:
        found.append(f"tagged {STEP} and {RAISES}: a step must succeed")
    source = "".join(cell.get("source", ""))
    if RAISES in kinds and not source.startswith(ON_PURPOSE):
        found.append(f"tagged {RAISES} but its first line is not '{ON_PURPOSE}…'")
    if source.lstrip().lower().startswith(ON_PURPOSE.lower()) and RAISES not in kinds:  # any case, too
        found.append(f"starts '{ON_PURPOSE}' but is not tagged {RAISES}")
    return found + _key_problems(cell, kinds)


def _key_problems(cell: dict, kinds: list[str]) -> list[str]:
    """What a cell's metadata ``course`` does wrong for its tags."""
    course = cell.get("metadata", {}).get(COURSE, {})
    found = [f"metadata {COURSE}.{key} is not part of the format" for key in course if key not in CELL_KEYS]
    found += [f"metadata {COURSE}.{key} belongs on a {tag} cell" for key, (tag, _) in CELL_KEYS.items()
              if key in course and tag not in kinds]
    for key, (tag, _) in CELL_KEYS.items():
        kind, fits = ("a list of text", _texts) if key == OBJECTIVES else ("text", _text)
        if tag in kinds and key in REQUIRED and not fits(course.get(key)):
            found.append(f"a {tag} cell without its metadata {COURSE}.{key} ({kind})")
        elif tag in kinds and key in course and not fits(course[key]):
            found.append(f"metadata {COURSE}.{key} is not {kind}")
    if CHECK in kinds and _text(course.get(ON_STUB)) and not UNTOUCHED.search(course[ON_STUB]):
        found.append(f"metadata {COURSE}.{ON_STUB} {course[ON_STUB]!r} does not say the answer is still the "
                     "stub (say it with the word still or stub)")
    return found


def _text(value) -> bool:
    """Whether a metadata value is text."""
    return isinstance(value, str)


def _texts(value) -> bool:
    """Whether a metadata value is a non-empty list of text."""
    return isinstance(value, list) and bool(value) and all(isinstance(item, str) for item in value)


def objectives(cells: list[dict]) -> list[str]:
    """The bullets of the lesson's **Objectives** (in its first Markdown cell that has them), each one
    line with its whitespace collapsed; ``[]`` if it states none."""
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown" and "**Objectives**" in source:
            bullets: list[str] = []
            for line in source.split("**Objectives**", 1)[1].splitlines()[1:]:
                line = line.lstrip("> ").strip()
                if line.startswith("- "):
                    bullets.append(line[2:])
                elif line and bullets:
                    bullets[-1] += f" {line}"
                else:
                    break
            return [" ".join(bullet.split()) for bullet in bullets]
    return []


def _objective_problems(cells: list[dict]) -> Iterator[str]:
    """Every objective the lesson states is named by a check cell, and a check names only those."""
    stated, named = objectives(cells), set()
    for number, cell in enumerate(cells, 1):
        listed = cell.get("metadata", {}).get(COURSE, {}).get(OBJECTIVES)
        if CHECK not in tags(cell) or not _texts(listed):
            continue
        for objective in listed:
            named.add(" ".join(objective.split()))
            if stated and " ".join(objective.split()) not in stated:
                yield (f"the check cell {number} names the objective {objective!r}, which the lesson's "
                       "**Objectives** do not state (quote one of its bullets)")
    for objective in stated:
        if objective not in named:
            yield (f"the objective {objective!r} is practised by no check (name it in the {COURSE}."
                   f"{OBJECTIVES} of the check of a challenge that practises it, where it is taught)")


def _pairing_problems(cells: list[dict]) -> list[str]:
    """Solution and check cells alternate: each solution is followed by its check before the next one."""
    found, pending = [], None
    for number, cell in enumerate(cells, 1):
        kinds = tags(cell) if isinstance(tags(cell), list) else []
        if SOLUTION in kinds and pending is not None:
            found.append(f"the {SOLUTION} cell {pending} has no {CHECK} cell before the next {SOLUTION}")
        if CHECK in kinds and pending is None:
            found.append(f"the {CHECK} cell {number} has no {SOLUTION} cell before it")
        pending = number if SOLUTION in kinds else None if CHECK in kinds else pending
    if pending is not None:
        found.append(f"the {SOLUTION} cell {pending} has no {CHECK} cell after it")
    return found


def own(path: Path) -> dict:
    """The lesson's own metadata, ``course`` in the notebook's metadata (its track, summary, …)."""
    return read(path).get("metadata", {}).get(COURSE, {})


def track(path: Path) -> str:
    """The track of the lesson at ``path`` (its notebook metadata ``course.track``); ``""`` if none."""
    return own(path).get(TRACK, "")


def report(paths: list[Path]) -> list[str]:
    """The problems of every notebook of ``paths`` (the series, in order), and of the tracks' order."""
    found = [line for path in paths for line in problems(path)]
    if found:
        return found  # the tracks' order only counts once every lesson names its track
    order = list(TRACKS)
    for before, path in zip(paths, paths[1:], strict=False):
        if order.index(track(path)) < order.index(track(before)):
            found.append(f"{path.name}: a lesson of the {track(path)} track after one of the {track(before)} "
                         f"track (each track's lessons come together, in the order {', '.join(order)})")
    return found


def require(paths: list[Path]) -> None:
    """Raise ``FormatError`` listing the problems of ``paths``, if they have any."""
    found = report(paths)
    if found:
        raise FormatError("\n".join([*found, "Fix these notebooks (CONTRIBUTING.md, \"The notebook format\" "
                                               "says what each tag and key means), then run this again."]))


def reference() -> str:
    """The Markdown that documents the format, for CONTRIBUTING.md (``make nav`` writes it there)."""
    lines = ["| tag (a code cell's `tags`) | meaning |", "|---|---|"]
    lines += [f"| `{tag}` | {meaning} |" for tag, meaning in TAGS.items()]
    lines += ["", "| a cell's metadata | on | meaning |", "|---|---|---|"]
    lines += [f"| `{COURSE}.{key}` | `{tag}` | {_required(key)}{meaning} |"
              for key, (tag, meaning) in CELL_KEYS.items()]
    lines += ["", "| the notebook's metadata | meaning |", "|---|---|"]
    lines += [f"| `{COURSE}.{key}` | {_required(key)}{meaning} |" for key, meaning in NOTEBOOK_KEYS.items()]
    tracks = ", ".join(f"`{name}`" + (f" ({label})" if label else "") for name, label in TRACKS.items())
    lines += ["", f"The tracks, in teaching order: {tracks}. A cell tagged `{RAISES}` starts with the line "
                  f"`{ON_PURPOSE}`, and no other cell does."]
    return "\n".join(lines)


def _required(key: str) -> str:
    """How the reference starts the meaning of ``key``: whether a lesson must give it."""
    return "required: " if key in REQUIRED else "optional: " if key in CELL_KEYS else ""


def main(argv: list[str] | None = None) -> int:
    """``python -m course.lessonformat [NOTEBOOK…]``: list the problems (default: of the series)."""
    from course import arguments, series

    named = arguments.parser("course.lessonformat", __doc__).parse_args(argv).notebooks
    paths = named or series.notebooks()
    found = report(paths)
    print("\n".join(found) or f"all {len(paths)} notebooks follow the format")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

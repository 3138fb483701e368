"""Start a new lesson after the last one: its notebook, its check module and its table of answers.

``python -m course.newlesson TOPIC TITLE`` (``make lesson NAME=topic
TITLE="…"``) writes three files, each a working example to replace, never over an existing one:

- ``notebooks/NN_TOPIC.ipynb``, numbered after the last lesson: the skeleton ``course.lessons``
  asks for (title, minutes, questions, objectives, version banner, the cell that restores the
  project, an exercise with its solution and check cells, key points, navigation markers), its
  track (the last lesson's: the tracks come in order) and summary in its metadata
  (``course.lessonformat``);
- ``course/exercises/TOPIC.py``: the check its exercise calls (found without a list);
- ``tests/answers/TOPIC.py``: the right and wrong answers the suite tries that check on.

CONTRIBUTING.md's "Add a lesson" says what comes next (``make nav``, ``make outputs LESSONS=NN``,
``make project``, ``make student``, ``make site``, ``make check``, ``make test``).
"""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

import nbformat

from course import arguments, lessonformat
from course.errors import CourseError
from course.lessons import TODO  # the skeleton checker finds any left
from course.series import NOTEBOOKS, REPO, notebooks

OBJECTIVE = "List the tables of a SQLite file from the file itself."  # the template's one objective
TOPIC = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")  # a lesson's name: a Python module name, lower case
CHECKS = REPO / "course" / "exercises"
ANSWERS = REPO / "tests" / "answers"

CHECK_MODULE = '''"""The checks of {number} · {title} (``notebooks/{number}_{topic}.ipynb``)."""

from __future__ import annotations

from course import sqlite
from course.exercises.judges import Correct, compare, judged

__all__ = ["check_{topic}"]


@judged
def check_{topic}(answer, path: str = "acmeapp_db.sqlite3") -> Correct:
    """The tables of ``path``, as the file itself lists them."""
    truth = set(sqlite.tables(path))
    compared = compare(answer, truth, {{}}, "TABLES")
    return Correct(f"{{', '.join(sorted(truth))}} are the tables of {{path}}.", compared)
'''

ANSWERS_MODULE = '''"""The answers the checks of the lesson ``{topic}`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

CASES = {{
    "check_{topic}": [
        (SOLUTION, RIGHT),
        ('TABLES = ["sqlite_sequence", "acmeapp_post", "django_migrations"]', RIGHT),
        ('TABLES = {{"acmeapp_post"}}', "2 of the 3 tables are still missing"),
        ('TABLES = {{"acmeapp_post", "auth_user", "django_migrations", "sqlite_sequence"}}',
         "'auth_user' is not one of them"),
    ],
}}
'''


class CannotStart(CourseError):
    """The new lesson's name or title cannot be used, or one of its files exists already."""


def _markdown(source: str) -> nbformat.NotebookNode:
    """A Markdown cell."""
    return nbformat.v4.new_markdown_cell(source)


def _code(source: str, tags: list[str] | None = None, **course: str | list[str]) -> nbformat.NotebookNode:
    """A code cell with its ``tags`` and its ``course`` metadata."""
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = tags
    if course:
        cell.metadata[lessonformat.COURSE] = course
    return cell


def skeleton(number: str, topic: str, title: str, last: Path) -> nbformat.NotebookNode:
    """The new lesson's notebook: every part of the skeleton, with one worked exercise that passes.
    Its version banner, kernel and track are those of ``last``, the lesson before it."""
    before = nbformat.read(last, as_version=4)
    banner = next(c.source for c in before.cells if c.source.startswith("> **Version.**"))
    stem = f"{number}_{topic}"
    nb = nbformat.v4.new_notebook()
    own = {lessonformat.TRACK: lessonformat.track(last),
           lessonformat.SUMMARY: f"{TODO} what this lesson teaches, in one line)"}
    nb.metadata = {"kernelspec": before.metadata.kernelspec, "language_info": {"name": "python"},
                   lessonformat.COURSE: own}
    nb.cells = [
        _markdown(f"# {number} · {title}\n\n<!-- nav:start -->\n<!-- nav:end -->\n\n*Part {int(number)} "
                  f"of {int(number)} · about 10 minutes teaching, 10 minutes exercises*\n\n> **Questions**\n"
                  f"> - Which tables does `acmeapp_db.sqlite3` hold now? {TODO} the questions this lesson "
                  f"answers)\n>\n> **Objectives**\n> - {OBJECTIVE}\n\n{TODO} the objectives: what a learner "
                  "can do afterwards, each practised by a checked exercise whose check names it)\n\n"
                  f"{TODO} why this lesson, and what it builds on.)"),
        _markdown(banner),
        _code(f'from course.workspace import open_project\n\nopen_project("{stem}")'),
        _markdown(f"## A first look\n\n{TODO} explain before each cell what it shows and why.) The tables "
                  "of `acmeapp_db.sqlite3`, read from the file, read-only:"),
        _code('from course import sqlite\n\nsqlite.query("acmeapp_db.sqlite3", '
              '"SELECT name FROM sqlite_master WHERE type = \'table\' ORDER BY name")'),
        _markdown("## Exercise: the tables of one file (10 min)\n\nWrite the names of the tables of "
                  "`acmeapp_db.sqlite3` into the set `TABLES`. The check reads the file itself."),
        _code('TABLES = {"acmeapp_post", "django_migrations", "sqlite_sequence"}', [lessonformat.SOLUTION],
              **{lessonformat.STUB: "TABLES = set()  # the names of the tables",
                 lessonformat.HINT: "The query of the section above lists them."}),
        _code(f"from course.exercises import check_{topic}\n\ncheck_{topic}(TABLES)", [lessonformat.CHECK],
              **{lessonformat.ON_STUB: "TABLES is still empty", lessonformat.OBJECTIVES: [OBJECTIVE]}),
        _markdown(f"## Key points\n\n- `sqlite_master` lists the tables of a SQLite file. {TODO} what to "
                  "remember, one line each.)\n\n---\n<!-- nav:start -->\n<!-- nav:end -->"),
    ]
    return nb


def start(topic: str, title: str) -> list[Path]:
    """Write the three files of the lesson ``topic`` after the last lesson; the paths written.
    ``CannotStart`` (nothing written) for a name that cannot be a module (a Python keyword neither),
    a lesson's or a check's
    name taken already, or a file in the way."""
    series = notebooks()
    if not TOPIC.match(topic) or keyword.iskeyword(topic):
        raise CannotStart(f"{topic!r} cannot name a lesson: lower-case letters, digits and single "
                          "underscores, starting with a letter (NAME=caching_per_alias).")
    if not title.strip():
        raise CannotStart('Give the lesson a title: make lesson NAME=topic TITLE="What it teaches".')
    number = f"{int(series[-1].stem[:2]) + 1:02d}"
    paths = [NOTEBOOKS / f"{number}_{topic}.ipynb", CHECKS / f"{topic}.py", ANSWERS / f"{topic}.py"]
    taken = [p.relative_to(REPO).as_posix() for p in [*paths, *series] if p.exists() and (
        p in paths or p.stem[3:] == topic)]
    taken += [f"check_{topic} (in {p.name})" for p in CHECKS.glob("*.py")
              if f"def check_{topic}(" in p.read_text(encoding="utf-8")]
    if taken:
        raise CannotStart(f"{taken[0]} exists already: choose another NAME (a lesson's name is also its "
                          "check module's, its answers' and its check's, check_NAME).")
    nbformat.write(skeleton(number, topic, title.strip(), series[-1]), paths[0])
    values = {"number": number, "topic": topic, "title": title.strip()}
    paths[1].write_text(CHECK_MODULE.format(**values), encoding="utf-8")
    paths[2].write_text(ANSWERS_MODULE.format(**values), encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m course.newlesson TOPIC TITLE``: write the lesson's three files."""
    args = arguments.parser("course.newlesson", __doc__).parse_args(argv)
    try:
        written = start(args.topic, args.title)
    except CourseError as error:
        print(error, file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(REPO).as_posix()}")
    print(f'Next (CONTRIBUTING.md, "Add a lesson"): write the lesson over the text marked {TODO} …), then '
          f'make nav, make outputs LESSONS={args.topic}, make project, make student, make site, make check.')
    return 0


if __name__ == "__main__":
    sys.exit(main())

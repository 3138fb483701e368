"""The arguments of the course's scripts, defined once for both ways of running them.

``python -m course COMMAND`` (``course.cli``) builds its subcommands from these definitions, so
``python -m course student --help`` shows the command's real options and a misspelt one is refused
(the usage line, exit code 2) before anything is installed or written. A script run directly
(``python -m course.student``, as ``python -m course student`` runs it in the environment) parses
its arguments with :func:`parser`, from the same definition.

Standard library only: ``course.cli`` imports it before anything is installed. A default that
needs the course's other modules (such as the folder ``student/``) is None here, and the script
fills it in.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path


def student(parser: argparse.ArgumentParser) -> None:
    """``python -m course.student [--replace] [FOLDER]``."""
    parser.add_argument("--replace", action="store_true",
                        help="move an edited copy into replaced/ and write a fresh one (make: REPLACE=yes)")
    parser.add_argument("folder", nargs="?", type=Path,
                        help="where to write the copies (default: student/, ignored by git)")


def seconds(text: str) -> float:
    """A time limit for argparse: a number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"the time limit (TIMEOUT=) is seconds above 0, not {text!r}")
    return value


def jobs(text: str) -> int:
    """How many notebooks run at once, for argparse: a whole number above 0."""
    if not (text.isdigit() and int(text) > 0):
        raise argparse.ArgumentTypeError(f"the notebooks run at once (JOBS=) are a whole number above 0, "
                                         f"not {text!r}")
    return int(text)


def grade(parser: argparse.ArgumentParser) -> None:
    """``python -m course.grade DIR [--lessons NN …] [--timeout SECONDS] [--jobs N]``."""
    parser.add_argument("folder", type=Path, help="one folder per student, each holding their notebooks")
    parser.add_argument("--timeout", type=seconds, default=300, metavar="SECONDS",
                        help="each notebook's time limit, in seconds above 0 (make: TIMEOUT=; default 300)")
    parser.add_argument("--lessons", nargs="+", metavar="NN",
                        help="grade these lessons (make: LESSONS=\"03 04\"; default: those at least half "
                             "the class handed in)")
    # A notebook waits for its kernel and its commands about a third of its time: one more than the
    # CPUs keeps them busy (a class of 30, core lessons, two cores: 54 notebooks a minute with 2, 64 with 3).
    parser.add_argument("--jobs", type=jobs, default=(os.cpu_count() or 1) + 1, metavar="N",
                        help="notebooks run at once (make: JOBS=; default: one more than the CPUs)")
    parser.add_argument("--unsandboxed", action="store_true",
                        help="run the notebooks without a sandbox, with your rights (make: UNSANDBOXED=yes; "
                             "default: each in a bubblewrap sandbox, Linux only)")


def site(parser: argparse.ArgumentParser) -> None:
    """``python -m course.site [FOLDER]``."""
    parser.add_argument("folder", nargs="?", type=Path,
                        help="where to write the site (default: build/site/, ignored by git)")


def lite(parser: argparse.ArgumentParser) -> None:
    """``python -m course.lite [--update-lock]``."""
    parser.add_argument("--update-lock", action="store_true",
                        help="for maintainers: rewrite course/lite-lock.json from the registries first")


def outputs(parser: argparse.ArgumentParser) -> None:
    """``python -m course.outputs [NOTEBOOK…] [--lessons NN …]``."""
    parser.add_argument("notebooks", nargs="*", type=Path, metavar="NOTEBOOK",
                        help="the notebooks to re-execute, in this order (default: every notebook of the "
                             "series)")
    parser.add_argument("--lessons", nargs="+", metavar="NN",
                        help="re-execute only these lessons, by number, in teaching order (make: "
                             "LESSONS=\"03 04\")")


def lessonformat(parser: argparse.ArgumentParser) -> None:
    """``python -m course.lessonformat [NOTEBOOK…]``."""
    parser.add_argument("notebooks", nargs="*", type=Path, metavar="NOTEBOOK",
                        help="the notebooks to check (default: every notebook of the series)")


def navigation(parser: argparse.ArgumentParser) -> None:
    """``python -m course.navigation [--check]``."""
    parser.add_argument("--check", action="store_true",
                        help="change nothing: list what is out of date, and fail if anything is")


def project(parser: argparse.ArgumentParser) -> None:
    """``python -m course.project [--check]``."""
    parser.add_argument("--check", action="store_true",
                        help="change nothing: list how project/ differs from the notebooks, and fail if it "
                             "does")


def round_count(text: str) -> int:
    """A number of rounds for argparse: a whole number above 0."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"the number of rounds is a whole number above 0, not {text!r}")
    return value


def bench(parser: argparse.ArgumentParser) -> None:
    """``python -m course.bench [ROUNDS]``."""
    parser.add_argument("rounds", nargs="?", type=round_count, default=3, metavar="ROUNDS",
                        help="how many times the series and its floor run (their medians count; default 3)")


def lock(parser: argparse.ArgumentParser) -> None:
    """``python -m course.lock [--upgrade PACKAGE…]``."""
    parser.add_argument("--upgrade", nargs="*", default=[], metavar="PACKAGE",
                        help="move these pins to their newest allowed versions ('all' for every pin)")


def lessons(parser: argparse.ArgumentParser) -> None:
    """``python -m course.lessons``: no arguments."""


def newlesson(parser: argparse.ArgumentParser) -> None:
    """``python -m course.newlesson TOPIC TITLE``."""
    parser.add_argument("topic", help="the lesson's name: its file is notebooks/NN_TOPIC.ipynb (make: NAME=)")
    parser.add_argument("title", help="its title, after '# NN · ' (make: TITLE=)")


def lifeline(parser: argparse.ArgumentParser) -> None:
    """``python -m course.lifeline COMMAND…`` or ``python -m course.lifeline --folder FOLDER``."""
    parser.add_argument("--folder", metavar="FOLDER",
                        help="when standard input closes (unless told 'disarm'), stop every process "
                             "whose command line names FOLDER (PostgreSQL on its data folder)")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="COMMAND…",
                        help="the command to run as long as standard input stays open")


def hub_link(parser: argparse.ArgumentParser) -> None:
    """``python -m course.hublink --hub URL [--repo URL] [--branch NAME] [--open PATH]``."""
    parser.add_argument("--hub", required=True, metavar="URL", help="the hub's address, https://hub.example.org")
    parser.add_argument("--repo", metavar="URL",
                        help="the repository the learners pull (default: this clone's origin remote)")
    parser.add_argument("--branch", default="main", help="the branch they pull (default: main)")
    parser.add_argument("--open", metavar="PATH", help="the notebook the link opens, a path in the "
                        "repository (default: the first lesson in notebooks/)")


SCRIPTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {  # each script's arguments, by module
    "course.hublink": hub_link,
    "course.student": student,
    "course.grade": grade,
    "course.site": site,
    "course.lite": lite,
    "course.outputs": outputs,
    "course.lessonformat": lessonformat,
    "course.navigation": navigation,
    "course.project": project,
    "course.bench": bench,
    "course.lock": lock,
    "course.lessons": lessons,
    "course.newlesson": newlesson,
    "course.lifeline": lifeline,
}


def parser(module: str, doc: str | None) -> argparse.ArgumentParser:
    """The parser of ``python -m MODULE``: its arguments from :data:`SCRIPTS`, described by the first
    line of the module's docstring ``doc``."""
    description = doc.splitlines()[0] if doc else None
    result = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    SCRIPTS[module](result)
    return result

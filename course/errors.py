"""The course's own errors, shown in Jupyter as their one-line message without frames; and errors of
the learner's own code, called by a helper, shown from the learner's first frame on.

A helper that calls the learner's code (a router, settings, SQL) catches what that code raised,
calls ``trim_to_learners(error)`` and re-raises it with a bare ``raise``: the same exception, type
and message (what nbval compares in a cell that fails on purpose), its traceback starting at the
learner's first frame. A bare ``raise`` adds no frame of the helper (Python 3.11 and later), so
the learner sees their cell, then their own code, then the error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType

PACKAGE = Path(__file__).resolve().parent  # the course's helpers: never the learner's code
# Where Python and the installed packages live. The browser edition's Pyodide has its prefix at "/",
# which every path starts with: there, its library folder.
INSTALLED = tuple(p for p in {sys.prefix, sys.base_prefix} if p.strip("/")) or ("/lib/python",)


class CourseError(RuntimeError):
    """An error whose message says what is wrong and what to do; its frames would be the course's
    helpers, not the learner's code, so Jupyter shows only ``Name: message``."""

    def _render_traceback_(self) -> list[str]:
        """IPython's hook for how an exception is shown: here, its one line."""
        return [f"{type(self).__name__}: {self}"]


def is_learners(filename: str) -> bool:
    """Whether a frame's file is the learner's (a cell, the project), not the course's, Python's or
    an installed package's."""
    others = (str(PACKAGE), *INSTALLED, "<frozen ")
    return not filename.startswith(others)


def learners_frames(tb: TracebackType | None) -> TracebackType | None:
    """The part of traceback ``tb`` from the learner's first frame on (``None`` if it has none)."""
    while tb is not None and not is_learners(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return tb


def trim_to_learners(error: BaseException) -> None:
    """Make the traceback of ``error`` start at the learner's first frame; the helper that called
    their code then re-raises it with a bare ``raise``."""
    error.with_traceback(learners_frames(error.__traceback__))


def shown_path(path: str | Path) -> str:
    """``path`` as a message shows it: from the course's folder, or from the folder of the learner's
    own copy (their notebooks' folder's parent, which holds their ``work/``), when it is inside
    (``work/07_…/core``), else as it is."""
    workspace = sys.modules.get("course.workspace")  # loaded wherever a learner's work is
    learners = workspace and workspace._learners  # the folder of their notebooks, if the kernel began in one
    roots = [PACKAGE.parent, *([learners.parent] if learners else [])]
    for root in roots:
        try:
            shown = Path(path).resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            continue
        return shown if shown != "." else str(Path(path).resolve())  # the folder itself: in full
    return str(path)

"""The tables of answers that tests/test_check_messages.py tries each lesson's checks on: one module
per lesson with checks, named as its check module in ``course/exercises/`` (the notebook's file name
without its number), holding ``CASES = {check: [(answer, expected), …]}``. A check is named by a piece
of its check cell's source; an answer is a cell's source, SOLUTION (the teacher's worked solution) or
a function of the solution (a variant of it); expected is RIGHT or the start of the check's message.
The test finds every module here, never a list.
"""

from __future__ import annotations

import importlib
import pkgutil

from course.exercises.judges import RIGHT

# An answer expecting RIGHT expects its check to pass: its result says so, and so does its line.
SOLUTION = None  # stands for the teacher's worked solution; a function of it stands for a variant

__all__ = ["RIGHT", "SOLUTION", "tables"]


def tables() -> dict[str, dict]:
    """Each lesson's table of answers, by the lesson's name: every module here, found, never listed."""
    return {found.name: importlib.import_module(f"{__name__}.{found.name}").CASES
            for found in pkgutil.iter_modules(__path__)}

"""The check functions of the exercises: run the student's work for real and say precisely what is wrong.

One module per lesson with checks, named after its notebook without the number
(``notebooks/02_listing_the_tables.ipynb``: ``listing_the_tables``), holding that lesson's checks;
``judges`` holds what they all share (the verdicts, the common judges, how a result is shown) and
``probes`` the looks into the learner's project that several lessons use. Every module is found
here, never listed: each names what it exports in ``__all__``, and this package exports all of it,
so that a check cell's ``from course.exercises import check_…`` works whichever module holds it.
"""

from __future__ import annotations

import importlib
import pkgutil

from course import __version__
from course.exercises.judges import OutdatedCheck

__all__: list[str] = []
for _found in pkgutil.iter_modules(__path__):
    _module = importlib.import_module(f"{__name__}.{_found.name}")
    globals().update({name: getattr(_module, name) for name in _module.__all__})
    __all__ += _module.__all__


def __getattr__(name: str):
    """A ``check_*`` this course does not have (PEP 562; a check renamed since the learner's copy
    was written) is one line saying so and what to do; any other name, the usual AttributeError."""
    if name.startswith("check_"):
        raise OutdatedCheck(
            f"{name} is not a check of course {__version__}: this check cell comes from a copy of the lesson "
            "written for an older course (CHANGELOG.md says what changed). Move the copy into "
            "student/replaced/ and run `make student`: it writes a fresh copy, to carry your answers into.")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

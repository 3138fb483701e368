"""The series' basic facts: where the course is, its lessons in teaching order, and their cells.

Lessons are discovered, never listed: every ``notebooks/NN_topic.ipynb`` is one, in the order of
its number, and its track is in its own metadata. Code and tests name a lesson without its number,
``lesson("routers")``, so that adding or renumbering a lesson changes no code.

Standard library only: ``cli`` imports it before anything is installed, and every command module
imports these facts from here (``workspace``, the kernel-side module, too).
"""

from __future__ import annotations

from pathlib import Path

from course.errors import CourseError
from course.lessonformat import STEP, read, tags, track  # how a lesson's cells and metadata are read

__all__ = ["NOTEBOOKS", "REPO", "UnknownLesson", "chosen", "lesson", "notebooks", "step_cells", "tags",
           "track"]

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
if not NOTEBOOKS.is_dir():  # the browser edition installs the package alone, with the lessons inside it
    NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


class UnknownLesson(CourseError, LookupError):
    """No lesson of the series has the name or number asked for."""


def notebooks() -> list[Path]:
    """The numbered notebooks of the series, in teaching order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def lesson(name: str) -> Path:
    """The lesson whose file is ``NN_<name>.ipynb``: ``lesson("routers")`` is the notebook of routers,
    whatever its number."""
    found = [path for path in notebooks() if path.stem[3:] == name]
    if not found:
        known = ", ".join(path.stem[3:] for path in notebooks())
        raise UnknownLesson(f"No lesson named {name!r}; the series has: {known}.")
    return found[0]


def chosen(names: list[str]) -> list[Path]:
    """The lessons named by number (``"03"``), by file name without ``.ipynb``, or by name, in teaching
    order; ``UnknownLesson`` names any that is none of them."""
    series = notebooks()
    known = {key: path for path in series for key in (path.stem[:2], path.stem, path.stem[3:])}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UnknownLesson(f"No lesson {', '.join(unknown)}: name lessons by number or name, "
                            "such as LESSONS=\"03 04\" or LESSONS=routers.")
    picked = {known[name] for name in names}
    return [path for path in series if path in picked]


def step_cells(notebook: Path) -> list[str]:
    """Sources of the code cells tagged ``step``: the cells that change the project."""
    cells = read(notebook)["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code" and STEP in tags(c)]

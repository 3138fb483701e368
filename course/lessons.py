"""Check that every notebook is a complete lesson; ``python -m course.lessons`` lists what is missing.

The skeleton: a title ``# NN · …``; the teaching and exercise minutes; questions and objectives;
the version banner and a first cell that restores the project (and checks Django's version);
key points; an exercise (from the second notebook on, with a solution cell and a check cell);
and navigation bars to the previous and next notebook. Nothing of what ``make lesson`` marks for
the author to write (``TODO``, in the cells or the summary) may be left.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

from course import arguments
from course.lessonformat import CHECK, COURSE, SOLUTION, SUMMARY
from course.series import notebooks, tags

PARTS = {
    "the minutes for teaching and exercises": re.compile(r"minutes teaching, \d+ minutes exercises?"),
    "questions": re.compile(r"\*\*Questions\*\*"),
    "objectives": re.compile(r"\*\*Objectives\*\*"),
    "the version banner": re.compile(r"> \*\*Version\.\*\* Course [\w.]+, written for "
                                     r"\*\*Django 5\.2 LTS\*\*"),
    "key points": re.compile(r"^## Key points", re.M),
    "an exercise": re.compile(r"^## Exercise", re.M),
    "navigation bars": re.compile(r"<!-- nav:start -->\n.+\n<!-- nav:end -->"),
}


TODO = "(Replace:"  # how make lesson (course.newlesson) marks the text the author writes


def missing(path: Path, first: bool) -> list[str]:
    """The parts of the skeleton that the notebook at ``path`` lacks (empty when complete)."""
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = [c for c in nb.cells if c.cell_type == "code"]
    lacks = [] if markdown.startswith(f"# {path.stem[:2]} · ") else ["a title '# NN · …' first"]
    lacks += [name for name, pattern in PARTS.items() if not pattern.search(markdown)]
    if TODO in markdown or TODO in str(nb.metadata.get(COURSE, {}).get(SUMMARY, "")):
        lacks.append(f"its own text where make lesson wrote '{TODO} …)'")
    if markdown.count("<!-- nav:start -->") < 2:
        lacks.append("a navigation bar at the top and at the bottom")
    if not code or f'open_project("{path.stem}")' not in code[0].source:
        lacks.append(f'a first code cell calling open_project("{path.stem}")')
    if not first:
        found = [t for c in code for t in tags(c)]
        if SOLUTION not in found or CHECK not in found:
            lacks.append("an exercise with a solution cell and a check cell")
    return lacks


def report() -> list[str]:
    """One line per missing part, for every notebook of the series."""
    series = notebooks()
    return [f"{p.name}: lacks {part}" for i, p in enumerate(series) for part in missing(p, i == 0)]


if __name__ == "__main__":
    arguments.parser("course.lessons", __doc__).parse_args()  # none: --help, or a refusal
    problems = report()
    print("\n".join(problems) or f"all {len(notebooks())} notebooks have the full lesson skeleton")
    sys.exit(1 if problems else 0)

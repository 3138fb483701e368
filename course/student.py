"""Write student copies of the notebooks: solutions replaced by stubs, exercise outputs cleared.

``python -m course.student [folder]`` (``make student``) writes every notebook of the series into
``student/`` (ignored by git), with the index. In each copy, a cell tagged ``solution`` gets the
stub kept in its metadata, the solution moves into a collapsed "Show a worked solution" block
after the exercise's check cell, and the outputs of exercise cells are cleared. The committed
notebooks keep the solutions: they are what nbval checks.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat

from course.navigation import INDEX
from course.workspace import REPO, notebooks

STUDENT = REPO / "student"


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _solution_block(source: str) -> nbformat.NotebookNode:
    text = (
        "<details><summary>Show a worked solution (try first: the check tells you what is wrong)"
        "</summary>\n\n```python\n" + source + "\n```\n\n</details>"
    )
    return nbformat.v4.new_markdown_cell(text)


def student_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the student version of a teacher notebook (the argument is not changed)."""
    nb = nbformat.from_dict(nb)  # a deep copy
    cells, pending = [], None
    for cell in nb.cells:
        if "solution" in _tags(cell):
            pending = cell.source
            cell.source = cell.metadata["course"]["stub"]
            cell.metadata.pop("course")
            cell.metadata["tags"] = ["exercise"]
        if cell.cell_type == "code" and ({"solution", "check", "exercise"} & set(_tags(cell))):
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
        if "check" in _tags(cell) and pending is not None:
            block = _solution_block(pending)
            block.id = f"{cell.id}-solution"
            cells.append(block)
            pending = None
    nb.cells = cells
    return nb


def write_all(folder: Path = STUDENT) -> list[Path]:
    """Write the student copies of the series (and the index) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks():
        target = folder / path.name
        nbformat.write(student_copy(nbformat.read(path, as_version=4)), target)
        written.append(target)
    shutil.copy(INDEX, folder / INDEX.name)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else STUDENT
    for path in write_all(out):
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")

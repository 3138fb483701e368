"""Grade handed-in student copies by running them: every check of every exercise, for real.

``python -m course.grade DIR [--timeout SECONDS] [--jobs N]`` (``make grade SUBMISSIONS=DIR``)
reads one folder per student in ``DIR``, each holding any of that student's notebooks (their
student copies, edited), and writes ``DIR/grades.csv`` (one row per student, notebook and
challenge) and ``DIR/grades.html`` (students by challenges).

Each notebook runs in a throwaway copy, in a fresh kernel, from its own scratch folder (its first
cell restores the project from the course's notebooks, not from the student's other work), within
a time limit. Its check cells are the course's: a check cell the student changed or deleted is put
back from ``notebooks/`` by its cell id, so a check cannot be talked into passing. A notebook that
is missing, is not a notebook, fails or runs too long affects only its own rows, each with a
message that says what happened.

This is not a sandbox: handed-in notebooks are code, and they run with the rights of whoever runs
the grader. Grade on a machine, or in an account, where that is acceptable.
"""

from __future__ import annotations

import argparse
import csv
import html
import math
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from course import __version__
from course.workspace import notebooks, tags

RIGHT = "✓ Correct"  # how every check's own line starts when the answer is right
COLUMNS = ["student", "notebook", "challenge", "passed", "message", "version"]


@dataclass
class Row:
    """One challenge of one student's notebook: whether its check passed, and what it said."""

    student: str
    notebook: str
    challenge: str
    passed: bool
    message: str
    version: str  # the course version the student's copy was written from ("" if it does not say)


def challenges(lesson: Path) -> list[tuple[str, str]]:
    """The course's check cells of ``lesson``: (cell id, the challenge's name: its check call)."""
    nb = nbformat.read(lesson, as_version=4)
    return [(c.id, c.source.strip().splitlines()[-1]) for c in nb.cells if "check" in tags(c)]


def _to_run(copy: nbformat.NotebookNode, lesson: Path) -> nbformat.NotebookNode:
    """The student's notebook with the course's check cells, without outputs: each check cell's
    source as in the course, and a check cell the student deleted put back where it was (after the
    cell before it in the course that the copy still has)."""
    course = {c.id: c for c in nbformat.read(lesson, as_version=4).cells}
    checks = [cid for cid, c in course.items() if "check" in tags(c)]
    cells = {c.get("id"): c for c in copy.cells}
    for cid in checks:
        if cid in cells:
            cells[cid].cell_type, cells[cid].source = "code", course[cid].source
            cells[cid].setdefault("outputs", [])
            cells[cid].setdefault("execution_count", None)
            continue
        order = list(course)
        before = next((order[i] for i in range(order.index(cid) - 1, -1, -1) if order[i] in cells), None)
        at = 0 if before is None else copy.cells.index(cells[before]) + 1
        copy.cells.insert(at, nbformat.from_dict(course[cid]))
        cells = {c.get("id"): c for c in copy.cells}
    for cid in checks:  # only what runs now counts, never an output handed in
        cells[cid].outputs, cells[cid].execution_count = [], None
    return copy


def _verdict(cell) -> tuple[bool, str]:
    """Whether a check cell that ran passed, and its one line."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return False, f"{out.get('ename')}: {out.get('evalue')}"
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    lines = text.strip().splitlines()
    if lines and lines[-1].startswith(RIGHT):
        return True, lines[-1]
    return False, "The check cell ran but did not say ✓ Correct." if lines else "The check printed nothing."


def grade_notebook(path: Path, lesson: Path, student: str, timeout: float, cache: Path) -> list[Row]:
    """Run one student's copy of ``lesson`` in a throwaway copy and return a row per challenge.

    The kernel gets a scratch folder of its own and shares ``cache``, the restore snapshots."""
    names = challenges(lesson)

    def rows(message: str, version: str = "", done: dict | None = None) -> list[Row]:
        done = done or {}
        return [Row(student, lesson.stem, name, *done.get(cid, (False, message)), version)
                for cid, name in names]

    if not path.is_file():
        return rows("Not handed in.")
    try:
        copy = nbformat.read(path, as_version=4)
        nbformat.validate(copy)
    except Exception as error:  # not JSON, not a notebook: say which, in one line
        why = (str(error).splitlines() or [""])[0]
        return rows(f"Not a notebook that can be read ({type(error).__name__}: {why}).")
    version = str(copy.metadata.get("course", {}).get("version", ""))
    nb = _to_run(copy, lesson)
    check_ids = {cid for cid, _ in names}
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        folder = Path(tmp) / "copy"
        folder.mkdir()
        work = Path(tmp) / "work"
        client = NotebookClient(nb, timeout=math.ceil(timeout), kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(folder)}},
                                extra_arguments=["--InteractiveShell.xmode=Minimal"])
        stopped = ""
        env = {**os.environ, "COURSE_WORKDIR": str(work), "COURSE_CACHE": str(cache)}
        deadline = time.monotonic() + timeout
        try:
            with client.setup_kernel(env=env):
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    left = math.ceil(deadline - time.monotonic())  # nbclient counts whole seconds
                    if left <= 0:
                        raise CellTimeoutError("time limit")
                    client.timeout = left
                    client.execute_cell(cell, index)
        except CellTimeoutError:
            stopped = (f"Not reached: the notebook ran out of its time limit ({timeout:g} s), in the cell "
                       f"that starts {cell.source.strip().splitlines()[0][:60]!r}." if cell.source.strip()
                       else f"Not reached: the notebook ran out of its time limit ({timeout:g} s).")
        except DeadKernelError:
            stopped = "Not reached: the notebook's kernel died (it ran out of memory, or the code ended it)."
        except Exception as error:  # nbclient could not run it at all
            stopped = f"Not reached: the notebook could not run ({type(error).__name__}: {error})."
    done = {c.id: _verdict(c) for c in nb.cells if c.get("id") in check_ids and c.get("execution_count")}
    return rows(stopped or "Not reached: the notebook stopped before this check.", version, done)


SKIPPED = {".ipynb_checkpoints", "replaced"}  # JupyterLab's autosaves; copies make student set aside


def handed_in(student: Path) -> dict[str, Path]:
    """The student's notebooks by file name, found at any depth of their folder (an unpacked zip
    often adds a level, such as ``student/``), leaving out checkpoints and set-aside copies; of two
    copies of one lesson, the one nearer the top."""
    found = {}
    for path in sorted(student.rglob("*.ipynb"), key=lambda p: (len(p.parts), p)):
        if not SKIPPED & set(path.relative_to(student).parts):
            found.setdefault(path.name, path)
    return found


def students(folder: Path) -> list[Path]:
    """The student folders in ``folder``: every subfolder not hidden."""
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def grade(folder: Path, timeout: float = 300, jobs: int = 2) -> list[Row]:
    """Grade every student of ``folder`` on every lesson any of them handed in; write the CSV and
    the HTML summary into ``folder``; return the rows."""
    lessons = {p.name: p for p in notebooks()}
    handed = {s.name: handed_in(s) for s in students(folder)}
    names = sorted({name for files in handed.values() for name in files if name in lessons})
    graded = [name for name in names if challenges(lessons[name])]
    work = [(handed[s.name].get(name, s / name), lessons[name], s.name) for s in students(folder)
            for name in graded]
    with tempfile.TemporaryDirectory(prefix="grade-cache-") as cache, \
            ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = pool.map(lambda job: grade_notebook(*job, timeout, Path(cache)), work)
        rows = [row for result in results for row in result]
    with open(folder / "grades.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.student, r.notebook, r.challenge, "yes" if r.passed else "no", r.message,
                             r.version])
    (folder / "grades.html").write_text(summary(rows), encoding="utf-8")
    return rows


def summary(rows: list[Row]) -> str:
    """A page with one row per student and one column per challenge: ✓ or ✗, the message on hover."""
    columns = list(dict.fromkeys((r.notebook, r.challenge) for r in rows))
    by_student = {}
    for r in rows:
        by_student.setdefault(r.student, {})[(r.notebook, r.challenge)] = r
    e = html.escape
    head = "".join(f'<th title="{e(c)}">{e(n[:2])}<br><code>{e(c.split("(")[0])}</code></th>'
                   for n, c in columns)
    body = []
    for student, got in by_student.items():
        cells = "".join(
            f'<td class="{"ok" if got[c].passed else "no"}" title="{e(got[c].message)}">'
            f'{"✓" if got[c].passed else "✗"}</td>' if c in got else "<td></td>" for c in columns)
        passed = sum(r.passed for r in got.values())
        versions = sorted({r.version for r in got.values() if r.version} - {__version__})
        note = f' <small>(copies of course {", ".join(versions)})</small>' if versions else ""
        body.append(f"<tr><th>{e(student)}{note}</th><td>{passed}/{len(got)}</td>{cells}</tr>")
    said = "\n".join(
        f"<details><summary>{e(student)}: {sum(not r.passed for r in got.values())} not passed</summary><ul>"
        + "".join(f"<li>{e(r.notebook[:2])} <code>{e(r.challenge)}</code>: {e(r.message)}</li>"
                  for r in got.values() if not r.passed) + "</ul></details>"
        for student, got in by_student.items())
    rates = "".join(f"<td>{sum(by_student[s][c].passed for s in by_student if c in by_student[s])}"
                    f"/{sum(c in by_student[s] for s in by_student)}</td>" for c in columns)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Grades</title>
<style>
body {{ font-family: sans-serif; }} table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: center; }}
td.ok {{ background: #dfd; }} td.no {{ background: #fdd; }} th {{ font-weight: normal; }}
</style></head><body>
<h1>Grades</h1>
<p>Checks of course version {e(__version__)}. A cell's title (hover) holds what its check said;
<code>grades.csv</code> holds every message. ✓ passed, ✗ did not.</p>
<table>
<thead><tr><th>student</th><th>passed</th>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
<tr><th>passed, by challenge</th><td></td>{rates}</tr>
</tbody></table>
<h2>What the checks said</h2>
{said}
</body></html>
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.grade", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="one folder per student, each holding their notebooks")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per notebook (default 300)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="notebooks run at once (default: one per CPU)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"{args.folder} is not a folder: give the folder that holds one folder per student.",
              file=sys.stderr)
        return 1
    if not students(args.folder):
        print(f"{args.folder} holds no student folder: put each student's notebooks in a folder of "
              "their own, named after the student.", file=sys.stderr)
        return 1
    start = time.monotonic()
    rows = grade(args.folder, args.timeout, args.jobs)
    count = len({r.student for r in rows})
    print(f"Graded {count} students, {len(rows)} challenges, {sum(r.passed for r in rows)} passed, in "
          f"{time.monotonic() - start:.0f} s: {args.folder / 'grades.csv'} and {args.folder / 'grades.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

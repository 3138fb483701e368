"""Grade handed-in student copies by running them: every check of every exercise, for real.

``python -m course.grade DIR [--lessons NN …] [--timeout SECONDS] [--jobs N]`` (``make grade
SUBMISSIONS=DIR LESSONS="NN …" TIMEOUT=SECONDS``) reads one folder per student in ``DIR``, each
holding any of that student's notebooks (their student copies, edited), and writes
``DIR/grades.csv`` (one row per student, lesson and challenge), ``DIR/grades.gradebook.csv`` (one
row per student, a column of points per lesson: what a learning-management system's gradebook
imports) and ``DIR/grades.html`` (students by challenges).

Each notebook runs in a throwaway copy, in a fresh kernel, from its own scratch folder (its first
cell restores the project from the course's notebooks, not from the student's other work), within
a time limit. Its check cells are the course's: a check cell the student changed or deleted is put
back from ``notebooks/`` by its cell id, so a check cannot be talked into passing. A notebook that
is missing, is not a notebook, fails or runs too long affects only its own rows, each with a
message that says what happened.

Handed-in notebooks are someone else's code: on Linux each runs in a sandbox of its own
(``course.sandbox``, with bubblewrap), which sees only the course, read-only, and its own
in-memory scratch folder, cannot reach the network, and ends with everything it started; its
result comes back signed (``course.gradekernel``). Without bubblewrap grading refuses, unless
``--unsandboxed`` (``UNSANDBOXED=yes``) runs the notebooks with the grader's rights, which the
output and ``grades.html`` say.
"""

from __future__ import annotations

import csv
import hmac
import html
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course import __version__, arguments, sandbox, series
from course.exercises.judges import result_in
from course.gradekernel import sign
from course.lessonformat import CHECK, COURSE, VERSION
from course.series import notebooks, tags

MISSING = "Not handed in."
COLUMNS = ["student", "notebook", "challenge", "passed", "message", "version"]
OUTPUTS = ["grades.csv", "grades.gradebook.csv", "grades.html"]  # written in the class's folder


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
    return [(c.id, c.source.strip().splitlines()[-1]) for c in nb.cells if CHECK in tags(c)]


def _to_run(copy: nbformat.NotebookNode, lesson: Path) -> tuple[nbformat.NotebookNode, set[str]]:
    """The student's notebook with the course's check cells, without outputs, and the ids of the
    check cells the student had changed or deleted: each check cell's source as in the course, and
    a deleted one put back where it was (after the cell before it in the course that the copy has)."""
    course = {c.id: c for c in nbformat.read(lesson, as_version=4).cells}
    checks = [cid for cid, c in course.items() if CHECK in tags(c)]
    cells = {c.get("id"): c for c in copy.cells}
    replaced = set()
    for cid in checks:
        if cid in cells:
            if cells[cid].cell_type != "code" or cells[cid].source != course[cid].source or \
                    cells[cid].get("metadata") != course[cid].metadata:
                replaced.add(cid)
            cells[cid].cell_type, cells[cid].source = "code", course[cid].source
            cells[cid].metadata = nbformat.from_dict(dict(course[cid].metadata))  # its tags make it a check
            cells[cid].setdefault("outputs", [])
            cells[cid].setdefault("execution_count", None)
            continue
        replaced.add(cid)
        order = list(course)
        before = next((order[i] for i in range(order.index(cid) - 1, -1, -1) if order[i] in cells), None)
        at = 0 if before is None else copy.cells.index(cells[before]) + 1
        copy.cells.insert(at, nbformat.from_dict(course[cid]))
        cells = {c.get("id"): c for c in copy.cells}
    for cid in checks:  # only what runs now counts, never an output handed in
        cells[cid].outputs, cells[cid].execution_count = [], None
    return copy, replaced


# What a notebook's own cells would reach into to forge a check's verdict: the course's result type
# and checks, IPython's display machinery, events and traceback, Python's import system. No answer
# needs any of them, and no cell of the course's uses them outside its check cells.
TAMPERING = ["vnd.course.check", "course.exercises", "get_ipython", "IPython.display", "IPython.core",
             "display_pub", "display_functions", "showtraceback", "events.register", "meta_path",
             "path_hooks", "sys.modules", "builtins", "__import__", "importlib"]


def tampering(copy: nbformat.NotebookNode, lesson: Path) -> list[str]:
    """What of ``TAMPERING`` the cells the student wrote or changed in ``copy`` use (the course's
    own cells, and its check cells, which run as the course has them, aside)."""
    course = {c.id: c for c in nbformat.read(lesson, as_version=4).cells}

    def by_student(cell) -> bool:
        known = course.get(cell.get("id"))
        return known is None or (known.source != cell.source and CHECK not in tags(known))

    written = [c.source for c in copy.cells if c.get("cell_type") == "code" and by_student(c)]
    return [name for name in TAMPERING if any(name in source for source in written)]


def _unreadable(path: Path, error: Exception) -> str:
    """Why a handed-in file is not a notebook, in words a teacher can pass on."""
    if path.stat().st_size == 0:
        return "The file is empty: hand the notebook in again."
    if type(error).__name__ == "NotJSONError":
        return "Not a notebook: the file is not valid JSON (cut short, or another kind of file)."
    first = (str(error).strip().splitlines() or [""])[0]
    return f"Not a notebook that can be read ({type(error).__name__}: {first[:120]})."


def _verdict(cell) -> tuple[bool, str]:
    """Whether a check cell that ran passed, and its one line, read from the result its check put in
    the cell's output as data (never from printed text, which the student's code could forge): it
    passed if that result says so and the cell raised no error."""
    outputs = cell.get("outputs", [])
    found = result_in(outputs)
    if found is not None and not (isinstance(found, dict) and isinstance(found.get("passed"), bool)
                                  and isinstance(found.get("message"), str)):
        return False, "The check cell's result is not one a check gives (something else showed it)."
    error = next((o for o in outputs if o.get("output_type") == "error"), None)
    if found is not None and (error is None or not found["passed"]):
        return found["passed"] and error is None, found["message"]
    if error is not None:
        return False, f"{error.get('ename')}: {error.get('evalue')}"
    return False, "The check cell ran but its check gave no result."


def grade_notebook(path: Path, lesson: Path, student: str, timeout: float, cache: Path,
                   sandboxed: bool = True) -> list[Row]:
    """Run one student's copy of ``lesson`` and return a row per challenge.

    It runs in a sandbox of its own (``course.sandbox``) unless ``sandboxed`` is False, and reads
    the restore snapshots in ``cache``."""
    names = challenges(lesson)

    def rows(message: str, version: str = "", done: dict | None = None) -> list[Row]:
        done = done or {}
        return [Row(student, lesson.stem, name, *done.get(cid, (False, message)), version)
                for cid, name in names]

    if not path.is_file():
        return rows(MISSING)
    try:
        copy = nbformat.read(path, as_version=4)
        nbformat.validate(copy)
    except Exception as error:  # not JSON, not a notebook: say which, in one line
        return rows(_unreadable(path, error))
    version = str(copy.metadata.get(COURSE, {}).get(VERSION, ""))
    if found := tampering(copy, lesson):
        return rows(f"Not counted: a cell of this copy reaches into how checks give their verdict "
                    f"({', '.join(found)}), which no answer needs. Read the notebook, and grade it by hand.",
                    version)
    nb, replaced = _to_run(copy, lesson)
    ran, timed_out, stopped = execute(nb, timeout, cache, sandboxed)
    check_ids = {cid for cid, _ in names}
    done = {c.id: _verdict(c) for c in ran.cells
            if c.get("id") in check_ids and c.get("execution_count") and c.get("id") != timed_out}
    for cid in replaced & set(done):
        done[cid] = (done[cid][0], f"{done[cid][1]} (The copy's check cell was changed or deleted: the "
                                   "course's own ran.)")
    return rows(stopped or "Not reached: the notebook stopped before this check.", version, done)


OUTPUT_LIMIT = 256 << 20  # bytes of the runner's output read at most: a notebook cannot fill the grader
GRACE = 60  # seconds the runner has past the notebook's time limit to start and hand back


def _read(stream, into: list[bytes]) -> None:
    """Read ``stream`` to its end into ``into``, keeping at most ``OUTPUT_LIMIT`` bytes."""
    kept = 0
    while chunk := stream.read(1 << 20):
        if kept < OUTPUT_LIMIT:
            into.append(chunk)
            kept += len(chunk)


def execute(nb: nbformat.NotebookNode, timeout: float, cache: Path, sandboxed: bool = True,
            writable_cache: bool = False) -> tuple[nbformat.NotebookNode, str | None, str]:
    """Run ``nb`` with ``course.gradekernel``, in a sandbox or, when not ``sandboxed``, in a
    scratch folder of the grader's; return the notebook as it ran, the id of the cell that ran out
    of time (or None), and why it stopped ("" when it ran to its end). Only what the runner signed
    with this run's key counts."""
    key = secrets.token_hex(32)
    runner = [sys.executable, "-m", "course.gradekernel", "--timeout", f"{timeout:g}"]
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        if sandboxed:
            runner = sandbox.command([*runner, "--limits"], cache, Path(tmp), writable_cache)
            runner = sandbox.processes(runner, Path(tmp))
            env = sandbox.OUTSIDE  # bwrap's own environment, which the notebook can read in /proc/1/environ
        else:
            env = {**os.environ, "COURSE_WORKDIR": str(Path(tmp) / "work"), "COURSE_CACHE": str(cache),
                   "PYTHONPATH": str(series.REPO)}  # this course, as in the sandbox
        proc = subprocess.Popen(runner, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=tmp, env=env, start_new_session=True)
        out, err = [], []
        readers = [threading.Thread(target=_read, args=(proc.stdout, out), daemon=True),
                   threading.Thread(target=_read, args=(proc.stderr, err), daemon=True)]
        for reader in readers:
            reader.start()
        try:
            proc.stdin.write(f"{key}\n{nbformat.writes(nb)}".encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            proc.wait(timeout + GRACE)
        except subprocess.TimeoutExpired:
            sandbox.kill(proc)
        for reader in readers:
            reader.join()
        sandbox.release(Path(tmp))
    result = _signed(b"".join(out), key)
    if result is None:
        said = (b"".join(err).decode(errors="replace").strip().splitlines() or [""])[-1][:200]
        why = (f"Not reached: the notebook's runner ended with no result (exit code {proc.returncode}"
               + (f": {said}" if said else "") + ").")
        return nb, None, why
    return nbformat.reads(result["notebook"], as_version=4), result["timed_out"], result["stopped"]


def _signed(output: bytes, key: str) -> dict | None:
    """The runner's result in ``output``: the last line signed with ``key``, or None."""
    for line in reversed(output.splitlines()):
        try:
            found = json.loads(line)
            if hmac.compare_digest(found["mac"], sign(key.encode(), found["payload"])):
                return json.loads(found["payload"])
        except (ValueError, KeyError, TypeError):
            continue
    return None


SKIPPED = {".ipynb_checkpoints", "replaced"}  # JupyterLab's autosaves; copies make student set aside


def handed_in(student: Path, lessons: list[Path]) -> tuple[dict[str, Path], list[str]]:
    """The student's notebook for each lesson, by the lesson's name, and notes on the files.

    Found at any depth of the student's folder (an unpacked zip often adds a level, such as
    ``student/``), leaving out checkpoints and set-aside copies; of two copies, the one nearer the
    top. A file named after a lesson wins; else a renamed copy with the lesson's number
    (``NN_topic (1).ipynb``, as a browser saves a second download) is graded, and a note says so.
    """
    by_number = {lesson.stem[:3]: lesson.name for lesson in lessons}
    found, notes, renamed = {}, [], {}
    if student.is_symlink():
        return found, [f"ignored {student.name}/: a link to another folder, not a student's own folder"]
    for path in sorted(student.rglob("*.ipynb"), key=lambda p: (len(p.parts), p)):
        shown = path.relative_to(student.parent).as_posix()
        if SKIPPED & set(path.relative_to(student).parts):
            continue
        inside = path.relative_to(student)
        if any((student / part).is_symlink() for part in [inside, *inside.parents][:-1]):
            notes.append(f"ignored {shown}: a link (it could point to another student's work); hand in "
                         "the notebook itself")
            continue
        if path.name in by_number.values():
            found.setdefault(path.name, path)
        elif path.name[:3] in by_number:
            renamed.setdefault(by_number[path.name[:3]], path)
        else:
            notes.append(f"ignored {shown}: its name is not a lesson's (NN_topic.ipynb)")
    for name, path in renamed.items():
        if name not in found:
            found[name] = path
            notes.append(f"graded {path.relative_to(student.parent).as_posix()} as {name}")
    return found, notes


def students(folder: Path) -> list[Path]:
    """The student folders in ``folder``: every subfolder not hidden."""
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


class SandboxFailed(Exception):
    """The sandbox did not run the course's own code: grading stops before any notebook."""


def warm(cache: Path, lessons: list[Path], timeout: float) -> None:
    """Build the restore snapshots the ``lessons`` start from into ``cache``, once, in a sandbox
    that may write there and runs only the course's own code: the notebooks' sandboxes then only
    read them, so no notebook can change what another starts from."""
    last = max(lessons).stem
    cell = nbformat.v4.new_code_cell(f'from course.workspace import open_project\nopen_project("{last}")')
    _, _, stopped = execute(nbformat.v4.new_notebook(cells=[cell]), timeout, cache, writable_cache=True)
    if stopped:  # the sandbox itself could not run: no notebook would
        why = stopped.removeprefix("Not reached: ")
        raise SandboxFailed(f"The sandbox could not run the course's own first cell, so no notebook was "
                            f"graded. {why[:1].upper()}{why[1:]} Check that bwrap works "
                            "for your account (bwrap --unshare-user --ro-bind / / true), or grade with "
                            "UNSANDBOXED=yes.")


def grade(folder: Path, timeout: float = 300, jobs: int = 2, chosen: list[str] | None = None,
          say=print, sandboxed: bool = True) -> list[Row]:
    """Grade every student of ``folder`` and write ``grades.csv`` and ``grades.html`` there (the
    previous ones become ``grades.previous.*``); return the rows.

    The lessons graded are ``chosen`` (numbers such as ``"03"``, or names), or else every lesson
    with challenges that at least half of the students handed in: one student's extra notebooks do
    not give the whole class rows of "Not handed in.". ``say`` gets a line per notebook graded and
    a note for each file left out or graded under another name. Each notebook runs in a sandbox
    of its own (``course.sandbox``) unless ``sandboxed`` is False."""
    series = notebooks()
    class_ = students(folder)
    handed = {}
    for student in class_:
        handed[student.name], notes = handed_in(student, series)
        for note in notes:
            say(note)
    with_challenges = [lesson for lesson in series if challenges(lesson)]
    if chosen:
        named = set(chosen)  # by number, file name or name, as series.chosen takes them
        lessons = [lesson for lesson in with_challenges
                   if {lesson.stem[:2], lesson.stem, lesson.stem[3:]} & named]
    else:
        count = {lesson.name: sum(lesson.name in files for files in handed.values()) for lesson in series}
        lessons = [lesson for lesson in with_challenges if count[lesson.name] * 2 >= len(class_)]
        for lesson in with_challenges:
            if 0 < count[lesson.name] and lesson not in lessons:
                say(f"not graded: {lesson.stem}, handed in by {count[lesson.name]} of {len(class_)} "
                    f"students (LESSONS=\"{lesson.stem[:2]}\" grades it)")
    work = [(handed[s.name].get(lesson.name, s / lesson.name), lesson, s.name) for s in class_
            for lesson in lessons]
    if not work:
        return []

    done = iter(range(1, len(work) + 1))  # the running count: next() is atomic under the GIL

    def one(job) -> list[Row]:
        rows = grade_notebook(*job, timeout, cache, sandboxed)
        say(f"[{next(done)}/{len(work)}] {job[2]} {job[1].stem}: {sum(r.passed for r in rows)} of "
            f"{len(rows)} passed" + (f" ({rows[0].message})" if rows and not any(r.passed for r in rows)
                                     and rows[0].message.startswith(("Not", "The file")) else ""))
        return rows

    # The restore snapshots: $COURSE_CACHE's when it is set (the tests share theirs), else their own.
    with tempfile.TemporaryDirectory(prefix="grade-cache-") as fresh:
        cache = Path(os.environ.get("COURSE_CACHE") or fresh).resolve()
        cache.mkdir(parents=True, exist_ok=True)
        if sandboxed:
            warm(cache, lessons, timeout)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            rows = [row for result in pool.map(one, work) for row in result]
    for name in OUTPUTS:
        if (folder / name).exists():
            (folder / name).replace(folder / name.replace("grades.", "grades.previous."))
    with open(folder / "grades.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.student, r.notebook, r.challenge, "yes" if r.passed else "no", r.message,
                             r.version])
    with open(folder / "grades.gradebook.csv", "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(gradebook(rows))
    (folder / "grades.html").write_text(summary(rows, sandboxed), encoding="utf-8")
    return rows


def gradebook(rows: list[Row]) -> list[list[str]]:
    """The grades as a learning-management system's gradebook imports them: a row per student, a
    column per lesson holding its points (one per challenge passed), then the total; the header
    names each lesson and its most points, as in ``NN_topic (5)``."""
    lessons = list(dict.fromkeys(r.notebook for r in rows))
    most = {lesson: len({r.challenge for r in rows if r.notebook == lesson}) for lesson in lessons}
    points: dict[str, dict[str, int]] = {}
    for r in rows:
        got = points.setdefault(r.student, dict.fromkeys(lessons, 0))
        got[r.notebook] += r.passed
    header = ["student", *(f"{Path(lesson).stem} ({most[lesson]})" for lesson in lessons),
              f"total ({sum(most.values())})"]
    return [header] + [[student, *map(str, got.values()), str(sum(got.values()))]
                       for student, got in points.items()]


def _mark(row: Row) -> str:
    """One cell of the summary: ✓, ✗, or – for a notebook not handed in; the message on hover."""
    kind, mark = ("ok", "✓") if row.passed else ("missing", "–") if row.message == MISSING else ("no", "✗")
    return f'<td class="{kind}" title="{html.escape(row.message)}">{mark}</td>'


UNSANDBOXED = ("Graded without a sandbox (--unsandboxed): the notebooks ran with the rights of the "
               "account that graded them, and could read, change or delete what it can.")


def summary(rows: list[Row], sandboxed: bool = True) -> str:
    """A page with one row per student and one column per challenge (✓ passed, ✗ did not, – not
    handed in; the message on hover), then what every check that did not pass said; a warning on
    top when the notebooks ran without a sandbox."""
    columns = list(dict.fromkeys((r.notebook, r.challenge) for r in rows))
    by_student = {}
    for r in rows:
        by_student.setdefault(r.student, {})[(r.notebook, r.challenge)] = r
    e = html.escape
    head = "".join(f'<th title="{e(c)}">{e(n[:2])}<br><code>{e(c.split("(")[0])}</code></th>'
                   for n, c in columns)
    body = []
    for student, got in by_student.items():
        cells = "".join(_mark(got[c]) if c in got else "<td></td>" for c in columns)
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
td.ok {{ background: #dfd; }} td.no {{ background: #fdd; }} td.missing {{ color: #777; }}
th {{ font-weight: normal; }} .warning {{ background: #fdd; padding: 0.5em; }}
</style></head><body>
<h1>Grades</h1>
{"" if sandboxed else f'<p class="warning"><strong>{e(UNSANDBOXED)}</strong></p>'}
<p>Checks of course version {e(__version__)}. A cell's title (hover) holds what its check said;
<code>grades.csv</code> holds every message. ✓ passed, ✗ did not, – not handed in.</p>
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
    """``python -m course.grade DIR [--lessons NN …] [--timeout SECONDS] [--jobs N]``: grade, say where
    the grades are; 1 with a message when the folder or the lessons are not what grading needs."""
    args = arguments.parser("course.grade", __doc__).parse_args(argv)
    warnings.simplefilter("ignore")  # nbformat's, on handed-in files: the rows say what matters
    folder = args.folder.resolve()
    try:
        folder.is_dir() and students(folder)
    except OSError as error:
        print(f"Cannot read {folder}: {error.strerror} (grading must read the class's folder, and "
              "write its grades there).", file=sys.stderr)
        return 1
    if not folder.is_dir():
        print(f"{folder} is not a folder: give the folder that holds one folder per student "
              "(a relative SUBMISSIONS= is read from the course's folder).", file=sys.stderr)
        return 1
    if not students(folder):
        print(f"{folder} holds no student folder: put each student's notebooks in a folder of "
              "their own, named after the student.", file=sys.stderr)
        return 1
    try:
        series.chosen(args.lessons or [])  # the same names as make outputs takes, and the same refusal
    except series.UnknownLesson as error:
        print(error, file=sys.stderr)
        return 1
    sandboxed = not args.unsandboxed
    if sandboxed and (why := sandbox.missing()):
        print(why, file=sys.stderr)
        return 1
    for warning in [UNSANDBOXED if not sandboxed else sandbox.unlimited_processes()]:
        if warning:
            print(warning if warning.startswith("Warning") else f"Warning: {warning}", flush=True)
    start = time.monotonic()
    try:
        rows = grade(folder, args.timeout, args.jobs, args.lessons, say=lambda line: print(line, flush=True),
                     sandboxed=sandboxed)
    except SandboxFailed as error:
        print(error, file=sys.stderr)
        return 1
    if not rows:
        print("No lesson to grade: no student handed in a notebook of a lesson with challenges.",
              file=sys.stderr)
        return 1
    count = len({r.student for r in rows})
    seconds = time.monotonic() - start
    graded = len({(r.student, r.notebook) for r in rows})
    print(f"Graded {count} students, {graded} notebooks ({graded * 60 / max(seconds, 1):.0f} a minute), "
          f"{len(rows)} challenges, {sum(r.passed for r in rows)} passed, in {seconds:.0f} s: "
          + ", ".join(str(folder / name) for name in OUTPUTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())

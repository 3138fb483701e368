"""Regenerate the committed outputs of notebooks by executing them (never by editing).

Usage: ``python -m course.outputs [NOTEBOOK…] [--lessons NN …]``: the notebooks named, or the
lessons numbered (``make outputs LESSONS="03 04"``), or else the whole series, in order (``make
outputs``). Timing metadata is not recorded and the notebook
metadata is reduced to the portable kernelspec, so a rerun rewrites the files byte-identically.

It keeps the lesson's own metadata (its track and summary) and records, as
``metadata.course.reruns_in_same_kernel``, what a learner gets who runs the
notebook again from the top in the same kernel: the same outputs (``true``), or a first cell that
says to restart the kernel (``false``: the notebook changes the project's Python code after Django
has loaded it). The suite runs every notebook twice in one kernel and holds it to that record.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course import arguments
from course.errors import CourseError, shown_path
from course.lessonformat import COURSE, ON_PURPOSE, RAISES, RERUNS
from course.series import chosen, notebooks, tags

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def _joined_streams(outputs: list) -> list:
    """Outputs with each run of text to the same stream joined into one output: how a print's text
    is split into messages varies from run to run (nbval joins them too before comparing)."""
    joined = []
    for out in outputs:
        last = joined[-1] if joined else None
        if out.output_type == "stream" and last and last.output_type == "stream" and last.name == out.name:
            last.text += out.text
        else:
            joined.append(out)
    return joined


def _but_numbers(outputs: list) -> str:
    return re.sub(r"\d+", "0", json.dumps(outputs, sort_keys=True))


class CellFailed(CourseError):
    """A cell of the notebook failed where it should not: nothing is written."""


def _error(output) -> str:
    """An error output in one line: its name and the first line of its value."""
    return f"{output.ename}: {(str(output.evalue).splitlines() or [''])[0]}"


def regenerate(path: Path) -> None:
    """Execute the notebook at ``path`` in a fresh kernel and write it back with its new outputs.

    A cell whose output cannot be stable (``# NBVAL_IGNORE_OUTPUT``, such as a port picked afresh)
    keeps its committed output when the new one differs only in its numbers, so that a rerun leaves
    the file as it was; any other change to what it prints is written."""
    nb = nbformat.read(path, as_version=4)
    committed = {c.id: c.outputs for c in nb.cells if c.cell_type == "code"}
    probe = copy.deepcopy(next(c for c in nb.cells if c.cell_type == "code"))  # a rerun's first cell
    probe.id = "rerun-probe"
    nb.cells.append(probe)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        # A cell's last outputs may reach the client after its reply on a busy machine: wait for them
        # (nbclient gives up after 4 s, and would write the notebook without them, silently).
        iopub_timeout=60,
        raise_on_iopub_timeout=True,
        allow_errors=True,  # cells marked NBVAL_RAISES_EXCEPTION are meant to fail
        resources={"metadata": {"path": str(path.parent)}},
        # Tracebacks in Minimal mode: the error line only, no file paths of this machine.
        extra_arguments=["--InteractiveShell.xmode=Minimal"],
    )
    client.execute()
    nb.cells.pop()  # the probe
    restart = [o for o in probe.outputs if o.get("output_type") == "error"]
    if restart and restart[0].ename != "RestartKernel":
        raise CellFailed(f"{path.name}: its first cell failed when run again: {_error(restart[0])}; the "
                         "file is left as it was. Run from the top twice in one kernel: it must succeed (or "
                         "ask for a restart).")
    for number, cell in enumerate(nb.cells, 1):
        failed = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if failed and RAISES not in tags(cell):
            raise CellFailed(f"{path.name}, cell {number} (id {cell.id}) failed: {_error(failed[0])}; the "
                             "file is left as it was. Fix the cell (or what it runs), or, if it fails on "
                             f"purpose, tag it {RAISES} and start it with the line '{ON_PURPOSE}: …'.")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = _joined_streams(cell.outputs)
            old = committed.get(cell.id)
            unstable = cell.source.startswith("# NBVAL_IGNORE_OUTPUT")
            if unstable and old and _but_numbers(old) == _but_numbers(cell.outputs):
                cell.outputs = old
    own = nb.metadata.get(COURSE, {})  # the lesson's track and summary, kept as they are
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"},
                   COURSE: {**own, RERUNS: not restart}}
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    """``python -m course.outputs [NOTEBOOK…] [--lessons NN …]``: re-execute them, saying which."""
    args = arguments.parser("course.outputs", __doc__).parse_args(argv)
    try:
        paths = args.notebooks or (chosen(args.lessons) if args.lessons else notebooks())
    except CourseError as error:
        print(error, file=sys.stderr)
        return 1
    for path in paths:
        print(f"running {shown_path(path)}", flush=True)
        try:
            regenerate(path)
        except CourseError as error:
            print(error, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run one notebook to be graded, inside its sandbox, and hand back what ran, signed.

``python -m course.gradekernel --timeout SECONDS [--limits]`` reads a line holding a key, then the
notebook (JSON), from its standard input; runs every code cell in a fresh kernel (nbclient), within
the time limit for the whole notebook; and writes one line of JSON to its standard output: the
executed notebook, the id of the cell that ran out of time, why it stopped, and an HMAC of all
that with the key. The grader outside trusts only a line whose HMAC is right, so a notebook that
writes a results file, or prints a line of its own, grades nothing.

Before anything runs, this process reads its key and closes its input, makes itself
non-dumpable (the notebook's code, the same user, can neither read its memory nor its files
through ``/proc``) and, with ``--limits``, sets the sandbox's limits (``course.sandbox``). The
kernel's own output goes nowhere. Before each check cell, the kernel forgets the course's check
modules, so the check cell imports them afresh from the read-only course: a check function the
notebook redefined or patched is not the one that runs.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import math
import subprocess
import sys
import time

# Run before each check cell: the check modules are imported afresh by it, and the cell run before
# it stays "the cell run just before this check" for the check (IPython's last execution result).
FORGET = """def _course_forget(ip=get_ipython()):
    import sys
    for name in [m for m in sys.modules if m == "course.exercises" or m.startswith("course.exercises.")]:
        del sys.modules[name]
    before = ip.last_execution_succeeded, ip.last_execution_result
    def keep():
        ip.last_execution_succeeded, ip.last_execution_result = before
        ip.events.unregister("post_execute", keep)
    ip.events.register("post_execute", keep)
_course_forget()
del _course_forget"""


def sign(key: bytes, payload: str) -> str:
    """The HMAC (SHA-256) of ``payload`` with ``key``, in hex."""
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _limit() -> None:
    """Set the sandbox's limits on this process and everything it starts (``course.sandbox``)."""
    import resource

    from course import sandbox

    for which, value in [(resource.RLIMIT_AS, sandbox.MEMORY_MB << 20),
                         (resource.RLIMIT_FSIZE, sandbox.FILE_MB << 20),
                         (resource.RLIMIT_NPROC, sandbox.PROCESSES)]:
        resource.setrlimit(which, (value, value))


def run(nb, timeout: float) -> tuple[str | None, str]:
    """Run ``nb``'s code cells in a fresh kernel, in place; return the id of the cell that ran out
    of time (or None) and why the notebook stopped ("" when it ran to its end)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbformat import v4

    from course.lessonformat import CHECK
    from course.series import tags

    # Stopped at once when done: what it started dies with it (the sandbox's PID namespace, or the
    # course's lifelines), and there is nothing to save.
    # iopub_timeout: a check's result may reach the client after the cell's reply on a busy machine
    # (nbclient waits 4 s for it, then goes on without it: a pass graded as a fail).
    client = NotebookClient(nb, timeout=math.ceil(timeout), kernel_name="python3", allow_errors=True,
                            iopub_timeout=30, shutdown_kernel="immediate",
                            extra_arguments=["--InteractiveShell.xmode=Minimal"])
    deadline = time.monotonic() + timeout
    cell = None
    try:
        # The kernel's own output would reach the grader's pipe: the rows say what matters.
        with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                left = math.ceil(deadline - time.monotonic())  # nbclient counts whole seconds
                if left <= 0:
                    raise CellTimeoutError("time limit")
                client.timeout = left
                if CHECK in tags(cell):
                    client.execute_cell(v4.new_code_cell(FORGET), index)
                client.execute_cell(cell, index)
    except CellTimeoutError:
        start = (cell.source.strip().splitlines() or [""])[0][:60]
        return cell.get("id"), (
            f"Not reached: the notebook ran out of its time limit ({timeout:g} s), in the cell that "
            f"starts {start!r}." if start else
            f"Not reached: the notebook ran out of its time limit ({timeout:g} s).")
    except DeadKernelError:
        return None, "Not reached: the notebook's kernel died (it ran out of memory, or the code ended it)."
    except Exception as error:  # nbclient could not run it at all
        return None, f"Not reached: the notebook could not run ({type(error).__name__}: {error})."
    return None, ""


def main(argv: list[str] | None = None) -> int:
    """Read the key and the notebook, run it, write the signed result; see the module's docstring."""
    import ctypes

    # jsonschema (through nbformat) imports this optional checker of IRI formats, which no notebook
    # uses, when it is installed: 0.8 s of building a grammar, for every notebook graded.
    sys.modules.setdefault("rfc3987_syntax", None)
    parser = argparse.ArgumentParser(prog="python -m course.gradekernel")
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--limits", action="store_true")
    args = parser.parse_args(argv)
    key = sys.stdin.buffer.readline().strip()
    text = sys.stdin.buffer.read().decode()
    sys.stdin.close()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: /proc/<this>/ is closed to the notebook
    if args.limits:
        _limit()
    import nbformat

    nb = nbformat.reads(text, as_version=4)
    timed_out, stopped = run(nb, args.timeout)
    payload = json.dumps({"notebook": nbformat.writes(nb), "timed_out": timed_out, "stopped": stopped})
    sys.stdout.write(json.dumps({"payload": payload, "mac": sign(key, payload)}) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

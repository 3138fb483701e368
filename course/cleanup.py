"""Stop what a notebook started in the background when one of its cells fails.

Run All stops at the first cell that fails, so the cells that would stop the dev server or
PostgreSQL further down never run. ``open_project`` registers ``after_cell`` with IPython; after a
cell that failed (other than one that fails on purpose, whose source says so), it stops the dev
servers and pauses PostgreSQL (its data stays; the next ``pg.…`` call or command run with
``manage()`` starts it again), and says so in one line.
"""

from __future__ import annotations

import sys

ON_PURPOSE = "# This cell fails on purpose"


def after_cell(result) -> None:
    """IPython ``post_run_cell`` handler: clean up after an unexpected failure."""
    source = result.info.raw_cell if getattr(result, "info", None) else ""
    if result.error_in_exec is None or source.lstrip().startswith(ON_PURPOSE):
        return
    stopped = []
    if "course.server" in sys.modules and sys.modules["course.server"].DevServer.started:
        sys.modules["course.server"].DevServer.stop_all()
        stopped.append("the dev server (to go on, rerun the cells from `server = DevServer()` down: it "
                       "starts afresh, and the browser must log in again)")
    if "course.postgres" in sys.modules:
        paused = [pg.pause() for pg in sys.modules["course.postgres"].EmbeddedPostgres.started]
        if any(paused):
            stopped.append("PostgreSQL (paused with its data: the next pg.… call or manage(…) resumes it)")
    if stopped:
        print(f"[A cell failed, so what this notebook runs in the background stopped: {'; '.join(stopped)}.]")


def register(shell) -> None:
    """Run ``after_cell`` after every cell of ``shell`` (once, however often it is called)."""
    if shell is not None and after_cell not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", after_cell)

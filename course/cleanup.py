"""Stop what a notebook started in the background when one of its cells fails.

Run All stops at the first cell that fails, so the cells that would stop the dev server or
PostgreSQL further down never run. ``open_project`` registers ``after_cell`` with IPython; after a
cell that failed (other than one that fails on purpose, whose source says so), it pauses what
``course.background`` holds: it stops the dev servers and pauses PostgreSQL (its data stays; the
next ``pg.…`` call or command run with ``manage()`` starts it again), and says so in one line, once
per pause: a server that was paused when the failed cell began (a wrong answer rerun, whose check
resumed PostgreSQL to ask it something) was announced already.
"""

from __future__ import annotations

from course import background
from course.lessonformat import ON_PURPOSE
from course.shell import cwd_exists, folder_gone

_paused_before: list = []  # the servers paused when the running cell began (``before_cell``)


def before_cell(info=None) -> None:
    """IPython ``pre_run_cell`` handler: remember which servers are paused as the cell begins."""
    _paused_before[:] = [server for server in background.running() if getattr(server, "paused", False)]


def after_cell(result) -> None:
    """IPython ``post_run_cell`` handler: clean up after an unexpected failure."""
    source = result.info.raw_cell if getattr(result, "info", None) else ""
    if result.error_in_exec is None or source.lstrip().startswith(ON_PURPOSE):
        return
    if not cwd_exists():  # work/ deleted under the kernel: the cell's own error says little
        background.stop_all()  # their data went with the folder
        print(f"[{folder_gone()}]")
        return
    paused = [server for server in background.pause_all() if server not in _paused_before]
    if paused:
        notes = dict.fromkeys(server.paused_note for server in paused)  # once per kind, in order
        print(f"[A cell failed, so what this notebook runs in the background stopped: {'; '.join(notes)}.]")


def register(shell) -> None:
    """Run ``before_cell`` before and ``after_cell`` after every cell of ``shell`` (once, however often
    it is called)."""
    for event, handler in (("pre_run_cell", before_cell), ("post_run_cell", after_cell)):
        if shell is not None and handler not in shell.events.callbacks[event]:
            shell.events.register(event, handler)

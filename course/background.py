"""What this kernel runs in the background (dev servers, PostgreSQL) and their guards, in one registry.

A server registers when it has started and leaves when it stops. Whoever must stop, pause or
resume what runs asks here, never the servers' modules: the cleanup after a failed cell
(``cleanup``), a notebook's rerun (``workspace.open_project``), the commands that need PostgreSQL
running (``shell``) and notebook 14's fresh start (``livesite``). What is still registered when the
kernel exits is stopped then.

A registered server has a ``kind`` ("dev server", "PostgreSQL"), a ``paused_note`` (what the
cleanup says when it pauses it) and ``stop()``, ``pause()`` (return whether the learner must be
told; a dev server simply stops) and ``resume()``.

Each server's guard, a ``course.lifeline`` process that stops it when the kernel ends however it
ends, is started here, before the server itself. Standard library only: importing this module
costs the kernel nothing.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys

from course import inkernel, lifeline

_registered: list = []  # the servers running or paused, in the order they started


def register(server) -> None:
    """Add ``server``, which has just started; it is stopped when the kernel exits, if not before."""
    if server not in _registered:
        _registered.append(server)


def forget(server) -> None:
    """Remove ``server``, which has stopped (nothing happens if it was not registered)."""
    if server in _registered:
        _registered.remove(server)


def running(kind: str | None = None) -> list:
    """The registered servers (running or paused), or those of ``kind``."""
    return [server for server in _registered if kind is None or server.kind == kind]


def stop_all(kind: str | None = None) -> list:
    """Stop every registered server (or those of ``kind``), newest first; return those stopped."""
    stopped = running(kind)[::-1]
    for server in stopped:
        server.stop()
        forget(server)
    return stopped


atexit.register(stop_all)  # what is still registered when the kernel exits


def pause_all() -> list:
    """Pause every registered server; return those the learner must be told about."""
    return [server for server in running() if server.pause()]


def resume_all() -> None:
    """Start again every paused server (a command is about to need it)."""
    for server in running():
        server.resume()


def start_guard(arguments: list[str], detached: bool = False, **options) -> subprocess.Popen:
    """Start ``python -m course.lifeline ARGUMENTS``: it ends what it guards when its standard input,
    a pipe this kernel holds, closes (the kernel stopped it, or ended however it ended).

    ``detached`` puts the guard in a session of its own, to outlive the kernel's process group,
    which Jupyter kills when it shuts a kernel down: for a server that runs outside that group
    (PostgreSQL). ``options`` go to ``subprocess.Popen`` (the guarded command's output, its
    environment). The browser edition starts no process: there it says so, in one line.
    """
    inkernel.refuse_in_browser("a server in the background")
    if detached:
        if os.name == "nt":
            options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        else:
            options["start_new_session"] = True
    return subprocess.Popen([sys.executable, "-m", "course.lifeline", *arguments],
                            stdin=subprocess.PIPE, **options)


def release(guard: subprocess.Popen) -> None:
    """Close the guard's pipe: it ends what it guards, then exits."""
    if not guard.stdin.closed:
        guard.stdin.close()


def disarm(guard: subprocess.Popen) -> None:
    """Tell the guard that what it guards was stopped on purpose: it exits without doing anything."""
    if not guard.stdin.closed:
        try:
            guard.stdin.write(lifeline.DISARM)
            guard.stdin.close()
        except BrokenPipeError:  # the guard has ended already (the pipe is closed all the same)
            pass

"""A lesson's project folder belongs to one kernel at a time.

``open_project`` empties the folder before restoring it: a second kernel on the same lesson (the
same notebook open twice, or a student copy beside the solved one) would delete the first one's
work. ``take(folder)`` gives the folder to this process, or refuses in one line naming the kernel
that has it.

The lock is the operating system's own on a file beside the folders (``.locks/NN_name.lock``), held
open by the kernel for as long as it runs: ``flock`` on Linux and macOS, ``msvcrt.locking`` on
Windows. The system releases it when the process ends, however it ends (a crash, a kill, the
out-of-memory killer), so a lock is never left behind, and a reused process id means nothing. The
file also says who holds it (process id, notebook, since when), for the message; what it says is
never what decides.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import time
from pathlib import Path

from course.errors import CourseError, shown_path

FOLDER = ".locks"  # beside the project folders: deleting one never deletes its lock
LOCKED_BYTE = 1 << 20  # Windows locks a byte range: one byte past what the file says, so it stays readable

# How the lock says another process holds it: flock's EWOULDBLOCK (EAGAIN), msvcrt's EACCES or EDEADLOCK.
HELD = {errno.EWOULDBLOCK, errno.EAGAIN} if os.name != "nt" else {errno.EACCES, errno.EDEADLOCK}

_held: dict[str, object] = {}  # this process's lock: {"path": Path, "fd": int}


class FolderInUse(CourseError):
    """Another kernel (or program) has this lesson's project folder; restoring it here would delete
    that kernel's work."""


def lock_file(folder: Path) -> Path:
    """The lock file of the project folder ``folder``."""
    return folder.parent / FOLDER / f"{folder.name}.lock"


def take(folder: Path) -> None:
    """Make this process the one kernel of ``folder`` (again, on a rerun), releasing the folder it
    had before; raise ``FolderInUse``, changing nothing, if another process has it."""
    path = lock_file(folder)
    if _still_ours(path):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
    if not _lock(fd):
        os.close(fd)
        raise FolderInUse(
            f"{folder.name}/ is open in another kernel ({_holder(path)}), and restoring it here would "
            "delete that kernel's work. Shut that kernel down (in its tab, Kernel › Shut Down Kernel; "
            "or in the Running Terminals and Kernels panel on the left), then rerun this cell."
        )
    release()
    _held.update(path=path, fd=fd)
    with contextlib.suppress(OSError):  # a full disk: the lock holds all the same, unsigned
        _write_holder(fd)


def in_use(folder: Path) -> str | None:
    """Who has the project folder ``folder`` ("process 123, notebook …, since 18:40"), if a kernel
    has it now; None if none does (the lock is tried and given back at once)."""
    path = lock_file(folder)
    if not path.is_file() or _still_ours(path):
        return None
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        return None if _lock(fd) else _holder(path)
    finally:
        os.close(fd)  # and with it the lock, if it was taken here


def held() -> Path | None:
    """The project folder this process holds, if any."""
    path = _held.get("path")
    return path.parent.parent / path.name.removesuffix(".lock") if path else None


def release() -> None:
    """Give up the folder this process holds, if any (closing the file releases the lock)."""
    if _held:
        os.close(_held.pop("fd"))
        _held.clear()


def _still_ours(path: Path) -> bool:
    """Whether this process holds the lock of ``path``, and that file is still the one there (the
    learner may have deleted ``work/`` since, and another kernel made a new one)."""
    if _held.get("path") != path:
        return False
    try:
        return os.path.samestat(os.stat(path), os.fstat(_held["fd"]))
    except OSError:
        return False


def _lock(fd: int) -> bool:
    """Take the system's lock on the open file ``fd`` without waiting; whether it was free. A file
    system that has no locks (some network ones) counts as free: never a folder locked for good."""
    try:
        if os.name == "nt":
            import msvcrt

            os.lseek(fd, LOCKED_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        return error.errno not in HELD
    except (ImportError, AttributeError):  # the browser edition's: no flock, nor other kernels in its files
        return True
    return True


def _write_holder(fd: int) -> None:
    """Say in the lock file who holds it: this process, its notebook when Jupyter named it, since when."""
    holder = {"pid": os.getpid(), "notebook": os.environ.get("JPY_SESSION_NAME", ""),
              "since": time.strftime("%H:%M")}
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(holder).encode())


def _holder(path: Path) -> str:
    """Who holds the lock of ``path``, as the lock file says: "process 123, notebook …, since 18:40"."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        holder = json.loads(path.read_bytes().decode())
        parts = [f"process {holder['pid']}"]
        if holder.get("notebook"):
            parts.append(f"notebook {shown_path(holder['notebook'])}")
        parts.append(f"since {holder['since']}")
        return ", ".join(parts)
    return "which one, its lock file does not say"

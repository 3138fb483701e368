"""The scratch folder each notebook builds its Django project in.

A notebook's first cell calls ``open_project("NN_topic")``: it empties the notebook's own folder
under ``work/`` (or under ``$COURSE_WORKDIR``), replays there the cells tagged ``step`` of every
earlier notebook (the notebooks stay the only source of the project's files), and moves into it.
Replays are cached by a hash of the replayed cells, one snapshot per notebook, so restoring
notebook N copies the snapshot of N-1 instead of running everything before it again. The
snapshots live in ``.cache/`` beside the scratch folders, or in ``$COURSE_CACHE`` (the tests share
one among runs that each have their own scratch folders; a snapshot is only ever added whole).

A folder is restored beside its place (``.NN_topic.restoring``) and moved there only once complete,
so a folder named after a notebook is never a half-restored one. A lesson's folder belongs to one
kernel at a time (``folderlock``). A full disk, or a folder that cannot be written, is said in one
line with the way back.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from course import background, cleanup, folderlock, inkernel, kernel, lessonformat
from course.errors import CourseError, shown_path
from course.series import NOTEBOOKS, REPO, notebooks, step_cells
from course.shell import cwd_exists, folder_gone

MARKER = ".course-scratch"  # only folders holding this file are ever emptied
SERIES_DJANGO = (5, 2)
RESTORING = ".{}.restoring"  # where a notebook's folder is restored, beside its place, before it moves there
PARTIAL = ".partial-"  # a snapshot being copied into the cache: .partial-<pid>-<key>
# Room a lesson needs, roughly: its folder and the snapshots of the steps replayed (about 0.4 MB
# each), with room to spare; PostgreSQL's data directory (notebook 08) takes about 40 MB more.
ROOM_MB, POSTGRES_ROOM_MB = 10, 60
# How a full disk (or a used-up quota) shows in an error's text: Python's OSError on POSIX and
# Windows (ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL), and SQLite's own message.
FULL = [f"[Errno {code}]" for code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))]
FULL += ["[WinError 112]", "[WinError 39]", "database or disk is full", "No space left on device"]


BROWSER_WORK = Path("/tmp/work")  # the browser edition's: lost with the kernel, as its databases
_learners: Path | None = None  # the folder of the learner's notebooks, once a kernel has started in it


def work_root() -> Path:
    """Folder holding every notebook's scratch folder.

    ``$COURSE_WORKDIR`` when set. Else ``work/`` beside the learner's own notebooks: a kernel starts
    in the folder of its notebook, and when that folder holds the lessons (``notebooks/`` or
    ``student/`` of a clone, or a learner's copy pulled onto a hub where the course is installed
    once for the class), each learner's work lives beside their copies and the lessons'
    ``cd ../work/NN_…`` holds for them. Else the course's own ``work/``. In the browser edition,
    ``/tmp/work``: SQLite works only in the kernel's own memory there, not in the browser's storage.
    """
    global _learners
    if inkernel.IN_BROWSER and not os.environ.get("COURSE_WORKDIR"):
        return BROWSER_WORK
    if os.environ.get("COURSE_WORKDIR"):
        return Path(os.environ["COURSE_WORKDIR"]).resolve()
    here = Path.cwd() if _learners is None and cwd_exists() else None
    if here is not None and any((here / nb.name).is_file() for nb in notebooks()):
        _learners = here.resolve()  # once: open_project then moves the kernel elsewhere
    return (_learners.parent if _learners else REPO) / "work"


def cache_root() -> Path:
    """Folder of the restore snapshots: ``$COURSE_CACHE``, or ``.cache/`` in ``work_root()``."""
    return Path(os.environ.get("COURSE_CACHE") or work_root() / ".cache").resolve()


class UnknownNotebook(CourseError, ValueError):
    """``open_project`` was given a name that is not a notebook of the series (a ``ValueError`` too,
    as it was)."""


class NotScratch(CourseError, FileExistsError):
    """The scratch folder to empty exists but was not made by the notebooks, so it is left alone
    (a ``FileExistsError`` too, as it was)."""


class StepFailed(CourseError):
    """A ``step`` cell of an earlier notebook failed while it was replayed; what it printed is shown
    above the error."""


class DiskFull(CourseError):
    """The disk (or the learner's quota) filled up while a project folder was restored."""


class CannotWrite(CourseError):
    """A folder the notebook must write in or empty is read-only (or its files are in use)."""


class NoFolder(CourseError, FileNotFoundError):
    """A folder to look into does not exist (a ``FileNotFoundError`` too)."""


def _find(name: str) -> Path:
    """The notebook of the series named ``name`` (its file name without ``.ipynb``)."""
    for nb in notebooks():
        if nb.stem == name:
            return nb
    known = ", ".join(nb.stem for nb in notebooks())
    raise UnknownNotebook(f"No notebook named {name!r}; the series has: {known}. Give open_project "
                          "this notebook's file name without .ipynb, as its first cell does.")


def _reset(folder: Path) -> None:
    """Empty ``folder``, refusing to touch a folder this module did not create."""
    _remove(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("Scratch folder of the course notebooks: safe to delete.\n")


def _remove(folder: Path) -> None:
    """Delete the scratch folder ``folder`` if it exists (``NotScratch`` if this module did not make
    it; ``CannotWrite``, in one line, if it cannot be deleted)."""
    if not folder.exists():
        return
    if not (folder / MARKER).exists():
        raise NotScratch(
            f"{folder.name}/ exists but was not made by these notebooks, so it is left alone. "
            "Move it away, or point COURSE_WORKDIR at another folder."
        )
    failed: list[tuple[str, BaseException]] = []
    for child in folder.iterdir():  # the marker last: a folder left half-emptied is still known as scratch
        if child.name != MARKER:
            _delete(child, failed)
    if not failed:
        _delete(folder, failed)
    if failed:
        path, error = failed[0]
        raise CannotWrite(
            f"{folder.name}/ cannot be emptied to restore it: {shown_path(path)} cannot be deleted "
            f"({getattr(error, 'strerror', None) or error}). It is a scratch folder: make it writable again "
            "(or close the program using its files), or delete it yourself, then rerun this cell."
        )


def _delete(path: Path, failed: list[tuple[str, BaseException]]) -> None:
    """Delete the file or folder ``path``, adding to ``failed`` each (path, error) that could not be
    deleted (``shutil.rmtree`` alone would name only the file, not its folder)."""
    if not path.is_dir() or path.is_symlink():
        try:
            path.unlink()
        except OSError as error:
            failed.append((str(path), error))
    elif sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=lambda function, name, error: failed.append((name, error)))
    else:
        shutil.rmtree(path, onerror=lambda function, name, info: failed.append((name, info[1])))


def _cache_key(earlier: list[Path]) -> str:
    import django

    digest = hashlib.sha256(f"django {django.__version__}".encode())
    for nb in earlier:
        digest.update(nb.name.encode())
        for source in step_cells(nb):
            digest.update(source.encode())
    return digest.hexdigest()[:16]


def _snapshot(folder: Path, key: str) -> None:
    """Copy ``folder`` into the cache under ``key``, atomically (parallel runs may race); a copy that
    fails (a full disk) leaves nothing behind."""
    cache = cache_root()
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f"{PARTIAL}{os.getpid()}-{key}"
    try:
        shutil.copytree(folder, tmp, ignore=shutil.ignore_patterns("__pycache__"))
        tmp.rename(cache / key)
    except OSError:
        if not (cache / key).is_dir():  # else another run stored the same snapshot first
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _forget_partial_copies(cache: Path) -> None:
    """Delete the partial snapshots in ``cache`` whose process is gone (a kernel killed mid-copy)."""
    if inkernel.IN_BROWSER:  # one kernel, one process: its files die with it
        return
    import psutil

    for partial in cache.glob(f"{PARTIAL}*"):
        pid = partial.name[len(PARTIAL):].split("-")[0]
        if not (pid.isdigit() and psutil.pid_exists(int(pid))):
            shutil.rmtree(partial, ignore_errors=True)


def replay(notebook: Path, shell=None) -> None:
    """Run the ``step`` cells of ``notebook`` in the current folder, quietly; raise if one fails.

    Step cells only write files (``%%writefile``, ``pathlib``) and run commands (``manage``,
    ``django_admin``); they never import the project, so replaying them has no side effect on
    the kernel.
    """
    from IPython.core.interactiveshell import InteractiveShell

    from course.shell import django_admin, manage

    shell = shell or InteractiveShell.instance()
    saved = dict(shell.user_ns)  # replayed cells must leave no names behind (a cache hit replays none)
    # Step cells may use these names without importing them (the notebooks import them earlier).
    shell.user_ns.update({"sys": sys, "manage": manage, "django_admin": django_admin})
    try:
        _replay_cells(notebook, shell)
    finally:
        shell.user_ns.clear()
        shell.user_ns.update(saved)


def _replay_cells(notebook: Path, shell) -> None:
    from IPython.utils.capture import capture_output

    for source in step_cells(notebook):
        with capture_output() as captured:
            result = shell.run_cell(source, store_history=False, silent=True)
        if not result.success and _is_disk_full(captured.stdout + captured.stderr):
            raise OSError(errno.ENOSPC, "database or disk is full", notebook.name)  # not the cell's fault
        if not result.success:  # a failed manage() raises CommandFailed: the cell fails
            print(f"The cell:\n{source.rstrip()}\nIt printed:\n{captured.stdout}{captured.stderr}".rstrip())
            raise StepFailed(
                f"Restoring a step of {notebook.name} failed (the cell and what it printed are above). "
                f"Fix that cell in {notebook.name} (`git checkout notebooks/{notebook.name}` brings back "
                "the course's version), then rerun this cell."
            )


def restore(folder: Path, earlier: list[Path], shell=None) -> None:
    """Fill the empty ``folder`` with what ``earlier`` notebooks build, using cached snapshots."""
    cache = cache_root()
    _forget_partial_copies(cache)
    start = 0
    for k in range(len(earlier), 0, -1):
        cached = cache / _cache_key(earlier[:k])
        if cached.is_dir():
            shutil.copytree(cached, folder, dirs_exist_ok=True)
            start = k
            break
    here = Path.cwd()
    os.chdir(folder)
    try:
        for k in range(start, len(earlier)):
            replay(earlier[k], shell)
            _snapshot(folder, _cache_key(earlier[: k + 1]))
    finally:
        os.chdir(here)


def _rebuild(folder: Path, earlier: list[Path], shell) -> None:
    """Empty ``folder`` and restore it from ``earlier`` beside its place, moving it there once
    complete: a half-restored folder is never kept (nor the space it takes)."""
    staging = folder.with_name(RESTORING.format(folder.name))
    with _in_one_line(folder.name):
        _remove(folder)
        try:
            _reset(staging)
            restore(staging, earlier, shell)
            staging.rename(folder)
        except BaseException:
            if (staging / MARKER).exists():
                shutil.rmtree(staging, ignore_errors=True)
            raise


@contextlib.contextmanager
def _in_one_line(name: str) -> Iterator[None]:
    """Say in one line, with the way back, a full disk or a folder that cannot be written met while
    giving notebook ``name`` its folder (the course's own errors pass through as they are)."""
    try:
        yield
    except CourseError:
        raise
    except OSError as error:
        path, reason = _first_failure(error)
        if _is_disk_full(error):
            raise DiskFull(
                f"The disk is full ({_free(work_root())} left on the disk of {shown_path(work_root())}/), "
                f"and restoring {name}/ needs roughly {_room_mb(name)} MB. Free some space on that disk "
                "(or in your quota), then rerun this cell."
            ) from None
        if _is_unwritable(error):
            variable = "COURSE_CACHE" if os.environ.get("COURSE_CACHE") and path and \
                Path(path).resolve().is_relative_to(cache_root()) else "COURSE_WORKDIR"
            where = shown_path(_existing(Path(path or work_root())))
            raise CannotWrite(
                f"Cannot write in {where}/ ({reason}), where {name}/ is restored: make that folder "
                f"writable, or set {variable} to a folder you can write to and restart the kernel; then "
                "rerun this cell."
            ) from None
        raise


def _room_mb(name: str) -> int:
    """Roughly how many MB notebook ``name`` needs free: more if it starts PostgreSQL."""
    return POSTGRES_ROOM_MB if "EmbeddedPostgres(" in _find(name).read_text(encoding="utf-8") else ROOM_MB


def _first_failure(error: OSError) -> tuple[str | None, str]:
    """The path and the reason of ``error``; for ``shutil.Error`` (a copy that failed on some files),
    those of its first failed file."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list) and error.args[0]:
        source, target, why = error.args[0][0]
        return target, re.sub(r"^\[(Errno|WinError) \d+\] ", "", str(why)).split(": ")[0]
    return error.filename, error.strerror or str(error)


def _is_unwritable(error: OSError) -> bool:
    """Whether ``error`` (or the first failure of a ``shutil.Error``) is a folder that cannot be written:
    read-only, not the learner's, or a file in use (Windows)."""
    codes = (errno.EROFS, errno.EACCES, errno.EPERM)
    return isinstance(error, PermissionError) or error.errno in codes or (
        isinstance(error, shutil.Error) and any(f"[Errno {code}]" in str(error) for code in codes))


def _is_disk_full(error: BaseException | str) -> bool:
    """Whether ``error`` (an exception or a command's output) says the disk or the quota is full."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return True
    return any(sign in str(error) for sign in FULL)


def _free(folder: Path) -> str:
    """The free space on the disk of ``folder`` (or of its nearest existing parent), in MB."""
    return f"{shutil.disk_usage(_existing(folder)).free / 1e6:.1f} MB"


def _existing(path: Path) -> Path:
    """The folder ``path`` if it is one, else its nearest existing parent folder."""
    path = path.resolve()
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


class WrongVersions(CourseError):
    """This kernel's Python or Django is not one the series is written for."""


def check_versions() -> None:
    """Raise if this kernel's Python or Django is not what the series is written for.

    Any environment with the right versions will do: the course's ``.venv``, a JupyterHub's or
    Binder's own environment, a conda environment.
    """
    import platform

    import django

    from course import PYTHONS

    found = []
    major, minor = sys.version_info[:2]
    if f"{major}.{minor}" not in PYTHONS:
        supported = f"{PYTHONS[0]} to {PYTHONS[-1]}"
        found.append(f"Python {platform.python_version()} (the course supports {supported})")
    if django.VERSION[:2] != SERIES_DJANGO:
        found.append(f"Django {django.get_version()} (the series is written for Django "
                     f"{SERIES_DJANGO[0]}.{SERIES_DJANGO[1]} LTS)")
    if found:
        raise WrongVersions(
            f"This kernel ({sys.executable}) runs {' and '.join(found)}. Pick the kernel of an "
            "environment with the course's versions: the course's .venv, which `make lab` (or "
            "`python -m course lab`) starts, or install them into this one from the course's folder: "
            f"\"{sys.executable}\" -m pip install -c requirements.txt -e . and restart the kernel."
        )


def open_project(name: str) -> None:
    """Give notebook ``name`` its scratch folder as the earlier notebooks leave it, and move into it.

    Prints one line saying what was restored.
    """
    from IPython import get_ipython

    check_versions()

    local = lessonformat.own(_find(name)).get(lessonformat.LOCAL_ONLY)  # an unknown name is refused first
    if local:
        inkernel.refuse_in_browser(f"{local}, as this lesson does")
    with _in_one_line(name):  # another kernel's folder is refused before anything is touched
        folderlock.take(work_root() / name)
    earlier = [nb for nb in notebooks() if nb.stem < name]
    folder = work_root() / name
    # A rerun in the same kernel: stop what the last run started, which would lose its folder,
    # and close Django's connections to the databases about to be deleted.
    background.stop_all()
    kernel.before_reset()
    os.chdir(NOTEBOOKS)  # never stand in the folder being emptied (Windows refuses to delete it)
    _rebuild(folder, earlier, get_ipython())
    os.chdir(folder)
    kernel.after_restore(folder.resolve())
    cleanup.register(get_ipython())  # a failed cell (Run All stops there) stops the servers too
    if earlier:
        first, last = earlier[0].stem[:2], earlier[-1].stem[:2]
        span = f"notebook {first}" if first == last else f"notebooks {first}–{last}"
        print(f"Project folder {name}/ ready: restored what {span} built.")
    else:
        print(f"Project folder {name}/ ready: empty, this notebook starts from scratch.")


def tree(folder: str | Path = ".") -> None:
    """Print the files under ``folder`` (sorted, relative), leaving out caches and the scratch marker."""
    root = Path(folder)
    if not (root.is_absolute() or cwd_exists()) or not root.is_dir():
        raise NoFolder(_gone(root))
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or rel.name == MARKER or path.is_dir():
            continue
        print(rel.as_posix())


def _gone(folder: Path) -> str:
    """What to say of ``folder``, which is not there: the kernel's own folder deleted (``work/``
    deleted while the kernel ran: rerun the first cell), or a name that does not exist here."""
    if not cwd_exists():
        return folder_gone()
    return f"No folder {folder.as_posix()!r} here: check the name, or run the cell that creates it first."

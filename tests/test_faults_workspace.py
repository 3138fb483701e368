"""Faults around a lesson's project folder, injected for real: two kernels on one lesson, a kernel
killed during a command, the work folder deleted under a running kernel, a full disk, read-only
folders. Each ends with one line that says the way back, and that way back works; nothing of the
first kernel's is lost and nothing is left running.

The full disk is a small tmpfs and the read-only folders are read-only bind mounts, each in a
private mount namespace (``unshare -rm``): as root, ``chmod`` would not stop a write. Those cells
run in an IPython shell inside the namespace, shown as Jupyter shows them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import psutil
import pytest

from course.series import NOTEBOOKS, REPO, lesson, notebooks

pytestmark = pytest.mark.faults

OPEN = "from course.workspace import open_project\nopen_project({!r})"
SERVER = lesson("running_the_server").stem  # the lesson that makes a superuser
SETTINGS = lesson("split_settings").stem  # a lesson whose first cell is quick


def ready(name: str) -> str:
    """What the first cell of lesson ``name`` prints, restoring what the lessons before it built."""
    earlier = [p.stem[:2] for p in notebooks() if p.stem < name]
    return f"Project folder {name}/ ready: restored what notebooks {earlier[0]}–{earlier[-1]} built.\n"


READY_SERVER, READY_SETTINGS = ready(SERVER), ready(SETTINGS)
# Notebook 07's superuser, in auth_db (the notebook's own command, with the database named).
SUPERUSER = ('from course.shell import manage\nmanage("createsuperuser", "--noinput", "--username=admin", '
             '"--email=admin@example.com", "--database=auth_db", env={"DJANGO_SUPERUSER_PASSWORD": "pw"})')
USERS = ('from course import sqlite\n'
         'print(sqlite.query("auth_db.sqlite3", "SELECT username FROM auth_user").rows)')


def one_line(error: str, name: str, *says: str) -> None:
    """``error`` (as JupyterLab shows it) is one line, the course error ``name``, saying each of ``says``."""
    assert "\n" not in error and error.startswith(f"{name}: "), error
    for part in says:
        assert part in error, f"{part!r} not in {error!r}"


def test_a_second_kernel_on_the_lesson_is_refused_until_the_first_is_gone(kernels):
    student = REPO / "student" / f"{SERVER}.ipynb"  # as JupyterLab names the notebook
    first = kernels(JPY_SESSION_NAME=str(student))
    second = kernels()
    assert first.run(OPEN.format(SERVER)) == (READY_SERVER, "")
    assert first.run(SUPERUSER)[1] == ""

    printed, error = second.run(OPEN.format(SERVER))
    assert printed == ""
    one_line(error, "FolderInUse", f"{SERVER}/ is open in another kernel", f"process {first.pid}",
             f"notebook student/{SERVER}.ipynb", "Kernel › Shut Down Kernel", "rerun this cell")
    assert first.run(USERS) == ("[['admin']]\n", "")  # the first kernel's work is intact

    assert first.run(OPEN.format(SERVER)) == (READY_SERVER, "")  # its own rerun works
    assert "FolderInUse" in second.run(OPEN.format(SERVER))[1]

    first.kill()  # a lock left by a dead kernel is taken over
    assert not psutil.pid_exists(first.pid)
    assert second.run(OPEN.format(SERVER)) == (READY_SERVER, "")


def test_a_kernel_killed_during_a_command_leaves_nothing_running_and_a_usable_folder(kernels, tmp_path):
    kernel = kernels()
    assert kernel.run(OPEN.format(SETTINGS)) == (READY_SETTINGS, "")
    started = tmp_path / f"work/{SETTINGS}/started"
    kernel.send('from course.shell import manage\nmanage("shell", "-c", "import pathlib, time; '
                'pathlib.Path(\'started\').touch(); time.sleep(120)")')
    deadline = time.monotonic() + 60
    while not started.exists():
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.1)
    children = psutil.Process(kernel.pid).children(recursive=True)
    assert any(child.cwd() == str(started.parent) for child in children)  # the command runs (forked or not)
    kernel.kill()
    _, alive = psutil.wait_procs(children, timeout=20)
    assert not alive, f"left running after the kernel died: {[p.cmdline() for p in alive]}"

    again = kernels()  # rerunning the first cell, in the kernel JupyterLab starts next
    assert again.run(OPEN.format(SETTINGS)) == (READY_SETTINGS, "")
    printed, error = again.run('from course.shell import manage\nmanage("check")')
    assert error == "" and "System check identified no issues" in printed


def test_the_work_folder_deleted_under_a_running_kernel_says_rerun_the_first_cell(kernels, tmp_path):
    kernel = kernels()
    assert kernel.run(OPEN.format(SETTINGS)) == (READY_SETTINGS, "")
    shutil.rmtree(tmp_path / "work")
    gone = ("The folder this kernel was in", f"{SETTINGS}/, has been deleted",
            "rerun this notebook's first cell")
    one_line(kernel.run('from course.shell import manage\nmanage("check")')[1], "NotInProject", *gone)
    one_line(kernel.run('from course.shell import run_pytest\nrun_pytest()')[1], "NotInProject", *gone)
    one_line(kernel.run("from course.workspace import tree\ntree()")[1], "NoFolder", *gone)
    one_line(kernel.run('from course import sqlite\nsqlite.tables("db.sqlite3")')[1], "MissingDatabase",
             "No database file 'db.sqlite3'", *gone)
    one_line(kernel.run('from course.kernel import setup_django\nsetup_django("core.settings.single")')[1],
             "NotInProject", *gone)

    other = kernels()  # meanwhile another kernel opened the lesson anew: the folder is now its own
    assert other.run(OPEN.format(SETTINGS)) == (READY_SETTINGS, "")
    one_line(kernel.run(OPEN.format(SETTINGS))[1], "FolderInUse", f"process {other.pid}")
    other.shutdown()
    assert kernel.run(OPEN.format(SETTINGS)) == (READY_SETTINGS, "")
    assert kernel.run('manage("check")')[1] == ""


# Runs each argument as a cell in an IPython shell, printing one JSON line per cell: what the cell
# printed, its error shown as Jupyter shows it included (the course's errors: their one line).
CELLS = """
import contextlib, io, json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
for code in sys.argv[1:]:
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown), contextlib.redirect_stderr(shown):
        result = shell.run_cell(code)
    print(json.dumps([shown.getvalue(), result.success]), flush=True)
"""


def run_cell(*command: str) -> str:
    """A cell that runs ``command`` (a mount, inside the namespace), failing if it fails."""
    return f"import subprocess\nsubprocess.run({list(command)!r}, check=True)"


@pytest.fixture(scope="module")
def namespace():
    """Whether this machine lets a user make a private mount namespace (``unshare -rm``)."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        pytest.skip("a private mount namespace (unshare -rm) is Linux's")
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -rm is not permitted here: {probe.stderr.strip()}")


def in_namespace(setup: str, cells: list[str], **env: str) -> list[tuple[str, bool]]:
    """Run shell commands ``setup`` (mounts) in a private mount namespace, then ``cells`` in an IPython
    shell in ``notebooks/`` there, with ``env``; what each cell showed, and whether it succeeded."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COURSE_"))}
    done = subprocess.run(["unshare", "-rm", "sh", "-c", f'{setup} && exec "$@"', "sh",
                           sys.executable, "-c", CELLS, *cells],
                          cwd=NOTEBOOKS, env=base | env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [tuple(json.loads(line)) for line in done.stdout.splitlines()]


@pytest.mark.parametrize(("name", "size", "filler_kb"), [
    (SERVER, "1m", 0), (lesson("splitting_a_live_database").stem, "3m", 0),
    (lesson("listing_the_tables").stem, "1m", 850)], ids=["1MB", "3MB", "SQLite-full"])
def test_a_full_disk_is_one_line_and_freeing_space_then_rerunning_works(namespace, tmp_path, name, size,
                                                                         filler_kb):
    """From an empty cache, on a tmpfs of ``size``: copying the snapshots fills it (``shutil.Error``);
    with a file taking ``filler_kb`` of it, SQLite does ("database or disk is full", in a step)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    work, cache = disk / "work", disk / "cache"
    dead = cache / ".partial-999999999-0123456789abcdef"  # what a kernel killed mid-copy left
    setup = (f"mount -t tmpfs -o size={size} tmpfs {disk} && mkdir -p {dead} && "
             f"dd if=/dev/zero of={disk}/filler bs=1k count={filler_kb} 2>/dev/null")
    leftovers = (f"import os\nprint(sorted(os.listdir({str(work)!r})), "
                 f"[p for p in os.listdir({str(cache)!r}) if p.startswith('.')])")
    free = run_cell("mount", "-o", "remount,size=40m", str(disk))
    shown = in_namespace(setup, [OPEN.format(name), leftovers, free, OPEN.format(name)],
                         COURSE_WORKDIR=str(work), COURSE_CACHE=str(cache))
    (error, ok), (left, _), _, (again, ok_again) = shown
    assert not ok
    one_line(error.rstrip("\n"), "DiskFull", "The disk is full", f"restoring {name}/ needs roughly 10 MB",
             "Free some space on that disk", "then rerun this cell")
    assert left == "['.locks'] []\n"  # no half-restored folder, no partial snapshot, the dead one's gone
    assert ok_again and again.startswith(f"Project folder {name}/ ready: restored what notebook"), again


def test_a_read_only_scratch_folder_is_one_line_and_making_it_writable_again_works(namespace, tmp_path):
    work = tmp_path / "work"
    core = work / f"{SETTINGS}/core"
    read_only = run_cell("mount", "--bind", str(core), str(core)) + "\n" + run_cell(
        "mount", "-o", "remount,bind,ro", str(core))
    writable = run_cell("umount", str(core))
    opening = OPEN.format(SETTINGS)
    shown = in_namespace("true", [opening, read_only, opening, writable, opening],
                         COURSE_WORKDIR=str(work), COURSE_CACHE=str(tmp_path / "cache"))
    assert shown[0] == (READY_SETTINGS, True)
    error, ok = shown[2]
    assert not ok
    one_line(error.rstrip("\n"), "CannotWrite", f"{SETTINGS}/ cannot be emptied",
             f"{core}/__init__.py cannot be deleted (Read-only file system)", "make it writable again",
             "then rerun this cell")
    assert shown[4] == (READY_SETTINGS, True)


def test_a_read_only_work_folder_is_one_line_and_making_it_writable_again_works(namespace, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    setup = f"mount --bind {work} {work} && mount -o remount,bind,ro {work}"
    writable = run_cell("mount", "-o", "remount,bind,rw", str(work))
    opening = OPEN.format(SETTINGS)
    shown = in_namespace(setup, [opening, writable, opening],
                         COURSE_WORKDIR=str(work), COURSE_CACHE=str(tmp_path / "cache"))
    error, ok = shown[0]
    assert not ok
    one_line(error.rstrip("\n"), "CannotWrite", f"Cannot write in {work}/ (Read-only file system)",
             "make that folder writable, or set COURSE_WORKDIR", "then rerun this cell")
    assert shown[2] == (READY_SETTINGS, True)

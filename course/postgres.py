"""A real PostgreSQL server embedded in the project folder (``pgserver``), always cleaned up."""

from __future__ import annotations

import atexit
import os
from pathlib import Path

from course.table import Table

FOLDER = "pg"  # the data directory, inside the project folder; its socket lives there too
FALLBACK = (
    "Point the aliases at an existing PostgreSQL server instead: set AUTH_DATABASE_URL and "
    "ACMEAPP_DATABASE_URL (for example postgres://user:password@localhost:5432/auth) before "
    "running manage.py with --settings=core.settings.postgres."
)


class EmbeddedPostgres:
    """Start PostgreSQL with its data in ``pg/`` here; ``stop()`` stops it and deletes the data."""

    def __init__(self, folder: str = FOLDER):
        if not Path("manage.py").is_file():
            raise FileNotFoundError("No manage.py here: run the notebook's first cell first.")
        self.folder = Path(folder).resolve()
        # pgserver keeps a lock file in the user's runtime folder; give it one if the system has none.
        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.folder.parent / ".runtime"))
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
        try:
            import pgserver

            self.server = pgserver.get_server(self.folder, cleanup_mode="delete")
        except Exception as error:  # the platform may refuse: no binaries, no permissions
            raise RuntimeError(f"PostgreSQL could not start here ({type(error).__name__}: {error}). "
                               + FALLBACK) from error
        atexit.register(self.stop)

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self.folder.exists() and self.server.get_pid() is not None

    def uri(self, database: str = "postgres") -> str:
        """The connection URI of ``database`` on this server (its socket is in ``pg/``)."""
        return self.server.get_uri(database)

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
        """Run one SQL statement on ``database``; return its rows (empty for statements without)."""
        import psycopg

        with psycopg.connect(self.uri(database), autocommit=autocommit) as connection:
            cursor = connection.execute(query)
            if cursor.description is None:
                return Table([], [])
            return Table([d.name for d in cursor.description], [list(r) for r in cursor.fetchall()])

    def stop(self) -> None:
        """Stop the server and delete its data directory (idempotent)."""
        if self.folder.exists():
            self.server.cleanup()
        atexit.unregister(self.stop)

    def __repr__(self) -> str:
        if self.folder.exists():
            return f"<EmbeddedPostgres running, data in {self.folder.name}/>"
        return f"<EmbeddedPostgres stopped, {self.folder.name}/ deleted>"

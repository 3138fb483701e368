"""Read-only looks into SQLite files: never creates or changes a database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from course.errors import CourseError, shown_path
from course.shell import cwd_exists, folder_gone
from course.table import Table


class MissingDatabase(CourseError, FileNotFoundError):
    """No SQLite file at the path given; the message says what is there instead, and nothing was
    created (a ``FileNotFoundError`` too, as it was)."""


class QueryFailed(CourseError):
    """SQLite refused a query (a typo, a missing table, two statements); ``original`` is its error."""

    def __init__(self, message: str, original: sqlite3.Error):
        super().__init__(message)
        self.original = original


def connect(path: str | Path) -> sqlite3.Connection:
    """Open an existing SQLite file read-only.

    ``sqlite3.connect(path)`` would silently create an empty database when the file is
    missing; this raises ``MissingDatabase`` (a ``FileNotFoundError``) with what to do instead, and
    creates nothing.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingDatabase(_missing(path))
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _missing(path: Path) -> str:
    """What to say of the missing SQLite file ``path``: what the folder holds instead, or that the
    folder itself is gone (the kernel's folder deleted: rerun the first cell)."""
    if not (path.is_absolute() or cwd_exists()):
        return f"No database file {path.as_posix()!r} (nothing was created). {folder_gone()}"
    if not path.parent.is_dir():
        return (f"No database file {path.as_posix()!r}: its folder {shown_path(path.parent)}/ does not "
                "exist (nothing was created). Check the name, or run the cells above this one first.")
    found = ", ".join(sorted(p.name for p in path.parent.glob("*.sqlite3"))) or "none"
    return (f"No database file {path.as_posix()!r} (nothing was created). SQLite files in that folder: "
            f"{found}. Check the name, or run the notebook's migrate step first.")


def query(path: str | Path, sql: str, params: tuple = (),
          attach: dict[str, str | Path] | None = None) -> Table:
    """Run one read-only SQL query on the file and return its rows as a table (``QueryFailed``, one
    line, if SQLite refuses it).

    ``attach`` maps schema names to more files, attached read-only (``ATTACH DATABASE``), so that
    one query can join tables of several files: ``auth.auth_user`` for ``attach={"auth": …}``.
    """
    con = connect(path)
    try:
        for schema, other in (attach or {}).items():
            connect(other).close()  # a missing file raises here, and nothing is created
            con.execute("ATTACH DATABASE ? AS " + schema, (f"{Path(other).resolve().as_uri()}?mode=ro",))
        try:
            cursor = con.execute(sql, params)
        except sqlite3.Error as error:
            raise QueryFailed(f"SQLite refused the query: {error}", error) from None
        headers = [d[0] for d in cursor.description]
        return Table(headers, [list(row) for row in cursor.fetchall()])
    finally:
        con.close()


def tables(path: str | Path) -> list[str]:
    """Names of the tables in the file, sorted."""
    sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    return [row[0] for row in query(path, sql).rows]


def row_counts(files: dict[str, str | Path], skip: tuple[str, ...] = ()) -> Table:
    """How many rows each table holds in each file: one row per table, one column per file (a blank
    where the file has no such table). Tables in ``skip`` are left out."""
    counts = {label: {t: query(path, f'SELECT COUNT(*) FROM "{t}"').rows[0][0] for t in tables(path)}
              for label, path in files.items()}
    names = sorted(set().union(*counts.values()) - set(skip))
    rows = [[name] + [counts[label].get(name, "") for label in files] for name in names]
    return Table(["table", *files], rows)


def placement(files: dict[str, str | Path]) -> Table:
    """Which table exists in which file: one row per table, one column per file."""
    found = {label: set(tables(path)) for label, path in files.items()}
    names = sorted(set().union(*found.values()))
    rows = [[name] + ["✓" if name in found[label] else "" for label in files] for name in names]
    return Table(["table", *files], rows)


def replicate(primary: str | Path, replica: str | Path) -> None:
    """Copy the SQLite file ``primary`` onto ``replica``, as a replication stream would.

    SQLite has no replication; its backup API copies a consistent snapshot, even while the
    primary is open elsewhere. The primary is opened read-only (a missing primary raises and
    creates nothing); the replica is created or overwritten: it is a copy, never a source.
    """
    source = connect(primary)
    target = sqlite3.connect(replica)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()

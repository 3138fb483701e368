"""Unit tests of ``course.sqlite``: read-only looks into SQLite files, and the copy that stands in for
replication."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from course import sqlite


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


def test_replicate_copies_the_primary(tmp_path, db):
    replica = tmp_path / "replica.sqlite3"
    sqlite.replicate(db, replica)
    assert sqlite.tables(replica) == ["a", "b", "sqlite_sequence"]
    assert sqlite.query(replica, "SELECT x FROM b").rows == [[1]]


def test_replicate_refuses_a_missing_primary_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing was created"):
        sqlite.replicate(tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3")
    assert list(tmp_path.iterdir()) == []


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

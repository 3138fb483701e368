"""The checks of 08 · Outgrowing SQLite: PostgreSQL (``notebooks/08_postgresql.ipynb``)."""

from __future__ import annotations

import re
import sqlite3

from course.exercises.judges import Correct, Incorrect, choice, chosen, compare, judged
from course.exercises.probes import NUDGE, WHY_TABLE, settings_module

__all__ = ["check_predicted_pg_tables", "check_test_database_prediction", "check_database_url",
           "check_insert_prediction"]


@judged
def check_predicted_pg_tables(answer: set[str], server, database: str = "acmeapp") -> Correct:
    """The tables of the PostgreSQL ``database`` (schema public) on the embedded ``server``."""
    if isinstance(answer, set | frozenset) and not answer:
        raise Incorrect(f"PREDICTED_PG is still empty: write the table names you expect in the PostgreSQL "
                        f"database {database} into the set.")
    sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    truth = set(server.sql(database, sql).column("table_name"))
    why = dict(WHY_TABLE)
    why["sqlite_sequence"] = "it is SQLite's own table; PostgreSQL keeps sequences as separate objects"
    why.update({name: "it is a sequence (the counter behind an id column), not a table" for name in
                server.sql(database, "SELECT sequencename FROM pg_sequences").column("sequencename")})
    why.update({t: "AuthRouter keeps Django's own apps in the auth database" for t in
                set(server.sql("auth", sql).column("table_name")) - truth})
    compared = compare(answer, truth, why, "PREDICTED_PG", NUDGE)
    return Correct(f"the PostgreSQL database {database} holds {', '.join(sorted(truth))}.", compared)


@judged
def check_test_database_prediction(answer, alias: str = "acmeapp_db",
                                   module: str = "core.settings.postgres") -> Correct:
    """The name of the test database Django creates for ``alias``: TEST['NAME'], else 'test_' + NAME."""
    database = settings_module(module).DATABASES[alias]
    truth = database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"
    compared = choice("PREDICT_TEST_DB", answer, ("acmeapp", "test_acmeapp", "test_acmeapp_db", "in memory"),
                      truth, "Unless TEST['NAME'] says otherwise, the test database is named after the real "
                      "one, with 'test_' in front (the alias plays no part); only SQLite uses memory.")
    return Correct(f"the test runner creates {truth!r} on the server, and drops it after the tests.",
                   compared)


_REPORTS = {"ENGINE": "django.db.backends.postgresql", "NAME": "reports", "USER": "ada",
            "PASSWORD": "s3cret#42", "HOST": "db2.example.com", "PORT": 6543}


@judged
def check_database_url(url) -> Correct:
    """``url`` is the database URL of the exercise's server, as ``dj_database_url`` reads it."""
    import dj_database_url

    if url is None or not str(url).strip():
        raise Incorrect("REPORTS_URL is still empty: write the URL as a string, postgres://….")
    if not isinstance(url, str):
        raise Incorrect(f"Give REPORTS_URL as a string, not {type(url).__name__}.")
    url = url.strip()
    try:
        parsed = dj_database_url.parse(url)
    except Exception as error:  # dj_database_url raises ValueError and its own errors for bad URLs
        if "#" in url:  # the library's own message names the fix: say what went wrong instead
            raise Incorrect(f"dj_database_url cannot read {url!r}: in a URL, a '#' starts the fragment, "
                            "so the URL it reads ends inside the password. A character with a meaning of "
                            "its own in a URL must be escaped inside a part: how does a URL escape a "
                            "character?") from None
        port = re.search(r"@[^/@]*?:([^/]*)", url)
        extra = (f" The port, after the host and a ':', must be a number, not {port[1]!r}."
                 if port and not port[1].isdigit() else "")
        raise Incorrect(f"dj_database_url cannot read {url!r}: {error}{extra}") from None
    wrong = [f"{key} is {parsed.get(key)!r}, not {value!r}" for key, value in _REPORTS.items()
             if parsed.get(key) != value]
    if wrong:
        tip = " (a ':' and the number follow the host)" if parsed.get("PORT") != _REPORTS["PORT"] else ""
        raise Incorrect(f"dj_database_url reads {url!r} as: " + "; ".join(wrong) + tip + ".")
    return Correct(f"dj_database_url reads it as the database {_REPORTS['NAME']!r} of {_REPORTS['USER']!r} "
                   f"on {_REPORTS['HOST']}:{_REPORTS['PORT']}, with the password intact.",
                   {"parsed": {key: parsed.get(key) for key in _REPORTS}})


_INSERT = ("the row goes in", "it fails: no user 42", "it fails: no table auth_user")


@judged
def check_insert_prediction(answer) -> Correct:
    """What SQLite does with a row of ``post_author`` once ``PRAGMA foreign_keys = ON``, tried for real."""
    answer = chosen("PREDICT_INSERT", answer, _INSERT)
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE TABLE post_author (post_id bigint, user_id integer REFERENCES auth_user (id))")
        con.commit()
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("INSERT INTO post_author VALUES (2, 42)")
        truth, said = _INSERT[0], "nothing"
    except sqlite3.IntegrityError as error:
        truth, said = _INSERT[1], str(error)
    except sqlite3.OperationalError as error:
        truth, said = _INSERT[2], str(error)
    finally:
        con.close()
    if answer != truth:
        raise Incorrect(f"You predicted {answer!r}; SQLite says {said!r}, so {truth!r}. With the checks on, "
                        "every insert looks up the referenced row, in the same database file, and this one "
                        "has no auth_user table to look in.")
    return Correct(f"{truth} ({said}): SQLite looks for the referenced table in the same file.",
                   {"answer": answer, "expected": truth, "sqlite": said})

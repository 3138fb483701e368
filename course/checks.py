"""Check cells of the exercises: run the student's work for real and say precisely what is wrong.

Each ``check_*`` function prints one line starting with ``✓`` when the answer is right, and
raises ``Incorrect`` with what is wrong and where to look otherwise (never a bare assertion).
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from course import sqlite


class Incorrect(Exception):
    """The exercise's answer is not right yet; the message says what to change and where."""

    def _render_traceback_(self) -> list[str]:
        """Show only the message in Jupyter: the frames would be the checker's, not the student's."""
        return [f"Incorrect: {self}"]


def _ok(message: str) -> None:
    print(f"✓ Correct: {message}")


def _compare(answer: set[str], truth: set[str], why: dict[str, str], what: str) -> None:
    if not isinstance(answer, set | frozenset | list | tuple):
        raise Incorrect(f"Give {what} as a set of table names, like {{'a_table', 'another'}}.")
    answer = set(answer)
    if not answer:
        raise Incorrect(f"{what} is empty: write the table names you found (or predict) into the set.")
    problems = [f"{t!r} is not one of them: {why.get(t, 'no table of that name exists here')}"
                for t in sorted(answer - truth)]
    if truth - answer:
        problems.append(f"{len(truth - answer)} of the {len(truth)} tables are still missing")
    if problems:
        raise Incorrect("Not quite: " + "; ".join(problems) + ".")


# 02 · Listing the tables -------------------------------------------------------------------------


def check_tables_without_id(answer: set[str], path: str = "db.sqlite3") -> None:
    """The tables of ``path`` whose primary key is not a column called ``id``."""
    truth, why = set(), {}
    for table in sqlite.tables(path):
        info = sqlite.query(path, f"SELECT name, pk FROM pragma_table_info('{table}')")
        keys = [name for name, pk in info.rows if pk]
        why[table] = f"its primary key is {', '.join(keys) or 'missing (no column has pk = 1)'}"
        if keys != ["id"]:
            truth.add(table)
    _compare(answer, truth, why, "TABLES_WITHOUT_ID")
    _ok(f"{' and '.join(sorted(truth))} are the tables without an id primary key.")


# 03 · Split settings ------------------------------------------------------------------------------

_SHOW = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'names': {a: str(c.get('NAME', '')) for a, c in settings.DATABASES.items()}, "
    "'base': str(getattr(settings, 'BASE_DIR', ''))}))"
)


def check_local_settings(module: str = "core.settings.local") -> None:
    """``module`` is the multi-database set-up with both SQLite files in ``data/``."""
    path = Path(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        raise Incorrect(f"{path.as_posix()} does not exist yet: write it in the cell above, "
                        f"starting with %%writefile {path.as_posix()}")
    proc = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", f"--settings={module}", "-c", _SHOW],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise Incorrect(f"{module} does not load: {last}")
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    for alias in ("auth_db", "acmeapp_db"):
        if alias not in found["names"]:
            raise Incorrect(f"DATABASES has no {alias!r}: start from the multi-database set-up "
                            "with `from .multi import *  # noqa: F403`.")
    base = Path(found["base"])
    if base != Path.cwd().resolve():
        raise Incorrect("BASE_DIR is not the project folder: keep the BASE_DIR of base.py "
                        "(import everything from .multi, which imports it from .base).")
    for alias in ("auth_db", "acmeapp_db"):
        name = Path(found["names"][alias])
        shown = name.relative_to(base).as_posix() if name.is_absolute() else name.as_posix()
        if shown != f"data/{alias}.sqlite3":
            raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is {shown!r} (relative to the project "
                            f"folder); expected 'data/{alias}.sqlite3': use BASE_DIR / 'data' / "
                            f"'{alias}.sqlite3'.")
    if found["names"].get("default", "") not in ("", "."):
        raise Incorrect("DATABASES['default'] is no longer empty: change only the two NAMEs.")
    _ok(f"{module} is the multi-database set-up with both files in data/.")


# 04 · Routers -------------------------------------------------------------------------------------


def _fake_model(app_label: str, model_name: str):
    return SimpleNamespace(_meta=SimpleNamespace(app_label=app_label, model_name=model_name))


def check_notes_router(router_class) -> None:
    """``router_class`` sends the app ``notes`` to ``notes_db`` and has no opinion on other apps."""
    router = router_class()
    note = _fake_model("notes", "note")
    post = _fake_model("acmeapp", "post")
    expectations = [
        ("db_for_read", (note,), "a notes model", "notes_db", "db_for_read"),
        ("db_for_write", (note,), "a notes model", "notes_db", "db_for_write"),
        ("db_for_read", (post,), "acmeapp.Post", None, "db_for_read: answer None for other apps"),
        ("allow_migrate", ("notes_db", "notes"), "'notes_db', 'notes'", True, "allow_migrate"),
        ("allow_migrate", ("auth_db", "notes"), "'auth_db', 'notes'", False,
         "allow_migrate: say False for your app on the other databases, or its tables land there too"),
        ("allow_migrate", ("notes_db", "acmeapp"), "'notes_db', 'acmeapp'", None,
         "allow_migrate: answer None for other apps, so their own routers decide"),
    ]
    for method, args, shown, expected, where in expectations:
        if not hasattr(router, method):
            raise Incorrect(f"NotesRouter has no method {method}: add it (like AuthRouter's).")
        got = getattr(router, method)(*args)
        if got != expected:
            raise Incorrect(f"NotesRouter().{method}({shown}) returned {got!r}; expected {expected!r}: "
                            f"look at NotesRouter.{where}.")
    _ok("NotesRouter sends notes to 'notes_db' and leaves every other app to the other routers.")


# 05 · Migrating each alias ------------------------------------------------------------------------

_WHY_TABLE = {
    "acmeapp_post": "AcmeAppRouter allows acmeapp on acmeapp_db",
    "django_migrations": "every alias records its own migration history",
    "sqlite_sequence": "SQLite adds it to any file with an AUTOINCREMENT table",
}


def check_predicted_tables(answer: set[str], path: str = "acmeapp_db.sqlite3") -> None:
    """The tables ``path`` really holds."""
    truth = set(sqlite.tables(path))
    why = {t: "AuthRouter keeps Django's own apps on auth_db" for t in sqlite.tables("auth_db.sqlite3")}
    why.update(_WHY_TABLE)
    _compare(answer, truth, why, "PREDICTED")
    _ok(f"{path} holds {', '.join(sorted(truth))}.")


def check_predicted_pg_tables(answer: set[str], server, database: str = "acmeapp") -> None:
    """The tables of the PostgreSQL ``database`` (schema public) on the embedded ``server``."""
    sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    truth = set(server.sql(database, sql).column("table_name"))
    why = dict(_WHY_TABLE)
    why["sqlite_sequence"] = "it is SQLite's own table; PostgreSQL keeps sequences as separate objects"
    why.update({t: "AuthRouter keeps Django's own apps in the auth database" for t in
                set(server.sql("auth", sql).column("table_name")) - truth})
    _compare(answer, truth, why, "PREDICTED_PG")
    _ok(f"the PostgreSQL database {database} holds {', '.join(sorted(truth))}.")


# 06 · Testing -------------------------------------------------------------------------------------


def check_test_module_passes(label: str = "acmeapp.test_exercise", test_class: str = "AuthorTests") -> None:
    """``manage.py test label`` passes; if not, explain the multi-database reason."""
    proc = subprocess.run([sys.executable, "manage.py", "test", label], capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        _ok(f"{label} passes: {test_class}.databases lists the aliases its models are routed to.")
        return
    forbidden = sorted(set(re.findall(r"Database queries to '(\w+)' are not allowed", out)))
    if forbidden:
        raise Incorrect(f"{test_class} queries {', '.join(map(repr, forbidden))} without listing it: "
                        f"add {', '.join(map(repr, forbidden))} to {test_class}.databases "
                        "(User is routed to 'auth_db', Post to 'acmeapp_db').")
    if "Please supply the ENGINE value" in out:
        raise Incorrect(f"The empty 'default' is among {test_class}'s aliases ('__all__' or 'default' in "
                        "databases): list only 'auth_db' and 'acmeapp_db'.")
    if "Circular dependency" in out:
        raise Incorrect("Circular dependency in TEST[DEPENDENCIES]: check that both aliases in "
                        "core/settings/multi.py still have TEST = {'DEPENDENCIES': []}.")
    errors = [line for line in out.splitlines() if re.match(r"^\w*(Error|Exception)\b", line)]
    reason = errors[-1] if errors else "\n".join(out.splitlines()[-5:])
    raise Incorrect(f"{label} fails, and not for a multi-database reason: {reason}")


# 07 · Running the server --------------------------------------------------------------------------


def check_admin_log_query(path: str, sql: str, title: str = "Hello from the admin") -> None:
    """``sql`` run on the SQLite file ``path`` finds the admin's log entry for the post ``title``."""
    if not path or not sql:
        raise Incorrect("Fill in both ANSWER_FILE (a SQLite file name) and ANSWER_SQL (a SELECT).")
    try:
        result = sqlite.query(path, sql)
    except FileNotFoundError as error:
        raise Incorrect(str(error)) from None
    except sqlite3.OperationalError as error:
        hint = ""
        if "django_admin_log" in str(error):
            hint = (f": {path} has no admin log; the log is a model of the app 'admin', which "
                    "AuthRouter sends to auth_db")
        raise Incorrect(f"Your query failed on {path} ({error}){hint}.") from None
    if not any(title in map(str, row) for row in result.rows):
        if Path(path).name != "auth_db.sqlite3":
            raise Incorrect(f"{path} holds no row about {title!r}: the admin writes its log where the "
                            "routers send the app 'admin' (look at AuthRouter.route_app_labels).")
        raise Incorrect(f"Your query returned {len(result.rows)} row(s), none mentioning {title!r}: "
                        "select object_repr from django_admin_log, without a WHERE that filters it out.")
    _ok(f"the admin's log entry for {title!r} is in {path}, though the post is in acmeapp_db.sqlite3.")

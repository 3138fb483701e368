"""Check cells of the exercises: run the student's work for real and say precisely what is wrong.

Each ``check_*`` function prints one line starting with ``✓`` when the answer is right, and
raises ``Incorrect`` with what is wrong and where to look otherwise (never a bare assertion).
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import subprocess
import sys
import traceback
import unittest
from pathlib import Path
from types import SimpleNamespace

from course import __version__, sqlite
from course.errors import CourseError
from course.shell import PYTEST_ENV, PYTEST_OPTIONS, shown_manage, shown_pytest, terminal_env


class Incorrect(CourseError):
    """The exercise's answer is not right yet; the message says what to change and where."""


class OutdatedCheck(CourseError):
    """A check cell calls a check this course does not have: the cell comes from a copy of the
    lesson written for an older course (``make student`` names such copies)."""


def __getattr__(name: str):
    """A ``check_*`` this course does not have (PEP 562; a check renamed since the learner's copy
    was written) is one line saying so and what to do; any other name, the usual AttributeError."""
    if name.startswith("check_"):
        raise OutdatedCheck(
            f"{name} is not a check of course {__version__}: this check cell comes from a copy of the lesson "
            "written for an older course (CHANGELOG.md says what changed). Move the copy into "
            "student/replaced/ and run `make student`: it writes a fresh copy, to carry your answers into.")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _ok(message: str) -> None:
    print(f"✓ Correct: {message}")


_PACKAGE = Path(__file__).resolve().parent


def _your_line(error: BaseException) -> str:
    """`` (your line N: `source`)`` for the learner's own deepest frame in ``error``, or ``""``.

    The learner's frames are those of notebook cells and of the project's files; Python's,
    Django's and the course's own frames are never theirs.
    """
    mine = [frame for frame in traceback.extract_tb(error.__traceback__)
            if not frame.filename.startswith((sys.prefix, sys.base_prefix, str(_PACKAGE)))]
    if not mine:
        return ""
    frame = mine[-1]
    where = "your cell" if "ipykernel" in frame.filename or frame.filename.startswith("<") else (
        Path(frame.filename).name)
    return f" (line {frame.lineno} of {where}: `{(frame.line or '').strip()}`)"


def _raised(shown: str, error: Exception) -> Incorrect:
    """``Incorrect`` saying that the learner's ``shown`` raised ``error``, and on which of their lines."""
    return Incorrect(f"{shown} raised {type(error).__name__}: {error}{_your_line(error)}.")


def _call(shown: str, function, *args):
    """Call the learner's ``function``; an error it raises becomes one ``Incorrect`` line naming
    their own line, never a traceback from inside the course's package."""
    try:
        return function(*args)
    except Incorrect:
        raise
    except Exception as error:
        raise _raised(shown, error) from None


def _compare(answer: set[str], truth: set[str], why: dict[str, str], what: str,
             nudges: dict[str, str] | None = None) -> None:
    """Compare a set of table names with the truth; say what each wrong name is, and how many (and
    which kind of) tables are missing, without naming them."""
    if isinstance(answer, str) or not isinstance(answer, set | frozenset | list | tuple):
        raise Incorrect(f"Give {what} as a set of table names, like {{'a_table', 'another'}}, "
                        f"not {type(answer).__name__}.")
    answer = {str(name).strip() for name in answer}
    if answer and all(len(name) <= 1 for name in answer):
        raise Incorrect(f"{what} holds single letters: set('a_table') splits a string into its letters. "
                        "Write the names between braces instead: {'a_table', 'another'}.")
    if not answer:
        raise Incorrect(f"{what} is empty: write the table names you found (or predict) into the set.")
    problems = [f"{t!r} is not one of them: {why.get(t, 'no table of that name exists here')}"
                for t in sorted(answer - truth)]
    missing = truth - answer
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        hints = sorted({(nudges or {}).get(t, "") for t in missing} - {""})
        problems.append(f"{len(missing)} of the {len(truth)} tables {verb} still missing"
                        + (f" (think of: {'; '.join(hints)})" if hints else ""))
    if problems:
        text = "; ".join(problems)
        raise Incorrect(text[0].upper() + text[1:] + ".")


def _chosen(name: str, answer, choices: tuple[str, ...]) -> str:
    """``answer``, a prediction that must be one of ``choices`` (surrounding spaces aside)."""
    listed = ", ".join(map(repr, choices))
    if answer is None:
        raise Incorrect(f"{name} is still None: replace None by your prediction, one of {listed}.")
    if isinstance(answer, str):
        answer = answer.strip()
    if answer not in choices:
        same = [c for c in choices if isinstance(answer, str) and c.lower() == answer.lower()]
        case = f" Only the capital letters differ: write {same[0]!r}." if same else ""
        raise Incorrect(f"{name} = {answer!r} is not one of the choices, written exactly as listed: "
                        f"{listed}.{case}")
    return answer


def _choice(name: str, answer, choices: tuple[str, ...], truth: str, because: str) -> None:
    """A prediction written as one of ``choices``, against ``truth``, what Django really did."""
    answer = _chosen(name, answer, choices)
    if answer != truth:
        raise Incorrect(f"You predicted {answer!r}; Django says {truth!r}. {because}")


def _django_ready() -> None:
    """Raise ``Incorrect`` unless Django is set up in this kernel (the checks that import models need it)."""
    from django.conf import settings

    if not settings.configured:
        raise Incorrect("Django is not set up in this kernel yet: run the cells above first, from the "
                        "first one down (one of them calls setup_django).")


def _has_rows(path: str, table: str) -> bool:
    """Whether the SQLite file ``path`` has ``table`` with at least one row (read-only)."""
    return table in sqlite.tables(path) and sqlite.query(path, f"SELECT COUNT(*) FROM {table}").rows[0][0] > 0



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


def check_migrations_prediction(answer, path: str = "db.sqlite3") -> None:
    """How many rows ``django_migrations`` of ``path`` holds: one per migration applied there."""
    if answer is None:
        raise Incorrect("PREDICT_MIGRATIONS is still None: replace None by a number.")
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise Incorrect(f"PREDICT_MIGRATIONS = {answer!r}: give a whole number, like 7.")
    truth = sqlite.query(path, "SELECT COUNT(*) FROM django_migrations").rows[0][0]
    if answer != truth:
        raise Incorrect(f"You predicted {answer}; the file holds {truth} rows. One row per migration "
                        "applied to it: count the `Applying … OK` lines of notebook 01's migrate, "
                        "every app's, not only acmeapp's.")
    _ok(f"{truth} rows: one per migration that migrate applied, of every installed app.")


_NO_APP = "no app"


def check_owners_prediction(answer) -> None:
    """Which installed app owns each of four tables, as Django's app registry says (Django set up)."""
    from django.apps import apps

    tables = ("django_admin_log", "django_session", "auth_user_groups", "django_migrations")
    if not isinstance(answer, dict) or set(answer) != set(tables):
        raise Incorrect(f"Give PREDICT_OWNERS as a dict with the keys {', '.join(map(repr, tables))}, each "
                        "set to an app label or 'no app'.")
    if all(v is None for v in answer.values()):
        raise Incorrect("PREDICT_OWNERS still holds None for every table: replace each None by an app "
                        "label or 'no app'.")
    labels = [app.label for app in apps.get_app_configs()]
    for table, label in answer.items():
        if not isinstance(label, str) or label.strip() not in (*labels, _NO_APP):
            raise Incorrect(f"PREDICT_OWNERS[{table!r}] = {label!r} is not one of the installed apps' labels "
                            f"({', '.join(labels)}) or {_NO_APP!r}.")
    models = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    wrong = []
    for table in tables:
        model = models.get(table)
        truth = model._meta.app_label if model else _NO_APP
        if answer[table].strip() != truth:
            wrong.append(f"{table} belongs to {truth} (model {model._meta.label})" if model else
                         f"no model owns {table}: Django's migration recorder writes it")
    if wrong:
        raise Incorrect("Not quite: " + "; ".join(wrong) + ". A table is named app_label_model unless "
                        "its model's Meta.db_table says otherwise.")
    _ok("admin, sessions and auth own the first three (two through a db_table of their own, one through "
        "the hidden model behind User.groups); no model owns django_migrations.")


# 03 · Split settings ------------------------------------------------------------------------------

_SHOW = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'names': {a: str(c.get('NAME', '')) for a, c in settings.DATABASES.items()}, "
    "'base': str(getattr(settings, 'BASE_DIR', ''))}))"
)


def _manage_with(module: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``manage.py *args --settings=module`` as in a new terminal (plus ``env``), once the settings
    file exists (else say to write it)."""
    path = Path(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        raise Incorrect(f"{path.as_posix()} does not exist yet: write it in the cell above, "
                        f"starting with %%writefile {path.as_posix()}")
    argv = [sys.executable, "manage.py", *args, f"--settings={module}"]
    return subprocess.run(argv, capture_output=True, text=True, env=terminal_env(**env))


def _settings_report(module: str, code: str) -> dict:
    """What ``code`` (run by ``manage.py shell`` with the settings ``module``) printed as JSON on its
    last line; if the settings do not load, say so with Django's last line."""
    proc = _manage_with(module, "shell", "--no-imports", "-c", code)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise Incorrect(f"{module} does not load: {last}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check_local_settings(module: str = "core.settings.local") -> None:
    """``module`` is the multi-database set-up with both SQLite files in ``data/``."""
    found = _settings_report(module, _SHOW)
    for alias in ("auth_db", "acmeapp_db"):
        if alias not in found["names"]:
            if set(found["names"]) <= {"default"}:
                raise Incorrect(f"DATABASES has no {alias!r} (nor any alias but Django's default): "
                                f"{module} must hold the whole multi-database set-up, with only the two "
                                "file names changed. Which module of core/settings already holds it?")
            aliases = ", ".join(map(repr, found["names"]))
            raise Incorrect(f"DATABASES has no {alias!r}; it has {aliases}. Keep the aliases as the "
                            "routers name them, and change only the NAMEs.")
    base = Path(found["base"])
    if base != Path.cwd().resolve():
        raise Incorrect("BASE_DIR is not the project folder: keep the BASE_DIR of base.py "
                        "(import everything from .multi, which imports it from .base).")
    for alias in ("auth_db", "acmeapp_db"):
        name = Path(found["names"][alias])
        expected = f"data/{alias}.sqlite3"
        if not name.is_absolute():
            raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is the relative path {name.as_posix()!r}: "
                            "SQLite would look for it in whatever folder the process starts in, not "
                            "in the project folder (the trap of this notebook). Build it from BASE_DIR.")
        if not name.is_relative_to(base):
            raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is {name.as_posix()!r}, outside the project "
                            "folder. A part starting with '/' is an absolute path, and BASE_DIR / "
                            "'/data/…' throws BASE_DIR away: leave out the leading '/'.")
        shown = name.relative_to(base).as_posix()
        if shown != expected:
            raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is {shown!r} (relative to the project "
                            f"folder); the exercise asks for {expected!r}.")
    if found["names"].get("default", "") not in ("", "."):
        raise Incorrect("DATABASES['default'] is no longer empty: change only the two NAMEs.")
    _ok(f"{module} is the multi-database set-up with both files in data/.")


def check_settings_prediction(answer) -> None:
    """Which settings module wins when ``DJANGO_SETTINGS_MODULE`` and ``--settings`` disagree."""
    proc = _manage_with("core.settings.multi", "shell", "--no-imports", "-c",
                        "from django.conf import settings; print(settings.SETTINGS_MODULE)",
                        DJANGO_SETTINGS_MODULE="core.settings.single")
    truth = (proc.stdout.strip().splitlines() or [proc.stderr.strip()])[-1]
    _choice("PREDICT_SETTINGS", answer, ("core.settings.single", "core.settings.multi"), truth,
            "--settings on the command line is the strongest: manage.py copies it into "
            "DJANGO_SETTINGS_MODULE before Django reads the variable.")
    _ok(f"{truth} wins: --settings beats DJANGO_SETTINGS_MODULE, which beats the default in manage.py.")


def check_migrate_alias_prediction(answer) -> None:
    """The alias a plain ``migrate`` works on: Django's ``DEFAULT_DB_ALIAS``, the default of every
    command's ``--database`` (``python manage.py migrate --help`` says so)."""
    from django.db import DEFAULT_DB_ALIAS

    _choice("PREDICT_ALIAS", answer, ("default", "auth_db", "acmeapp_db", "all of them"), DEFAULT_DB_ALIAS,
            "migrate works on one alias, the one --database names; without it, 'default' (see "
            "`python manage.py migrate --help`). It never loops over DATABASES.")
    _ok(f"a plain migrate works on {DEFAULT_DB_ALIAS!r} only, whatever else DATABASES holds.")


# 04 · Routers -------------------------------------------------------------------------------------


def _fake_model(app_label: str, model_name: str):
    """A stand-in for a model class of ``app_label``: routers only read its ``_meta``."""
    meta = SimpleNamespace(app_label=app_label, model_name=model_name)
    return type(model_name.capitalize(), (), {"_meta": meta, "__module__": f"{app_label}.models"})


def _ask_router(router, name: str, method: str, args: tuple, hints: dict, shown: str):
    """Call the learner's ``router.method(*args, **hints)`` as Django does; an error becomes one
    ``Incorrect`` line (a method without ``**hints`` is told so)."""
    if not hasattr(router, method):
        raise Incorrect(f"{name} has no method {method}: add it (like AuthRouter's), or inherit it.")
    try:
        return getattr(router, method)(*args, **hints)
    except TypeError as error:
        if "unexpected keyword argument" not in str(error):
            raise _raised(f"{name}().{method}({shown})", error) from None
        raise Incorrect(f"{name}().{method} refuses the hints Django passes as keyword arguments "
                        f"({error}): end its parameters with **hints, like AuthRouter's.") from None
    except Exception as error:
        raise _raised(f"{name}().{method}({shown})", error) from None


def check_notes_router(router_class) -> None:
    """``router_class`` sends the app ``notes`` to ``notes_db`` and has no opinion on other apps."""
    if not isinstance(router_class, type):
        raise Incorrect(f"Pass the class itself, NotesRouter, not {router_class!r}.")
    router = _call("NotesRouter()", router_class)
    note = _fake_model("notes", "note")
    post = _fake_model("acmeapp", "post")
    # Called as Django calls routers: hints as keyword arguments (a router must accept **hints).
    read, migrate = {"instance": None}, {"model_name": "note", "model": note}
    expectations = [
        ("db_for_read", (note,), read, "a notes model", "notes_db", "db_for_read"),
        ("db_for_write", (note,), read, "a notes model", "notes_db", "db_for_write"),
        ("db_for_read", (post,), read, "acmeapp.Post", None, "db_for_read: answer None for other apps"),
        ("allow_migrate", ("notes_db", "notes"), migrate, "'notes_db', 'notes'", True, "allow_migrate"),
        ("allow_migrate", ("auth_db", "notes"), migrate, "'auth_db', 'notes'", False,
         "allow_migrate: say False for your app on the other databases, or its tables land there too"),
        ("allow_migrate", ("notes_db", "acmeapp"), migrate, "'notes_db', 'acmeapp'", None,
         "allow_migrate: answer None for other apps, so their own routers decide"),
    ]
    for method, args, hints, shown, expected, where in expectations:
        got = _ask_router(router, "NotesRouter", method, args, hints, shown)
        if got != expected:
            raise Incorrect(f"NotesRouter().{method}({shown}) returned {got!r}; expected {expected!r}: "
                            f"look at NotesRouter.{where}.")
    _ok("NotesRouter sends notes to 'notes_db' and leaves every other app to the other routers.")


def _settings_module(module: str):
    """The project's settings module ``module``, imported as plain Python (Django is not set up)."""
    import importlib

    if not Path("manage.py").is_file():
        raise Incorrect("No manage.py here: run the notebook's first cell first.")
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:  # read again each time: the cells above may have changed the file since
        if module in sys.modules:
            return importlib.reload(sys.modules[module])
        return importlib.import_module(module)
    except Exception as error:
        raise _raised(f"Loading {module}", error) from None


def check_logentry_prediction(answer, module: str = "core.settings.multi") -> None:
    """Where Django's router chain, with the routers of ``module``, sends writes of ``admin.LogEntry``."""
    from django.db.utils import ConnectionRouter

    chain = getattr(_settings_module(module), "DATABASE_ROUTERS", None)
    if chain is None:
        raise Incorrect(f"{module} has no DATABASE_ROUTERS yet: run the cells above that write "
                        "core/db_routers.py and add DATABASE_ROUTERS to the settings, then this one.")
    truth = ConnectionRouter(chain).db_for_write(_fake_model("admin", "logentry"))
    because = ("LogEntry is a model of the app 'admin', which is in AuthRouter.route_app_labels; "
               "AuthRouter is asked first and answers 'auth_db'." if truth == "auth_db" else
               "Read the routers in core/db_routers.py in the order of DATABASE_ROUTERS.")
    _choice("PREDICT_LOGENTRY", answer, ("default", "auth_db", "acmeapp_db"), truth, because)
    _ok(f"the admin writes its log to {truth!r}: its app, 'admin', is one of AuthRouter's.")


# 05 · Migrating each alias ------------------------------------------------------------------------

_WHY_TABLE = {
    "acmeapp_post": "AcmeAppRouter allows acmeapp on acmeapp_db",
    "django_migrations": "every alias records its own migration history",
    "sqlite_sequence": "SQLite adds it to any file with an AUTOINCREMENT table",
}
_NUDGE = {  # what a missing table is, without its name
    "acmeapp_post": "the app whose router allows it here",
    "django_migrations": "the record every migrated alias keeps",
    "sqlite_sequence": "a table SQLite adds by itself",
}


def check_predicted_tables(answer: set[str], path: str = "acmeapp_db.sqlite3") -> None:
    """The tables ``path`` really holds."""
    truth = set(sqlite.tables(path))
    why = {t: "AuthRouter keeps Django's own apps on auth_db" for t in sqlite.tables("auth_db.sqlite3")}
    why.update(_WHY_TABLE)
    _compare(answer, truth, why, "PREDICTED", _NUDGE)
    _ok(f"{path} holds {', '.join(sorted(truth))}.")


def check_predicted_pg_tables(answer: set[str], server, database: str = "acmeapp") -> None:
    """The tables of the PostgreSQL ``database`` (schema public) on the embedded ``server``."""
    sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    truth = set(server.sql(database, sql).column("table_name"))
    why = dict(_WHY_TABLE)
    why["sqlite_sequence"] = "it is SQLite's own table; PostgreSQL keeps sequences as separate objects"
    why.update({name: "it is a sequence (the counter behind an id column), not a table" for name in
                server.sql(database, "SELECT sequencename FROM pg_sequences").column("sequencename")})
    why.update({t: "AuthRouter keeps Django's own apps in the auth database" for t in
                set(server.sql("auth", sql).column("table_name")) - truth})
    _compare(answer, truth, why, "PREDICTED_PG", _NUDGE)
    _ok(f"the PostgreSQL database {database} holds {', '.join(sorted(truth))}.")


def check_content_types_prediction(answer, files=("experiment_auth.sqlite3", "experiment_acmeapp.sqlite3")):
    """In which of the experiment's files ``migrate`` created content types."""
    try:
        have = tuple(_has_rows(f, "django_content_type") for f in files)
    except FileNotFoundError:
        raise Incorrect("The experiment's files are not there yet: run the cell above that migrates "
                        "them first.") from None
    truth = {(True, True): "both", (True, False): "auth only", (False, True): "acmeapp only",
             (False, False): "neither"}[have]
    _choice("PREDICT_CONTENT_TYPES", answer, ("auth only", "acmeapp only", "both", "neither"), truth,
            "The handlers write on the alias being migrated wherever allow_migrate allows contenttypes; "
            "WritesOnlyAuthRouter has no opinion, and no other router objects, so each migrate created them.")
    _ok(f"content types in {truth} files: allow_migrate, not db_for_write, places them.")


def check_test_database_prediction(answer, alias: str = "acmeapp_db",
                                   module: str = "core.settings.postgres") -> None:
    """The name of the test database Django creates for ``alias``: TEST['NAME'], else 'test_' + NAME."""
    database = _settings_module(module).DATABASES[alias]
    truth = database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"
    _choice("PREDICT_TEST_DB", answer, ("acmeapp", "test_acmeapp", "test_acmeapp_db", "in memory"), truth,
            "Unless TEST['NAME'] says otherwise, the test database is named after the real one, with "
            "'test_' in front (the alias plays no part); only SQLite uses memory.")
    _ok(f"the test runner creates {truth!r} on the server, and drops it after the tests.")


def _app_labels(name: str, answer, known: tuple[str, ...]) -> set[str]:
    """``answer``, a prediction written as a set of app labels among ``known`` (may be empty)."""
    listed = ", ".join(map(repr, known))
    if answer is None:
        raise Incorrect(f"{name} is still None: write a set of app labels among {listed} "
                        "(set() for none).")
    if isinstance(answer, str) or not isinstance(answer, set | frozenset | list | tuple):
        raise Incorrect(f"Give {name} as a set of app labels, like {{{known[0]!r}}}, or set() for none.")
    answer = {str(a).strip() for a in answer}
    if answer and all(len(a) <= 1 for a in answer):
        raise Incorrect(f"{name} holds single letters: set('sessions') splits a string into its letters. "
                        f"Write the labels between braces instead: {{{known[-1]!r}}}.")
    unknown = sorted(answer - set(known))
    if unknown:
        raise Incorrect(f"{', '.join(map(repr, unknown))}: the command lists only {listed}.")
    return answer


def check_showmigrations_prediction(answer, alias: str = "auth_db") -> None:
    """Which apps ``showmigrations acmeapp sessions --database=alias`` marks ``[X]`` (applied)."""
    apps = ("acmeapp", "sessions")
    answer = _app_labels("PREDICT_APPLIED", answer, apps)
    shown = shown_manage("showmigrations", *apps, f"--database={alias}", check=False)
    truth, app = set(), None
    for line in shown.splitlines():
        if line in apps:
            app = line
        elif app and line.strip().startswith("[X]"):
            truth.add(app)
    if answer != truth:
        said = ", ".join(sorted(truth)) or "none"
        raise Incorrect(f"You predicted [X] for {', '.join(sorted(answer)) or 'none'}; the command shows "
                        f"[X] for {said}. showmigrations reads the rows of django_migrations on the alias, "
                        "not its tables: what did migrate record there?")
    _ok(f"[X] for {', '.join(sorted(truth))} on {alias}: showmigrations reads the alias's history, "
        "the rows of django_migrations, not its tables.")


_REPORTS = {"ENGINE": "django.db.backends.postgresql", "NAME": "reports", "USER": "ada",
            "PASSWORD": "s3cret#42", "HOST": "db2.example.com", "PORT": 6543}


def check_database_url(url) -> None:
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
        port = re.search(r"@[^/@]*?:([^/]*)", url)
        extra = (" A '#' in a URL starts its fragment: write it %23 inside the password "
                 "(urllib.parse.quote does it for you)." if "#" in url else
                 f" The port, after the host and a ':', must be a number, not {port[1]!r}."
                 if port and not port[1].isdigit() else "")
        raise Incorrect(f"dj_database_url cannot read {url!r}: {error}{extra}") from None
    wrong = [f"{key} is {parsed.get(key)!r}, not {value!r}" for key, value in _REPORTS.items()
             if parsed.get(key) != value]
    if wrong:
        tip = " (a ':' and the number follow the host)" if parsed.get("PORT") != _REPORTS["PORT"] else ""
        raise Incorrect(f"dj_database_url reads {url!r} as: " + "; ".join(wrong) + tip + ".")
    _ok(f"dj_database_url reads it as the database {_REPORTS['NAME']!r} of {_REPORTS['USER']!r} on "
        f"{_REPORTS['HOST']}:{_REPORTS['PORT']}, with the password intact.")


_INSERT = ("the row goes in", "it fails: no user 42", "it fails: no table auth_user")


def check_insert_prediction(answer) -> None:
    """What SQLite does with a row of ``post_author`` once ``PRAGMA foreign_keys = ON``, tried for real."""
    answer = _chosen("PREDICT_INSERT", answer, _INSERT)
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
    _ok(f"{truth} ({said}): SQLite looks for the referenced table in the same file.")


# 06 · Testing -------------------------------------------------------------------------------------


_EXCEPTION_LINE = re.compile(r"^(?:E\s+)?([\w.]*(?:Error|Exception|Forbidden|ImproperlyConfigured|"
                             r"DoesNotExist)): (.*)$", re.M)


def _test_failure(out: str, who: str, listing: str) -> str:
    """``_why_tests_fail``, as a sentence that starts with a capital letter."""
    why = _why_tests_fail(out, who, listing)
    return why[0].upper() + why[1:]


def _why_tests_fail(out: str, who: str, listing: str) -> str:
    """Why a test run failed, for the multi-database reasons the lessons teach, in one sentence.

    ``who`` names the test (``AuthorTests``), ``listing`` where it lists its aliases
    (``AuthorTests.databases``). Any other reason: the last exception line of the run.
    """
    forbidden = sorted(set(re.findall(r"Database queries to '(\w+)' are not allowed", out)))
    if forbidden:
        names = " and ".join(map(repr, forbidden))
        return (f"{who} sent queries to {names}, which {listing} does not list (Django stops them with "
                "DatabaseOperationForbidden). Which models does the test use, and where are they routed?")
    unknown = (re.search(r"refers to '([^']*)' which is not defined in settings\.DATABASES\.?( Did you mean "
                         r"'\w+'\?)?", out)  # the test class's check (pytest-django)
               or re.search(r"ConnectionDoesNotExist: The connection '([^']*)' doesn't exist\.()", out))
    if unknown:
        if len(unknown.group(1)) <= 1:
            return (f"{listing} is a string, which Django reads letter by letter ({unknown.group(1)!r} is "
                    "no alias): give a set or a list of aliases.")
        close = unknown.group(2) or ""
        return f"{listing} names {unknown.group(1)!r}, which settings.DATABASES does not define.{close}"
    if "Please supply the ENGINE value" in out:
        return (f"The empty 'default' is among the aliases in {listing} ('__all__' or 'default'): "
                "Django cannot clean up a database without an ENGINE. List only the aliases the test uses.")
    if "Circular dependency" in out:
        return ("Circular dependency in TEST[DEPENDENCIES]: check that both aliases in "
                "core/settings/multi.py still have TEST = {'DEPENDENCIES': []}.")
    errors = _EXCEPTION_LINE.findall(out)
    reason = ": ".join(errors[-1]) if errors else "\n".join(out.strip().splitlines()[-5:])
    return f"It fails, and not for a multi-database reason: {reason}"


def check_test_module_passes(label: str = "acmeapp.test_exercise", test_class: str = "AuthorTests") -> None:
    """``manage.py test label`` passes; if not, explain the multi-database reason."""
    path = Path(*label.split(".")).with_suffix(".py")
    if not path.is_file():
        raise Incorrect(f"{path.as_posix()} does not exist yet: write it with the cell above "
                        f"(%%writefile {path.as_posix()}).")
    proc = subprocess.run([sys.executable, "manage.py", "test", label], capture_output=True, text=True,
                          env=terminal_env())
    out = proc.stdout + proc.stderr
    if proc.returncode == 0 and "Ran 0 tests" in out:
        raise Incorrect(f"{label} holds no test: keep the class {test_class} and its test method.")
    if proc.returncode == 0:
        _ok(f"{label} passes: {test_class}.databases lists the aliases its models are routed to.")
        return
    raise Incorrect(_test_failure(out, test_class, f"{test_class}.databases"))


_OUTCOMES = ("passes", "DatabaseOperationForbidden", "Circular dependency", "ENGINE error")


def check_test_run_prediction(answer, label: str = "acmeapp", name: str = "PREDICT_OUTCOME") -> None:
    """What ``manage.py test label`` does now: pass, or which of the lesson's errors it stops with.

    Once the prediction is written, the check runs the command and shows it, then judges."""
    _chosen(name, answer, _OUTCOMES)
    out = shown_manage("test", label, check=False)
    if "Circular dependency" in out:
        truth = "Circular dependency"
    elif "DatabaseOperationForbidden" in out:
        truth = "DatabaseOperationForbidden"
    elif "Please supply the ENGINE value" in out:
        truth = "ENGINE error"
    elif re.search(r"^OK\b", out, re.M):
        truth = "passes"
    else:
        last = (out.strip().splitlines() or ["(no output)"])[-1]
        raise Incorrect(f"The tests stop for a reason this lesson does not teach: {last}")
    because = {
        "Circular dependency": "Before any test runs, the runner orders the test databases: acmeapp_db "
                               "depends on 'default' unless told otherwise, and 'default' is not among them.",
        "ENGINE error": "'__all__' includes the empty 'default'; after the test Django cleans up every "
                        "alias the test may use, and the dummy backend of 'default' raises the ENGINE error.",
    }.get(truth, "Read the output of the next cell.")
    _choice(name, answer, _OUTCOMES, truth, because)
    _ok(f"the run ends with: {truth}.")


# 07 · Running the server --------------------------------------------------------------------------


def check_admin_log_query(path: str, sql: str, title: str = "Hello from the admin") -> None:
    """``sql`` run on the SQLite file ``path`` finds the admin's log entry for the post ``title``."""
    if not path or not sql:
        raise Incorrect("Fill in both ANSWER_FILE (a SQLite file name) and ANSWER_SQL (a SELECT).")
    _saved_by_the_admin()
    try:
        result = sqlite.query(path, sql)
    except FileNotFoundError as error:
        raise Incorrect(str(error)) from None
    except sqlite.QueryFailed as failed:
        error = failed.original
        if isinstance(error, sqlite3.ProgrammingError | sqlite3.Warning):  # e.g. two statements
            raise Incorrect(f"Your query could not run on {path} ({error}): write one SELECT.") from None
        hint = ""
        if "django_admin_log" in str(error):
            hint = (f": {path} has no admin log; the log is a model of the app 'admin', which "
                    "AuthRouter sends to auth_db")
        raise Incorrect(f"Your query failed on {path} ({error}){hint}.") from None
    if not any(title in map(str, row) for row in result.rows):
        if Path(path).name != "auth_db.sqlite3":
            raise Incorrect(f"{path} holds no row about {title!r}: the admin writes its log where the "
                            "routers send the app 'admin' (look at AuthRouter.route_app_labels).")
        raise Incorrect(f"Your query returned {len(result.rows)} row(s), none mentioning {title!r}: the log "
                        "names the post in one of its columns; select that column, and no WHERE that "
                        "filters the row out.")
    _ok(f"the admin's log entry for {title!r} is in {path}, though the post is in acmeapp_db.sqlite3.")


_ROWS = {"session": "django_session", "admin log entry": "django_admin_log", "post": "acmeapp_post"}
_FILES = ("auth_db.sqlite3", "acmeapp_db.sqlite3", "db.sqlite3")
_NOTHING_SAVED = ("The admin wrote nothing: no {what} in any file. Did the login above land on /admin/ "
                  "(not on the login page again), and did saving the post show its message? If not, the "
                  "superuser's check above says what to fix; then rerun the cells from `server = "
                  "DevServer()` down.")


def _saved_by_the_admin() -> None:
    """Raise if the admin saved nothing (a failed login, say): the checks that read its rows can't judge."""
    if not any(Path(f).is_file() and _has_rows(f, "django_admin_log") for f in _FILES):
        raise Incorrect(_NOTHING_SAVED.format(what="log entry"))


def check_rows_prediction(answer) -> None:
    """In which SQLite file each row written by the login and the admin's save now is."""
    if not isinstance(answer, dict) or set(answer) != set(_ROWS):
        raise Incorrect(f"Give PREDICTED_FILES as a dict with the keys {', '.join(map(repr, _ROWS))}, "
                        "each set to a file name.")
    truth = {}
    for kind, table in _ROWS.items():
        found = [f for f in _FILES if Path(f).is_file() and _has_rows(f, table)]
        truth[kind] = found[0] if found else "(nowhere)"
    listed = ", ".join(map(repr, _FILES))
    empty = [k for k, v in answer.items() if v is None]
    if len(empty) == len(_ROWS):
        raise Incorrect(f"PREDICTED_FILES is still empty: set each value to one of {listed}.")
    for kind, file in answer.items():
        if file not in _FILES:
            raise Incorrect(f"PREDICTED_FILES[{kind!r}] = {file!r} is not one of {listed}.")
    _saved_by_the_admin()
    wrong = [f"the {kind} is in {truth[kind]}, not {answer[kind]}" for kind in _ROWS
             if answer[kind] != truth[kind]]
    if wrong:
        text = "; ".join(wrong)
        raise Incorrect(text[0].upper() + text[1:] + ". Each row goes where the routers send its model's "
                        "app: sessions and admin are AuthRouter's, acmeapp is AcmeAppRouter's.")
    _ok("; ".join(f"the {kind} is in {file}" for kind, file in truth.items()) + ".")


def _password_matches(encoded: str, password: str) -> bool:
    """Whether Django's ``pbkdf2_sha256$iterations$salt$hash`` ``encoded`` is that of ``password``."""
    import base64
    import hashlib
    import hmac

    algorithm, iterations, salt, digest = encoded.split("$", 3)
    if algorithm != "pbkdf2_sha256":
        return True  # another hasher: leave the proof to the login below
    mine = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(base64.b64encode(mine).decode(), digest)


def check_superuser(password: str, username: str = "admin", path: str = "auth_db.sqlite3") -> None:
    """``username`` is a superuser in ``path`` whose password is ``password``."""
    again = ("To create it again, rerun the notebook's first cell (it rebuilds the project folder from "
             "the earlier notebooks), then your corrected cell.")
    if not Path(path).is_file():
        raise Incorrect(f"No {path} here: run the notebook's first cell, then your cell.")
    rows = sqlite.query(path, "SELECT is_superuser, is_staff, password FROM auth_user WHERE username = ?",
                        (username,)).rows
    if not rows:
        others = sqlite.query(path, "SELECT username FROM auth_user ORDER BY username").column("username")
        if others:
            raise Incorrect(f"{path} has the user(s) {', '.join(map(repr, others))} but none named "
                            f"{username!r}: create {username!r}, exactly so spelled. {again}")
        raise Incorrect(f"There is no user {username!r} in {path} yet. Did your command run without an "
                        "error? It must name the alias where auth's tables are (--database=…), and "
                        "--noinput keeps createsuperuser from asking questions a notebook cannot answer.")
    is_superuser, is_staff, encoded = rows[0]
    if not (is_superuser and is_staff):
        raise Incorrect(f"{username!r} is in {path} but is not a superuser: use createsuperuser. {again}")
    if encoded.startswith("!"):
        raise Incorrect(f"{username!r} has no usable password: with --noinput, createsuperuser takes it "
                        "from the environment variable DJANGO_SUPERUSER_PASSWORD, and manage() passes "
                        f"variables with env={{…}}. Nothing was set, so nobody can log in. {again}")
    if not _password_matches(encoded, str(password)):
        raise Incorrect(f"{username!r} has a password, but not PASSWORD ({password!r}): pass "
                        f"DJANGO_SUPERUSER_PASSWORD=PASSWORD in env. {again}")
    _ok(f"{username!r} is a superuser in {path}, with PASSWORD as its password.")


_AFTER_STOP = ("the admin's login page", "an error page from Django", "no connection at all")


def check_after_stop_prediction(answer, server) -> None:
    """What a request to the stopped ``server``'s address gets, asked for real."""
    import requests

    answer = _chosen("PREDICT_AFTER_STOP", answer, _AFTER_STOP)
    if server.running:  # the cell above was skipped: do what it does
        print("(The server was still running: the check stopped it, as the cell above does.)")
        server.stop()
    try:
        response = requests.get(f"{server.url}/admin/login/", timeout=5)
        truth = _AFTER_STOP[1] if response.status_code >= 400 else _AFTER_STOP[0]
    except requests.ConnectionError:
        truth = _AFTER_STOP[2]
    if answer != truth:
        raise Incorrect(f"You predicted {answer!r}; the request got {truth!r}. stop() ends the process "
                        "of runserver: nothing listens on its port any more, so not even Django can answer.")
    _ok(f"{truth}: the process is gone and nothing listens on its port.")


# 09 · Relations across databases ------------------------------------------------------------------


_MIGRATION_SQL = ("a REFERENCES clause to auth_user", "a plain column, without REFERENCES",
                  "no SQL at all: auth_user is in another database")


def check_migration_sql_prediction(answer, name: str = "PREDICT_SQL", migration: str = "0002",
                                   alias: str = "acmeapp_db") -> None:
    """What ``sqlmigrate acmeapp migration --database=alias`` prints for the new foreign key."""
    answer = _chosen(name, answer, _MIGRATION_SQL)
    if not list(Path("acmeapp/migrations").glob(f"{migration}_*.py")):
        raise Incorrect(f"acmeapp has no migration {migration} right now: run the cells above first, down to "
                        "the makemigrations that writes it.")
    shown = shown_manage("sqlmigrate", "acmeapp", migration, f"--database={alias}")
    if 'REFERENCES "auth_user"' in shown:
        truth = _MIGRATION_SQL[0]
    elif "author_id" in shown:
        truth = _MIGRATION_SQL[1]
    else:
        truth = _MIGRATION_SQL[2]
    first = name == "PREDICT_SQL"  # the prediction about the first, constrained migration
    if first and truth != _MIGRATION_SQL[0] or not first and truth == _MIGRATION_SQL[0]:
        where = ("moved on (the cells below rewrote it with db_constraint=False)" if first else
                 "not got there yet (run the cells above first)")
        raise Incorrect(f"The migration is not the one {name} is about: the lesson has {where}. Rerun the "
                        "notebook from the top to try it in order.")
    if answer != truth and truth == _MIGRATION_SQL[1]:
        raise Incorrect(f"You predicted {answer!r}; sqlmigrate shows {truth!r}. db_constraint=False keeps "
                        "the column and its index but leaves out the constraint, the REFERENCES clause.")
    if answer != truth:
        raise Incorrect(f"You predicted {answer!r}; sqlmigrate shows {truth!r}. A migration is written from "
                        "the models alone, as for one database: the routers only decide, through "
                        "allow_migrate, whether it runs on an alias, not what its SQL says.")
    if truth == _MIGRATION_SQL[1]:
        _ok(f"{truth}: db_constraint=False leaves out the constraint, nothing else.")
    else:
        _ok(f"{truth}: the SQL of a ForeignKey, as on one database; the routers do not rewrite it.")


_DATA = ("it fails: auth_db has no acmeapp_post", "it is recorded; fill_empty_bodies never runs",
         "it is skipped: not recorded at all")


def check_data_migration_prediction(answer, alias: str = "auth_db",
                                    migration: str = "0003_fill_empty_bodies") -> None:
    """What ``migrate --database=alias`` does with the data migration: run and shown, then judged from
    the alias's file."""
    answer = _chosen("PREDICT_DATA", answer, _DATA)
    if not Path(f"acmeapp/migrations/{migration}.py").is_file():
        raise Incorrect(f"acmeapp has no migration {migration} yet: run the cell above that writes it.")
    shown = shown_manage("migrate", f"--database={alias}", check=False)
    if "[exit code" in shown and "no such table" not in shown:
        last = [line for line in shown.splitlines() if line.strip() and not line.startswith("[exit")][-1]
        raise Incorrect(f"migrate failed for a reason this lesson does not teach ({last}). Rerun the "
                        "notebook from the top, then the cells in order.")
    recorded = sqlite.query(f"{alias}.sqlite3", "SELECT COUNT(*) FROM django_migrations "
                            "WHERE app = 'acmeapp' AND name = ?", (migration,)).rows[0][0]
    truth = _DATA[0] if "no such table" in shown else _DATA[1] if recorded else _DATA[2]
    _choice("PREDICT_DATA", answer, _DATA, truth,
            "RunPython asks allow_migrate(db, 'acmeapp', model_name=None): AcmeAppRouter answers False for "
            f"{alias}, so the function never runs there; migrate records the migration all the same, like "
            "every migration on every alias (notebook 05).")
    _ok(f"{truth}: the routers keep the function off {alias}, and the history records it.")


# 10 · Queries across databases ------------------------------------------------------------------


def _staff_posts_answer(posts_by_staff) -> list:
    """Call the learner's ``posts_by_staff()`` and return its posts; explain any error it raises."""
    from django.contrib.auth.models import User
    from django.db import OperationalError

    try:
        result = posts_by_staff()
        if result is None:
            raise Incorrect("posts_by_staff() returned None: is its `return` missing?")
        return list(result)
    except OperationalError as error:
        if "auth_user" not in str(error):
            raise Incorrect(f"posts_by_staff() failed: {error}{_your_line(error)}.") from None
        raise Incorrect(f"posts_by_staff() makes acmeapp_db read auth_user ({error}), through a join or "
                        "a subquery; but that table lives in auth_db, and one SQL statement cannot "
                        "span two databases. How many queries do you need, and on which "
                        "databases?") from None
    except ValueError as error:  # Django's own message for an explicit using() in a subquery
        raise Incorrect(f"Django refuses: {error} A queryset of another database cannot become part "
                        "of this query, even with using().") from None
    except User.DoesNotExist:
        raise Incorrect("posts_by_staff() followed post.author for a post whose author was deleted "
                        "(Ada's orphan): compare the column author_id with the staff users' ids "
                        "instead of following the relation.") from None
    except Incorrect:
        raise
    except Exception as error:
        raise _raised("posts_by_staff()", error) from None


def _staff_posts_problem(answer: list) -> str:
    """What is wrong with ``answer`` as the posts of the staff users now in the databases, or ``""``."""
    from django.contrib.auth.models import User

    from acmeapp.models import Post

    if not all(isinstance(post, Post) for post in answer):
        shown = repr(answer[:3])[:-1] + (", …]" if len(answer) > 3 else "]")
        return (f"posts_by_staff() returned {shown}: return the posts themselves (Post objects), "
                "not ids or titles.")
    staff = list(User.objects.filter(is_staff=True).values_list("pk", flat=True))
    expected = set(Post.objects.filter(author_id__in=staff).values_list("pk", flat=True))
    found = {post.pk for post in answer}
    if found == expected:
        return ""
    titles = ", ".join(sorted(repr(post.title) for post in answer)) or "none"
    wrong = f"{len(answer)} post(s)" if len(found) != len(expected) else "other posts"
    return (f"posts_by_staff() returned {wrong} ({titles}); the staff users wrote {len(expected)}: "
            "filter the users on is_staff, then the posts on author_id.")


_QUERIES = {  # label: (code, run it); the user 'ada' and her post exist when the check runs
    "Post.objects.filter(author=ada)": lambda ada, Post: list(Post.objects.filter(author=ada)),
    "ada.post_set.all()": lambda ada, Post: list(ada.post_set.all()),
    "Post.objects.filter(author__username='ada')":
        lambda ada, Post: list(Post.objects.filter(author__username="ada")),
    "Post.objects.select_related('author')": lambda ada, Post: list(Post.objects.select_related("author")),
}


def check_query_predictions(answer) -> None:
    """Which of four queries on posts and their authors work across the two databases."""
    _django_ready()
    from django.contrib.auth.models import User
    from django.db import DatabaseError

    from acmeapp.models import Post

    if not isinstance(answer, dict) or set(answer) != set(_QUERIES):
        raise Incorrect("Give PREDICT_QUERIES as the dict of the cell, with each value set to "
                        "'works' or 'fails'.")
    if all(value is None for value in answer.values()):
        raise Incorrect("PREDICT_QUERIES is still empty: set each value to 'works' or 'fails'.")
    for label, value in answer.items():
        if value not in ("works", "fails"):
            raise Incorrect(f"PREDICT_QUERIES[{label!r}] = {value!r}: write 'works' or 'fails'.")
    ada = User.objects.filter(username="ada").first()
    if ada is None:
        raise Incorrect("Ada is gone (the cells below delete her): this prediction needs her. Rerun the "
                        "notebook from the top to try it in order.")
    truth = {}
    for label, run in _QUERIES.items():
        try:
            run(ada, Post)
            truth[label] = "works"
        except DatabaseError:
            truth[label] = "fails"
    wrong = [f"{label} {truth[label]}" for label in _QUERIES if answer[label] != truth[label]]
    if wrong:
        raise Incorrect("Not what Django did: " + "; ".join(wrong) + ". A query works when it reads one "
                        "table, or one database's tables; a join needs both tables in one database.")
    _ok("the two queries on author_id work (one table each); the two joins need auth_user in acmeapp_db.")


_ON_DELETE = {"CASCADE": "deleted with her", "SET_NULL": "author_id becomes None",
              "DO_NOTHING": "author_id keeps her id"}


def check_delete_prediction(answer) -> None:
    """What deleting a user does to her posts, from ``Post.author``'s ``on_delete``."""
    _django_ready()
    from acmeapp.models import Post

    on_delete = Post._meta.get_field("author").remote_field.on_delete.__name__
    truth = _ON_DELETE.get(on_delete, on_delete)
    _choice("PREDICT_DELETE", answer, tuple(_ON_DELETE.values()), truth,
            f"Post.author has on_delete=models.{on_delete}: Django does not look for the posts at all, "
            "and no database constraint stops the delete either (db_constraint=False).")
    _ok(f"{truth}: on_delete=models.{on_delete}.")


def check_posts_by_staff(posts_by_staff) -> None:
    """``posts_by_staff()`` returns the posts of staff users, with one query per database: on the
    notebook's data, then with one more staff user and post, which the check removes again."""
    import uuid

    from django.contrib.auth.models import User

    from acmeapp.models import Post

    if not callable(posts_by_staff):
        raise Incorrect(f"Pass the function itself, posts_by_staff, not {posts_by_staff!r}.")
    problem = _staff_posts_problem(_staff_posts_answer(posts_by_staff))
    if problem:
        raise Incorrect(problem)
    extra = User.objects.create_user(f"check-{uuid.uuid4().hex[:8]}", is_staff=True)
    post = Post.objects.create(title=f"Checked with {extra.username}", author=extra)
    try:
        problem = _staff_posts_problem(_staff_posts_answer(posts_by_staff))
    finally:
        post.delete()
        extra.delete()
    if problem:
        raise Incorrect(f"Right for the notebook's users, wrong once the check added a staff user "
                        f"{extra.username!r} with a post: {problem}")
    _ok("posts_by_staff() finds the posts of staff users, whoever they are, with one query per database.")


# 11 · Primary and replica -------------------------------------------------------------------------


def check_replica_router(router_class) -> None:
    """``router_class`` reads Django's apps from 'auth_replica' and otherwise acts as ``AuthRouter``."""
    name = getattr(router_class, "__name__", "AuthPrimaryReplicaRouter")
    if not isinstance(router_class, type):
        raise Incorrect(f"Pass the class itself, AuthPrimaryReplicaRouter, not {router_class!r}.")
    router = _call(f"{name}()", router_class)
    models = {label: _fake_model(label, model) for label, model in
              [("auth", "user"), ("contenttypes", "contenttype"), ("sessions", "session"),
               ("admin", "logentry"), ("acmeapp", "post")]}
    expectations = [(("db_for_read", models[label]), "auth_replica") for label in
                    ("auth", "contenttypes", "sessions", "admin")]
    expectations += [(("db_for_write", models["auth"]), "auth_db"),
                     (("db_for_read", models["acmeapp"]), None),
                     (("allow_migrate", "auth_db", "auth"), True),
                     (("allow_migrate", "auth_replica", "auth"), False)]
    for (method, *args), expected in expectations:
        shown = ", ".join(repr(a) if isinstance(a, str) else f"{a._meta.app_label}.{a.__name__}"
                          for a in args)
        hints = {"model_name": None} if method == "allow_migrate" else {"instance": None}
        got = _ask_router(router, name, method, args, hints, shown)
        if got != expected:
            why = {"db_for_read": "reads of admin, auth, contenttypes and sessions (AuthRouter's apps) go to "
                                  "the replica; other apps get None",
                   "db_for_write": "writes still go to the primary, 'auth_db'",
                   "allow_migrate": "a replica is never migrated: AuthRouter's allow_migrate already says so"}
            raise Incorrect(f"{name}().{method}({shown}) returned {got!r}; expected {expected!r}: "
                            f"{why[method]}.")
    _ok(f"{name} reads Django's apps from 'auth_replica', writes them to 'auth_db', and never migrates the "
        "replica.")


def check_read_after_write_prediction(answer) -> None:
    """Whether a read of ``Post`` right after a write finds it: only if both go to one alias."""
    from django.db import router

    from acmeapp.models import Post

    if answer is None:
        raise Incorrect("PREDICT_FOUND is still None: replace None by True or False.")
    if not isinstance(answer, bool):
        raise Incorrect(f"PREDICT_FOUND = {answer!r}: write True or False (without quotes).")
    reads, writes = router.db_for_read(Post), router.db_for_write(Post)
    truth = reads == writes  # here nothing copies the primary to the replica between two cells
    if answer != truth:
        raise Incorrect(f"You predicted {answer}; the next cell will show {truth}: the post is written to "
                        f"{writes!r} (db_for_write) and looked for on {reads!r} (db_for_read), which has "
                        "not received it yet.")
    _ok(f"{truth}: written to {writes!r}, looked for on {reads!r}, which has not received it yet.")


def check_create_and_fetch(create_and_fetch) -> None:
    """``create_and_fetch(title)`` saves a post and reads it back by its title from ``acmeapp_db``."""
    import uuid

    from django.core.exceptions import ImproperlyConfigured
    from django.db import connections
    from django.test.utils import CaptureQueriesContext
    from django.utils.connection import ConnectionDoesNotExist

    from acmeapp.models import Post

    if not callable(create_and_fetch):
        raise Incorrect(f"Pass the function itself, create_and_fetch, not {create_and_fetch!r}.")
    title = f"Checked {uuid.uuid4().hex[:8]}"
    atomic_inserts = []  # for each INSERT on the primary: was it inside a transaction there?

    def watch(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT"):
            atomic_inserts.append(context["connection"].in_atomic_block)
        return execute(sql, params, many, context)

    try:
        with (CaptureQueriesContext(connections["acmeapp_db"]) as primary,
              CaptureQueriesContext(connections["acmeapp_replica"]) as replica,
              connections["acmeapp_db"].execute_wrapper(watch)):
            post = create_and_fetch(title)
    except Post.DoesNotExist:
        raise Incorrect("create_and_fetch() saved the post on the primary, then looked for it on the "
                        "replica, which has not received it yet (Post.DoesNotExist). Where must this "
                        "read go?") from None
    except ConnectionDoesNotExist as error:
        aliases = ", ".join(map(repr, connections))
        raise Incorrect(f"create_and_fetch() names an alias that DATABASES does not define ({error}"
                        f"{_your_line(error)}); the aliases are {aliases}.") from None
    except ImproperlyConfigured as error:
        if "ENGINE" not in str(error):
            raise _raised("create_and_fetch()", error) from None
        raise Incorrect("create_and_fetch() used the empty 'default' alias: settings.DATABASES is "
                        f"improperly configured{_your_line(error)}. With no alias, transaction.atomic() "
                        "and connections[...] mean 'default'. Name the alias.") from None
    except Exception as error:
        raise _raised("create_and_fetch()", error) from None
    if any(q["sql"].startswith("INSERT") for q in replica.captured_queries):
        raise Incorrect("create_and_fetch() wrote the post to the replica, 'acmeapp_replica': replication "
                        "only copies from the primary, so writes go to the primary (what the router's "
                        "db_for_write says).")
    if atomic_inserts and not all(atomic_inserts):
        raise Incorrect("The post was not written inside a transaction of the primary, 'acmeapp_db': keep "
                        "the transaction, on the database the post is written to (a transaction covers "
                        "one database only).")
    if post is None:
        if any(title in q["sql"] for q in replica.captured_queries):
            raise Incorrect(f"create_and_fetch({title!r}) returned None: the read found no post, because "
                            "it went to the replica, which has not received it yet. Where must this read go?")
        raise Incorrect(f"create_and_fetch({title!r}) returned None: is its `return` missing?")
    if not isinstance(post, Post) or post.title != title:
        raise Incorrect(f"create_and_fetch({title!r}) returned {post!r}: return the Post it saved, "
                        "read back with get(title=title).")
    if post._state.db != "acmeapp_db":
        raise Incorrect(f"The post was read from {post._state.db!r}: read it from the primary, 'acmeapp_db'.")
    keys = (title, f'"acmeapp_post"."id" = {post.pk}')  # read back by its title or by its id
    reads = [q["sql"] for q in primary.captured_queries if q["sql"].startswith("SELECT")]
    if not any(key in sql for sql in reads for key in keys):
        raise Incorrect("create_and_fetch() returns a post without reading that post back: query the "
                        "primary for it, with get(title=title).")
    _ok("create_and_fetch() reads its own write back from the primary, acmeapp_db.")


_REPLICA_OUTCOMES = ("passes", "no such table: acmeapp_post", "database table is locked",
                     "DatabaseOperationForbidden")


def check_replica_test_prediction(answer, settings: str = "core.settings.replica") -> None:
    """How ``manage.py test acmeapp.replica_tests --settings=settings`` ends, run and shown."""
    _chosen("PREDICT_REPLICA_TEST", answer, _REPLICA_OUTCOMES)
    out = shown_manage("test", "acmeapp.replica_tests", f"--settings={settings}", check=False)
    truth = next((o for o in _REPLICA_OUTCOMES[1:] if o in out), None)
    if truth is None and re.search(r"^OK\b", out, re.M):
        truth = "passes"
    if truth is None:
        last = (out.strip().splitlines() or ["(no output)"])[-1]
        raise Incorrect(f"The test stops for a reason this lesson does not teach: {last}")
    if truth != "no such table: acmeapp_post":
        raise Incorrect(f"The run ends with {truth!r} now, because the cells below have changed the settings "
                        "or the test since: this prediction is about the first run. Rerun the notebook from "
                        "the top to try it in order.")
    _choice("PREDICT_REPLICA_TEST", answer, _REPLICA_OUTCOMES, truth,
            "The runner creates a test database for each alias the test lists, empty, and migrates it "
            "with the routers, which allow acmeapp on acmeapp_db only: the test replica has no "
            "acmeapp_post table.")
    _ok(f"the run ends with: {truth}. Test databases are migrated through the routers, and never replicated.")


def _admin_page(client, shown: str, method: str, path: str, data: dict | None = None):
    """A request of the test ``client`` to the admin, as a learner's ModelAdmin answers it; an error
    raised by their code becomes one ``Incorrect`` line naming their line."""
    import logging

    logger = logging.getLogger("django.request")  # it would print the whole traceback on stderr
    was_disabled, logger.disabled = logger.disabled, True
    try:
        if method == "get":
            return client.get(path)
        return client.post(path, data, follow=True)
    except Exception as error:
        hint = ""
        if isinstance(error, TypeError) and "positional argument" in str(error):
            hint = " Does each method take self first, as in `def get_queryset(self, request):`?"
        if "auth_user" in str(error):
            hint = (" The admin asked a database without users for the choices of Post.author: "
                    "formfield_for_foreignkey must look for users where the routers keep them "
                    "(router.db_for_read(db_field.related_model)), not in self.using.")
        raise Incorrect(f"{shown} raised {type(error).__name__}: {error}{_your_line(error)}.{hint}") from None
    finally:
        logger.disabled = was_disabled


def _register(model, admin_class) -> None:
    """Register ``admin_class`` for ``model`` in the admin site, in place of what was, and rebuild the
    URLs (the admin's URL patterns hold the ModelAdmin registered when they were first built)."""
    import importlib

    from django.conf import settings
    from django.contrib import admin
    from django.urls import clear_url_caches

    admin.site.unregister(model)
    admin.site.register(model, admin_class)
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


def check_primary_admin(admin_class, primary: str = "acmeapp_db") -> None:
    """``admin_class`` shows the post the admin just saved, deletes on the primary, and offers authors
    from auth_db: tried through the real admin views, with Django's test client, in this kernel."""
    _django_ready()
    from django.contrib import admin
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import User
    from django.db import router
    from django.test import Client

    from acmeapp.models import Post

    if not (isinstance(admin_class, type) and issubclass(admin_class, admin.ModelAdmin)):
        raise Incorrect(f"PrimaryPostAdmin is {admin_class!r}: write a class that inherits from "
                        "admin.ModelAdmin.")
    unknown = sorted(name for name, value in vars(admin_class).items()
                     if callable(value) and not name.startswith("_") and not hasattr(admin.ModelAdmin, name))
    never = (f" (PrimaryPostAdmin defines {', '.join(unknown)}, which Django never calls: no method of "
             "ModelAdmin has that name; check the spelling)") if unknown else ""
    title = "Added by the check"
    found = type(admin.site._registry[Post])
    _register(Post, admin_class)
    try:
        editor, _ = User.objects.get_or_create(username="editor",
                                               defaults={"is_staff": True, "is_superuser": True})
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(editor)
        form = _admin_page(client, "Opening the admin's add form", "get", "/admin/acmeapp/post/add/")
        authors = form.context_data["adminform"].form.fields["author"].queryset.db
        if authors != "auth_db":
            raise Incorrect(f"The add form offers authors read from {authors!r}; users live in 'auth_db'. "
                            "formfield_for_foreignkey: look for the users where the routers keep them.")
        page = _admin_page(client, "Saving a post in the admin", "post", "/admin/acmeapp/post/add/",
                           {"title": title, "body": ""})
        if page.context_data is None or "cl" not in page.context_data:
            raise Incorrect("The admin did not save the post (it showed the form again): does save_model "
                            "call obj.save(using=self.using)?")
        saved = Post.objects.using(primary).filter(title=title).first()
        if saved is None:
            raise Incorrect(f"After a save in the admin, the primary {primary!r} has no such post: "
                            f"save_model must write with obj.save(using=self.using){never}.")
        listed = page.context_data["cl"].queryset.db
        if title not in [post.title for post in page.context_data["cl"].result_list]:
            raise Incorrect(f"The list right after the save misses the new post: it is read from {listed!r}, "
                            f"where the routers send reads. Override get_queryset{never}.")
        _admin_page(client, "Deleting the post in the admin", "post",
                    f"/admin/acmeapp/post/{saved.pk}/delete/", {"post": "yes"})
        if Post.objects.using(primary).filter(pk=saved.pk).exists():
            raise Incorrect(f"After a delete in the admin, the post is still on the primary {primary!r}: "
                            f"delete_model must delete with obj.delete(using=self.using){never}.")
    finally:
        for alias in {primary, router.db_for_read(Post)}:  # a wrong answer may have written anywhere
            Post.objects.using(alias).filter(title=title).delete()
        LogEntry.objects.filter(object_repr=title).delete()  # the admin logged the check's add and delete
        _register(Post, found)
    _ok(f"the admin lists the post it just saved (read from {listed}), deletes it on the primary, and "
        "offers authors from auth_db.")


# 12 · pytest-django -------------------------------------------------------------------------------


_REPLICA_TEST = ("test_an_author_finds_her_post_on_the_replica", """
lin = User.objects.create_user("lin")
Post.objects.create(title="One", author=lin)
assert Post.objects.filter(author=lin).count() == 1
""")


def _body_unchanged(path: str, function: str, body: str) -> bool:
    """Whether ``function`` in the file ``path`` still has ``body`` (compared as syntax, not text)."""
    import ast

    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    found = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function]
    expected = ast.parse(body).body
    return bool(found) and ast.dump(ast.Module(found[0].body, [])) == ast.dump(ast.Module(expected, []))


def check_pytest_file_passes(path: str = "acmeapp/replica_authors.py",
                             settings: str = "core.settings.replica") -> None:
    """``pytest --ds=settings path`` passes with the exercise's test body unchanged; else explain why."""
    if not Path(path).is_file():
        raise Incorrect(f"{path} does not exist yet: write it with the cell above (%%writefile {path}).")
    function, body = _REPLICA_TEST
    try:
        unchanged = _body_unchanged(path, function, body)
    except SyntaxError as error:
        raise Incorrect(f"{path} is not valid Python: {error.msg} (line {error.lineno}).") from None
    if not unchanged:
        raise Incorrect(f"Change only the django_db mark: the body of {function} must stay as given "
                        "(copy it back from the exercise).")
    argv = [sys.executable, "-m", "pytest", *PYTEST_OPTIONS, f"--ds={settings}", path]
    proc = subprocess.run(argv, capture_output=True, text=True, env=terminal_env(**PYTEST_ENV))
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        _ok(f"{path} passes on {settings}: its mark lists every alias the test uses, and commits.")
        return
    if "Database access not allowed" in out:
        raise Incorrect("The test has no django_db mark, so pytest-django blocks every query: add "
                        "@pytest.mark.django_db(databases=[...]) above it.")
    if "database table is locked" in out:
        raise Incorrect("Every alias is listed now, but the read through the mirror fails (database table "
                        "is locked): the test's writes sit in a transaction that is never committed, "
                        "which the replica's connection cannot read. Which argument of the mark changes "
                        "that?")
    raise Incorrect(_test_failure(out, "The test", "its django_db mark"))


_TEST_FILES = ("acmeapp/tests.py", "acmeapp/test_posts.py", "acmeapp/replica_pytest.py",
               "acmeapp/replica_tests.py")


def check_collection_prediction(answer) -> None:
    """Which test files a plain ``pytest`` (no file named) collects in the project, by ``python_files``."""
    if answer is None:
        raise Incorrect("PREDICT_COLLECTED is still None: write a set of file names among "
                        f"{', '.join(map(repr, _TEST_FILES))}.")
    if isinstance(answer, str) or not isinstance(answer, set | frozenset | list | tuple):
        raise Incorrect("Give PREDICT_COLLECTED as a set of file names, like {'acmeapp/tests.py'}.")
    names = {Path(str(a).strip().replace("\\", "/")).name for a in answer}
    known = {Path(f).name for f in _TEST_FILES}
    if names - known:
        raise Incorrect(f"{', '.join(sorted(names - known))}: the candidates are "
                        f"{', '.join(map(repr, _TEST_FILES))}.")
    shown = shown_pytest("--collect-only")
    truth = {Path(line.split("::")[0]).name for line in shown.splitlines() if "::" in line}
    if names != truth:
        missing, extra = sorted(truth - names), sorted(names - truth)
        parts = ([f"it also collects {', '.join(missing)}"] if missing else []) + (
            [f"it does not collect {', '.join(extra)}"] if extra else [])
        text = "; ".join(parts)
        raise Incorrect(f"{text[0].upper() + text[1:]}. With no file named, pytest collects the files "
                        "whose names match python_files in pytest.ini, and only those.")
    _ok(f"{', '.join(sorted(truth))}: the names python_files matches.")


# 13 · A routing guard ---------------------------------------------------------------------------

def check_check_ids_prediction(answer, module: str = "core.settings.broken") -> None:
    """Which of the project's checks (ids ``core.E00…``) fire on the settings ``module``."""
    if answer is None or answer == set():
        raise Incorrect("PREDICT_IDS is still empty: write the ids you expect, like {'core.E001'}.")
    if isinstance(answer, str) or not isinstance(answer, set | frozenset | list | tuple):
        raise Incorrect("Give PREDICT_IDS as a set of check ids, like {'core.E001', 'core.E003'}.")
    answer = {str(a).strip() for a in answer}
    unknown = sorted(a for a in answer if not re.fullmatch(r"core\.E00[1-4]", a))
    if unknown:
        raise Incorrect(f"{', '.join(map(repr, unknown))}: the project's checks are core.E001 to core.E004.")
    shown = shown_manage("check", f"--settings={module}", check=False)  # the command, then the verdict
    truth = set(re.findall(r"\((core\.E\d{3})\)", shown))
    if answer != truth:
        said = ", ".join(sorted(truth)) or "none"
        raise Incorrect(f"You predicted {', '.join(sorted(answer))}; the checks report {said}. Each id "
                        "is one rule (the table at the top): which rule does a foreign key between two "
                        "databases break?")
    _ok(f"{module} breaks {', '.join(sorted(truth))}, and nothing else.")



_SESSION_ROUTING = (
    "import json; from django.conf import settings; from django.contrib.sessions.models import Session; "
    "from django.core import checks; from django.db import router; "
    "print(json.dumps({'issues': [str(e).splitlines()[0] for e in checks.run_checks() if e.is_serious()], "
    "'writes': router.db_for_write(Session), "
    "'migrates': [a for a in settings.DATABASES if router.allow_migrate_model(a, Session)]}))"
)


def check_sessions_routing(module: str = "core.settings.exercise") -> None:
    """``module`` passes Django's system checks and sends sessions, and only them, to ``sessions_db``."""
    found = _settings_report(module, _SESSION_ROUTING)
    if found["issues"]:
        raise Incorrect(f"manage.py check reports {len(found['issues'])} issue(s), the first: "
                        f"{found['issues'][0]}")
    writes = found["writes"]
    if writes == "auth_db":
        raise Incorrect("The check passes, but sessions are still written to 'auth_db': routers are asked "
                        "in the order of DATABASE_ROUTERS, and AuthRouter, which claims the app 'sessions', "
                        "comes first. Put SessionRouter before the others.")
    if writes != "sessions_db":
        raise Incorrect(f"Sessions are written to {writes!r}: the exercise asks for an alias named "
                        "'sessions_db' (in DATABASES and in every answer of SessionRouter).")
    if found["migrates"] != ["sessions_db"]:
        raise Incorrect(f"Session may migrate on {found['migrates']}: only on 'sessions_db'.")
    _ok(f"{module} passes the routing checks and keeps sessions, and only them, in sessions_db.")


class _FirstProblem(unittest.TestResult):
    """A unittest result that keeps the first failing test and its exception itself (the plain result
    keeps only formatted text), so that the message can name the learner's own line."""

    first = None

    def addError(self, test, err):
        self.first = self.first or (test, err[1])
        super().addError(test, err)

    def addFailure(self, test, err):
        self.first = self.first or (test, err[1])
        super().addFailure(test, err)


def _run_tests(test_class, replace) -> tuple:
    """Run ``test_class``'s tests with each routing check replaced by ``replace(check)``; return the
    unittest result and the errors the routing checks reported meanwhile."""
    from django.core.checks.registry import registry

    routing = [c for c in registry.registered_checks if "routing" in getattr(c, "tags", ())]
    mine = {c for c in routing if c.__module__ == "__main__"}  # written in the notebook: not tested here
    reported, saved = [], set(registry.registered_checks)
    registry.registered_checks = (saved - set(routing)) | {
        _silenced(c, reported) if c in mine else replace(c, reported) for c in routing}
    try:
        result = _FirstProblem()
        unittest.defaultTestLoader.loadTestsFromTestCase(test_class).run(result)
    finally:
        registry.registered_checks = saved
    return result, reported


def _recording(check, reported):
    def recorded(*args, **kwargs):
        errors = check(*args, **kwargs)
        reported.extend((check, error) for error in errors)
        return errors
    recorded.tags = check.tags
    return recorded


def _silenced(check, reported):
    def silenced(*args, **kwargs):
        return []
    silenced.tags = check.tags
    return silenced


def check_routing_test(test_class) -> None:
    """``test_class`` passes on the project's checks, fails without them, and breaks sessions' routing."""
    _django_ready()
    from django.test import SimpleTestCase, TransactionTestCase

    name = getattr(test_class, "__name__", "SessionsCheckTests")
    if not isinstance(test_class, type):
        raise Incorrect(f"Pass the test class itself, SessionsCheckTests, not {test_class!r}.")
    if not issubclass(test_class, unittest.TestCase):
        raise Incorrect(f"{name} is not a test case: make it a subclass of SimpleTestCase, "
                        f"class {name}(SimpleTestCase).")
    if issubclass(test_class, TransactionTestCase) or not issubclass(test_class, SimpleTestCase):
        raise Incorrect(f"{name} should be a SimpleTestCase: the checks query no database, and a TestCase "
                        "would open transactions on every alias it lists.")
    if not unittest.defaultTestLoader.getTestCaseNames(test_class):
        raise Incorrect(f"{name} has no test: name its method test_… .")
    result, reported = _run_tests(test_class, _recording)
    if result.first:
        test, error = result.first
        said = " ".join(line.strip() for line in f"{type(error).__name__}: {error}".splitlines()[:6]
                        if line.strip())
        said = said if len(said) <= 500 else said[:500] + " …"
        raise Incorrect(f"{test.id().split('.')[-1]} fails on the project's checks: {said}"
                        f"{_your_line(error)}")
    broken = {(e.id, e.obj._meta.label) for _, e in reported if hasattr(e.obj, "_meta")}
    if not {("core.E001", "sessions.Session"), ("core.E003", "sessions.Session")} & broken:
        raise Incorrect(f"{name} never breaks the routing of sessions: give override_settings("
                        "DATABASE_ROUTERS=[…]) a router that sends sessions to 'sessions_db', first in the "
                        "list.")
    result, _ = _run_tests(test_class, _silenced)
    if result.wasSuccessful():
        raise Incorrect(f"{name} passes even with the routing checks switched off, so it would never catch "
                        "a broken check: assert the ids they report.")
    for check in {c for c, _ in reported}:  # each check that fired must matter to the test
        result, _ = _run_tests(test_class, lambda c, reported, off=check: _silenced(c, reported) if c is off
                               else c)
        if result.wasSuccessful():
            raise Incorrect(f"{name} still passes with {check.__name__} switched off: assert exactly which "
                            "errors the checks report (ids and objects), not only that there are some.")
    _ok(f"{name} passes on the project's checks and fails without them.")


def check_default_check(check) -> None:
    """``check`` is a routing check that reports core.E005 when 'default' is a real database, only then."""
    _django_ready()
    import warnings

    from django.conf import settings
    from django.core.checks import Error
    from django.test import override_settings

    name = getattr(check, "__name__", "check_default_is_empty")
    if not callable(check):
        raise Incorrect(f"Pass the function itself, check_default_is_empty, not {check!r}.")
    if "routing" not in getattr(check, "tags", ()):
        raise Incorrect(f"{name} is not registered with the tag 'routing': put @checks.register('routing') "
                        "above it, as in core/checks.py.")
    quiet = _call(f"{name}(None)", check, None)
    if not isinstance(quiet, list | tuple):
        raise Incorrect(f"{name}(None) returned {quiet!r}: a check returns a list (empty when all is well).")
    if quiet:
        raise Incorrect(f"On the project's settings, whose 'default' is empty, {name} reports {quiet[0]!r}. "
                        "Django has filled that empty default with its dummy backend: look at its ENGINE.")
    for engine in ("postgresql", "sqlite3"):
        real = {**settings.DATABASES, "default": {"ENGINE": f"django.db.backends.{engine}", "NAME": "x"}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Django warns that overriding DATABASES is unusual
            with override_settings(DATABASES=real):
                loud = _call(f"{name}(None)", check, None)
        if not loud:
            break
    where = f"With a {engine} database as 'default', {name}"
    if not loud:
        raise Incorrect(f"{where} returned no error ({loud!r}); it should return a list of one Error.")
    if not isinstance(loud, list | tuple) or len(loud) != 1:
        raise Incorrect(f"{where} returned {loud!r}: return a list of one Error.")
    error = loud[0]
    if not isinstance(error, Error):
        raise Incorrect(f"{name} returned {error!r}: return checks.Error(message, hint=…, id=…), so that "
                        "manage.py check stops with an error.")
    if error.id != "core.E005":
        raise Incorrect(f"The error's id is {error.id!r}: give it id='core.E005'.")
    if not error.hint:
        raise Incorrect("The error has no hint: say how to fix it (hint=…), as the project's checks do.")
    _ok(f"{name} is quiet on the project and reports core.E005 when 'default' is a real database.")


_MOVES = ("sessions", "contenttypes", "admin")


def _moved(app_label: str):
    """A router that sends ``app_label`` to 'acmeapp_db' (reads, writes, migrations), and nothing else."""
    class MoveRouter:
        def db_for_read(self, model, **hints):
            return "acmeapp_db" if model._meta.app_label == app_label else None

        db_for_write = db_for_read

        def allow_migrate(self, db, label, model_name=None, **hints):
            return db == "acmeapp_db" if label == app_label else None

    return MoveRouter()


def check_moves_prediction(answer) -> None:
    """Whether the project's routing checks pass when one of Django's apps alone moves to 'acmeapp_db'."""
    _django_ready()
    from django.conf import settings
    from django.core.checks.registry import registry
    from django.test import override_settings

    if not isinstance(answer, dict) or set(answer) != set(_MOVES):
        raise Incorrect(f"Give PREDICT_MOVES as a dict with the keys {', '.join(map(repr, _MOVES))}.")
    if all(v is None for v in answer.values()):
        raise Incorrect("PREDICT_MOVES still holds None for every app: write 'passes' or 'fails' for each.")
    for app, said in answer.items():
        _chosen(f"PREDICT_MOVES[{app!r}]", said, ("passes", "fails"))
    project_checks = [c for c in registry.registered_checks
                      if "routing" in getattr(c, "tags", ()) and c.__module__ == "core.checks"]
    wrong, found = [], {}
    for app in _MOVES:
        with override_settings(DATABASE_ROUTERS=[_moved(app), *settings.DATABASE_ROUTERS]):
            errors = [e for check in project_checks for e in check(None)]
        fired = sorted({f"{e.id} on {e.obj.model._meta.label}.{e.obj.name}" if hasattr(e.obj, "model")
                        else e.id for e in errors})
        found[app] = ", ".join(fired) or "nothing"
        print(f"{app} moved to acmeapp_db: {found[app]}")
        if answer[app].strip() != ("fails" if errors else "passes"):
            wrong.append(app)
    if wrong:
        raise Incorrect(f"Not for {', '.join(wrong)}: read what fires above. Which of Django's models point "
                        "at the moved app's models, or are pointed at by them?")
    _ok("contenttypes and admin must stay with auth; sessions may go anywhere.")


# 14 · Splitting a live database ------------------------------------------------------------------

LIVE, AUTH, ACME = "db.sqlite3", "split_auth_db.sqlite3", "split_acmeapp_db.sqlite3"


def _natural_types(path: str) -> dict[int, str]:
    """Content type id -> ``app_label.model`` in the SQLite file ``path``."""
    return dict(sqlite.query(path, "SELECT id, app_label || '.' || model FROM django_content_type").rows)


def _model_ready(name: str) -> None:
    """Raise ``Incorrect`` unless Django is set up with the move's settings (both sides reachable)."""
    _django_ready()
    from django.conf import settings

    if "live" not in settings.DATABASES:
        raise Incorrect(f"{name} needs Django set up with core.settings.moving (it reads 'live' and writes "
                        "the split files): run the cell that calls setup_django first.")


def check_copy_prediction(answer) -> None:
    """What ``entry.save(using='auth_db')`` does with live log entries copied as they are."""
    _model_ready("This check")
    from django.contrib.admin.models import LogEntry
    from django.db import transaction

    choices = ("an error", "copied, about the same models", "copied, about other models")
    answer = _chosen("PREDICT_COPY", answer, choices)
    live_types, split_types = _natural_types(LIVE), _natural_types(AUTH)

    class Undo(Exception):
        pass

    seen, failed = [], None
    try:
        with transaction.atomic(using="auth_db"):
            for entry in LogEntry.objects.using("live").order_by("pk")[:3]:
                entry.save(using="auth_db")
                copied = LogEntry.objects.using("auth_db").get(pk=entry.pk)
                seen.append((entry.pk, live_types[entry.content_type_id],
                             split_types[copied.content_type_id]))
            raise Undo  # roll the copies back: the split stays as it was
    except Undo:
        pass
    except Exception as error:
        failed = error
    if failed is not None:
        truth, why = "an error", f"the copy raised {type(failed).__name__}: {failed}"
    else:
        same = all(before == after for _, before, after in seen)
        truth = choices[1] if same else choices[2]
        why = "; ".join(f"entry {pk} is about {before} on the live site, {after} once copied"
                        for pk, before, after in seen)
    print(f"Copied the first {len(seen)} log entries with entry.save(using='auth_db'), then rolled back: "
          f"{why}.")
    _choice("PREDICT_COPY", answer, choices, truth,
            "save() copies content_type_id as a number, and the same number names another model in "
            "another database: nothing fails, and the admin log now talks about the wrong things.")
    _ok("saved as they are, the entries keep their numbers and change their meaning: no error warns you.")


def _log_entries(path: str, types: dict[int, str]) -> list[tuple]:
    rows = sqlite.query(path, "SELECT action_time, user_id, object_id, object_repr, action_flag, "
                              "change_message, "
                              "content_type_id FROM django_admin_log").rows
    return sorted((*row[:6], types.get(row[6], f"content type {row[6]} (missing)")) for row in rows)


def check_split(move_log_entries) -> None:
    """The capstone's check: ``move_log_entries()`` copies every admin log entry into auth_db, about the
    same model as before; then the whole split, read from the three files, is complete: every row
    kept, each table in one file, no orphaned author, permissions and log entries about the same
    models as on the live site."""
    _model_ready("This check")
    from django.contrib.admin.models import LogEntry

    LogEntry.objects.using("auth_db").all().delete()  # each try starts from an empty admin log
    before = [p for p in split_problems() if not p.startswith("django_admin_log")]
    if before:
        raise Incorrect(f"Before move_log_entries() can be judged, the copy above it is not right "
                        f"({len(before)} problem(s)):\n- " + "\n- ".join(before)
                        + "\nRun every cell above this exercise, once and in order; if one of them went "
                        "wrong, rerun the cell that calls livesite.start_split(), then the cells below it, "
                        "down to this exercise.")
    _call("move_log_entries()", move_log_entries)
    live = _log_entries(LIVE, _natural_types(LIVE))
    split = _log_entries(AUTH, _natural_types(AUTH))
    if not split:
        raise Incorrect("auth_db holds no log entry after move_log_entries() (the live site has "
                        f"{len(live):,}). "
                        "Read them with .using('live') and write them with .using('auth_db') (or "
                        "bulk_create on LogEntry.objects.using('auth_db')).")
    if len(split) != len(live):
        raise Incorrect(f"auth_db holds {len(split):,} log entries; the live site has {len(live):,}. "
                        "Copy each "
                        "one exactly once.")
    moved = [a for a, b in zip(live, split, strict=True) if a[:6] == b[:6] and a[6] != b[6]]
    wrong = sum(1 for a, b in zip(live, split, strict=True) if a != b)
    if wrong:
        example = next(((a, b) for a, b in zip(live, split, strict=True) if a != b))
        if moved:
            raise Incorrect(f"{wrong:,} of the {len(live):,} entries are about another model than on the "
                            f"live site: '{example[0][3]}' is about {example[0][6]} there, "
                            f"{example[1][6]} in auth_db. Give each entry the id that auth_db's "
                            "ContentType has for the same natural key, the key of its live content type: "
                            "entry.content_type would follow the relation through the routers, into "
                            "auth_db, so start from entry.content_type_id.")
        raise Incorrect(f"{wrong:,} of the {len(live):,} entries differ from the live site's (for example "
                        f"'{example[0][3]}'). Change nothing but content_type_id.")
    problems = split_problems()
    if problems:
        raise Incorrect(f"The log entries are right, but the split is not ({len(problems)} problem(s)):\n- "
                        + "\n- ".join(problems)
                        + "\nTo copy again from empty files, rerun the cell that calls "
                        "livesite.start_split(), then the cells below it.")
    rows = sum(sqlite.query(LIVE, f"SELECT COUNT(*) FROM {t}").rows[0][0]
               for t in set(sqlite.tables(LIVE)) - _NOT_DATA)
    _ok(f"all {len(live):,} log entries are about the same model as on the live site, and the split is "
        f"complete: all {rows:,} rows kept, each table in one file, no author orphaned, every permission "
        "granted as before.")


ORPHANS_TRUTH = ("SELECT COUNT(*) FROM acmeapp_post p WHERE p.author_id IS NOT NULL "
                 "AND p.author_id NOT IN (SELECT id FROM auth.auth_user)")


def _count(sql: str, acmeapp: str, auth: str, shown: str) -> int:
    """The single number the learner's ``sql`` returns on the two files (``Incorrect`` otherwise)."""
    try:
        result = sqlite.query(acmeapp, sql, attach={"auth": auth})
    except sqlite.QueryFailed as failed:
        hint = (" The users' file is attached under the schema name auth: auth.auth_user."
                if "no such table" in str(failed.original) and "auth." not in str(failed.original) else "")
        raise Incorrect(f"SQLite refused ORPHANS_SQL {shown}: {failed.original}.{hint}") from None
    if len(result.rows) != 1 or len(result.headers) != 1:
        raise Incorrect(f"ORPHANS_SQL returns {len(result.rows)} row(s) of {len(result.headers)} column(s) "
                        f"{shown}; it must return one number: SELECT COUNT(*) FROM …")
    return result.rows[0][0]


def _orphans_hint(theirs: int, truth: int, distinct: int) -> str:
    """What a wrong count of orphaned posts most likely means (see ``check_orphans_sql``)."""
    posts = sqlite.query(ACME, "SELECT COUNT(*) AS n, COUNT(author_id) AS authored FROM acmeapp_post").rows[0]
    if theirs == posts[0]:
        return "It counts every post: keep only those whose author_id names no user (a WHERE clause)."
    if theirs == truth + posts[0] - posts[1]:
        return (f"The other {posts[0] - posts[1]:,} have no author at all (author_id IS NULL): they are not "
                "orphans.")
    if theirs == posts[1] - truth:
        return ("It counts the posts whose author exists: an inner JOIN keeps only those. Look for the posts "
                "whose author_id is in no row of auth.auth_user.")
    if theirs == distinct:
        return "It counts the missing authors, once each: count the posts instead."
    if theirs < truth:
        return ("It counts too few: does the subquery look at the post of the outer query "
                "(u.id = p.author_id)?")
    return ("It counts too many: a post is an orphan when its author_id is set and no row of auth.auth_user "
            "has that id; count each such post once.")


def check_orphans_sql(sql) -> None:
    """``sql``, run on acmeapp's file with auth's attached as ``auth``, counts the posts whose author is
    missing: on the real split, and on a copy of auth's file with some users deleted."""
    import shutil
    import tempfile

    if not isinstance(sql, str) or not sql.strip():
        raise Incorrect("ORPHANS_SQL must be a string holding one SELECT.")
    if ";" in sql.strip().rstrip(";"):
        raise Incorrect("ORPHANS_SQL holds more than one statement: write one SELECT.")
    for path in (AUTH, ACME):
        sqlite.connect(path).close()  # a missing file says which cell to run
    real = _count(sql, ACME, AUTH, "on the split")
    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / "auth.sqlite3"
        shutil.copyfile(AUTH, broken)
        con = sqlite3.connect(broken)
        with con:
            con.execute("DELETE FROM auth_user WHERE id IN "
                        "(SELECT id FROM auth_user ORDER BY id LIMIT 40 OFFSET 100)")
        con.close()
        theirs, truth = _count(sql, ACME, broken, "on a copy with 40 users deleted"), _count(
            ORPHANS_TRUTH, ACME, broken, "")
        distinct = _count(ORPHANS_TRUTH.replace("COUNT(*)", "COUNT(DISTINCT p.author_id)"), ACME, broken, "")
    if theirs != truth:
        raise Incorrect(f"On a copy of auth's file with 40 users deleted, ORPHANS_SQL counts {theirs:,}; "
                        f"{truth:,} posts are orphaned. " + _orphans_hint(theirs, truth, distinct))
    real_truth = _count(ORPHANS_TRUTH, ACME, AUTH, "")
    if real != real_truth:
        raise Incorrect(f"On the split, ORPHANS_SQL counts {real:,}; {real_truth:,} posts are orphaned.")
    _ok(f"ORPHANS_SQL counts the orphaned posts: {truth:,} on a copy with 40 users deleted, {real:,} on "
        "the split.")


_NOT_DATA = {"django_migrations", "sqlite_sequence", "django_content_type", "auth_permission"}
_KEYS = {  # the columns that identify a row across files; content type and permission ids are mapped
    "auth_user": "id, username, email, first_name, last_name, is_staff, is_superuser, is_active, date_joined",
    "auth_group": "id, name",
    "auth_user_groups": "user_id, group_id",
    "django_session": "session_key, session_data, expire_date",
    "acmeapp_post": "id, title, body, author_id",
}


def _rows(path: str, table: str) -> list[tuple]:
    return sorted(map(tuple, sqlite.query(path, f"SELECT {_KEYS[table]} FROM {table}").rows))


def _permissions(path: str, table: str, owner: str) -> list[tuple]:
    sql = (f"SELECT t.{owner}, ct.app_label || '.' || p.codename FROM {table} t "
           "JOIN auth_permission p ON p.id = t.permission_id "
           "JOIN django_content_type ct ON ct.id = p.content_type_id")
    return sorted(map(tuple, sqlite.query(path, sql).rows))


def split_problems(live: str = LIVE, auth: str = AUTH, acme: str = ACME) -> list[str]:
    """What is wrong with the split of ``live`` into ``auth`` and ``acme``, read from the three files."""
    for path in (live, auth, acme):
        sqlite.connect(path).close()
    files = {auth: "split_auth_db", acme: "split_acmeapp_db"}
    found = {path: set(sqlite.tables(path)) for path in files}
    problems = []
    for table in sorted(set(sqlite.tables(live)) - _NOT_DATA):
        count = sqlite.query(live, f"SELECT COUNT(*) FROM {table}").rows[0][0]
        holders = [path for path in files if table in found[path]]
        filled = [path for path in holders if sqlite.query(path, f"SELECT COUNT(*) FROM {table}").rows[0][0]]
        if len(holders) > 1:
            both = " and ".join(files[p] for p in holders)
            problems.append(f"{table} is a table in both files ({both}): the "
                            "routers' allow_migrate must keep each app's tables in one database")
        if not filled:
            problems.append(f"{table}: {count:,} rows on the live site, none in the split (lost)")
            continue
        held = sqlite.query(filled[0], f"SELECT COUNT(*) FROM {table}").rows[0][0]
        if held != count:
            problems.append(f"{table}: {count:,} rows on the live site, {held:,} in {files[filled[0]]}"
                            + (" (rows lost)" if held < count else " (rows copied twice?)"))
        elif table in _KEYS and _rows(live, table) != _rows(filled[0], table):
            theirs = set(_rows(filled[0], table))
            first = next(r for r in _rows(live, table) if r not in theirs)
            problems.append(f"{table}: as many rows as on the live site, but not the same ones: the live "
                            f"row {first[:3]} is not in {files[filled[0]]} (ids must be kept: other rows "
                            "point to them)")
    if "acmeapp_post" in found[acme] and "auth_user" in found[auth]:
        orphans = sqlite.query(acme, ORPHANS_TRUTH, attach={"auth": auth}).rows[0][0]
        if orphans:
            problems.append(f"{orphans:,} posts have an author_id that names no user in split_auth_db "
                            "(orphaned authors): keep the users' ids when you copy them")
    if "django_content_type" in found[auth]:
        types = list(_natural_types(auth).values())
        if sorted(types) != sorted(set(_natural_types(live).values())):
            problems.append("split_auth_db's content types are not one per model of the project: let migrate "
                            "create them, and copy none")
        links = (("auth_group_permissions", "group_id"), ("auth_user_user_permissions", "user_id"))
        for table, owner in links:
            theirs = _permissions(auth, table, owner)
            if theirs and len(theirs) == len(_permissions(live, table, owner)) and (
                    _permissions(live, table, owner) != theirs):
                problems.append(f"{table}: permissions granted on the live site are not the same ones in "
                                "split_auth_db (content type or permission ids copied as numbers): map them "
                                "by "
                                "natural key")
        entries = _log_entries(auth, _natural_types(auth))
        if entries and len(entries) == len(_log_entries(live, _natural_types(live))) and (
                _log_entries(live, _natural_types(live)) != entries):
            problems.append("django_admin_log: entries are about other models than on the live site (content "
                            "type ids copied as numbers): map them by natural key")
    return problems


_LOGIN = ("split_auth_db", "split_acmeapp_db", "both")


def check_login_prediction(answer, server, password: str = "course-local-only",
                           settings: str = "core.settings.split") -> None:
    """Which of the split's files a login through the admin writes to: log in again, and compare.

    Uses ``server`` while it runs; a server stopped by a failed cell is replaced, for the check only,
    by one of its own.
    """
    from course.server import DevServer

    answer = _chosen("PREDICT_LOGIN", answer, _LOGIN)  # before any server is started for it
    if server is not None and server.running:
        _login_writes(answer, server, password)
    else:
        print("(The dev server is stopped, so the check starts one of its own, and stops it.)")
        with DevServer(settings=settings) as own:
            _login_writes(answer, own, password)


def _login_writes(answer: str, server, password: str) -> None:
    """Log in through ``server`` and judge ``answer``, a valid choice, by the split files it changed."""
    import hashlib

    from course.browser import Browser

    files = {"split_auth_db": AUTH, "split_acmeapp_db": ACME}

    def digests() -> dict[str, str]:
        return {name: hashlib.sha256(Path(path).read_bytes()).hexdigest() for name, path in files.items()}

    before = digests()
    page = Browser(server.url).login("admin", password)
    if page.path != "/admin/":
        raise Incorrect(f"The login did not work (it ended on {page.path}): rerun the cells from "
                        "`server = DevServer(…)` down, then this one.")
    changed = [name for name, digest in digests().items() if digest != before[name]]
    print(f"Logged in as admin again; the files that changed: {', '.join(changed) or 'none'}.")
    truth = "both" if len(changed) == 2 else (changed[0] if changed else "none")
    _choice("PREDICT_LOGIN", answer, _LOGIN, truth,
            "A login writes the user's last_login and a new session: auth and sessions live in auth_db; "
            "no post is read or written.")
    _ok("a login writes only to split_auth_db (the user's last_login, a session); split_acmeapp_db is "
        "untouched.")


class NotReady(CourseError):
    """A check that could not run: what it reads is not there yet in this kernel."""


def _guarded(check):
    """``check``, saying in one line what to do when it cannot run (Django not set up, a file or a
    name of the cells above missing) instead of a traceback through the course's code."""
    @functools.wraps(check)
    def run(*args, **kwargs):
        try:
            return check(*args, **kwargs)
        except CourseError:
            raise
        except Exception as error:
            first = (str(error).splitlines() or [""])[0]
            raise NotReady(f"This check could not run ({type(error).__name__}: {first}). Run the cells above "
                           "it in order, from the notebook's first cell (Run › Run All Above Selected "
                           "Cell), then this one again.") from None
    return run


for _name, _check in list(globals().items()):  # every check the notebooks call
    if _name.startswith("check_") and callable(_check):
        globals()[_name] = _guarded(_check)

"""Looks into the learner's project that the checks of several lessons share: run ``manage.py`` with
a settings module, load a settings module, ask a router as Django does, read a SQLite file, and say
why a test run failed, for the multi-database reasons the lessons teach.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from course import forkserver, sqlite
from course.exercises.judges import Incorrect, raised
from course.shell import resume_postgres, terminal_env

__all__ = []  # helpers of the lessons' checks: course.exercises exports none of them


def has_rows(path: str, table: str) -> bool:
    """Whether the SQLite file ``path`` has ``table`` with at least one row (read-only)."""
    return table in sqlite.tables(path) and sqlite.query(path, f"SELECT COUNT(*) FROM {table}").rows[0][0] > 0


def manage_with(module: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``manage.py *args --settings=module`` as in a new terminal (plus ``env``), once the settings
    file exists (else say to write it)."""
    path = Path(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        raise Incorrect(f"{path.as_posix()} does not exist yet: write it in the cell above, "
                        f"starting with %%writefile {path.as_posix()}")
    argv = [sys.executable, "manage.py", *args, f"--settings={module}"]
    resume_postgres()  # a wrong answer just before paused it (course.cleanup), as manage() does
    return forkserver.run(argv, terminal_env(**env))


def settings_report(module: str, code: str) -> dict:
    """What ``code`` (run by ``manage.py shell`` with the settings ``module``) printed as JSON on its
    last line; if the settings do not load, say so with Django's last line."""
    proc = manage_with(module, "shell", "--no-imports", "-c", code)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise Incorrect(f"{module} does not load: {last}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fake_model(app_label: str, model_name: str):
    """A stand-in for a model class of ``app_label``: routers only read its ``_meta``."""
    meta = SimpleNamespace(app_label=app_label, model_name=model_name)
    return type(model_name.capitalize(), (), {"_meta": meta, "__module__": f"{app_label}.models"})


def ask_router(router, name: str, method: str, args: tuple, hints: dict, shown: str):
    """Call the learner's ``router.method(*args, **hints)`` as Django does; an error becomes one
    ``Incorrect`` line (a method without ``**hints`` is told so)."""
    if not hasattr(router, method):
        raise Incorrect(f"{name} has no method {method}: add it (like AuthRouter's), or inherit it.")
    try:
        return getattr(router, method)(*args, **hints)
    except TypeError as error:
        if "unexpected keyword argument" not in str(error):
            raise raised(f"{name}().{method}({shown})", error) from None
        raise Incorrect(f"{name}().{method} refuses the hints Django passes as keyword arguments "
                        f"({error}): end its parameters with **hints, like AuthRouter's.") from None
    except Exception as error:
        raise raised(f"{name}().{method}({shown})", error) from None


def settings_module(module: str):
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
        raise raised(f"Loading {module}", error) from None


WHY_TABLE = {  # why a table besides the app's own is in a file
    "acmeapp_post": "AcmeAppRouter allows acmeapp on acmeapp_db",
    "django_migrations": "every alias records its own migration history",
    "sqlite_sequence": "SQLite adds it to any file with an AUTOINCREMENT table",
}
NUDGE = {  # what a missing table is, without its name
    "acmeapp_post": "the app whose router allows it here",
    "django_migrations": "the record every migrated alias keeps",
    "sqlite_sequence": "a table SQLite adds by itself",
}


_EXCEPTION_LINE = re.compile(r"^(?:E\s+)?([\w.]*(?:Error|Exception|Forbidden|ImproperlyConfigured|"
                             r"DoesNotExist)): (.*)$", re.M)


def why_the_tests_failed(out: str, who: str, listing: str) -> str:
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

"""The checks of 13 · A routing guard: system checks (``notebooks/13_routing_guard.ipynb``)."""

from __future__ import annotations

import copy
import re
import unittest
from contextlib import contextmanager

from course.exercises.judges import Correct, Incorrect, call, chosen, django_ready, judged, your_line
from course.exercises.probes import settings_report
from course.shell import shown_manage

__all__ = ["check_check_ids_prediction", "check_sessions_routing", "check_routing_test",
           "check_default_check", "check_moves_prediction"]


@judged
def check_check_ids_prediction(answer, module: str = "core.settings.broken") -> Correct:
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
    return Correct(f"{module} breaks {', '.join(sorted(truth))}, and nothing else.",
                   {"answer": sorted(answer), "expected": sorted(truth)})


_SESSION_ROUTING = (
    "import json; from django.apps import apps; from django.conf import settings; "
    "from django.contrib.sessions.models import Session; from django.core import checks; "
    "from django.db import router; "
    "print(json.dumps({'issues': [str(e).splitlines()[0] for e in checks.run_checks() if e.is_serious()], "
    "'writes': router.db_for_write(Session), "
    "'migrates': [a for a in settings.DATABASES if router.allow_migrate_model(a, Session)], "
    "'others': {m._meta.label: [what for what, alias in (('reads', router.db_for_read(m)), "
    "('writes', router.db_for_write(m)), ('migrations', 'sessions_db' if router.allow_migrate_model("
    "'sessions_db', m) else None)) if alias == 'sessions_db'] for m in apps.get_models() "
    "if m is not Session}}))"
)


@judged
def check_sessions_routing(module: str = "core.settings.exercise") -> Correct:
    """``module`` passes Django's system checks and sends sessions, and only them, to ``sessions_db``."""
    found = settings_report(module, _SESSION_ROUTING)
    if found["issues"]:
        raise Incorrect(f"{module} still fails the routing checks: manage.py check reports "
                        f"{len(found['issues'])} issue(s), the first: {found['issues'][0]}")
    writes = found["writes"]
    if writes == "auth_db":
        raise Incorrect("manage.py check finds nothing wrong, but sessions are still written to "
                        "'auth_db': routers are asked in the order of DATABASE_ROUTERS, and AuthRouter, "
                        "which claims the app 'sessions', comes first. Put SessionRouter before the others.")
    if writes != "sessions_db":
        raise Incorrect(f"Sessions are written to {writes!r}: the exercise asks for an alias named "
                        "'sessions_db' (in DATABASES and in every answer of SessionRouter).")
    if found["migrates"] != ["sessions_db"]:
        raise Incorrect(f"Session may migrate on {found['migrates']}: only on 'sessions_db'.")
    others = {label: what for label, what in found["others"].items() if what}
    if others:
        label = sorted(others)[0]
        raise Incorrect(f"Sessions go to 'sessions_db', but so do {len(others)} other model(s), such as the "
                        f"{' and '.join(others[label])} of {label}: SessionRouter must answer for the app "
                        "'sessions' only, and None for every other app.")
    return Correct(f"{module} passes the routing checks and keeps sessions, and only them, in sessions_db.",
                   {"writes": writes, "migrates": found["migrates"]})


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
    """The routing check ``check`` as it is, adding each error it reports to ``reported``."""
    def recorded(*args, **kwargs):
        errors = check(*args, **kwargs)
        reported.extend((check, error) for error in errors)
        return errors
    recorded.tags = check.tags
    return recorded


def _silenced(check, reported):
    """The routing check ``check`` switched off: it reports nothing."""
    def silenced(*args, **kwargs):
        return []
    silenced.tags = check.tags
    return silenced


@judged
def check_routing_test(test_class) -> Correct:
    """``test_class`` passes on the project's checks, fails without them, and breaks sessions' routing."""
    django_ready()
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
        raise Incorrect(f"{name} still has no test: write a method whose name starts with test_.")
    result, reported = _run_tests(test_class, _recording)
    if result.first:
        test, error = result.first
        said = " ".join(line.strip() for line in f"{type(error).__name__}: {error}".splitlines()[:6]
                        if line.strip())
        said = said if len(said) <= 500 else said[:500] + " …"
        raise Incorrect(f"{test.id().split('.')[-1]} fails on the project's checks: {said}"
                        f"{your_line(error)}")
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
    return Correct(f"{name} passes on the project's checks and fails without them.",
                   {"fired": sorted(f"{error_id} on {label}" for error_id, label in broken)})


def _is_stub(function) -> bool:
    """Whether ``function``'s source still ends as the exercise's stub does (``return []  # your code``)."""
    import inspect

    try:
        return inspect.getsource(function).rstrip().endswith("return []  # your code")
    except (OSError, TypeError):
        return False


class _NoBackend(Exception):
    """Django cannot load the database backend asked for (its driver is not installed)."""


@contextmanager
def _real_default(engine: str):
    """For the duration, settings and ``django.db.connections`` whose 'default' is a real database of
    ``engine`` (never connected to): ``override_settings(DATABASES=…)`` alone changes the settings, not
    the connections Django has already made, which a check may read too."""
    import warnings

    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connections
    from django.test import override_settings

    name = ":memory:" if engine == "sqlite3" else "acme"
    real = {**settings.DATABASES, "default": {"ENGINE": f"django.db.backends.{engine}", "NAME": name}}
    saved_settings, saved_default = connections.settings, connections["default"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Django warns that overriding DATABASES is unusual
        with override_settings(DATABASES=real):
            connections.settings = connections.configure_settings(copy.deepcopy(real))
            try:
                try:
                    connections["default"] = connections.create_connection("default")
                except (ImproperlyConfigured, ImportError) as error:
                    raise _NoBackend(engine) from error
                yield
            finally:
                connections["default"] = saved_default
                connections.settings = saved_settings


@judged
def check_default_check(check) -> Correct:
    """``check`` is a routing check that reports core.E005 when 'default' is a real database, only then."""
    django_ready()
    from django.core.checks import Error

    name = getattr(check, "__name__", "check_default_is_empty")
    if not callable(check):
        raise Incorrect(f"Pass the function itself, check_default_is_empty, not {check!r}.")
    if "routing" not in getattr(check, "tags", ()):
        raise Incorrect(f"{name} is not registered with the tag 'routing': put @checks.register('routing') "
                        "above it, as in core/checks.py.")
    quiet = call(f"{name}(None)", check, None)
    if not isinstance(quiet, list | tuple):
        raise Incorrect(f"{name}(None) returned {quiet!r}: a check returns a list (empty when all is well).")
    if quiet:
        raise Incorrect(f"On the project's settings, whose 'default' is empty, {name} reports {quiet[0]!r}. "
                        "Django has filled that empty default with its dummy backend: look at its ENGINE.")
    for engine in ("postgresql", "sqlite3"):
        try:
            with _real_default(engine):
                loud = call(f"{name}(None)", check, None)
        except _NoBackend:
            continue  # PostgreSQL's driver is not installed (make … POSTGRES=no): SQLite alone then
        if not loud:
            break
    where = f"With a {engine} database as 'default', {name}"
    if not loud and _is_stub(check):
        raise Incorrect(f"{name} is still the stub, which returns no error whatever the settings: make it "
                        "return a list of one Error when 'default' is a real database.")
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
    return Correct(f"{name} is quiet on the project and reports core.E005 when 'default' is a real "
                   "database.", {"reported": error.id, "with": engine})


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


@judged
def check_moves_prediction(answer) -> Correct:
    """Whether the project's routing checks pass when one of Django's apps alone moves to 'acmeapp_db'."""
    django_ready()
    from django.conf import settings
    from django.core.checks.registry import registry
    from django.test import override_settings

    if not isinstance(answer, dict) or set(answer) != set(_MOVES):
        raise Incorrect(f"Give PREDICT_MOVES as a dict with the keys {', '.join(map(repr, _MOVES))}.")
    if all(v is None for v in answer.values()):
        raise Incorrect("PREDICT_MOVES still holds None for every app: write 'passes' or 'fails' for each.")
    for app, said in answer.items():
        chosen(f"PREDICT_MOVES[{app!r}]", said, ("passes", "fails"))
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
    return Correct("contenttypes and admin must stay with auth; sessions may go anywhere.",
                   {"answer": {app: said.strip() for app, said in answer.items()}, "fired": found})

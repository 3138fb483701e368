"""The answers the checks of the lesson ``routing_guard`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

SESSIONS_TEST = '''from django.contrib.sessions.models import Session
from django.test import {base}, override_settings

from core.db_routers import AcmeAppRouter, AuthRouter
from core.tests import routing_errors


class SessionRouter:
    def db_for_read(self, model, **hints):
        return 'sessions_db' if model._meta.app_label == 'sessions' else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == 'sessions_db' if app_label == 'sessions' else None


class SessionsCheckTests({base}):
    {decorator}
    def test_sessions(self):
        {body}
'''

DEFAULT_CHECK = '''from django.conf import settings
from django.core import checks


{decorator}
def check_default_is_empty(app_configs, **kwargs):
    if {condition}:
        return []
    return {result}
'''

DUMMY = "settings.DATABASES['default'].get('ENGINE', 'x.dummy') == 'django.db.backends.dummy'"

E005 = "[checks.Error('default is a real database', hint='Keep it empty.', id='core.E005')]"

# The ENGINE read from the connection Django made for 'default', as right as the settings' own.
CONNECTIONS_CHECK = '''from django.core import checks
from django.db import connections


@checks.register('routing')
def check_default_is_empty(app_configs, **kwargs):
    if connections['default'].settings_dict['ENGINE'] == 'django.db.backends.dummy':
        return []
    return [checks.Error('default is a real database', hint='Keep it empty.', id='core.E005')]
'''

# SessionRouter's lines in the exercise's solution, and what answers for every app instead.
OWN_WRITES = "db_for_write = db_for_read\n"
EVERY_WRITE = "def db_for_write(self, model, **hints):\n        return 'sessions_db'\n"
SESSIONS_ONLY = ("if model._meta.app_label == 'sessions':\n            return 'sessions_db'\n"
                 "        return None")
MIGRATE_SESSIONS_ONLY = ("if app_label == 'sessions':\n            return db == 'sessions_db'\n"
                         "        return None")

BROKEN = "@override_settings(DATABASE_ROUTERS=[SessionRouter(), AuthRouter(), AcmeAppRouter()])"

CASES = {
    "check_moves_prediction": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace('"sessions": "passes"', '"sessions": "fails"'),
         "Not for sessions"),
        (lambda solution: solution.replace('"contenttypes": "fails"', '"contenttypes": "passes"'),
         "Not for contenttypes"),
        (lambda solution: solution.replace('"admin": "fails"', '"admin": "Fails"'),
         "is not one of the choices"),
        ('PREDICT_MOVES = {"sessions": "passes"}', "Give PREDICT_MOVES as a dict"),
    ],
    "check_default_check": [
        (SOLUTION, RIGHT),
        (DEFAULT_CHECK.format(decorator="@checks.register('routing')", condition=DUMMY, result="[]"),
         "returned no error ([])"),
        (DEFAULT_CHECK.format(decorator="@checks.register('routing')",
                              condition="not settings.DATABASES['default']", result=E005),
         "Django has filled that empty default with its dummy backend"),
        (DEFAULT_CHECK.format(decorator="", condition=DUMMY, result=E005), "is not registered with the tag"),
        (DEFAULT_CHECK.format(decorator="@checks.register('routing')", condition=DUMMY,
                              result=E005.replace("checks.Error", "checks.Warning")), "return checks.Error"),
        (DEFAULT_CHECK.format(decorator="@checks.register('routing')", condition=DUMMY,
                              result=E005.replace("E005", "E004")), "give it id='core.E005'"),
        (DEFAULT_CHECK.format(decorator="@checks.register('routing')", condition=DUMMY,
                              result=E005.replace(" hint='Keep it empty.',", "")), "has no hint"),
        (DEFAULT_CHECK.format(decorator="@checks.register('routing')", condition=DUMMY, result=E005[1:-1]),
         "return a list of one Error"),
        (DEFAULT_CHECK.format(decorator="@checks.register('routing')",
                              condition="settings.DATABASES['default']['ENGINE'].endswith('dummy')",
                              result=E005), RIGHT),
        (DEFAULT_CHECK.format(decorator="@checks.register('routing')",
                              condition="'sqlite3' not in settings.DATABASES['default'].get('ENGINE', '')",
                              result=E005), "With a postgresql database as 'default'"),
        (CONNECTIONS_CHECK, RIGHT),
    ],
    "check_routing_test": [
        (SOLUTION, RIGHT),
        (SESSIONS_TEST.format(base="SimpleTestCase", decorator=BROKEN,
                              body="self.assertEqual(sorted(routing_errors(), key=str), "
                                   "[('core.E001', Session)] + [('core.E003', Session)] * 2)"), RIGHT),
        (SESSIONS_TEST.format(base="SimpleTestCase", decorator=BROKEN,
                              body="self.assertCountEqual(routing_errors(), [('core.E001', Session)])"),
         "fails on the project's checks: AssertionError"),
        (SESSIONS_TEST.format(base="SimpleTestCase", decorator="",
                              body="self.assertEqual(routing_errors(), [])"),
         "never breaks the routing of sessions"),
        (SESSIONS_TEST.format(base="SimpleTestCase", decorator=BROKEN, body="routing_errors()"),
         "passes even with the routing checks switched off"),
        (SESSIONS_TEST.format(base="TestCase", decorator=BROKEN, body="routing_errors()"),
         "should be a SimpleTestCase"),
        (SESSIONS_TEST.format(base="SimpleTestCase", decorator=BROKEN,
                              body="self.assertTrue(routing_errors())"),
         "still passes with check_"),
        (SESSIONS_TEST.format(base="SimpleTestCase", decorator=BROKEN, body="pass").replace(
            "class SessionsCheckTests(SimpleTestCase)", "class SessionsCheckTests"), "is not a test case"),
        (SESSIONS_TEST.format(base="SimpleTestCase", decorator=BROKEN,
                              body="self.assertEqual(routing_erors(), [])"),
         "NameError: name 'routing_erors' is not defined (line"),
    ],
    "check_check_ids_prediction": [
        (SOLUTION, RIGHT),
        ("PREDICT_IDS = ['core.E004']", RIGHT),
        ("PREDICT_IDS = {'core.E004', 'core.E002'}", "the checks report core.E004"),
        ("PREDICT_IDS = {'E004'}", "the project's checks are core.E001 to core.E004"),
        ("PREDICT_IDS = 'core.E004'", "Give PREDICT_IDS as a set"),
    ],
    "check_sessions_routing": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace("[SessionRouter(), *DATABASE_ROUTERS]",
                                           "[*DATABASE_ROUTERS, SessionRouter()]"),
         "manage.py check finds nothing wrong, but sessions are still written to 'auth_db'"),
        (lambda solution: solution.replace("return db == 'sessions_db'", "return True"), "core.E00"),
        (lambda solution: solution.replace(OWN_WRITES, EVERY_WRITE),
         "Sessions go to 'sessions_db', but so do"),
        (lambda solution: solution.replace(SESSIONS_ONLY, "return 'sessions_db'"),
         "such as the reads and writes of acmeapp.Post"),
        (lambda solution: solution.replace(MIGRATE_SESSIONS_ONLY, "return db == 'sessions_db'"),
         "such as the migrations of acmeapp.Post"),
    ],
}

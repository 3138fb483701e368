"""The answers the checks of the lesson ``running_the_server`` are tried on (see __init__.py)."""

from __future__ import annotations

from course.series import lesson

from . import RIGHT, SOLUTION

SERVER = lesson("running_the_server").stem

OPEN_07 = f'from course.workspace import open_project\n\nopen_project("{SERVER}")\n'

SUPERUSER = ('PASSWORD = "course-local-only"\n\n'
             'manage("createsuperuser", "--noinput", "--username=admin", "--email=admin@example.com", {args}'
             'check=False)')

CASES = {
    "check_superuser": [
        (SUPERUSER.format(args=""), "There is still no user 'admin' in auth_db.sqlite3"),
        (SUPERUSER.format(args='"--database=acmeapp_db", '), "There is still no user 'admin'"),
        (SUPERUSER.format(args='"--database=auth_db", ').replace("--username=admin", "--username=Admin"),
         "has the user(s) 'Admin' but none named 'admin'"),
        (OPEN_07 + SUPERUSER.format(args='"--database=auth_db", '), "has no usable password"),
        (OPEN_07 + SUPERUSER.format(args='"--database=auth_db", '
                                         'env={"DJANGO_SUPERUSER_PASSWORD": "secret"}, '),
         "has a password, but not PASSWORD"),
        (OPEN_07 + SUPERUSER.format(args='"--database", "auth_db", '
                                         'env={"DJANGO_SUPERUSER_PASSWORD": PASSWORD}, '), RIGHT),
    ],
    "check_after_stop_prediction": [
        (SOLUTION, RIGHT),
        ("PREDICT_AFTER_STOP = \"the admin's login page\"", "the request got 'no connection at all'"),
        ('PREDICT_AFTER_STOP = "refused"', "is not one of the choices"),
        ('from course.server import DevServer\n\nserver = DevServer()\n'
         'PREDICT_AFTER_STOP = "no connection at all"', RIGHT),
        ('server.stop()\nPREDICT_AFTER_STOP = " no connection at all "', RIGHT),
    ],
    "check_rows_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICTED_FILES = {"session": "auth_db.sqlite3", "admin log entry": "acmeapp_db.sqlite3", '
         '"post": "acmeapp_db.sqlite3"}',
         "The admin log entry is in auth_db.sqlite3, not acmeapp_db.sqlite3"),
        ('PREDICTED_FILES = {"session": "auth_db", "admin log entry": None, "post": None}',
         "PREDICTED_FILES['session'] = 'auth_db' is not one of"),
        ('PREDICTED_FILES = {"session": "auth_db.sqlite3"}', "Give PREDICTED_FILES as a dict with the keys"),
    ],
    "check_admin_log_query": [
        (SOLUTION, RIGHT),
        ('ANSWER_FILE = "auth_db.sqlite3"\nANSWER_SQL = "SELECT * FROM django_admin_log"', RIGHT),
        ('ANSWER_FILE = "acmeapp_db.sqlite3"\nANSWER_SQL = "SELECT * FROM django_admin_log"',
         "has no admin log"),
        ('ANSWER_FILE = "auth.sqlite3"\nANSWER_SQL = "SELECT * FROM django_admin_log"',
         "No database file 'auth.sqlite3'"),
        ('ANSWER_FILE = "auth_db.sqlite3"\nANSWER_SQL = "SELECT * FROM django_admin_log WHERE id = 99"',
         "none mentioning"),
        ('ANSWER_FILE = ""\nANSWER_SQL = ""', "ANSWER_FILE and ANSWER_SQL are still empty"),
        ('ANSWER_FILE = "auth_db.sqlite3"\nANSWER_SQL = ""', "Fill in both ANSWER_FILE"),
        ('ANSWER_FILE = "auth_db.sqlite3"\nANSWER_SQL = "SELECT * FROM django_admin_log; SELECT 1"',
         "write one SELECT"),
    ],
}

"""Every check, on the untouched student copy and on tables of answers: the stub gets the check's
own message for it, each wrong answer its own message, never a traceback from inside the course's
package; each differently written right answer passes.

Every notebook runs once, as a student copy, in one kernel, as a student would: each check cell
first runs on the stub, then each answer of its table replaces the exercise cell and the check
cell runs again, as a student would rerun it; then the worked solution, and the lesson goes on.
"""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from course.exercises.judges import RIGHT, result_in
from course.lessonformat import CHECK, COURSE, EXERCISE, ON_STUB, RAISES
from course.lessonformat import SOLUTION as SOLUTION_TAG
from course.series import lesson, notebooks, tags
from course.student import write_all

pytestmark = pytest.mark.slow

# An answer expecting RIGHT expects its check to pass: its result says so, and so does its line.
SOLUTION = None  # stands for the teacher's worked solution; a function of it stands for a variant

LOCAL = "%%writefile core/settings/local.py\nfrom .multi import *  # noqa: F403\n\n"
NOTES = '''class NotesRouter:
    route_app_labels = ['notes']

    def db_for_read(self, model, **hints):
        if model._meta.app_label in self.route_app_labels:
            return {alias!r}
        return None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label in self.route_app_labels:
            return {migrate}
        return None
'''
AUTHOR_TESTS = '''%%writefile acmeapp/test_exercise.py
from django.contrib.auth.models import User
from django.test import TestCase

from acmeapp.models import Post


class AuthorTests(TestCase):
    {databases}

    def test_user_and_post(self):
        User.objects.create_user("ada", password="not-a-real-password")
        Post.objects.create(title="By Ada")
        self.assertEqual(User.objects.count(), 1)
        self.assertEqual(Post.objects.count(), {count})
'''
STAFF = 'def posts_by_staff():\n    {body}\n'
FETCH = 'from django.db import transaction\n\n\ndef create_and_fetch(title):\n    {body}\n'
SERVER = lesson("running_the_server").stem
OPEN_07 = f'from course.workspace import open_project\n\nopen_project("{SERVER}")\n'
SUPERUSER = ('PASSWORD = "course-local-only"\n\n'
             'manage("createsuperuser", "--noinput", "--username=admin", "--email=admin@example.com", {args}'
             'check=False)')
REPLICA_ROUTER = '''from core.db_routers import AuthRouter


class AuthPrimaryReplicaRouter({base}):
    def db_for_read(self, model{hints}):
        if {condition}:
            return {alias!r}
        return None
'''
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
BROKEN = "@override_settings(DATABASE_ROUTERS=[SessionRouter(), AuthRouter(), AcmeAppRouter()])"
PYTEST_FILE = '''%%writefile acmeapp/replica_authors.py
import pytest
from django.contrib.auth.models import User

from acmeapp.models import Post


{mark}
def test_an_author_finds_her_post_on_the_replica():
    lin = User.objects.create_user("lin")
    Post.objects.create(title="One", author=lin)
    assert Post.objects.filter(author=lin).count() == {count}
'''

# Damage done after a right move_log_entries() (14): what the capstone's check must catch.
LOSE_A_SESSION = """
from django.contrib.sessions.models import Session

Session.objects.using("auth_db").order_by("pk").first().delete()
"""
ORPHAN_AN_AUTHOR = """
from django.contrib.auth.models import User
from django.db import connections

from acmeapp.models import Post

busy = {1, *LogEntry.objects.using("auth_db").values_list("user_id", flat=True),
        *User.groups.through.objects.using("auth_db").values_list("user_id", flat=True),
        *User.user_permissions.through.objects.using("auth_db").values_list("user_id", flat=True)}
authors = Post.objects.using("acmeapp_db").exclude(author=None).values_list("author_id", flat=True)
author = min(set(authors) - busy)  # a user who wrote posts, and nothing else points at
with connections["auth_db"].cursor() as cursor:
    cursor.execute("DELETE FROM auth_user WHERE id = %s", [author])
"""
RENAME_A_USER = """
from django.contrib.auth.models import User

User.objects.using("auth_db").filter(pk=2).update(username="not.the.same")
"""
REGRANT_BY_NUMBER = """
from django.contrib.auth.models import Group

links = Group.permissions.through
links.objects.using("auth_db").all().delete()
links.objects.using("auth_db").bulk_create(list(links.objects.using("live")))
"""


CASES = {
    "listing_the_tables": {"check_owners_prediction": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace('"admin"', '" admin "'), RIGHT),
        (lambda solution: solution.replace('"admin"', '"django"'),
         "is not one of the installed apps' labels"),
        (lambda solution: solution.replace('"admin"', '"auth"'),
         "django_admin_log belongs to admin (model admin.LogEntry)"),
        (lambda solution: solution.replace('"no app"', '"contenttypes"'), "no model owns django_migrations"),
        (lambda solution: solution.replace('"sessions"', "None"), "is not one of the installed apps' labels"),
        ('PREDICT_OWNERS = {"django_session": "sessions"}', "Give PREDICT_OWNERS as a dict"),
    ], "check_migrations_prediction": [
        (SOLUTION, RIGHT),
        ("PREDICT_MIGRATIONS = 12", "You predicted 12; the file holds 19 rows"),
        ('PREDICT_MIGRATIONS = "19"', "give a whole number"),
    ], "check_tables_without_id": [
        (SOLUTION, RIGHT),
        ('TABLES_WITHOUT_ID = ["sqlite_sequence", "django_session"]', RIGHT),
        ('TABLES_WITHOUT_ID = {"django_session"}', "1 of the 2 tables is still missing"),
        ('TABLES_WITHOUT_ID = {"django_session", "sqlite_sequence", "auth_user"}',
         "'auth_user' is not one of them: its primary key is id"),
        ('TABLES_WITHOUT_ID = "django_session"', "not str"),
    ]},
    "split_settings": {"check_settings_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_SETTINGS = " core.settings.multi "', RIGHT),
        ('PREDICT_SETTINGS = "core.settings.single"',
         "You predicted 'core.settings.single'; Django says 'core.settings.multi'"),
        ('PREDICT_SETTINGS = "multi"', "is not one of the choices"),
    ], "check_migrate_alias_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_ALIAS = "all of them"', "Django says 'default'"),
        ('PREDICT_ALIAS = "auth"', "is not one of the choices"),
    ], "check_local_settings": [
        (SOLUTION, RIGHT),
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data/auth_db.sqlite3'\n"
                 "DATABASES['acmeapp_db']['NAME'] = BASE_DIR / 'data/acmeapp_db.sqlite3'\n", RIGHT),
        (LOCAL + "DATABASES['auth_db']['NAME'] = 'data/auth_db.sqlite3'\n"
                 "DATABASES['acmeapp_db']['NAME'] = 'data/acmeapp_db.sqlite3'\n",
         "is the relative path 'data/auth_db.sqlite3'"),
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / '/data/auth_db.sqlite3'\n"
                 "DATABASES['acmeapp_db']['NAME'] = BASE_DIR / '/data/acmeapp_db.sqlite3'\n",
         "outside the project folder"),
        (LOCAL + "DATABASES = {'default': {}, 'auth-db': DATABASES['auth_db'], "
                 "'acmeapp_db': DATABASES['acmeapp_db']}\n", "it has 'default', 'auth-db', 'acmeapp_db'"),
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'db' / 'auth_db.sqlite3'\n",
         "the exercise asks for 'data/auth_db.sqlite3'"),
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data' / 'auth_db.sqlite3'\n",
         "DATABASES['acmeapp_db']['NAME'] is 'acmeapp_db.sqlite3'"),
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data' / 'auth_db.sqlite3\n", "does not load"),
        ('%%writefile core/settings/local.py\n"""Nothing yet."""\n', "nor any alias but Django's default"),
    ]},
    "routers": {"check_logentry_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_LOGENTRY = "acmeapp_db"', "Django says 'auth_db'. LogEntry is a model of the app 'admin'"),
        ("PREDICT_LOGENTRY = auth_db", "NameError: name 'auth_db' is not defined"),  # the answer cell fails
    ], "check_notes_router": [
        (SOLUTION, RIGHT),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'"), RIGHT),
        (NOTES.format(alias="notes", migrate="db == 'notes_db'"), "returned 'notes'; expected 'notes_db'"),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'").replace(
            "model._meta.app_label", "model.app_label"), "type object 'Note' has no attribute 'app_label'"),
        (NOTES.format(alias="notes_db", migrate="True"), "returned True; expected False"),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'").replace(", **hints", ""),
         "refuses the hints Django passes"),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'").replace(
            "app_label, model_name=None", "model"), "got multiple values for argument 'model'"),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'").replace(
            "def db_for_read(self, model", "def db_for_read(model"), "raised TypeError"),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'") + "\n\nNotesRouter = NotesRouter()\n",
         "Pass the class itself"),
    ]},
    "migrating_each_alias": {"check_showmigrations_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_APPLIED = ["sessions", "acmeapp"]', RIGHT),
        ('PREDICT_APPLIED = {"sessions"}', "the command shows [X] for acmeapp, sessions"),
        ("PREDICT_APPLIED = set()", "You predicted [X] for none"),
        ('PREDICT_APPLIED = "sessions"', "Give PREDICT_APPLIED as a set"),
        ('PREDICT_APPLIED = set("sessions")', "single letters"),
        ('PREDICT_APPLIED = {"acmeapp_post"}', "the command lists only"),
    ], "check_content_types_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_CONTENT_TYPES = "auth only"', "Django says 'both'"),
        ('PREDICT_CONTENT_TYPES = "Both"', "is not one of the choices"),
    ], "check_predicted_tables": [
        (SOLUTION, RIGHT),
        ('PREDICTED = ["sqlite_sequence", "acmeapp_post", "django_migrations"]', RIGHT),
        ('PREDICTED = {"acmeapp_post"}', "2 of the 3 tables are still missing (think of:"),
        ('PREDICTED = {"acmeapp_post", "django_migrations"}',
         "1 of the 3 tables is still missing (think of: a table SQLite adds by itself)"),
        ('PREDICTED = {"acmeapp_post", "django_migrations", "sqlite_sequence", "auth_user"}',
         "'auth_user' is not one of them: AuthRouter keeps"),
        ('PREDICTED = "acmeapp_post"', "not str"),
        ('PREDICTED = set("acmeapp_post")', "holds single letters"),
    ]},
    "testing": {"check_test_run_prediction(PREDICT_OUTCOME": [
        (SOLUTION, RIGHT),
        ('PREDICT_OUTCOME = "passes"', "Django says 'Circular dependency'. Before any test runs"),
        ('PREDICT_OUTCOME = "circular dependency"', "is not one of the choices"),
    ], "check_test_run_prediction(PREDICT_ALL": [
        (SOLUTION, RIGHT),
        ('PREDICT_ALL = "passes"', "Django says 'ENGINE error'. '__all__' includes the empty 'default'"),
    ], "check_test_module_passes": [
        (SOLUTION, RIGHT),
        (AUTHOR_TESTS.format(databases="databases = ['acmeapp_db', 'auth_db']", count=1), RIGHT),
        (AUTHOR_TESTS.format(databases="databases = {'acmeapp_db'}", count=1),
         "sent queries to 'auth_db', which AuthorTests.databases does not list"),
        (AUTHOR_TESTS.format(databases="databases = {'auth_db', 'acmeap_db'}", count=1),
         "names 'acmeap_db', which settings.DATABASES does not define"),
        (AUTHOR_TESTS.format(databases="databases = 'auth_db'", count=1), "is a string"),
        (AUTHOR_TESTS.format(databases="databases = '__all__'", count=1), "The empty 'default'"),
        (AUTHOR_TESTS.format(databases="databases = {'auth_db', 'acmeapp_db'}", count=2),
         "not for a multi-database reason: AssertionError: 1 != 2"),
    ]},
    "running_the_server": {"check_superuser": [
        (SUPERUSER.format(args=""), "There is no user 'admin' in auth_db.sqlite3 yet"),
        (SUPERUSER.format(args='"--database=acmeapp_db", '), "There is no user 'admin'"),
        (SUPERUSER.format(args='"--database=auth_db", ').replace("--username=admin", "--username=Admin"),
         "has the user(s) 'Admin' but none named 'admin'"),
        (OPEN_07 + SUPERUSER.format(args='"--database=auth_db", '), "has no usable password"),
        (OPEN_07 + SUPERUSER.format(args='"--database=auth_db", '
                                         'env={"DJANGO_SUPERUSER_PASSWORD": "secret"}, '),
         "has a password, but not PASSWORD"),
        (OPEN_07 + SUPERUSER.format(args='"--database", "auth_db", '
                                         'env={"DJANGO_SUPERUSER_PASSWORD": PASSWORD}, '), RIGHT),
    ], "check_after_stop_prediction": [
        (SOLUTION, RIGHT),
        ("PREDICT_AFTER_STOP = \"the admin's login page\"", "the request got 'no connection at all'"),
        ('PREDICT_AFTER_STOP = "refused"', "is not one of the choices"),
        ('from course.server import DevServer\n\nserver = DevServer()\n'
         'PREDICT_AFTER_STOP = "no connection at all"', RIGHT),
        ('server.stop()\nPREDICT_AFTER_STOP = " no connection at all "', RIGHT),
    ], "check_rows_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICTED_FILES = {"session": "auth_db.sqlite3", "admin log entry": "acmeapp_db.sqlite3", '
         '"post": "acmeapp_db.sqlite3"}',
         "The admin log entry is in auth_db.sqlite3, not acmeapp_db.sqlite3"),
        ('PREDICTED_FILES = {"session": "auth_db", "admin log entry": None, "post": None}',
         "PREDICTED_FILES['session'] = 'auth_db' is not one of"),
        ('PREDICTED_FILES = {"session": "auth_db.sqlite3"}', "Give PREDICTED_FILES as a dict with the keys"),
    ], "check_admin_log_query": [
        (SOLUTION, RIGHT),
        ('ANSWER_FILE = "auth_db.sqlite3"\nANSWER_SQL = "SELECT * FROM django_admin_log"', RIGHT),
        ('ANSWER_FILE = "acmeapp_db.sqlite3"\nANSWER_SQL = "SELECT * FROM django_admin_log"',
         "has no admin log"),
        ('ANSWER_FILE = "auth.sqlite3"\nANSWER_SQL = "SELECT * FROM django_admin_log"',
         "No database file 'auth.sqlite3'"),
        ('ANSWER_FILE = "auth_db.sqlite3"\nANSWER_SQL = "SELECT * FROM django_admin_log WHERE id = 99"',
         "none mentioning"),
        ('ANSWER_FILE = "auth_db.sqlite3"\nANSWER_SQL = "SELECT * FROM django_admin_log; SELECT 1"',
         "write one SELECT"),
    ]},
    "postgresql": {"check_insert_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_INSERT = "it fails: no user 42"', "SQLite says 'no such table: main.auth_user'"),
        ('PREDICT_INSERT = "the row goes in"', "has no auth_user table to look in"),
        ('PREDICT_INSERT = "fails"', "is not one of the choices"),
    ], "check_database_url": [
        (SOLUTION, RIGHT),
        ('REPORTS_URL = "postgresql://ada:s3cret%2342@db2.example.com:6543/reports"', RIGHT),
        ('REPORTS_URL = "postgres://ada:s3cret#42@db2.example.com:6543/reports"', "write it %23"),
        ('REPORTS_URL = "postgres://ada:s3cret%2342@db2.example.com/reports"', "PORT is"),
        ('REPORTS_URL = "mysql://ada:s3cret%2342@db2.example.com:6543/reports"', "ENGINE is"),
        ('REPORTS_URL = "postgres://ada:s3cret%2342@db2.example.com:6543/report"', "NAME is 'report'"),
        ("REPORTS_URL = 6543", "Give REPORTS_URL as a string"),
        ('REPORTS_URL = "postgres://ada:s3cret%2342@db2.example.com:port/reports"',
         "must be a number, not 'port'"),
    ], "check_test_database_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_TEST_DB = "test_acmeapp_db"', "Django says 'test_acmeapp'"),
        ('PREDICT_TEST_DB = "memory"', "is not one of the choices"),
    ], "check_predicted_pg_tables": [
        (SOLUTION, RIGHT),
        ('PREDICTED_PG = {"acmeapp_post", "django_migrations", "sqlite_sequence"}',
         "'sqlite_sequence' is not one of them: it is SQLite's own table"),
        ('PREDICTED_PG = {"acmeapp_post"}', "1 of the 2 tables is still missing"),
        ('PREDICTED_PG = {"acmeapp_post", "django_migrations", "acmeapp_post_id_seq"}', "it is a sequence"),
    ]},
    "relations_across_databases": {"check_data_migration_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_DATA = "it fails: auth_db has no acmeapp_post"', "Django says 'it is recorded; "),
        ('PREDICT_DATA = "it is skipped: not recorded at all"', "AcmeAppRouter answers False for auth_db"),
        ('PREDICT_DATA = "skipped"', "is not one of the choices"),
    ], "check_migration_sql_prediction(PREDICT_SQL_AGAIN": [
        (SOLUTION, RIGHT),
        ('PREDICT_SQL_AGAIN = "a REFERENCES clause to auth_user"', "leaves out the constraint"),
        ('PREDICT_SQL_AGAIN = None', "PREDICT_SQL_AGAIN is still None"),
    ], "check_migration_sql_prediction(PREDICT_SQL)": [
        (SOLUTION, RIGHT),
        ('PREDICT_SQL = "a plain column, without REFERENCES"',
         "sqlmigrate shows 'a REFERENCES clause to auth_user'"),
        ('PREDICT_SQL = "REFERENCES"', "is not one of the choices"),
    ]},
    "queries_across_databases": {"check_query_predictions": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace('"ada.post_set.all()": "works"', '"ada.post_set.all()": "fails"'),
         "Not what Django did: ada.post_set.all() works."),
        (lambda solution: solution.replace('"fails"', '"fail"', 1), "write 'works' or 'fails'"),
        ('PREDICT_QUERIES = {"Post.objects.filter(author=ada)": "works"}',
         "Give PREDICT_QUERIES as the dict"),
    ], "check_delete_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_DELETE = "deleted with her"', "Django says 'author_id keeps her id'. Post.author has "
                                                "on_delete=models.DO_NOTHING"),
        ('PREDICT_DELETE = "None"', "is not one of the choices"),
    ], "check_posts_by_staff": [
        (SOLUTION, RIGHT),
        (STAFF.format(body="ids = [user.pk for user in User.objects.filter(is_staff=True)]\n"
                           "    return [post for post in Post.objects.filter(author_id__in=ids)]"), RIGHT),
        (STAFF.format(body="return Post.objects.filter(author__in=User.objects.filter(is_staff=True))"),
         "makes acmeapp_db read auth_user"),
        (STAFF.format(body="Post.objects.filter(author__is_staff=True)"), "is its `return` missing?"),
        (STAFF.format(body="return Post.objects.filter(author__in=User.objects.using('auth_db')"
                           ".filter(is_staff=True))"), "Django refuses"),
        (STAFF.format(body="return Post.objects.filter(author_id__in=staf)"),
         "raised NameError: name 'staf' is not defined (line 2 of your cell"),
        (STAFF.format(body="return Post.objects.all()"), "the staff users wrote 1"),
        (STAFF.format(body="return Post.objects.filter(title='Notes by kim')"),
         "wrong once the check added a staff user"),
        (STAFF.format(body="return Post.objects.filter(author_id=kim.pk)"), "wrong once the check added"),
        (STAFF.format(body="return [p for p in Post.objects.all() if p.author and p.author.is_staff]"),
         "Ada's orphan"),
        (STAFF.format(body="return Post.objects.filter(author_id__in=[kim.pk])"
                           ".values_list('title', flat=True)"),
         "return the posts themselves"),
    ]},
    "primary_and_replica": {"check_primary_admin": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace("using = router.db_for_read(db_field.related_model)",
                                           "using = self.using"), "formfield_for_foreignkey"),
        (lambda solution: solution.replace(
            "        using = router.db_for_read(db_field.related_model)\n"
            "        return super().formfield_for_foreignkey(db_field, request, using=using, **kwargs)",
            "        return super().formfield_for_foreignkey(db_field, request, **kwargs)"), RIGHT),
        (lambda solution: solution.replace("return super().get_queryset(request).using(self.using)",
                                           "return super().get_queryset(request)"),
         "The list right after the save misses the new post: it is read from 'acmeapp_replica'"),
        (lambda solution: solution.replace("obj.save(using=self.using)", "obj.save(using='acmeapp_replica')"),
         "the primary 'acmeapp_db' has no such post"),
        (lambda solution: solution.replace("obj.delete(using=self.using)", "pass"),
         "delete_model must delete with obj.delete(using=self.using)"),
        (lambda solution: solution.replace("obj.save(using=self.using)", "obj.save(usin=self.using)"),
         "raised TypeError"),
        ("PrimaryPostAdmin = None", "write a class that inherits from admin.ModelAdmin"),
        (lambda solution: solution.replace("def get_queryset(", "def get_query_set("),
         "defines get_query_set, which Django never calls"),
        (lambda solution: solution.replace("def formfield_for_foreignkey(self, ",
                                           "def formfield_for_foreignkey("),
         "Does each method take self first"),
    ], "check_replica_test_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_REPLICA_TEST = "database table is locked"', "Django says 'no such table: acmeapp_post'"),
        ('PREDICT_REPLICA_TEST = "locked"', "is not one of the choices"),
    ], "check_replica_router": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.split("    def db_for_read")[0],
         "returned 'auth_db'; expected 'auth_replica'"),
        (REPLICA_ROUTER.format(base="AuthRouter", hints=", **hints", alias="acmeapp_replica",
                               condition="model._meta.app_label in self.route_app_labels"),
         "returned 'acmeapp_replica'; expected 'auth_replica'"),
        (REPLICA_ROUTER.format(base="AuthRouter", hints=", **hints", alias="auth_replica",
                               condition="model._meta.app_label == 'auth'"),
         "db_for_read(contenttypes.Contenttype) returned None"),
        (REPLICA_ROUTER.format(base="AuthRouter", hints="", alias="auth_replica",
                               condition="model._meta.app_label in self.route_app_labels"), "**hints"),
        (REPLICA_ROUTER.format(base="AuthRouter", hints=", **hints", alias="auth_replica",
                               condition="model._meta.app_label in self.route_app_labels")
         + "\n    db_for_write = db_for_read\n", "writes still go to the primary"),
        (REPLICA_ROUTER.format(base="AuthRouter", hints=", **hints", alias="auth_replica",
                               condition="model._meta.app_label in AuthRouter.route_app_labels"), RIGHT),
        ("AuthPrimaryReplicaRouter = None", "Pass the class itself"),
    ], "check_read_after_write_prediction": [
        (SOLUTION, RIGHT),
        ("PREDICT_FOUND = True", "the next cell will show False: the post is written to 'acmeapp_db'"),
        ('PREDICT_FOUND = "False"', "write True or False (without quotes)"),
    ], "check_create_and_fetch": [
        (SOLUTION, RIGHT),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_db'):\n"
                           "        Post.objects.create(title=title)\n"
                           "    return Post.objects.db_manager('acmeapp_db').get(title=title)"), RIGHT),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_db'):\n"
                           "        Post.objects.create(title=title)\n"
                           "    return Post.objects.get(title=title)"), "looked for it on the replica"),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_db'):\n"
                           "        post = Post.objects.create(title=title)\n"
                           "    post.refresh_from_db(using='acmeapp_db')\n    return post"), RIGHT),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_db'):\n"
                           "        Post.objects.create(title=title)\n"
                           "        return Post.objects.using('acmeapp_db').get(title=title)"), RIGHT),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_replica'):\n"
                           "        Post.objects.create(title=title)\n"
                           "    return Post.objects.using('acmeapp_db').get(title=title)"),
         "not written inside a transaction of the primary"),
        (FETCH.format(body="Post.objects.create(title=title)\n"
                           "    return Post.objects.using('acmeapp_db').get(title=title)"),
         "not written inside a transaction of the primary"),
        (FETCH.format(body="with transaction.atomic():\n        Post.objects.create(title=title)\n"
                           "    return Post.objects.using('acmeapp_db').get(title=title)"),
         "used the empty 'default' alias"),
        (FETCH.format(body="Post.objects.create(title=title)\n"
                           "    return Post.objects.using('acmeap_db').get(title=title)"),
         "names an alias that DATABASES does not define"),
        (FETCH.format(body="Post.objects.using('acmeapp_replica').create(title=title)\n"
                           "    return Post.objects.using('acmeapp_replica').get(title=title)"),
         "wrote the post to the replica"),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_db'):\n"
                           "        Post.objects.create(title=title)\n"
                           "    Post.objects.using('acmeapp_db').get(title=title)"),
         "is its `return` missing?"),
    ]},
    "pytest": {"check_collection_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_COLLECTED = ["tests.py", "test_posts.py"]', RIGHT),
        ('PREDICT_COLLECTED = {"acmeapp\\\\tests.py", "acmeapp\\\\test_posts.py"}', RIGHT),
        ('PREDICT_COLLECTED = {"acmeapp/tests.py"}', "It also collects test_posts.py"),
        ('PREDICT_COLLECTED = {"acmeapp/tests.py", "acmeapp/test_posts.py", "acmeapp/replica_pytest.py", '
         '"acmeapp/replica_tests.py"}', "does not collect replica_pytest.py, replica_tests.py"),
        ('PREDICT_COLLECTED = "acmeapp/tests.py"', "Give PREDICT_COLLECTED as a set"),
        ('PREDICT_COLLECTED = {"acmeapp/test_exercise.py"}', "the candidates are"),
    ], "check_pytest_file_passes": [
        (SOLUTION, RIGHT),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(transaction=True, databases=("
                                 "'acmeapp_replica', 'acmeapp_db', 'auth_db'))", count=1), RIGHT),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['acmeapp_db'])", count=1),
         "sent queries to 'auth_db'"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['acmeapp_db', 'auth_db'])", count=1),
         "sent queries to 'acmeapp_replica'"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['acmeapp_db', 'auth_db', "
                                 "'acmeapp_replica'])", count=1), "database table is locked"),
        (PYTEST_FILE.format(mark="", count=1), "no django_db mark"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['auth_db', 'acmeap_db'])", count=1),
         "names 'acmeap_db'"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases='__all__', transaction=True)", count=1),
         "The empty 'default'"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['auth_db', 'acmeapp_db', "
                                 "'acmeapp_replica'], transaction=True)", count=2),
         "Change only the django_db mark"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['auth_db'", count=1), "not valid Python"),
    ]},
    "routing_guard": {"check_moves_prediction": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace('"sessions": "passes"', '"sessions": "fails"'),
         "Not for sessions"),
        (lambda solution: solution.replace('"contenttypes": "fails"', '"contenttypes": "passes"'),
         "Not for contenttypes"),
        (lambda solution: solution.replace('"admin": "fails"', '"admin": "Fails"'),
         "is not one of the choices"),
        ('PREDICT_MOVES = {"sessions": "passes"}', "Give PREDICT_MOVES as a dict"),
    ], "check_default_check": [
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
    ], "check_routing_test": [
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
    ], "check_check_ids_prediction": [
        (SOLUTION, RIGHT),
        ("PREDICT_IDS = ['core.E004']", RIGHT),
        ("PREDICT_IDS = {'core.E004', 'core.E002'}", "the checks report core.E004"),
        ("PREDICT_IDS = {'E004'}", "the project's checks are core.E001 to core.E004"),
        ("PREDICT_IDS = 'core.E004'", "Give PREDICT_IDS as a set"),
    ], "check_sessions_routing": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace("[SessionRouter(), *DATABASE_ROUTERS]",
                                           "[*DATABASE_ROUTERS, SessionRouter()]"),
         "AuthRouter, which claims the app 'sessions', comes first"),
        (lambda solution: solution.replace("return db == 'sessions_db'", "return True"), "core.E00"),
    ]},
    "splitting_a_live_database": {"check_copy_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_COPY = "copied, about the same models"', "Django says 'copied, about other models'"),
        ('PREDICT_COPY = "an error"', "nothing fails, and the admin log now talks about the wrong things"),
        ('PREDICT_COPY = "error"', "is not one of the choices"),
        ('PREDICT_COPY = "An error"', "Only the capital letters differ: write 'an error'"),
    ], "check_split": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace("entry.content_type_id = new_id[entry.content_type_id]", "pass"),
         "1,500 of the 1,500 entries are about another model than on the live site"),
        (lambda solution: solution.replace(
            "        entry.content_type_id = new_id[entry.content_type_id]",
            "        entry.content_type = split.get_by_natural_key(*entry.content_type.natural_key())"),
         "entry.content_type would follow the relation through the routers"),
        (lambda solution: solution.replace('split = ContentType.objects.db_manager("auth_db")',
                                           'split = ContentType.objects.db_manager("live")'),
         "Give each entry the id that auth_db's ContentType has"),
        (lambda solution: solution.replace('entries = list(LogEntry.objects.using("live")',
                                           'entries = list(LogEntry.objects.using("auth_db")'),
         "auth_db holds no log entry after move_log_entries()"),
        (lambda solution: solution.replace('LogEntry.objects.using("live").order_by("pk")',
                                           'LogEntry.objects.using("live").order_by("pk")[1:]'),
         "auth_db holds 1,499 log entries; the live site has 1,500"),
        (lambda solution: solution.replace("for entry in entries:", "for entry in entrys:"),
         "raised NameError: name 'entrys' is not defined (line"),
        (lambda solution: solution + RENAME_A_USER,
         "Before move_log_entries() can be judged, the copy above"),
        (lambda solution: solution + LOSE_A_SESSION,
         "django_session: 300 rows on the live site, 299 in split_auth_db (rows lost)"),
        (lambda solution: solution + ORPHAN_AN_AUTHOR,
         "posts have an author_id that names no user in split_auth_db (orphaned authors)"),
        (lambda solution: solution + REGRANT_BY_NUMBER,
         "auth_group_permissions: permissions granted on the live site are not the same ones"),
    ], "check_orphans_sql": [
        (SOLUTION, RIGHT),
        ('ORPHANS_SQL = "SELECT COUNT(*) FROM acmeapp_post '
         'WHERE author_id NOT IN (SELECT id FROM auth.auth_user)"', RIGHT),
        ('ORPHANS_SQL = """SELECT COUNT(*) FROM acmeapp_post AS p LEFT JOIN auth.auth_user AS u '
         'ON u.id = p.author_id WHERE p.author_id IS NOT NULL AND u.id IS NULL"""', RIGHT),
        ('ORPHANS_SQL = """SELECT COUNT(*) FROM acmeapp_post AS p LEFT JOIN auth.auth_user AS u '
         'ON u.id = p.author_id WHERE u.id IS NULL"""', "they are not orphans"),
        ('ORPHANS_SQL = """SELECT COUNT(*) FROM acmeapp_post AS p JOIN auth.auth_user AS u '
         'ON u.id = p.author_id"""', "It counts the posts whose author exists"),
        ('ORPHANS_SQL = "SELECT COUNT(*) FROM acmeapp_post WHERE author_id NOT IN '
         '(SELECT id FROM auth_user)"', RIGHT),  # SQLite finds a table in the attached files too
        ('ORPHANS_SQL = "SELECT COUNT(*) FROM acmeapp_post WHERE author_id NOT IN '
         '(SELECT id FROM auth.users)"', "SQLite refused ORPHANS_SQL on the split: no such table"),
        ('ORPHANS_SQL = "SELECT id FROM acmeapp_post"', "it must return one number"),
        ('ORPHANS_SQL = "SELECT id FROM acmeapp_post WHERE 0"', "returns 0 row(s) of 1 column(s)"),
        ('ORPHANS_SQL = "SELECT COUNT(*) FROM acmeapp_post"', "It counts every post"),
        ('ORPHANS_SQL = "SELECT 0"', "It counts too few"),
        ('ORPHANS_SQL = """SELECT COUNT(DISTINCT author_id) FROM acmeapp_post '
         'WHERE author_id NOT IN (SELECT id FROM auth.auth_user)"""', "It counts the missing authors"),
        ('ORPHANS_SQL = "SELECT 1; SELECT 2"', "holds more than one statement"),
        ("ORPHANS_SQL = 42", "must be a string"),
    ], "check_login_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_LOGIN = "both"', "Django says 'split_auth_db'"),
        ('PREDICT_LOGIN = "auth_db"', "is not one of the choices"),
    ]},
}


def _output(cell, check: bool) -> tuple[str, str]:
    """(kind, text) of what a cell showed: ("error", "Name: message") or ("text", stdout). A check
    cell's error must be the course's one line, without frames, and its result (the data the grader
    reads) must say the same as what the learner reads."""
    result = result_in(cell.outputs)
    for out in cell.outputs:
        if out.output_type == "error":
            if check:
                assert out.ename == "Incorrect", f"{out.ename}: {out.evalue}"
                assert out.traceback == [f"{out.ename}: {out.evalue}"], f"frames shown: {out.traceback}"
                assert result and not result["passed"] and result["message"] == f"{out.ename}: {out.evalue}"
            return "error", f"{out.ename}: {out.evalue}"
    text = "".join(o.get("text", "") for o in cell.outputs)
    if check:
        assert result and result["passed"], f"the check gave no result that it passed: {text}"
        assert text.rstrip().splitlines()[-1] == result["message"], "the learner reads what the grader does"
    return "text", text


WITH_EXERCISES = [p.stem[3:] for p in notebooks()[1:]]  # each lesson by its name, without its number


def test_every_lesson_with_exercises_has_a_table_of_answers():
    assert sorted(CASES) == sorted(WITH_EXERCISES)


@pytest.mark.parametrize("name", WITH_EXERCISES)
def test_each_check_on_the_stub_and_on_each_answer(name, tmp_path, scratch):
    write_all(tmp_path / "student")
    teacher = nbformat.read(lesson(name), as_version=4)
    solutions = {c.id: c.source for c in teacher.cells if SOLUTION_TAG in tags(c)}
    on_stub = {c.id: c.metadata[COURSE][ON_STUB] for c in teacher.cells if CHECK in tags(c)}
    nb = nbformat.read(tmp_path / "student" / lesson(name).name, as_version=4)
    cells = list(nb.cells)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path / "student")}})
    wrong, tried = [], set()

    def run(source: str, check: bool = False) -> tuple[str, str]:
        cell = nbformat.v4.new_code_cell(source)
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
        return _output(cell, check)

    with client.setup_kernel():
        exercise = None
        for index, cell in enumerate(cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            cell_tags = tags(cell)
            if EXERCISE in cell_tags:
                exercise = cell
            if CHECK in cell_tags:  # on the stub, as the learner first runs it
                kind, shown = _output(cell, check=True)
                assert kind == "error", f"the check passed on the stub: {cell.source}"
                assert on_stub[cell.id] in shown, f"{cell.source}\non the stub it said: {shown}"
            elif RAISES not in cell_tags:
                assert _output(cell, check=False)[0] == "text", f"{cell.source[:80]}: {_output(cell, False)}"
            marker = next((m for m in CASES[name] if CHECK in cell_tags and m in cell.source), None)
            if marker is None:
                continue
            solution = solutions[exercise.id]
            for answer, expected in CASES[name][marker]:
                source = solution if answer is SOLUTION else answer(solution) if callable(answer) else answer
                kind, shown = run(source)
                if kind != "error":  # the answer cell ran: now the check, as the student reruns it
                    kind, shown = run(cell.source, check=True)
                passed = kind == "text"  # and _output checked that the check's result says so
                if expected == RIGHT and not passed or expected != RIGHT and (
                        kind != "error" or expected not in shown):
                    wrong.append(f"{marker}, answer:\n{source}\nexpected: {expected}\nshown: {shown}\n")
            run(solution)  # back to the expected state before the lesson goes on
            tried.add(marker)
    assert tried == set(CASES[name]), f"checks not found in {name}: {set(CASES[name]) - tried}"
    assert not wrong, "\n".join(wrong)

"""The answers the checks of the lesson ``splitting_a_live_database`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

# Damage done after a right move_log_entries(): what the capstone's check must catch.
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

# A right answer that copies row by row (1,500 saves): the check keeps it fast (one transaction).
ONE_BY_ONE = """
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType


def move_log_entries():
    split = ContentType.objects.db_manager("auth_db")
    for entry in LogEntry.objects.using("live").order_by("pk"):
        live_type = ContentType.objects.using("live").get(pk=entry.content_type_id)
        entry.content_type_id = split.get_by_natural_key(*live_type.natural_key()).pk
        entry.save(using="auth_db", force_insert=True)
"""

CASES = {
    "check_copy_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_COPY = "copied, about the same models"', "Django says 'copied, about other models'"),
        ('PREDICT_COPY = "an error"', "nothing fails, and the admin log now talks about the wrong things"),
        ('PREDICT_COPY = "error"', "is not one of the choices"),
        ('PREDICT_COPY = "An error"', "Only the capital letters differ: write 'an error'"),
    ],
    "check_split": [
        (SOLUTION, RIGHT),
        (ONE_BY_ONE, RIGHT),
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
    ],
    "check_orphans_sql": [
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
    ],
    "check_login_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_LOGIN = "both"', "Django says 'split_auth_db'"),
        ('PREDICT_LOGIN = "auth_db"', "is not one of the choices"),
    ],
}

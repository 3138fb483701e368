"""The answers the checks of the lesson ``listing_the_tables`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

CASES = {
    "check_owners_prediction": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace('"admin"', '" admin "'), RIGHT),
        (lambda solution: solution.replace('"admin"', '"django"'),
         "is not one of the installed apps' labels"),
        (lambda solution: solution.replace('"admin"', '"auth"'),
         "django_admin_log belongs to admin (model admin.LogEntry)"),
        (lambda solution: solution.replace('"no app"', '"contenttypes"'), "no model owns django_migrations"),
        (lambda solution: solution.replace('"sessions"', "None"), "is not one of the installed apps' labels"),
        ('PREDICT_OWNERS = {"django_session": "sessions"}', "Give PREDICT_OWNERS as a dict"),
    ],
    "check_migrations_prediction": [
        (SOLUTION, RIGHT),
        ("PREDICT_MIGRATIONS = 12", "You predicted 12; the file holds 19 rows"),
        ('PREDICT_MIGRATIONS = "19"', "give a whole number"),
    ],
    "check_tables_without_id": [
        (SOLUTION, RIGHT),
        ('TABLES_WITHOUT_ID = ["sqlite_sequence", "django_session"]', RIGHT),
        ('TABLES_WITHOUT_ID = {"django_session"}', "1 of the 2 tables is still missing"),
        ('TABLES_WITHOUT_ID = {"django_session", "sqlite_sequence", "auth_user"}',
         "'auth_user' is not one of them: its primary key is id"),
        ('TABLES_WITHOUT_ID = "django_session"', "not str"),
        ("TABLES_WITHOUT_ID = []", "TABLES_WITHOUT_ID is still empty"),
    ],
}

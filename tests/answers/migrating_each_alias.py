"""The answers the checks of the lesson ``migrating_each_alias`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

CASES = {
    "check_showmigrations_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_APPLIED = ["sessions", "acmeapp"]', RIGHT),
        ('PREDICT_APPLIED = {"sessions"}', "the command shows [X] for acmeapp, sessions"),
        ("PREDICT_APPLIED = set()", "You predicted [X] for none"),
        ('PREDICT_APPLIED = "sessions"', "Give PREDICT_APPLIED as a set"),
        ('PREDICT_APPLIED = set("sessions")', "single letters"),
        ('PREDICT_APPLIED = {"acmeapp_post"}', "the command lists only"),
    ],
    "check_content_types_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_CONTENT_TYPES = "auth only"', "Django says 'both'"),
        ('PREDICT_CONTENT_TYPES = "Both"', "is not one of the choices"),
    ],
    "check_predicted_tables": [
        (SOLUTION, RIGHT),
        ('PREDICTED = ["sqlite_sequence", "acmeapp_post", "django_migrations"]', RIGHT),
        ('PREDICTED = {"acmeapp_post"}', "2 of the 3 tables are still missing (think of:"),
        ('PREDICTED = {"acmeapp_post", "django_migrations"}',
         "1 of the 3 tables is still missing (think of: a table SQLite adds by itself)"),
        ('PREDICTED = {"acmeapp_post", "django_migrations", "sqlite_sequence", "auth_user"}',
         "'auth_user' is not one of them: AuthRouter keeps"),
        ('PREDICTED = "acmeapp_post"', "not str"),
        ('PREDICTED = set("acmeapp_post")', "holds single letters"),
    ],
}

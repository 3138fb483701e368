"""The answers the checks of the lesson ``postgresql`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

CASES = {
    "check_insert_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_INSERT = "it fails: no user 42"', "SQLite says 'no such table: main.auth_user'"),
        ('PREDICT_INSERT = "the row goes in"', "has no auth_user table to look in"),
        ('PREDICT_INSERT = "fails"', "is not one of the choices"),
    ],
    "check_database_url": [
        (SOLUTION, RIGHT),
        ('REPORTS_URL = "postgresql://ada:s3cret%2342@db2.example.com:6543/reports"', RIGHT),
        # the message says what went wrong and points the way; the fix (%23, quote) is the solution's
        ('REPORTS_URL = "postgres://ada:s3cret#42@db2.example.com:6543/reports"',
         "a '#' starts the fragment, so the URL it reads ends inside the password. A character with a "
         "meaning of its own in a URL must be escaped inside a part: how does a URL escape a character?"),
        ('REPORTS_URL = "postgres://ada:s3cret#42@db2.example.com/reports"', "a '#' starts the fragment"),
        ('REPORTS_URL = "postgres://ada:s3cret%42@db2.example.com:6543/reports"',
         "PASSWORD is 's3cretB', not 's3cret#42'"),
        ('REPORTS_URL = "postgres://ada:s3cret%2342@db2.example.com/reports"', "PORT is"),
        ('REPORTS_URL = "mysql://ada:s3cret%2342@db2.example.com:6543/reports"', "ENGINE is"),
        ('REPORTS_URL = "postgres://ada:s3cret%2342@db2.example.com:6543/report"', "NAME is 'report'"),
        ("REPORTS_URL = 6543", "Give REPORTS_URL as a string"),
        ('REPORTS_URL = "postgres://ada:s3cret%2342@db2.example.com:port/reports"',
         "must be a number, not 'port'"),
    ],
    "check_test_database_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_TEST_DB = "test_acmeapp_db"', "Django says 'test_acmeapp'"),
        ('PREDICT_TEST_DB = "memory"', "is not one of the choices"),
    ],
    "check_predicted_pg_tables": [
        (SOLUTION, RIGHT),
        ('PREDICTED_PG = {"acmeapp_post", "django_migrations", "sqlite_sequence"}',
         "'sqlite_sequence' is not one of them: it is SQLite's own table"),
        ('PREDICTED_PG = {"acmeapp_post"}', "1 of the 2 tables is still missing"),
        ("PREDICTED_PG = set()", "PREDICTED_PG is still empty"),
        ('PREDICTED_PG = {"acmeapp_post", "django_migrations", "acmeapp_post_id_seq"}', "it is a sequence"),
    ],
}

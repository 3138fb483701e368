"""The answers the checks of the lesson ``migrating_each_alias`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

EXPERIMENT = 'for alias in {aliases}:\n    manage("migrate", {args})\n'
SETTINGS = '"--settings=core.settings.experiment"'


QUIET = f'f"--database={{alias}}", {SETTINGS}, "-v", "0"'


def migrate(aliases="['auth_db', 'acmeapp_db']", args=QUIET) -> str:
    """The experiment's migrate, once per alias of ``aliases``, with ``args``: right with the defaults."""
    return EXPERIMENT.format(aliases=aliases, args=args)


CASES = {
    "check_experiment_migrated": [  # in this order: each answer finds the files the one before left
        ("# nothing yet", "The experiment's files are still not migrated: run one migrate per alias"),
        (migrate(args='f"--database={alias}", "-v", "0"'),
         "The experiment's files are still not migrated: run one migrate per alias"),
        (migrate(args=f"{SETTINGS}"), "migrate --settings=core.settings.experiment failed"),
        (migrate(aliases="['auth', 'acmeapp']"),
         "migrate --database=auth --settings=core.settings.experiment -v 0 failed"),
        (migrate(aliases="['auth_db']"),
         "experiment_acmeapp.sqlite3, the file of the alias 'acmeapp_db', is not migrated"),
        (migrate(args=f'"acmeapp", f"--database={{alias}}", {SETTINGS}'),
         "experiment_acmeapp.sqlite3 records 1 of the 19 migrations"),
        (SOLUTION, RIGHT),
    ],
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
        ("PREDICTED = set()", "PREDICTED is still empty, as in the stub"),
        ('PREDICTED = {"acmeapp_post"}', "2 of the 3 tables are still missing (think of:"),
        ('PREDICTED = {"acmeapp_post", "django_migrations"}',
         "1 of the 3 tables is still missing (think of: a table SQLite adds by itself)"),
        ('PREDICTED = {"acmeapp_post", "django_migrations", "sqlite_sequence", "auth_user"}',
         "'auth_user' is not one of them: AuthRouter keeps"),
        ('PREDICTED = "acmeapp_post"', "not str"),
        ('PREDICTED = set("acmeapp_post")', "holds single letters"),
    ],
}

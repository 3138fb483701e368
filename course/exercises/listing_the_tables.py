"""The checks of 02 · Listing the tables (``notebooks/02_listing_the_tables.ipynb``)."""

from __future__ import annotations

from course import sqlite
from course.exercises.judges import Correct, Incorrect, compare, judged

__all__ = ["check_tables_without_id", "check_migrations_prediction", "check_owners_prediction"]


@judged
def check_tables_without_id(answer: set[str], path: str = "db.sqlite3") -> Correct:
    """The tables of ``path`` whose primary key is not a column called ``id``."""
    if isinstance(answer, set | frozenset | list | tuple) and not answer:
        raise Incorrect("TABLES_WITHOUT_ID is still empty: put the names of the tables you found in the set.")
    truth, why = set(), {}
    for table in sqlite.tables(path):
        info = sqlite.query(path, f"SELECT name, pk FROM pragma_table_info('{table}')")
        keys = [name for name, pk in info.rows if pk]
        why[table] = f"its primary key is {', '.join(keys) or 'missing (no column has pk = 1)'}"
        if keys != ["id"]:
            truth.add(table)
    compared = compare(answer, truth, why, "TABLES_WITHOUT_ID")
    return Correct(f"{' and '.join(sorted(truth))} are the tables without an id primary key.", compared)


@judged
def check_migrations_prediction(answer, path: str = "db.sqlite3") -> Correct:
    """How many rows ``django_migrations`` of ``path`` holds: one per migration applied there."""
    if answer is None:
        raise Incorrect("PREDICT_MIGRATIONS is still None: replace None by a number.")
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise Incorrect(f"PREDICT_MIGRATIONS = {answer!r}: give a whole number, like 7.")
    truth = sqlite.query(path, "SELECT COUNT(*) FROM django_migrations").rows[0][0]
    if answer != truth:
        raise Incorrect(f"You predicted {answer}; the file holds {truth} rows. One row per migration "
                        "applied to it: count the `Applying … OK` lines of notebook 01's migrate, "
                        "every app's, not only acmeapp's.")
    return Correct(f"{truth} rows: one per migration that migrate applied, of every installed app.",
                   {"answer": answer, "expected": truth})


_NO_APP = "no app"


@judged
def check_owners_prediction(answer) -> Correct:
    """Which installed app owns each of four tables, as Django's app registry says (Django set up)."""
    from django.apps import apps

    tables = ("django_admin_log", "django_session", "auth_user_groups", "django_migrations")
    if not isinstance(answer, dict) or set(answer) != set(tables):
        raise Incorrect(f"Give PREDICT_OWNERS as a dict with the keys {', '.join(map(repr, tables))}, each "
                        "set to an app label or 'no app'.")
    if all(v is None for v in answer.values()):
        raise Incorrect("PREDICT_OWNERS still holds None for every table: replace each None by an app "
                        "label or 'no app'.")
    labels = [app.label for app in apps.get_app_configs()]
    for table, label in answer.items():
        if not isinstance(label, str) or label.strip() not in (*labels, _NO_APP):
            raise Incorrect(f"PREDICT_OWNERS[{table!r}] = {label!r} is not one of the installed apps' labels "
                            f"({', '.join(labels)}) or {_NO_APP!r}.")
    models = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    wrong, expected = [], {}
    for table in tables:
        model = models.get(table)
        truth = expected[table] = model._meta.app_label if model else _NO_APP
        if answer[table].strip() != truth:
            wrong.append(f"{table} belongs to {truth} (model {model._meta.label})" if model else
                         f"no model owns {table}: Django's migration recorder writes it")
    if wrong:
        raise Incorrect("Not quite: " + "; ".join(wrong) + ". A table is named app_label_model unless "
                        "its model's Meta.db_table says otherwise.")
    return Correct("admin, sessions and auth own the first three (two through a db_table of their own, one "
                   "through the hidden model behind User.groups); no model owns django_migrations.",
                   {"answer": {t: label.strip() for t, label in answer.items()}, "expected": expected})

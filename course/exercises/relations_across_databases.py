"""The checks of 09 · Relations across databases (``notebooks/09_relations_across_databases.ipynb``)."""

from __future__ import annotations

from pathlib import Path

from course import sqlite
from course.exercises.judges import Correct, Incorrect, choice, chosen, judged
from course.shell import shown_manage

__all__ = ["check_migration_sql_prediction", "check_save_prediction", "check_backwards_prediction",
           "check_data_migration_prediction"]


_MIGRATION_SQL = ("a REFERENCES clause to auth_user", "a plain column, without REFERENCES",
                  "no SQL at all: auth_user is in another database")


@judged
def check_migration_sql_prediction(answer, name: str = "PREDICT_SQL", migration: str = "0002",
                                   alias: str = "acmeapp_db") -> Correct:
    """What ``sqlmigrate acmeapp migration --database=alias`` prints for the new foreign key."""
    answer = chosen(name, answer, _MIGRATION_SQL)
    if not list(Path("acmeapp/migrations").glob(f"{migration}_*.py")):
        raise Incorrect(f"acmeapp has no migration {migration} right now: run the cells above first, down to "
                        "the makemigrations that writes it.")
    shown = shown_manage("sqlmigrate", "acmeapp", migration, f"--database={alias}")
    if 'REFERENCES "auth_user"' in shown:
        truth = _MIGRATION_SQL[0]
    elif "author_id" in shown:
        truth = _MIGRATION_SQL[1]
    else:
        truth = _MIGRATION_SQL[2]
    first = name == "PREDICT_SQL"  # the prediction about the first, constrained migration
    if first and truth != _MIGRATION_SQL[0] or not first and truth == _MIGRATION_SQL[0]:
        where = ("moved on (the cells below rewrote it with db_constraint=False)" if first else
                 "not got there yet (run the cells above first)")
        raise Incorrect(f"The migration is not the one {name} is about: the lesson has {where}. Rerun the "
                        "notebook from the top to try it in order.")
    if answer != truth and truth == _MIGRATION_SQL[1]:
        raise Incorrect(f"You predicted {answer!r}; sqlmigrate shows {truth!r}. db_constraint=False keeps "
                        "the column and its index but leaves out the constraint, the REFERENCES clause.")
    if answer != truth:
        raise Incorrect(f"You predicted {answer!r}; sqlmigrate shows {truth!r}. A migration is written from "
                        "the models alone, as for one database: the routers only decide, through "
                        "allow_migrate, whether it runs on an alias, not what its SQL says.")
    compared = {"answer": answer, "expected": truth}
    if truth == _MIGRATION_SQL[1]:
        return Correct(f"{truth}: db_constraint=False leaves out the constraint, nothing else.", compared)
    return Correct(f"{truth}: the SQL of a ForeignKey, as on one database; the routers do not rewrite it.",
                   compared)


_SAVE = ("reading it fails", "reading works, saving fails", "reading and saving work")
READ_AND_SAVE = ("from acmeapp.models import Post\n"
                 "post = Post.objects.get(title='Written before authors')\n"
                 "print('read:', post.title, '| author_id:', post.author_id)\n"
                 "post.title = 'Edited'\n"
                 "post.save()\n"
                 "print('saved:', Post.objects.get(pk=post.pk).title)")


@judged
def check_save_prediction(answer) -> Correct:
    """What reading the post written before the foreign key, then ``save()`` after a change, does once
    the constrained ``0002`` is applied: run in ``manage.py shell`` and shown, then judged."""
    answer = chosen("PREDICT_SAVE", answer, _SAVE)
    shown = shown_manage("shell", "--no-imports", "-c", READ_AND_SAVE, check=False)
    if "DoesNotExist" in shown or "no such column" in shown or "saved:" in shown:
        raise Incorrect("The project is not where PREDICT_SAVE is about (the post written at the top, and "
                        "0002_post_author with its constraint applied): rerun the notebook from the top to "
                        "try it in order.")
    truth = _SAVE[1] if "read:" in shown else _SAVE[0]
    compared = choice("PREDICT_SAVE", answer, _SAVE, truth,
                      "Reading a row checks nothing. But save() on a row that exists is an UPDATE that "
                      "sets every column, author_id too (even to NULL), and SQLite checks a foreign key "
                      "whenever its column is written: it looks for auth_user in this file.")
    return Correct(f"{truth}: save() writes author_id too, and SQLite then looks for auth_user in this "
                   "file.", compared)


_BACKWARDS = ("drop the column author_id", "rebuild the table without author_id",
              "nothing: SQLite cannot remove a column")


@judged
def check_backwards_prediction(answer, migration: str = "0002", alias: str = "acmeapp_db") -> Correct:
    """What migrating ``acmeapp`` back before ``migration`` does to the table on ``alias``, from the SQL
    ``sqlmigrate --backwards`` prints (shown, then judged)."""
    answer = chosen("PREDICT_BACKWARDS", answer, _BACKWARDS)
    if not list(Path("acmeapp/migrations").glob(f"{migration}_*.py")):
        raise Incorrect(f"acmeapp has no migration {migration} right now: rerun the notebook from the top to "
                        "try it in order.")
    shown = shown_manage("sqlmigrate", "acmeapp", migration, "--backwards", f"--database={alias}")
    truth = (_BACKWARDS[1] if "new__acmeapp_post" in shown else _BACKWARDS[0] if "DROP COLUMN" in shown
             else _BACKWARDS[2])
    compared = choice("PREDICT_BACKWARDS", answer, _BACKWARDS, truth,
                      "SQLite's ALTER TABLE … DROP COLUMN refuses a column that has an index or a foreign "
                      "key, and author_id has both: Django's SQLite backend rebuilds the table instead.")
    return Correct(f"{truth}: a new table, the rows copied, the old one dropped.", compared)


_DATA = ("it fails: auth_db has no acmeapp_post", "it is recorded; fill_empty_bodies never runs",
         "it is skipped: not recorded at all")


@judged
def check_data_migration_prediction(answer, alias: str = "auth_db",
                                    migration: str = "0003_fill_empty_bodies") -> Correct:
    """What ``migrate --database=alias`` does with the data migration: run and shown, then judged from
    the alias's file."""
    answer = chosen("PREDICT_DATA", answer, _DATA)
    if not Path(f"acmeapp/migrations/{migration}.py").is_file():
        raise Incorrect(f"acmeapp has no migration {migration} yet: run the cell above that writes it.")
    shown = shown_manage("migrate", f"--database={alias}", check=False)
    if "[exit code" in shown and "no such table" not in shown:
        last = [line for line in shown.splitlines() if line.strip() and not line.startswith("[exit")][-1]
        raise Incorrect(f"migrate failed for a reason this lesson does not teach ({last}). Rerun the "
                        "notebook from the top, then the cells in order.")
    recorded = sqlite.query(f"{alias}.sqlite3", "SELECT COUNT(*) FROM django_migrations "
                            "WHERE app = 'acmeapp' AND name = ?", (migration,)).rows[0][0]
    truth = _DATA[0] if "no such table" in shown else _DATA[1] if recorded else _DATA[2]
    compared = choice("PREDICT_DATA", answer, _DATA, truth,
                      "RunPython asks allow_migrate(db, 'acmeapp', model_name=None): AcmeAppRouter "
                      f"answers False for {alias}, so the function never runs there; migrate records the "
                      "migration all the same, like every migration on every alias (notebook 05).")
    return Correct(f"{truth}: the routers keep the function off {alias}, and the history records it.",
                   compared)

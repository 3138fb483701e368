"""The answers the checks of the lesson ``relations_across_databases`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

CASES = {
    "check_save_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_SAVE = "reading and saving work"',
         "Django says 'reading works, saving fails'. Reading a row checks nothing. But save() on a row "
         "that exists is an UPDATE that sets every column, author_id too"),
        ('PREDICT_SAVE = "reading it fails"', "Django says 'reading works, saving fails'"),
        ('PREDICT_SAVE = "saving fails"', "is not one of the choices"),
        ('PREDICT_SAVE = "Reading works, saving fails"', "Only the capital letters differ"),
    ],
    "check_backwards_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_BACKWARDS = "drop the column author_id"',
         "Django says 'rebuild the table without author_id'. SQLite's ALTER TABLE … DROP COLUMN refuses a "
         "column that has an index or a foreign key"),
        ('PREDICT_BACKWARDS = "nothing: SQLite cannot remove a column"',
         "Django says 'rebuild the table without author_id'"),
        ('PREDICT_BACKWARDS = "rebuild"', "is not one of the choices"),
    ],
    "check_data_migration_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_DATA = "it fails: auth_db has no acmeapp_post"', "Django says 'it is recorded; "),
        ('PREDICT_DATA = "it is skipped: not recorded at all"', "AcmeAppRouter answers False for auth_db"),
        ('PREDICT_DATA = "skipped"', "is not one of the choices"),
    ],
    "check_migration_sql_prediction(PREDICT_SQL_AGAIN": [
        (SOLUTION, RIGHT),
        ('PREDICT_SQL_AGAIN = "a REFERENCES clause to auth_user"', "leaves out the constraint"),
        ('PREDICT_SQL_AGAIN = None', "PREDICT_SQL_AGAIN is still None"),
    ],
    "check_migration_sql_prediction(PREDICT_SQL)": [
        (SOLUTION, RIGHT),
        ('PREDICT_SQL = "a plain column, without REFERENCES"',
         "sqlmigrate shows 'a REFERENCES clause to auth_user'"),
        ('PREDICT_SQL = "REFERENCES"', "is not one of the choices"),
    ],
}

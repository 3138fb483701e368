"""The answers the checks of the lesson ``one_database`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

MODELS = "%%writefile acmeapp/models.py\nfrom django.db import models\n\n\nclass Post(models.Model):\n"
BODY_WITHOUT_BLANK = (  # the model retyped, body without its blank=True, and the migration made
    'from pathlib import Path\n\nmodels = Path("acmeapp/models.py")\n'
    'models.write_text(models.read_text().replace("TextField(blank=True)", "TextField()"))\n'
    'manage("makemigrations", "acmeapp", "--no-header")\nDATABASE_FILE = "db.sqlite3"\n')
BODY_BACK = (  # then put back, and makemigrations again: a second new migration
    'models.write_text(models.read_text().replace("TextField()", "TextField(blank=True)"))\n'
    'manage("makemigrations", "acmeapp", "--no-header")\nDATABASE_FILE = "db.sqlite3"\n')
MADE_NOT_APPLIED = (  # the extra migrations removed, the right one made, but never migrated
    'for made in Path("acmeapp/migrations").glob("000[23]_*.py"):\n    made.unlink()\n'
    'manage("makemigrations", "acmeapp", "--no-header")\nDATABASE_FILE = "db.sqlite3"\n')

CASES = {
    "check_slug_field": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace("TextField(blank=True)", "TextField()"),
         "Post.body is not what 0001 made: blank=True is gone"),
        (lambda solution: solution.replace("SlugField(blank=True)", "SlugField()"),
         "Post.slug has no blank=True"),
        (lambda solution: solution.replace("SlugField(blank=True)", "CharField(blank=True, max_length=50)"),
         "Post.slug is a CharField; the exercise asks for a SlugField"),
        (lambda solution: solution.replace("    slug =", "    Slug ="), "Post has no field slug but Slug"),
        (MODELS + "    slug = models.SlugField(blank=True)\n", "Post has lost its field 'title'"),
        (lambda solution: solution.replace("SlugField(blank=True)", "SlugField(blank=True"),
         "Django could not load acmeapp/models.py: SyntaxError"),
    ],
    "check_slug_migration": [  # in this order: each answer starts where the one before left the project
        ('DATABASE_FILE = "db.sqlite3"', "acmeapp/migrations/ still holds only 0001_initial"),
        (BODY_WITHOUT_BLANK, "does more than add slug: Add field slug to post; Alter field body on post"),
        (BODY_BACK, "acmeapp has 2 new migrations"),
        (MADE_NOT_APPLIED, "0002_post_slug is not applied to db.sqlite3"),
        ('manage("migrate")\nDATABASE_FILE = "core/db.sqlite3"', "There is no file 'core/db.sqlite3'"),
        ('DATABASE_FILE = "acmeapp/migrations/0002_post_slug.py"', "is not a SQLite database"),
        ("DATABASE_FILE = None", "DATABASE_FILE is still None"),
        ('from pathlib import Path\n\nDATABASE_FILE = Path("db.sqlite3")', RIGHT),
        (SOLUTION, RIGHT),
    ],
}

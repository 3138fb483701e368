"""The checks of 01 · One database (``notebooks/01_one_database.ipynb``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from course import forkserver, sqlite
from course.exercises.judges import Correct, Incorrect, judged
from course.shell import terminal_env

__all__ = ["check_slug_field", "check_slug_migration"]

# What Post is now, and what migration 0001 recorded it as, each field deconstructed as makemigrations
# compares them (path and keyword arguments).
_FIELDS = """
import json
from django.db.migrations.loader import MigrationLoader
from acmeapp.models import Post
def shown(field):
    _, path, args, kwargs = field.deconstruct()
    return {'path': path, 'kwargs': {key: repr(value) for key, value in kwargs.items()}}
first = MigrationLoader(None).project_state(('acmeapp', '0001_initial')).models['acmeapp', 'post']
print(json.dumps({'now': {f.name: shown(f) for f in Post._meta.local_fields},
                  'first': {name: shown(f) for name, f in first.fields.items()}}))
"""
# acmeapp's migration files, each with what its operations do, as makemigrations words them.
_MIGRATIONS = """
import json
from django.db.migrations.loader import MigrationLoader
found = MigrationLoader(None).disk_migrations
print(json.dumps({name: [op.describe() for op in found[app, name].operations]
                  for app, name in sorted(found) if app == 'acmeapp'}))
"""


def _ask_django(code: str, what: str) -> dict:
    """What ``code``, run by ``manage.py shell`` in the project folder, printed as JSON on its last line;
    if the project does not load, one line saying so, naming ``what`` was being read."""
    argv = [sys.executable, "manage.py", "shell", "--no-imports", "-c", code]
    proc = forkserver.run(argv, terminal_env())
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise Incorrect(f"Django could not load {what}: {last}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _kwargs(kwargs: dict) -> str:
    """Keyword arguments as written in models.py: ``blank=True, max_length=200``."""
    return ", ".join(f"{key}={value}" for key, value in sorted(kwargs.items())) or "no arguments"


def _kind(field: dict) -> str:
    """The class of a deconstructed field, without its module: ``SlugField``."""
    return field["path"].rsplit(".", 1)[-1]


def _difference(name: str, now: dict, first: dict) -> str:
    """How the field ``name`` of Post differs from migration 0001's, in a few words."""
    if now["path"] != first["path"]:
        return f"Post.{name} is a {_kind(now)} (0001 made a {_kind(first)})"
    gone = {k: v for k, v in first["kwargs"].items() if k not in now["kwargs"]}
    other = {k: v for k, v in now["kwargs"].items() if first["kwargs"].get(k) != v}
    said = [f"{_kwargs(gone)} is gone"] if gone else []
    said += [f"it now says {_kwargs(other)}"] if other else []
    return f"Post.{name} is not what 0001 made: {'; '.join(said)}"


@judged
def check_slug_field() -> Correct:
    """``acmeapp/models.py`` is notebook 01's Post with one field more,
    ``slug = models.SlugField(blank=True)``, and nothing else changed (each other change would be an
    operation of the migration too)."""
    fields = _ask_django(_FIELDS, "acmeapp/models.py")
    now, first = fields["now"], fields["first"]
    for name, field in first.items():
        if name not in now:
            raise Incorrect(f"Post has lost its field {name!r}: copy the model cell as it is, then add the "
                            "slug line, or makemigrations removes the column.")
        if now[name] != field:
            raise Incorrect(f"{_difference(name, now[name], field)}: makemigrations would add that change to "
                            "the migration too. Copy the model cell unchanged, then add only the slug line.")
    if "slug" not in now:
        extra = sorted(set(now) - set(first))
        raise Incorrect(f"Post has no field slug but {', '.join(extra)}: name the field slug." if extra else
                        "Post still has no field slug: write acmeapp/models.py in the cell above (a copy "
                        "of the model cell, with the slug line added) and run it.")
    slug = now["slug"]
    if slug["path"] != "django.db.models.SlugField":
        raise Incorrect(f"Post.slug is a {_kind(slug)}; the exercise asks for a SlugField.")
    if slug["kwargs"].get("blank") != "True":
        raise Incorrect("Post.slug has no blank=True: without it makemigrations needs a value for the posts "
                        "already in the table, and stops to ask you for one.")
    if set(slug["kwargs"]) != {"blank"} or set(now) - set(first) != {"slug"}:
        more = sorted(set(now) - set(first) - {"slug"})
        raise Incorrect(f"Post.slug has {_kwargs(slug['kwargs'])}; the exercise asks for blank=True alone."
                        if not more else f"Post has more new fields than slug: {', '.join(more)}.")
    return Correct("Post has one field more, slug, a SlugField with blank=True; the rest is as 0001 made it.",
                   {"fields": sorted(now)})


def _judge_file(answer) -> Path:
    """``answer`` as the path of a SQLite file in the project folder."""
    if answer is None:
        raise Incorrect("DATABASE_FILE is still None: give the path of the file migrate changed, relative to "
                        "the project folder (tree() lists its files).")
    if not isinstance(answer, str | Path):
        raise Incorrect(f"DATABASE_FILE = {answer!r}: give the path as a string, like 'folder/file'.")
    path = Path(answer.strip() if isinstance(answer, str) else answer)
    if path.is_absolute() and path.resolve().is_relative_to(Path.cwd().resolve()):
        path = path.resolve().relative_to(Path.cwd().resolve())
    if not path.is_file():
        raise Incorrect(f"There is no file {path.as_posix()!r} in the project folder: tree() lists its "
                        "files.")
    with path.open("rb") as file:
        if file.read(16) != b"SQLite format 3\x00":
            raise Incorrect(f"{path.as_posix()} is not a SQLite database: migrate writes into the database "
                            "file that DATABASES['default']['NAME'] names in core/settings.py.")
    return path


@judged
def check_slug_migration(answer) -> Correct:
    """acmeapp has one migration more, which only adds Post.slug, applied to the SQLite file ``answer``."""
    migrations = _ask_django(_MIGRATIONS, "acmeapp's migrations")
    new = [name for name in migrations if name != "0001_initial"]
    if not new:
        raise Incorrect("acmeapp/migrations/ still holds only 0001_initial: run makemigrations for acmeapp "
                        "(with --no-header, as above).")
    if len(new) > 1:
        raise Incorrect(f"acmeapp has {len(new)} new migrations ({', '.join(new)}), the exercise makes one: "
                        "rerun the notebook from the top (its first cell resets the project), then add the "
                        "field once.")
    operations = migrations[new[0]]
    if operations != ["Add field slug to post"]:
        raise Incorrect(f"{new[0]} does more than add slug: {'; '.join(operations)}. Each change to "
                        "models.py is an operation: rerun the notebook from the top, then change only the "
                        "slug line.")
    path = _judge_file(answer)
    applied = {row[0] for row in _rows(path, "SELECT name FROM django_migrations WHERE app = 'acmeapp'")}
    if new[0] not in applied:
        raise Incorrect(f"{new[0]} is not applied to {path.as_posix()}: its django_migrations has no row "
                        "for it. Run migrate.")
    columns = sorted(row[0] for row in _rows(path, "SELECT name FROM pragma_table_info('acmeapp_post')"))
    return Correct(f"{new[0]} adds slug to post, and migrate applied it to {path.as_posix()}: acmeapp_post "
                   f"has the columns {', '.join(columns)}.",
                   {"migration": new[0], "file": path.as_posix(), "columns": columns})


def _rows(path: Path, sql: str) -> list:
    """The rows of ``sql`` in the SQLite file ``path`` (read-only); a file without Django's tables says so."""
    try:
        return sqlite.query(path, sql).rows
    except sqlite.QueryFailed:
        raise Incorrect(f"{path.as_posix()} holds no table of Django's migrations: it is not the database "
                        "migrate wrote.") from None

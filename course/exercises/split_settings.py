"""The checks of 03 · Split settings (``notebooks/03_split_settings.ipynb``)."""

from __future__ import annotations

from pathlib import Path

from course.exercises.judges import Correct, Incorrect, choice, judged
from course.exercises.probes import manage_with, settings_report

__all__ = ["check_local_settings", "check_settings_prediction", "check_migrate_alias_prediction"]


_SHOW = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'names': {a: str(c.get('NAME', '')) for a, c in settings.DATABASES.items()}, "
    "'base': str(getattr(settings, 'BASE_DIR', ''))}))"
)


@judged
def check_local_settings(module: str = "core.settings.local") -> Correct:
    """``module`` is the multi-database set-up with both SQLite files in ``data/``."""
    found = settings_report(module, _SHOW)
    for alias in ("auth_db", "acmeapp_db"):
        if alias not in found["names"]:
            if set(found["names"]) <= {"default"}:
                raise Incorrect(f"DATABASES has no {alias!r} (nor any alias but Django's default): "
                                f"{module} must hold the whole multi-database set-up, with only the two "
                                "file names changed. Which module of core/settings already holds it?")
            aliases = ", ".join(map(repr, found["names"]))
            raise Incorrect(f"DATABASES has no {alias!r}; it has {aliases}. Keep the aliases as the "
                            "routers name them, and change only the NAMEs.")
    base = Path(found["base"])
    if base != Path.cwd().resolve():
        raise Incorrect("BASE_DIR is not the project folder: keep the BASE_DIR of base.py "
                        "(import everything from .multi, which imports it from .base).")
    for alias in ("auth_db", "acmeapp_db"):
        name = Path(found["names"][alias])
        expected = f"data/{alias}.sqlite3"
        if not name.is_absolute():
            raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is the relative path {name.as_posix()!r}: "
                            "SQLite would look for it in whatever folder the process starts in, not "
                            "in the project folder (the trap of this notebook). Build it from BASE_DIR.")
        if not name.is_relative_to(base):
            raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is {name.as_posix()!r}, outside the project "
                            "folder. A part starting with '/' is an absolute path, and BASE_DIR / "
                            "'/data/…' throws BASE_DIR away: leave out the leading '/'.")
        shown = name.relative_to(base).as_posix()
        if shown != expected:
            raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is {shown!r} (relative to the project "
                            f"folder); the exercise asks for {expected!r}.")
    if found["names"].get("default", "") not in ("", "."):
        raise Incorrect("DATABASES['default'] is no longer empty: change only the two NAMEs.")
    names = {alias: Path(found["names"][alias]).relative_to(base).as_posix()
             for alias in ("auth_db", "acmeapp_db")}
    return Correct(f"{module} is the multi-database set-up with both files in data/.", {"names": names})


@judged
def check_settings_prediction(answer) -> Correct:
    """Which settings module wins when ``DJANGO_SETTINGS_MODULE`` and ``--settings`` disagree."""
    proc = manage_with("core.settings.multi", "shell", "--no-imports", "-c",
                       "from django.conf import settings; print(settings.SETTINGS_MODULE)",
                       DJANGO_SETTINGS_MODULE="core.settings.single")
    truth = (proc.stdout.strip().splitlines() or [proc.stderr.strip()])[-1]
    compared = choice("PREDICT_SETTINGS", answer, ("core.settings.single", "core.settings.multi"), truth,
                      "--settings on the command line is the strongest: manage.py copies it into "
                      "DJANGO_SETTINGS_MODULE before Django reads the variable.")
    return Correct(f"{truth} wins: --settings beats DJANGO_SETTINGS_MODULE, which beats the default in "
                   "manage.py.", compared)


@judged
def check_migrate_alias_prediction(answer) -> Correct:
    """The alias a plain ``migrate`` works on: Django's ``DEFAULT_DB_ALIAS``, the default of every
    command's ``--database`` (``python manage.py migrate --help`` says so)."""
    from django.db import DEFAULT_DB_ALIAS

    compared = choice("PREDICT_ALIAS", answer, ("default", "auth_db", "acmeapp_db", "all of them"),
                      DEFAULT_DB_ALIAS, "migrate works on one alias, the one --database names; without it, "
                      "'default' (see `python manage.py migrate --help`). It never loops over DATABASES.")
    return Correct(f"a plain migrate works on {DEFAULT_DB_ALIAS!r} only, whatever else DATABASES holds.",
                   compared)

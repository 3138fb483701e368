"""The checks of 03 · Split settings (``notebooks/03_split_settings.ipynb``)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from course import forkserver
from course.exercises.judges import Correct, Incorrect, choice, judged
from course.exercises.probes import manage_with, settings_report
from course.shell import terminal_env

__all__ = ["check_package_prediction", "check_database_prediction", "check_local_settings",
           "check_settings_prediction", "check_migrate_alias_prediction"]


def _django_sees(module: str, code: str) -> subprocess.CompletedProcess:
    """Run ``manage.py shell -c code --settings=module`` as in a new terminal (``module`` may be a
    package, unlike ``probes.manage_with``'s)."""
    argv = [sys.executable, "manage.py", "shell", "--no-imports", "-c", code, f"--settings={module}"]
    return forkserver.run(argv, terminal_env())


_PACKAGE_CHOICES = ("base.py", "only __init__.py", "an error")


@judged
def check_package_prediction(answer) -> Correct:
    """What Django loads for the settings ``core.settings`` once that name is a package whose
    ``__init__.py`` defines nothing: the package alone, so Django's defaults (no app)."""
    proc = _django_sees("core.settings",
                        "from django.conf import settings; print(len(settings.INSTALLED_APPS))")
    apps = proc.stdout.strip().splitlines()[-1] if proc.returncode == 0 else ""
    truth = "an error" if proc.returncode else "only __init__.py" if apps == "0" else "base.py"
    compared = choice("PREDICT_PACKAGE", answer, _PACKAGE_CHOICES, truth,
                      "A dotted name names one module, and for a package that is its __init__.py: nothing "
                      "runs base.py unless a module imports it.")
    return Correct(f"with --settings=core.settings Django sees {apps or 'an error'} installed apps: the "
                   "package's __init__.py, which defines no setting, and Django's defaults.", compared)


_DATABASE_CHOICES = ("./db.sqlite3", "./core/db.sqlite3", "./core/settings/db.sqlite3")


@judged
def check_database_prediction(answer) -> Correct:
    """Where ``core.settings.single`` puts the database: ``BASE_DIR`` of ``base.py`` is two levels up
    from that file."""
    proc = manage_with("core.settings.single", "shell", "--no-imports", "-c",
                       "from django.conf import settings; print(settings.DATABASES['default']['NAME'])")
    if proc.returncode:
        raise Incorrect("core.settings.single does not load: "
                        f"{(proc.stderr.strip().splitlines() or ['(no message)'])[-1]}")
    name = Path(proc.stdout.strip().splitlines()[-1])
    truth = "./" + Path(os.path.relpath(name, Path.cwd())).as_posix()
    compared = choice("PREDICT_DATABASE", answer, _DATABASE_CHOICES, truth,
                      "BASE_DIR is Path(__file__).resolve().parent.parent: two folders up from the file that "
                      "defines it, and that file is now core/settings/base.py.")
    return Correct(f"Django now looks for {truth}: BASE_DIR counts its folders up from base.py.", compared)


# Run in a fresh Python in the project folder: mark multi's alias dicts, import the learner's module,
# and report what it holds (and whether multi's own DATABASES changed on the way) as JSON.
_PROBE = r"""
import json, sys
sys.path.insert(0, '.')
import core.settings.multi as multi
MARK = '_course_probe'
def snapshot(databases):
    return json.dumps(databases, default=str, sort_keys=True)
for conf in multi.DATABASES.values():
    if isinstance(conf, dict):
        conf[MARK] = True
before = snapshot(multi.DATABASES)
local = __import__(sys.argv[1], fromlist=['*'])
databases = getattr(local, 'DATABASES', None)
found = {'type': type(databases).__name__, 'base': str(getattr(local, 'BASE_DIR', '')),
         'multi_changed': snapshot(multi.DATABASES) != before, 'aliases': {}}
if isinstance(databases, dict):
    for alias, conf in databases.items():
        found['aliases'][str(alias)] = (
            {'engine': conf.get('ENGINE'), 'name': str(conf.get('NAME', '')), 'marked': MARK in conf,
             'keys': sorted(str(key) for key in conf if key != MARK)}
            if isinstance(conf, dict) else {'not_a_dict': repr(conf)})
print(json.dumps(found, default=repr))
"""
_ALIASES = ("auth_db", "acmeapp_db")
_ENGINE = "django.db.backends.sqlite3"


def _probe(module: str) -> dict:
    """What the learner's settings ``module`` holds, imported in a fresh Python (``_PROBE``)."""
    path = Path(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        raise Incorrect(f"{path.as_posix()} does not exist yet: write it in the cell above, "
                        f"starting with %%writefile {path.as_posix()}")
    proc = forkserver.run([sys.executable, "-c", _PROBE, module], terminal_env())
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise Incorrect(f"{module} does not load: {last}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _imports_multi(module: str) -> bool:
    """Whether the file of ``module`` imports from ``core.settings.multi`` (``from .multi import *``)."""
    tree = ast.parse(Path(*module.split(".")).with_suffix(".py").read_text(encoding="utf-8"))
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            named = f"{package}.{node.module or ''}" if node.level == 1 else node.module or ""
            if named.rstrip(".") == "core.settings.multi" or (named.rstrip(".") == "core.settings" and any(
                    alias.name == "multi" for alias in node.names)):
                return True
        if isinstance(node, ast.Import) and any(a.name == "core.settings.multi" for a in node.names):
            return True
    return False


def _judge_structure(found: dict, module: str) -> None:
    """DATABASES is a dict holding the aliases, each a dict, with multi's ENGINE."""
    aliases = found["aliases"]
    if found["type"] == "NoneType":
        raise Incorrect(f"{module} still defines no DATABASES (is it still the stub?): build it on the "
                        "settings module that already holds both aliases.")
    if found["type"] != "dict":
        raise Incorrect(f"DATABASES is a {found['type']}, not a dict of aliases like multi.py's.")
    for alias in _ALIASES:
        if alias not in aliases:
            if set(aliases) <= {"default"}:
                raise Incorrect(f"DATABASES has no {alias!r} (nor any alias but Django's default): "
                                f"{module} must hold the whole multi-database set-up, with only the two "
                                "file names changed. Which module of core/settings already holds it?")
            raise Incorrect(f"DATABASES has no {alias!r}; it has {', '.join(map(repr, aliases))}. Keep the "
                            "aliases as the routers name them, and change only the NAMEs.")
    for alias, conf in aliases.items():
        if "not_a_dict" in conf:
            raise Incorrect(f"DATABASES[{alias!r}] is {conf['not_a_dict']}, not a dict: every alias maps to "
                            "a dict of its settings, as in multi.py ({} for 'default').")
    for alias in _ALIASES:
        engine = aliases[alias]["engine"]
        if engine != _ENGINE:
            said = "has no 'ENGINE'" if engine is None else f"['ENGINE'] is {engine!r}"
            raise Incorrect(f"DATABASES[{alias!r}]{said}: Django imports the backend from that full dotted "
                            "path; keep multi.py's ENGINE and change only the NAME.")


def _judge_name(alias: str, name: Path, base: Path) -> str:
    """The learner's NAME of ``alias`` relative to the project folder ``base``, if it is the one asked for."""
    expected = f"data/{alias}.sqlite3"
    if not name.is_absolute():
        raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is the relative path {name.as_posix()!r}: "
                        "SQLite would look for it in whatever folder the process starts in, not "
                        "in the project folder (the trap of this notebook). Build it from BASE_DIR.")
    plain = Path(os.path.normpath(name))
    if not plain.is_relative_to(base):
        if name.relative_to(name.anchor).as_posix() == expected:
            raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is {name.as_posix()!r}, at the root of the disk, "
                            "outside the project folder: a path starting with '/' starts there, and so does "
                            "BASE_DIR / '/…' (it throws BASE_DIR away). Build it from BASE_DIR, with parts "
                            "that do not start with '/'.")
        if plain.is_relative_to(base.parent):
            shown = "../" + plain.relative_to(base.parent).as_posix()
            raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is {shown!r} from the project folder, outside it: "
                            "BASE_DIR is the project folder itself. Build the path down from BASE_DIR.")
        raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is outside the project folder (not under BASE_DIR): "
                        "build it from BASE_DIR.")
    shown = plain.relative_to(base).as_posix()
    if shown != expected:
        raise Incorrect(f"DATABASES[{alias!r}]['NAME'] is {shown!r} (relative to the project "
                        f"folder); the exercise asks for {expected!r}.")
    return shown


@judged
def check_local_settings(module: str = "core.settings.local") -> Correct:
    """``module`` is the multi-database set-up with both SQLite files in ``data/``, built on ``multi``
    without changing multi's own ``DATABASES``, and Django loads it."""
    found = _probe(module)
    _judge_structure(found, module)
    aliases, base = found["aliases"], Path(found["base"])
    if base != Path.cwd().resolve():
        raise Incorrect("BASE_DIR is not the project folder: keep the BASE_DIR of base.py "
                        "(import everything from .multi, which imports it from .base).")
    names = {alias: _judge_name(alias, Path(aliases[alias]["name"]), base) for alias in _ALIASES}
    if aliases.get("default", {}).get("keys"):
        raise Incorrect("DATABASES['default'] is no longer empty: change only the two NAMEs.")
    if not _imports_multi(module):
        raise Incorrect(f"{module} does not import from core.settings.multi: the exercise builds on "
                        "multi.py (as multi.py builds on base.py), so that what multi.py gains later, "
                        "local.py has too, without a second copy to keep in step.")
    for alias in _ALIASES:
        if not aliases[alias]["marked"]:
            raise Incorrect(f"DATABASES[{alias!r}] is written out anew rather than taken from multi.py's "
                            "DATABASES: start from multi's and change only its NAME.")
    if found["multi_changed"]:
        raise Incorrect(f"{module} also changes multi.py's own DATABASES: `from .multi import *` gives it "
                        "the very same dicts, and a shallow copy (DATABASES.copy(), dict(DATABASES)) still "
                        "shares the dicts inside. Change a deep copy, as the section above shows.")
    settings_report(module, "print('{}')")  # and Django loads it
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

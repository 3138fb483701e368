"""The checks of 05 · Migrating each alias (``notebooks/05_migrating_each_alias.ipynb``)."""

from __future__ import annotations

from pathlib import Path

from course import sqlite
from course.exercises.judges import Correct, Incorrect, choice, compare, judged
from course.exercises.probes import NUDGE, WHY_TABLE, has_rows
from course.shell import shown_manage

__all__ = ["check_predicted_tables", "check_content_types_prediction", "check_showmigrations_prediction",
           "check_experiment_migrated"]


@judged
def check_predicted_tables(answer: set[str], path: str = "acmeapp_db.sqlite3") -> Correct:
    """The tables ``path`` really holds."""
    if isinstance(answer, set | frozenset | list | tuple) and not answer:
        raise Incorrect(f"PREDICTED is still empty, as in the stub: write the names of the tables you expect "
                        f"in {path} into the set.")
    truth = set(sqlite.tables(path))
    why = {t: "AuthRouter keeps Django's own apps on auth_db" for t in sqlite.tables("auth_db.sqlite3")}
    why.update(WHY_TABLE)
    compared = compare(answer, truth, why, "PREDICTED", NUDGE)
    return Correct(f"{path} holds {', '.join(sorted(truth))}.", compared)


@judged
def check_content_types_prediction(answer, files=("experiment_auth.sqlite3", "experiment_acmeapp.sqlite3")
                                   ) -> Correct:
    """In which of the experiment's files ``migrate`` created content types."""
    try:
        have = tuple(has_rows(f, "django_content_type") for f in files)
    except FileNotFoundError:
        raise Incorrect("The experiment's files are not there yet: run the cell above that migrates "
                        "them first.") from None
    truth = {(True, True): "both", (True, False): "auth only", (False, True): "acmeapp only",
             (False, False): "neither"}[have]
    compared = choice("PREDICT_CONTENT_TYPES", answer, ("auth only", "acmeapp only", "both", "neither"),
                      truth, "The handlers write on the alias being migrated wherever allow_migrate allows "
                      "contenttypes; WritesOnlyAuthRouter has no opinion, and no other router objects, so "
                      "each migrate created them.")
    return Correct(f"content types in {truth} files: allow_migrate, not db_for_write, places them.", compared)


def _app_labels(name: str, answer, known: tuple[str, ...]) -> set[str]:
    """``answer``, a prediction written as a set of app labels among ``known`` (may be empty)."""
    listed = ", ".join(map(repr, known))
    if answer is None:
        raise Incorrect(f"{name} is still None: write a set of app labels among {listed} "
                        "(set() for none).")
    if isinstance(answer, str) or not isinstance(answer, set | frozenset | list | tuple):
        raise Incorrect(f"Give {name} as a set of app labels, like {{{known[0]!r}}}, or set() for none.")
    answer = {str(a).strip() for a in answer}
    if answer and all(len(a) <= 1 for a in answer):
        raise Incorrect(f"{name} holds single letters: set('sessions') splits a string into its letters. "
                        f"Write the labels between braces instead: {{{known[-1]!r}}}.")
    unknown = sorted(answer - set(known))
    if unknown:
        raise Incorrect(f"{', '.join(map(repr, unknown))}: the command lists only {listed}.")
    return answer


@judged
def check_showmigrations_prediction(answer, alias: str = "auth_db") -> Correct:
    """Which apps ``showmigrations acmeapp sessions --database=alias`` marks ``[X]`` (applied)."""
    apps = ("acmeapp", "sessions")
    answer = _app_labels("PREDICT_APPLIED", answer, apps)
    shown = shown_manage("showmigrations", *apps, f"--database={alias}", check=False)
    truth, app = set(), None
    for line in shown.splitlines():
        if line in apps:
            app = line
        elif app and line.strip().startswith("[X]"):
            truth.add(app)
    if answer != truth:
        said = ", ".join(sorted(truth)) or "none"
        raise Incorrect(f"You predicted [X] for {', '.join(sorted(answer)) or 'none'}; the command shows "
                        f"[X] for {said}. showmigrations reads the rows of django_migrations on the alias, "
                        "not its tables: what did migrate record there?")
    return Correct(f"[X] for {', '.join(sorted(truth))} on {alias}: showmigrations reads the alias's "
                   "history, the rows of django_migrations, not its tables.",
                   {"answer": sorted(answer), "expected": sorted(truth)})


EXPERIMENT = {"auth_db": "experiment_auth.sqlite3", "acmeapp_db": "experiment_acmeapp.sqlite3"}


def _recorded(path: str) -> int:
    """How many migrations the SQLite file ``path`` records as applied (0 without its history)."""
    if not Path(path).is_file() or "django_migrations" not in sqlite.tables(path):
        return 0
    return sqlite.query(path, "SELECT COUNT(*) FROM django_migrations").rows[0][0]


@judged
def check_experiment_migrated(files: dict[str, str] | None = None,
                              reference: str = "auth_db.sqlite3") -> Correct:
    """Both aliases of ``core.settings.experiment`` are migrated: each file of ``files`` (alias: file)
    records every migration that ``reference``, the project's own migrated alias, records."""
    files = files or EXPERIMENT
    every = _recorded(reference)
    done = {alias: _recorded(path) for alias, path in files.items()}
    if not any(done.values()):
        raise Incorrect("The experiment's files are still not migrated: run one migrate "
                        "per alias, each with --settings=core.settings.experiment. Without it, manage.py "
                        "migrates the project's own files, which are migrated already.")
    for alias, count in done.items():
        if count == 0:
            raise Incorrect(f"{files[alias]}, the file of the alias {alias!r}, is not migrated: each alias "
                            "needs its own migrate, with --database naming it.")
        if count < every:
            raise Incorrect(f"{files[alias]} records {count} of the {every} migrations: migrate every app "
                            "(no app label), as the project's own aliases were.")
    return Correct(f"both aliases of the experiment are migrated: each file records all {every} migrations.",
                   {alias: count for alias, count in sorted(done.items())})

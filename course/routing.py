"""Ask Django's own router where each installed model reads, writes and may migrate."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import router

from course.errors import CourseError, trim_to_learners
from course.table import Table


class UnknownAlias(CourseError, ValueError):
    """An alias asked about is not a key of ``DATABASES`` (a ``ValueError`` too, as it was)."""


def check_aliases(aliases: list[str]) -> None:
    """Raise ``UnknownAlias`` naming the fix when an alias is not a key of ``DATABASES``."""
    unknown = [a for a in aliases if a not in settings.DATABASES]
    if unknown:
        raise UnknownAlias(
            f"Unknown database alias {', '.join(map(repr, unknown))}: DATABASES defines "
            f"{', '.join(map(repr, settings.DATABASES))}. Use one of those names "
            "(a typo here would be a typo in your router too)."
        )


def _row(model, aliases: list[str]) -> list:
    """One model's row: its label, where the routers send its reads and writes, where it migrates."""
    migrate = ["✓" if router.allow_migrate_model(a, model) else "" for a in aliases]
    return [model._meta.label, router.db_for_read(model), router.db_for_write(model), *migrate]


def routing_table(aliases: list[str] | None = None) -> Table:
    """One row per installed model: ``db_for_read``, ``db_for_write`` and, per alias, ``allow_migrate``.

    The routers are the learner's code: an error in one is shown from their router's frame on,
    without this helper's frames or Django's (``course.errors``).
    """
    aliases = list(settings.DATABASES) if aliases is None else list(aliases)
    check_aliases(aliases)
    models = sorted(apps.get_models(), key=lambda m: m._meta.label)
    try:
        rows = [_row(model, aliases) for model in models]
    except Exception as error:
        trim_to_learners(error)
        raise
    return Table(["model", "reads from", "writes to", *(f"migrates on {a}" for a in aliases)], rows)

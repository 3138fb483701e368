"""Ask Django's own router where each installed model reads, writes and may migrate."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import router

from course.table import Table


def check_aliases(aliases: list[str]) -> None:
    """Raise ``ValueError`` naming the fix when an alias is not a key of ``DATABASES``."""
    unknown = [a for a in aliases if a not in settings.DATABASES]
    if unknown:
        raise ValueError(
            f"Unknown database alias {', '.join(map(repr, unknown))}: DATABASES defines "
            f"{', '.join(map(repr, settings.DATABASES))}. Use one of those names "
            "(a typo here would be a typo in your router too)."
        )


def routing_table(aliases: list[str] | None = None) -> Table:
    """One row per installed model: ``db_for_read``, ``db_for_write`` and, per alias, ``allow_migrate``."""
    aliases = list(settings.DATABASES) if aliases is None else list(aliases)
    check_aliases(aliases)
    rows = []
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        migrate = ["✓" if router.allow_migrate_model(a, model) else "" for a in aliases]
        rows.append([model._meta.label, router.db_for_read(model), router.db_for_write(model), *migrate])
    return Table(["model", "reads from", "writes to", *(f"migrates on {a}" for a in aliases)], rows)

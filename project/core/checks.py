"""System checks of the database routing, run by every manage.py command that checks (check, test,
migrate, runserver). Run only these with: python manage.py check --tag routing
"""

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import router


def _models(app_configs):
    """The models to check: those of app_configs, or of every installed app."""
    if app_configs is None:
        return apps.get_models()
    return [model for app_config in app_configs for model in app_config.get_models()]


@checks.register('routing')
def check_one_migration_database(app_configs, **kwargs):
    """Each model's table is created in exactly one database."""
    errors = []
    for model in _models(app_configs):
        if not model._meta.managed or model._meta.proxy or model._meta.swapped:
            continue  # Django creates no table for these
        aliases = [alias for alias in settings.DATABASES if router.allow_migrate_model(alias, model)]
        if not aliases:
            errors.append(checks.Error(
                'No router allows this model to migrate on any database, so its table is never created.',
                hint=f"Make allow_migrate() return True for app '{model._meta.app_label}' on one alias.",
                obj=model,
                id='core.E001',
            ))
        elif len(aliases) > 1:
            errors.append(checks.Error(
                f"This model may migrate on {len(aliases)} databases ({', '.join(aliases)}), so its table "
                'is created in each of them.',
                hint=f"Make allow_migrate() return False for app '{model._meta.app_label}' on every "
                'alias but one (returning None lets the next router, or Django, say True).',
                obj=model,
                id='core.E002',
            ))
    return errors


@checks.register('routing')
def check_routed_aliases_exist(app_configs, **kwargs):
    """Every alias a router returns for reads or writes is a key of DATABASES."""
    errors = []
    for model in _models(app_configs):
        for each in router.routers:
            for method in ('db_for_read', 'db_for_write'):
                alias = getattr(each, method, lambda model: None)(model)
                if alias is not None and alias not in settings.DATABASES:
                    name = f'{type(each).__module__}.{type(each).__qualname__}.{method}'
                    errors.append(checks.Error(
                        f"{name}() returns {alias!r} for {model._meta.label}, which is not a key of "
                        'DATABASES.',
                        hint=f"Return one of {', '.join(map(repr, settings.DATABASES))}, or None.",
                        obj=model,
                        id='core.E003',
                    ))
    return errors


def _relations(model):
    """(the object to name, the model whose table holds the column, the field) for each relation of
    model: its foreign keys, and those of the table Django makes for each many-to-many field (a model
    given as through= is a model of its own, checked as such)."""
    found = [(field, model, field) for field in model._meta.local_fields if field.is_relation]
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created:
            found += [(field, through, column) for column in through._meta.local_fields if column.is_relation]
    return found


@checks.register('routing')
def check_relations_across_databases(app_configs, **kwargs):
    """No relation between models written to different databases keeps a database constraint."""
    errors = []
    for model in _models(app_configs):
        for shown, owner, field in _relations(model):
            if not field.db_constraint:
                continue
            here, there = router.db_for_write(owner), router.db_for_write(field.related_model)
            if here != there:
                errors.append(checks.Error(
                    f"This relation points from '{here}' to {field.related_model._meta.label} in "
                    f"'{there}': Django does not support relations across databases, and no database "
                    'can enforce its constraint.',
                    hint='Keep both models in one database (route their apps together). If they must '
                    'live apart, db_constraint=False (with on_delete=models.DO_NOTHING) makes the '
                    'relation work as far as it goes: joins and cascades across databases still fail.',
                    obj=shown,
                    id='core.E004',
                ))
    return errors

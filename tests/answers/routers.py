"""The answers the checks of the lesson ``routers`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

NOTES = '''class NotesRouter:
    route_app_labels = ['notes']

    def db_for_read(self, model, **hints):
        if model._meta.app_label in self.route_app_labels:
            return {alias!r}
        return None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        labels = self.route_app_labels
        if obj1._meta.app_label in labels {either} obj2._meta.app_label in labels:
            return {relate}
        return {otherwise}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label in self.route_app_labels:
            return {migrate}
        return None
'''


def notes(alias="notes_db", either="or", relate="True", otherwise="None", migrate="db == 'notes_db'") -> str:
    """A NotesRouter, right with the defaults; each argument changes one of its answers."""
    return NOTES.format(alias=alias, either=either, relate=relate, otherwise=otherwise, migrate=migrate)


NOTES_STUB = '''class NotesRouter:
    route_app_labels = ['notes']

    def db_for_read(self, model, **hints):
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return None
'''

WHERE = '''from django.apps import apps
from django.conf import settings
from django.db import router as django_router


def where_each_model_goes(router):
    table = {{}}
    for model in {models}:
        migrates = {migrates}
        table[{key}] = ({read}, {write}, migrates)
    return {result}
'''


def where(models="apps.get_models()", key="model._meta.label", read="router.db_for_read(model)",
          write="router.db_for_write(model)",
          migrates="{a for a in settings.DATABASES if router.allow_migrate_model(a, model)}",
          result="table") -> str:
    """A where_each_model_goes, right with the defaults; each argument changes one piece of it."""
    return WHERE.format(models=models, key=key, read=read, write=write, migrates=migrates, result=result)


CASES = {
    "check_logentry_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_LOGENTRY = "acmeapp_db"', "Django says 'auth_db'. LogEntry is a model of the app 'admin'"),
        ("PREDICT_LOGENTRY = None", "PREDICT_LOGENTRY is still None"),
        ("PREDICT_LOGENTRY = auth_db", "NameError: name 'auth_db' is not defined"),  # the answer cell fails
    ],
    "check_where_each_model_goes": [
        (SOLUTION, RIGHT),
        (where(), RIGHT),
        (where(key="model",
               migrates="[a for a in settings.DATABASES if router.allow_migrate_model(a, model)]"), RIGHT),
        (where(key="model._meta.label_lower",
               migrates="{a: router.allow_migrate_model(a, model) for a in settings.DATABASES}"), RIGHT),
        (where(read="None", write="None", migrates="set()"),
         "where_each_model_goes still gives (None, None, set()) for every model, as the stub does"),
        (where(migrates="{a for a in settings.DATABASES if router.allow_migrate(a, model)}"),
         "allow_migrate(alias, app_label) takes an app label"),
        (where(migrates="set(settings.DATABASES)"), "does your function ask the router about each alias?"),
        (where(migrates="{a for a in ['auth_db', 'acmeapp_db'] if router.allow_migrate_model(a, model)}"),
         "Ask about every alias of settings.DATABASES"),
        (where(read="django_router.db_for_read(model)", write="django_router.db_for_write(model)",
               migrates="{a for a in settings.DATABASES if django_router.allow_migrate_model(a, model)}"),
         "Does your function ask the router it is given, or django.db.router?"),
        (where(write="router.db_for_read(model)"), "Where does the router send writes"),
        (where(models="apps.get_app_config('acmeapp').get_models()"),
         "where_each_model_goes has 1 of the 7 installed models"),
        (where(key="model.__name__"), "which is no installed model: key each entry by the model's label"),
        (where(result="None"), "where_each_model_goes returned NoneType: return a dict"),
        (where(migrates="'acmeapp_db'"), "give a set of aliases"),
        (where(read="router.db_for_read(model.name)"), "raised AttributeError"),
    ],
    "check_notes_router": [
        (SOLUTION, RIGHT),
        (notes(), RIGHT),
        (NOTES_STUB, "NotesRouter still answers None to every question about notes, as the stub does"),
        (notes(alias="notes"), "returned 'notes'; expected 'notes_db'"),
        (notes().replace("model._meta.app_label", "model.app_label"),
         "type object 'Note' has no attribute 'app_label'"),
        (notes(migrate="True"), "returned True; expected False"),
        (notes(relate="'notes_db'"), "allow_relation(a note, a note) returned 'notes_db'; expected True"),
        (notes(otherwise="False"), "allow_relation(a post, a user) returned False; expected None"),
        (notes(either="and"), "allow_relation(a note, a post) returned None; expected True"),
        (notes().replace("def allow_relation(self, obj1, obj2, **hints):", "def _unused(self, obj1, obj2):"),
         "NotesRouter has no method allow_relation"),
        (notes().replace(", **hints", ""), "refuses the hints Django passes"),
        (notes().replace("app_label, model_name=None", "model"), "got multiple values for argument 'model'"),
        (notes().replace("def db_for_read(self, model", "def db_for_read(model"), "raised TypeError"),
        (notes() + "\n\nNotesRouter = NotesRouter()\n", "Pass the class itself"),
    ],
}

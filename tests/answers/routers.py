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

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label in self.route_app_labels:
            return {migrate}
        return None
'''

CASES = {
    "check_logentry_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_LOGENTRY = "acmeapp_db"', "Django says 'auth_db'. LogEntry is a model of the app 'admin'"),
        ("PREDICT_LOGENTRY = auth_db", "NameError: name 'auth_db' is not defined"),  # the answer cell fails
    ],
    "check_notes_router": [
        (SOLUTION, RIGHT),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'"), RIGHT),
        (NOTES.format(alias="notes", migrate="db == 'notes_db'"), "returned 'notes'; expected 'notes_db'"),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'").replace(
            "model._meta.app_label", "model.app_label"), "type object 'Note' has no attribute 'app_label'"),
        (NOTES.format(alias="notes_db", migrate="True"), "returned True; expected False"),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'").replace(", **hints", ""),
         "refuses the hints Django passes"),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'").replace(
            "app_label, model_name=None", "model"), "got multiple values for argument 'model'"),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'").replace(
            "def db_for_read(self, model", "def db_for_read(model"), "raised TypeError"),
        (NOTES.format(alias="notes_db", migrate="db == 'notes_db'") + "\n\nNotesRouter = NotesRouter()\n",
         "Pass the class itself"),
    ],
}

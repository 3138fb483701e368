"""The checks of 04 · Routers (``notebooks/04_routers.ipynb``)."""

from __future__ import annotations

from course.exercises.judges import Correct, Incorrect, call, choice, judged
from course.exercises.probes import ask_router, fake_model, settings_module

__all__ = ["check_notes_router", "check_logentry_prediction"]


@judged
def check_notes_router(router_class) -> Correct:
    """``router_class`` sends the app ``notes`` to ``notes_db`` and has no opinion on other apps."""
    if not isinstance(router_class, type):
        raise Incorrect(f"Pass the class itself, NotesRouter, not {router_class!r}.")
    router = call("NotesRouter()", router_class)
    note = fake_model("notes", "note")
    post = fake_model("acmeapp", "post")
    # Called as Django calls routers: hints as keyword arguments (a router must accept **hints).
    read, migrate = {"instance": None}, {"model_name": "note", "model": note}
    expectations = [
        ("db_for_read", (note,), read, "a notes model", "notes_db", "db_for_read"),
        ("db_for_write", (note,), read, "a notes model", "notes_db", "db_for_write"),
        ("db_for_read", (post,), read, "acmeapp.Post", None, "db_for_read: answer None for other apps"),
        ("allow_migrate", ("notes_db", "notes"), migrate, "'notes_db', 'notes'", True, "allow_migrate"),
        ("allow_migrate", ("auth_db", "notes"), migrate, "'auth_db', 'notes'", False,
         "allow_migrate: say False for your app on the other databases, or its tables land there too"),
        ("allow_migrate", ("notes_db", "acmeapp"), migrate, "'notes_db', 'acmeapp'", None,
         "allow_migrate: answer None for other apps, so their own routers decide"),
    ]
    answers = {}
    for method, args, hints, shown, expected, where in expectations:
        got = answers[f"{method}({shown})"] = ask_router(router, "NotesRouter", method, args, hints, shown)
        if got != expected:
            raise Incorrect(f"NotesRouter().{method}({shown}) returned {got!r}; expected {expected!r}: "
                            f"look at NotesRouter.{where}.")
    return Correct("NotesRouter sends notes to 'notes_db' and leaves every other app to the other routers.",
                   {"answers": answers})


@judged
def check_logentry_prediction(answer, module: str = "core.settings.multi") -> Correct:
    """Where Django's router chain, with the routers of ``module``, sends writes of ``admin.LogEntry``."""
    from django.db.utils import ConnectionRouter

    chain = getattr(settings_module(module), "DATABASE_ROUTERS", None)
    if chain is None:
        raise Incorrect(f"{module} has no DATABASE_ROUTERS yet: run the cells above that write "
                        "core/db_routers.py and add DATABASE_ROUTERS to the settings, then this one.")
    truth = ConnectionRouter(chain).db_for_write(fake_model("admin", "logentry"))
    because = ("LogEntry is a model of the app 'admin', which is in AuthRouter.route_app_labels; "
               "AuthRouter is asked first and answers 'auth_db'." if truth == "auth_db" else
               "Read the routers in core/db_routers.py in the order of DATABASE_ROUTERS.")
    compared = choice("PREDICT_LOGENTRY", answer, ("default", "auth_db", "acmeapp_db"), truth, because)
    return Correct(f"the admin writes its log to {truth!r}: its app, 'admin', is one of AuthRouter's.",
                   compared)

"""The checks of 04 · Routers (``notebooks/04_routers.ipynb``)."""

from __future__ import annotations

from course.exercises.judges import Correct, Incorrect, call, choice, django_ready, judged
from course.exercises.probes import ask_router, fake_model, settings_module

__all__ = ["check_notes_router", "check_logentry_prediction", "check_where_each_model_goes"]


def _notes_expectations(note, post, user) -> list[tuple]:
    """What ``check_notes_router`` asks, in order: (method, arguments, hints, the arguments as shown,
    the answer expected, where to look when the answer differs)."""
    read, migrate = {"instance": None}, {"model_name": "note", "model": note}
    relate = "allow_relation: it answers whether two objects may be related (True, False or None)"
    return [
        ("db_for_read", (note,), read, "a notes model", "notes_db", "db_for_read"),
        ("db_for_write", (note,), read, "a notes model", "notes_db", "db_for_write"),
        ("db_for_read", (post,), read, "acmeapp.Post", None, "db_for_read: answer None for other apps"),
        ("allow_relation", (note(), note()), {}, "a note, a note", True, relate),
        ("allow_relation", (note(), post()), {}, "a note, a post", True,
         "allow_relation: like AcmeAppRouter's, allow a relation when either object is of your app"),
        ("allow_relation", (post(), user()), {}, "a post, a user", None,
         "allow_relation: answer None when neither object is of your app, so the other routers decide"),
        ("allow_migrate", ("notes_db", "notes"), migrate, "'notes_db', 'notes'", True, "allow_migrate"),
        ("allow_migrate", ("auth_db", "notes"), migrate, "'auth_db', 'notes'", False,
         "allow_migrate: say False for your app on the other databases, or its tables land there too"),
        ("allow_migrate", ("notes_db", "acmeapp"), migrate, "'notes_db', 'acmeapp'", None,
         "allow_migrate: answer None for other apps, so their own routers decide"),
    ]


def _agrees(got, expected) -> bool:
    """Whether a router's answer ``got`` is ``expected``: the same alias, a bool as true, or None."""
    if isinstance(expected, bool):
        return isinstance(got, bool) and got == expected
    return got is None if expected is None else got == expected


def _answers_nothing(router, note) -> bool:
    """Whether ``router`` answers None to every question about its own app, as the stub does."""
    hints = {"model_name": "note", "model": note}
    questions = [("db_for_read", (note,), {}, "a notes model"),
                 ("db_for_write", (note,), {}, "a notes model"),
                 ("allow_migrate", ("notes_db", "notes"), hints, "'notes_db', 'notes'")]
    return all(ask_router(router, "NotesRouter", *question) is None for question in questions)


@judged
def check_notes_router(router_class) -> Correct:
    """``router_class`` sends the app ``notes`` to ``notes_db``, allows relations of notes objects and has no
    opinion on other apps."""
    if not isinstance(router_class, type):
        raise Incorrect(f"Pass the class itself, NotesRouter, not {router_class!r}.")
    router = call("NotesRouter()", router_class)
    note, post = fake_model("notes", "note"), fake_model("acmeapp", "post")
    # Called as Django calls routers: hints as keyword arguments (a router must accept **hints).
    answers = {}
    questions = _notes_expectations(note, post, fake_model("auth", "user"))
    for method, args, hints, shown, expected, where in questions:
        got = answers[f"{method}({shown})"] = ask_router(router, "NotesRouter", method, args, hints, shown)
        if not _agrees(got, expected):
            if _answers_nothing(router, note):
                raise Incorrect("NotesRouter still answers None to every question about notes, as the stub "
                                "does: fill in its methods in the style of AcmeAppRouter's "
                                "(core/db_routers.py).")
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


class _ReadsEverythingFromAcmeappDb:
    """A router of the check's own: every read goes to 'acmeapp_db'; no opinion on anything else."""

    def db_for_read(self, model, **hints):
        return "acmeapp_db"


def _chains() -> list[tuple[str, object]]:
    """The router chains the learner's function is tried on, each with how a message names it: the
    project's, the project's without its second router, and one whose reads and writes differ."""
    from django.db import router
    from django.db.utils import ConnectionRouter

    names = [type(r).__name__ for r in router.routers]
    chains = [("the project's routers (django.db.router)", router)]
    if len(names) > 1:
        chains.append((f"{names[0]} alone ({', '.join(names[1:])} left out of the chain)",
                       ConnectionRouter(router.routers[:1])))
    chains.append(("a chain that reads everything from 'acmeapp_db' first, then the project's routers",
                   ConnectionRouter([_ReadsEverythingFromAcmeappDb(), *router.routers])))
    return chains


def _truth(chain) -> dict[str, tuple]:
    """Where ``chain`` sends each installed model: (reads from, writes to, aliases it may migrate on)."""
    from django.apps import apps
    from django.conf import settings

    def migrates(model) -> set[str]:
        return {alias for alias in settings.DATABASES if chain.allow_migrate_model(alias, model)}

    return {model._meta.label: (chain.db_for_read(model), chain.db_for_write(model), migrates(model))
            for model in apps.get_models()}


def _aliases(label: str, migrates) -> set[str]:
    """The aliases a learner's row says ``label`` may migrate on: a set, list or tuple of aliases, or a
    dict of alias to True or False (as the routing table's columns)."""
    if isinstance(migrates, dict):
        return {str(alias) for alias, allowed in migrates.items() if allowed}
    if isinstance(migrates, str) or not isinstance(migrates, set | frozenset | list | tuple):
        raise Incorrect(f"The row of {label} gives {migrates!r} as the aliases it may migrate on: give a set "
                        "of aliases, like {'auth_db'} (set() for none).")
    return {str(alias) for alias in migrates}


def _rows(table, truth: dict[str, tuple]) -> dict[str, tuple]:
    """The learner's ``table``, each key made a model label as Django spells it, each value a row of
    three: (reads from, writes to, set of aliases); say what is not so."""
    if not isinstance(table, dict):
        raise Incorrect(f"where_each_model_goes returned {type(table).__name__}: return a dict with one "
                        "entry per model, {'app_label.Model': (reads from, writes to, {aliases})}.")
    labels = {label.lower(): label for label in truth}
    rows = {}
    for key, row in table.items():
        name = key._meta.label if hasattr(key, "_meta") else str(key)
        if name.lower() not in labels:
            raise Incorrect(f"where_each_model_goes has an entry for {key!r}, which is no installed model: "
                            "key each entry by the model's label, model._meta.label.")
        if isinstance(row, str) or not isinstance(row, list | tuple) or len(row) != 3:
            raise Incorrect(f"The entry of {name} is {row!r}: give three things, (reads from, writes to, "
                            "{aliases it may migrate on}).")
        rows[labels[name.lower()]] = (row[0], row[1], _aliases(name, row[2]))
    missing = sorted(set(truth) - set(rows))
    if missing:
        raise Incorrect(f"where_each_model_goes has {len(rows)} of the {len(truth)} installed models "
                        f"({len(missing)} missing, {missing[0]} among them): ask about every model of "
                        "apps.get_models().")
    return rows


def _difference(label: str, mine: tuple, django: tuple, chain: str) -> str:
    """What the learner's row of ``label`` says wrongly, for ``chain``, in one sentence; "" if nothing."""
    for column, what in enumerate(("reads from", "writes to")):
        if mine[column] != django[column]:
            return (f"With {chain}, your function says {label} {what} {mine[column]!r}; that chain says "
                    f"{django[column]!r}.")
    if mine[2] != django[2]:
        def said(aliases):
            return ", ".join(map(repr, sorted(aliases))) or "no alias"
        return (f"With {chain}, your function says {label} may migrate on {said(mine[2])}; that chain "
                f"allows {said(django[2])}.")
    return ""


@judged
def check_where_each_model_goes(function) -> Correct:
    """``function(router)`` says, for every installed model, where ``router`` sends its reads and writes and
    on which aliases it may migrate: tried on the project's router chain and on two others."""
    django_ready()
    if not callable(function):
        raise Incorrect(f"Pass the function itself, where_each_model_goes, not {function!r}.")
    chains = _chains()
    project = _truth(chains[0][1])
    for name, chain in chains:
        truth = _truth(chain)
        rows = _rows(call("where_each_model_goes(router)", function, chain), truth)
        if all(row == (None, None, set()) for row in rows.values()):
            raise Incorrect("where_each_model_goes still gives (None, None, set()) for every model, as the "
                            "stub does: ask the router it is given about each model.")
        wrong = [(label, _difference(label, rows[label], truth[label], name)) for label in sorted(truth)]
        wrong = [(label, text) for label, text in wrong if text]
        if wrong:
            label, text = wrong[0]
            raise Incorrect(text + _nudge(rows[label], truth[label], project[label]))
    compared = {label: [read, write, sorted(aliases)] for label, (read, write, aliases) in project.items()}
    return Correct(f"your function gives Django's own answers for all {len(project)} models, whatever the "
                   "router chain.", compared)


def _nudge(mine: tuple, django: tuple, project: tuple) -> str:
    """Where to look, for the usual slips: the project's answers for another chain (the function asked
    django.db.router, not the router it was given), every alias allowed (a model given to
    allow_migrate, which takes an app label), or the reads given as writes."""
    from django.conf import settings

    if mine == project != django:
        return " Does your function ask the router it is given, or django.db.router?"
    if mine[2] == set(settings.DATABASES) != django[2]:
        return (" Every alias comes out allowed: does your function ask the router about each alias? "
                "allow_migrate(alias, app_label) takes an app label (given a model instead, no router "
                "recognises its app, each answers None, and None allows); allow_migrate_model takes a model.")
    if mine[2] < django[2]:
        return " Ask about every alias of settings.DATABASES."
    if mine[1] == django[0] != django[1]:
        return " Where does the router send writes: which method answers that?"
    return ""

"""The checks of 11 · Primary and replica (``notebooks/11_primary_and_replica.ipynb``)."""

from __future__ import annotations

import re

from course.exercises.judges import (
    Correct,
    Incorrect,
    call,
    choice,
    chosen,
    django_ready,
    judged,
    raised,
    your_line,
)
from course.exercises.probes import ask_router, fake_model
from course.shell import shown_manage

__all__ = ["check_replica_router", "check_read_after_write_prediction", "check_create_and_fetch",
           "check_replica_test_prediction", "check_primary_admin"]


def _own_methods(cls) -> list[str]:
    """The methods ``cls`` defines itself (not inherited, not dunder): none on an untouched stub."""
    return sorted(name for name, value in vars(cls).items() if callable(value) and not name.startswith("__"))


_ROUTER_WHY = {
    "db_for_read": "reads of admin, auth and contenttypes go to the replica; other apps get None",
    "sessions": "the request right after a login reads the session that login wrote on the primary: on a "
                "replica that has not received it yet, the user would be logged out at once. Read sessions "
                "from the primary",
    "db_for_write": "writes still go to the primary, 'auth_db'",
    "allow_migrate": "a replica is never migrated: AuthRouter's allow_migrate already says so",
}


@judged
def check_replica_router(router_class) -> Correct:
    """``router_class`` reads admin, auth and contenttypes from 'auth_replica', sessions from 'auth_db',
    and otherwise acts as ``AuthRouter``."""
    name = getattr(router_class, "__name__", "AuthPrimaryReplicaRouter")
    if not isinstance(router_class, type):
        raise Incorrect(f"Pass the class itself, AuthPrimaryReplicaRouter, not {router_class!r}.")
    if not _own_methods(router_class):
        raise Incorrect(f"{name} is still the stub: it adds nothing to AuthRouter yet, so it reads "
                        "everything from 'auth_db' as AuthRouter does. Write the method that decides where "
                        "reads go.")
    router = call(f"{name}()", router_class)
    models = {label: fake_model(label, model) for label, model in
              [("auth", "user"), ("contenttypes", "contenttype"), ("sessions", "session"),
               ("admin", "logentry"), ("acmeapp", "post")]}
    expectations = [(("db_for_read", models[label]), "auth_replica")
                    for label in ("auth", "contenttypes", "admin")]
    expectations += [(("db_for_read", models["sessions"]), "auth_db"),
                     (("db_for_write", models["auth"]), "auth_db"),
                     (("db_for_write", models["sessions"]), "auth_db"),
                     (("db_for_read", models["acmeapp"]), None),
                     (("allow_migrate", "auth_db", "auth"), True),
                     (("allow_migrate", "auth_replica", "auth"), False)]
    answers = {}
    for (method, *args), expected in expectations:
        shown = ", ".join(repr(a) if isinstance(a, str) else f"{a._meta.app_label}.{a.__name__}"
                          for a in args)
        hints = {"model_name": None} if method == "allow_migrate" else {"instance": None}
        got = answers[f"{method}({shown})"] = ask_router(router, name, method, args, hints, shown)
        if got != expected:
            session_read = method == "db_for_read" and shown == "sessions.Session"
            why = _ROUTER_WHY["sessions" if session_read else method]
            raise Incorrect(f"{name}().{method}({shown}) returned {got!r}; expected {expected!r}: {why}.")
    return Correct(f"{name} reads admin, auth and contenttypes from 'auth_replica', sessions from 'auth_db', "
                   "writes them all to 'auth_db', and never migrates the replica.", {"answers": answers})


@judged
def check_read_after_write_prediction(answer) -> Correct:
    """Whether a post read right after it is written is found: run it, shown, and compared."""
    django_ready()
    from django.db import router

    from acmeapp.models import Post

    if answer is None:
        raise Incorrect("PREDICT_FOUND is still None: replace None by True or False.")
    if not isinstance(answer, bool):
        quotes = " (without quotes)" if isinstance(answer, str) else ""
        raise Incorrect(f"PREDICT_FOUND = {answer!r}: write True or False{quotes}.")
    reads, writes = router.db_for_read(Post), router.db_for_write(Post)
    title = "Fresh from the primary"
    Post.objects.using(writes).filter(title=title).delete()  # a rerun of this check: one such post only
    post = Post.objects.create(title=title)
    found = Post.objects.filter(pk=post.pk).exists()
    print(f'>>> post = Post.objects.create(title="{title}")\n>>> Post.objects.filter(pk=post.pk).exists()\n'
          f"{found}")
    where = (f"the post is written to {writes!r} (db_for_write) and looked for on {reads!r} (db_for_read), "
             + ("which has not received it yet." if not found else "where it is."))
    if answer != found:
        raise Incorrect(f"You predicted {answer}; exists() answered {found}: {where}",
                        {"answer": answer, "expected": found})
    return Correct(f"{found}: {where}",
                   {"answer": answer, "expected": found, "reads": reads, "writes": writes})


_TO_REPLICA = ("create_and_fetch() wrote the post to the replica, 'acmeapp_replica': replication only copies "
               "from the primary, so writes go to the primary (what the router's db_for_write says).")


def _names_no_alias(function) -> bool:
    """Whether ``function``'s code names no database at all (no alias, no ``using``, no ``db_manager``),
    as the stub of create_and_fetch does."""
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    names = set(code.co_names) | {c for c in code.co_consts if isinstance(c, str)}
    names |= {n for c in code.co_consts if isinstance(c, tuple) for n in c if isinstance(n, str)}
    return not names & {"using", "db_manager", "acmeapp_db", "acmeapp_replica"}


@judged
def check_create_and_fetch(create_and_fetch) -> Correct:
    """``create_and_fetch(title)`` saves a post and reads it back by its title from ``acmeapp_db``."""
    import uuid

    from django.core.exceptions import ImproperlyConfigured
    from django.db import connections
    from django.test.utils import CaptureQueriesContext
    from django.utils.connection import ConnectionDoesNotExist

    from acmeapp.models import Post

    if not callable(create_and_fetch):
        raise Incorrect(f"Pass the function itself, create_and_fetch, not {create_and_fetch!r}.")
    title = f"Checked {uuid.uuid4().hex[:8]}"
    atomic_inserts = []  # for each INSERT on the primary: was it inside a transaction there?

    def watch(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT"):
            atomic_inserts.append(context["connection"].in_atomic_block)
        return execute(sql, params, many, context)

    def wrote_to_replica() -> bool:
        return any(q["sql"].startswith("INSERT") for q in replica.captured_queries)

    try:
        with (CaptureQueriesContext(connections["acmeapp_db"]) as primary,
              CaptureQueriesContext(connections["acmeapp_replica"]) as replica,
              connections["acmeapp_db"].execute_wrapper(watch)):
            post = create_and_fetch(title)
    except Post.DoesNotExist:
        if wrote_to_replica():
            raise Incorrect(_TO_REPLICA + " Here it then looked for the post where it was not written "
                            "(Post.DoesNotExist).") from None
        raise Incorrect("create_and_fetch() saved the post on the primary, then looked for it on the "
                        "replica, which has not received it yet (Post.DoesNotExist). Where must this "
                        "read go?") from None
    except ConnectionDoesNotExist as error:
        aliases = ", ".join(map(repr, connections))
        raise Incorrect(f"create_and_fetch() names an alias that DATABASES does not define ({error}"
                        f"{your_line(error)}); the aliases are {aliases}.") from None
    except ImproperlyConfigured as error:
        if "ENGINE" not in str(error):
            raise raised("create_and_fetch()", error) from None
        still = " is still the stub (it names no alias): it" if _names_no_alias(create_and_fetch) else ""
        raise Incorrect(f"create_and_fetch(){still} used the empty 'default' alias: settings.DATABASES is "
                        f"improperly configured{your_line(error)}. With no alias, transaction.atomic() "
                        "and connections[...] mean 'default'. Name the alias.") from None
    except Exception as error:
        raise raised("create_and_fetch()", error) from None
    if wrote_to_replica():
        raise Incorrect(_TO_REPLICA)
    if atomic_inserts and not all(atomic_inserts):
        raise Incorrect("The post was not written inside a transaction of the primary, 'acmeapp_db': keep "
                        "the transaction, on the database the post is written to (a transaction covers "
                        "one database only).")
    if post is None:
        if any(title in q["sql"] for q in replica.captured_queries):
            raise Incorrect(f"create_and_fetch({title!r}) returned None: the read found no post, because "
                            "it went to the replica, which has not received it yet. Where must this read go?")
        raise Incorrect(f"create_and_fetch({title!r}) returned None: is its `return` missing?")
    if not isinstance(post, Post) or post.title != title:
        raise Incorrect(f"create_and_fetch({title!r}) returned {post!r}: return the Post it saved, "
                        "read back with get(title=title).")
    if post._state.db != "acmeapp_db":
        raise Incorrect(f"The post was read from {post._state.db!r}: read it from the primary, 'acmeapp_db'.")
    keys = (title, f'"acmeapp_post"."id" = {post.pk}')  # read back by its title or by its id
    reads = [q["sql"] for q in primary.captured_queries if q["sql"].startswith("SELECT")]
    if not any(key in sql for sql in reads for key in keys):
        raise Incorrect("create_and_fetch() returns a post without reading that post back: query the "
                        "primary for it, with get(title=title).")
    return Correct("create_and_fetch() reads its own write back from the primary, acmeapp_db.",
                   {"read from": post._state.db})


_REPLICA_OUTCOMES = ("passes", "no such table: acmeapp_post", "database table is locked",
                     "DatabaseOperationForbidden")


@judged
def check_replica_test_prediction(answer, settings: str = "core.settings.replica") -> Correct:
    """How ``manage.py test acmeapp.replica_tests --settings=settings`` ends, run and shown."""
    chosen("PREDICT_REPLICA_TEST", answer, _REPLICA_OUTCOMES)
    out = shown_manage("test", "acmeapp.replica_tests", f"--settings={settings}", check=False)
    truth = next((o for o in _REPLICA_OUTCOMES[1:] if o in out), None)
    if truth is None and re.search(r"^OK\b", out, re.M):
        truth = "passes"
    if truth is None:
        last = (out.strip().splitlines() or ["(no output)"])[-1]
        raise Incorrect(f"The test stops for a reason this lesson does not teach: {last}")
    if truth != "no such table: acmeapp_post":
        raise Incorrect(f"The run ends with {truth!r} now, because the cells below have changed the settings "
                        "or the test since: this prediction is about the first run. Rerun the notebook from "
                        "the top to try it in order.")
    compared = choice("PREDICT_REPLICA_TEST", answer, _REPLICA_OUTCOMES, truth,
                      "The runner creates a test database for each alias the test lists, empty, and migrates "
                      "it with the routers, which allow acmeapp on acmeapp_db only: the test replica has no "
                      "acmeapp_post table.")
    return Correct(f"the run ends with: {truth}. Test databases are migrated through the routers, and never "
                   "replicated.", compared)


def _admin_page(client, shown: str, method: str, path: str, data: dict | None = None):
    """A request of the test ``client`` to the admin, as a learner's ModelAdmin answers it; an error
    raised by their code becomes one ``Incorrect`` line naming their line."""
    import logging

    logger = logging.getLogger("django.request")  # it would print the whole traceback on stderr
    was_disabled, logger.disabled = logger.disabled, True
    try:
        if method == "get":
            return client.get(path)
        return client.post(path, data, follow=True)
    except Exception as error:
        hint = ""
        if isinstance(error, TypeError) and "positional argument" in str(error):
            hint = " Does each method take self first, as in `def get_queryset(self, request):`?"
        if "auth_user" in str(error):
            hint = (" The admin asked a database without users for the choices of Post.author: without "
                    "using, it asks the routers, which read users from auth_db; formfield_for_foreignkey "
                    "with using=self.using sends it to the posts' database instead. Leave it out.")
        raise Incorrect(f"{shown} raised {type(error).__name__}: {error}{your_line(error)}.{hint}") from None
    finally:
        logger.disabled = was_disabled


def _register(model, admin_class) -> None:
    """Register ``admin_class`` for ``model`` in the admin site, in place of what was, and rebuild the
    URLs (the admin's URL patterns hold the ModelAdmin registered when they were first built)."""
    import importlib

    from django.conf import settings
    from django.contrib import admin
    from django.urls import clear_url_caches

    admin.site.unregister(model)
    admin.site.register(model, admin_class)
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


@judged
def check_primary_admin(admin_class, primary: str = "acmeapp_db") -> Correct:
    """``admin_class`` shows the post the admin just saved, deletes on the primary, and offers authors
    from auth_db: tried through the real admin views, with Django's test client, in this kernel."""
    django_ready()
    from django.contrib import admin
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import User
    from django.db import router
    from django.test import Client

    from acmeapp.models import Post

    if not (isinstance(admin_class, type) and issubclass(admin_class, admin.ModelAdmin)):
        raise Incorrect(f"PrimaryPostAdmin is {admin_class!r}: write a class that inherits from "
                        "admin.ModelAdmin.")
    if not _own_methods(admin_class):
        raise Incorrect("PrimaryPostAdmin is still the stub: `using` alone changes nothing, since no method "
                        "of ModelAdmin reads it; the list right after a save would still come from the "
                        "replica. Write the methods that pass it on.")
    unknown = sorted(name for name, value in vars(admin_class).items()
                     if callable(value) and not name.startswith("_") and not hasattr(admin.ModelAdmin, name))
    never = (f" (PrimaryPostAdmin defines {', '.join(unknown)}, which Django never calls: no method of "
             "ModelAdmin has that name; check the spelling)") if unknown else ""
    title = "Added by the check"
    found = type(admin.site._registry[Post])
    _register(Post, admin_class)
    try:
        editor, _ = User.objects.get_or_create(username="editor",
                                               defaults={"is_staff": True, "is_superuser": True})
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(editor)
        form = _admin_page(client, "Opening the admin's add form", "get", "/admin/acmeapp/post/add/")
        authors = form.context_data["adminform"].form.fields["author"].queryset.db
        if authors != "auth_db":
            raise Incorrect(f"The add form offers authors read from {authors!r}; users live in 'auth_db'. "
                            "Without using, formfield_for_foreignkey asks the routers, which read users "
                            "from there: leave it out, or pass the alias they choose.")
        page = _admin_page(client, "Saving a post in the admin", "post", "/admin/acmeapp/post/add/",
                           {"title": title, "body": ""})
        if page.context_data is None or "cl" not in page.context_data:
            raise Incorrect("The admin did not save the post (it showed the form again): does save_model "
                            "call obj.save(using=self.using)?")
        saved = Post.objects.using(primary).filter(title=title).first()
        if saved is None:
            raise Incorrect(f"After a save in the admin, the primary {primary!r} has no such post: "
                            f"save_model must write with obj.save(using=self.using){never}.")
        listed = page.context_data["cl"].queryset.db
        if title not in [post.title for post in page.context_data["cl"].result_list]:
            raise Incorrect(f"The list right after the save misses the new post: it is read from {listed!r}, "
                            f"where the routers send reads. Override get_queryset{never}.")
        _admin_page(client, "Deleting the post in the admin", "post",
                    f"/admin/acmeapp/post/{saved.pk}/delete/", {"post": "yes"})
        if Post.objects.using(primary).filter(pk=saved.pk).exists():
            raise Incorrect(f"After a delete in the admin, the post is still on the primary {primary!r}: "
                            f"delete_model must delete with obj.delete(using=self.using){never}.")
    finally:
        for alias in {primary, router.db_for_read(Post)}:  # a wrong answer may have written anywhere
            Post.objects.using(alias).filter(title=title).delete()
        LogEntry.objects.filter(object_repr=title).delete()  # the admin logged the check's add and delete
        _register(Post, found)
    return Correct(f"the admin lists the post it just saved (read from {listed}), deletes it on the primary, "
                   "and offers authors from auth_db.", {"listed from": listed, "authors from": authors})

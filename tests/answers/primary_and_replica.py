"""The answers the checks of the lesson ``primary_and_replica`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

FETCH = 'from django.db import transaction\n\n\ndef create_and_fetch(title):\n    {body}\n'

FORMFIELD = '''
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        using = {using}
        return super().formfield_for_foreignkey(db_field, request, using=using, **kwargs)
'''

REPLICA_ROUTER = '''from core.db_routers import AuthRouter


class AuthPrimaryReplicaRouter(AuthRouter):
    def db_for_read(self, model{hints}):
        if {condition}:
            return {alias!r}
        return {fallback}
'''
THREE = "model._meta.app_label in ('auth', 'contenttypes', 'admin')"  # sessions aside
SUPER = "super().db_for_read(model, **hints)"  # AuthRouter's answer: 'auth_db' for its apps

CASES = {
    "check_primary_admin": [
        (SOLUTION, RIGHT),
        (lambda solution: solution + FORMFIELD.format(using="self.using"), "formfield_for_foreignkey"),
        (lambda solution: "from django.db import router\n" + solution
         + FORMFIELD.format(using="router.db_for_read(db_field.related_model)"), RIGHT),
        (lambda solution: solution + FORMFIELD.format(using="'acmeapp_replica'"), "Leave it out"),
        (lambda solution: solution.replace("return super().get_queryset(request).using(self.using)",
                                           "return super().get_queryset(request)"),
         "The list right after the save misses the new post: it is read from 'acmeapp_replica'"),
        (lambda solution: solution.replace("obj.save(using=self.using)", "obj.save(using='acmeapp_replica')"),
         "the primary 'acmeapp_db' has no such post"),
        (lambda solution: solution.replace("obj.delete(using=self.using)", "pass"),
         "delete_model must delete with obj.delete(using=self.using)"),
        (lambda solution: solution.replace("obj.save(using=self.using)", "obj.save(usin=self.using)"),
         "raised TypeError"),
        ("PrimaryPostAdmin = None", "write a class that inherits from admin.ModelAdmin"),
        ("from django.contrib import admin\n\n\nclass PrimaryPostAdmin(admin.ModelAdmin):\n"
         "    using = 'acmeapp_db'\n    list_display = ['title']\n", "PrimaryPostAdmin is still the stub"),
        (lambda solution: solution.replace("def get_queryset(", "def get_query_set("),
         "defines get_query_set, which Django never calls"),
        (lambda solution: solution.replace("def save_model(self, ", "def save_model("),
         "Does each method take self first"),
    ],
    "check_replica_test_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_REPLICA_TEST = "database table is locked"', "Django says 'no such table: acmeapp_post'"),
        ('PREDICT_REPLICA_TEST = "locked"', "is not one of the choices"),
    ],
    "check_replica_router": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.split("    def db_for_read")[0] + "    pass\n",
         "AuthPrimaryReplicaRouter is still the stub"),
        (REPLICA_ROUTER.format(hints=", **hints", alias="auth_replica", fallback="None",
                               condition="model._meta.app_label in self.route_app_labels"),
         "db_for_read(sessions.Session) returned 'auth_replica'; expected 'auth_db': the request right after "
         "a login"),
        (REPLICA_ROUTER.format(hints=", **hints", alias="auth_replica", fallback="None", condition=THREE),
         "db_for_read(sessions.Session) returned None; expected 'auth_db'"),
        (REPLICA_ROUTER.format(hints=", **hints", alias="acmeapp_replica", fallback=SUPER, condition=THREE),
         "returned 'acmeapp_replica'; expected 'auth_replica'"),
        (REPLICA_ROUTER.format(hints=", **hints", alias="auth_replica", fallback=SUPER,
                               condition="model._meta.app_label == 'auth'"),
         "db_for_read(contenttypes.Contenttype) returned 'auth_db'"),
        (REPLICA_ROUTER.format(hints="", alias="auth_replica", fallback="None", condition=THREE), "**hints"),
        (lambda solution: solution + "\n    db_for_write = db_for_read\n", "writes still go to the primary"),
        (REPLICA_ROUTER.format(hints=", **hints", alias="auth_replica", fallback=SUPER, condition=THREE),
         RIGHT),
        (REPLICA_ROUTER.format(hints=", **hints", alias="auth_replica", fallback=SUPER,
                               condition="model._meta.app_label in AuthRouter.route_app_labels "
                                         "and model._meta.app_label != 'sessions'"), RIGHT),
        ("AuthPrimaryReplicaRouter = None", "Pass the class itself"),
    ],
    "check_read_after_write_prediction": [
        (SOLUTION, RIGHT),
        ("PREDICT_FOUND = True", "exists() answered False: the post is written to 'acmeapp_db'"),
        ('PREDICT_FOUND = "False"', "write True or False (without quotes)"),
    ],
    "check_create_and_fetch": [
        (SOLUTION, RIGHT),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_db'):\n"
                           "        Post.objects.create(title=title)\n"
                           "    return Post.objects.db_manager('acmeapp_db').get(title=title)"), RIGHT),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_db'):\n"
                           "        Post.objects.create(title=title)\n"
                           "    return Post.objects.get(title=title)"), "looked for it on the replica"),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_db'):\n"
                           "        post = Post.objects.create(title=title)\n"
                           "    post.refresh_from_db(using='acmeapp_db')\n    return post"), RIGHT),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_db'):\n"
                           "        Post.objects.create(title=title)\n"
                           "        return Post.objects.using('acmeapp_db').get(title=title)"), RIGHT),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_replica'):\n"
                           "        Post.objects.create(title=title)\n"
                           "    return Post.objects.using('acmeapp_db').get(title=title)"),
         "not written inside a transaction of the primary"),
        (FETCH.format(body="Post.objects.create(title=title)\n"
                           "    return Post.objects.using('acmeapp_db').get(title=title)"),
         "not written inside a transaction of the primary"),
        (FETCH.format(body="with transaction.atomic():\n        Post.objects.create(title=title)\n"
                           "    return Post.objects.using('acmeapp_db').get(title=title)"),
         "used the empty 'default' alias"),
        (FETCH.format(body="Post.objects.create(title=title)\n"
                           "    return Post.objects.using('acmeap_db').get(title=title)"),
         "names an alias that DATABASES does not define"),
        (FETCH.format(body="Post.objects.using('acmeapp_replica').create(title=title)\n"
                           "    return Post.objects.using('acmeapp_replica').get(title=title)"),
         "wrote the post to the replica"),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_db'):\n"
                           "        Post.objects.create(title=title)\n"
                           "    Post.objects.using('acmeapp_db').get(title=title)"),
         "is its `return` missing?"),
        (FETCH.format(body="Post.objects.using('acmeapp_replica').create(title=title)\n"
                           "    return Post.objects.using('acmeapp_db').get(title=title)"),
         "create_and_fetch() wrote the post to the replica"),
        (FETCH.format(body="with transaction.atomic(using='acmeapp_replica'):\n"
                           "        Post.objects.using('acmeapp_replica').create(title=title)\n"
                           "    return Post.objects.using('acmeapp_db').get(title=title)"),
         "create_and_fetch() wrote the post to the replica"),
    ],
}

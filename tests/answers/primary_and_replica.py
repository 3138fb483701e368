"""The answers the checks of the lesson ``primary_and_replica`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

FETCH = 'from django.db import transaction\n\n\ndef create_and_fetch(title):\n    {body}\n'

REPLICA_ROUTER = '''from core.db_routers import AuthRouter


class AuthPrimaryReplicaRouter({base}):
    def db_for_read(self, model{hints}):
        if {condition}:
            return {alias!r}
        return None
'''

CASES = {
    "check_primary_admin": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace("using = router.db_for_read(db_field.related_model)",
                                           "using = self.using"), "formfield_for_foreignkey"),
        (lambda solution: solution.replace(
            "        using = router.db_for_read(db_field.related_model)\n"
            "        return super().formfield_for_foreignkey(db_field, request, using=using, **kwargs)",
            "        return super().formfield_for_foreignkey(db_field, request, **kwargs)"), RIGHT),
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
        (lambda solution: solution.replace("def get_queryset(", "def get_query_set("),
         "defines get_query_set, which Django never calls"),
        (lambda solution: solution.replace("def formfield_for_foreignkey(self, ",
                                           "def formfield_for_foreignkey("),
         "Does each method take self first"),
    ],
    "check_replica_test_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_REPLICA_TEST = "database table is locked"', "Django says 'no such table: acmeapp_post'"),
        ('PREDICT_REPLICA_TEST = "locked"', "is not one of the choices"),
    ],
    "check_replica_router": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.split("    def db_for_read")[0],
         "returned 'auth_db'; expected 'auth_replica'"),
        (REPLICA_ROUTER.format(base="AuthRouter", hints=", **hints", alias="acmeapp_replica",
                               condition="model._meta.app_label in self.route_app_labels"),
         "returned 'acmeapp_replica'; expected 'auth_replica'"),
        (REPLICA_ROUTER.format(base="AuthRouter", hints=", **hints", alias="auth_replica",
                               condition="model._meta.app_label == 'auth'"),
         "db_for_read(contenttypes.Contenttype) returned None"),
        (REPLICA_ROUTER.format(base="AuthRouter", hints="", alias="auth_replica",
                               condition="model._meta.app_label in self.route_app_labels"), "**hints"),
        (REPLICA_ROUTER.format(base="AuthRouter", hints=", **hints", alias="auth_replica",
                               condition="model._meta.app_label in self.route_app_labels")
         + "\n    db_for_write = db_for_read\n", "writes still go to the primary"),
        (REPLICA_ROUTER.format(base="AuthRouter", hints=", **hints", alias="auth_replica",
                               condition="model._meta.app_label in AuthRouter.route_app_labels"), RIGHT),
        ("AuthPrimaryReplicaRouter = None", "Pass the class itself"),
    ],
    "check_read_after_write_prediction": [
        (SOLUTION, RIGHT),
        ("PREDICT_FOUND = True", "the next cell will show False: the post is written to 'acmeapp_db'"),
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
    ],
}

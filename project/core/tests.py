"""Unit tests of the routing checks (core/checks.py): quiet on the project, firing on each mistake."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.core import checks
from django.test import SimpleTestCase, override_settings

from acmeapp.models import Post
from core.db_routers import AcmeAppRouter, AuthRouter


def routing_errors():
    """(id, object) of each error the routing checks report."""
    return [(error.id, error.obj) for error in checks.run_checks(tags=['routing'])]


class NoMigrationRouter(AcmeAppRouter):
    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if app_label == 'acmeapp' else None


class NoMigrationOpinionRouter(AcmeAppRouter):
    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return None


class TypoRouter(AcmeAppRouter):
    def db_for_read(self, model, **hints):
        return 'acmeap_db' if model._meta.app_label == 'acmeapp' else None


class AdminLogRouter:
    def db_for_write(self, model, **hints):
        return 'acmeapp_db' if model._meta.app_label == 'admin' else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == 'acmeapp_db' if app_label == 'admin' else None


class PermissionRouter:
    """auth's Permission alone in acmeapp_db: the many-to-many fields to it now cross databases."""

    def db_for_write(self, model, **hints):
        return 'acmeapp_db' if model._meta.label == 'auth.Permission' else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == 'acmeapp_db' if (app_label, model_name) == ('auth', 'permission') else None


class RoutingChecksTests(SimpleTestCase):
    def test_the_finished_routing_passes(self):
        # Post.author points to auth_db but has db_constraint=False: no error.
        self.assertEqual(routing_errors(), [])

    @override_settings(DATABASE_ROUTERS=[AuthRouter(), NoMigrationRouter()])
    def test_a_model_that_migrates_nowhere(self):
        self.assertEqual(routing_errors(), [('core.E001', Post)])

    @override_settings(DATABASE_ROUTERS=[AuthRouter(), NoMigrationOpinionRouter()])
    def test_a_model_that_migrates_on_several_databases(self):
        self.assertEqual(routing_errors(), [('core.E002', Post)])

    @override_settings(DATABASE_ROUTERS=[AuthRouter(), TypoRouter()])
    def test_a_router_that_returns_an_unknown_alias(self):
        self.assertEqual(routing_errors(), [('core.E003', Post)])

    @override_settings(DATABASE_ROUTERS=[AdminLogRouter(), AuthRouter(), AcmeAppRouter()])
    def test_a_constrained_foreign_key_across_databases(self):
        fields = [LogEntry._meta.get_field(name) for name in ('content_type', 'user')]
        self.assertEqual(sorted(routing_errors(), key=str), [('core.E004', f) for f in fields])

    @override_settings(DATABASE_ROUTERS=[PermissionRouter(), AuthRouter(), AcmeAppRouter()])
    def test_many_to_many_fields_across_databases(self):
        fields = [Permission._meta.get_field('content_type'), Group._meta.get_field('permissions'),
                  User._meta.get_field('user_permissions')]
        self.assertCountEqual(routing_errors(), [('core.E004', f) for f in fields])

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The project package as an app, so that Django runs its system checks (core/checks.py)."""

    name = 'core'

    def ready(self):
        from . import checks  # noqa: F401  (importing the module registers the checks)

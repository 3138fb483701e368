from django.apps import AppConfig


class AcmeappConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'acmeapp'

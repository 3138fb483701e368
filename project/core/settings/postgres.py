"""The multi-database set-up on PostgreSQL: one database URL per alias, from the environment.

AUTH_DATABASE_URL and ACMEAPP_DATABASE_URL name each alias's database, for example
postgres://user:password@db1.example.com:5432/auth. Notebook 08 sets them to the server it
embeds in the project folder.
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .multi import *  # noqa: F403


def database_from_env(variable):
    """The DATABASES entry for the database URL in the environment variable ``variable``."""
    if variable not in os.environ:
        raise ImproperlyConfigured(
            f'Set {variable} to the URL of its database, '
            'for example postgres://user:password@localhost:5432/auth'
        )
    return dj_database_url.parse(os.environ[variable])


DATABASES = {
    'default': {},
    'auth_db': database_from_env('AUTH_DATABASE_URL'),
    'acmeapp_db': database_from_env('ACMEAPP_DATABASE_URL'),
}
for alias in ('auth_db', 'acmeapp_db'):
    DATABASES[alias]['TEST'] = {'DEPENDENCIES': []}

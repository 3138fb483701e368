"""The multi-database set-up on PostgreSQL: one database URL per alias, from the environment.

AUTH_DATABASE_URL and ACMEAPP_DATABASE_URL name each alias's database, for example
postgres://user:password@db1.example.com:5432/auth. Without them, both aliases use the server
that notebook 08 embeds in the project folder (its socket is in pg/).
"""

import os
from urllib.parse import quote

import dj_database_url

from .multi import *  # noqa: F403

EMBEDDED = 'postgres://postgres@' + quote(str(BASE_DIR / 'pg'), safe='') + '/'  # noqa: F405

DATABASES = {
    'default': {},
    'auth_db': dj_database_url.parse(os.environ.get('AUTH_DATABASE_URL', EMBEDDED + 'auth')),
    'acmeapp_db': dj_database_url.parse(os.environ.get('ACMEAPP_DATABASE_URL', EMBEDDED + 'acmeapp')),
}
for alias in ('auth_db', 'acmeapp_db'):
    DATABASES[alias]['TEST'] = {'DEPENDENCIES': []}

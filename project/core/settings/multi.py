"""Two SQLite databases behind routers: auth_db for Django's apps, acmeapp_db for acmeapp."""

from .base import *  # noqa: F403

# 'default' stays empty: every model is routed to one of the other aliases (notebook 04).
DATABASES = {
    'default': {},
    'auth_db': {
        'ENGINE': 'django.db.backends.sqlite3',
        'NAME': BASE_DIR / 'auth_db.sqlite3',  # noqa: F405
    },
    'acmeapp_db': {
        'ENGINE': 'django.db.backends.sqlite3',
        'NAME': BASE_DIR / 'acmeapp_db.sqlite3',  # noqa: F405
    },
}

# Database routers, asked in this order: the first answer that is not None wins.
# https://docs.djangoproject.com/en/5.2/topics/db/multi-db/#automatic-database-routing
DATABASE_ROUTERS = [
    'core.db_routers.AuthRouter',
    'core.db_routers.AcmeAppRouter',
]

# Test databases: by default every alias depends on 'default' for test database creation,
# which fails with an empty 'default' ("Circular dependency in TEST[DEPENDENCIES]").
for alias in ('auth_db', 'acmeapp_db'):
    DATABASES[alias]['TEST'] = {'DEPENDENCIES': []}

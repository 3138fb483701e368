"""The multi-database set-up plus a read replica of acmeapp_db (notebook 11).

acmeapp reads from 'acmeapp_replica' and writes to 'acmeapp_db'. Choose it with
manage.py --settings=core.settings.replica (or pytest --ds=core.settings.replica).
"""

import copy

from .multi import *  # noqa: F403

# Our own copy: the import gives multi.py's dictionaries, which must stay as they are.
DATABASES = copy.deepcopy(DATABASES)  # noqa: F405

DATABASES['acmeapp_replica'] = {
    'ENGINE': 'django.db.backends.sqlite3',
    'NAME': BASE_DIR / 'acmeapp_replica.sqlite3',  # noqa: F405
    'TEST': {'DEPENDENCIES': []},
}

DATABASE_ROUTERS = [
    'core.db_routers.AuthRouter',
    'core.db_routers.AcmeAppPrimaryReplicaRouter',
]

# In tests, read the replica from the primary's test database: nothing replicates test databases.
DATABASES['acmeapp_replica']['TEST']['MIRROR'] = 'acmeapp_db'  # noqa: F405

"""Moving the live site to PostgreSQL (notebook 16): the aliases of postgres.py, plus the live file."""

import copy

from .postgres import *  # noqa: F403

# Our own copy: the import gives postgres.py's dictionaries, which must stay as they are.
DATABASES = copy.deepcopy(DATABASES)  # noqa: F405

DATABASES['live'] = {
    'ENGINE': 'django.db.backends.sqlite3',
    'NAME': BASE_DIR / 'db.sqlite3',  # noqa: F405
}

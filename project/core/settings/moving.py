"""For the move only (notebook 14): the split set-up, plus the live site's database to read from."""

import copy

from .split import *  # noqa: F403

# Our own copy: the import gives split.py's dictionaries, which must stay as they are.
DATABASES = copy.deepcopy(DATABASES)  # noqa: F405

DATABASES['live'] = {
    'ENGINE': 'django.db.backends.sqlite3',
    'NAME': BASE_DIR / 'db.sqlite3',  # noqa: F405
}

"""The live site, split (notebook 14): the routing of core.settings.multi, in files of its own."""

import copy

from .multi import *  # noqa: F403

# Our own copy: the import gives multi.py's dictionaries, which must stay as they are.
DATABASES = copy.deepcopy(DATABASES)  # noqa: F405

for alias in ('auth_db', 'acmeapp_db'):
    DATABASES[alias]['NAME'] = BASE_DIR / f'split_{alias}.sqlite3'  # noqa: F405

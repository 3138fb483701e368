"""Production on PostgreSQL (notebook 15): each alias keeps a pool of connections, not one per thread."""

import copy

from .postgres import *  # noqa: F403

# Our own copy: the import gives postgres.py's dictionaries, which must stay as they are.
DATABASES = copy.deepcopy(DATABASES)  # noqa: F405

for alias in ('auth_db', 'acmeapp_db'):
    # min_size connections are opened at start and kept; up to max_size under load; a request
    # waits at most timeout seconds for one. Size them per process, against the server's limit.
    DATABASES[alias]['OPTIONS'] = {'pool': {'min_size': 2, 'max_size': 4, 'timeout': 10}}

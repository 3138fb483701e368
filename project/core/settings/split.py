"""The live site, split (notebook 14): the routing of core.settings.multi, in files of its own."""

from .multi import *  # noqa: F403

for alias in ('auth_db', 'acmeapp_db'):
    DATABASES[alias]['NAME'] = BASE_DIR / f'split_{alias}.sqlite3'  # noqa: F405

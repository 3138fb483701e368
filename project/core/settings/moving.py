"""For the move only (notebook 14): the split set-up, plus the live site's database to read from."""

from .split import *  # noqa: F403

DATABASES['live'] = {  # noqa: F405
    'ENGINE': 'django.db.backends.sqlite3',
    'NAME': BASE_DIR / 'db.sqlite3',  # noqa: F405
}

"""The answers the checks of the lesson ``split_settings`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

LOCAL = "%%writefile core/settings/local.py\nfrom .multi import *  # noqa: F403\n\n"

CASES = {
    "check_settings_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_SETTINGS = " core.settings.multi "', RIGHT),
        ('PREDICT_SETTINGS = "core.settings.single"',
         "You predicted 'core.settings.single'; Django says 'core.settings.multi'"),
        ('PREDICT_SETTINGS = "multi"', "is not one of the choices"),
    ],
    "check_migrate_alias_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_ALIAS = "all of them"', "Django says 'default'"),
        ('PREDICT_ALIAS = "auth"', "is not one of the choices"),
    ],
    "check_local_settings": [
        (SOLUTION, RIGHT),
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data/auth_db.sqlite3'\n"
                 "DATABASES['acmeapp_db']['NAME'] = BASE_DIR / 'data/acmeapp_db.sqlite3'\n", RIGHT),
        (LOCAL + "DATABASES['auth_db']['NAME'] = 'data/auth_db.sqlite3'\n"
                 "DATABASES['acmeapp_db']['NAME'] = 'data/acmeapp_db.sqlite3'\n",
         "is the relative path 'data/auth_db.sqlite3'"),
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / '/data/auth_db.sqlite3'\n"
                 "DATABASES['acmeapp_db']['NAME'] = BASE_DIR / '/data/acmeapp_db.sqlite3'\n",
         "outside the project folder"),
        (LOCAL + "DATABASES = {'default': {}, 'auth-db': DATABASES['auth_db'], "
                 "'acmeapp_db': DATABASES['acmeapp_db']}\n", "it has 'default', 'auth-db', 'acmeapp_db'"),
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'db' / 'auth_db.sqlite3'\n",
         "the exercise asks for 'data/auth_db.sqlite3'"),
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data' / 'auth_db.sqlite3'\n",
         "DATABASES['acmeapp_db']['NAME'] is 'acmeapp_db.sqlite3'"),
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data' / 'auth_db.sqlite3\n", "does not load"),
        ('%%writefile core/settings/local.py\n"""Nothing yet."""\n', "nor any alias but Django's default"),
    ],
}

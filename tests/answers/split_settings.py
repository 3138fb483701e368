"""The answers the checks of the lesson ``split_settings`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

LOCAL = "%%writefile core/settings/local.py\nfrom .multi import *  # noqa: F403\n\n"
COPIED = LOCAL + "import copy\n\nDATABASES = copy.deepcopy(DATABASES)\n"
WRITTEN_OUT = ("DATABASES = {{\n    'default': {{}},\n"
               "    'auth_db': {{'ENGINE': '{engine}', 'NAME': BASE_DIR / 'data/auth_db.sqlite3'}},\n"
               "    'acmeapp_db': {{'ENGINE': '{engine}', 'NAME': BASE_DIR / 'data/acmeapp_db.sqlite3'}},\n"
               "}}\n")
SQLITE = "django.db.backends.sqlite3"

CASES = {
    "check_package_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_PACKAGE = " only __init__.py "', RIGHT),
        ('PREDICT_PACKAGE = "base.py"', "You predicted 'base.py'; Django says 'only __init__.py'"),
        ('PREDICT_PACKAGE = "an error"', "nothing runs base.py unless a module imports it"),
        ('PREDICT_PACKAGE = "__init__.py"', "is not one of the choices"),
    ],
    "check_database_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_DATABASE = "./db.sqlite3"',
         "You predicted './db.sqlite3'; Django says './core/db.sqlite3'"),
        ('PREDICT_DATABASE = "./core/settings/db.sqlite3"', "two folders up from the file that defines it"),
        ('PREDICT_DATABASE = "core/db.sqlite3"', "is not one of the choices"),
    ],
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
        (COPIED + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data/auth_db.sqlite3'\n"
                  "DATABASES['acmeapp_db']['NAME'] = BASE_DIR / 'data/acmeapp_db.sqlite3'\n", RIGHT),
        (LOCAL + "DATABASES = {**DATABASES,\n"
                 "             'auth_db': {**DATABASES['auth_db'],\n"
                 "                         'NAME': BASE_DIR / 'data/auth_db.sqlite3'},\n"
                 "             'acmeapp_db': {**DATABASES['acmeapp_db'],\n"
                 "                            'NAME': BASE_DIR / 'data/acmeapp_db.sqlite3'}}\n", RIGHT),
        # Changes multi.py's own dicts (no copy first).
        (LOCAL + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data/auth_db.sqlite3'\n"
                 "DATABASES['acmeapp_db']['NAME'] = BASE_DIR / 'data/acmeapp_db.sqlite3'\n",
         "also changes multi.py's own DATABASES"),
        (LOCAL + "DATABASES = DATABASES.copy()  # a shallow copy shares the alias dicts\n"
                 "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data/auth_db.sqlite3'\n"
                 "DATABASES['acmeapp_db']['NAME'] = BASE_DIR / 'data/acmeapp_db.sqlite3'\n",
         "a shallow copy (DATABASES.copy(), dict(DATABASES)) still shares the dicts inside"),
        (COPIED + "DATABASES['auth_db']['NAME'] = 'data/auth_db.sqlite3'\n"
                  "DATABASES['acmeapp_db']['NAME'] = 'data/acmeapp_db.sqlite3'\n",
         "is the relative path 'data/auth_db.sqlite3'"),
        # A leading '/' after BASE_DIR, and an absolute path written out: both at the root of the disk.
        (COPIED + "DATABASES['auth_db']['NAME'] = BASE_DIR / '/data/auth_db.sqlite3'\n"
                  "DATABASES['acmeapp_db']['NAME'] = BASE_DIR / '/data/acmeapp_db.sqlite3'\n",
         "at the root of the disk"),
        (COPIED + "DATABASES['auth_db']['NAME'] = '/data/auth_db.sqlite3'\n"
                  "DATABASES['acmeapp_db']['NAME'] = '/data/acmeapp_db.sqlite3'\n",
         "at the root of the disk"),
        # One folder too high: no '/' in sight, so the message must not blame one.
        (COPIED + "DATABASES['auth_db']['NAME'] = BASE_DIR.parent / 'data' / 'auth_db.sqlite3'\n",
         "is '../data/auth_db.sqlite3' from the project folder, outside it"),
        (COPIED + "DATABASES['auth_db']['NAME'] = BASE_DIR / '..' / 'data' / 'auth_db.sqlite3'\n",
         "is '../data/auth_db.sqlite3' from the project folder, outside it"),
        (LOCAL + "DATABASES = {'default': {}, 'auth-db': DATABASES['auth_db'], "
                 "'acmeapp_db': DATABASES['acmeapp_db']}\n", "it has 'default', 'auth-db', 'acmeapp_db'"),
        (COPIED + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'db' / 'auth_db.sqlite3'\n",
         "the exercise asks for 'data/auth_db.sqlite3'"),
        (COPIED + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data' / 'auth_db.sqlite3'\n",
         "DATABASES['acmeapp_db']['NAME'] is 'acmeapp_db.sqlite3'"),
        (COPIED + "DATABASES['auth_db']['NAME'] = BASE_DIR / 'data' / 'auth_db.sqlite3\n", "does not load"),
        # A key that is not a dict: which one, not Django's AttributeError about setdefault.
        (LOCAL + "DATABASES = {**DATABASES, 'default': None}\n", "DATABASES['default'] is None, not a dict"),
        (LOCAL + "DATABASES = [DATABASES]\n", "DATABASES is a list, not a dict of aliases"),
        # The ENGINE written short, in a copy written out, and changed in a copy.
        (LOCAL + WRITTEN_OUT.format(engine="sqlite3"), "DATABASES['auth_db']['ENGINE'] is 'sqlite3'"),
        (COPIED + "DATABASES['acmeapp_db']['ENGINE'] = 'django.db.backends.sqlite'\n",
         "DATABASES['acmeapp_db']['ENGINE'] is 'django.db.backends.sqlite'"),
        # The whole DATABASES written out: from base (multi not used at all), and over multi's.
        ("%%writefile core/settings/local.py\nfrom .base import *  # noqa: F403\n\n"
         + WRITTEN_OUT.format(engine=SQLITE), "does not import from core.settings.multi"),
        (LOCAL + WRITTEN_OUT.format(engine=SQLITE), "DATABASES['auth_db'] is written out anew"),
        ('%%writefile core/settings/local.py\n"""Nothing yet."""\n', "still defines no DATABASES"),
    ],
}

"""Settings package: choose a module with DJANGO_SETTINGS_MODULE or manage.py --settings.

- core.settings.single: one SQLite database, db.sqlite3 (notebooks 01-02)
- core.settings.multi: auth_db and acmeapp_db behind routers (notebooks 03-07)
"""

"""Helpers for the notebooks of the multiple-databases course.

One job per module:

- ``workspace``: the scratch folder a notebook builds its project in, restored from the
  ``step`` cells of the notebooks before it;
- ``shell``: run ``manage.py`` and print its output without machine-specific paths;
- ``sqlite``: read-only looks into SQLite files;
- ``routing``: ask Django's routers where each model goes;
- ``server``: the development server as a background process;
- ``browser``: a tiny HTTP client that logs in to the admin;
- ``table``: results shown as HTML tables.
"""

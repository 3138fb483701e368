"""Helpers for the notebooks of the multiple-databases course.

One job per module. Used by the notebooks:

- ``workspace``: the scratch folder a notebook builds its project in, restored from the
  ``step`` cells of the notebooks before it;
- ``shell``: run ``manage.py`` and pytest and print their output without machine-specific paths;
- ``kernel``: set Django up inside the notebook's kernel;
- ``sqlite``: read-only looks into SQLite files, and the copy that stands in for replication;
- ``routing``: ask Django's routers where each model goes;
- ``server`` and ``browser``: the development server in the background (tied to the kernel by
  ``lifeline``, on any OS), and a tiny HTTP client;
- ``postgres``: an embedded PostgreSQL server, always cleaned up;
- ``livesite``: the populated single-database site that notebook 14 splits, and a fresh start of
  the split;
- ``checks``: the exercises' check cells;
- ``table``: results shown as HTML tables;
- ``cleanup``: a failed cell stops what runs in the background; ``errors``: one-line messages.

Used by ``make``: ``cli`` (``python -m course COMMAND``: the install and every target, for
machines with or without make).

Used by ``make`` and the tests: ``outputs`` (re-execute notebooks), ``project`` (rebuild and
compare ``project/``), ``navigation`` (index and navigation bars), ``lessons`` (skeleton
checker), ``student`` (student copies), ``bench`` (timing against the floor).
"""

# The Pythons the course supports (CPython; pyproject.toml's requires-python says the same).
PYTHONS = ("3.11", "3.12", "3.13", "3.14")

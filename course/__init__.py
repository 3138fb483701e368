"""Helpers for the notebooks of the multiple-databases course.

One job per module, in three groups, with imports going one way: the foundations import no other
group, the notebooks' helpers import the foundations (and each other, without cycles), and the
commands of ``make`` import the helpers, never the reverse. No module imports the notebooks'
project: the kernel loads it, through ``kernel``.

Foundations, standard library and Django only: ``errors`` (one-line messages without frames),
``lessonformat`` (the notebook format: every tag and metadata key a lesson uses, with its meaning,
and the validator every notebook passes), ``series`` (the series' facts: the course's folder, its
lessons discovered in teaching order, ``lesson("routers")`` by name, a lesson's track from its own
metadata, tags and ``step`` cells; every command module takes them from here),
``table`` (results as HTML tables), ``shell`` (run ``manage.py`` and pytest with the course's
environment, print their output without machine-specific paths), ``lifeline`` (a child process
dies with the kernel, on any OS; PostgreSQL's guard uses psutil, a requirement),
``folderlock`` (a lesson's project folder belongs to one kernel at a time), ``background`` (one
registry of what runs in the background: the dev server, PostgreSQL and their guards),
``cleanup`` (a failed cell stops what runs in the background),
``arguments`` (every script's command-line arguments, defined once for ``python -m course COMMAND``
and for the script run alone).

Used by the notebooks:

- ``workspace``: the scratch folder a notebook builds its project in, restored from the
  ``step`` cells of the notebooks before it (cached snapshots; the series' facts come from ``series``);
- ``kernel``: set Django up inside the notebook's kernel, and say when only a restart helps;
- ``sqlite``: read-only looks into SQLite files, and the copy that stands in for replication;
- ``routing``: ask Django's routers where each model goes;
- ``server``: the development server in the background, ready only when it answers as Django
  (and ``runserver`` run until its system checks have reported, to show what it does then);
  ``browser``: the admin through it, with requests and Beautiful Soup;
- ``postgres``: an embedded PostgreSQL server, always cleaned up;
- ``livesite``: the populated single-database site that notebook 14 splits, and a fresh start of
  the split;
- ``exercises``: the check functions of the exercises, a package: one module per lesson with
  checks, named after its notebook (``exercises.routers`` for the lesson ``NN_routers.ipynb``), found without
  a list; ``exercises.judges``, what every check shares (its verdict, shown as the line the learner
  reads and as a result of the MIME type ``application/vnd.course.check+json``, the data ``grade``
  reads; in JupyterLab a failing check's message also wraps at words and scrolls into view);
  ``exercises.probes``, the looks into the learner's project several lessons share.
  ``checks`` is its old name, kept for student copies written before the rename (the project's own
  ``core/checks.py`` holds Django system checks).

Used by ``make``: ``cli`` (``python -m course COMMAND``: the install and every target, for
machines with or without make; standard library only, so it runs before anything is installed:
at import it needs only ``arguments`` and ``series``, with ``lessonformat`` and ``errors`` under it);
``lab`` (JupyterLab for ``make lab`` and ``make lab-solutions``, standard library only too: it
takes ``cli``'s paths, and ``cli`` imports it only when a command opens JupyterLab, whose server
runs ``lessonkernels``: at most two lessons' kernels at once); ``lock`` (``make lock``, run in the
environment like the scripts below: ``requirements.txt`` from ``pyproject.toml``, every pin proven
to have wheels).

Used by ``make`` and the tests: ``outputs`` (re-execute notebooks, all or some
lessons, record whether each reruns in its kernel), ``project`` (rebuild and compare ``project/``),
``navigation`` (index and navigation bars, the index's tracks and CONTRIBUTING.md's format
reference; it refuses notebooks that break the format, as ``student`` and ``site`` do), ``lessons``
(skeleton checker), ``student`` (student copies), ``grade`` (run handed-in copies and grade their
checks), ``site`` (the web edition, built offline; its template and style are files in
``templates/site/``), ``bench`` (``make test`` against the series, the series against its floor),
``newlesson`` (``make lesson``: a new lesson's notebook, check module and answers, numbered after
the last; CONTRIBUTING.md's "Add a lesson" goes on from there).
"""

# The course's version (CHANGELOG.md says what changed): every notebook's banner shows it (make
# nav writes it there), student copies record it, and so do the grades of handed-in copies.
__version__ = "1.2.0"

# The Pythons the course supports (CPython; pyproject.toml's requires-python says the same).
PYTHONS = ("3.11", "3.12", "3.13", "3.14")

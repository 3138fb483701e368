"""Set up Django inside the notebook's kernel to ask it questions (routers, models, queries).

Django loads a project once per process: its settings, apps and models stay in the kernel until it
restarts. ``setup_django`` remembers which project folder and which version of its Python files it
loaded, so that a notebook rerun from the top (``before_reset``, ``after_restore``, called by
``open_project``) continues only where that is still true, and otherwise says to restart.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path

from course import background, inkernel
from course.errors import CourseError, trim_to_learners
from course.shell import require_project

_loaded: dict = {}  # what Django loaded in this kernel: {"folder": Path, "sources": {file: hash}}


class MissingSettings(CourseError):
    """The settings module asked for has no file in the project (yet)."""


class RestartKernel(CourseError):
    """Django in this kernel holds code that the notebook is about to change; only a restart helps."""


def _sources(folder: Path) -> dict[str, str]:
    """A hash of every Python file of the project in ``folder``, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.py")) if "__pycache__" not in p.parts}


def setup_django(settings_module: str) -> None:
    """Import the project in the current folder with ``settings_module`` and call ``django.setup()``.

    Settings can be configured once per process: asking for other settings later raises an
    error that says to restart the kernel. An error in the project's own code (its settings, apps,
    models) is shown from the learner's first frame on, without this helper's frames or Django's.
    """
    import django
    from django.conf import settings

    current = os.environ.get("DJANGO_SETTINGS_MODULE")
    if settings.configured and current != settings_module:
        raise RestartKernel(
            f"Django is already set up in this kernel with {current!r}; settings load once per "
            f"process. Restart the kernel (Kernel > Restart) to use {settings_module!r}."
        )
    require_project()
    module = Path(*settings_module.split(".")).with_suffix(".py")
    if not (module.is_file() or (module.with_suffix("") / "__init__.py").is_file()):
        raise MissingSettings(f"{module.as_posix()} does not exist yet, so Django cannot load "
                              f"{settings_module}: run the cell above that writes it "
                              f"(%%writefile {module.as_posix()}), then this one.")
    project = Path.cwd()
    if str(project) not in sys.path:
        sys.path.insert(0, str(project))
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    # The kernel runs an asyncio event loop, so Django would refuse synchronous ORM calls here;
    # a notebook runs one cell at a time, which makes them safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    inkernel.adapt_django()  # the browser edition's password hasher
    if not _loaded:
        _loaded.update(folder=project, sources=_sources(project))
    elif _loaded["folder"] == project:
        _refuse_changed(project)
    try:
        django.setup()
    except Exception as error:
        trim_to_learners(error)
        raise
    _resume_before_connecting()


def _refuse_changed(project: Path) -> None:
    """Raise ``RestartKernel`` if a Python file of ``project`` changed since Django loaded it here: a
    second ``setup_django`` would change nothing, and the kernel would go on with the old code."""
    now = _sources(project)
    changed = sorted(name for name in now.keys() | _loaded["sources"].keys()
                     if now.get(name) != _loaded["sources"].get(name))
    if changed:
        raise RestartKernel(
            f"{', '.join(changed)} changed since Django loaded the project in this kernel, and Django "
            "keeps what it loaded: restart the kernel to use the change (Kernel > Restart Kernel and "
            "Run All Cells)."
        )


def disconnect() -> None:
    """Close this kernel's Django connections and PostgreSQL pools (``OPTIONS={"pool": …}``) before
    their server stops or pauses: else the next query would use a connection the server dropped, and
    the pools' workers would try to reconnect and warn in whatever cell runs next. Django connects
    again, and opens a new pool, at the next query."""
    if "django.db" not in sys.modules or not sys.modules["django.conf"].settings.configured:
        return
    from django.db import connections

    connections.close_all()
    base = sys.modules.get("django.db.backends.postgresql.base")
    for alias in list(base.DatabaseWrapper._connection_pools) if base else []:
        connections[alias].close_pool()


def _resume_before_connecting() -> None:
    """Have Django, in this kernel, start a PostgreSQL that a failed cell paused (``course.cleanup``)
    again before it opens a connection, as ``manage()`` does before a command: a wrong answer must not
    break the lesson's next query."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    background.resume_all()  # Django is about to be used: a pool may be opened before any connection
    connect = BaseDatabaseWrapper.connect
    if getattr(connect, "resumes_postgres", False):
        return

    @functools.wraps(connect)
    def connecting(self):
        background.resume_all()
        return connect(self)

    connecting.resumes_postgres = True
    BaseDatabaseWrapper.connect = connecting


def before_reset() -> None:
    """Close Django's database connections before the project folder is rebuilt (a rerun)."""
    if _loaded:
        from django.db import connections

        connections.close_all()  # else they would go on using the deleted database files


def after_restore(folder: Path) -> None:
    """Raise ``RestartKernel`` unless the Django loaded in this kernel matches the rebuilt ``folder``."""
    if not _loaded:
        return
    if _loaded["folder"] != folder:
        why = f"the project of {_loaded['folder'].name}/"
    elif _sources(folder) != _loaded["sources"]:
        why = "the project's code as this notebook changes it further down"
    else:
        return
    raise RestartKernel(
        f"Django is loaded in this kernel from {why}, and cannot load it again. Restart the kernel "
        "to run this notebook from the top: Kernel > Restart Kernel and Run All Cells."
    )

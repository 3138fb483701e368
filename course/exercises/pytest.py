"""The checks of 12 · The same tests under pytest (``notebooks/12_pytest.ipynb``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from course.exercises.judges import Correct, Incorrect, judged
from course.exercises.probes import why_the_tests_failed
from course.shell import PYTEST_ENV, PYTEST_OPTIONS, shown_pytest, terminal_env

__all__ = ["check_pytest_file_passes", "check_collection_prediction"]


_REPLICA_TEST = ("test_an_author_finds_her_post_on_the_replica", """
lin = User.objects.create_user("lin")
Post.objects.create(title="One", author=lin)
assert Post.objects.filter(author=lin).count() == 1
""")


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
    raise Incorrect(why_the_tests_failed(out, "The test", "its django_db mark"))


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

"""The checks of 06 · The failing test and its fix (``notebooks/06_testing.ipynb``)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from course import forkserver
from course.exercises.judges import Correct, Incorrect, choice, chosen, judged
from course.exercises.probes import why_the_tests_failed
from course.shell import shown_manage, terminal_env

__all__ = ["check_test_module_passes", "check_test_run_prediction"]


@judged
def check_test_module_passes(label: str = "acmeapp.test_exercise",
                             test_class: str = "AuthorTests") -> Correct:
    """``manage.py test label`` passes; if not, explain the multi-database reason."""
    path = Path(*label.split(".")).with_suffix(".py")
    if not path.is_file():
        raise Incorrect(f"{path.as_posix()} does not exist yet: write it with the cell above "
                        f"(%%writefile {path.as_posix()}).")
    proc = forkserver.run([sys.executable, "manage.py", "test", label], terminal_env())
    out = proc.stdout + proc.stderr
    if proc.returncode == 0 and "Ran 0 tests" in out:
        raise Incorrect(f"{label} holds no test: keep the class {test_class} and its test method.")
    if proc.returncode != 0:
        why = why_the_tests_failed(out, test_class, f"{test_class}.databases")
        if "databases" not in path.read_text(encoding="utf-8"):
            why = f"{test_class} still has no databases attribute, as in the stub. {why}"
        raise Incorrect(why)
    return Correct(f"{label} passes: {test_class}.databases lists the aliases its models are routed to.")


_OUTCOMES = ("passes", "DatabaseOperationForbidden", "Circular dependency", "ENGINE error")


@judged
def check_test_run_prediction(answer, label: str = "acmeapp", name: str = "PREDICT_OUTCOME") -> Correct:
    """What ``manage.py test label`` does now: pass, or which of the lesson's errors it stops with.

    Once the prediction is written, the check runs the command and shows it, then judges."""
    chosen(name, answer, _OUTCOMES)
    out = shown_manage("test", label, check=False)
    if "Circular dependency" in out:
        truth = "Circular dependency"
    elif "DatabaseOperationForbidden" in out:
        truth = "DatabaseOperationForbidden"
    elif "Please supply the ENGINE value" in out:
        truth = "ENGINE error"
    elif re.search(r"^OK\b", out, re.M):
        truth = "passes"
    else:
        last = (out.strip().splitlines() or ["(no output)"])[-1]
        raise Incorrect(f"The tests stop for a reason this lesson does not teach: {last}")
    because = {
        "Circular dependency": "Before any test runs, the runner orders the test databases: acmeapp_db "
                               "depends on 'default' unless told otherwise, and 'default' is not among them.",
        "ENGINE error": "'__all__' includes the empty 'default'; after the test Django cleans up every "
                        "alias the test may use, and the dummy backend of 'default' raises the ENGINE error.",
    }.get(truth, "Read the output of the next cell.")
    compared = choice(name, answer, _OUTCOMES, truth, because)
    return Correct(f"the run ends with: {truth}.", compared)

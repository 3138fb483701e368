"""The judges every check shares, and the package of checks, without a kernel or a notebook run: each
judge on a right answer, a wrong one and one of the wrong type, with its message; a check's verdict as
the learner's line and as data; every lesson's checks in the module named after it."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re

import pytest

import course.exercises
from course.exercises import judges
from course.exercises.judges import MIME, RIGHT, Correct, Incorrect, NotReady, OutdatedCheck
from course.lessonformat import CHECK
from course.series import notebooks, tags


@pytest.fixture
def shown(monkeypatch) -> list[dict]:
    """The results ``judged`` checks show, instead of displays (no kernel here)."""
    found = []
    monkeypatch.setattr(judges, "show", found.append)
    return found


def test_a_right_answer_prints_the_learners_line_and_shows_the_same_as_data(shown, capsys):
    @judged_as("check_sample")
    def check_sample(answer):
        return Correct(f"{answer} it is.", {"answer": answer, "expected": "b"})

    assert check_sample("b") is None, "a check cell shows no Out[] value"
    assert capsys.readouterr().out == f"{RIGHT}: b it is.\n"
    assert shown == [{"passed": True, "check": "check_sample", "message": f"{RIGHT}: b it is.",
                      "compared": {"answer": "b", "expected": "b"}}]


def test_a_wrong_answer_shows_its_result_then_raises_the_one_line(shown, capsys):
    @judged_as("check_sample")
    def check_sample(answer):
        raise Incorrect("Not b: look at the router.", {"answer": answer})

    with pytest.raises(Incorrect, match="^Not b: look at the router.$") as raised:
        check_sample("a")
    assert capsys.readouterr().out == ""
    assert shown == [{"passed": False, "check": "check_sample",
                      "message": "Incorrect: Not b: look at the router.", "compared": {"answer": "a"}}]
    assert raised.value._render_traceback_() == ["Incorrect: Not b: look at the router."], "no frames"


def test_a_check_that_cannot_run_says_what_to_do_in_one_line(shown):
    @judged_as("check_sample")
    def check_sample():
        return {}["missing"]

    with pytest.raises(NotReady, match=r"^This check could not run \(KeyError: 'missing'\)\. Run the cells "
                                       r"above it in order"):
        check_sample()
    assert shown == [], "no result: the grader reads the error's one line"


def test_the_course_errors_of_a_check_pass_through_as_they_are(shown):
    @judged_as("check_sample")
    def check_sample():
        raise OutdatedCheck("an old copy")

    with pytest.raises(OutdatedCheck, match="^an old copy$"):
        check_sample()
    assert shown == []


class Shell:
    """IPython's record of the cell run last, as ``answer_ran`` reads it."""

    def __init__(self, error: BaseException | None = None, before_exec: bool = False, cell: str = "A = ("):
        self.last_execution_succeeded = error is None
        self.user_ns = {"_ih": ["", cell, "check_sample(A)"]}
        errors = {"error_before_exec": error, "error_in_exec": None} if before_exec else {
            "error_before_exec": None, "error_in_exec": error}
        info = type("Info", (), {"raw_cell": cell})()
        self.last_execution_result = type("Result", (), {**errors, "info": info})()


@pytest.mark.parametrize("error, before_exec, message", [
    (SyntaxError("'(' was never closed"), True, "(SyntaxError: '(' was never closed), so your answer still"),
    (NameError("name 'Post' is not defined"), False, "failed (NameError: name 'Post' is not defined)"),
])
def test_a_check_run_after_its_answer_failed_says_so_instead_of_grading_the_old_answer(
        monkeypatch, shown, error, before_exec, message):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell(error, before_exec))
    monkeypatch.setattr(judges, "in_view", lambda failed=True: None)
    graded = []

    @judged_as("check_sample")
    def check_sample(answer):
        graded.append(answer)
    with pytest.raises(Incorrect, match=re.escape(message)):
        check_sample("the old answer")
    assert graded == [] and shown[0]["passed"] is False and "Fix that cell" in shown[0]["message"]


@pytest.mark.parametrize("shell", [None, Shell(), Shell(Incorrect("not b")),
                                   Shell(NotReady("run the cells above"), cell="check_sample(A)")],
                         ids=["no kernel", "the answer ran", "a check's verdict", "this check run again"])
def test_a_check_grades_the_answer_when_the_cell_before_did_not_fail_with_the_learners_error(
        monkeypatch, shown, shell):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setattr(judges, "in_view", lambda failed=True: None)

    @judged_as("check_sample")
    def check_sample(answer):
        return Correct(f"{answer} it is.", {})

    check_sample("b")
    assert shown[0]["passed"] is True


def judged_as(name: str):
    """``judges.judged``, for a function defined in a test (named ``name``, as a lesson's check)."""
    def decorate(function):
        function.__name__ = function.__qualname__ = name
        return judges.judged(function)
    return decorate


def test_a_result_is_plain_json_and_says_nothing_it_was_not_given():
    assert judges.result("check_x", True, "line") == {"passed": True, "check": "check_x", "message": "line"}
    found = judges.result("check_x", False, "line", {"seen": ("a", "b"), "rows": 3})
    assert found["compared"] == {"seen": ["a", "b"], "rows": 3}
    assert json.loads(json.dumps(found)) == found
    with pytest.raises(TypeError):  # a set has no order: sort it first, so that outputs stay the same
        judges.result("check_x", True, "line", {"seen": {"a", "b"}})


def test_the_result_in_a_cells_outputs_is_the_last_one_of_the_course_type():
    printed = {"output_type": "stream", "name": "stdout", "text": f"{RIGHT}: trust me\n"}
    assert judges.result_in([printed]) is None, "printed text is never a result"
    forged = {"output_type": "display_data", "data": {MIME: {"passed": True}}, "metadata": {}}
    real = {"output_type": "display_data", "data": {MIME: {"passed": False}}, "metadata": {}}
    other = {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}}
    assert judges.result_in([printed, forged, other, real]) == {"passed": False}


@pytest.mark.parametrize("answer, expected", [
    ({"b_table", "a_table"}, {"answer": ["a_table", "b_table"], "expected": ["a_table", "b_table"]}),
    ([" a_table", "b_table "], {"answer": ["a_table", "b_table"], "expected": ["a_table", "b_table"]}),
    (("b_table", "a_table"), {"answer": ["a_table", "b_table"], "expected": ["a_table", "b_table"]}),
])
def test_compare_takes_the_right_set_written_any_way(answer, expected):
    assert judges.compare(answer, {"a_table", "b_table"}, {}, "TABLES") == expected


@pytest.mark.parametrize("answer, message", [
    ({"a_table", "c_table"}, "'c_table' is not one of them: it is SQLite's; 1 of the 2 tables is still "
                             "missing (think of: the other one)."),
    ({"a_table", "d_table"}, "'d_table' is not one of them: no table of that name exists here; 1 of the 2 "
                             "tables is still missing (think of: the other one)."),
    ({"a_table"}, "1 of the 2 tables is still missing (think of: the other one)."),
    ({"xyz"}, "'xyz' is not one of them: no table of that name exists here; 2 of the 2 tables are still "
              "missing (think of: the other one)."),
])
def test_compare_names_each_wrong_table_and_counts_the_missing_without_naming_them(answer, message):
    with pytest.raises(Incorrect) as raised:
        judges.compare(answer, {"a_table", "b_table"}, {"c_table": "it is SQLite's"}, "TABLES",
                       {"b_table": "the other one"})
    assert str(raised.value) == message[0].upper() + message[1:]
    assert raised.value.compared["expected"] == ["a_table", "b_table"]


@pytest.mark.parametrize("answer, message", [
    ("a_table", "Give TABLES as a set of table names, like {'a_table', 'another'}, not str."),
    (None, "Give TABLES as a set of table names, like {'a_table', 'another'}, not NoneType."),
    (set("a_table"), "TABLES holds single letters: set('a_table') splits a string into its letters. Write "
                     "the names between braces instead: {'a_table', 'another'}."),
    (set(), "TABLES is still empty: write the table names you found (or predict) into the set."),
])
def test_compare_refuses_what_is_not_a_set_of_names(answer, message):
    with pytest.raises(Incorrect) as raised:
        judges.compare(answer, {"a_table"}, {}, "TABLES")
    assert str(raised.value) == message


def test_chosen_takes_one_of_the_choices_as_listed():
    assert judges.chosen("PREDICT", " both ", ("one", "both")) == "both"
    with pytest.raises(Incorrect, match=r"^PREDICT is still None: replace None by your prediction, one of "
                                        r"'one', 'both'\.$"):
        judges.chosen("PREDICT", None, ("one", "both"))
    with pytest.raises(Incorrect, match=r"^PREDICT = 'Both' is not one of the choices, written exactly as "
                                        r"listed: 'one', 'both'\. Only the capital letters differ: write "
                                        r"'both'\.$"):
        judges.chosen("PREDICT", "Both", ("one", "both"))
    with pytest.raises(Incorrect, match=r"^PREDICT = 2 is not one of the choices, written exactly as listed: "
                                        r"'one', 'both'\.$"):
        judges.chosen("PREDICT", 2, ("one", "both"))


def test_choice_compares_the_prediction_with_what_django_did():
    compared = judges.choice("PREDICT", "both", ("one", "both"), "both", "Why.")
    assert compared == {"answer": "both", "expected": "both"}
    with pytest.raises(Incorrect) as raised:
        judges.choice("PREDICT", "one", ("one", "both"), "both", "Because of the router.")
    assert str(raised.value) == "You predicted 'one'; Django says 'both'. Because of the router."
    assert raised.value.compared == {"answer": "one", "expected": "both"}


def learners_function(value):
    """Stands for the learner's code: this file is not the course's package."""
    return 10 // value


def test_call_returns_what_the_learners_code_returns_and_names_their_line_when_it_fails():
    assert judges.call("learners_function(2)", learners_function, 2) == 5
    with pytest.raises(Incorrect) as raised:
        judges.call("learners_function(0)", learners_function, 0)
    line = learners_function.__code__.co_firstlineno + 2
    assert str(raised.value) == ("learners_function(0) raised ZeroDivisionError: integer division or modulo "
                                 f"by zero (line {line} of test_judges.py: `return 10 // value`).")
    with pytest.raises(Incorrect, match="^already one line$"):
        judges.call("x", lambda: (_ for _ in ()).throw(Incorrect("already one line")))


def test_your_line_is_empty_when_no_frame_is_the_learners():
    try:
        json.loads("{")
    except ValueError as error:
        inside = error.with_traceback(error.__traceback__.tb_next)  # Python's frames only
    assert judges.your_line(inside) == ""


def test_django_ready_says_to_run_the_cells_above(monkeypatch):
    from django.conf import LazySettings

    monkeypatch.setattr(LazySettings, "configured", property(lambda self: False))
    with pytest.raises(Incorrect, match="^Django is not set up in this kernel yet: run the cells above"):
        judges.django_ready()


# The package: every lesson's checks in the module named after it, found without a list.

MODULES = {found.name: importlib.import_module(f"course.exercises.{found.name}")
           for found in pkgutil.iter_modules(course.exercises.__path__)}
SHARED = {"judges", "probes"}


def called_checks(lesson) -> set[str]:
    """The checks the check cells of the notebook ``lesson`` import."""
    import nbformat

    nb = nbformat.read(lesson, as_version=4)
    return {name for c in nb.cells if CHECK in tags(c)
            for name in re.findall(r"from course\.exercises import (check_\w+)", c.source)}


@pytest.mark.parametrize("lesson", notebooks(), ids=lambda p: p.stem)
def test_a_lessons_checks_are_in_the_module_named_after_it(lesson):
    called = called_checks(lesson)
    module = MODULES.get(lesson.stem[3:])
    if not called:
        assert module is None, f"{lesson.stem} has no check: it gets no module"
        return
    assert module is not None, f"course/exercises/{lesson.stem[3:]}.py holds the checks of {lesson.name}"
    assert called == {name for name in module.__all__ if name.startswith("check_")}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_exports_its_checks_judged_and_nothing_twice(name):
    module = MODULES[name]
    checks = [n for n, value in vars(module).items() if n.startswith("check_") and callable(value)]
    assert set(checks) <= set(module.__all__), f"not in __all__: {sorted(set(checks) - set(module.__all__))}"
    unjudged = [n for n in checks if not hasattr(getattr(module, n), "__wrapped__")]
    assert not unjudged, f"checks not decorated @judged: {unjudged}"
    if name not in SHARED:
        assert checks, f"{name} is not a lesson's module (no check): add it to SHARED, or give it its checks"
    others = [n for other, m in MODULES.items() if other != name for n in m.__all__]
    twice = sorted(set(module.__all__) & set(others))
    assert not twice, f"exported by another module of course/exercises/ too: {twice} (rename this one's)"
    assert all(getattr(course.exercises, n) is getattr(module, n) for n in module.__all__)


def test_the_old_name_and_a_renamed_check_still_answer():
    import course.checks

    assert course.checks.check_split is course.exercises.check_split
    assert course.checks.Incorrect is Incorrect
    with pytest.raises(OutdatedCheck, match="^check_gone is not a check of course "):
        course.checks.check_gone  # noqa: B018
    with pytest.raises(AttributeError):
        course.exercises.something_else  # noqa: B018

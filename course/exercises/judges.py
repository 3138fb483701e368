"""What every lesson's checks share: the verdicts, the judges of the usual kinds of answer, and how a
verdict reaches the learner and the grader.

A check is a function decorated with ``@judged``. It returns ``Correct(message, compared)`` when the
answer is right and raises ``Incorrect(message)`` with what is wrong and where to look otherwise
(never a bare assertion). ``judged`` shows the verdict twice in the check cell's output: as the line
the learner reads (``RIGHT`` and the message, or the one-line error), and as data, a display of the course's
own MIME type (``MIME``) holding ``{"passed", "check", "message", "compared"}``. JupyterLab draws
nothing for a MIME type it does not know, nbval compares it like any output, and the grader reads
it instead of the printed text, which a learner's ``print`` could forge. A check that fails also
shows ``SCROLL`` (``in_view``), for JupyterLab: its red message scrolls into view; every verdict's
message wraps at words (``WRAP``).
"""

from __future__ import annotations

import functools
import json
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from course.errors import PACKAGE, CourseError

MIME = "application/vnd.course.check+json"  # the type of a check's result in its cell's output
RIGHT = "✓ Correct"  # how the line a learner reads starts when the answer is right

# Shown (as HTML) with a check's message. JupyterLab applies it only as an output of the running
# session (a saved one is untrusted elsewhere: its style and script are removed, and nothing shows).
# WRAP, with every verdict: the message wraps at words (JupyterLab's output style breaks lines inside
# words: "auth_d b"). SCROLL, with a failing one, and only just after the check ran (not when the
# notebook is opened again): the cell scrolls to the middle of the window, where Run All stopped, and
# again a second later, after JupyterLab's own scrolling to the cells that did not run.
WRAP = """<style>.jp-OutputArea-output[data-mime-type^="application/vnd.jupyter.std"] pre {
  word-break: normal; overflow-wrap: break-word; }</style>"""
SCROLL = """<script>(() => {{ if (Math.abs(Date.now() - {now}) > {fresh}) return;
  const cell = document.currentScript && document.currentScript.closest(".jp-Cell");
  if (cell) [500, 1500].forEach(ms => setTimeout(() => cell.scrollIntoView({{block: "center"}}), ms)); }})();
</script>"""
FRESH_MS = 30000  # how long after the check ran its cell still scrolls into view when drawn

__all__ = ["Incorrect", "NotReady", "OutdatedCheck"]  # what course.exercises exports of this module


class Incorrect(CourseError):
    """The exercise's answer is not right yet; the message says what to change and where.

    ``compared`` is what the check compared (JSON-able), for the result's data, or None."""

    def __init__(self, message: str, compared: object = None):
        super().__init__(message)
        self.compared = compared


class OutdatedCheck(CourseError):
    """A check cell calls a check this course does not have: the cell comes from a copy of the
    lesson written for an older course (``make student`` names such copies)."""


class NotReady(CourseError):
    """A check that could not run: what it reads is not there yet in this kernel."""


@dataclass(frozen=True)
class Correct:
    """What a check returns when the answer is right: the learner's line (after ``RIGHT``) and
    what it compared, JSON-able and the same on every run (sorted, no paths, no timings), or None."""

    message: str
    compared: object = None


def result(check: str, passed: bool, message: str, compared: object = None) -> dict:
    """A check's verdict as data: ``passed``, ``check`` (its name), ``message`` (the line the learner
    reads) and, when there is one, ``compared`` (through JSON: tuples become lists, a set refuses)."""
    found = {"passed": passed, "check": check, "message": message}
    if compared is not None:
        found["compared"] = json.loads(json.dumps(compared, sort_keys=True))
    return found


def show(found: dict) -> None:
    """Put the result ``found`` into the running cell's output, as a display of ``MIME`` alone."""
    from IPython.display import display

    display({MIME: found}, raw=True)


def in_view(failed: bool = True) -> None:
    """Put ``WRAP`` into the running cell's output, and ``SCROLL`` when the check ``failed``: its
    message wraps at words, and a red one scrolls into view, in JupyterLab (an HTML display without
    text: nothing anywhere else, nor outside IPython)."""
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is None:
        return
    scroll = SCROLL.format(now=int(time.time() * 1000), fresh=FRESH_MS) if failed else ""
    display({"text/html": WRAP + scroll}, raw=True)


def result_in(outputs: list) -> dict | None:
    """The check result that a cell's ``outputs`` (nbformat's) carry, the last one shown (the check's
    own, after anything the learner's code showed while it ran), or None."""
    found = [out["data"][MIME] for out in outputs
             if out.get("output_type") == "display_data" and MIME in out.get("data", {})]
    return found[-1] if found else None


def judged(check):
    """``check`` as a check cell calls it: its verdict shown as the learner's line and as data
    (``result``), and one line saying what to do when it cannot run (Django not set up, a file or a
    name of the cells above missing) instead of a traceback through the course's code."""
    @functools.wraps(check)
    def run(*args, **kwargs) -> None:
        try:
            answer_ran()
            verdict = check(*map(plain, args), **{k: plain(v) for k, v in kwargs.items()})
        except Incorrect as error:
            in_view()
            show(result(check.__name__, False, f"{type(error).__name__}: {error}", error.compared))
            raise
        except CourseError:
            raise
        except Exception as error:
            first = (str(error).splitlines() or [""])[0]
            in_view()
            raise NotReady(f"This check could not run ({type(error).__name__}: {first}). Run the cells above "
                           "it in order, from the notebook's first cell (Run › Run All Above Selected "
                           "Cell), then this one again.") from None
        line = f"{RIGHT}: {verdict.message}"
        in_view(failed=False)
        print(line)
        show(result(check.__name__, True, line, verdict.compared))
    return run


PLAIN = [(bool, bool), (str, str.__str__), (int, int.__int__), (float, float.__float__)]


def plain(answer):
    """``answer`` as the built-in type it derives from, all the way down (a ``str`` subclass whose
    ``==`` is always true becomes the ``str`` it holds); anything else, such as a function or a
    class, as it is."""
    for kind, convert in PLAIN:
        if isinstance(answer, kind):
            return convert(answer)
    if isinstance(answer, dict):
        return {plain(k): plain(v) for k, v in dict.items(answer)}
    for kind in (list, tuple, set, frozenset):
        if isinstance(answer, kind):
            return kind(plain(v) for v in kind.__iter__(answer))
    return answer


def answer_ran() -> None:
    """Raise ``Incorrect`` when the cell run just before this check, another cell, failed (a
    ``SyntaxError`` in the answer, a ``NameError``, a command that failed…): the names it should
    have set still hold what an earlier run gave them, and the check would grade that instead. A
    check's verdict, or this same cell run again, does not count."""
    from IPython import get_ipython

    shell = get_ipython()
    last = getattr(shell, "last_execution_result", None)
    if shell is None or last is None or shell.last_execution_succeeded:
        return
    error = last.error_before_exec or last.error_in_exec
    this_cell = (shell.user_ns.get("_ih") or [""])[-1]
    if error is None or isinstance(error, (Incorrect, NotReady, OutdatedCheck)) or (
            getattr(last.info, "raw_cell", None) == this_cell):
        return
    first = error.msg if isinstance(error, SyntaxError) else (str(error).splitlines() or [""])[0]
    raise Incorrect(f"The cell run just before this check failed ({type(error).__name__}: {first}), so your "
                    "answer still holds what it held before. Fix that cell and run it without an error, then "
                    "run this check again.")


def your_line(error: BaseException) -> str:
    """`` (your line N: `source`)`` for the learner's own deepest frame in ``error``, or ``""``.

    The learner's frames are those of notebook cells and of the project's files; Python's,
    Django's and the course's own frames are never theirs.
    """
    mine = [frame for frame in traceback.extract_tb(error.__traceback__)
            if not frame.filename.startswith((sys.prefix, sys.base_prefix, str(PACKAGE)))]
    if not mine:
        return ""
    frame = mine[-1]
    where = "your cell" if "ipykernel" in frame.filename or frame.filename.startswith("<") else (
        Path(frame.filename).name)
    return f" (line {frame.lineno} of {where}: `{(frame.line or '').strip()}`)"


def raised(shown: str, error: Exception) -> Incorrect:
    """``Incorrect`` saying that the learner's ``shown`` raised ``error``, and on which of their lines."""
    return Incorrect(f"{shown} raised {type(error).__name__}: {error}{your_line(error)}.")


def is_stub(function) -> bool:
    """Whether ``function`` is still an exercise's stub whose body is ``pass`` (its code names nothing)."""
    return callable(function) and not getattr(getattr(function, "__code__", None), "co_names", 1)


def call(shown: str, function, *args):
    """Call the learner's ``function``; an error it raises becomes one ``Incorrect`` line naming
    their own line, never a traceback from inside the course's package."""
    try:
        return function(*args)
    except Incorrect:
        raise
    except Exception as error:
        raise raised(shown, error) from None


def compare(answer: set[str], truth: set[str], why: dict[str, str], what: str,
            nudges: dict[str, str] | None = None) -> dict:
    """Compare a set of table names with the truth; say what each wrong name is, and how many (and
    which kind of) tables are missing, without naming them. What was compared, sorted."""
    if isinstance(answer, str) or not isinstance(answer, set | frozenset | list | tuple):
        raise Incorrect(f"Give {what} as a set of table names, like {{'a_table', 'another'}}, "
                        f"not {type(answer).__name__}.")
    answer = {str(name).strip() for name in answer}
    if answer and all(len(name) <= 1 for name in answer):
        raise Incorrect(f"{what} holds single letters: set('a_table') splits a string into its letters. "
                        "Write the names between braces instead: {'a_table', 'another'}.")
    if not answer:
        raise Incorrect(f"{what} is still empty: write the table names you found (or predict) into the set.")
    compared = {"answer": sorted(answer), "expected": sorted(truth)}
    problems = [f"{t!r} is not one of them: {why.get(t, 'no table of that name exists here')}"
                for t in sorted(answer - truth)]
    missing = truth - answer
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        hints = sorted({(nudges or {}).get(t, "") for t in missing} - {""})
        problems.append(f"{len(missing)} of the {len(truth)} tables {verb} still missing"
                        + (f" (think of: {'; '.join(hints)})" if hints else ""))
    if problems:
        text = "; ".join(problems)
        raise Incorrect(text[0].upper() + text[1:] + ".", compared)
    return compared


def chosen(name: str, answer, choices: tuple[str, ...]) -> str:
    """``answer``, a prediction that must be one of ``choices`` (surrounding spaces aside)."""
    listed = ", ".join(map(repr, choices))
    if answer is None:
        raise Incorrect(f"{name} is still None: replace None by your prediction, one of {listed}.")
    if isinstance(answer, str):
        answer = answer.strip()
    if answer not in choices:
        same = [c for c in choices if isinstance(answer, str) and c.lower() == answer.lower()]
        case = f" Only the capital letters differ: write {same[0]!r}." if same else ""
        raise Incorrect(f"{name} = {answer!r} is not one of the choices, written exactly as listed: "
                        f"{listed}.{case}")
    return answer


def choice(name: str, answer, choices: tuple[str, ...], truth: str, because: str) -> dict:
    """A prediction written as one of ``choices``, against ``truth``, what Django really did; what
    was compared."""
    answer = chosen(name, answer, choices)
    compared = {"answer": answer, "expected": truth}
    if answer != truth:
        raise Incorrect(f"You predicted {answer!r}; Django says {truth!r}. {because}", compared)
    return compared


def django_ready() -> None:
    """Raise ``Incorrect`` unless Django is set up in this kernel (the checks that import models need it)."""
    from django.conf import settings

    if not settings.configured:
        raise Incorrect("Django is not set up in this kernel yet: run the cells above first, from the "
                        "first one down (one of them calls setup_django).")

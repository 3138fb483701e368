"""``course.outputs`` writes every committed output: what it promises, on small throwaway notebooks.

The joining of streams and the comparison without numbers are plain functions, tested here in
``make check``. ``regenerate`` itself executes notebooks in a real kernel (about a second each), so
those tests are marked slow, like every other test that runs a notebook: ``make check`` executes
none (``make test`` runs them).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course import outputs

RESTARTS = '''class RestartKernel(Exception):
    """The name of what the course's first cell raises when only a restart helps."""


if "ran" in globals():
    raise RestartKernel("restart the kernel")
ran = True'''


def stream(text: str, name: str = "stdout") -> nbformat.NotebookNode:
    return new_output("stream", name=name, text=text)


def written(path: Path, *cells: nbformat.NotebookNode, **metadata) -> Path:
    """A notebook of ``cells`` at ``path``, with ``metadata`` as a notebook saved elsewhere has it."""
    for n, cell in enumerate(cells):
        cell.id = f"cell-{n}"  # fixed, so that the test can name them
    nbformat.write(new_notebook(cells=list(cells), metadata=metadata), path)
    return path


def test_runs_of_text_to_the_same_stream_are_joined_and_the_streams_stay_in_order():
    printed = [stream("a\n"), stream("b\n"), stream("oops\n", "stderr"), stream("c\n"),
               new_output("execute_result", data={"text/plain": "42"}, execution_count=3), stream("d\n")]
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outputs._joined_streams(printed)] == [
        ("stream", "stdout", "a\nb\n"), ("stream", "stderr", "oops\n"), ("stream", "stdout", "c\n"),
        ("execute_result", None, None), ("stream", "stdout", "d\n")]


def test_outputs_that_differ_only_in_their_numbers_compare_equal():
    assert outputs._but_numbers([stream("port 8001\n")]) == outputs._but_numbers([stream("port 41234\n")])
    assert outputs._but_numbers([stream("port 8001\n")]) != outputs._but_numbers([stream("host 8001\n")])


@pytest.mark.slow
def test_a_notebook_is_executed_its_outputs_written_portably_and_a_rerun_changes_no_byte(tmp_path):
    raises = new_code_cell('raise ValueError("on purpose")', metadata={"tags": ["raises-exception"]})
    path = written(
        tmp_path / "lesson.ipynb",
        new_markdown_cell("# A lesson"),
        new_code_cell('print("ready")'),
        new_code_cell('import sys\nfor i in range(3):\n    print("line", i, flush=True)\n'
                      'print("to stderr", file=sys.stderr, flush=True)\nprint("after")'),
        new_code_cell('# NBVAL_IGNORE_OUTPUT\nimport random\nprint("port", random.randint(10**6, 10**9))',
                      outputs=[stream("port 12345\n")]),
        new_code_cell('# NBVAL_IGNORE_OUTPUT\nprint("new words 3")', outputs=[stream("old words 7\n")]),
        raises,
        new_code_cell("40 + 2", execution_count=99),
        kernelspec={"name": "venv-of-someone", "display_name": "Their Python", "language": "python"},
        language_info={"name": "python", "version": "3.11.7"}, widgets={},
    )
    outputs.regenerate(path)
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata == {"kernelspec": outputs.KERNELSPEC, "language_info": {"name": "python"},
                           "course": {"reruns_in_same_kernel": True}}
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == [1, 2, 3, 4, 5, 6], "counts of a fresh kernel, in order"
    assert [cell.metadata for cell in code] == [{}] * 4 + [{"tags": ["raises-exception"]}, {}], "no timing"
    assert code[0].outputs == [stream("ready\n")]
    assert code[1].outputs == [stream("line 0\nline 1\nline 2\n"), stream("to stderr\n", "stderr"),
                               stream("after\n")]
    assert code[2].outputs == [stream("port 12345\n")], "only its numbers differ: the committed one stays"
    assert code[3].outputs == [stream("new words 3\n")], "its words changed: the new output is written"
    (error,) = code[4].outputs
    assert (error.output_type, error.ename, error.evalue) == ("error", "ValueError", "on purpose")
    (line,) = error.traceback  # Minimal mode: the error line alone, no frame, no path of this machine
    assert "ValueError" in line and line.endswith("on purpose\n")
    assert code[5].outputs[0].data == {"text/plain": "42"} and code[5].outputs[0].execution_count == 6
    first = path.read_bytes()
    outputs.regenerate(path)
    assert path.read_bytes() == first


@pytest.mark.slow
def test_a_first_cell_that_asks_for_a_restart_when_run_again_is_recorded(tmp_path):
    path = written(tmp_path / "restarts.ipynb", new_code_cell(RESTARTS), new_code_cell('print("a step")'))
    outputs.regenerate(path)
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.course == {"reruns_in_same_kernel": False}
    assert [cell.outputs for cell in nb.cells] == [[], [stream("a step\n")]], "the probe leaves nothing"


@pytest.mark.slow
@pytest.mark.parametrize(("first", "then", "error"), [
    ('if "ran" in globals():\n    raise KeyError("x")\nran = True', "1", "fails.ipynb: its first cell failed "
     "when run again: KeyError: 'x'; the file is left as it was."),
    ("1", "1 / 0", "fails.ipynb, cell 2 (id cell-1) failed: ZeroDivisionError: division by zero; the file is "
     "left as it was. Fix the cell"),
])
def test_a_cell_failing_unexpectedly_stops_it_and_leaves_the_notebook_as_it_was(tmp_path, first, then, error):
    path = written(tmp_path / "fails.ipynb", new_code_cell(first), new_code_cell(then))
    before = path.read_bytes()
    with pytest.raises(outputs.CellFailed, match=f"^{re.escape(error)}"):
        outputs.regenerate(path)
    assert path.read_bytes() == before

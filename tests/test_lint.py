"""The course's Python passes ruff with pyproject's rules: the helpers, the tests, the finished project,
and the code cells of the notebooks, which learners copy (a cell broken on purpose is exempted by
its tag, ``lint-exempt``, never by loosening the rules)."""

import json
import subprocess
import sys

import pytest

from course.lessonformat import LINT_EXEMPT as EXEMPT
from course.series import REPO, notebooks, tags


def ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format=concise", *args],
                          cwd=REPO, input=stdin, capture_output=True, text=True)


def lint_notebook(cells: list[dict], name: str) -> subprocess.CompletedProcess:
    """ruff on a notebook's cells as if it were ``notebooks/name``, with exempted cells emptied (so the
    cell numbers in ruff's messages stay those of the notebook)."""
    kept = [{**cell, "source": ""} if EXEMPT in tags(cell) else cell
            for cell in cells]
    notebook = {"cells": kept, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4,
                "nbformat_minor": 5}
    return ruff("--stdin-filename", f"notebooks/{name}", "-", stdin=json.dumps(notebook))


def test_ruff_finds_nothing():
    result = ruff("course", "tests", "project")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_notebook_code_cells_pass_ruff(path):
    result = lint_notebook(json.loads(path.read_text(encoding="utf-8"))["cells"], path.name)
    assert result.returncode == 0, result.stdout


def test_only_a_tagged_cell_is_exempted():
    broken = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": "import os\nimport sys\nprint(sys.path"}
    assert "cell 1:3:15: invalid-syntax" in lint_notebook([broken], "99_broken.ipynb").stdout
    exempted = {**broken, "metadata": {"tags": [EXEMPT]}}
    plain = {**broken, "source": "print('fine')"}
    assert lint_notebook([exempted, plain], "99_broken.ipynb").returncode == 0

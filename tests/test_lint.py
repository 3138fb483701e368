"""The course's Python (helpers, tests, the finished project) passes ruff with pyproject's rules."""

import subprocess
import sys

from course.workspace import REPO


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "course", "tests", "project"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout

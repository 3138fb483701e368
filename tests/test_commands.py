"""Every command parses its arguments the same way, and refuses a wrong one before anything runs.

The commands run as a person types them (``python -m course.student --dry-run``), in the course's
folder; wrong arguments must stop them before anything is written.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from course import arguments
from course.workspace import REPO


def run(*words: str) -> subprocess.CompletedProcess:
    """``python WORDS…`` in the course's folder, as typed in a terminal there."""
    return subprocess.run([sys.executable, *words], cwd=REPO, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("module", arguments.SCRIPTS)
def test_a_script_run_directly_refuses_a_misspelt_option(module):
    result = run("-m", module, "--dry-run")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"usage: python -m {module} ")
    assert result.stderr.splitlines()[-1].startswith(f"python -m {module}: error: ")
    assert not (REPO / "--dry-run").exists() and not (REPO / "student" / "--dry-run").exists()


def test_navigation_run_directly_checks_without_rewriting():
    result = run("-m", "course.navigation", "--check")
    assert (result.returncode, result.stdout) == (0, "navigation and index are up to date\n")


@pytest.mark.parametrize("words", [[], ["--terminate", "1", "sleep", "1"]])
def test_the_lifeline_wants_a_command_or_a_process_to_watch(words):
    result = run("-m", "course.lifeline", *words)
    assert result.returncode == 2
    assert "give either a command to run or --terminate PID" in result.stderr

"""Unit tests of ``course.lifeline``: a child process dies with its parent, on any OS."""

from __future__ import annotations

import sys


def test_lifeline_stops_its_command_when_the_parent_lets_go():
    """Closing the pipe (what the OS does when a kernel dies) stops the command, on any OS."""
    import subprocess

    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    guard = subprocess.Popen([sys.executable, "-m", "course.lifeline", *sleeper], stdin=subprocess.PIPE)
    guard.stdin.close()
    assert guard.wait(timeout=20) != 0, "the command ran to its end instead of being stopped"


def test_lifeline_exits_with_its_commands_exit_code():
    import subprocess

    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    guard = subprocess.Popen([sys.executable, "-m", "course.lifeline", *failing], stdin=subprocess.PIPE)
    assert guard.wait(timeout=20) == 3
    guard.stdin.close()

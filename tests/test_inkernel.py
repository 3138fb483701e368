"""Commands run inside the kernel's process (the browser edition's way), as a new process runs them."""

from __future__ import annotations

import logging
import os
import sys

import django
import pytest

from course import inkernel
from course.errors import CourseError


def ran(code: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``python -c CODE`` inside this process: its exit code and output."""
    command = inkernel.Finished([sys.executable, "-c", code], env or {})
    return command.returncode, command.stdout.read()


def test_a_command_prints_and_exits_as_python_would():
    assert ran("print('hello'); import sys; sys.exit(3)") == (3, "hello\n")
    assert ran("raise SystemExit('bye')") == (1, "bye\n")
    code, out = ran("1 / 0")
    assert code == 1
    assert out.startswith('Traceback (most recent call last):\n  File "<string>", line 1, in <module>')
    assert out.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "inkernel" not in out and "runpy" not in out


def test_a_command_sees_its_own_environment_and_a_fresh_django_and_leaves_the_kernel_as_it_was():
    kernels_django, environ, path = sys.modules["django"], dict(os.environ), sys.path[:]
    root = logging.getLogger().handlers[:]
    code, out = ran("import os, sys; print(os.environ['ONLY_HERE']); print('django' in sys.modules)\n"
                    "import logging; logging.getLogger().addHandler(logging.NullHandler())",
                    {"ONLY_HERE": "yes"})
    assert (code, out) == (0, "yes\nFalse\n")
    code, out = ran(f"import django, sys; print(id(django) == {id(django)}); sys.path[0] == ''")
    assert out == "False\n"  # the command imported Django anew
    assert sys.modules["django"] is kernels_django
    assert dict(os.environ) == environ and sys.path == path and logging.getLogger().handlers == root


def test_only_pythons_commands_run_in_the_kernel_and_the_browser_says_what_it_cannot_start(monkeypatch):
    with pytest.raises(inkernel.CannotRun):
        inkernel.Finished(["sqlite3", "db.sqlite3"], {})
    monkeypatch.setattr(inkernel, "IN_BROWSER", True)
    with pytest.raises(inkernel.NotInBrowser, match="the browser edition cannot") as raised:
        inkernel.refuse_in_browser("Django's development server")
    assert isinstance(raised.value, CourseError)


def test_the_link_to_installing_the_course_is_the_web_editions_page_above_the_browser_editions(monkeypatch):
    assert inkernel.install_page() == "about.html"  # no browser: the page's own name
    worker = "https://acme.github.io/course/lite/extensions/@jupyterlite/pyodide-kernel-extension/static/w.js"
    monkeypatch.setitem(sys.modules, "js", type(sys)("js"))
    sys.modules["js"].location = type("Location", (), {"href": worker})
    assert inkernel.install_page() == "https://acme.github.io/course/about.html"

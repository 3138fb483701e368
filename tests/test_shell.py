"""Unit tests of ``course.shell``: ``manage.py`` and pytest run as in a terminal, their output without
what varies between machines and Python versions."""

from __future__ import annotations

import pytest

from course import shell


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("Ran 3 tests in 0.012s", "Ran 3 tests (time not shown)"),
        ("Ran 1 test in 10.5s", "Ran 1 test (time not shown)"),
        ("<object at 0x7f3a2b1c9d80>", "<object at 0x…>"),
        ("1 failed, 1 error in 0.09s", "1 failed, 1 error (time not shown)"),
        ("3 tests collected in 0.07s", "3 tests collected (time not shown)"),
        ("\x1b[32m2 passed\x1b[0m\x1b[32m in 0.63s\x1b[0m", "2 passed (time not shown)"),
    ],
)
def test_shorten_hides_what_varies(raw, shown):
    assert shell.shorten(raw) == shown


def test_shorten_makes_paths_relative(tmp_path):
    import sysconfig

    site = sysconfig.get_paths()["purelib"]
    text = f'File "{tmp_path}/core/x.py" and "{site}/django/y.py"'
    assert shell.shorten(text, cwd=tmp_path) == 'File "./core/x.py" and "<site-packages>/django/y.py"'


TRACEBACK_311 = """\
Traceback (most recent call last):
  File "./manage.py", line 22, in <module>
    main()
  File "<site-packages>/django/core/management/__init__.py", line 442, in execute_from_command_line
    utility.execute()
    ~~~~~~~~~~~~~~~^^
  File "<frozen importlib._bootstrap>", line 1, in _call
  File "./acmeapp/tests.py", line 8, in test_str
    post = Post.objects.create(title="Hello")
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "<site-packages>/django/test/testcases.py", line 201, in __call__
    raise DatabaseOperationForbidden(self.message)
django.test.testcases.DatabaseOperationForbidden: Database queries to 'acmeapp_db' are not allowed.
[exit code 1]"""


CONDENSED = """\
Traceback (most recent call last):
  File "./manage.py", line 22, in <module>
    main()
  [… frames inside Django and Python not shown]
  File "./acmeapp/tests.py", line 8, in test_str
    post = Post.objects.create(title="Hello")
  [… frames inside Django and Python not shown]
django.test.testcases.DatabaseOperationForbidden: Database queries to 'acmeapp_db' are not allowed.
[exit code 1]"""


def test_tracebacks_keep_the_projects_frames_and_the_error_only():
    """What differs between Python versions (other frames, caret lines) never reaches an output."""
    assert shell.condense_tracebacks(TRACEBACK_311) == CONDENSED
    other_version = TRACEBACK_311.replace("    ~~~~~~~~~~~~~~~^^\n", "").replace(
        '  File "<frozen importlib._bootstrap>", line 1, in _call\n', "")
    assert shell.condense_tracebacks(other_version) == CONDENSED


def test_tracebacks_inside_test_reports_and_chained_ones_are_condensed():
    text = ("ERROR: test_x\n" + "-" * 20 + "\n" + TRACEBACK_311.replace("[exit code 1]", "") +
            "\nThe above exception was the direct cause of the following exception:\n\n" + TRACEBACK_311)
    out = shell.condense_tracebacks(text)
    assert out.count("Traceback (most recent call last):") == 2
    assert "^" not in out and "<site-packages>" not in out and "frozen" not in out
    assert out.startswith("ERROR: test_x\n") and out.endswith("[exit code 1]")


def test_text_without_traceback_is_unchanged():
    text = "  File was here\nOperations to perform:\n    Running deferred SQL...\n"
    assert shell.condense_tracebacks(text) == text


def test_manage_without_project_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="first cell"):
        shell.manage("check")


def test_failing_command_prints_exit_code_and_raises_in_steps(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manage.py").write_text("import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
    shell.manage("anything", check=False)
    assert capsys.readouterr().out == "$ python manage.py anything\nboom\n[exit code 3]\n"
    with pytest.raises(shell.CommandFailed, match="exit code 3"):
        shell.manage("anything")


def test_commands_run_like_in_a_new_terminal(tmp_path, monkeypatch, capsys):
    """The kernel's DJANGO_SETTINGS_MODULE (from setup_django) and pytest's variables stay behind."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "core.settings.replica")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-x")
    script = "import os\nprint(sorted(k for k in os.environ if 'SETTINGS' in k or 'PYTEST' in k))\n"
    (tmp_path / "manage.py").write_text(script)
    shell.manage()
    assert capsys.readouterr().out == "$ python manage.py\n[]\n"
    shell.manage(env={"DJANGO_SETTINGS_MODULE": "core.settings.single"})
    shown = "$ DJANGO_SETTINGS_MODULE=core.settings.single python manage.py\n['DJANGO_SETTINGS_MODULE']\n"
    assert capsys.readouterr().out == shown


def test_run_pytest_without_pytest_ini_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="pytest.ini"):
        shell.run_pytest()


def test_tail_says_how_many_lines_it_hides(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manage.py").write_text("for i in range(5):\n    print(i)\n")
    shell.manage(tail=2)
    assert capsys.readouterr().out == "$ python manage.py\n[… 3 earlier lines not shown]\n3\n4\n"


def test_commands_are_shown_as_typed_in_a_terminal_quoted_where_needed():
    assert shell.typed(["python", "manage.py", "migrate", "--database=auth_db"]) == (
        "$ python manage.py migrate --database=auth_db")
    assert shell.typed(["python", "manage.py", "shell", "-c", "print('hi')"], {"X": "a b"}) == (
        "$ X='a b' python manage.py shell -c \"print('hi')\"")
    assert shell.typed(["python", "-c", "print('$HOME')"]) == "$ python -c 'print('\"'\"'$HOME'\"'\"')'"

"""Every command parses its arguments the same way, and refuses a wrong one before anything runs.

The commands run as a person types them (``python -m course student --dry-run``), in the course's
folder; wrong arguments must stop them before anything is installed or written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from course import arguments, cli, series
from course.series import lesson

ROUTERS = f"notebooks/{lesson('routers').name}"

REPO = cli.REPO


def run(*words: str) -> subprocess.CompletedProcess:
    """``python WORDS…`` in the course's folder, as typed in a terminal there."""
    return subprocess.run([sys.executable, *words], cwd=REPO, capture_output=True, text=True, timeout=60)


def script_usage(module: str) -> list[str]:
    """The words of a script's usage line after its name, brackets aside: ``--replace``, ``folder``…"""
    usage = arguments.parser(module, None).format_usage().split(f"python -m {module}", 1)[1]
    return [word.strip("[]") for word in usage.split() if word.strip("[]")]


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_every_command_shows_its_own_help(command):
    result = run("-m", "course", command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: python -m course {command} ")
    assert " ".join(cli.COMMANDS[command].split()) in " ".join(result.stdout.split())  # what it does
    if command in cli.MODULES:  # and the options of the script it runs
        module = cli.MODULES[command][0]
        assert all(word in result.stdout for word in script_usage(module)), result.stdout


MISSPELT = [(command, "--dry-run") for command in cli.COMMANDS if command not in cli.PYTEST_COMMANDS]
MISSPELT += [("nav", "--chek"), ("project", "--chek"), ("student", "--replce"), ("clean", "--students"),
             ("grade", "--timout")]


@pytest.mark.parametrize(("command", "misspelt"), MISSPELT)
def test_a_misspelt_option_is_refused_before_anything_runs(command, misspelt):
    notebooks = {path: path.stat().st_mtime_ns for path in (REPO / "notebooks").iterdir()}
    result = run("-m", "course", command, misspelt)
    assert result.returncode == 2
    assert result.stdout == "", "nothing installed, nothing run"
    assert result.stderr.startswith(f"usage: python -m course {command} ")
    assert result.stderr.splitlines()[-1].startswith(f"python -m course {command}: error: ")
    assert not (REPO / misspelt).exists() and not (REPO / "student" / misspelt).exists()
    assert {path: path.stat().st_mtime_ns for path in (REPO / "notebooks").iterdir()} == notebooks


@pytest.mark.parametrize("command", ["install", "lab", "student"])
def test_a_refusal_comes_before_the_environment_is_made(command, tmp_path):
    result = run("-m", "course", "--venv", str(tmp_path / "env"), command, "--dry-run")
    assert result.returncode == 2 and result.stdout == ""
    assert not (tmp_path / "env").exists()


@pytest.mark.parametrize("module", arguments.SCRIPTS)
def test_a_script_run_directly_refuses_a_misspelt_option(module):
    result = run("-m", module, "--dry-run")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"usage: python -m {module} ")
    assert result.stderr.splitlines()[-1].startswith(f"python -m {module}: error: ")
    assert not (REPO / "--dry-run").exists() and not (REPO / "student" / "--dry-run").exists()


TYPED = {  # arguments each script takes
    "student": ["--replace", "mine"], "grade": ["class", "--timeout", "60", "--lessons", "03", "04"],
    "site": ["out"], "outputs": [ROUTERS], "nav": ["--check"], "project": ["--check"],
    "bench": ["2"], "lock": ["--upgrade", "django"],
    "lesson": ["caching", "Caching per alias"],
    "site-deps": ["--update-lock"],
    "hub-link": ["--hub", "https://hub.example.org", "--branch", "class", "--open", "student/README.md"],
}


@pytest.mark.parametrize("command", cli.MODULES)
def test_a_command_and_its_script_parse_with_the_same_definition(command):
    script = arguments.parser(cli.MODULES[command][0], None).parse_args(TYPED[command])
    assert vars(script).items() <= vars(cli.parser().parse_args([command, *TYPED[command]])).items()


def test_navigation_run_directly_checks_without_rewriting():
    result = run("-m", "course.navigation", "--check")
    assert (result.returncode, result.stdout) == (0, "navigation and index are up to date\n")


@pytest.mark.parametrize("words", [[], ["--folder", "pg", "sleep", "1"]])
def test_the_lifeline_wants_a_command_or_a_process_to_watch(words):
    result = run("-m", "course.lifeline", *words)
    assert result.returncode == 2
    assert "give either a command to run or --folder FOLDER" in result.stderr


@pytest.fixture
def started(monkeypatch) -> list[list[str]]:
    """What ``cli.main`` starts, without installing or starting anything."""
    calls = []
    monkeypatch.setattr(cli, "install", lambda env, extras: Path("python"))
    monkeypatch.setattr(cli.subprocess, "call", lambda argv, cwd=None: calls.append(argv) or 0)
    return calls


@pytest.mark.parametrize(("typed", "runs"), [
    (["--without-postgres", "student", "--replace", "--here", "mine"],
     ["course.student", "--replace", "mine"]),
    (["grade", "class", "--lessons", "03", "04", "--venv", "env", "--timeout", "60"],
     ["course.grade", "class", "--lessons", "03", "04", "--timeout", "60"]),
    (["nav", "--check"], ["course.navigation", "--check"]),
    (["bench", "2"], ["course.bench", "2"]),
    (["site"], ["course.site"]),
])
def test_a_script_gets_its_arguments_as_typed_without_the_courses_options(started, typed, runs):
    assert cli.main(typed) == 0
    assert started == [["python", "-m", *runs]]


def test_outputs_hands_the_lessons_chosen_to_its_script(started):
    assert cli.main(["outputs", "--lessons", "04", "03"]) == 0
    assert started == [["python", "-m", "course.outputs", "--lessons", "04", "03"]]


@pytest.mark.parametrize(("typed", "regenerated"), [
    ([], series.notebooks()),  # the whole series, in order
    (["--lessons", "04", "03"], sorted([series.lesson("routers"), series.lesson("split_settings")])),
    ([ROUTERS], [Path(ROUTERS)]),
])
def test_outputs_reruns_the_series_or_the_lessons_chosen_in_teaching_order(monkeypatch, capsys, typed,
                                                                           regenerated):
    from course import outputs

    ran = []
    monkeypatch.setattr(outputs, "regenerate", ran.append)
    assert outputs.main(typed) == 0
    assert ran == regenerated


def test_outputs_refuses_a_lesson_that_is_not_one(monkeypatch, capsys):
    from course import outputs

    monkeypatch.setattr(outputs, "regenerate", lambda path: pytest.fail(f"ran {path}"))
    assert outputs.main(["--lessons", "99"]) == 1
    said = 'No lesson 99: name lessons by number or name, such as LESSONS="03 04" or LESSONS=routers.\n'
    assert capsys.readouterr().err == said


@pytest.mark.parametrize("command", cli.PYTEST_COMMANDS)
def test_the_pytest_commands_hand_what_they_do_not_know_to_pytest(started, command):
    assert cli.main([command, "--here", "-k", "routers", "-x"]) == 0
    *before, argv = started
    assert before == ([["python", "-m", "course.lite"]] if command == "test-browser" else [])  # site-deps
    assert argv[1:3] == ["-m", "pytest"] and argv[-3:] == ["-k", "routers", "-x"]
    assert "--here" not in argv


def test_notebooks_named_to_make_test_run_under_nbval_with_the_cell_timeout(started):
    cli.main(["test", ROUTERS])
    (argv,) = started
    assert argv[3:] == [*cli.STRICT, ROUTERS]
    assert set(cli.NBVAL) <= set(cli.STRICT)  # the cell timeout included



def test_the_hub_link_is_nbgitpullers_and_a_hub_without_its_scheme_is_refused():
    from course import hublink

    assert hublink.link("https://hub.example.org/", "https://github.com/acme/course.git", "class",
                        "student/README.md") == (
        "https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Facme%2F"
        "course.git&branch=class&urlpath=lab%2Ftree%2Fcourse.git%2Fstudent%2FREADME.md")
    result = run("-m", "course.hublink", "--hub", "hub.example.org", "--repo", "https://x.org/c")
    assert result.returncode == 2
    assert "such as https://hub.example.org, not 'hub.example.org'" in result.stderr

"""Run ``manage.py`` and print what it printed, minus the parts that differ between machines."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

from course import background, folderlock, forkserver, inkernel
from course.errors import CourseError, shown_path

# What differs from one machine or run to the next, and what it is shown as instead.
_TIMING = re.compile(r"\b(Ran \d+ tests?|passed|failed|errors?|skipped|collected) in \d+\.\d+s")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")  # terminal colour codes, which some tools add anyway
_TRACEBACK = re.compile(r"^(\s*)Traceback \(most recent call last\):$")
_FRAME = re.compile(r'^(\s*)File "([^"]*)", line \d+, in ')
HIDDEN_FRAMES = "[… frames inside Django and Python not shown]"


def shorten(text: str, cwd: Path | None = None) -> str:
    """Replace absolute paths, test timings and memory addresses by stable placeholders; drop colours."""
    cwd = (cwd or Path.cwd()).resolve()
    places = {
        str(cwd): ".",
        sysconfig.get_paths()["purelib"]: "<site-packages>",
        sysconfig.get_paths()["stdlib"]: "<python>",
    }
    for path, label in sorted(places.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(path, label)
    text = _COLOUR.sub("", text)
    text = _TIMING.sub(r"\1 (time not shown)", text)
    return _ADDRESS.sub("0x…", condense_tracebacks(text))


def condense_tracebacks(text: str) -> str:
    """Keep, in each Python traceback, only the frames of the learner's project and the error.

    Frames in Django, the standard library and other packages, and the ``^^^^`` lines under code,
    differ from one Python version to the next; they are replaced by one line saying they are
    hidden. Project frames are those whose path starts with ``./`` or ``.\\`` (see ``shorten``).
    """
    out: list[str] = []
    indent: str | None = None  # the traceback's own indentation while inside one
    hiding = False
    for line in text.split("\n"):
        start = _TRACEBACK.match(line)
        if start:
            indent, hiding = start.group(1), False
            out.append(line)
            continue
        if indent is not None:
            frame = _FRAME.match(line)
            if frame and frame.group(1) == indent + "  ":
                hiding = not frame.group(2).startswith(("./", ".\\"))  # the project, on any OS
                if hiding and out[-1].strip() != HIDDEN_FRAMES:
                    out.append(indent + "  " + HIDDEN_FRAMES)
                if not hiding:
                    out.append(line)
                continue
            if line.startswith(indent + "    ") or line.strip().startswith("[Previous line repeated"):
                # the frame's code, or the markers under it
                if not hiding and line.strip().strip("^~") != "":
                    out.append(line)
                continue
            indent = None  # the exception's own line: the traceback ends here
        out.append(line)
    return "\n".join(out)


# pytest quiet, one line per failure, no summary, colours or cache folder, 80 columns wide; with
# pytest-django as its only plugin: the course's environment has others (nbval, xdist) that the
# project does not use and that take seconds to load.
PYTEST_OPTIONS = ["-q", "--tb=line", "-rN", "--color=no", "-p", "no:cacheprovider",
                  "-p", "pytest_django.plugin"]
PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "COLUMNS": "80"}


class CommandFailed(CourseError):
    """A command run with ``check=True`` exited with an error; its output is printed above."""


class CommandInterrupted(CourseError, KeyboardInterrupt):
    """A command run by ``manage`` (or another helper) was interrupted (Kernel > Interrupt) and
    stopped; what it printed until then is shown (a ``KeyboardInterrupt`` too, as it was)."""


class NotInProject(CourseError, FileNotFoundError):
    """The current folder lacks a file of the project (``manage.py``, ``pytest.ini``): the notebook's
    first cell, or the cell that writes it, has not run (a ``FileNotFoundError`` too, as it was)."""


def terminal_env(**extra: str) -> dict[str, str]:
    """This process's environment as a new terminal would have it, plus ``extra``.

    The kernel's own DJANGO_SETTINGS_MODULE (set by setup_django) is left out, so manage.py picks
    its default unless --settings or ``extra`` chooses; so are the PYTEST_* variables of a pytest
    run that executes the notebook (nbval).
    """
    inherited = {k: v for k, v in os.environ.items()
                 if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("PYTEST_")}
    return inherited | extra


def typed(command: list[str], env: dict[str, str] | None = None) -> str:
    """``command`` as a learner types it in a terminal, after ``$ `` (POSIX shell quoting; on Windows
    ``py`` replaces ``python``, notebook 01)."""
    words = [f"{name}={_quote(value)}" for name, value in (env or {}).items()]
    return "$ " + " ".join(words + [_quote(word) for word in command])


def _quote(word: str) -> str:
    """``word`` quoted for a POSIX shell as a person would: bare, in '…', or else in "…"."""
    if re.fullmatch(r"[\w@%+=:,./-]+", word):
        return word
    if "'" not in word:
        return f"'{word}'"
    if not re.search(r'["$`\\!]', word):
        return f'"{word}"'
    return shlex.quote(word)


def resume_postgres() -> None:
    """Start again the embedded PostgreSQL that a failed cell paused (``course.cleanup``), so that a
    command run after a wrong answer finds its database, as the lesson's next cell expects."""
    background.resume_all()


def _start(argv: list[str], env: dict[str, str] | None) -> subprocess.Popen | forkserver.Command:
    """Start ``argv`` as a new terminal would, its output (stdout and stderr merged) piped.

    Through ``course.forkserver`` (or ``course.lifeline``): if the kernel dies meanwhile, the command
    stops too, instead of writing on in a project folder that the next kernel restores.
    """
    resume_postgres()
    return forkserver.popen(argv, terminal_env(PYTHONUNBUFFERED="1", **(env or {})))


def _report(argv: list[str], proc: subprocess.Popen | inkernel.Finished, check: bool,
            tail: int | None) -> str:
    """Wait for ``proc`` (started from ``argv``), print its output and exit code; return the output as
    printed, or raise ``CommandFailed`` with ``check``."""
    if isinstance(proc, inkernel.Finished):  # it ran inside the kernel (the browser edition)
        output, interrupted = proc.stdout.read(), False
    else:
        output, interrupted = _read(proc)
    if interrupted:  # the command's own KeyboardInterrupt traceback says nothing more
        output = output.split("Traceback (most recent call last):", 1)[0]
    lines = shorten(output).rstrip("\n").splitlines()
    if tail is not None and len(lines) > tail:
        print(f"[… {len(lines) - tail} earlier lines not shown]")
        lines = lines[-tail:]
    if lines:
        print("\n".join(lines))
    if interrupted:
        raise CommandInterrupted(f"{' '.join(argv[1:])} was interrupted and stopped; what it printed until "
                                 "then is above. Rerun this cell to run it to the end.")
    if proc.returncode != 0:
        print(f"[exit code {proc.returncode}]")
        if check:
            raise CommandFailed(
                f"{' '.join(argv[1:])} failed (exit code {proc.returncode}): read its output above."
            )
    return "\n".join(lines)


def _read(proc: subprocess.Popen | forkserver.Command) -> tuple[str, bool]:
    """Wait for ``proc``; return its output and whether an interrupt (Kernel > Interrupt) stopped it."""
    printed: list[str] = []
    # A thread reads the output, line by line: an interrupt then lands in the wait below, never in
    # the middle of a read, which would lose the lines it had read (the command, interrupted at the
    # same moment, prints its traceback just then).
    reader = threading.Thread(target=lambda: printed.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    interrupted = False
    try:
        while reader.is_alive():
            reader.join(0.1)  # with a timeout: on Windows a plain join cannot be interrupted
    except KeyboardInterrupt:
        interrupted = True
    finally:  # closing the lifeline's pipe stops the command if it still runs (an interrupt)
        proc.stdin.close()
        reader.join()
        proc.stdout.close()
        proc.wait()
    return "".join(printed), interrupted


def _run(argv: list[str], check: bool, tail: int | None, env: dict[str, str] | None, shown: str) -> str:
    """Print ``shown`` (the command as typed), run ``argv`` as a new terminal would, print its output;
    return that output, as printed."""
    print(shown)
    return _report(argv, _start(argv, env), check, tail)


def manage(
    *args: str, check: bool = True, tail: int | None = None, env: dict[str, str] | None = None
) -> None:
    """Run ``python manage.py *args`` here with the kernel's Python and print the command, as typed
    in a terminal, then its output.

    stdout and stderr are merged in the order they were written, without colours. A non-zero
    exit code is printed and, with ``check=True`` (for steps), raised as ``CommandFailed``;
    ``check=False`` is for commands shown failing on purpose. ``tail`` keeps only the last
    lines (a long traceback ends with the message that matters) and says how many it left out.
    """
    shown_manage(*args, check=check, tail=tail, env=env)


def require_project() -> None:
    """Raise ``NotInProject``, saying what to run, unless the current folder holds the project's
    ``manage.py`` (every helper that runs or loads the project asks this first)."""
    _require("manage.py", "run this notebook's first cell, which creates the project folder and moves "
                          "into it.")


def _require(name: str, fix: str) -> None:
    """Raise ``NotInProject`` unless the current folder exists and holds the file ``name``; the
    message ends with ``fix``, what to run."""
    if not cwd_exists():
        raise NotInProject(folder_gone())
    if not Path(name).is_file():
        raise NotInProject(f"No {name} in the current folder: {fix}")


def folder_gone() -> str:
    """What to say when the folder this kernel is in has been deleted (``work/`` deleted while it ran)."""
    folder = folderlock.held()
    shown = f", {shown_path(folder)}/," if folder else ""
    return (f"The folder this kernel was in{shown} has been deleted: rerun this notebook's first cell, "
            "which restores the project folder.")


def cwd_exists() -> bool:
    """Whether the current folder still exists (the learner may delete ``work/`` while a kernel runs)."""
    try:
        os.getcwd()
    except FileNotFoundError:
        return False
    return True


def shown_manage(
    *args: str, check: bool = True, tail: int | None = None, env: dict[str, str] | None = None
) -> str:
    """``manage(*args)``, returning what it printed of the command's output (for the checks, which
    show a command and then judge it)."""
    require_project()
    return _run([sys.executable, "manage.py", *args], check, tail, env,
                typed(["python", "manage.py", *args], env))


def manage_side_by_side(*commands: tuple[str, ...], check: bool = True) -> None:
    """Run several ``manage.py`` commands at the same time, as from several terminals (commands on
    different databases, which need not wait for each other), then print each one and its output as
    ``manage()`` does, in the order given."""
    require_project()
    argvs = [[sys.executable, "manage.py", *args] for args in commands]
    started = [_start(argv, None) for argv in argvs]
    for args, argv, proc in zip(commands, argvs, started, strict=True):
        print(typed(["python", "manage.py", *args]))
        _report(argv, proc, check, None)


def django_admin(*args: str, check: bool = True) -> None:
    """Run ``python -m django *args`` (the ``django-admin`` tool) here and print it and its output."""
    _run([sys.executable, "-m", "django", *args], check, None, None, typed(["python", "-m", "django", *args]))


def run_pytest(*args: str, check: bool = True) -> None:
    """Run ``python -m pytest *args`` here (the project's pytest.ini applies) and print it and its output.

    The command is shown without ``PYTEST_OPTIONS``, which only make the output the same on every
    machine (the fixed width keeps the progress line the same on every terminal).
    The run time is replaced like the test runner's; ``check`` works as for ``manage``.
    """
    shown_pytest(*args, check=check)


def shown_pytest(*args: str, check: bool = False) -> str:
    """``run_pytest(*args)``, returning what it printed of the run's output (for the checks)."""
    _require("pytest.ini", "run this notebook's first cell, and the cell that writes pytest.ini.")
    return _run([sys.executable, "-m", "pytest", *PYTEST_OPTIONS, *args], check, None, PYTEST_ENV,
                typed(["python", "-m", "pytest", *args]))

"""The course's commands, for every machine: ``python -m course COMMAND`` (``make COMMAND`` calls it).

Standard library only: it runs with the interpreter the learner chose (``PYTHON=`` for make),
creates ``.venv/`` with it, installs the locked requirements there, then runs the command with the
virtual environment's Python. ``--here`` installs into the running environment instead (a
JupyterHub, Binder or conda environment that has no room for a ``.venv``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

from course import PYTHONS, arguments
from course.series import REPO

LOCK = REPO / "requirements.txt"
STAMP = ".course-installed.json"  # in the environment's folder: what was installed there, and from what
SETTINGS = REPO / "jupyter-settings"  # the course's JupyterLab settings, learner/ and teacher/
WORKSPACES = REPO / ".jupyter-workspaces"  # and what each JupyterLab remembers (git ignores it)
# The suite (tests/): every notebook under strict nbval in subprocesses, alone, in reverse order,
# twice, and the other tests; on three workers, an idle one taking tests queued on another. Three,
# even on two cores: the suite's waits (kernels asleep at a time limit, servers starting) leave a CPU
# idle that the third one fills (make test: 156 s on two workers, 144 s on three, on two cores).
PYTEST = ["-n", "3", "--dist", "worksteal"]
# Every run of notebooks under nbval (here, in the suite, in bench): strict, in this environment's
# kernel, and a cell that hangs fails after CELL_TIMEOUT seconds, not after nbval's default 2000.
# The slowest real cell takes about 4 s here (a first cell restoring the project from an empty
# scratch folder, such as 08's run alone); three minutes leave room for a slow laptop or a loaded
# CI machine, and a hung cell still fails within three minutes.
CELL_TIMEOUT = 180
NBVAL = ["--nbval", "--nbval-current-env", f"--nbval-cell-timeout={CELL_TIMEOUT}"]
# The strict series in this process (cells reported one by one): one notebook's cells in one worker.
STRICT = ["-n", "2", "--dist", "loadfile", *NBVAL]
# The fast part alone (make check): unit tests and lint, no notebook executed.
CHECK = ["-q", "-n", "2", "-m", "not slow and not browser and not faults and not hub", "tests"]
# The fault suite (make test-faults): killed kernels, full disks, interrupted installs, for real.
FAULTS = ["-m", "faults", "-n", "2", "--dist", "loadfile"]
# The hub test (make test-hub): one hub for its three tests, and what each learner used is printed (-rP).
HUB = ["-m", "hub", "-p", "no:xdist", "-rP"]
# What `test-pythons` runs on each other Python: the strict series and the unit tests of these helpers
# (tests/test_NAME.py, one file per module).
HELPERS = ("background", "browser_client", "cleanup", "inkernel", "kernel", "lifeline", "postgres", "routing",
           "server", "shell", "sqlite", "table", "workspace")
SERIES = ["notebooks", *(f"tests/test_{name}.py" for name in HELPERS)]
# The commands that hand the arguments they do not know to pytest.
PYTEST_COMMANDS = ("test", "check", "test-browser", "test-faults", "test-hub")
MODULES = {  # commands that run one of the course's scripts in the environment (arguments: course.arguments)
    "lock": ("course.lock", "regenerate requirements.txt from pyproject.toml, for every platform and Python"),
    "student": ("course.student", "write student copies (solutions replaced by stubs) into student/"),
    "grade": ("course.grade", "grade handed-in copies by running them (DIR: one folder per student)"),
    "site": ("course.site", "build the web edition into build/site/ from the notebooks' stored outputs, "
             "and the browser edition beside it (offline: after site-deps)"),
    "site-deps": ("course.lite", "fetch Pyodide and the browser edition's wheels from npm and PyPI into "
                  "build/site-deps/, each checked against course/lite-lock.json (once: make site needs "
                  "them)"),
    "outputs": ("course.outputs", "re-execute every notebook in order and store its real outputs"),
    "nav": ("course.navigation", "regenerate the navigation bars and the index notebooks/README.md"),
    "project": ("course.project", "rebuild project/ from the notebooks' step cells"),
    "lesson": ("course.newlesson", "start a new lesson after the last: notebook, check module, answers"),
    "hub-link": ("course.hublink", "print the link that puts the course in each learner's home on a hub"),
    "bench": ("course.bench", "time make test against one run of the series, the series against its floor"),
}
COMMANDS = {  # every command of `python -m course`, and what it does (its --help)
    "install": "create the venv with this Python, install the locked requirements (lab, test do it)",
    "lab": "open JupyterLab on your copies of the notebooks (student/, made on first use)",
    "lab-solutions": "for teachers: open JupyterLab on the solved notebooks (notebooks/), autosave off",
    "test": "the whole suite on this Python: every notebook strictly compared, and the tests "
            "(extra arguments go to pytest)",
    "check": "in seconds: the unit tests and ruff on the course's Python and the notebooks' code "
             "(no notebook is executed; extra arguments go to pytest)",
    "test-pythons": "the strict series on the other supported Pythons found here",
    "test-browser": "the learner's walkthrough in a real JupyterLab in headless Chromium "
                    "(needs Chromium: Debian's chromium package)",
    "test-faults": "what a learner's machine does wrong, done for real: killed kernels, a full disk, "
                   "interrupted installs, damaged copies (a few minutes)",
    "test-hub": "a real JupyterHub on this machine, three learners each a Unix user of their own, running "
                "07 and 08 at once, the admin through the hub (Linux, as root; npm and Chromium)",
    **{name: text for name, (_, text) in MODULES.items()},
    "clean": "remove what runs generate (scratch projects, databases, caches); keep the environments",
}
GENERATED = ["work", "build", ".jupyter-workspaces", ".pytest_cache", ".ipynb_checkpoints",
             "notebooks/.ipynb_checkpoints", "course.egg-info"]
# (student/.ipynb_checkpoints/ is not among them: it holds the learner's last saves, the way back
# from a damaged copy.)


class Stop(Exception):
    """A command cannot go on; the message says why and what to do. Printed without a traceback."""


def this_python() -> str:
    """The running interpreter's version as ``3.N``."""
    return "{}.{}".format(*sys.version_info[:2])


def python_in(env: Path) -> Path:
    """The Python of the virtual environment in ``env``, on Windows and elsewhere."""
    return env / "Scripts" / "python.exe" if os.name == "nt" else env / "bin" / "python"


def _venv_version(env: Path) -> str | None:
    """The ``3.N`` a virtual environment was made with, read from its ``pyvenv.cfg``."""
    for line in (env / "pyvenv.cfg").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return ".".join(value.strip().split(".")[:2])
    return None


def _wanted(extras: list[str]) -> dict:
    digest = hashlib.sha256(LOCK.read_bytes() + (REPO / "pyproject.toml").read_bytes()).hexdigest()
    return {"python": this_python(), "requirements": digest[:16], "extras": extras}


def _covers(installed: dict, wanted: dict) -> bool:
    """Whether what is installed serves what is wanted: the same Python and requirements, and at
    least the wanted extras (``make lab`` after ``make test-browser`` installs nothing again)."""
    return ({**installed, "extras": None} == {**wanted, "extras": None}
            and set(wanted["extras"]) <= set(installed.get("extras", [])))


def shown(path: Path) -> str:
    """``path`` as messages show it: relative to the course's folder when inside it."""
    return f"{path.relative_to(REPO)}/" if path.is_relative_to(REPO) else f"{path}/"


def _make_venv(env: Path) -> None:
    if env.exists():
        if not (env / "pyvenv.cfg").is_file():
            raise Stop(f"{shown(env)} exists but is not a virtual environment; move it away and retry.")
        made_with = _venv_version(env)
        if made_with == this_python() and python_in(env).exists():
            _ensure_pip(env)
            return
        print(f"Rebuilding {shown(env)} with Python {this_python()} (it was made with Python {made_with}).")
    else:
        print(f"Creating {shown(env)} with Python {this_python()} ({sys.executable}).")
    try:
        venv.EnvBuilder(with_pip=True, clear=env.exists()).create(env)
    except (subprocess.CalledProcessError, OSError) as error:
        raise Stop(
            f"Python {this_python()} could not create a virtual environment ({error}). On Debian and "
            f"Ubuntu, install its venv module first: sudo apt install python{this_python()}-venv"
        ) from None


def _imports_this_course(python: Path) -> bool:
    """Whether ``python`` imports this folder's ``course`` package: the editable install points at
    the folder it was made from, and a course moved or renamed since finds no ``course`` at all."""
    found = subprocess.run([str(python), "-c", "import course; print(course.__file__)"],
                           capture_output=True, text=True, cwd=tempfile.gettempdir())
    here = (REPO / "course").resolve()
    return found.returncode == 0 and Path(found.stdout.strip()).parent.resolve() == here


def _ensure_pip(env: Path) -> None:
    """Give the venv ``env`` the pip it lacks: an install stopped in its first seconds (Ctrl-C while
    ``venv`` ran) leaves the interpreter without it. ``ensurepip`` adds it and keeps the rest."""
    python = str(python_in(env))
    if subprocess.call([python, "-m", "pip", "--version"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL) == 0:
        return
    print(f"{shown(env)} has no pip (an earlier install was stopped before it was added): adding it.")
    if subprocess.call([python, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL) != 0:
        raise Stop(f"pip could not be added to {shown(env)}: delete that folder and run the command again.")


def install(env: Path | None, extras: list[str]) -> Path:
    """Install the course with the locked versions into ``env`` (a venv, made if needed) or, with
    ``env=None``, into the running environment; skip it when nothing changed. Return its Python."""
    python = Path(sys.executable) if env is None else python_in(env)
    stamp = Path(sys.prefix if env is None else env) / STAMP
    wanted = _wanted(extras)
    if stamp.is_file() and python.exists() and _covers(json.loads(stamp.read_text(encoding="utf-8")), wanted):
        if _imports_this_course(python):
            return python
        print(f"{shown(stamp.parent)} was installed for the course in another folder (moved or renamed "
              "since): installing it for this one.")
    if env is not None:
        _make_venv(env)
    target = f".[{','.join(extras)}]" if extras else "."
    print(f"Installing the course with the versions of requirements.txt into {shown(stamp.parent)}")
    argv = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "-c", str(LOCK), "--editable", target]
    if subprocess.call(argv, cwd=REPO) != 0:
        raise Stop("pip could not install the course's requirements: its messages above say why.")
    stamp.write_text(json.dumps(wanted), encoding="utf-8")
    return python


def find_python(version: str) -> list[str] | None:
    """A command that runs CPython ``version`` (``3.N``) on this machine, or None.

    Looks for ``python3.N`` on PATH, the Windows launcher ``py -3.N``, and pyenv's versions; each
    candidate is run once to make sure it is that version (pyenv's shims may exist and fail).
    """
    candidates = [[f"python{version}"], ["py", f"-{version}"]]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    candidates += [[str(p / "bin" / "python3")] for p in sorted(pyenv.glob(f"{version}.*"), reverse=True)]
    for argv in candidates:
        if shutil.which(argv[0]) is None:
            continue
        probe = subprocess.run([*argv, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return argv
    return None


def test_pythons(versions: list[str], postgres: bool) -> int:
    """Run the strict series on each Python in ``versions`` (default: every other supported one
    found here), each in its own ``.venv-3.N/``; print what ran, what passed and what was missing."""
    requested = bool(versions)
    for version in versions:
        if version not in PYTHONS:
            raise Stop(f"Python {version} is not one the course supports ({', '.join(PYTHONS)}).")
    versions = versions or [v for v in PYTHONS if v != this_python()]
    results = []
    for version in versions:
        python = find_python(version)
        if python is None:
            results.append((version, "not found", None))
            continue
        flags = [] if postgres else ["--without-postgres"]
        env = REPO / f".venv-{version}"
        start = time.monotonic()
        code = subprocess.call([*python, "-m", "course", *flags, "--venv", str(env), "install"], cwd=REPO)
        if code == 0:
            print(f"== the strict series on Python {version}", flush=True)
            with tempfile.TemporaryDirectory(prefix="course-series-") as scratch:  # not the learner's work/
                code = subprocess.call([str(python_in(env)), "-m", "pytest", *STRICT, *SERIES], cwd=REPO,
                                       env={**os.environ, "COURSE_WORKDIR": scratch})
        minutes, seconds = divmod(round(time.monotonic() - start), 60)
        results.append((version, "passed" if code == 0 else "FAILED", f"{minutes}m{seconds:02d}s"))
    print(f"\nPython {this_python()}: the reference, run by `make test`")
    for version, outcome, took in results:
        print(f"Python {version}: {outcome}" + (f" in {took} (install included)" if took else ""))
    failed = [v for v, outcome, _ in results if outcome == "FAILED"]
    missing = [v for v, outcome, _ in results if outcome == "not found"]
    if missing and requested:
        print(f"Requested but not found: Python {', '.join(missing)}. Install it, or leave it out "
              "of VERSIONS.")
    return 1 if failed or (missing and requested) else 0


def clean(student: bool = False) -> int:
    """Remove what runs generate (scratch projects, databases, caches), saying what; keep the
    environments, and the learner's copies in student/. With ``student``, student/ is moved to a
    dated folder beside it (:func:`set_aside`), never deleted: deleting it is the learner's step.
    Refused while a JupyterLab serves the course: its kernels run in work/ (dev servers, PostgreSQL)."""
    from course import folderlock, lab

    python = python_in(REPO / ".venv")
    for root in (REPO / "student", REPO):
        running = python.exists() and lab.serving(python, root)
        if running:
            raise Stop(f"JupyterLab serves {shown(root)} (process {running['pid']}) and its lessons run "
                       "in work/: stop it first (File › Shut Down, or Ctrl-C where it runs), then run this "
                       "again.")
    for lock in sorted((REPO / "work" / folderlock.FOLDER).glob("*.lock")):
        holder = folderlock.in_use(REPO / "work" / lock.stem)
        if holder:  # a kernel started otherwise (a JupyterLab of its own, an editor) has a lesson
            raise Stop(f"A kernel runs in work/{lock.stem}/ ({holder}): shut it down first, then run "
                       "this again.")
    if student and (REPO / "student").exists():
        print(set_aside(REPO / "student"))
    removed = [REPO / name for name in GENERATED if (REPO / name).exists()]
    removed += [p for p in REPO.rglob("__pycache__") if not p.relative_to(REPO).parts[0].startswith(".venv")]
    removed += list((REPO / "project").rglob("*.sqlite3"))
    for path in removed:
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
        print(f"removed {path.relative_to(REPO)}")
    if not student and (REPO / "student").exists():
        print("kept student/ (your copies of the notebooks): `make clean STUDENT=yes` sets it aside too")
    return 0


def set_aside(folder: Path) -> str:
    """Move ``folder`` (student/) to ``folder-YYYY-MM-DD-HHMMSS/`` beside it, which git and
    ``make clean`` leave alone; say what it holds and where it went."""
    stamp = time.strftime("%Y-%m-%d-%H%M%S")
    target, n = folder.with_name(f"{folder.name}-{stamp}"), 1
    while target.exists():
        n += 1
        target = folder.with_name(f"{folder.name}-{stamp}-{n}")
    notebooks = len(list(folder.glob("*.ipynb")))
    replaced = len(list(folder.glob("replaced/*.ipynb")))
    try:
        folder.rename(target)
    except OSError as error:  # Windows: a file in it is open (JupyterLab still running)
        raise Stop(f"Could not move {shown(folder)} aside ({error.strerror or error}): stop JupyterLab "
                   "(make lab) and run it again. Nothing was removed.") from None
    held = f"{notebooks} notebook{'s' * (notebooks != 1)}"
    held += f", and {replaced} in replaced/" if replaced else ""
    return (f"moved {shown(folder)} ({held}: your copies and your work in them) to {shown(target)}: nothing "
            f"in it is deleted; `make lab` writes fresh copies, and once you no longer need the old ones, "
            f"delete {shown(target)} yourself")


def parser(scripts: bool = True) -> argparse.ArgumentParser:
    """The parser of ``python -m course``: the course's options, then a command and its arguments.

    A command that runs a script (``MODULES``) takes the arguments the script's own parser defines
    (``course.arguments``), so that ``--help`` shows them and a misspelt one is refused before
    anything runs. Without ``scripts`` they are left out: what a parse leaves over is then the
    script's arguments as typed, to hand on to it.
    """
    # The options work before or after the command (`--without-postgres lab`, `lab --without-postgres`);
    # after it they default to nothing, so that they never undo one given before.
    options, after = (argparse.ArgumentParser(add_help=False, argument_default=default)
                      for default in (None, argparse.SUPPRESS))
    for group in (options, after):
        group.add_argument("--here", action="store_true",
                           help="install into this Python's environment, not a venv (a hub, Binder, conda)")
        group.add_argument("--venv", type=Path, help="the virtual environment to make and use "
                           "(default: .venv/ in the course's folder)")
        group.add_argument("--without-postgres", action="store_true",
                           help="leave out the embedded PostgreSQL (notebook 08 then says how to add it)")
    p = argparse.ArgumentParser(prog="python -m course", parents=[options],
                                description="The course's commands on any machine; `make TARGET` runs "
                                "`python -m course TARGET` with PYTHON (default python3).")
    commands = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub = {name: commands.add_parser(name, help=text, description=text, parents=[after])
           for name, text in COMMANDS.items()}
    for command in sub.values():
        command.set_defaults(refuse=command.error)  # a refusal shows the command's own usage line
    if scripts:
        for name, (module, _) in MODULES.items():
            arguments.SCRIPTS[module](sub[name])
    sub["test-pythons"].add_argument("versions", nargs="*", metavar="3.N",
                                     help="only these, and fail if one is missing")
    sub["clean"].add_argument("--student", action="store_true",
                              help="also move student/, the learner's copies with their work, to a "
                              "dated folder beside it (student-YYYY-MM-DD-HHMMSS/: never deleted)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m course`` with the arguments ``argv`` (default: the command line); return the
    exit code. Arguments are checked first: a wrong one stops it before anything is installed."""
    argv = sys.argv[1:] if argv is None else argv
    args, unknown = parser().parse_known_args(argv)
    if unknown and args.command not in PYTEST_COMMANDS:
        args.refuse(f"unrecognized arguments: {' '.join(unknown)}")
    extra = parser(scripts=False).parse_known_args(argv)[1]  # what goes on to pytest or the script, as typed
    postgres = not args.without_postgres
    extras = (["postgres"] if postgres else []) + (["browser"] if args.command == "test-browser" else [])
    extras += ["browser", "hub", "hub-test"] if args.command == "test-hub" else []
    extras += ["site"] if args.command in ("site", "site-deps", "test-browser") else []
    try:
        if args.command == "clean":
            return clean(args.student)
        if args.command == "test-pythons":
            return test_pythons(args.versions, postgres)
        if args.command == "hub-link":  # prints a link: nothing to install (on a hub, the course is)
            from course import hublink

            return hublink.main(extra)
        try:
            python = install(None if args.here else (args.venv or REPO / ".venv").resolve(), extras)
        except KeyboardInterrupt:
            raise Stop("Install stopped (Ctrl-C): run the same command again to finish it.") from None
        if args.command == "install":
            return 0
        if args.command == "lab":  # the learner's copies: written where missing, never overwritten
            # 1: some copies are damaged, each named with its way back above; the others are
            # ready, so JupyterLab opens on them. Anything else: the copies could not be written.
            if subprocess.call([str(python), "-m", "course.student"], cwd=REPO) not in (0, 1):
                return 1
        if args.command in ("lab", "lab-solutions"):
            from course import lab  # JupyterLab's part, which takes its paths from here

            return lab.start(python, solutions=args.command == "lab-solutions")
        if args.command == "test":  # notebooks named: nbval on them, in this process
            named = any(a.endswith(".ipynb") or Path(a).name == "notebooks" for a in extra)
            return subprocess.call([str(python), "-m", "pytest", *(STRICT if named else PYTEST), *extra],
                                   cwd=REPO)
        if args.command == "check":
            return subprocess.call([str(python), "-m", "pytest", *CHECK, *extra], cwd=REPO)
        if args.command == "test-faults":
            return subprocess.call([str(python), "-m", "pytest", *FAULTS, *extra], cwd=REPO)
        if args.command == "test-hub":
            return subprocess.call([str(python), "-m", "pytest", *HUB, *extra], cwd=REPO)
        if args.command == "test-browser":  # the browser edition's test builds it: its files first
            if subprocess.call([str(python), "-m", "course.lite"], cwd=REPO):
                return 1
            return subprocess.call([str(python), "-m", "pytest", "-m", "browser", "-p", "no:xdist", *extra],
                                   cwd=REPO)
        return subprocess.call([str(python), "-m", MODULES[args.command][0], *extra], cwd=REPO)
    except Stop as stop:
        print(stop, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

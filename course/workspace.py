"""The scratch folder each notebook builds its Django project in.

A notebook's first cell calls ``open_project("NN_topic")``: it empties the notebook's own folder
under ``work/`` (or under ``$COURSE_WORKDIR``), replays there the cells tagged ``step`` of every
earlier notebook (the notebooks stay the only source of the project's files), and moves into it.
Replays are cached by a hash of the replayed cells, one snapshot per notebook, so restoring
notebook N copies the snapshot of N-1 instead of running everything before it again. The
snapshots live in ``.cache/`` beside the scratch folders, or in ``$COURSE_CACHE`` (the tests share
one among runs that each have their own scratch folders; a snapshot is only ever added whole).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from course import background, cleanup, kernel
from course.errors import CourseError

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
STEP_TAG = "step"
MARKER = ".course-scratch"  # only folders holding this file are ever emptied
SERIES_DJANGO = (5, 2)


def work_root() -> Path:
    """Folder holding every notebook's scratch folder: ``$COURSE_WORKDIR`` or ``work/``."""
    return Path(os.environ.get("COURSE_WORKDIR") or REPO / "work").resolve()


def cache_root() -> Path:
    """Folder of the restore snapshots: ``$COURSE_CACHE``, or ``.cache/`` in ``work_root()``."""
    return Path(os.environ.get("COURSE_CACHE") or work_root() / ".cache").resolve()


def notebooks() -> list[Path]:
    """The numbered notebooks of the series, in teaching order."""
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def tags(cell) -> list[str]:
    """The tags of a notebook cell (a dict, or nbformat's node), ``[]`` when it has none."""
    return cell.get("metadata", {}).get("tags", [])


def step_cells(notebook: Path) -> list[str]:
    """Sources of the code cells tagged ``step``: the cells that change the project."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code" and STEP_TAG in tags(c)
    ]


class UnknownNotebook(CourseError, ValueError):
    """``open_project`` was given a name that is not a notebook of the series (a ``ValueError`` too,
    as it was)."""


class NotScratch(CourseError, FileExistsError):
    """The scratch folder to empty exists but was not made by the notebooks, so it is left alone
    (a ``FileExistsError`` too, as it was)."""


class StepFailed(CourseError):
    """A ``step`` cell of an earlier notebook failed while it was replayed; what it printed is shown
    above the error."""


def _find(name: str) -> Path:
    """The notebook of the series named ``name`` (its file name without ``.ipynb``)."""
    for nb in notebooks():
        if nb.stem == name:
            return nb
    known = ", ".join(nb.stem for nb in notebooks())
    raise UnknownNotebook(f"No notebook named {name!r}; the series has: {known}. Give open_project "
                          "this notebook's file name without .ipynb, as its first cell does.")


def _reset(folder: Path) -> None:
    """Empty ``folder``, refusing to touch a folder this module did not create."""
    if folder.exists():
        if not (folder / MARKER).exists():
            raise NotScratch(
                f"{folder.name}/ exists but was not made by these notebooks, so it is left alone. "
                "Move it away, or point COURSE_WORKDIR at another folder."
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("Scratch folder of the course notebooks: safe to delete.\n")


def _cache_key(earlier: list[Path]) -> str:
    import django

    digest = hashlib.sha256(f"django {django.__version__}".encode())
    for nb in earlier:
        digest.update(nb.name.encode())
        for source in step_cells(nb):
            digest.update(source.encode())
    return digest.hexdigest()[:16]


def _snapshot(folder: Path, key: str) -> None:
    """Copy ``folder`` into the cache under ``key``, atomically (parallel runs may race)."""
    cache = cache_root()
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=cache))
    shutil.copytree(folder, tmp / "project", ignore=shutil.ignore_patterns("__pycache__"))
    try:
        (tmp / "project").rename(cache / key)
    except OSError:  # another run stored the same snapshot first
        pass
    shutil.rmtree(tmp, ignore_errors=True)


def replay(notebook: Path, shell=None) -> None:
    """Run the ``step`` cells of ``notebook`` in the current folder, quietly; raise if one fails.

    Step cells only write files (``%%writefile``, ``pathlib``) and run commands (``manage``,
    ``django_admin``); they never import the project, so replaying them has no side effect on
    the kernel.
    """
    from IPython.core.interactiveshell import InteractiveShell

    from course.shell import django_admin, manage

    shell = shell or InteractiveShell.instance()
    saved = dict(shell.user_ns)  # replayed cells must leave no names behind (a cache hit replays none)
    # Step cells may use these names without importing them (the notebooks import them earlier).
    shell.user_ns.update({"sys": sys, "manage": manage, "django_admin": django_admin})
    try:
        _replay_cells(notebook, shell)
    finally:
        shell.user_ns.clear()
        shell.user_ns.update(saved)


def _replay_cells(notebook: Path, shell) -> None:
    from IPython.utils.capture import capture_output

    for source in step_cells(notebook):
        with capture_output() as captured:
            result = shell.run_cell(source, store_history=False, silent=True)
        if not result.success:  # a failed manage() raises CommandFailed: the cell fails
            print(f"The cell:\n{source.rstrip()}\nIt printed:\n{captured.stdout}{captured.stderr}".rstrip())
            raise StepFailed(
                f"Restoring a step of {notebook.name} failed (the cell and what it printed are above). "
                f"Fix that cell in {notebook.name} (`git checkout notebooks/{notebook.name}` brings back "
                "the course's version), then rerun this cell."
            )


def restore(folder: Path, earlier: list[Path], shell=None) -> None:
    """Fill the empty ``folder`` with what ``earlier`` notebooks build, using cached snapshots."""
    cache = cache_root()
    start = 0
    for k in range(len(earlier), 0, -1):
        cached = cache / _cache_key(earlier[:k])
        if cached.is_dir():
            shutil.copytree(cached, folder, dirs_exist_ok=True)
            start = k
            break
    here = Path.cwd()
    os.chdir(folder)
    try:
        for k in range(start, len(earlier)):
            replay(earlier[k], shell)
            _snapshot(folder, _cache_key(earlier[: k + 1]))
    finally:
        os.chdir(here)


class WrongVersions(CourseError):
    """This kernel's Python or Django is not one the series is written for."""


def check_versions() -> None:
    """Raise if this kernel's Python or Django is not what the series is written for.

    Any environment with the right versions will do: the course's ``.venv``, a JupyterHub's or
    Binder's own environment, a conda environment.
    """
    import platform

    import django

    from course import PYTHONS

    found = []
    major, minor = sys.version_info[:2]
    if f"{major}.{minor}" not in PYTHONS:
        supported = f"{PYTHONS[0]} to {PYTHONS[-1]}"
        found.append(f"Python {platform.python_version()} (the course supports {supported})")
    if django.VERSION[:2] != SERIES_DJANGO:
        found.append(f"Django {django.get_version()} (the series is written for Django "
                     f"{SERIES_DJANGO[0]}.{SERIES_DJANGO[1]} LTS)")
    if found:
        raise WrongVersions(
            f"This kernel ({sys.executable}) runs {' and '.join(found)}. Pick the kernel of an "
            "environment with the course's versions: the course's .venv, which `make lab` (or "
            "`python -m course lab`) starts, or install them into this one from the course's folder: "
            f"\"{sys.executable}\" -m pip install -c requirements.txt -e . and restart the kernel."
        )


def open_project(name: str) -> None:
    """Give notebook ``name`` its scratch folder as the earlier notebooks leave it, and move into it.

    Prints one line saying what was restored.
    """
    from IPython import get_ipython

    check_versions()

    _find(name)  # an unknown name is refused before anything is compared or touched
    earlier = [nb for nb in notebooks() if nb.stem < name]
    folder = work_root() / name
    # A rerun in the same kernel: stop what the last run started, which would lose its folder,
    # and close Django's connections to the databases about to be deleted.
    background.stop_all()
    kernel.before_reset()
    os.chdir(NOTEBOOKS)  # never stand in the folder being emptied (Windows refuses to delete it)
    _reset(folder)
    restore(folder, earlier, get_ipython())
    os.chdir(folder)
    kernel.after_restore(folder.resolve())
    cleanup.register(get_ipython())  # a failed cell (Run All stops there) stops the servers too
    if earlier:
        first, last = earlier[0].stem[:2], earlier[-1].stem[:2]
        span = f"notebook {first}" if first == last else f"notebooks {first}–{last}"
        print(f"Project folder {name}/ ready: restored what {span} built.")
    else:
        print(f"Project folder {name}/ ready: empty, this notebook starts from scratch.")


def tree(folder: str | Path = ".") -> None:
    """Print the files under ``folder`` (sorted, relative), leaving out caches and the scratch marker."""
    root = Path(folder)
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or rel.name == MARKER or path.is_dir():
            continue
        print(rel.as_posix())

"""Build the finished project from the notebooks' ``step`` cells, and compare it with ``project/``.

``python -m course.project`` (``make project``) rewrites ``project/`` from the notebooks;
``python -m course.project --check`` only reports the differences. The notebooks stay the one
source of every file: ``project/`` is what they produce, minus databases and caches.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import sys
import tempfile
from pathlib import Path

from course import arguments
from course.series import REPO, notebooks
from course.workspace import MARKER, replay

PROJECT = REPO / "project"
GENERATED = {"__pycache__", MARKER, "runserver.log"}  # run products, never part of the project


def _is_generated(rel: Path) -> bool:
    return any(part in GENERATED for part in rel.parts) or rel.suffix == ".sqlite3"


def build(dest: Path) -> None:
    """Replay every notebook's step cells in the empty folder ``dest``, then drop run products."""
    dest.mkdir(parents=True, exist_ok=True)
    here = Path.cwd()
    os.chdir(dest)
    try:
        for nb in notebooks():
            replay(nb)
    finally:
        os.chdir(here)
    for path in sorted(dest.rglob("*"), reverse=True):
        rel = path.relative_to(dest)
        if _is_generated(rel):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def files(root: Path) -> set[str]:
    """Relative paths of the project's files under ``root``, without run products."""
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not _is_generated(p.relative_to(root))
    }


def differences(built: Path, kept: Path = PROJECT) -> list[str]:
    """What differs between a fresh build and ``project/``: one line per file, empty when equal."""
    a, b = files(built), files(kept)
    lines = [f"only built by the notebooks: {f}" for f in sorted(a - b)]
    lines += [f"only in project/: {f}" for f in sorted(b - a)]
    lines += [f"differs: {f}" for f in sorted(a & b) if not filecmp.cmp(built / f, kept / f, shallow=False)]
    return lines


def main(check: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / "project"
        build(built)
        diff = differences(built)
        if check:
            print("\n".join(diff) or "project/ matches the notebooks")
            return 1 if diff else 0
        shutil.rmtree(PROJECT, ignore_errors=True)
        shutil.copytree(built, PROJECT)
        print(f"project/ rebuilt from the notebooks ({len(files(PROJECT))} files)")
        return 0


if __name__ == "__main__":
    sys.exit(main(check=arguments.parser("course.project", __doc__).parse_args().check))

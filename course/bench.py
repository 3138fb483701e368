"""Time the series under nbval against its floor: as many one-cell notebooks, under the same nbval.

``python -m course.bench [rounds]`` (``make bench``) alternates the two runs ``rounds`` times
(default 3), each series run in a fresh scratch folder as on a fresh clone, and prints the median
wall times and their ratio. The bar is a ratio of at most 5.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course.workspace import REPO, notebooks

BAR = 5.0


def _one_cell_notebooks(folder: Path, count: int) -> list[Path]:
    """Write ``count`` notebooks of one executed cell each, with their stored output."""
    paths = []
    for i in range(count):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell('print("hello")', execution_count=1)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
        nb.cells = [cell]
        nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
        path = folder / f"floor_{i:02d}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def _timed_nbval(paths: list[Path], workdir: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
         *map(str, paths)],
        cwd=REPO,
        env={**os.environ, "COURSE_WORKDIR": str(workdir)},
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"nbval failed during the benchmark:\n{result.stdout[-2000:]}")
    return elapsed


def main(rounds: int = 3) -> float:
    """Run the benchmark, print the figures, return the ratio."""
    series = notebooks()
    series_times, floor_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        floor = _one_cell_notebooks(Path(tmp), len(series))
        for r in range(rounds):
            series_times.append(_timed_nbval(series, Path(tmp) / f"work{r}"))
            floor_times.append(_timed_nbval(floor, Path(tmp) / "floorwork"))
    s, f = statistics.median(series_times), statistics.median(floor_times)
    ratio = s / f
    print(f"series ({len(series)} notebooks, fresh scratch folder): {s:.1f} s  (median of {rounds})")
    print(f"floor  ({len(series)} one-cell notebooks):            {f:.1f} s  (median of {rounds})")
    print(f"ratio: {ratio:.2f}  (bar: at most {BAR:g})")
    return ratio


if __name__ == "__main__":
    sys.exit(0 if main(int(sys.argv[1]) if len(sys.argv) > 1 else 3) <= BAR else 1)

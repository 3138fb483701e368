"""Time the series and the whole suite, in one run, on this machine as it is.

``python -m course.bench [rounds]`` (``make bench``) prints two ratios of wall times:

- one strict nbval run of the series, each in a fresh scratch folder as on a fresh clone, against
  its floor: as many one-cell notebooks under the same nbval (the notebooks' own cost; bar: 5);
- the whole of ``make test`` on this Python, from this warm environment, against one strict run of
  the series (what the suite's extra runs cost; bar: 3).

The series and its floor alternate ``rounds`` times (default 3) and their medians count; the
suite runs once, between them. Then the series runs once more, untimed, while what each lesson's
processes hold is sampled and printed (``Footprint``): one learner's memory and CPU at each lesson,
for sizing a hub.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from course import arguments
from course.cli import NBVAL, PYTEST
from course.series import REPO, notebooks

BAR = 5.0  # the series against its floor
SUITE_BAR = 3.0  # make test against the series


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


class Footprint:
    """What each lesson's processes hold while the series runs: every process standing in the
    lesson's scratch folder and their descendants (its kernel, the commands it runs, its dev server,
    its PostgreSQL), sampled every 0.1 s. Per lesson: the peak of their memory at once (RSS,
    summed), the CPU time they used (a lower bound: a process's last 0.1 s can be missed), and the
    wall time."""

    def __init__(self, workdir: Path):
        self.workdir = str(workdir.resolve()) + os.sep
        self.peak: dict[str, float] = {}
        self.cpu: dict[str, dict[int, float]] = {}
        self.span: dict[str, list[float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._stop.wait(0.1):
            lessons: dict[psutil.Process, str] = {}  # each process of a lesson, and its descendants
            for process in psutil.process_iter(["cwd"]):
                cwd = process.info["cwd"] or ""
                lesson = cwd[len(self.workdir):].split(os.sep)[0] if cwd.startswith(self.workdir) else ""
                if lesson and not lesson.startswith("."):  # .cache: the restore snapshots, not a lesson
                    with contextlib.suppress(psutil.Error):
                        lessons.update(dict.fromkeys([process, *process.children(recursive=True)], lesson))
            held: dict[str, float] = {}
            for process, lesson in lessons.items():
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    held[lesson] = held.get(lesson, 0) + process.memory_info().rss / 2**20
                    self.cpu.setdefault(lesson, {})[process.pid] = times.user + times.system
            now = time.perf_counter()
            for lesson, megabytes in held.items():
                self.peak[lesson] = max(self.peak.get(lesson, 0), megabytes)
                self.span.setdefault(lesson, [now, now])[1] = now

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def report(self) -> str:
        lines = ["each lesson at its peak (kernel, commands, dev server, PostgreSQL; sampled every 0.1 s):",
                 f"  {'lesson':34} {'memory MB':>9} {'CPU s':>6} {'wall s':>6}"]
        for lesson in sorted(self.peak):
            first, last = self.span[lesson]
            lines.append(f"  {lesson:34} {self.peak[lesson]:9.0f} {sum(self.cpu[lesson].values()):6.1f} "
                         f"{last - first:6.1f}")
        return "\n".join(lines)


def _timed_nbval(paths: list[Path], workdir: Path, footprint: bool = False) -> float:
    meter = Footprint(workdir) if footprint else None
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *NBVAL, *map(str, paths)],
        cwd=REPO,
        env={**os.environ, "COURSE_WORKDIR": str(workdir)},
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if meter is not None:
        meter.stop()
        print(meter.report(), flush=True)
    if result.returncode != 0:
        raise SystemExit(f"nbval failed during the benchmark:\n{result.stdout[-2000:]}")
    return elapsed


def _timed_suite() -> float:
    """Wall time of the whole suite, as ``make test`` runs it in this environment."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", *PYTEST], cwd=REPO, capture_output=True,
                            text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"make test failed during the benchmark:\n{result.stdout[-3000:]}")
    return elapsed


def main(rounds: int = 3) -> tuple[float, float]:
    """Run the benchmark, print the figures, return the two ratios (series/floor, suite/series)."""
    series = notebooks()
    series_times, floor_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        floor = _one_cell_notebooks(Path(tmp), len(series))
        for r in range(rounds):
            if r == rounds // 2:
                suite = _timed_suite()
            series_times.append(_timed_nbval(series, Path(tmp) / f"work{r}"))
            floor_times.append(_timed_nbval(floor, Path(tmp) / "floorwork"))
        _timed_nbval(series, Path(tmp) / "footprint", footprint=True)  # once more, sampled, not timed
    s, f = statistics.median(series_times), statistics.median(floor_times)
    print(f"series ({len(series)} notebooks, fresh scratch folder): {s:.1f} s  (median of {rounds})")
    print(f"floor  ({len(series)} one-cell notebooks):            {f:.1f} s  (median of {rounds})")
    print(f"suite  (make test, {' '.join(PYTEST)}):       {suite:.1f} s")
    print(f"series / floor: {s / f:.2f}  (bar: at most {BAR:g})")
    print(f"suite / series: {suite / s:.2f}  (bar: at most {SUITE_BAR:g})")
    return s / f, suite / s


if __name__ == "__main__":
    notebook_ratio, suite_ratio = main(arguments.parser("course.bench", __doc__).parse_args().rounds)
    sys.exit(0 if notebook_ratio <= BAR and suite_ratio <= SUITE_BAR else 1)

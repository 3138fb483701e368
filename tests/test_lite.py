"""The browser edition (``make site``'s JupyterLite, ``build/site/lite/``) in headless Chromium.

The site is built as ``make site`` builds it, with the network refused (``unshare -rn``), from what
``make site-deps`` fetched (``make test-browser`` fetches it first), and served on 127.0.0.1. Each
lesson that runs in the browser is opened by its page's "Run it in your browser" link, as a learner
opens it: Run All on the untouched copy stops at the first check, which says the answer is still
the stub; with every exercise given its worked solution, saved and the page reloaded (a fresh
kernel, the copy kept in the browser's storage), Run All runs to the end and every output matches
the committed notebook's, strictly, but for the cells ``DIFFERS`` lists with the reason. No request
leaves 127.0.0.1. A copy downloaded from the browser is graded by ``make grade``'s code like any.
The time to the first output and each Run All are printed at the end.
"""

from __future__ import annotations

import csv
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

from course import grade, lessonformat, series, site
from course.exercises.judges import RIGHT
from course.lessonformat import CHECK, COURSE, EXERCISE, ON_STUB, SOLUTION
from course.series import notebooks, tags

pytestmark = pytest.mark.browser
READY = [path for path in notebooks() if not lessonformat.own(path).get(lessonformat.LOCAL_ONLY)]
# Cells whose outputs the browser must make differ from the committed ones (lesson by name, cell
# id), and why: at most a few.
DIFFERS = {
    ("routing_guard", "c17a"): "runserver starts a server: the cell says the browser cannot",
    ("routing_guard", "c17b"): "runserver starts a server: the cell says the browser cannot",
}
HANDED_IN = series.lesson("split_settings")  # the lesson downloaded and graded
KERNEL_WAIT = 120_000  # ms: Pyodide and Django load in about 15 s, more on a busy machine
RUN_ALL_WAIT = 300_000  # ms: a lesson's Run All takes seconds to a minute there
TIMINGS: list[str] = []


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The site, built offline as ``make site`` builds it, served on 127.0.0.1: its address."""
    folder = tmp_path_factory.mktemp("site") / "site"
    offline = ["unshare", "-rn"] if shutil.which("unshare") and sys.platform.startswith("linux") else []
    started = time.monotonic()
    built = subprocess.run([*offline, sys.executable, "-m", "course.site", str(folder)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    TIMINGS.append(f"make site{' (no network)' if offline else ''}: {time.monotonic() - started:.1f} s; "
                   f"the browser edition holds {_megabytes(folder / site.LITE)} MB")
    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _megabytes(folder: Path) -> int:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6)


@pytest.fixture(scope="module", autouse=True)
def report(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter and capture and TIMINGS:
        with capture.global_and_fixture_disabled():  # shown, not captured as the last test's teardown
            reporter.write_sep("-", "the browser edition, measured")
            for line in TIMINGS:
                reporter.write_line(line)


@pytest.fixture
def lite(browser, served):
    """A fresh browser context (empty storage) whose requests may only go to the local server; the
    requests that tried to leave it, checked empty at the end."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    left = []

    def only_local(route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    yield context, served
    context.close()
    assert not left, f"requests left the local server: {left[:5]}"


def open_lesson(page, base: str, lesson: Path) -> float:
    """Open ``lesson`` by its page's "Run it in your browser" link; return the seconds until the
    kernel printed its first output."""
    page.goto(f"{base}/{lesson.stem}.html")
    with page.context.expect_page() as opened:
        page.locator("a.course-run").click()
    lab = opened.value
    started = time.monotonic()
    lab.wait_for_function("name => window.jupyterapp?.shell.currentWidget?.context?.isReady && "
                          "window.jupyterapp.shell.currentWidget.context.path === name",
                          arg=lesson.name, timeout=KERNEL_WAIT)
    assert kernel_says(lab, "print('ready')") == "ready\n"
    return lab, time.monotonic() - started


def kernel_says(lab, code: str) -> str:
    """What the notebook's kernel prints running ``code`` (waiting until it is ready)."""
    return lab.evaluate("""async code => {
        const panel = window.jupyterapp.shell.currentWidget;
        await panel.sessionContext.ready;
        const future = panel.sessionContext.session.kernel.requestExecute({code});
        const out = [];
        future.onIOPub = msg => { if (msg.header.msg_type === 'stream') out.push(msg.content.text); };
        await future.done;
        return out.join('');
    }""", code)


def run_all(lab) -> tuple[bool, dict, float]:
    """Run every code cell in turn, as a learner does with Shift+Enter (*Run › Run All Cells* would stop
    at a cell that fails on purpose): until one fails that is not tagged ``raises-exception``. Return
    whether all ran, the notebook as JupyterLite holds it, and the seconds it took."""
    started = time.monotonic()
    ended = lab.evaluate("""async () => {
        const app = window.jupyterapp, notebook = app.shell.currentWidget.content;
        for (let i = 0; i < notebook.widgets.length; i++) {
            const cell = notebook.widgets[i];
            if (cell.model.type !== 'code') continue;
            notebook.activeCellIndex = i;
            await app.commands.execute('notebook:run-cell');
            const failed = cell.model.toJSON().outputs.some(o => o.output_type === 'error');
            if (failed && !(cell.model.getMetadata('tags') || []).includes('raises-exception')) return false;
        }
        return true;
    }""")
    took = time.monotonic() - started
    return ended, lab.evaluate("window.jupyterapp.shell.currentWidget.content.model.toJSON()"), took


def comparable(outputs: list) -> list:
    """Outputs as nbval compares them: streams joined by name, each result's data (not images), and
    an error's name and message (its traceback differs between Pythons)."""
    shown = []
    for output in outputs:
        kind = output["output_type"]
        if kind == "stream":
            text = "".join(output["text"])
            if shown and shown[-1][:2] == ("stream", output["name"]):
                shown[-1] = ("stream", output["name"], shown[-1][2] + text)
            else:
                shown.append(("stream", output["name"], text))
        elif kind in ("execute_result", "display_data"):
            data = output["data"].items()
            shown.append(("data", {mime: "".join(value) if isinstance(value, list) else without_nulls(value)
                                   for mime, value in data if not mime.startswith("image/")}))
        elif kind == "error":  # Pyodide's kernel names the error by its class's repr: <class 'x.Name'>
            shown.append(("error", output["ename"].removesuffix("'>").rpartition(".")[2].rpartition("'")[2],
                          output["evalue"]))
    return shown


def failed(ran: dict) -> str:
    """The first cell of ``ran`` that failed, and its error."""
    for cell in ran["cells"]:
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                return f"{cell['id']} {''.join(cell['source'])[:80]!r}: {output['ename']}: {output['evalue']}"
    return "no cell"


def without_nulls(value):
    """A JSON output without its null values, which JupyterLite's notebook model drops (a check's
    result lists each answer compared, None included)."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    return value


def differences(lesson: Path, ran: dict) -> dict[str, str]:
    """The code cells of ``ran`` whose outputs differ from the committed ones of ``lesson``, by id."""
    cells = nbformat.read(lesson, as_version=4).cells
    committed = {cell.id: cell for cell in cells if cell.cell_type == "code"}
    found = {}
    for cell in ran["cells"]:
        if cell["cell_type"] != "code" or cell["id"] not in committed:
            continue
        source = "".join(cell["source"])
        if source.startswith("# NBVAL_IGNORE_OUTPUT"):
            continue
        want, got = comparable(committed[cell["id"]].outputs), comparable(cell["outputs"])
        if want != got:
            found[cell["id"]] = f"committed {want!r:.3000}\n  browser {got!r:.3000}"
    return found


@pytest.mark.parametrize("lesson", READY, ids=lambda p: p.stem)
def test_a_lesson_runs_in_the_browser_as_it_ran_here(lite, lesson):
    context, base = lite
    lab, first = open_lesson(context.new_page(), base, lesson)
    solved = nbformat.read(lesson, as_version=4)
    checks = [cell for cell in solved.cells if CHECK in tags(cell)]
    ended, stub_run, stub_took = run_all(lab)
    if checks:  # the untouched copy: Run All stops at the first check, which says it is the stub
        assert not ended, f"{lesson.name}: Run All went past an untouched exercise"
        stopped = next(cell for cell in stub_run["cells"] if cell["id"] == checks[0].id)
        said = " ".join("".join(o.get("text", "") + o.get("evalue", "") for o in stopped["outputs"]).split())
        assert checks[0].metadata[COURSE][ON_STUB] in said, f"{lesson.name}: stopped at {failed(stub_run)}"
    answers = {cell.id: cell.source for cell in solved.cells if SOLUTION in tags(cell)}
    lab.evaluate("""answers => {
        for (const cell of window.jupyterapp.shell.currentWidget.content.model.cells) {
            if (cell.id in answers) cell.sharedModel.setSource(answers[cell.id]);
        }
    }""", answers)
    lab.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    lab.reload()  # a fresh kernel; the copy, with the answers, from the browser's storage
    lab.wait_for_function("window.jupyterapp?.shell.currentWidget?.context?.isReady", timeout=KERNEL_WAIT)
    assert kernel_says(lab, "print('ready')") == "ready\n"
    ended, ran, took = run_all(lab)
    exercises = [cell for cell in ran["cells"] if EXERCISE in cell["metadata"].get("tags", [])]
    assert ["".join(cell["source"]) for cell in exercises] == [answers[cell["id"]] for cell in exercises]
    assert ended, f"{lesson.name}: Run All with the worked solutions stopped: {differences(lesson, ran)}"
    expected = {cell: why for (name, cell), why in DIFFERS.items() if name == lesson.stem[3:]}
    found = differences(lesson, ran)
    assert found.keys() == expected.keys(), "\n".join(f"{lesson.stem} {cell}: {what}" for cell, what in
                                                       found.items() if cell not in expected) or found
    TIMINGS.append(f"{lesson.stem}: first output {first:.1f} s after the page opened; Run All "
                   f"{stub_took:.1f} s (the copy, to its first check), {took:.1f} s (solved)")
    if lesson == HANDED_IN:  # downloaded, then graded as a local copy
        handed_in_and_graded(lab, lesson)
    lab.close()


def handed_in_and_graded(lab, lesson: Path) -> None:
    """Download the solved copy as a learner does (File › Download) and grade it."""
    lab.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    with lab.expect_download() as download:
        lab.evaluate("window.jupyterapp.commands.execute('docmanager:download')")
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"course-lite-grade-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "ada").mkdir(parents=True)
    download.value.save_as(folder / "ada" / download.value.suggested_filename)
    try:
        grade.grade(folder, timeout=300, jobs=1, chosen=[lesson.stem[:2]], say=lambda line: None)
        with open(folder / "grades.csv", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        assert rows and all(row["passed"] == "yes" and row["message"].startswith(RIGHT) for row in rows), rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


LOCAL_ONLY = [path for path in notebooks() if lessonformat.own(path).get(lessonformat.LOCAL_ONLY)]


def test_a_lesson_that_starts_a_server_says_so_in_its_first_cell_with_the_way_to_install(lite):
    context, base = lite
    lesson = LOCAL_ONLY[0]
    lab = context.new_page()
    lab.goto(f"{base}/{site.LITE}/{site.lite_path(lesson.name)}")
    lab.wait_for_function("window.jupyterapp?.shell.currentWidget?.context?.isReady", timeout=KERNEL_WAIT)
    assert kernel_says(lab, "print('ready')") == "ready\n"
    ended, ran, _ = run_all(lab)
    assert not ended
    first = next(cell for cell in ran["cells"] if cell["cell_type"] == "code")
    link, error = first["outputs"]
    assert f'{base}/about.html"' in "".join(link["data"]["text/html"])
    assert comparable([error]) == [("error", "NotInBrowser", (
        f"This starts {lessonformat.own(lesson)[lessonformat.LOCAL_ONLY]}, as this lesson does, which the "
        "browser edition cannot: do it in the course installed on your machine (How to start, linked "
        "above)."))]
    assert error["traceback"] == [f"NotInBrowser: {error['evalue']}"]  # one line, no frames
    shown = lab.locator(".jp-OutputArea-output a", has_text="How to start").first
    assert shown.get_attribute("href") == f"{base}/about.html"  # as drawn: JupyterLab left it alone
    with context.expect_page() as opened:
        shown.click()
    opened.value.wait_for_load_state()
    assert opened.value.locator("h1, h2", has_text="In your browser").count() == 1  # How to start

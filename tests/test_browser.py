"""The learner's walkthrough in a real JupyterLab, driven in headless Chromium (``make test-browser``).

JupyterLab is started by ``make lab`` itself, typed in a throwaway copy of the course (with the
environment linked), so that nothing of the repository or of a learner's own ``student/`` is
touched. For every copy: its navigation bar holds real links, "next" opens the next notebook
and "Contents" the rendered index; Restart Kernel and Run All leaves no dev server or PostgreSQL
running (Run All stops at the first exercise the copy leaves to the learner), and where it stopped
is in view: the check's red message, which says the answer is still the stub, wrapped at words in a
narrow window; what happened after that check folded and closed, and a double-click on a folded
block leaves it folded. The web edition
(``make site``), opened from its files: diagrams drawn, every link opens, nothing loaded from the
network. Needs Chromium
(Debian's ``chromium`` package, or set CHROMIUM to its path) and the ``browser`` extra (Playwright).
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import psutil
import pytest
from conftest import LAB_TOKEN, copy_of_the_course, documented_lab

from course import cli, series
from course.lessonformat import CHECK, COURSE, ON_STUB
from course.series import notebooks, tags
from course.student import OUTCOME_SUMMARY

pytestmark = pytest.mark.browser
SERIES = notebooks()


def course_processes(folder: Path) -> list[str]:
    """Processes started in ``folder`` or naming it: dev servers, PostgreSQL, their guards."""
    found = []
    for process in psutil.process_iter():
        try:
            args, cwd = process.cmdline(), process.cwd()
        except (psutil.Error, OSError):
            continue
        if args and ("runserver" in args or any("postgres" in a for a in args[:1])) and (
                cwd.startswith(str(folder)) or str(folder) in " ".join(args)):
            found.append(" ".join(args))
    return found


def git_status_of(folder: Path) -> str:
    status = ["git", "status", "--porcelain"]
    return subprocess.run(status, cwd=folder, capture_output=True, text=True).stdout


def git_status() -> str:
    return git_status_of(cli.REPO)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab`, typed in a throwaway copy of the course: the page it opens, and the copy."""
    root = copy_of_the_course(tmp_path_factory.mktemp("lab") / "course")
    before = git_status()
    with documented_lab(root, "make lab") as opened:
        yield opened.split("/lab")[0], root
    assert git_status() == before, "the walkthrough changed files of the repository"
    deadline = time.monotonic() + 30  # the kernels shut down with the server, each stopping its servers
    while course_processes(root) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not course_processes(root), "a process of the course outlived JupyterLab"


@pytest.fixture(scope="module")
def page(lab, browser):
    return browser.new_page(viewport={"width": 1400, "height": 1000})


def open_notebook(page, base: str, name: str):
    page.goto(f"{base}/lab/tree/{name}?token={LAB_TOKEN}&reset")  # reset: only this notebook open
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".jp-RenderedMarkdown a", has_text="Contents").first.wait_for(timeout=120000)
    return panel


def current_tab(page) -> str:
    return page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").first.inner_text().strip()


@pytest.mark.parametrize("index", range(len(SERIES)), ids=[p.stem for p in SERIES])
def test_navigation_bar_links_open_the_next_notebook_and_the_rendered_index(lab, page, index):
    base, _ = lab
    panel = open_notebook(page, base, SERIES[index].name)
    first = panel.locator(".jp-RenderedMarkdown").first
    first.locator("a", has_text="Contents").wait_for(timeout=30000)
    if index + 1 < len(SERIES):
        first.locator("a", has_text="→").click()
        page.wait_for_function(
            "name => [...document.querySelectorAll('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current')]"
            ".some(t => t.innerText.includes(name))", arg=SERIES[index + 1].name, timeout=30000)
        panel = open_notebook(page, base, SERIES[index].name)
        first = panel.locator(".jp-RenderedMarkdown").first
    first.locator("a", has_text="Contents").click()
    page.locator(".jp-MarkdownViewer:not(.lm-mod-hidden) .jp-RenderedMarkdown table").wait_for(timeout=30000)
    assert current_tab(page).startswith("README.md")
    assert page.locator("text=Would you like to get notified").count() == 0, "the news toast is back"


@pytest.mark.parametrize("notebook", SERIES, ids=lambda p: p.stem)
def test_restart_and_run_all_on_a_learner_copy_leaves_nothing_running(lab, page, notebook):
    base, root = lab
    restart_and_run_all(page, base, notebook.name)
    deadline = time.monotonic() + 20
    while course_processes(root) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not course_processes(root), f"left running after Run All: {course_processes(root)}"
    where_run_all_stopped(page, root / "student" / notebook.name, notebook)


# The words of a box's text that the browser drew over more than one line (split inside the word)
# although they fit on one, and how many lines the text takes. A hyphen ends a word: browsers break
# lines after one ("(--" and "database=…)"), as typesetting does.
SPLIT_WORDS = """box => {
  const split = [], lines = new Set(), pre = box.querySelector("pre") || box, nodes = [];
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
  const probe = pre.appendChild(document.createElement("span"));
  probe.style.whiteSpace = "nowrap";
  const fits = word => {
    probe.textContent = word;
    return probe.getBoundingClientRect().width <= pre.clientWidth;
  };
  for (const node of nodes) {
    for (const word of node.data.matchAll(/[^\\s-]*-+|[^\\s-]+/g)) {  // a line may break after a hyphen
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      tops.forEach(top => lines.add(top));
      if (tops.size > 1 && fits(word[0])) split.push(word[0]);
    }
  }
  probe.remove();
  return {split, lines: lines.size};
}"""


def where_run_all_stopped(page, copy_path: Path, lesson: Path) -> None:
    """After Restart and Run All on the learner's copy ``copy_path`` of ``lesson``: the first check's
    red message is in view and says the answer is still the stub (its ``course.on_stub``); in a narrow
    window it wraps at words; what happened after that check is folded and closed; a double-click on
    its folded worked solution, or on that outcome, leaves it folded."""
    copy = nbformat.read(copy_path, as_version=4)
    checks = [i for i, cell in enumerate(copy.cells) if CHECK in tags(cell)]
    if not checks:
        return  # a lesson without exercises: Run All ran to the end
    first = copy.cells[checks[0]]
    on_stub = next(c for c in nbformat.read(lesson, as_version=4).cells if c.get("id") == first.id
                   ).metadata[COURSE][ON_STUB]
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    cell = panel.locator(f'.jp-Cell[data-windowed-list-index="{checks[0]}"]')
    red = cell.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    red.wait_for(timeout=10000)
    page.wait_for_timeout(1500)  # the check's cell scrolls itself into view once drawn
    box, height = red.bounding_box(), page.viewport_size["height"]
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, f"{lesson.name}: its red box is out of view"
    said = " ".join(red.inner_text().split())
    assert on_stub in said, f"{lesson.name}: the untouched stub's check said {said!r}"
    until = (checks[1:] or [len(copy.cells)])[0]  # the cells after the first check, up to the next one
    folded = [i for i in range(checks[0] + 1, until) if copy.cells[i].id == f"{first.id}-solution"
              or copy.cells[i].source.startswith(f"<details><summary>{OUTCOME_SUMMARY}")]
    assert folded, f"{lesson.name}: the first check has no folded solution"
    for index in folded:
        block = panel.locator(f'.jp-Cell[data-windowed-list-index="{index}"]')
        block.scroll_into_view_if_needed()
        details = block.locator("details")
        assert details.count() == 1 and details.get_attribute("open") is None, f"{lesson.name}: shown open"
        block.locator(".jp-RenderedMarkdown").dblclick()
        page.wait_for_timeout(500)
        assert block.locator(".jp-RenderedMarkdown").is_visible(), f"{lesson.name}: a double-click opened it"
        assert not block.locator(".jp-InputArea-editor").is_visible(), f"{lesson.name}: its source is shown"
        assert details.get_attribute("open") is None and not details.locator("p, pre").first.is_visible()
    size = page.viewport_size
    page.set_viewport_size({"width": 640, "height": size["height"]})  # a narrow window: the message wraps
    try:
        red.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        drawn = red.evaluate(SPLIT_WORDS)
    finally:
        page.set_viewport_size(size)
    assert drawn["lines"] > 1 and drawn["split"] == [], f"{lesson.name}: words split in the message: {drawn}"
    assert re.search(r"\b(stub|still)\b", on_stub), f"{lesson.name}: {on_stub!r} says nothing of the stub"


def restart_and_run_all(page, base: str, name: str) -> None:
    """Open the notebook ``name`` alone, with no kernel left from the tests before (the session
    manager may be shutting one down as the page connects to it), then Run › Restart Kernel and
    Run All Cells, and wait until it ends (or stops at the first exercise left to the learner).

    Once more if the page lost Run All: jupyter_server sometimes fails to read a message the page
    sends as the restarted kernel connects ("Uncaught exception … deserialize_binary_message" in
    its log); the kernel then idles while the page waits. A kernel busy for 300 s still fails."""
    for _attempt in range(2):
        no_kernels(page, base)
        open_notebook(page, base, name)
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=120000)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click(timeout=30000)
        page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel and Run All Cells…").click()
        page.locator(".jp-Dialog-button.jp-mod-accept").click()
        indicator = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator")
        try:  # restarting, then busy until Run All ends or stops at the first exercise left to do
            indicator.and_(page.locator("[data-status='busy']")).wait_for(timeout=30000)
        except Exception:
            pass  # already done
        if _idle_or_lost(page, base, name, indicator):
            return
    raise AssertionError(f"Run All of {name} was lost twice: the kernel idles, the page waits")


def _idle_or_lost(page, base: str, name: str, indicator, timeout: float = 300) -> bool:
    """Wait until the page shows the kernel idle (True); False if the server's kernel has been idle
    for 20 s while the page still waits (the page lost Run All); fail after ``timeout`` seconds."""
    idle = indicator.and_(page.locator("[data-status='idle']"))
    deadline, server_idle_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            idle.wait_for(timeout=5000)
            return True
        except Exception:
            pass
        states = {s["path"]: s["kernel"]["execution_state"] for s in api(page, base, "sessions")}
        if states.get(name) != "idle":
            server_idle_since = None
        elif server_idle_since is None:
            server_idle_since = time.monotonic()
        elif time.monotonic() - server_idle_since > 20:
            return False
    raise AssertionError(f"Run All of {name} did not end within {timeout:g} s")


def test_after_a_walk_along_every_navigation_bar_at_most_two_kernels_run(lab, page):
    """Each navigation link opens a lesson in a new tab, with a kernel; JupyterLab keeps the
    kernels of the lesson in front and of the one before it, and shuts down the others (a few
    seconds later: no dialog on the way)."""
    base, _ = lab
    no_kernels(page, base)
    open_notebook(page, base, SERIES[0].name)
    for lesson in SERIES[1:]:
        current = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        current.locator(".jp-RenderedMarkdown a", has_text="→").first.click()
        page.wait_for_function(
            "name => [...document.querySelectorAll('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current')]"
            ".some(t => t.innerText.includes(name))", arg=lesson.name, timeout=30000)
    deadline, running = time.monotonic() + 90, []
    while running != [SERIES[-2].name, SERIES[-1].name] and time.monotonic() < deadline:
        page.wait_for_timeout(1000)  # the others are shut down once the last tab has settled
        running = sorted(s["path"] for s in api(page, base, "sessions"))
    assert running == [SERIES[-2].name, SERIES[-1].name], api(page, base, "sessions")
    assert len(api(page, base, "kernels")) == 2
    assert page.locator(".jp-Dialog").count() == 0, page.locator(".jp-Dialog").first.inner_text()


def no_kernels(page, base: str) -> None:
    """Shut down every notebook's kernel left by the tests before, through JupyterLab's server."""
    for session in api(page, base, "sessions") if page.url.startswith(base) else []:
        page.evaluate("url => fetch(url, {method: 'DELETE'})",
                      f"{base}/api/sessions/{session['id']}?token={LAB_TOKEN}")


def api(page, base: str, name: str) -> list[dict]:
    """What JupyterLab's server answers at ``/api/NAME``, asked from the page (it has the token)."""
    return page.evaluate("url => fetch(url).then(r => r.json())", f"{base}/api/{name}?token={LAB_TOKEN}")


# Everything a terminal printed since it started, read in the page over JupyterLab's own websocket
# (the terminal draws on a canvas): a second client of a terminal is sent its history first.
TERMINAL_TEXT = """([url, wait]) => new Promise(resolve => {
  let text = "";
  const socket = new WebSocket(url);
  socket.onmessage = event => {
    const [kind, data] = JSON.parse(event.data);
    if (kind === "stdout") text += data;
  };
  setTimeout(() => { socket.close(); resolve(text); }, wait);
})"""


def typed_in_a_terminal(page, base: str, lines: list[str], expected: str) -> str:
    """Open File › New › Terminal in JupyterLab, type ``lines`` there, and return what the terminal
    printed once ``expected`` appears (or after a minute)."""
    page.locator(".lm-MenuBar-itemLabel", has_text="File").click()
    page.locator(".lm-Menu-itemLabel", has_text="New").first.hover()
    page.locator(".lm-Menu-itemLabel", has_text="Terminal").click()
    terminal = page.locator(".jp-Terminal:not(.lm-mod-hidden)").first
    terminal.wait_for(timeout=30000)
    page.wait_for_timeout(1000)  # the shell's first prompt
    terminal.click()
    for line in lines:
        page.keyboard.type(line + "\n")
    name = api(page, base, "terminals")[-1]["name"]
    socket = f"{base.replace('http', 'ws', 1)}/terminals/websocket/{name}?token={LAB_TOKEN}"
    deadline, text = time.monotonic() + 60, ""
    while expected not in text and time.monotonic() < deadline:
        text = page.evaluate(TERMINAL_TEXT, [socket, 2000])
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def terminal_recipe() -> list[str]:
    """The commands 01 tells the learner to type in JupyterLab's terminal, as the page shows them."""
    nb = nbformat.read(SERIES[0], as_version=4)
    block = next(c.source for c in nb.cells if c.cell_type == "markdown" and "```console" in c.source)
    console = block.split("```console")[1].split("```")[0]
    return [line.removeprefix("$ ") for line in console.splitlines() if line.startswith("$ ")]


def test_the_terminal_recipe_of_01_works_as_typed_in_jupyterlabs_terminal(lab, page):
    """01 says: open a terminal, cd to the lesson's project, activate the course's environment and
    run manage.py. Typed as shown, in the terminal of the JupyterLab that make lab opened."""
    base, root = lab
    restart_and_run_all(page, base, SERIES[0].name)  # the lesson's project, as the learner has it
    recipe = terminal_recipe()
    assert recipe[0].startswith("cd ") and "activate" in recipe[1] and "manage.py" in recipe[2], recipe
    text = typed_in_a_terminal(page, base, recipe, "0001_initial")
    assert "[X] 0001_initial" in text, text
    assert "No such file" not in text and "not found" not in text, text
def test_the_terminal_recipe_of_01_works_as_typed_in_the_teachers_jupyterlab_too(browser, tmp_path):
    """make lab-solutions serves the whole course and opens notebooks/01: its terminal starts in
    notebooks/, so the same cd line leads to the same project."""
    root = copy_of_the_course(tmp_path / "course")
    with documented_lab(root, "make lab-solutions") as opened, browser.new_context() as context:
        base, page = opened.split("/lab")[0], context.new_page()
        restart_and_run_all(page, base, f"notebooks/{SERIES[0].name}")
        text = typed_in_a_terminal(page, base, terminal_recipe(), "0001_initial")
    assert "[X] 0001_initial" in text, text
    assert git_status_of(root) == "", "the teacher's walk changed files of the course"


# What does not fit a phone's width: the page scrolling sideways, text wider than the screen, or a
# wide output, input or diagram that cannot be scrolled inside its box.
PHONE_LAYOUT = """() => {
  const width = document.documentElement.clientWidth, wrong = [];
  if (document.documentElement.scrollWidth > width) wrong.push("the page scrolls sideways");
  for (const text of document.querySelectorAll(".jp-RenderedMarkdown > p, .jp-RenderedMarkdown li")) {
    if (text.getBoundingClientRect().width > width) wrong.push("text: " + text.textContent.slice(0, 50));
  }
  for (const word of document.querySelectorAll(".jp-RenderedMarkdown :is(p, li, h1, h2, h3) > *")) {
    const right = word.closest(".jp-RenderedMarkdown").getBoundingClientRect().right;
    if (word.getBoundingClientRect().right > right + 2) wrong.push("cut: " + word.textContent.slice(0, 40));
  }
  for (const box of document.querySelectorAll(
      ".jp-OutputArea-output, .jp-InputArea-editor, .jp-RenderedMermaid, .jp-RenderedMarkdown pre")) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.scrollLeft = 40;
      if (box.scrollLeft === 0) wrong.push("cannot scroll: " + box.textContent.trim().slice(0, 50));
      box.scrollLeft = 0;
    }
  }
  return wrong;
}"""


def test_the_web_edition_draws_diagrams_opens_every_link_loads_nothing_from_the_network(browser, tmp_path):
    """The site of ``make site``, opened from the files as a reader double-clicks index.html, on a
    desktop's screen and on a phone's."""
    from course import site

    folder = tmp_path / "site"
    site.build(folder)  # its pages, and the files they link to
    outside, failed, errors, targets, drawn = [], [], [], {}, 0
    with browser.new_context(viewport={"width": 1300, "height": 900}) as context:
        page = context.new_page()
        page.on("request", lambda r: r.url.startswith(("file:", "data:")) or outside.append(r.url))
        page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        for name in site.site_map().values():
            page.goto((folder / name).as_uri())
            diagrams = page.locator(".jp-Mermaid")
            for i in range(diagrams.count()):  # drawn by Mermaid as an image, not shown as an error
                diagrams.nth(i).evaluate("d => d.closest('details') && (d.closest('details').open = true)")
                image = diagrams.nth(i).locator("figure img")  # (a fold opened: what happened after a check)
                image.wait_for(timeout=15000)
                assert "jp-mod-warning" not in diagrams.nth(i).get_attribute("class"), name
                width = image.evaluate("i => i.decode().then(() => i.getBoundingClientRect().width)")
                assert width > 200, f"{name}: a diagram drawn {width} pixels wide"
                assert image.get_attribute("alt"), f"{name}: a diagram has no alternative text"
                drawn += 1
            for url in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
                if url.startswith("file:") and f"/{site.LITE}/" not in url:  # the browser edition: test_lite
                    path, _, fragment = url.partition("#")
                    targets.setdefault(path, set()).update([fragment] if fragment else [])
        assert drawn >= 2
        for path, fragments in sorted(targets.items()):
            if not path.endswith(".html"):  # a notebook file to download
                assert Path(unquote(urlparse(path).path)).is_file(), path
                continue
            page.goto(path)  # raises if the file is not there
            ids = set(page.eval_on_selector_all("[id]", "tags => tags.map(t => t.id)"))
            missing = [f for f in fragments if f not in ids and unquote(f) not in ids]
            assert not missing, f"{path} has no anchor {missing}"
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: text fits, wide things scroll
        for name in site.site_map().values():
            page.goto((folder / name).as_uri())
            assert page.evaluate(PHONE_LAYOUT) == [], f"{name} on a phone"
        page.set_viewport_size({"width": 1300, "height": 900})
        page.goto((folder / f"{series.lesson('routers').stem}.html").as_uri())
        solution = page.locator("details", has_text="Show a worked solution").first
        code = solution.locator("pre").first
        assert not code.is_visible(), "a worked solution is shown before it is asked for"
        solution.locator("summary").click()
        assert code.is_visible() and solution.get_by_text("✓ Correct").is_visible()  # and what its check said
    assert not outside, f"the site loaded from the network: {outside}"
    assert not failed and not errors, failed + errors
    assert len(targets) > len(site.site_map())  # the pages, and the notebook files they link


def test_the_web_edition_folds_what_happened_after_a_check_and_wraps_messages_at_words(browser, tmp_path):
    """Every lesson's page, opened from its file in a window a little wider than a phone's: what
    happened after each check is folded and closed, and every error message wraps at words
    (nbconvert's style breaks lines inside words)."""
    from course import site

    folder = tmp_path / "site"
    site.build(folder)
    folded, drawn = 0, {}
    with browser.new_context(viewport={"width": 720, "height": 900}) as context:
        page = context.new_page()
        for lesson in SERIES:
            page.goto((folder / f"{lesson.stem}.html").as_uri())
            outcomes = page.locator("details", has_text=OUTCOME_SUMMARY)
            for i in range(outcomes.count()):
                assert outcomes.nth(i).get_attribute("open") is None, lesson.name
                assert not outcomes.nth(i).locator("p, pre, ul").first.is_visible(), f"{lesson.name}: shown"
                folded += 1
            errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            drawn[lesson.name] = [errors.nth(i).evaluate(SPLIT_WORDS) for i in range(errors.count())]
    assert folded >= len(SERIES), "what happened after the checks is folded"
    assert any(d["lines"] > 1 for found in drawn.values() for d in found), "no error message long enough"
    split = {name: [d["split"] for d in found if d["split"]] for name, found in drawn.items()}
    assert not any(split.values()), f"words split in error messages: {split}"

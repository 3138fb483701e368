"""The web edition (``make site``): built offline, every page there, every link and anchor resolving.

The site is built once, with every network connection of this process refused, and then read with
Beautiful Soup: pages, links, anchors, diagrams, collapsed solutions, the notebook files each lesson
links to. ``tests/test_browser.py`` opens it in Chromium (``make test-browser``): diagrams drawn,
nothing loaded from the network.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import socket
import subprocess
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
from bs4 import BeautifulSoup

from course import lessonformat, lite, series, site
from course.lessonformat import CHECK, COURSE, SOLUTION, STUB
from course.series import REPO, notebooks, tags
from course.student import OUTCOME_SUMMARY, SOLUTION_SUMMARY, split_at_heading, student_copy

LESSONS = notebooks()
ROUTERS = f"notebooks/{series.lesson('routers').name}"  # a lesson's source, as the site map names it
NEXT = series.lesson("migrating_each_alias").stem  # the lesson after it
EXTERNAL = re.compile(r"^(https?|mailto):")
INLINE = re.compile(r"^data:")  # the favicon: none, so that a browser asks no server for one


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The site, built while the building process may open no network connection; once a session:
    under pytest-xdist the first worker to ask builds it where the workers share files, the others
    wait for it (a build is seconds of CPU that the suite's other tests need)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "site"
    try:
        (shared / "site.claimed").touch(exist_ok=False)  # atomic: one worker wins
    except FileExistsError:
        deadline = time.monotonic() + 120
        while not (folder / site.MANIFEST).is_file():  # written last
            assert time.monotonic() < deadline, "the worker that builds the site failed: see its error"
            time.sleep(0.2)
        return folder
    attempts = []

    def refuse(sock, address, *args):
        attempts.append(address)
        raise OSError(f"the site's build tried to connect to {address}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        pages, kept = site.build(folder)
    assert not attempts, f"building the site opened connections: {attempts}"
    assert pages == list(site.site_map().values()) and kept == []
    return folder


@functools.cache
def soup(folder: Path, page: str) -> BeautifulSoup:
    """A built page, parsed (once: the tests only read it)."""
    return BeautifulSoup((folder / page).read_text(encoding="utf-8"), "html.parser")


@pytest.mark.slow
def test_a_page_for_every_lesson_and_guide_and_the_project(built):
    pages = sorted(p.name for p in built.glob("*.html"))
    expected = [f"{p.stem}.html" for p in LESSONS] + ["about.html", "changelog.html", "contributing.html",
                                                      "index.html", "license.html", "project.html",
                                                      "teaching.html"]
    assert pages == sorted(expected)
    index = soup(built, "index.html")
    assert [a["href"] for a in index.select("table a")] == [f"{p.stem}.html" for p in LESSONS]
    tracked = subprocess.run(["git", "ls-files", "project"], cwd=REPO, capture_output=True, text=True).stdout
    assert [h2["id"] for h2 in soup(built, "project.html").select("h2")] == sorted(tracked.split())
    for lesson in LESSONS:
        page = soup(built, f"{lesson.stem}.html")
        title = nbformat.read(lesson, as_version=4).cells[0].source.splitlines()[0].lstrip("# ")
        assert page.title.string == f"{title} · {site.COURSE}"


@pytest.mark.slow
def test_every_internal_link_and_anchor_resolves(built):
    pages = [page.name for page in built.glob("*.html")]
    ids = {page: {tag["id"] for tag in soup(built, page).select("[id]")} for page in pages}
    checked, broken = 0, []
    lite = {f"{site.LITE}/{site.lite_path(name)}" for name in [None, *(lesson.name for lesson in LESSONS)]}
    for page in sorted(ids):
        for tag in soup(built, page).select("[href], [src]"):
            target = tag.get("href") or tag.get("src")
            if EXTERNAL.match(target) or INLINE.match(target):
                continue
            if target.startswith(f"{site.LITE}/"):  # the browser edition, built next (test_lite)
                assert target in lite, f"{page}: {target}"
                continue
            path, _, fragment = target.partition("#")
            where = path or page
            if not (built / where).is_file():
                broken.append(f"{page}: {target} (no such file)")
            elif fragment and not {fragment, unquote(fragment)} & ids.get(where, set()):
                broken.append(f"{page}: {target} (no such anchor)")
            checked += 1
    assert not broken, "broken links:\n" + "\n".join(broken)
    assert checked > 300  # the navigation bars, tables of contents, headings' anchors, downloads


@pytest.mark.slow
def test_the_pages_load_nothing_from_the_network(built):
    for page in built.glob("*.html"):
        html = soup(built, page.name)
        loading = html.select("script[src], link[href], img[src], iframe")
        loaded = [t.get("src") or t.get("href") for t in loading]
        assert not [url for url in loaded if EXTERNAL.match(url or "")], page.name
        for script in html.select("script:not([src])"):
            assert not re.search(r"import\(\s*[\"']https?:", script.text), page.name


@pytest.mark.slow
def test_a_lesson_page_shows_the_student_copy_with_solutions_and_what_checks_printed_folded(built):
    for lesson in LESSONS:  # one test, not one per lesson: the workers build the site once, not each
        _shows_the_student_copy(built, lesson)


def _shows_the_student_copy(built: Path, lesson: Path) -> None:
    nb = nbformat.read(lesson, as_version=4)
    solutions = [c for c in nb.cells if SOLUTION in tags(c)]
    checks = {c.id: c for c in nb.cells if CHECK in tags(c)}
    page = soup(built, f"{lesson.stem}.html")
    inputs = [" ".join(cell.get_text().split()) for cell in page.select(".jp-CodeCell .jp-InputArea-editor")]
    collapsed = [d for d in page.select("details") if SOLUTION_SUMMARY in d.summary.get_text()]
    assert len(collapsed) == len(solutions), lesson.name
    for cell, block in zip(solutions, collapsed, strict=True):
        assert " ".join(cell.metadata[COURSE][STUB].split()) in inputs  # the exercise, to do
        folded = " ".join(block.get_text().split())
        assert " ".join(cell.source.split()) in folded  # its solution, folded
        check = block.find_parent(class_="jp-Cell")["id"].removeprefix("cell-id=").removesuffix("-solution")
        printed = "".join(o.get("text", "") for o in checks[check].outputs)
        assert printed.strip() and " ".join(printed.split()) in folded  # what its check printed, for real
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert len(inputs) == len(code_cells), lesson.name
    after = [nb.cells[i + 1] for i, c in enumerate(nb.cells[:-1]) if CHECK in tags(c)]
    outcomes = [c for c in after if c.cell_type == "markdown" and split_at_heading(c.source)[0]]
    folded = [d for d in page.select("details") if OUTCOME_SUMMARY in d.summary.get_text()]
    assert len(folded) == len(outcomes), f"{lesson.name}: what happened after a check is folded"
    assert all(not d.has_attr("open") for d in folded)


def test_output_lines_wrap_at_words_on_the_web_edition(built):
    """nbconvert's JupyterLab style breaks output lines inside words (``word-break: break-all``): the
    course's style, in every page, wraps them at words (test_browser.py sees it drawn)."""
    text = soup(built, f"{series.lesson('routers').stem}.html").decode()
    assert re.search(r"\.jp-OutputArea-output pre \{ word-break: normal; overflow-wrap: break-word; \}", text)


@pytest.mark.slow
def test_every_diagram_is_on_its_page_with_the_vendored_mermaid(built):
    drawn = 0
    for lesson in LESSONS:
        sources = [c.source for c in nbformat.read(lesson, as_version=4).cells if c.cell_type == "markdown"]
        fences = sum(source.count("```mermaid") for source in sources)
        page = soup(built, f"{lesson.stem}.html")
        assert len(page.select(".jp-Mermaid > pre.mermaid")) == fences, lesson.name
        assert bool(page.select('script[src="assets/mermaid.min.js"]')) == bool(fences), lesson.name
        drawn += fences
    assert drawn >= 2
    assert (built / "assets" / "mermaid.min.js").read_bytes() == site.MERMAID.read_bytes()


@pytest.mark.slow
def test_a_lesson_page_links_its_notebook_files_and_the_course(built):
    for lesson in LESSONS:
        banner = soup(built, f"{lesson.stem}.html").select_one("p.course-site")
        links = [(a["href"], a["download"]) for a in banner.select("a[download]")]
        assert links == [(site.COURSE_ZIP, ""), (f"student/{lesson.name}", ""),
                         (f"notebooks/{lesson.name}", lesson.name.replace(".ipynb", "-solved.ipynb"))]
        assert "To do the exercises, download the course" in banner.get_text()
        run = banner.select_one("a.course-run")  # the browser edition, where the lesson runs there
        local = lessonformat.own(lesson).get(lessonformat.LOCAL_ONLY)
        assert (run is None) == bool(local), lesson.name
        if run:
            assert run["href"] == f"{site.LITE}/lab/index.html?path={lesson.name}"
        else:
            assert f"Not in the browser: this lesson starts {local}." in banner.get_text()
        assert (built / "notebooks" / lesson.name).read_bytes() == lesson.read_bytes()
        copy = nbformat.read(built / "student" / lesson.name, as_version=4)
        assert copy == student_copy(nbformat.read(lesson, as_version=4)), lesson.name


@pytest.mark.slow
def test_the_course_to_download_holds_the_files_git_tracks_and_nothing_else(built):
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    with zipfile.ZipFile(built / site.COURSE_ZIP) as archive:
        names = archive.namelist()
        top = site.COURSE_ZIP.removesuffix(".zip")
        assert sorted(names) == sorted(f"{top}/{name}" for name in tracked if (REPO / name).is_file())
        assert archive.read(f"{top}/{ROUTERS}") == (REPO / ROUTERS).read_bytes()
    assert not [n for n in names if "/student/" in n or "/work/" in n or n.endswith(".sqlite3")]


@pytest.mark.slow
def test_a_rebuild_replaces_what_the_last_build_wrote_and_keeps_what_the_teacher_added(built, tmp_path):
    again = tmp_path / "site"
    shutil.copytree(built, again)
    (again / "index.html").write_text("an older index", encoding="utf-8")
    (again / "99_renamed_lesson.html").write_text("a page of an older build", encoding="utf-8")
    with (again / site.MANIFEST).open("a", encoding="utf-8") as manifest:
        manifest.write("99_renamed_lesson.html\n../outside.txt\n")  # a manifest never reaches outside
    (tmp_path / "outside.txt").write_text("not the site's", encoding="utf-8")
    (again / "CNAME").write_text("course.example.org", encoding="utf-8")  # GitHub Pages' custom domain
    files = {p.relative_to(built).as_posix(): p.read_bytes() for p in built.rglob("*")
             if p.is_file() and p.name != site.MANIFEST}
    assert site._write(again, files) == ["CNAME"]
    assert sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file() and p.name != "CNAME") == (
        sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file()))
    assert (again / "index.html").read_bytes() == (built / "index.html").read_bytes()
    assert (tmp_path / "outside.txt").is_file()


@pytest.mark.slow
def test_the_same_files_build_the_same_site(built):
    assert site._course_zip() == (built / site.COURSE_ZIP).read_bytes()  # no date, nothing random
    known = {f"cell-id={c.id}" for p in LESSONS for c in student_copy(nbformat.read(p, 4)).cells}
    for page in built.glob("*.html"):  # every cell keeps its notebook's id, none is made up
        cells = {cell["id"] for cell in soup(built, page.name).select(".jp-Cell[id]")}
        assert cells <= known | {"cell-id=document"}, page.name


def test_a_folder_that_holds_something_else_or_a_file_is_left_alone(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert site.main([str(tmp_path)]) == 1
    assert "is not empty and holds no site built before, so it is left alone" in capsys.readouterr().err
    assert site.main([str(tmp_path / "notes.txt")]) == 1
    assert capsys.readouterr().err.endswith("notes.txt is a file: give a folder for the site (the default is "
                                            "build/site/).\n")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_link_to_a_file_the_site_does_not_show_stops_the_build():
    pages = site.site_map()
    assert site._relinked(f"[next]({NEXT}.ipynb) and [us](../README.md#the-finished-project)", ROUTERS,
                          pages) == f"[next]({NEXT}.html) and [us](about.html#the-finished-project)"
    assert site._relinked('<a href="../project">the project</a>', "notebooks/14.ipynb", pages) == (
        '<a href="project.html">the project</a>')
    with pytest.raises(site.SiteError, match=re.escape(ROUTERS) + r" links to '\.\./work/x\.py', which "
                                             r"the site has no page for"):
        site._relinked("see [the scratch file](../work/x.py)", ROUTERS, pages)


def test_an_anchor_written_for_github_finds_its_heading_and_a_wrong_one_stops_the_build():
    rendered = {"a.html": '<a href="b.html#the-finished-project">x</a>',
                "b.html": '<h2 id="The-finished-project">The finished project</h2>'}
    sources = {"a.html": ROUTERS, "b.html": "README.md"}
    assert site._fix_fragments(rendered, sources)["a.html"] == '<a href="b.html#The-finished-project">x</a>'
    wrong = f"{ROUTERS} links to #no-such-heading in README.md, which has no such heading"
    with pytest.raises(site.SiteError, match=wrong):
        site._fix_fragments({**rendered, "a.html": '<a href="b.html#no-such-heading">x</a>'}, sources)


def test_the_vendored_mermaid_is_the_named_file_and_the_version_jupyterlab_draws_with():
    assert hashlib.sha256(site.MERMAID.read_bytes()).hexdigest() == site.MERMAID_SHA256
    readme = (site.MERMAID.parent / "README.md").read_text(encoding="utf-8")
    assert f"`mermaid` {site.MERMAID_VERSION}" in readme and site.MERMAID_SHA256 in readme
    from jupyterlab.commands import get_app_dir

    versions = set()
    for chunk in (Path(get_app_dir()) / "static").glob("*.js"):
        text = chunk.read_text(encoding="utf-8")
        versions.update(re.findall(r'\(\)=>"(\d+\.\d+\.\d+)","getVersion"', text))
    assert versions == {site.MERMAID_VERSION}, (
        f"JupyterLab draws with Mermaid {versions}, the site with {site.MERMAID_VERSION}: update "
        "course/vendor/mermaid/ as its README says")
    assert REPO in site.MERMAID.parents


def test_a_notebook_that_cannot_be_read_or_a_missing_mermaid_gets_a_message(tmp_path, monkeypatch, capsys):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "99_broken.ipynb").write_text('{"cells": [', encoding="utf-8")  # cut short
    monkeypatch.setattr(site, "REPO", tmp_path)
    monkeypatch.setattr(site, "site_map", lambda: {"notebooks/99_broken.ipynb": "99_broken.html"})
    assert site.main([str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Cannot read notebooks/99_broken.ipynb (NotJSONError: ")
    assert "restore it with git" in err
    monkeypatch.setattr(site, "MERMAID", tmp_path / "vendor" / "mermaid.min.js")
    assert site.main([str(tmp_path / "out")]) == 1
    assert "is missing or not the file its README names" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_without_what_site_deps_fetches_make_site_says_in_one_line_to_run_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lite, "CACHE", tmp_path / "site-deps")  # never fetched
    assert site.main([str(tmp_path / "out")]) == 1
    said = capsys.readouterr().err.strip()
    assert said.startswith("The browser edition is built from files that `make site-deps` fetches once")
    assert said.endswith("run make site-deps, then this again.") and "\n" not in said
    assert (tmp_path / "out" / "index.html").is_file()  # the web edition is built, before it


def test_outside_a_git_clone_the_site_offers_no_zip_and_says_where_to_start(tmp_path, monkeypatch):
    monkeypatch.setattr(site, "REPO", tmp_path)  # a folder git does not know
    assert site._course_zip() is None
    page = series.lesson("routers")
    banner = site._header(f"{page.stem}.html", page.name, None)
    assert "To do the exercises, get the course's folder and run <code>make lab</code>" in banner
    assert "download the course" not in banner

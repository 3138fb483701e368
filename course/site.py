"""Build the web edition: a static site of the series, from the notebooks' stored outputs (``make site``).

``python -m course.site [FOLDER]`` writes ``build/site/`` (ignored by git), or FOLDER: the contents
(``index.html``, from ``notebooks/README.md``), a page for every lesson with the outputs Django and
SQLite really printed, the repository's guides (README, TEACHING, …), the finished project file by
file, and the course to download (a zip of the files git tracks). A lesson's page shows its student
copy, as ``make lab`` opens it: the exercise stubs, then the hints and worked solutions folded,
each solution with what its check printed when the course ran it; it links to that notebook file
and to the solved one. nbconvert's JupyterLab template renders the pages, so they look like the
lessons in JupyterLab; the course's template and style extend it, files in ``course/templates/site/``.
Links between files of the repository become links between pages; a link to anything the site does
not hold stops the build with a message naming it. A rebuild replaces the files the last one wrote
(listed in its manifest) and keeps any other, such as a ``CNAME``.

Offline, to build and to read: nothing is downloaded and the pages load nothing from the network.
nbconvert's template would load require.js, MathJax and Mermaid from a CDN. The site leaves out the
first two (no lesson has widgets or math) and draws the diagrams with nbconvert's own script, given
the Mermaid that JupyterLab bundles, vendored in ``course/vendor/mermaid/`` (its README says how to
update it). The pages use classic scripts, so they also work from ``file://``: open ``index.html``.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import posixpath
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote

import jinja2
import nbformat
from nbconvert import HTMLExporter

from course import __version__, arguments, lessonformat, lite
from course.lessonformat import CHECK
from course.navigation import heading
from course.series import NOTEBOOKS, REPO, notebooks, tags
from course.student import student_copy

SITE = REPO / "build" / "site"
MERMAID = Path(__file__).parent / "vendor" / "mermaid" / "mermaid.min.js"
TEMPLATES = Path(__file__).parent / "templates"  # site/page.html.j2 and its style.css
MERMAID_VERSION = "11.16.1"  # the one JupyterLab 4.6 bundles (a test compares it with the installed one)
MERMAID_SHA256 = "18327bef70d96fb505fe7287d9f6a7362ebf07ff6576ddfaffb1a06f3e1a2954"
COURSE = "Django with multiple databases"
# The repository's files that become pages (paths as links name them, from the repository's folder).
DOCUMENTS = {
    "notebooks/README.md": "index.html",
    "README.md": "about.html",
    "TEACHING.md": "teaching.html",
    "CONTRIBUTING.md": "contributing.html",
    "CHANGELOG.md": "changelog.html",
    "LICENSE.md": "license.html",
    "project": "project.html",  # the finished project, every file on one page
}
COURSE_ZIP = f"django-multiple-databases-{__version__}.zip"  # the course's files, for readers to run it
EPOCH = (1980, 1, 1, 0, 0, 0)  # every file's date in the zip, so that the same files give the same zip
LITE = "lite"  # the browser edition's folder in the site (JupyterLite: course.lite builds it)
MANIFEST = ".made-by-make-site"  # the files a build wrote: the next one replaces them, keeps the rest
MENU = [("index.html", "Contents"), ("about.html", "How to start"), ("teaching.html", "For teachers"),
        ("project.html", "The finished project")]
LINK = re.compile(r"(\]\(|href=\")([^)\"\s]+)")  # a Markdown link's target, or an HTML one's
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # https:, mailto:, data:, …
ID = re.compile(r'\sid="([^"]+)"')
FRAGMENT_LINK = re.compile(r'href="([\w.-]+\.html)#([^"]+)"')


class SiteError(Exception):
    """The site cannot be built as asked; the message says why and what to do."""


def site_map() -> dict[str, str]:
    """Every file of the repository the site shows (its path from the repository's folder) → its page."""
    pages = {f"notebooks/{path.name}": f"{path.stem}.html" for path in notebooks()}
    return {**DOCUMENTS, **pages}


def _relinked(markdown: str, source: str, pages: dict[str, str]) -> str:
    """``markdown`` (of the file ``source``) with its links to files of the repository turned into
    links to their pages; a link to a file the site does not show raises SiteError."""

    def page(match: re.Match) -> str:
        opening, target = match.groups()
        if SCHEME.match(target) or target.startswith("#"):
            return match.group(0)
        path, _, fragment = target.partition("#")
        where = posixpath.normpath(posixpath.join(posixpath.dirname(source), path)).rstrip("/")
        if where not in pages:
            raise SiteError(f"{source} links to {target!r}, which the site has no page for: link to a "
                            f"notebook or one of {', '.join(DOCUMENTS)}, or to a web address.")
        return opening + pages[where] + (f"#{fragment}" if fragment else "")

    return LINK.sub(page, markdown)


def lite_path(lesson: str | None) -> str:
    """The browser edition's page that opens ``lesson``'s student copy (or its file browser), from
    the edition's folder."""
    return f"lab/index.html?path={lesson}" if lesson else "lab/index.html"


def _header(page: str, lesson: str | None, course_zip: str | None) -> str:
    """The bar on top of every page; on the contents and on each lesson, what the site is for and
    where the exercises are done; on a lesson, the links to its notebook files."""
    links = [("index.html", COURSE), *MENU]
    menu = "".join(f'<a href="{href}">{html.escape(text)}</a>' for href, text in links)
    header = f'<nav class="course-site" aria-label="The course">{menu}</nav>'
    get = (f'<a href="{course_zip}" download>download the course</a> (a zip), unpack it'
           if course_zip else "get the course's folder")
    to_do = (f'To do the exercises, {get} and run <code>make lab</code> '
             '(<a href="about.html">How to start</a>).')
    if lesson:
        solved = lesson.replace(".ipynb", "-solved.ipynb")
        local = lessonformat.own(NOTEBOOKS / lesson).get(lessonformat.LOCAL_ONLY)
        browser = (f'Not in the browser: this lesson starts {html.escape(local)}.' if local else
                   f'<a class="course-run" href="{LITE}/{lite_path(lesson)}" target="_blank">Run it in '
                   'your browser</a>, nothing to install (15 to 45 s to start; <a '
                   'href="about.html#in-your-browser">what it can do</a>).')
        about = (f'This page is the notebook <code>{lesson}</code>, with the outputs Django and SQLite '
                 f'really printed. {browser} {to_do} This notebook alone: <a href="student/{lesson}" '
                 f'download>your copy</a>, or <a href="notebooks/{lesson}" download="{solved}">solved, with '
                 'every output</a>.')
    elif page == "index.html":
        about = ('The web edition of the course, for reading: every lesson with the outputs Django and '
                 'SQLite really printed, its exercises as your copy shows them, and their worked solutions '
                 f'folded. Lessons marked "yes" also run in your browser, with nothing to install (<a '
                 f'href="{LITE}/{lite_path(None)}" target="_blank">open the browser edition</a>). {to_do}')
    else:
        about = to_do
    return f'{header}<p class="course-site">{about}</p>'


FOOTER = (f'<footer class="course-site">Course {__version__}, built from the notebooks and their outputs by '
          '<code>make site</code>. Code under the MIT licence, lesson text under CC BY 4.0: '
          '<a href="license.html">licence and credits</a>.</footer>')


def _project_markdown() -> str:
    """The finished project as one Markdown document: every file under a heading, in a code block."""
    files = [p.relative_to(REPO).as_posix() for p in sorted((REPO / "project").rglob("*")) if p.is_file()
             and not any(part.startswith((".", "__pycache__")) for part in p.relative_to(REPO).parts)
             and p.suffix not in (".pyc", ".sqlite3", ".log")]  # what running it leaves there, left out
    parts = ["# The finished project\n",
             "The project the series builds, as it stands after the last lesson: `project/` in the "
             "course's folder. The notebooks build it step by step; `make project` rebuilds it from "
             "their step cells, and the tests check that it matches.\n",
             # nbconvert gives a heading its text as id
             "\n".join(f"- [{_escaped(name)}](#{name})" for name in files) + "\n"]
    for name in files:
        text = (REPO / name).read_text(encoding="utf-8").rstrip()
        language = {".py": "python", ".ini": "ini"}.get(Path(name).suffix, "")
        shown = _fenced(text, language) if text else "*(empty: it makes the folder a package)*"
        parts.append(f"## `{name}`\n\n{shown}\n")
    return "\n".join(parts)


def _fenced(text: str, language: str) -> str:
    """``text`` as a Markdown code block, fenced with more backticks than it holds in a row."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}{language}\n{text}\n{fence}"


def _escaped(text: str) -> str:
    """``text`` as Markdown shows it literally (``__init__`` is not bold)."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)


def _document(text: str) -> nbformat.NotebookNode:
    """A notebook of one Markdown cell, its id fixed so that a rebuild writes the same page."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text, id="document")])


def _shown_as_notebook(source: str) -> nbformat.NotebookNode:
    """What the page of ``source`` shows, as a notebook: a lesson's student copy (with what each
    check printed inside its folded solution), or a document in one Markdown cell."""
    try:
        if source == "project":
            return _document(_project_markdown())
        if source.endswith(".md"):
            return _document((REPO / source).read_text(encoding="utf-8"))
        solved = nbformat.read(REPO / source, as_version=4)
        copy = student_copy(solved)
        _with_checks_printed(copy, solved)
        return copy
    except (OSError, ValueError, KeyError) as error:  # missing, not UTF-8, not a notebook, a bad cell
        raise SiteError(f"Cannot read {source} ({type(error).__name__}: {error}); restore it with git "
                        "(`git status` shows what changed).") from None


def _printed(outputs: list) -> str:
    """What a code cell printed (a check prints its verdict and what it ran), as text."""
    return "".join(o.text for o in outputs if o.output_type == "stream").rstrip()


def _with_checks_printed(copy: nbformat.NotebookNode, solved: nbformat.NotebookNode) -> None:
    """Put into each folded worked solution of ``copy`` what its check printed when the course ran
    it with that solution (the committed output of ``solved``)."""
    printed = {cell.id: _printed(cell.outputs) for cell in solved.cells if CHECK in tags(cell)}
    for cell in copy.cells:
        check = cell.id.removesuffix("-solution")
        if cell.id.endswith("-solution") and printed.get(check) and cell.source.endswith("</details>"):
            cell.source = (cell.source.removesuffix("</details>") + "With this solution, the check printed:"
                           f"\n\n{_fenced(printed[check], 'text')}\n\n</details>")


def _github_slug(heading_id: str) -> str:
    """The anchor GitHub gives a heading, from the id nbconvert gives it (``Key-points``: key-points)."""
    return re.sub(r"[^\w\- ]", "", unquote(heading_id).lower())


def _fix_fragments(rendered: dict[str, str], sources: dict[str, str]) -> dict[str, str]:
    """Point each link into another page at an id that page has: a Markdown link written for GitHub
    (``README.md#the-finished-project``) names the heading as GitHub does, nbconvert another way.
    ``sources`` names the file each page comes from, for the message about a wrong anchor."""
    ids = {page: set(ID.findall(text)) for page, text in rendered.items()}

    def fixed(match: re.Match, source: str) -> str:
        page, fragment = match.groups()
        if page not in ids or fragment in ids[page]:
            return match.group(0)
        same = [i for i in sorted(ids[page]) if _github_slug(i) == fragment]
        if not same:
            raise SiteError(f"{source} links to #{fragment} in {sources.get(page, page)}, which has no such "
                            "heading: fix the link's anchor.")
        return f'href="{page}#{same[0]}"'

    return {page: FRAGMENT_LINK.sub(functools.partial(fixed, source=sources.get(page, page)), text)
            for page, text in rendered.items()}


def _course_zip() -> bytes | None:
    """The course's files as git tracks them, in one zip (the same bytes for the same files), or
    None when the course's folder is not a git clone."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(n for n in listed.decode("utf-8").split("\0") if n and (REPO / n).is_file()):
            entry = zipfile.ZipInfo(f"{COURSE_ZIP.removesuffix('.zip')}/{name}", date_time=EPOCH)
            entry.external_attr = ((REPO / name).stat().st_mode & 0o777 | 0o100000) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, (REPO / name).read_bytes())
    return buffer.getvalue()


def _check(folder: Path) -> None:
    """Refuse a folder the site must not be written into: a file, or a folder of something else."""
    if folder.exists() and not folder.is_dir():
        raise SiteError(f"{folder} is a file: give a folder for the site (the default is build/site/).")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MANIFEST).is_file():
        raise SiteError(f"{folder} is not empty and holds no site built before, so it is left alone: give "
                        "a new or empty folder (the default is build/site/).")


def _write(folder: Path, files: dict[str, bytes]) -> list[str]:
    """Write ``files`` into ``folder`` in place of the files the previous build wrote (its manifest
    lists them); return the other files, which are kept (a ``CNAME`` for GitHub Pages, say)."""
    _check(folder)
    manifest = folder / MANIFEST
    before = manifest.read_text(encoding="utf-8").splitlines() if manifest.is_file() else []
    for name in before:
        path = (folder / name).resolve()
        if path.is_relative_to(folder.resolve()) and path.is_file():
            path.unlink()
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    manifest.write_text("".join(f"{name}\n" for name in sorted(files)), encoding="utf-8")
    written = {*files, MANIFEST}
    return sorted(n for p in folder.rglob("*") if p.is_file() and (n := p.relative_to(folder).as_posix())
                  not in written and not n.startswith(f"{LITE}/"))  # the browser edition: built next


def build(folder: Path = SITE) -> tuple[list[str], list[str]]:
    """Build the site into ``folder``; return the pages written, in the order of the site map, and
    the files of the folder that the build did not write and kept."""
    _check(folder)  # before the work, and again just before writing
    lessonformat.require(notebooks())  # a notebook that breaks the format is refused, problem by problem
    if not MERMAID.is_file() or hashlib.sha256(MERMAID.read_bytes()).hexdigest() != MERMAID_SHA256:
        raise SiteError(f"{MERMAID.relative_to(REPO)} is missing or not the file its README names: "
                        "restore it with git, or update it as the README says.")
    pages = site_map()
    exporter = HTMLExporter(template_name="lab", template_file="site/page.html.j2",
                            extra_loaders=[jinja2.FileSystemLoader(TEMPLATES)])
    course_zip = _course_zip()
    rendered = {}
    for source, page in pages.items():
        nb = _shown_as_notebook(source)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _relinked(cell.source, source, pages)
        title = heading(nb)  # the page's title: its first heading, then the course's name
        nb.metadata["title"] = f"{re.sub(r'[`*]', '', title)} · {COURSE}" if title else COURSE
        lesson = Path(source).name if source.endswith(".ipynb") else None
        site = {"header": _header(page, lesson, course_zip and COURSE_ZIP), "footer": FOOTER,
                "diagrams": any("```mermaid" in c.source for c in nb.cells if c.cell_type == "markdown")}
        rendered[page], _ = exporter.from_notebook_node(nb, resources={"site": site})
    files = {page: text.encode("utf-8") for page, text in
             _fix_fragments(rendered, {page: source for source, page in pages.items()}).items()}
    files["assets/mermaid.min.js"] = MERMAID.read_bytes()
    files["assets/mermaid-LICENSE"] = (MERMAID.parent / "LICENSE").read_bytes()
    for path in notebooks():  # the files each lesson's page links to
        files[f"notebooks/{path.name}"] = path.read_bytes()
        copy = nbformat.writes(student_copy(nbformat.read(path, as_version=4))) + "\n"
        files[f"student/{path.name}"] = copy.encode("utf-8")
    if course_zip:
        files[COURSE_ZIP] = course_zip
    return list(rendered), _write(folder, files)


def main(argv: list[str] | None = None) -> int:
    """``python -m course.site [FOLDER]``: build the site, say where; 1 with a message when it cannot."""
    folder = (arguments.parser("course.site", __doc__).parse_args(argv).folder or SITE).resolve()
    start = time.monotonic()
    try:
        pages, kept = build(folder)
        web = time.monotonic()
        lite.build(folder / LITE, folder / "student")  # the student copies the web edition holds
    except (SiteError, lessonformat.FormatError, lite.LiteError) as error:
        print(error, file=sys.stderr)
        return 1
    shown = folder.relative_to(REPO) if folder.is_relative_to(REPO) else folder
    print(f"Built the web edition: {len(pages)} pages in {shown}/ in {web - start:.1f} s.")
    print(f"Built the browser edition (JupyterLite: lessons run in the browser, nothing to install) in "
          f"{shown / LITE}/ in {time.monotonic() - web:.1f} s.")
    if kept:
        print(f"Kept what the build does not write: {', '.join(kept)}.")
    if not (folder / COURSE_ZIP).is_file():
        print("The course's folder is not a git clone, so the site offers no download of the course.")
    print(f"Open {shown / 'index.html'} in a browser (no server needed), or publish the folder as it is; "
          f"the browser edition needs a web server: python -m http.server -d {shown} -b 127.0.0.1 serves "
          "both at http://127.0.0.1:8000/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

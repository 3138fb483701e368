"""Build the web edition: a static site of the series, from the committed notebooks (``make site``).

``python -m course.site [FOLDER]`` writes ``build/site/`` (ignored by git), or FOLDER: the contents
(``index.html``, from ``notebooks/README.md``), a page for every lesson with the outputs Django and
SQLite really printed, the repository's guides (README, TEACHING, …) and the finished project,
file by file. A lesson's page shows its student copy, as ``make lab`` opens it: the exercise stubs,
then the hints and worked solutions collapsed. Each lesson page links to that notebook file and to
the solved one. nbconvert's JupyterLab template renders the pages, so they look like the lessons in
JupyterLab. Links between files of the repository become links between pages; a link to anything
the site does not hold stops the build with a message naming it.

Offline, to build and to read: nothing is downloaded and the pages load nothing from the network.
nbconvert's template would load require.js, MathJax and Mermaid from a CDN. The site leaves out the
first two (no lesson has widgets or math) and draws the diagrams with nbconvert's own script, given
the Mermaid that JupyterLab bundles, vendored in ``course/vendor/mermaid/`` (its README says how to
update it). The pages use classic scripts, so they also work from ``file://``: open ``index.html``.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import posixpath
import re
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import jinja2
import nbformat
from nbconvert import HTMLExporter

from course import __version__
from course.student import student_copy
from course.workspace import REPO, notebooks

SITE = REPO / "build" / "site"
MERMAID = Path(__file__).parent / "vendor" / "mermaid" / "mermaid.min.js"
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
MENU = [("index.html", "Contents"), ("about.html", "How to start"), ("teaching.html", "For teachers"),
        ("project.html", "The finished project")]
LINK = re.compile(r"(\]\(|href=\")([^)\"\s]+)")  # a Markdown link's target, or an HTML one's
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # https:, mailto:, data:, …
ID = re.compile(r'\sid="([^"]+)"')
FRAGMENT_LINK = re.compile(r'href="([\w.-]+\.html)#([^"]+)"')
CSS = """
.course-site { font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size2);
  padding: 10px 20px; color: var(--jp-ui-font-color1); line-height: 1.6; }
nav.course-site { display: flex; flex-wrap: wrap; gap: 0 1.5em;
  border-bottom: 1px solid var(--jp-border-color2); }
nav.course-site a:first-child { font-weight: bold; margin-right: auto; }
p.course-site { margin: 0; background: var(--jp-layout-color2); }
footer.course-site { border-top: 1px solid var(--jp-border-color2); color: var(--jp-ui-font-color2); }
.course-site a { color: var(--jp-content-link-color); }
main { max-width: 1100px; margin: 0 auto; }
"""
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- from 'mermaidjs.html.j2' import mermaid_js -%}
{% block html_head_js_requirejs %}{% endblock %}
{% block html_head_js_mathjax %}{% endblock %}
{% block html_head_js_mermaidjs -%}
{%- if resources.site.diagrams -%}
<script src="assets/mermaid.min.js"></script>
{#- Mermaid would draw every .mermaid element on load by itself; nbconvert's script does it instead -#}
<script>mermaid.initialize({startOnLoad: false});</script>
{#- nbconvert's own drawing script, importing the vendored Mermaid that the lines above loaded -#}
{{ mermaid_js("data:text/javascript,export default globalThis.mermaid;", "") }}
{%- endif -%}
{%- endblock html_head_js_mermaidjs %}
{% block extra_css %}<style>{{ resources.site.css }}</style>{% endblock extra_css %}
{% block body_header %}{{ super() }}
{{ resources.site.header }}
{% endblock body_header %}
{% block body_footer %}
{{ resources.site.footer }}
{{ super() }}
{% endblock body_footer %}
"""


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


def _header(name: str | None) -> str:
    """The bar on top of every page, and on a lesson's page the links to its notebook files."""
    links = [("index.html", COURSE), *MENU]
    menu = "".join(f'<a href="{href}">{html.escape(text)}</a>' for href, text in links)
    header = f'<nav class="course-site" aria-label="The course">{menu}</nav>'
    if name:
        header += (
            f'<p class="course-site">This page is the notebook <code>{name}</code>, with the outputs Django '
            f'and SQLite really printed. To run it: <a href="student/{name}" download>your copy</a> (the '
            f'exercises to do, as <code>make lab</code> opens it) or <a href="notebooks/{name}" download>the '
            'solved notebook</a>, both inside the course\'s folder '
            '(<a href="about.html">How to start</a>).</p>')
    return header


FOOTER = (f'<footer class="course-site">Course {__version__}, built from the committed notebooks by '
          '<code>make site</code>. Code under the MIT licence, lesson text under CC BY 4.0: '
          '<a href="license.html">licence and credits</a>.</footer>')


def _project_markdown() -> str:
    """The finished project as one Markdown document: every file under a heading, in a code block."""
    files = [p.relative_to(REPO).as_posix() for p in sorted((REPO / "project").rglob("*")) if p.is_file()
             and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".sqlite3", ".log")]
    parts = ["# The finished project\n",
             "The project the series builds, as it stands after the last lesson: `project/` in the "
             "course's folder. The notebooks build it step by step; `make project` rebuilds it from "
             "their step cells, and the tests check that it matches.\n",
             # nbconvert gives a heading its text as id
             "\n".join(f"- [{_escaped(name)}](#{name})" for name in files) + "\n"]
    for name in files:
        text = (REPO / name).read_text(encoding="utf-8").rstrip()
        fence = "````" if "```" in text else "```"
        language = {".py": "python", ".ini": "ini"}.get(Path(name).suffix, "")
        shown = f"{fence}{language}\n{text}\n{fence}" if text else "*(empty: it makes the folder a package)*"
        parts.append(f"## `{name}`\n\n{shown}\n")
    return "\n".join(parts)


def _escaped(text: str) -> str:
    """``text`` as Markdown shows it literally (``__init__`` is not bold)."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)


def _document(text: str) -> nbformat.NotebookNode:
    """A notebook of one Markdown cell, its id fixed so that a rebuild writes the same page."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text, id="document")])


def _title(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        for line in cell.source.splitlines() if cell.cell_type == "markdown" else []:
            if line.startswith("# "):
                return re.sub(r"[`*]", "", line[2:]).strip()
    return COURSE


def _shown_as_notebook(source: str) -> nbformat.NotebookNode:
    """What the page of ``source`` shows, as a notebook: a lesson's student copy, or a document in
    one Markdown cell."""
    try:
        if source == "project":
            return _document(_project_markdown())
        if source.endswith(".md"):
            return _document((REPO / source).read_text(encoding="utf-8"))
        return student_copy(nbformat.read(REPO / source, as_version=4))
    except (OSError, ValueError, KeyError) as error:  # missing, not UTF-8, not a notebook, a bad cell
        raise SiteError(f"Cannot read {source} ({type(error).__name__}: {error}); restore it with git "
                        "(`git status` shows what changed).") from None


def _github_slug(heading_id: str) -> str:
    """The anchor GitHub gives a heading, from the id nbconvert gives it (``Key-points``: key-points)."""
    return re.sub(r"[^\w\- ]", "", unquote(heading_id).lower())


def _fix_fragments(rendered: dict[str, str]) -> dict[str, str]:
    """Point each link into another page at an id that page has: a Markdown link written for GitHub
    (``README.md#the-finished-project``) names the heading as GitHub does, nbconvert another way."""
    ids = {page: set(ID.findall(text)) for page, text in rendered.items()}

    def fixed(match: re.Match) -> str:
        page, fragment = match.groups()
        if page not in ids or fragment in ids[page]:
            return match.group(0)
        same = [i for i in sorted(ids[page]) if _github_slug(i) == fragment]
        if not same:
            raise SiteError(f"A link points to #{fragment} in {page}, which has no such heading: fix the "
                            "link's anchor in the Markdown.")
        return f'href="{page}#{same[0]}"'

    return {page: FRAGMENT_LINK.sub(fixed, text) for page, text in rendered.items()}


def _prepare(folder: Path) -> None:
    """Empty ``folder`` for a new build: only a site built before, never a folder of anything else."""
    built_before = (folder / "index.html").is_file() and (folder / "assets" / MERMAID.name).is_file()
    if folder.exists() and any(folder.iterdir()) and not built_before:
        raise SiteError(f"{folder} is not empty and holds no site built before, so it is left alone: give "
                        "a new or empty folder (the default is build/site/).")
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "assets").mkdir(parents=True)


def build(folder: Path = SITE) -> list[str]:
    """Build the site into ``folder``; return the pages written, in the order of the site map."""
    if not MERMAID.is_file() or hashlib.sha256(MERMAID.read_bytes()).hexdigest() != MERMAID_SHA256:
        raise SiteError(f"{MERMAID.relative_to(REPO)} is missing or not the file its README names: "
                        "restore it with git, or update it as the README says.")
    pages = site_map()
    exporter = HTMLExporter(template_name="lab", template_file="site.html.j2",
                            extra_loaders=[jinja2.DictLoader({"site.html.j2": TEMPLATE})])
    rendered = {}
    for source, page in pages.items():
        nb = _shown_as_notebook(source)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _relinked(cell.source, source, pages)
        title = _title(nb)
        nb.metadata["title"] = title if title == COURSE else f"{title} · {COURSE}"
        lesson = Path(source).name if source.endswith(".ipynb") else None
        site = {"css": CSS, "header": _header(lesson), "footer": FOOTER,
                "diagrams": any("```mermaid" in c.source for c in nb.cells if c.cell_type == "markdown")}
        rendered[page], _ = exporter.from_notebook_node(nb, resources={"site": site})
    rendered = _fix_fragments(rendered)
    _prepare(folder)
    for page, text in rendered.items():
        (folder / page).write_text(text, encoding="utf-8")
    shutil.copy(MERMAID, folder / "assets" / MERMAID.name)
    shutil.copy(MERMAID.parent / "LICENSE", folder / "assets" / "mermaid-LICENSE")
    (folder / "notebooks").mkdir()
    (folder / "student").mkdir()
    for path in notebooks():  # the files each lesson's page links to
        shutil.copy(path, folder / "notebooks" / path.name)
        nbformat.write(student_copy(nbformat.read(path, as_version=4)), folder / "student" / path.name)
    return list(rendered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.site", description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=SITE,
                        help="where to write the site (default: build/site/, ignored by git)")
    folder = parser.parse_args(argv).folder.resolve()
    start = time.monotonic()
    try:
        pages = build(folder)
    except SiteError as error:
        print(error, file=sys.stderr)
        return 1
    shown = folder.relative_to(REPO) if folder.is_relative_to(REPO) else folder
    print(f"Built the web edition: {len(pages)} pages in {shown}/ in {time.monotonic() - start:.1f} s.\n"
          f"Open {shown / 'index.html'} in a browser (no server needed), or publish the folder as it is.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

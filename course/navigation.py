"""Generate the navigation bars of the notebooks and the index ``notebooks/README.md``.

It also keeps each notebook's "*Part N of M" and the course's version in its banner up to date.
The bars and the index live between marker comments, so a rerun updates them in place:
``<!-- nav:start -->…<!-- nav:end -->`` in a notebook's first and last Markdown cells (each marker
on a line of its own: a line that starts with a comment is raw HTML to a CommonMark parser, which
would then show the links as text),
``<!-- index:start -->…<!-- index:end -->`` in the index, the table of the notebooks (each one's
summary, from its metadata) in README.md between ``<!-- notebooks:start -->…<!-- notebooks:end -->``,
and the reference of the notebook format (``course.lessonformat``) in CONTRIBUTING.md between
``<!-- format:start -->…<!-- format:end -->``.
``python -m course.navigation`` rewrites them (``make nav``); ``--check`` only lists what is out of
date. Both refuse notebooks that break the format, listing the problems.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

from course import __version__, arguments, lessonformat
from course.series import NOTEBOOKS, REPO, notebooks, track

INDEX = NOTEBOOKS / "README.md"
CONTRIBUTING = REPO / "CONTRIBUTING.md"
README = REPO / "README.md"
PART = re.compile(r"\*Part \d+ of \d+")  # "*Part 3 of 14 · about …" under each title
# The banner names the course's version: "> **Version.** Course 1.1.0, written for …"
BANNER = re.compile(r"> \*\*Version\.\*\* (?:Course [\w.]+, written|Written) for")
NAV = re.compile(r"<!-- nav:start -->.*?<!-- nav:end -->", re.S)
INDEX_BLOCK = re.compile(r"<!-- index:start -->.*?<!-- index:end -->", re.S)
FORMAT_BLOCK = re.compile(r"<!-- format:start -->.*?<!-- format:end -->", re.S)
TABLE_BLOCK = re.compile(r"<!-- notebooks:start -->.*?<!-- notebooks:end -->", re.S)


def heading(nb: nbformat.NotebookNode) -> str | None:
    """The first ``# `` heading of a notebook's Markdown cells, without the ``#``; None if it has none."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def title(path: Path) -> str:
    """The notebook's title: its first Markdown heading, without the ``#``."""
    found = heading(nbformat.read(path, as_version=4))
    if found is None:
        raise ValueError(f"{path.name} has no '# ' title in its Markdown cells")
    return found


def nav_bar(index: int, series: list[Path]) -> str:
    """``[← previous] | [Contents] | [next →]`` for the notebook at ``index``."""
    parts = []
    if index > 0:
        parts.append(f"[← {title(series[index - 1])}]({series[index - 1].name})")
    parts.append(f"[Contents]({INDEX.name})")
    if index < len(series) - 1:
        parts.append(f"[{title(series[index + 1])} →]({series[index + 1].name})")
    return "<!-- nav:start -->\n" + " | ".join(parts) + "\n<!-- nav:end -->"


def questions(path: Path) -> str:
    """The notebook's questions, from its ``**Questions**`` block, joined in one line."""
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    block = text.split("**Questions**", 1)[-1].split("**Objectives**", 1)[0]
    lines = [line.lstrip("> ") for line in block.splitlines()]
    return " ".join(line.lstrip("- ").strip() for line in lines if line.startswith("-"))


MINUTES = re.compile(r"about (\d+) minutes teaching, (\d+) minutes exercises?")


def minutes(path: Path) -> tuple[int, int]:
    """The notebook's stated minutes of teaching and of exercises (challenges included)."""
    nb = nbformat.read(path, as_version=4)
    found = MINUTES.search("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
    if found is None:
        raise ValueError(f"{path.name} states no 'about N minutes teaching, M minutes exercises'")
    return int(found[1]), int(found[2])


def _hours(paths: list[Path]) -> str:
    """The stated minutes of ``paths``, teaching and exercises, as ``H h MM``."""
    total = sum(sum(minutes(p)) for p in paths)
    return f"{total // 60} h {total % 60:02d}"


def _span(paths: list[Path]) -> str:
    return f"{paths[0].stem[:2]}–{paths[-1].stem[:2]}"


def index_block(series: list[Path]) -> str:
    """The table of the series for ``notebooks/README.md``, with the minutes of each lesson and track."""
    rows = []
    for p in series:
        teaching, exercises = minutes(p)
        local = lessonformat.own(p).get(lessonformat.LOCAL_ONLY)
        browser = f"no: {local}" if local else "yes"
        rows.append(f"| [{title(p)}]({p.name}) | {questions(p)} | {teaching} + {exercises} | {browser} |")
    for name, label in lessonformat.TRACKS.items():  # each lesson's track is in its own metadata
        lessons = [p for p in series if track(p) == name]
        if lessons:
            said = f"{name} track, {_span(lessons)}" + (f": {label}" if label else "")
            rows.append(f"| | {said} | {_hours(lessons)} | |")
    head = ("| notebook | questions it answers | minutes (teaching + exercises) | in the browser |\n"
            "|---|---|---|---|")
    return "<!-- index:start -->\n" + head + "\n" + "\n".join(rows) + "\n<!-- index:end -->"


def readme_table(series: list[Path]) -> str:
    """The table of the series for README.md: each lesson and what it teaches (its own summary)."""
    rows = [f"| [{title(p)}]({NOTEBOOKS.name}/{p.name}) | {lessonformat.own(p)[lessonformat.SUMMARY]} |"
            for p in series]
    return "<!-- notebooks:start -->\n| notebook | what you learn |\n|---|---|\n" + "\n".join(rows) + (
        "\n<!-- notebooks:end -->")


def update(check: bool = False) -> list[str]:
    """Bring every generated part up to date (or, with ``check``, only list what is stale);
    ``lessonformat.FormatError`` if a notebook breaks the format."""
    series = notebooks()
    lessonformat.require(series)
    stale = []
    for i, path in enumerate(series):
        nb = nbformat.read(path, as_version=4)
        bar = nav_bar(i, series)
        markdown = [c for c in nb.cells if c.cell_type == "markdown"]
        for cell in (markdown[0], markdown[-1]):
            if not NAV.search(cell.source):
                raise ValueError(f"{path.name}: a first or last Markdown cell lacks the nav markers")
            new = NAV.sub(lambda _, bar=bar: bar, cell.source)
            if new != cell.source:
                stale.append(f"{path.name}: navigation bar")
                cell.source = new
        part = PART.sub(f"*Part {i + 1} of {len(series)}", markdown[0].source, count=1)
        if part != markdown[0].source:
            stale.append(f"{path.name}: part number")
            markdown[0].source = part
        for cell in markdown:
            banner = BANNER.sub(f"> **Version.** Course {__version__}, written for", cell.source, count=1)
            if banner != cell.source:
                stale.append(f"{path.name}: version in the banner")
                cell.source = banner
        if not check and stale and stale[-1].startswith(path.name):
            nbformat.write(nb, path)
    stale += _regenerated(INDEX, INDEX_BLOCK, index_block(series), "index", check)
    stale += _regenerated(README, TABLE_BLOCK, readme_table(series), "the table of the notebooks", check)
    reference = f"<!-- format:start -->\n{lessonformat.reference()}\n<!-- format:end -->"
    stale += _regenerated(CONTRIBUTING, FORMAT_BLOCK, reference, "the notebook format", check)
    return sorted(set(stale))


def _regenerated(path: Path, block: re.Pattern, new_block: str, what: str, check: bool) -> list[str]:
    """Put ``new_block`` in place of ``block`` in the file at ``path`` (unless ``check``); ``[what]``
    named after the file when it was stale."""
    text = path.read_text(encoding="utf-8")
    if not block.search(text):
        raise ValueError(f"{path.name} lacks the markers of {what}")
    new = block.sub(lambda _: new_block, text)
    if new == text:
        return []
    if not check:
        path.write_text(new, encoding="utf-8")
    return [f"{path.name}: {what}"]


def main(argv: list[str] | None = None) -> int:
    """``python -m course.navigation [--check]``: update (or only list) what is out of date."""
    check = arguments.parser("course.navigation", __doc__).parse_args(argv).check
    try:
        stale = update(check)
    except lessonformat.FormatError as error:
        print(error, file=sys.stderr)
        return 1
    print("\n".join(stale) or "navigation and index are up to date")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())

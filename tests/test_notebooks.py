"""Static checks of the committed notebooks: executed, comparable, portable, complete lessons."""

from __future__ import annotations

import getpass
import json
import re
from pathlib import Path

import nbformat
import pytest

from course import lessons, navigation
from course.lessonformat import COURSE, LOCAL_ONLY, RAISES, RERUNS, STEP, SUMMARY, TRACK
from course.series import NOTEBOOKS, REPO, notebooks, tags

SERIES = notebooks()
EXCUSE_MARKERS = ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")  # tags would hide the reason: not used
LEAKS = {
    "an absolute path": re.compile(r"(/home/|/root/|/tmp/|/Users/|/work/|[A-Za-z]:\\\\)"),
    "this repository's path": re.compile(re.escape(str(REPO))),
    "a date": re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b|\b\d\d?/[A-Z][a-z]{2}/\d{4}\b"),
    "a timing": re.compile(r"\bin \d+\.\d+s\b|\b\d+\.\d+ ?(ms|seconds)\b"),
    "a memory address": re.compile(r"\b0x[0-9a-fA-F]{6,}\b"),
}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_the_series_is_numbered_from_01_without_gaps():
    assert [p.stem[:2] for p in SERIES] == [f"{n:02d}" for n in range(1, len(SERIES) + 1)]


@pytest.mark.parametrize("path", SERIES, ids=lambda p: p.stem)
def test_every_code_cell_was_executed_in_one_straight_run(path):
    counts = [c["execution_count"] for c in code_cells(load(path))]
    assert None not in counts, "a code cell has no execution count: nbval would not compare it"
    assert counts == list(range(1, len(counts) + 1)), "outputs must come from one run, top to bottom"


@pytest.mark.parametrize("path", SERIES, ids=lambda p: p.stem)
def test_metadata_is_portable_and_timing_free(path):
    nb = load(path)
    own = {key: value for key, value in nb["metadata"].get(COURSE, {}).items()
           if key in (TRACK, SUMMARY, LOCAL_ONLY)}
    rerun = nb["metadata"].get(COURSE, {}).get(RERUNS)
    assert isinstance(rerun, bool), "make outputs records whether a rerun in the same kernel continues"
    assert nb["metadata"] == {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
        COURSE: {**own, RERUNS: rerun},  # the lesson's track, summary…: test_lessonformat checks them
    }
    for cell in nb["cells"]:
        assert "execution" not in cell.get("metadata", {}), "timing metadata was committed"


@pytest.mark.parametrize("path", SERIES, ids=lambda p: p.stem)
def test_outputs_hold_nothing_machine_specific(path):
    user = getpass.getuser()
    for cell in code_cells(load(path)):
        text = json.dumps(cell["outputs"], ensure_ascii=False)
        for what, pattern in LEAKS.items():
            assert not pattern.search(text), f"an output of {source(cell)[:60]!r} holds {what}"
        if len(user) > 3:
            assert f"/{user}/" not in text and f"\\{user}\\" not in text


@pytest.mark.parametrize("path", SERIES, ids=lambda p: p.stem)
def test_at_most_one_code_cell_in_ten_is_excused_and_each_says_why(path):
    cells = code_cells(load(path))
    excused = [c for c in cells if any(m in source(c) for m in EXCUSE_MARKERS)]
    assert len(excused) * 10 <= len(cells)
    for cell in excused:
        lines = source(cell).splitlines()
        marker = next(i for i, line in enumerate(lines) if line.strip() in EXCUSE_MARKERS)
        assert lines[marker + 1].startswith("# why:"), "an excused cell needs '# why: …' on the next line"


@pytest.mark.parametrize("path", SERIES, ids=lambda p: p.stem)
def test_expected_errors_really_raised(path):
    for cell in code_cells(load(path)):
        raised = any(o["output_type"] == "error" for o in cell["outputs"])
        expected = RAISES in tags(cell)  # and its first line says so (test_lessonformat)
        assert raised == expected, source(cell)[:80]


@pytest.mark.parametrize("path", SERIES, ids=lambda p: p.stem)
def test_first_cell_restores_this_notebook_and_says_so_in_one_line(path):
    first = code_cells(load(path))[0]
    assert f'open_project("{path.stem}")' in source(first)
    text = "".join(first["outputs"][0]["text"])
    assert text.count("\n") == 1 and text.startswith(f"Project folder {path.stem}/ ready")


@pytest.mark.parametrize("path", SERIES, ids=lambda p: p.stem)
def test_step_cells_only_change_files(path):
    for cell in code_cells(load(path)):
        if STEP in tags(cell):
            text = source(cell)
            if text.startswith("%%writefile"):
                continue  # the body is a file's content, not code the kernel runs
            assert "setup_django" not in text, text[:80]
            assert not re.search(r"^\s*(import|from) django\b", text, re.M), text[:80]
            assert "NBVAL" not in text, "a step must succeed"


def test_every_notebook_has_the_lesson_skeleton():
    assert lessons.report() == []


def test_the_skeleton_checker_notices_a_missing_part(tmp_path):
    nb = nbformat.read(SERIES[1], as_version=4)
    for cell in nb.cells:
        cell.source = cell.source.replace("## Key points", "## Summary")
    path = tmp_path / SERIES[1].name
    nbformat.write(nb, path)
    assert lessons.missing(path, first=False) == ["key points"]


def test_navigation_and_index_are_up_to_date():
    assert navigation.update(check=True) == [], "run `make nav`"


@pytest.mark.parametrize("path", [*SERIES, REPO / "README.md", NOTEBOOKS / "README.md"], ids=lambda p: p.name)
def test_relative_links_point_to_existing_files(path):
    if path.suffix == ".ipynb":
        text = "\n".join(source(c) for c in load(path)["cells"] if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


@pytest.mark.parametrize("path", [*SERIES, REPO / "README.md", NOTEBOOKS / "README.md"], ids=lambda p: p.name)
def test_links_between_notebooks_render_as_links(path):
    """A CommonMark parser (mistune, as nbconvert uses; JupyterLab's marked agrees) makes each
    Markdown link to a notebook or the index a real link: none is swallowed by raw HTML."""
    import mistune

    render = mistune.create_markdown(escape=False)  # raw HTML kept as CommonMark keeps it
    if path.suffix == ".ipynb":
        texts = [source(c) for c in load(path)["cells"] if c["cell_type"] == "markdown"]
    else:
        texts = [path.read_text(encoding="utf-8")]
    for text in texts:
        html = render(text)
        for target in re.findall(r"\]\(([^)#\s]+\.(?:ipynb|md))\)", text):
            assert f'href="{target}"' in html, f"{path.name}: the link to {target} shows as text"


def test_readme_lists_every_notebook():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for path in SERIES:
        assert f"notebooks/{path.name}" in readme
    assert readme.index("make lab") < readme.index("make test") < readme.index("| ")


def test_notebooks_folder_holds_only_the_series():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == [p.name for p in SERIES]


DIAGRAM = re.compile(r"```mermaid\n.*?\n```\n", re.S)
IN_WORDS = "*The diagram in words:* "


@pytest.mark.parametrize("path", SERIES, ids=lambda p: p.stem)
def test_every_diagram_is_described_in_words_below_it(path):
    """For readers who cannot see it (a screen reader, a text-only view): one paragraph after each
    Mermaid diagram, starting with IN_WORDS, and a title (``accTitle``) that JupyterLab and the web
    edition give the drawn image as its alternative text."""
    for cell in load(path)["cells"]:
        text = source(cell)
        for diagram in DIAGRAM.finditer(text):
            after = text[diagram.end():].lstrip("\n")
            assert after.startswith(IN_WORDS), f"{path.name}: a diagram has no description:\n{diagram[0]}"
            assert re.search(r"^    accTitle: \S", diagram[0], re.M), (  # the drawn image's alt text
                f"{path.name}: a diagram has no accTitle line (its title for screen readers):\n{diagram[0]}")

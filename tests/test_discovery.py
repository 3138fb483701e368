"""Lessons are discovered, never listed (``course.series``): every ``notebooks/NN_topic.ipynb`` is one,
code names a lesson without its number, and its track is in its own metadata."""

from __future__ import annotations

import re

import answers
import pytest

from course import lessonformat
from course.series import REPO, UnknownLesson, chosen, lesson, notebooks, tags, track


def test_a_lesson_is_found_by_its_name_without_its_number():
    routers = lesson("routers")
    assert routers in notebooks() and routers.name.endswith("_routers.ipynb") and routers.stem[:2].isdigit()
    with pytest.raises(UnknownLesson, match="No lesson named 'router'; the series has: one_database, "):
        lesson("router")


def test_lessons_are_chosen_by_number_or_name_in_teaching_order():
    first, second, third = notebooks()[:3]
    assert chosen([third.stem[:2], first.stem[3:], second.stem]) == [first, second, third]
    with pytest.raises(UnknownLesson, match='No lesson 99, x: name lessons by number or name, such as LESS'):
        chosen(["99", first.stem[:2], "x"])


def test_each_track_is_read_from_the_lessons_own_metadata_and_the_series_starts_with_the_core():
    tracks = [track(path) for path in notebooks()]
    assert set(tracks) == set(lessonformat.TRACKS) and tracks[0] == lessonformat.CORE
    assert tracks == sorted(tracks, key=list(lessonformat.TRACKS).index)


def test_no_lesson_file_name_is_written_in_the_code_or_the_tests():
    """Adding or renumbering a lesson changes no code: code and tests find lessons (``lesson("routers")``,
    ``notebooks()[0]``), and documents may name them. A check module named after its lesson may too."""
    names = re.compile("|".join(re.escape(path.stem) for path in notebooks()))
    sources = [*(REPO / "course").rglob("*.py"), *(REPO / "tests").rglob("*.py"), REPO / "Makefile",
               REPO / "pyproject.toml"]
    checks = [path for path in sources if path.relative_to(REPO).parts[:2] in {("course", "exercises"),
                                                                               ("course", "exercises.py")}]
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}" for path in sources if path not in checks
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if names.search(line)]
    assert found == [], "name the lesson with series.lesson(NAME), or find it in series.notebooks()"


def test_the_series_facts_need_nothing_installed():
    """``cli`` imports ``series`` before anything is installed: it and what it imports are the standard
    library's."""
    import ast

    for module in ("series", "lessonformat", "errors"):
        tree = ast.parse((REPO / "course" / f"{module}.py").read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        standard = {"__future__", "collections", "json", "re", "sys", "pathlib", "types"}
        assert imported <= standard | {"course"}, module


def test_the_guides_name_each_tracks_lessons_as_their_metadata_does():
    """README.md and TEACHING.md name each track's span of lessons (``01–07``): a lesson added to a
    track, or moved, shows here until they say it too."""
    stale = []
    for name in lessonformat.TRACKS:
        lessons = [path.stem[:2] for path in notebooks() if track(path) == name]
        span = f"{lessons[0]}–{lessons[-1]}"  # with an en dash
        stale += [f"{guide} does not name the {name} track's lessons as {span} (an en dash, –)"
                  for guide in ("README.md", "TEACHING.md")
                  if span not in (REPO / guide).read_text(encoding="utf-8")]
    assert not stale, "; ".join(stale)


def test_each_lesson_with_checks_has_its_answers_right_and_wrong():
    """A lesson's answers are its own module, ``tests/answers/<name>.py``, found like its checks: each
    check's table at least one right answer and one wrong (test_check_messages.py tries them all)."""
    tables = answers.tables()
    checked = {path.stem[3:] for path in notebooks()
               if any(lessonformat.CHECK in tags(cell) for cell in lessonformat.read(path)["cells"])}
    missing, unknown = sorted(checked - set(tables)), sorted(set(tables) - checked)
    assert not missing, f"no answers for the lessons {missing}: add tests/answers/<name>.py (its CASES)"
    assert not unknown, f"tests/answers/ answers no lesson with checks named {unknown}: rename or remove them"
    for name, table in tables.items():
        assert table, f"tests/answers/{name}.py: CASES is empty"
        for check, tried in table.items():
            right = [wanted == answers.RIGHT for _, wanted in tried]
            said = f"tests/answers/{name}.py: give {check} a right and a wrong answer"
            assert any(right) and not all(right), said

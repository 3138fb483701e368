"""Lessons are discovered, never listed (``course.series``): every ``notebooks/NN_topic.ipynb`` is one,
code names a lesson without its number, and its track is in its own metadata."""

from __future__ import annotations

import re

import pytest

from course import lessonformat
from course.series import REPO, UnknownLesson, chosen, lesson, notebooks, track


def test_a_lesson_is_found_by_its_name_without_its_number():
    routers = lesson("routers")
    assert routers in notebooks() and routers.name.endswith("_routers.ipynb") and routers.stem[:2].isdigit()
    with pytest.raises(UnknownLesson, match="No lesson named 'router'; the series has: one_database, "):
        lesson("router")


def test_lessons_are_chosen_by_number_or_name_in_teaching_order():
    first, second, third = notebooks()[:3]
    assert chosen([third.stem[:2], first.stem[3:], second.stem]) == [first, second, third]
    with pytest.raises(UnknownLesson, match='No lesson 99, x: name lessons by number, such as LESSONS="03'):
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
        assert imported <= {"__future__", "course", "json", "re", "sys", "pathlib", "types"}, module


def test_the_guides_name_each_tracks_lessons_as_their_metadata_does():
    """README.md and TEACHING.md name each track's span of lessons (``01–07``): a lesson added to a
    track, or moved, shows here until they say it too."""
    for name in lessonformat.TRACKS:
        lessons = [path.stem[:2] for path in notebooks() if track(path) == name]
        for guide in ("README.md", "TEACHING.md"):
            text = (REPO / guide).read_text(encoding="utf-8")
            assert f"{lessons[0]}–{lessons[-1]}" in text, f"{guide} does not name the {name} track's lessons"

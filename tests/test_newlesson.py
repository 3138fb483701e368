"""Unit tests of ``course.newlesson``: a name, title or track that cannot start a lesson is refused in
one line, before anything is written (the recipe itself: ``test_add_a_lesson.py``)."""

from __future__ import annotations

import pytest

from course import newlesson
from course.series import REPO


def files() -> list[str]:
    """The files a new lesson would add to: the lessons, the check modules, the answers."""
    return sorted(p.name for folder in (REPO / "notebooks", newlesson.CHECKS, newlesson.ANSWERS)
                  for p in folder.iterdir())


@pytest.mark.parametrize(("topic", "title", "said"), [
    ("Caching", "Caching", "'Caching' cannot name a lesson: lower-case letters"),
    ("2fast", "Caching", "'2fast' cannot name a lesson"),
    ("caching-per-alias", "Caching", "cannot name a lesson"),
    ("caching", "  ", "Give the lesson a title"),
    ("class", "Classes", "'class' cannot name a lesson"),
    ("routers", "Routers again", "course/exercises/routers.py exists already"),
    ("judges", "Judges", "course/exercises/judges.py exists already"),
    ("tables_without_id", "Ids", "check_tables_without_id (in listing_the_tables.py) exists"),
])
def test_a_lesson_that_cannot_start_is_refused_before_anything_is_written(topic, title, said):
    before = files()
    with pytest.raises(newlesson.CannotStart) as refused:
        newlesson.start(topic, title)
    assert said in str(refused.value) and "\n" not in str(refused.value)
    assert files() == before


def test_the_command_says_a_refusal_in_one_line(capsys):
    assert newlesson.main(["Caching", "Caching per alias"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "cannot name a lesson" in err

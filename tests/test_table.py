"""Unit tests of ``course.table``: results as text and as HTML tables."""

from __future__ import annotations

from course.table import Table


def test_table_renders_text_and_escaped_html():
    table = Table(["name", "n"], [["<b>", 1]])
    assert repr(table).splitlines() == ["name  n", "----  -", "<b>   1"]
    assert "<td>&lt;b&gt;</td>" in table._repr_html_()
    assert table.column("n") == [1]
